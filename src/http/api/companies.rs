//! `/api/v1/companies`: the list (the companies page's filters), one company, adding
//! and changing one (`If-Match`), and its enrichment: asking for a run and reading it.

use app::model::{
    ApiScope, AppError, CompanyFilter, CompanyRecord, CompanyRow, EnrichmentView, NewCompany,
};
use app::server::authz::Capability;
use app::server::{AppState, companies, company_edit, enrichment};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::body::JsonBody;
use super::caller::Caller;
use super::conditional::{self, Versioned};
use super::paging::{self, Page};
use super::path::Id;
use crate::http::problem::Problem;

/// A company as the list shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompanySummary {
    pub id: i64,
    pub name: String,
    pub website_url: String,
    pub sector: String,
    #[schema(schema_with = super::schemas::company_stage_optional)]
    pub stage: Option<String>,
    pub location: String,
    /// 0–100, from its latest good enrichment.
    pub score: Option<i16>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub enriched_at: Option<OffsetDateTime>,
    #[schema(schema_with = super::schemas::enrichment_status_optional)]
    pub enrichment_status: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<CompanyRow> for CompanySummary {
    fn from(row: CompanyRow) -> Self {
        CompanySummary {
            id: row.id,
            name: row.name,
            website_url: row.website_url,
            sector: row.sector,
            stage: row.stage.map(|stage| stage.as_str().to_string()),
            location: row.location,
            score: row.score,
            enriched_at: row.enriched_at,
            enrichment_status: row.enrichment_status.map(|s| s.as_str().to_string()),
            created_at: row.created_at,
        }
    }
}

/// One company.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Company {
    pub id: i64,
    pub name: String,
    pub website_url: String,
    pub sector: String,
    #[schema(schema_with = super::schemas::company_stage_optional)]
    pub stage: Option<String>,
    pub location: String,
    /// Its version: its ETag, and what `If-Match` names to change it.
    pub version: i32,
    pub added_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<CompanyRecord> for Company {
    fn from(record: CompanyRecord) -> Self {
        Company {
            id: record.id,
            name: record.name,
            website_url: record.website_url,
            sector: record.sector,
            stage: record.stage.map(|stage| stage.as_str().to_string()),
            location: record.location,
            version: record.version,
            added_by: record.added_by,
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CompanyListQuery {
    /// The sector, whole (any case).
    #[param(max_length = 200)]
    sector: Option<String>,
    #[param(schema_with = super::schemas::company_stage)]
    stage: Option<String>,
    /// Words anywhere in the location.
    #[param(max_length = 200)]
    location: Option<String>,
    #[param(minimum = 0, maximum = 100)]
    min_score: Option<u8>,
    #[param(minimum = 0, maximum = 100)]
    max_score: Option<u8>,
    /// Words in the name or website.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Only the companies on this list.
    list: Option<i64>,
    /// `score` (default, highest first), `name` or `added`.
    #[param(pattern = "^(score|name|added)$")]
    sort: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
}

/// The companies matching the filter, 50 a page, with the count.
#[utoipa::path(
    get, path = "/companies", tag = "companies", operation_id = "listCompanies",
    params(CompanyListQuery),
    responses(
        (status = 200, description = "One page of companies", body = Page<CompanySummary>,
         headers(("Link" = String, description = "The next page: `<…>; rel=\"next\"`"))),
    ),
    security(("api_key" = ["companies:read"]))
)]
pub async fn list_companies(
    caller: Caller,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CompaniesRead, Capability::UseCompanies)?;
    let pairs = paging::pairs(query.as_deref())?;
    let filter = CompanyFilter::from_query(&pairs)?;
    let page = companies::list(&state.pool, viewer, &filter).await?;
    Ok(Page {
        data: page.rows.into_iter().map(CompanySummary::from).collect(),
        next_cursor: page.next.map(|cursor| cursor.encode()),
        total: Some(page.count.into()),
    }
    .respond("/api/v1/companies", &pairs))
}

