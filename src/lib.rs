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
    // Lazy: the first page's route chunk is fetched before hydration starts.
    leptos::mount::hydrate_lazy(app::App);
}

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod telemetry;
