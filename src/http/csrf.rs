//! CSRF protection for every state-changing request (server functions, form posts):
//! the browser's `Origin` header (or, failing that, the `Referer`) must be this app —
//! either PUBLIC_URL or the host the request was sent to. Browsers always send `Origin`
//! on cross-site POSTs and a page cannot forge it, so a form on another site that
//! posts here is refused before anything runs. (Leptos server functions do no such
//! check of their own: leptos#3786.)

use app::server::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn verify_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) || is_webhook(request.uri().path())
    {
        return next.run(request).await;
    }
    if same_origin(request.headers(), &state.config.public_url()) {
        next.run(request).await
    } else {
        tracing::warn!(
            method = %request.method(),
            path = %request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            "cross-site request refused"
        );
        (
            StatusCode::FORBIDDEN,
            "Cross-site request refused: this form must be sent from the Casework site itself.",
        )
            .into_response()
    }
}

/// Webhooks and the REST API are called by other servers (or pages of the origins the
/// API's CORS allows), with credentials of their own — a shared token, an API key —
/// never a cookie: the API drops any session (src/http/api/caller.rs), so a page on
/// another site has nothing to abuse there.
fn is_webhook(path: &str) -> bool {
    path.starts_with("/webhooks/") || path == "/api/v1" || path.starts_with("/api/v1/")
}

/// Whether the request says it comes from a page of this app.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    let source = match (text(header::ORIGIN), text(header::REFERER)) {
        (Some(origin), _) if origin != "null" => origin_of(origin),
        (None, Some(referer)) => origin_of(referer),
        _ => None,
    };
    let Some((scheme, authority)) = source else {
        return false;
    };
    let public = origin_of(public_url);
    let matches_public =
        public.is_some_and(|(s, a)| s == scheme && a.eq_ignore_ascii_case(authority));
    let matches_host = text(header::HOST).is_some_and(|host| host.eq_ignore_ascii_case(authority));
    matches_public || matches_host
}

/// `("https", "host:port")` of a URL.
fn origin_of(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    (!authority.is_empty() && matches!(scheme, "http" | "https")).then_some((scheme, authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = value.parse() {
                map.insert(name.clone(), value);
            }
        }
        map
    }

    #[test]
    fn same_site_requests_pass_and_others_do_not() {
        let public = "https://cw.example.com";
        let ok = [
            headers(&[(header::ORIGIN, "https://cw.example.com")]),
            headers(&[
                (header::ORIGIN, "http://localhost:3000"),
                (header::HOST, "localhost:3000"),
            ]),
            headers(&[
                (header::REFERER, "https://cw.example.com/login?next=/"),
                (header::HOST, "x"),
            ]),
        ];
        for h in ok {
            assert!(same_origin(&h, public), "{h:?}");
        }
        let refused = [
            headers(&[]),
            headers(&[(header::HOST, "cw.example.com")]),
            headers(&[
                (header::ORIGIN, "https://evil.example"),
                (header::HOST, "cw.example.com"),
            ]),
            headers(&[(header::ORIGIN, "null"), (header::HOST, "cw.example.com")]),
            headers(&[(header::ORIGIN, "http://cw.example.com")]),
            headers(&[(header::ORIGIN, "https://cw.example.com.evil.example")]),
            headers(&[
                (header::REFERER, "https://evil.example/cw.example.com"),
                (header::HOST, "cw.example.com"),
            ]),
        ];
        for h in refused {
            assert!(!same_origin(&h, public), "{h:?}");
        }
    }
}