/// One company, with its version as the ETag.
#[utoipa::path(
    get, path = "/companies/{id}", tag = "companies", operation_id = "getCompany",
    params(
        ("id" = i64, Path, description = "The company's id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag you have: 304 if it is still current"),
    ),
    responses(
        (status = 200, description = "The company", body = Company,
         headers(("ETag" = String, description = "The company's version"))),
        (status = 304, description = "Not changed since the ETag named"),
        (status = 404, description = "No such company in this workspace", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["companies:read"]))
)]
pub async fn get_company(
    caller: Caller,
    State(state): State<AppState>,
    Id(id): Id,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CompaniesRead, Capability::UseCompanies)?;
    let record = company_edit::find(&state.pool, viewer, id).await?;
    if conditional::not_modified(&headers, record.version) {
        return Ok(conditional::unchanged(record.version));
    }
    Ok(conditional::tagged(StatusCode::OK, Company::from(record)))
}

/// A company's details, as the add form takes them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyBody {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Its website (a scheme is added when missing); one company per website.
    #[schema(min_length = 1, max_length = 2048, pattern = r"^\S+$")]
    pub website: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub sector: String,
    #[serde(default)]
    #[schema(schema_with = super::schemas::company_stage_optional)]
    pub stage: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub location: String,
}

impl CompanyBody {
    fn parse(&self) -> Result<NewCompany, AppError> {
        NewCompany::parse(
            &self.name,
            &self.website,
            &self.sector,
            self.stage.as_deref().unwrap_or_default(),
            &self.location,
        )
    }
}

