//! The `casework` package. In the browser build this is only the `hydrate()` entry; in
//! the server build it also holds the process (CLI, start-up) and the axum-only HTTP
//! edges, as a library so integration tests in `tests/` start the real app.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod telemetry;
