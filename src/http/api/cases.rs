//! `/api/v1/cases`: the work queue's list (the filters of `/work` and `/cases`, keyset
//! pages), one case, creating one (through the one door every channel uses), and
//! changing one with `If-Match`. Each handler checks the key's scope, then calls the
//! same server functions the pages call: no rule is written twice.

use app::model::{
    ApiScope, CaseFields, CasePriority, CaseRecord, CaseRow, CaseStatus, ConflictState, NewCase,
};
use app::model::{AppError, CaseFilter};
use app::server::authz::Capability;
use app::server::{AppState, case_create, case_detail, case_edit, cases};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::body::JsonBody;
use super::caller::Caller;
use super::conditional::{self, Versioned};
use super::paging::{self, Page};
use super::path::Number;
use crate::http::problem::Problem;

/// A case as a list shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub number: i32,
    pub title: String,
    pub customer_name: String,
    #[schema(schema_with = super::schemas::case_status)]
    pub status: CaseStatus,
    #[schema(schema_with = super::schemas::case_priority)]
    pub priority: CasePriority,
    /// The case's version: its ETag, and what `If-Match` names to change it.
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The start of the latest comment, as plain text.
    pub last_comment: Option<String>,
}

impl From<&CaseRow> for CaseSummary {
    fn from(row: &CaseRow) -> Self {
        CaseSummary {
            number: row.number,
            title: row.title.clone(),
            customer_name: row.customer_name.clone(),
            status: row.status,
            priority: row.priority,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            last_comment: row.last_comment.clone(),
        }
    }
}

/// One case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Case {
    pub number: i32,
    pub title: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub customer_company: String,
    #[schema(schema_with = super::schemas::case_status)]
    pub status: CaseStatus,
    #[schema(schema_with = super::schemas::case_priority)]
    pub priority: CasePriority,
    /// Who works it; null: the unassigned pool.
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    pub archived: bool,
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<CaseRecord> for Case {
    fn from(record: CaseRecord) -> Self {
        let CaseFields {
            title,
            customer_name,
            customer_email,
            customer_phone,
            customer_company,
            status,
            priority,
            assignee_id,
        } = record.fields;
        Case {
            number: record.number,
            title,
            customer_name,
            customer_email,
            customer_phone,
            customer_company,
            status,
            priority,
            assignee_id,
            assignee_name: record.assignee_name,
            archived: record.archived,
            version: record.version,
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

/// The filters of the work queue pages (`/work`, `/cases`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CaseListQuery {
    /// Only these statuses (repeat the parameter for several).
    #[param(schema_with = super::schemas::case_status_list, style = Form, explode)]
    status: Option<Vec<String>>,
    #[param(schema_with = super::schemas::case_priority)]
    priority: Option<String>,
    /// Where the cases came from.
    #[param(schema_with = super::schemas::case_source)]
    source: Option<String>,
    /// Days (UTC) the cases were opened: `2026-11-01` or `2026-11-01..2026-11-07`.
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$")]
    opened: Option<String>,
    /// Days (UTC) the cases were closed, as `opened`.
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$")]
    closed: Option<String>,
    /// `true`: only archived; `any`: archived or not; default: not archived.
    #[param(pattern = "^(true|false|any)$")]
    archived: Option<String>,
    /// Words in the title, customer or number.
    #[param(max_length = 200)]
    q: Option<String>,
    /// `updated` (default, newest first), `created` or `priority`.
    #[param(pattern = "^(updated|created|priority)$")]
    sort: Option<String>,
    /// A person's id, or `unassigned`; default: everyone's cases.
    assignee: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
}

/// The cases matching the filter, 100 a page, with the count.
#[utoipa::path(
    get, path = "/cases", tag = "cases", operation_id = "listCases",
    params(CaseListQuery),
    responses(
        (status = 200, description = "One page of cases", body = Page<CaseSummary>,
         headers(("Link" = String, description = "The next page: `<…>; rel=\"next\"`"))),
    ),
    security(("api_key" = ["cases:read"]))
)]
pub async fn list_cases(
    caller: Caller,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CasesRead, Capability::ManageAllCases)?;
    let pairs = paging::pairs(query.as_deref())?;
    let filter = CaseFilter::from_query(&pairs)?;
    let assignee = pairs
        .iter()
        .find(|(key, _)| key == "assignee")
        .map(|(_, value)| value.as_str());
    let scope = cases::Scope::from_assignee_param(assignee)?;
    let page = cases::queue(&state.pool, viewer, scope, &filter).await?;
    Ok(Page {
        data: page.rows.iter().map(CaseSummary::from).collect(),
        next_cursor: page.next.map(|cursor| cursor.encode()),
        total: Some(page.count.into()),
    }
    .respond("/api/v1/cases", &pairs))
}

/// One case, with its version as the ETag.
#[utoipa::path(
    get, path = "/cases/{number}", tag = "cases", operation_id = "getCase",
    params(
        ("number" = i32, Path, description = "The case's number"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag you have: 304 if it is still current"),
    ),
    responses(
        (status = 200, description = "The case", body = Case,
         headers(("ETag" = String, description = "The case's version"))),
        (status = 304, description = "Not changed since the ETag named"),
        (status = 404, description = "No such case in this workspace", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["cases:read"]))
)]
pub async fn get_case(
    caller: Caller,
    State(state): State<AppState>,
    Number(number): Number,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CasesRead, Capability::ManageAllCases)?;
    let record = case_detail::record(&state.pool, viewer, number).await?;
    if conditional::not_modified(&headers, record.version) {
        return Ok(conditional::unchanged(record.version));
    }
    Ok(conditional::tagged(StatusCode::OK, Case::from(record)))
}

