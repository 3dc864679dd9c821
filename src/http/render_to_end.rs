//! A page is rendered to the end even when its client has gone.
//!
//! Leptos resolves a page's resources in tasks of their own. When a client hangs up
//! mid-render, the request's future is dropped and its reactive owner disposed, while
//! those tasks run on and reach for the router and the contexts that just went away:
//! each such request panicked in a worker thread ("called use_resolved_path outside a
//! <Router>", "Tried to access a reactive value that has already been disposed").
//! Run in a task of its own, the handler finishes what it started, and the page it
//! rendered is then dropped unsent. A page takes milliseconds, so the work this lets
//! finish is bounded.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn render_to_end(request: Request, next: Next) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        // The page panicked: the same answer `CatchPanicLayer` gives.
        Err(error) => {
            tracing::error!(%error, "page rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
