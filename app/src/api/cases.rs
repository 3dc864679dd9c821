//! The work queues: one's own, and the team's (admins).

use leptos::prelude::*;

use crate::model::{AppError, CasePage, TeamPage};

#[cfg(feature = "ssr")]
use crate::model::CaseFilter;
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, cases, request};

/// The signed-in employee's own queue, for the filter in `query` (the page's URL query
/// string, parsed here so a bad value is a clear 422, never a guess).
#[server(endpoint = "cases/mine")]
pub async fn my_queue(query: String) -> Result<CasePage, AppError> {
    let viewer = request::require(Capability::WorkOwnCases)?;
    let filter = CaseFilter::from_query(&parse_query(&query)?)?;
    cases::queue(
        &request::state()?.pool,
        &viewer,
        cases::Scope::Mine,
        &filter,
    )
    .await
}

/// Every case of the tenant (admins), optionally one assignee's or the unassigned.
#[server(endpoint = "cases/team")]
pub async fn team_queue(query: String) -> Result<TeamPage, AppError> {
    let viewer = request::require(Capability::ManageAllCases)?;
    let pairs = parse_query(&query)?;
    let filter = CaseFilter::from_query(&pairs)?;
    let assignee = pairs
        .iter()
        .find(|(key, _)| key == "assignee")
        .map(|(_, value)| value.as_str());
    let scope = cases::Scope::from_assignee_param(assignee)?;
    let pool = &request::state()?.pool;
    let page = cases::queue(pool, &viewer, scope, &filter).await?;
    Ok(TeamPage {
        page,
        assignees: cases::assignees(pool, &viewer).await?,
    })
}

#[cfg(feature = "ssr")]
fn parse_query(query: &str) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(query)
        .map_err(|_| AppError::invalid("query", "is not a valid query string"))
}
