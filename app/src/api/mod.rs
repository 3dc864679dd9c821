//! `#[server]` functions grouped by area. Each one is thin: authenticate, authorise,
//! call `server/`, map the error to `model::AppError` with its HTTP status.

pub mod admin;
pub mod api_keys;
pub mod case;
pub mod cases;
pub mod companies;
pub mod company;
pub mod contractors;
pub mod dashboard;
pub mod imports;
pub mod inquiry;
pub mod integrations;
pub mod lists;
pub mod notifications;
pub mod saved_searches;
pub mod search;
pub mod webhooks;

/// Answers a plain form post (no JavaScript: the browser asked for HTML) with a redirect
/// back to a page, the outcome in its query string; `back` says where and with what,
/// and runs only then. A call from the page's own code gets its JSON answer instead.
#[cfg(feature = "ssr")]
pub(crate) fn send_form_back(back: impl FnOnce() -> (String, Vec<(&'static str, String)>)) {
    if crate::server::request::is_plain_form_post() {
        let (path, params) = back();
        leptos_axum::redirect(&with_query(&path, &params));
    }
}

/// `path` with `params` as its query string (re-encoded, so nothing typed reaches the
/// `Location` header raw); no `?` when there are none.
#[cfg(feature = "ssr")]
pub(crate) fn with_query(path: &str, params: &[(&str, String)]) -> String {
    match serde_urlencoded::to_string(params) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_string(),
    }
}
