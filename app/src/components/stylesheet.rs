//! The stylesheet's address. A release build names it by its content
//! (`/pkg/casework.<hash>.css`, cached for a year); the server reads the name once at
//! start-up from cargo-leptos' hash file (src/startup.rs) and every document it writes
//! links it from here: the app's shell, the error pages, the API reference.

use std::sync::OnceLock;

static HREF: OnceLock<String> = OnceLock::new();
const PLAIN: &str = "/pkg/casework.css";

/// Records the stylesheet's hash (the `css:` line of the hash file), or that the build
/// has none. The first call wins: one process serves one build.
pub fn set_hash(hash: Option<&str>) {
    let _ = HREF.set(match hash {
        Some(hash) => format!("/pkg/casework.{hash}.css"),
        None => PLAIN.to_owned(),
    });
}

pub fn href() -> &'static str {
    HREF.get().map_or(PLAIN, String::as_str)
}
