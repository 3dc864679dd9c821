//! The work queue.

use leptos::prelude::*;

use crate::model::{AppError, CasePage};

#[cfg(feature = "ssr")]
use crate::model::CaseFilter;
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, cases, request};

/// The signed-in employee's own queue, for the filter in `query` (the page's URL query
/// string, parsed here so a bad value is a clear 422, never a guess).
#[server(endpoint = "cases/mine")]
pub async fn my_queue(query: String) -> Result<CasePage, AppError> {
    let viewer = request::require(Capability::WorkOwnCases)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&query)
        .map_err(|_| AppError::invalid("query", "is not a valid query string"))?;
    let filter = CaseFilter::from_query(&pairs)?;
    cases::queue(
        &request::state()?.pool,
        &viewer,
        cases::Scope::Mine,
        &filter,
    )
    .await
}
