//! The `casework` package. In the browser build this is only the `hydrate()` entry; in
//! the server build it also holds the process (CLI, start-up) and the axum-only HTTP
//! edges, as a library so integration tests in `tests/` start the real app.

// Hydrating asynchronously (route chunks load first) lays out the app frame's whole
// view type as one future, deeper than the default limit (128).
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: the first page's route chunk is fetched before hydration starts. This is
    // `leptos::mount::hydrate_lazy` spelled out, so that `data-hydrated` is set only
    // when the whole page has been hydrated: an effect inside the app would run while
    // the route chunk is still loading, before its nodes (and their listeners) exist.
    wasm_bindgen_futures::spawn_local(async move {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        let mounted = leptos::mount::hydrate_from_async(body, app::App).await;
        mounted.forget();
        // Parts of the page hydrated in tasks of their own (`<Later>`) count too.
        app::components::after_hydrated(|| {
            if let Some(root) = leptos::prelude::document().document_element() {
                let _ = root.set_attribute("data-hydrated", "true");
            }
        });
    });
}

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod telemetry;
