//! Every request has a deadline (`REQUEST_TIMEOUT_S`): past it the work is dropped and
//! the client is told the service could not answer in time — the app's designed error
//! page for a browser, the JSON error for a server function or an API call. An event
//! stream's deadline is for starting: once its headers are out, it runs until it ends.

use app::model::AppError;
use app::server::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

pub async fn deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // What the refusal needs to choose its form (and theme), kept before the request
    // moves on.
    let mut asked = HeaderMap::new();
    for name in [header::ACCEPT, header::COOKIE] {
        if let Some(value) = request.headers().get(&name) {
            asked.insert(name, value.clone());
        }
    }
    let path = request.uri().path().to_owned();
    // An upload of up to 50 MB gets the time a slow connection needs to send it.
    let limit = if path == super::imports::UPLOAD_PATH {
        state
            .config
            .protection
            .request_timeout()
            .max(std::time::Duration::from_secs(600))
    } else {
        state.config.protection.request_timeout()
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%path, limit_s = limit.as_secs(), "request timed out");
            metrics::counter!("casework_http_timeouts_total").increment(1);
            super::refusal::refusal(&asked, &AppError::Unavailable)
        }
    }
}
