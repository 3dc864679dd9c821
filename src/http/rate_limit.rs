//! One rate-limit middleware for every route. Each request is classed by what it is
//! and who sends it, counted against that class's limits (and, for signed-in people,
//! their workspace's total), and answered with the IETF `RateLimit-Policy` /
//! `RateLimit` fields; over a limit it gets a 429 with `Retry-After` — a page that says
//! when to try again for a browser, a JSON error for a server function or an API call.
//!
//! Runs after the viewer is resolved (limits are per person and per plan), and stores
//! the client's address for the handlers below.

use std::time::Duration;

use app::model::{AppError, Viewer};
use app::server::AppState;
use app::server::rate_limit::{Check, Status, Verdict};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

use super::client_ip::{self, ClientIp};

/// Where the public inquiry form posts (the `contact/send` server function).
pub const FORM_PATHS: &[&str] = &["/api/contact/send"];

/// What a request is, for choosing its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Health probes and metrics scrapes: load balancers and monitors must always
    /// get through.
    Exempt,
    Static,
    Anonymous,
    Form,
    /// Calls from another service to `/webhooks/…`, per workspace they name.
    Webhook,
    ApiKey,
    Read,
    Write,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Exempt => "exempt",
            Class::Static => "static",
            Class::Anonymous => "anonymous",
            Class::Form => "form",
            Class::Webhook => "webhook",
            Class::ApiKey => "api_key",
            Class::Read => "read",
            Class::Write => "write",
        }
    }
}

/// Files the site serves as they are (the build's `/pkg/` and `public/`).
const STATIC_EXTENSIONS: &[&str] = &[
    "css",
    "js",
    "wasm",
    "ico",
    "png",
    "svg",
    "jpg",
    "webp",
    "woff2",
    "txt",
    "webmanifest",
    "map",
];

/// A file the site serves as it is (the build's `/pkg/` and `public/`), or a stored
/// photo (a directory page shows 48: counted as files, not as 48 page reads).
pub fn is_static_file(path: &str) -> bool {
    let extension = path.rsplit_once('.').map(|(_, extension)| extension);
    path.starts_with("/pkg/")
        || extension.is_some_and(|e| STATIC_EXTENSIONS.contains(&e))
        || is_photo(path)
}

/// `/contractors/{id}/photo/{size}`.
fn is_photo(path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').split('/');
    matches!(
        (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next()
        ),
        (Some("contractors"), Some(_), Some("photo"), Some(_), None)
    )
}

pub fn classify(method: &Method, path: &str, headers: &HeaderMap, signed_in: bool) -> Class {
    if path == "/api/health" || path.starts_with("/api/health/") || path == "/metrics" {
        return Class::Exempt;
    }
    if is_static_file(path) {
        return Class::Static;
    }
    if *method == Method::POST && FORM_PATHS.contains(&path) {
        return Class::Form;
    }
    if path.starts_with("/webhooks/") {
        return Class::Webhook;
    }
    if path.starts_with("/api/v1/") && presents_key(headers) {
        return Class::ApiKey;
    }
    match (signed_in, method) {
        (false, _) => Class::Anonymous,
        (true, &Method::GET | &Method::HEAD | &Method::OPTIONS) => Class::Read,
        (true, _) => Class::Write,
    }
}

/// Whether the request presents an API key (whether it is a good one was decided
/// before, by src/http/api/caller.rs).
fn presents_key(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
}

