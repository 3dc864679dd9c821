//! The security headers every response carries (pages, server functions, static files,
//! errors, refusals), set in one place, outermost, so nothing can answer without them.
//!
//! The Content-Security-Policy allows only the app's own scripts: the hydration
//! script Leptos writes inline carries a nonce made for this request (the page render
//! takes it from the request's extensions, see `startup::router`), and nothing else
//! inline runs. `'wasm-unsafe-eval'` lets the browser compile the app's WebAssembly and
//! nothing more (it does not allow `eval`). A handler that sets its own header keeps it.

use app::server::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;

/// HSTS for two years, on every subdomain (only sent when PUBLIC_URL is https).
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Nothing the app does needs these; saying so stops a compromised script using them.
const PERMISSIONS: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), \
     magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()";

pub async fn secure(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let cache = cache_policy(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    set(headers, header::CONTENT_SECURITY_POLICY, &policy(&nonce));
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS,
    );
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    if state.config.public_url().starts_with("https://") {
        set(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if let Some(cache) = cache {
        set(headers, header::CACHE_CONTROL, cache);
    }
    response
}

/// The policy for one response: only this origin, and inline scripts only with this
/// request's nonce.
fn policy(nonce: &Nonce) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Static files: a name with a content hash never changes, so it is cached for a
/// year; any other file is revalidated (its ETag makes that a 304). Everything else
/// is private and not stored, unless its handler said otherwise.
fn cache_policy(path: &str) -> Option<&'static str> {
    if super::rate_limit::is_static_file(path) {
        if has_content_hash(path) {
            Some("public, max-age=31536000, immutable")
        } else {
            Some("no-cache")
        }
    } else {
        Some("no-store")
    }
}

/// `casework.Zk3_-a9xQ2bT0cLmN1oPq4r.js`: a stem, a dot and a hash before the
/// extension. cargo-leptos' `hash-files` writes 22 base64url characters (an MD5);
/// other tools write at least eight hex digits.
fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.rsplit('.');
    let _extension = parts.next();
    parts.next().is_some_and(|hash| {
        let base64url = hash
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        // A word of 22 letters would pass as base64url; every such name here is
        // built (under /pkg/), never chosen by a person.
        let hex = hash.len() >= 8
            && hash.chars().all(|c| c.is_ascii_hexdigit())
            && hash.chars().any(|c| c.is_ascii_digit());
        (hash.len() == 22 && base64url) || hex
    }) && parts.next().is_some()
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if headers.contains_key(&name) {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_immutable_and_nothing_else_is() {
        let hashed = "public, max-age=31536000, immutable";
        assert_eq!(cache_policy("/pkg/casework.a1b2c3d4e5f6.js"), Some(hashed));
        assert_eq!(
            cache_policy("/pkg/casework.Zk3_-a9xQ2bT0cLmN1oPq4.wasm"),
            Some(hashed)
        );
        // cargo-leptos' hashes need not hold a digit.
        assert_eq!(
            cache_policy("/pkg/chunk_7.ZkabcdefghijklmnopqrsT.wasm"),
            Some(hashed)
        );
        assert_eq!(
            cache_policy("/pkg/__wasm_split_manifest.Zk3_-a9xQ2bT0cLmN1oPq4.json"),
            Some(hashed)
        );
        assert_eq!(cache_policy("/pkg/chunk_7.wasm"), Some("no-cache"));
        assert_eq!(cache_policy("/pkg/casework.js"), Some("no-cache"));
        assert_eq!(cache_policy("/pkg/casework_bg.wasm"), Some("no-cache"));
        assert_eq!(cache_policy("/favicon.svg"), Some("no-cache"));
        assert_eq!(cache_policy("/work"), Some("no-store"));
        assert_eq!(cache_policy("/companies.csv"), Some("no-store"));
        assert_eq!(cache_policy("/api/case/detail"), Some("no-store"));
        // A word is not a hash.
        assert_eq!(
            cache_policy("/pkg/casework.stylesheet.css"),
            Some("no-cache")
        );
    }
}