/// Adds a company. A website already tracked is a 409 whose `current` is the company
/// that has it (`{"id", "name"}`).
#[utoipa::path(
    post, path = "/companies", tag = "companies", operation_id = "createCompany",
    request_body = CompanyBody,
    responses(
        (status = 201, description = "Added", body = Company,
         headers(("Location" = String, description = "The new company"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "The website is already tracked; `current` names that company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["companies:write"]))
)]
pub async fn create_company(
    caller: Caller,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<CompanyBody>,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CompaniesWrite, Capability::AddCompanies)?;
    let new = body.parse()?;
    let id = companies::create(&state.pool, viewer, &new).await?;
    let record = company_edit::find(&state.pool, viewer, id).await?;
    let mut response = conditional::tagged(StatusCode::CREATED, Company::from(record));
    if let Ok(location) = format!("/api/v1/companies/{id}").parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Replaces a company's details if it is still at the version `If-Match` names (428
/// without it; 412 with the company as it is now when it changed since).
#[utoipa::path(
    put, path = "/companies/{id}", tag = "companies", operation_id = "updateCompany",
    params(
        ("id" = i64, Path, description = "The company's id"),
        ("If-Match" = String, Header, description = "The ETag of the version the change is based on"),
    ),
    request_body = CompanyBody,
    responses(
        (status = 200, description = "Saved (or nothing differed)", body = Company,
         headers(("ETag" = String, description = "The company's version now"))),
        (status = 404, description = "No such company in this workspace", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since that version; `current` is the company now", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["companies:write"]))
)]
pub async fn update_company(
    caller: Caller,
    State(state): State<AppState>,
    Id(id): Id,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CompanyBody>,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CompaniesWrite, Capability::UseCompanies)?;
    let expected = conditional::expected(&headers)?;
    let fields = body.parse()?;
    let version = match expected {
        conditional::Expected::Any => company_edit::find(&state.pool, viewer, id).await?.version,
        other => other.version(0),
    };
    match company_edit::save(&state.pool, viewer, id, version, &fields).await {
        Ok(saved) => Ok(conditional::tagged(StatusCode::OK, Company::from(saved))),
        Err(AppError::Conflict { current }) => {
            let now: CompanyRecord =
                serde_json::from_value(current).map_err(|_| Problem::from(&AppError::Internal))?;
            let version = now.version;
            let body = serde_json::to_value(Company::from(now)).unwrap_or_default();
            Ok(conditional::stale(body, version))
        }
        Err(error) => Err(error.into()),
    }
}

/// Where a company's enrichment is, and its last good result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrichment {
    #[schema(schema_with = super::schemas::enrichment_status)]
    pub status: String,
    /// While running: `fetching`, `extracting` or `scoring`.
    pub step: Option<String>,
    pub attempts: i32,
    /// Why the latest run failed, in words.
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// The latest good result (kept when a newer run fails).
    pub result: Option<EnrichmentResult>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrichmentResult {
    pub summary: String,
    pub what_they_do: Vec<String>,
    pub keywords: Vec<String>,
    /// 0–100.
    pub score: u8,
    /// `low`, `medium` or `high`: how much evidence the score rests on.
    pub confidence: String,
    /// What was found on the site, each with its evidence.
    #[schema(value_type = Vec<Object>)]
    pub signals: serde_json::Value,
    /// The pages that were read.
    #[schema(value_type = Vec<Object>)]
    pub sources: serde_json::Value,
    pub provider: String,
    pub model: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub enriched_at: OffsetDateTime,
}

impl From<EnrichmentView> for Enrichment {
    fn from(view: EnrichmentView) -> Self {
        let text = |value: serde_json::Value| value.as_str().unwrap_or_default().to_string();
        Enrichment {
            status: view.status.as_str().to_string(),
            step: view.step.map(|step| step.as_str().to_string()),
            attempts: view.attempts,
            error: view.error,
            requested_at: view.requested_at,
            finished_at: view.finished_at,
            result: view.result.map(|result| EnrichmentResult {
                summary: result.enrichment.summary,
                what_they_do: result.enrichment.what_they_do,
                keywords: result.enrichment.keywords,
                score: result.enrichment.score,
                confidence: text(
                    serde_json::to_value(result.enrichment.confidence).unwrap_or_default(),
                ),
                signals: serde_json::to_value(result.enrichment.signals).unwrap_or_default(),
                sources: serde_json::to_value(result.enrichment.sources).unwrap_or_default(),
                provider: result.provider,
                model: result.model,
                enriched_at: result.enriched_at,
            }),
        }
    }
}

/// The company's enrichment: where the latest run is, and the last good result.
#[utoipa::path(
    get, path = "/companies/{id}/enrichment", tag = "companies", operation_id = "getEnrichment",
    params(("id" = i64, Path, description = "The company's id")),
    responses(
        (status = 200, description = "The enrichment", body = Enrichment),
        (status = 404, description = "No such company, or it was never enriched", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["companies:read"]))
)]
pub async fn get_enrichment(
    caller: Caller,
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CompaniesRead, Capability::UseCompanies)?;
    let detail = companies::detail(
        &state.pool,
        &state.caches,
        viewer,
        id,
        &state.config.enrich_per_hour,
    )
    .await?;
    let view = detail.enrichment.ok_or(AppError::NotFound)?;
    Ok(Json(Enrichment::from(view)).into_response())
}

/// Asks for an enrichment run (a background job): 202, and the run is read at the
/// `Location`. Counted against the workspace's allowance like the page's button.
#[utoipa::path(
    post, path = "/companies/{id}/enrichment", tag = "companies", operation_id = "requestEnrichment",
    params(("id" = i64, Path, description = "The company's id")),
    responses(
        (status = 202, description = "Queued (or already running)", body = Enrichment,
         headers(("Location" = String, description = "Where the run is read"))),
        (status = 404, description = "No such company in this workspace", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["companies:write"]))
)]
pub async fn request_enrichment(
    caller: Caller,
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CompaniesWrite, Capability::UseCompanies)?;
    let limits = &state.config.enrich_per_hour;
    enrichment::request(&state.pool, &state.jobs.enrich, viewer, id, limits).await?;
    let detail = companies::detail(&state.pool, &state.caches, viewer, id, limits).await?;
    let view = detail.enrichment.ok_or(AppError::Internal)?;
    let mut response = (StatusCode::ACCEPTED, Json(Enrichment::from(view))).into_response();
    if let Ok(location) = format!("/api/v1/companies/{id}/enrichment").parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

impl Versioned for Company {
    fn version(&self) -> i32 {
        self.version
    }
}
