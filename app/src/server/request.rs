//! What a server function or server-rendered page can learn about its request.

use leptos::prelude::use_context;

use super::authz::{self, Capability};
use crate::model::{AppError, Viewer};

/// The viewer the middleware resolved for this request, if any.
pub fn viewer() -> Option<Viewer> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| super::auth::viewer_from_parts(&parts))
}

/// The first line of every server function: the viewer, if they may do `capability`
/// (401 / 403 otherwise).
pub fn require(capability: Capability) -> Result<Viewer, AppError> {
    let viewer = viewer();
    authz::require(viewer.as_ref(), capability).cloned()
}

/// The request's session (the session layer puts it in every request).
pub fn session() -> Option<tower_sessions::Session> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
}

/// The app state (pool, config) for a server function.
pub fn state() -> Result<super::AppState, AppError> {
    use_context::<super::AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

/// Whether this server offers "Sign in with Google" (configured with a client).
pub fn google_sign_in_enabled() -> bool {
    use_context::<super::AppState>().is_some_and(|state| state.config.google_enabled())
}

/// A form posted by the browser itself (no JavaScript): it asks for HTML, and gets a
/// redirect back to a page rather than a server function's JSON.
pub fn is_plain_form_post() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}
