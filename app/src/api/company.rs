//! One company: read it, change its details and notes, ask for its enrichment. Every
//! write is also a plain form that comes back to the company page without JavaScript.

// `save_company` takes one argument per form field (what a plain form posts).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, CompanyDetail, CompanyNote, CompanyRecord, EnrichmentView, Quota};

#[cfg(feature = "ssr")]
use crate::model::NewCompany;
#[cfg(feature = "ssr")]
use crate::server::authz::Capability;
#[cfg(feature = "ssr")]
use crate::server::{companies, company_edit, enrichment, request};

/// The company page's data: details, enrichment, and the viewer's quota.
#[server(endpoint = "company/detail", input = GetUrl)]
pub async fn load_company(id: i64) -> Result<CompanyDetail, AppError> {
    let state = request::state()?;
    let viewer = request::require(Capability::UseCompanies)?;
    companies::detail(
        &state.pool,
        &state.caches,
        &viewer,
        id,
        &state.config.enrich_per_hour,
    )
    .await
}

/// Just the enrichment and the quota: what the page reloads when the live stream says
/// the enrichment moved.
#[server(endpoint = "company/enrichment", input = GetUrl)]
pub async fn enrichment_status(id: i64) -> Result<(Option<EnrichmentView>, Quota), AppError> {
    let state = request::state()?;
    let viewer = request::require(Capability::UseCompanies)?;
    let detail = companies::detail(
        &state.pool,
        &state.caches,
        &viewer,
        id,
        &state.config.enrich_per_hour,
    )
    .await?;
    Ok((detail.enrichment, detail.quota))
}

/// Queues an enrichment of the company and returns at once. Without JavaScript the
/// browser goes back to the company page (with the error, if refused).
#[server(endpoint = "company/enrich")]
pub async fn request_enrichment(id: i64) -> Result<(), AppError> {
    let outcome = async {
        let state = request::state()?;
        let viewer = request::require(Capability::UseCompanies)?;
        enrichment::request(
            &state.pool,
            &state.jobs.enrich,
            &viewer,
            id,
            &state.config.enrich_per_hour,
        )
        .await
    }
    .await;
    back_to_company(id, outcome.as_ref().err());
    outcome
}

/// Saves the company's details if it is still at `version` (409 with the current
/// company otherwise; 422 naming the field for bad input, or a website already tracked).
#[server(endpoint = "company/save")]
pub async fn save_company(
    id: i64,
    version: i32,
    name: String,
    website: String,
    sector: String,
    stage: String,
    location: String,
) -> Result<CompanyRecord, AppError> {
    let outcome = async {
        let state = request::state()?;
        let viewer = request::require(Capability::UseCompanies)?;
        let fields = NewCompany::parse(&name, &website, &sector, &stage, &location)?;
        company_edit::save(&state.pool, &viewer, id, version, &fields).await
    }
    .await;
    back_to_company(id, outcome.as_ref().err());
    outcome
}

#[server(endpoint = "company/note")]
pub async fn add_note(id: i64, body: String) -> Result<CompanyNote, AppError> {
    let outcome = async {
        let state = request::state()?;
        let viewer = request::require(Capability::UseCompanies)?;
        company_edit::add_note(&state.pool, &viewer, id, &body).await
    }
    .await;
    back_to_company(id, outcome.as_ref().err());
    outcome
}

/// Edits a note if it is still at `version` (409 with the current note otherwise).
#[server(endpoint = "company/note/edit")]
pub async fn edit_note(
    id: i64,
    note_id: i64,
    version: i32,
    body: String,
) -> Result<CompanyNote, AppError> {
    let outcome = async {
        let state = request::state()?;
        let viewer = request::require(Capability::UseCompanies)?;
        company_edit::edit_note(&state.pool, &viewer, id, note_id, version, &body).await
    }
    .await;
    back_to_company(id, outcome.as_ref().err());
    outcome
}

#[server(endpoint = "company/note/delete")]
pub async fn delete_note(id: i64, note_id: i64) -> Result<(), AppError> {
    let outcome = async {
        let state = request::state()?;
        let viewer = request::require(Capability::UseCompanies)?;
        company_edit::delete_note(&state.pool, &viewer, id, note_id).await
    }
    .await;
    back_to_company(id, outcome.as_ref().err());
    outcome
}

/// Without JavaScript, every form on the company page comes back to it (with the error
/// when refused).
#[cfg(feature = "ssr")]
fn back_to_company(id: i64, error: Option<&AppError>) {
    let params = error.map(|error| ("error", error.to_string()));
    super::send_form_back(|| (format!("/companies/{id}"), params.into_iter().collect()));
}