pub async fn limit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = client_ip::peer(request.extensions());
    let ip = client_ip::resolve(
        peer,
        request.headers(),
        &state.config.protection.trusted_proxies,
    );
    request.extensions_mut().insert(ClientIp(ip));
    if !state.config.protection.rate_limits {
        return next.run(request).await;
    }
    let viewer = request.extensions().get::<Viewer>();
    let class = classify(
        request.method(),
        request.uri().path(),
        request.headers(),
        viewer.is_some(),
    );
    let policies = &state.limiter.policies;
    let checks: Vec<Check<'_>> = match (class, viewer) {
        (Class::Exempt, _) => Vec::new(),
        (Class::Read | Class::Write, Some(viewer)) => {
            let per_person = if class == Class::Read {
                &policies.reads
            } else {
                &policies.writes
            };
            vec![
                Check {
                    policy: per_person.for_plan(viewer.plan),
                    key: viewer.user_id.to_string(),
                },
                Check {
                    policy: policies.tenant.for_plan(viewer.plan),
                    key: viewer.tenant_id.to_string(),
                },
            ]
        }
        // A key that checked out (src/http/api/caller.rs): its own budget, by its
        // workspace's plan. One that did not is a stranger, budgeted by address.
        (Class::ApiKey, Some(viewer)) => vec![Check {
            policy: policies.api_key.for_plan(viewer.plan),
            key: viewer.user_id.to_string(),
        }],
        (Class::ApiKey, None) => vec![ip_check(&policies.anonymous, ip)],
        (Class::Static, _) => vec![ip_check(&policies.static_files, ip)],
        (Class::Form, _) => vec![ip_check(&policies.form, ip)],
        // Keyed by the workspace the path names (Zoho calls from many addresses).
        (Class::Webhook, _) => vec![Check {
            policy: &policies.webhook,
            key: request.uri().path().to_string(),
        }],
        (Class::Anonymous | Class::Read | Class::Write, _) => {
            vec![ip_check(&policies.anonymous, ip)]
        }
    };
    if checks.is_empty() {
        return next.run(request).await;
    }
    let verdict = state.limiter.check(&checks).await;
    let outcome = if verdict.allowed() {
        "allowed"
    } else {
        "limited"
    };
    metrics::counter!(
        "casework_rate_limit_decisions_total",
        "class" => class.as_str(),
        "outcome" => outcome,
    )
    .increment(1);
    let mut response = match verdict.retry_after {
        None => next.run(request).await,
        Some(wait) => {
            let seconds = whole_seconds(wait);
            tracing::info!(class = class.as_str(), %ip, seconds, "rate limited");
            state.rollup.limited(class.as_str());
            let mut response = super::refusal::refusal(
                request.headers(),
                &AppError::RateLimited {
                    retry_after: seconds,
                },
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    };
    add_fields(response.headers_mut(), &verdict);
    response
}

fn ip_check(policy: &app::server::rate_limit::Policy, ip: std::net::IpAddr) -> Check<'_> {
    Check {
        policy,
        key: ip.to_string(),
    }
}

/// Rounded up: "try again in 0 s" would invite an immediate retry that fails too.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// `RateLimit-Policy: "read";q=100;w=60, "tenant";q=1000;w=60` and
/// `RateLimit: "read";r=99;t=1, "tenant";r=999;t=1` (draft-ietf-httpapi-ratelimit-headers).
fn add_fields(headers: &mut HeaderMap, verdict: &Verdict) {
    let policy = verdict
        .statuses
        .iter()
        .map(|s| {
            format!(
                "\"{}\";q={};w={}",
                s.name,
                s.rate.count,
                s.rate.period.as_secs()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let current = verdict
        .statuses
        .iter()
        .map(|s: &Status| {
            format!(
                "\"{}\";r={};t={}",
                s.name,
                s.remaining,
                whole_seconds(s.reset)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    for (name, value) in [("ratelimit-policy", policy), ("ratelimit", current)] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_has_a_class() {
        let none = HeaderMap::new();
        let class =
            |method: Method, path: &str, signed_in| classify(&method, path, &none, signed_in);
        assert_eq!(class(Method::GET, "/api/health", false), Class::Exempt);
        assert_eq!(class(Method::GET, "/api/health/ready", true), Class::Exempt);
        assert_eq!(
            class(Method::GET, "/pkg/casework.wasm", false),
            Class::Static
        );
        assert_eq!(class(Method::GET, "/favicon.ico", true), Class::Static);
        assert_eq!(class(Method::POST, "/api/contact/send", false), Class::Form);
        assert_eq!(class(Method::POST, "/api/contact/send", true), Class::Form);
        assert_eq!(class(Method::GET, "/contact/acme", false), Class::Anonymous);
        assert_eq!(
            class(Method::POST, "/webhooks/zoho/1234", false),
            Class::Webhook
        );
        assert_eq!(
            class(Method::GET, "/contractors/7/photo/160", true),
            Class::Static
        );
        assert_eq!(class(Method::GET, "/contractors/7", true), Class::Read);
        assert_eq!(
            class(Method::GET, "/contractors/7/photo/160/x", true),
            Class::Read
        );
        assert_eq!(class(Method::GET, "/login", false), Class::Anonymous);
        assert_eq!(class(Method::POST, "/auth/login", false), Class::Anonymous);
        assert_eq!(class(Method::GET, "/work", true), Class::Read);
        assert_eq!(class(Method::GET, "/companies.csv", true), Class::Read);
        assert_eq!(class(Method::POST, "/api/case/save", true), Class::Write);
        assert_eq!(class(Method::GET, "/api/v1/cases", false), Class::Anonymous);
        let mut keyed = HeaderMap::new();
        keyed.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer cw_live_abcdefghijkl"),
        );
        assert_eq!(
            classify(&Method::GET, "/api/v1/cases", &keyed, false),
            Class::ApiKey
        );
    }

    #[test]
    fn waits_round_up() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(2)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(2_001)), 3);
    }
}
