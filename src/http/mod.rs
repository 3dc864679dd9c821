//! axum-only edges that are not Leptos pages: health, sign-in/out form posts, CSRF
//! and sign-in guards, the companies CSV export, contractor photos, Zoho's webhooks,
//! event streams and `/metrics`; the REST API (`/api/v1`).

pub mod api;
pub mod api_reference;
pub mod auth;
pub mod client_ip;
pub mod contractor_photo;
pub mod csrf;
pub mod deadline;
pub mod events;
pub mod export;
pub mod google;
pub mod guard;
pub mod health;
pub mod html_splice;
pub mod imports;
pub mod input_guard;
pub mod metrics;
pub mod problem;
pub mod rate_limit;
pub mod read_after;
pub mod refusal;
pub mod render_to_end;
pub mod request_id;
pub mod security_headers;
pub mod server_fn_status;
pub mod zoho_webhook;

/// An `AppError` as a plain HTTP answer (for the axum edges; server functions have
/// their own encoding): its status and its JSON.
pub fn error_response(error: app::model::AppError) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = axum::http::StatusCode::from_u16(error.status())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(error)).into_response()
}
