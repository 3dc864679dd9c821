//! Optimistic concurrency the HTTP way (RFC 9110 §13): a resource's `ETag` is its
//! version (`"7"`); a write must say which version it read with `If-Match` (428
//! without it, 412 with the current representation when it is stale, and nothing is
//! written); a read with `If-None-Match` naming the current version is a 304.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::problem::Problem;

/// The entity tag of `version`.
pub fn etag(version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// What a write's `If-Match` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// `*`: whatever the current version is (the resource must exist).
    Any,
    Version(i32),
    /// A tag that can never match one of ours (weak, or not a version): the write is
    /// refused as stale.
    Never,
}

/// The version a write expects, from `If-Match` (428 when it is missing: every write
/// must say what it read).
pub fn expected(headers: &HeaderMap) -> Result<Expected, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Err(Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "If-Match is required",
            "send the ETag you read as If-Match, so a change made since is not overwritten",
        ));
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(Expected::Any);
    }
    // Several tags: the write goes ahead if the current one is any of them; ours are
    // versions, so the one that matters is found when the current version is known.
    // One tag is by far the common case, and several are treated as "the first".
    let first = text.split(',').next().unwrap_or_default().trim();
    Ok(first
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|inner| inner.parse::<i32>().ok())
        .map_or(Expected::Never, Expected::Version))
}

impl Expected {
    /// The version to compare under the row's lock (`current` when any will do).
    pub fn version(self, current: i32) -> i32 {
        match self {
            Expected::Any => current,
            Expected::Version(version) => version,
            // No version is negative.
            Expected::Never => -1,
        }
    }
}

/// Whether `If-None-Match` names `version` (weak comparison, `*` matches anything).
pub fn not_modified(headers: &HeaderMap, version: i32) -> bool {
    let current = format!("\"{version}\"");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == current)
}

/// A representation that carries its version.
pub trait Versioned: serde::Serialize {
    fn version(&self) -> i32;
}

/// `body` with `status` and its version as the `ETag`.
pub fn tagged(status: StatusCode, body: impl Versioned) -> Response {
    let tag = etag(body.version());
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

/// The 304 for a read whose caller already has `version`.
pub fn unchanged(version: i32) -> Response {
    (StatusCode::NOT_MODIFIED, [(header::ETAG, etag(version))]).into_response()
}

/// The 412 for a stale write: the problem, the current representation in it, and the
/// current ETag.
pub fn stale(current: serde_json::Value, version: i32) -> Response {
    let mut problem = Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
        "Changed since it was read",
        format!(
            "this was changed since the version named in If-Match; it is now at version {version}, and nothing was written"
        ),
    );
    problem.extra.current = Some(current);
    let mut response = problem.into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn if_match_says_which_version_a_write_read() {
        assert_eq!(expected(&HeaderMap::new()).map_err(|p| p.status), Err(428));
        let cases = [
            ("\"7\"", Expected::Version(7)),
            (" \"7\" , \"8\"", Expected::Version(7)),
            ("*", Expected::Any),
            ("W/\"7\"", Expected::Never),
            ("7", Expected::Never),
            ("\"seven\"", Expected::Never),
        ];
        for (value, want) in cases {
            assert_eq!(
                expected(&headers(header::IF_MATCH, value)).ok(),
                Some(want),
                "{value}"
            );
        }
        assert_eq!(Expected::Any.version(4), 4);
        assert_eq!(Expected::Never.version(4), -1);
    }

    #[test]
    fn if_none_match_compares_weakly() {
        for (value, version, want) in [
            ("\"3\"", 3, true),
            ("W/\"3\"", 3, true),
            ("\"2\", \"3\"", 3, true),
            ("*", 9, true),
            ("\"2\"", 3, false),
        ] {
            assert_eq!(
                not_modified(&headers(header::IF_NONE_MATCH, value), version),
                want,
                "{value}"
            );
        }
        assert!(!not_modified(&HeaderMap::new(), 1));
    }
}
