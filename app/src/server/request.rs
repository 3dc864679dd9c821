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

/// The app state (pool, config) for a server function.
pub fn state() -> Result<super::AppState, AppError> {
    use_context::<super::AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}
