//! Server functions answer every error with 500 (server_fn's default), even a 403 or a
//! bad argument. This gives each error response the status its `AppError` stands for,
//! in one place, for every server function — including errors raised before our code
//! runs (an argument that does not decode is a 422, not a 500).

use app::model::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Most error bodies are a few hundred bytes; a conflict carries the current version of
/// what was edited (a note of 20,000 characters is up to ~80 KB of JSON). `AppError`
/// never quotes unbounded input, so nothing near this limit is expected.
const MAX_ERROR_BODY: usize = 1024 * 1024;

pub async fn error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        // Unreadable or too large: a 500 the browser can still decode.
        tracing::error!("a server function's error body could not be read");
        let internal = serde_json::to_vec(&AppError::Internal).unwrap_or_default();
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(internal));
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
