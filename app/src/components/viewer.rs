//! The signed-in viewer, known synchronously on both sides.
//!
//! The server resolves the viewer once per request (middleware) and writes it into the
//! page as `<meta name="casework-viewer">`; the browser reads that tag when it
//! hydrates. No Suspense, no extra request, identical markup on both sides, and it
//! works before (and without) the WebAssembly.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::model::Viewer;

pub const META_NAME: &str = "casework-viewer";
/// Present when Google sign-in is configured, so the sign-in page renders the same
/// button on both sides.
pub const GOOGLE_META_NAME: &str = "casework-google";

#[derive(Debug, Clone)]
pub struct CurrentViewer(pub Option<Viewer>);

/// Reads the viewer for this render and provides it to every component.
pub fn provide_viewer() {
    provide_context(CurrentViewer(initial_viewer()));
}

pub fn use_viewer() -> Option<Viewer> {
    use_context::<CurrentViewer>().and_then(|current| current.0)
}

/// The `<meta>` tags the shell puts in `<head>` (server only).
pub fn viewer_meta() -> impl IntoView {
    let json = initial_viewer().and_then(|viewer| serde_json::to_string(&viewer).ok());
    (
        json.map(|content| view! { <meta name=META_NAME content=content/> }),
        google_sign_in_enabled().then(|| view! { <meta name=GOOGLE_META_NAME content="on"/> }),
    )
}

pub fn google_sign_in_enabled() -> bool {
    #[cfg(feature = "ssr")]
    {
        crate::server::request::google_sign_in_enabled()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .query_selector(&format!("meta[name={GOOGLE_META_NAME}]"))
            .ok()
            .flatten()
            .is_some()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        false
    }
}

fn initial_viewer() -> Option<Viewer> {
    #[cfg(feature = "ssr")]
    {
        crate::server::request::viewer()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .query_selector(&format!("meta[name={META_NAME}]"))
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
            .and_then(|json| serde_json::from_str(&json).ok())
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        None
    }
}

/// Pages that need a signed-in viewer. The server already redirects anonymous page
/// requests; this covers navigation inside the hydrated app, which never asks the
/// server for the page.
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    if use_viewer().is_some() {
        return children().into_any();
    }
    // Read once, untracked: the redirect changes the location, and re-running this
    // with the new one would redirect again, forever.
    let location = use_location();
    let target = format!(
        "{}{}",
        location.pathname.get_untracked(),
        location.search.get_untracked()
    );
    let query = serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
    view! { <Redirect path=format!("/login?{query}")/> }.into_any()
}