/// What a new case is made of.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(min_length = 1, max_length = 200)]
    pub customer_name: String,
    #[serde(default)]
    #[schema(format = "email", max_length = 254)]
    pub customer_email: String,
    #[serde(default)]
    #[schema(max_length = 50)]
    pub customer_phone: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub customer_company: String,
    /// Default `normal`.
    #[serde(default)]
    #[schema(schema_with = super::schemas::case_priority_optional)]
    pub priority: Option<String>,
    /// Who works it (someone who works cases); absent or null: the unassigned pool.
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    /// The first comment (Markdown), if any.
    #[serde(default)]
    pub comment: String,
}

/// Opens a case, as the New case form does (source `api`).
#[utoipa::path(
    post, path = "/cases", tag = "cases", operation_id = "createCase",
    request_body = NewCaseBody,
    responses(
        (status = 201, description = "Created", body = Case,
         headers(("Location" = String, description = "The new case"), ("ETag" = String, description = "Its version"))),
    ),
    security(("api_key" = ["cases:write"]))
)]
pub async fn create_case(
    caller: Caller,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<NewCaseBody>,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CasesWrite, Capability::ManageAllCases)?;
    let new = NewCase::parse(
        &body.title,
        &body.customer_name,
        &body.customer_email,
        &body.customer_phone,
        &body.customer_company,
        body.priority.as_deref().unwrap_or_default(),
        &body
            .assignee_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        &body.comment,
    )?;
    let created = case_create::create(&state.pool, case_create::Channel::Api(viewer), &new).await?;
    let record = case_detail::record(&state.pool, viewer, created.number).await?;
    let mut response = conditional::tagged(StatusCode::CREATED, Case::from(record));
    if let Ok(location) = format!("/api/v1/cases/{}", created.number).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The fields to change; those left out keep their value.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub customer_name: Option<String>,
    #[schema(format = "email", max_length = 254)]
    pub customer_email: Option<String>,
    #[schema(max_length = 50)]
    pub customer_phone: Option<String>,
    #[schema(max_length = 200)]
    pub customer_company: Option<String>,
    #[schema(schema_with = super::schemas::case_status_optional)]
    pub status: Option<String>,
    #[schema(schema_with = super::schemas::case_priority_optional)]
    pub priority: Option<String>,
    /// Someone who works cases, or null for the unassigned pool.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_id: Option<Option<Uuid>>,
}

/// A field that is present, even as null, is `Some` (null: `Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(deserializer).map(Some)
}

impl CasePatch {
    fn over(self, mut fields: CaseFields) -> Result<CaseFields, AppError> {
        let set = |target: &mut String, value: Option<String>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(&mut fields.title, self.title);
        set(&mut fields.customer_name, self.customer_name);
        set(&mut fields.customer_email, self.customer_email);
        set(&mut fields.customer_phone, self.customer_phone);
        set(&mut fields.customer_company, self.customer_company);
        if let Some(status) = self.status {
            fields.status = CaseStatus::parse(status.trim()).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "is not a status (new, open, pending, resolved, closed)",
                )
            })?;
        }
        if let Some(priority) = self.priority {
            fields.priority = CasePriority::parse(priority.trim()).ok_or_else(|| {
                AppError::invalid("priority", "is not a priority (low, normal, high, urgent)")
            })?;
        }
        if let Some(assignee) = self.assignee_id {
            fields.assignee_id = assignee;
        }
        Ok(fields)
    }
}

/// Changes a case if it is still at the version `If-Match` names: 428 without it, 412
/// with the case as it is now when it changed since (and nothing is written).
#[utoipa::path(
    patch, path = "/cases/{number}", tag = "cases", operation_id = "updateCase",
    params(
        ("number" = i32, Path, description = "The case's number"),
        ("If-Match" = String, Header, description = "The ETag of the version the change is based on"),
    ),
    request_body = CasePatch,
    responses(
        (status = 200, description = "Changed (or nothing differed)", body = Case,
         headers(("ETag" = String, description = "The case's version now"))),
        (status = 404, description = "No such case in this workspace", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since that version; `current` is the case now", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["cases:write"]))
)]
pub async fn update_case(
    caller: Caller,
    State(state): State<AppState>,
    Number(number): Number,
    headers: HeaderMap,
    JsonBody(patch): JsonBody<CasePatch>,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::CasesWrite, Capability::ManageAllCases)?;
    let expected = conditional::expected(&headers)?;
    let current = case_detail::record(&state.pool, viewer, number).await?;
    let version = expected.version(current.version);
    let fields = patch.over(current.fields)?;
    match case_edit::save(&state.pool, viewer, number, version, fields).await {
        Ok(saved) => Ok(conditional::tagged(StatusCode::OK, Case::from(saved))),
        Err(AppError::Conflict { current }) => {
            let now: ConflictState =
                serde_json::from_value(current).map_err(|_| Problem::from(&AppError::Internal))?;
            let version = now.current.version;
            let body = serde_json::to_value(Case::from(now.current)).unwrap_or_default();
            Ok(conditional::stale(body, version))
        }
        Err(error) => Err(error.into()),
    }
}

impl Versioned for Case {
    fn version(&self) -> i32 {
        self.version
    }
}
