//! Who is calling the API: an API key, presented as `Authorization: Bearer <key>`,
//! resolved once per request into its service identity (a `Viewer` with the key's
//! scopes) before the rate limiter, so the limiter can budget by the key and its
//! workspace's plan. The API never acts on a session cookie: a browser's cookies sent
//! along (by a page on another site, say) are dropped here, so no page can make the API
//! act as the person signed in — which is why the CSRF check can leave `/api/v1` alone.

use app::model::{ApiScope, AppError, Role, Viewer};
use app::server::AppState;
use app::server::authz::{self, Capability};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::client_ip;
use crate::http::problem::Problem;

/// The path every REST API route lives under.
pub const PREFIX: &str = "/api/v1";

/// Why a key presented was not accepted (kept for the API's own answer: the limiter
/// runs first, and budgets a refused key by the caller's address).
#[derive(Debug, Clone)]
pub struct KeyRefused(pub AppError);

/// For `/api/v1/…`: forgets any session's viewer and, with a bearer key, puts the key's
/// service identity in its place (or notes why the key was refused).
pub async fn resolve_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !is_api(request.uri().path()) {
        return next.run(request).await;
    }
    request.extensions_mut().remove::<Viewer>();
    if let Some(key) = bearer(request.headers()) {
        let ip = client_ip::resolve(
            client_ip::peer(request.extensions()),
            request.headers(),
            &state.config.protection.trusted_proxies,
        );
        match app::server::api_keys::authenticate(&state.pool, &key, Some(ip)).await {
            Ok(viewer) => {
                request.extensions_mut().insert(viewer);
            }
            Err(error) => {
                request.extensions_mut().insert(KeyRefused(error));
            }
        }
    }
    next.run(request).await
}

fn is_api(path: &str) -> bool {
    path == PREFIX || path.starts_with("/api/v1/")
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The service identity of the request's API key: a handler's first argument. Without
/// a key (or with one refused) the request is answered 401.
#[derive(Debug, Clone)]
pub struct Caller(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Viewer>() {
            Some(viewer) if viewer.role == Role::Service => Ok(Caller(viewer.clone())),
            _ => {
                let mut problem = Problem::from(&AppError::Unauthenticated);
                problem.detail = Some(match parts.extensions.get::<KeyRefused>() {
                    Some(_) => "the API key is not valid: it is unknown, revoked or expired".into(),
                    None => "an API key is needed: send it as `Authorization: Bearer <key>`".into(),
                });
                Err(problem)
            }
        }
    }
}

impl Caller {
    /// The identity, if its key has `scope` (403 naming the scope otherwise) and the
    /// scope reaches `capability` (the check every page's server function makes too).
    pub fn allowed(&self, scope: ApiScope, capability: Capability) -> Result<&Viewer, Problem> {
        if !self.0.api_scopes.contains(&scope) {
            let mut problem = Problem::new(
                axum::http::StatusCode::FORBIDDEN,
                "insufficient_scope",
                "The API key lacks a scope",
                format!("this API key does not have the scope {}", scope.as_str()),
            );
            problem.extra.scope = Some(scope.as_str().to_string());
            return Err(problem);
        }
        authz::require(Some(&self.0), capability).map_err(|error| Problem::from(&error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_bearer_key_is_read_whatever_the_scheme_case() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        for (value, expected) in [
            ("Bearer cwk_a_b", Some("cwk_a_b")),
            ("bearer  cwk_a_b ", Some("cwk_a_b")),
            ("Basic dXNlcjpwYXNz", None),
            ("Bearer", None),
        ] {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(bearer(&headers).as_deref(), expected, "{value}");
        }
        assert!(is_api("/api/v1/cases") && is_api("/api/v1"));
        assert!(!is_api("/api/v10/cases") && !is_api("/api/cases/1/events"));
    }
}
