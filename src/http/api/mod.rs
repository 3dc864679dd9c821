//! The REST API, `/api/v1`: JSON, versioned in the path, for other systems (an API
//! key each, `Authorization: Bearer <key>`). Handlers check the key's scope and call
//! the same server functions the pages do (same row-level security, same rules, same
//! audit trail naming the key). Errors are RFC 9457 problem documents; single
//! resources carry their version as an `ETag` and are changed with `If-Match`; lists
//! are cursor-paged with `Link` headers.
//!
//! The OpenAPI 3.1 document (`/api/v1/openapi.json`) is built from the same handlers
//! and types: routes are registered only through `utoipa_axum::routes!`, which adds a
//! route to the router and to the document at once.

mod batch;
mod body;
pub mod caller;
mod cases;
mod comments;
mod companies;
mod conditional;
pub mod cors;
mod directory;
mod paging;
mod path;
mod schemas;

use app::server::AppState;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, RefOr, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::problem::{self, Problem};

pub use caller::PREFIX;

/// Every route of the API but the batch: what a batch's sub-requests go through.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cases::list_cases, cases::create_case))
        .routes(routes!(cases::get_case, cases::update_case))
        .routes(routes!(comments::list_comments, comments::create_comment))
        .routes(routes!(
            companies::list_companies,
            companies::create_company
        ))
        .routes(routes!(companies::get_company, companies::update_company))
        .routes(routes!(
            companies::get_enrichment,
            companies::request_enrichment
        ))
        .routes(routes!(directory::list_contractors))
        .routes(routes!(directory::get_contractor))
        .routes(routes!(directory::list_users))
}

/// Every route of the API, with its part of the document.
fn all_routes() -> OpenApiRouter<AppState> {
    routes().routes(routes!(batch::batch))
}

/// The API's router, to be nested at [`PREFIX`].
pub fn router(state: &AppState) -> Router<AppState> {
    let (api, _) = all_routes().split_for_parts();
    let (inner, _) = routes().split_for_parts();
    let inner = batch::Inner(inner.fallback(no_such_route).with_state(state.clone()));
    let document = serde_json::to_vec(&document()).unwrap_or_default();
    let document = axum::body::Bytes::from(document);
    // The origins were checked when the state was built (`casework serve` refuses to
    // start with one that is not an origin).
    let cors = cors::layer(&state.config).unwrap_or_else(|_| tower_http::cors::CorsLayer::new());
    api.route(
        "/openapi.json",
        axum::routing::get(move || {
            let document = document.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    document,
                )
            }
        }),
    )
    .fallback(no_such_route)
    .layer(axum::Extension(inner))
    .layer(cors)
}

/// The OpenAPI 3.1 document: every route, its parameters, bodies and answers, the
/// errors every route may give, and the key scheme.
pub fn document() -> OpenApi {
    let (_, mut api) = OpenApiRouter::<AppState>::new()
        .nest(PREFIX, all_routes())
        .split_for_parts();
    api.info.title = "Casework API".into();
    api.info.version = "1".into();
    api.info.description = Some(DESCRIPTION.into());
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "api_key",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("cwk_<prefix>_<secret>")
                .description(Some(
                    "An API key made by an admin on /admin/api-keys. Its scopes (named on each operation) decide what it may do.",
                ))
                .build(),
        ),
    );
    components.schemas.insert(
        "Problem".into(),
        <Problem as utoipa::PartialSchema>::schema(),
    );
    for (_, item) in api.paths.paths.iter_mut() {
        for operation in operations(item) {
            add_common_responses(operation);
        }
    }
    api
}

const DESCRIPTION: &str = "Cases, comments, companies (and their enrichment), contractors and people of one workspace, for other systems. \
Authenticate with an API key (`Authorization: Bearer <key>`); each operation names the scope it needs. \
Errors are RFC 9457 problem documents (`application/problem+json`) whose `type` is stable per kind: \
`/problems/unauthenticated` (401), `/problems/insufficient_scope` and `/problems/forbidden` (403), `/problems/not_found` (404), \
`/problems/conflict` (409), `/problems/precondition_failed` (412), `/problems/too_large` (413), `/problems/unsupported_media_type` (415), \
`/problems/invalid` (422, naming the `field`), `/problems/precondition_required` (428), `/problems/rate_limited` (429, with `Retry-After`), \
`/problems/internal` (500), `/problems/unavailable` (503), `/problems/malformed_body` (400), `/problems/no_such_route` (404). \
A resource's `ETag` is its version: send it back as `If-Match` to change it (required), or as `If-None-Match` to read it only if it changed. \
Lists return a page with `next_cursor` and a `Link: <…>; rel=\"next\"` header.";

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<&mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The answers any route may give whatever it does: no or a refused key, a scope it
/// lacks, bad input, limits, and the server's own trouble.
fn add_common_responses(operation: &mut utoipa::openapi::path::Operation) {
    let has_body = operation.request_body.is_some();
    let mut common: Vec<(&str, &str)> = vec![
        (
            "401",
            "No API key, or one that is unknown, revoked or expired",
        ),
        ("403", "The key lacks the scope this operation needs"),
        ("404", "Nothing here in this workspace"),
        (
            "422",
            "A parameter or field is not valid (`field` names it)",
        ),
        (
            "429",
            "Over the key's rate limit; `Retry-After` says when to try again",
        ),
        ("500", "Something went wrong on our side"),
        ("503", "Temporarily unavailable; try again shortly"),
    ];
    if has_body {
        common.extend([
            ("400", "The body is not JSON"),
            ("413", "The body is too large"),
            ("415", "The body is not sent as application/json"),
        ]);
    }
    for (status, description) in common {
        if operation.responses.responses.contains_key(status) {
            continue;
        }
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                problem::CONTENT_TYPE,
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "Problem",
                    ))))
                    .build(),
            )
            .build();
        operation
            .responses
            .responses
            .insert(status.to_string(), RefOr::T(response));
    }
}

/// A path under `/api/v1` that is no route.
async fn no_such_route() -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        "no_such_route",
        "No such route",
        "there is no such route in this API; see /api/v1/openapi.json",
    )
    .into_response()
}
