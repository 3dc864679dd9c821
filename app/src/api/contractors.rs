//! The contractor directory: a page of cards, and one contractor.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, ContractorDetail, DirectoryPage};

#[cfg(feature = "ssr")]
use crate::model::ContractorFilter;
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, contractors, request};

/// One page of the directory for the filter in `query` (the page's URL query string;
/// a bad value is a clear 422).
#[server(endpoint = "contractors/list", input = GetUrl)]
pub async fn list_contractors(query: String) -> Result<DirectoryPage, AppError> {
    let state = request::state()?;
    let viewer = request::require(Capability::ViewContractors)?;
    let filter = ContractorFilter::from_query_string(&query)?;
    let load = contractors::directory(&state.pool, &viewer, &filter);
    state.directory.page(viewer.tenant_id, &filter, load).await
}

#[server(endpoint = "contractors/get", input = GetUrl)]
pub async fn get_contractor(id: i64) -> Result<ContractorDetail, AppError> {
    let pool = &request::state()?.pool;
    let viewer = request::require(Capability::ViewContractors)?;
    contractors::detail(pool, &viewer, id).await
}
