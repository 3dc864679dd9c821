//! Who the request is from, once per request ([`resolve_viewer`]), and pages need a
//! signed-in viewer: an anonymous request for a page is sent to
//! `/login?next=<where it was going>`, and a signed-in one for `/login` goes home.
//! Applied to the Leptos page routes only, so static files and the 404 page stay
//! public; server functions check capabilities themselves (401/403). The public
//! inquiry forms (`/contact/…`) are for people without an account.

use app::model::Viewer;
use app::server::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

pub const LOGIN_PATH: &str = "/login";

/// Pages for people who are not members: the workspaces' public inquiry forms.
const PUBLIC_PAGES: &str = "/contact/";

pub async fn require_sign_in(request: Request, next: Next) -> Response {
    // Server functions (reads are GETs too) answer 401/403 themselves.
    if !matches!(*request.method(), Method::GET | Method::HEAD)
        || request.uri().path().starts_with("/api/")
        || request.uri().path().starts_with(PUBLIC_PAGES)
    {
        return next.run(request).await;
    }
    let signed_in = request.extensions().get::<Viewer>().is_some();
    let path = request.uri().path();
    match (signed_in, path == LOGIN_PATH) {
        (false, false) => {
            let target = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str())
                .unwrap_or("/");
            let query = serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
            Redirect::to(&format!("{LOGIN_PATH}?{query}")).into_response()
        }
        (true, true) => Redirect::to("/").into_response(),
        _ => next.run(request).await,
    }
}

/// Puts the request's `Viewer` into its extensions, where pages, server functions and
/// handlers find it. A database that could not say who it is answers 503 ("try again
/// shortly"), as a page, never a sign-out.
pub async fn resolve_viewer(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    match app::server::auth::resolve(&state, &session).await {
        Ok(Some(viewer)) => {
            request.extensions_mut().insert(viewer);
        }
        Ok(None) => {}
        Err(error) => return super::refusal::refusal(request.headers(), &error),
    }
    next.run(request).await
}
