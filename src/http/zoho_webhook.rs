//! `POST /webhooks/zoho/{tenant}`: Zoho CRM's Notification API calls. No session and no
//! `Origin` (a server calls it): the channel id and token in the body are the
//! credentials, checked against the tenant's connection in constant time. Unknown
//! tenant, channel or token → 401 and nothing written; a body that is not a
//! notification → 422.

use app::model::AppError;
use app::server::AppState;
use app::server::sync::webhook;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::error_response;

pub async fn receive(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(tenant_id) = uuid::Uuid::parse_str(&tenant) else {
        return error_response(AppError::Unauthenticated);
    };
    let notification: zoho::Notification = match serde_json::from_slice(&body) {
        Ok(notification) => notification,
        Err(_) => return error_response(AppError::invalid("body", "is not a Zoho notification")),
    };
    match webhook::receive(&state.jobs.sync, tenant_id, &notification).await {
        Ok(applied) => Json(serde_json::json!({
            "upserted": applied.upserted,
            "unchanged": applied.unchanged,
            "archived": applied.archived,
        }))
        .into_response(),
        Err(error) => {
            if error == AppError::Unauthenticated {
                tracing::warn!(%tenant_id, "zoho webhook refused: unknown channel or token");
            }
            error_response(error)
        }
    }
}
