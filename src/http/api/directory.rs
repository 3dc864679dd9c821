//! `/api/v1/contractors` (the CRM-synced directory, read only: Zoho is where they are
//! edited) and `/api/v1/users` (the workspace's people).

use app::model::{ApiScope, ContractorCard, ContractorDetail, ContractorFilter, UserSummary};
use app::server::authz::Capability;
use app::server::{AppState, contractors, users};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::caller::Caller;
use super::paging::{self, Page};
use super::path::Id;
use crate::http::problem::Problem;

/// A contractor as the directory lists them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractorSummary {
    pub id: i64,
    pub name: String,
    pub trade: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    /// Deleted in the CRM (kept here, marked).
    pub archived: bool,
}

impl From<ContractorCard> for ContractorSummary {
    fn from(card: ContractorCard) -> Self {
        ContractorSummary {
            id: card.id,
            name: card.name,
            trade: card.trade,
            city: card.city,
            region: card.region,
            status: card.status,
            archived: card.archived,
        }
    }
}

/// One contractor.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Contractor {
    #[serde(flatten)]
    pub summary: ContractorSummary,
    /// Their record's id in Zoho CRM.
    pub zoho_id: String,
    pub skills: Vec<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub zoho_modified_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub archived_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<ContractorDetail> for Contractor {
    fn from(detail: ContractorDetail) -> Self {
        Contractor {
            summary: detail.card.into(),
            zoho_id: detail.zoho_id,
            skills: detail.skills,
            company: detail.company,
            email: detail.email,
            phone: detail.phone,
            zoho_modified_at: detail.zoho_modified_at,
            archived_at: detail.archived_at,
            updated_at: detail.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ContractorListQuery {
    /// Words in the name, trade, skills, city, region or company.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Exactly this trade.
    #[param(max_length = 200)]
    trade: Option<String>,
    #[param(max_length = 200)]
    city: Option<String>,
    #[param(max_length = 200)]
    status: Option<String>,
    /// `true`: the archived (deleted in the CRM) instead of the current.
    #[param(pattern = "^(true|false|1|0)$")]
    archived: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
}

/// The directory, by name, with the count.
#[utoipa::path(
    get, path = "/contractors", tag = "contractors", operation_id = "listContractors",
    params(ContractorListQuery),
    responses(
        (status = 200, description = "One page of contractors", body = Page<ContractorSummary>,
         headers(("Link" = String, description = "The next page: `<…>; rel=\"next\"`"))),
    ),
    security(("api_key" = ["contractors:read"]))
)]
pub async fn list_contractors(
    caller: Caller,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::ContractorsRead, Capability::ViewContractors)?;
    let pairs = paging::pairs(query.as_deref())?;
    let filter = ContractorFilter::from_query(&pairs)?;
    let load = contractors::directory(&state.pool, viewer, &filter);
    let page = state
        .directory
        .page(viewer.tenant_id, &filter, load)
        .await?;
    Ok(Page {
        data: page
            .cards
            .iter()
            .cloned()
            .map(ContractorSummary::from)
            .collect(),
        next_cursor: page.next.map(|cursor| cursor.encode()),
        total: Some(page.count.into()),
    }
    .respond("/api/v1/contractors", &pairs))
}

/// One contractor.
#[utoipa::path(
    get, path = "/contractors/{id}", tag = "contractors", operation_id = "getContractor",
    params(("id" = i64, Path, description = "The contractor's id")),
    responses(
        (status = 200, description = "The contractor", body = Contractor),
        (status = 404, description = "No such contractor in this workspace", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["contractors:read"]))
)]
pub async fn get_contractor(
    caller: Caller,
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::ContractorsRead, Capability::ViewContractors)?;
    let detail = contractors::detail(&state.pool, viewer, id).await?;
    Ok(Json(Contractor::from(detail)).into_response())
}

/// A person of the workspace.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// `admin`, `employee` or `analyst`.
    #[schema(pattern = "^(admin|employee|analyst)$")]
    pub role: String,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sign_in_at: Option<OffsetDateTime>,
}

impl From<UserSummary> for User {
    fn from(user: UserSummary) -> Self {
        let role = serde_json::to_value(user.role).unwrap_or_default();
        User {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role: role.as_str().unwrap_or_default().to_string(),
            active: user.active,
            last_sign_in_at: user.last_sign_in_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserListQuery {
    /// The `next_cursor` of the page before.
    #[param(format = Uuid)]
    after: Option<String>,
    /// People a page, 1–500 (default 500).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The workspace's people (not API keys), by id.
#[utoipa::path(
    get, path = "/users", tag = "users", operation_id = "listUsers",
    params(UserListQuery),
    responses(
        (status = 200, description = "One page of people", body = Page<User>,
         headers(("Link" = String, description = "The next page: `<…>; rel=\"next\"`"))),
    ),
    security(("api_key" = ["users:read"]))
)]
pub async fn list_users(
    caller: Caller,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let viewer = caller.allowed(ApiScope::UsersRead, Capability::ListPeople)?;
    let pairs = paging::pairs(query.as_deref())?;
    let after = paging::param(&pairs, "after")
        .map(|text| Uuid::parse_str(text).map_err(|_| paging::bad_cursor()))
        .transpose()?;
    let limit = paging::limit(&pairs, 500)?;
    let (people, more) = users::people(&state.pool, viewer, after, limit).await?;
    let next_cursor = more
        .then(|| people.last().map(|user| user.id.to_string()))
        .flatten();
    Ok(Page {
        data: people.into_iter().map(User::from).collect(),
        next_cursor,
        total: None,
    }
    .respond("/api/v1/users", &pairs))
}
