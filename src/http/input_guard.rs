//! The parsing edge every request crosses before anything reads it:
//!
//! - a body over `MAX_REQUEST_BODY_KB` is refused with 413 — from its `Content-Length`
//!   before a byte of it is read, or as soon as a chunked one passes the limit;
//! - text with a control character (NUL above all: PostgreSQL refuses it, and the
//!   request used to end in a 500) is refused with 422 naming the field, in every query
//!   parameter, in the path, and in every field of a form or JSON body.
//!
//! Whatever passes is what pages, server functions and handlers see, so no request can
//! bring a NUL to PostgreSQL. The refusal is a JSON `AppError` (which the browser's
//! server-function client shows as it shows any other error, and which reads as an
//! RFC 9457 problem too), or a whole HTML page for a browser asking for one (a page
//! address, a form posted without JavaScript).

use app::model::{AppError, check_text, refused_control};
use app::server::AppState;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn guard_input(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = percent_encoding::percent_decode_str(request.uri().path()).decode_utf8_lossy();
    if let Err(error) = check_text("path", &path) {
        return refuse(request.headers(), error);
    }
    if let Some(query) = request.uri().query()
        && let Err(error) = check_pairs(query.as_bytes())
    {
        return refuse(request.headers(), error);
    }
    // An upload streams through to the import's own checks (its rows are checked
    // field by field there), never held whole in memory here; its length is still
    // bounded, from its declaration and as it streams (DefaultBodyLimit on the route).
    if request.uri().path() == super::imports::UPLOAD_PATH {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared.is_some_and(|length| length > super::imports::UPLOAD_BODY_BYTES as u64) {
            return refuse(
                request.headers(),
                too_large(super::imports::UPLOAD_BODY_BYTES),
            );
        }
        return next.run(request).await;
    }
    let limit = state.config.max_request_body_bytes(request.uri().path());
    // The length the client declared, or the body's own when it knows it.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .or_else(|| request.body().size_hint().exact());
    if declared.is_some_and(|length| length > limit as u64) {
        return refuse(request.headers(), too_large(limit));
    }
    if declared == Some(0) || request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(error) if is_length_limit(&error) => return refuse(&parts.headers, too_large(limit)),
        // The client went away or sent a broken body: nothing to answer but a 400.
        Err(error) => {
            tracing::debug!(%error, "request body could not be read");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    if let Err(error) = check_body(&parts.headers, &bytes) {
        return refuse(&parts.headers, error);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn too_large(limit: usize) -> AppError {
    AppError::TooLarge {
        limit_bytes: limit as u64,
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// The text fields of a form or JSON body. Other kinds of body carry no text fields the
/// app reads.
fn check_body(headers: &HeaderMap, body: &Bytes) -> Result<(), AppError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        check_pairs(body)
    } else if content_type.starts_with("application/json") || content_type.contains("+json") {
        // Broken JSON is the handler's to refuse; here only its strings matter.
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(value) => check_json(&value, ""),
            Err(_) => Ok(()),
        }
    } else {
        Ok(())
    }
}

/// Every name and value of `application/x-www-form-urlencoded` text (a query string or
/// a form body).
fn check_pairs(encoded: &[u8]) -> Result<(), AppError> {
    for (name, value) in form_urlencoded::parse(encoded) {
        // Most requests pass: the field's name is made only for an error, with any
        // control character in it shown as U+FFFD (the error must not carry it back).
        if refused_control(&name).is_some() || refused_control(&value).is_some() {
            let field: String = name
                .chars()
                .map(|c| if c.is_control() { '\u{fffd}' } else { c })
                .collect();
            check_text(&field, &name)?;
            check_text(&field, &value)?;
        }
    }
    Ok(())
}

/// Every key and string in a JSON document, named by its path (`fields.title`,
/// `items[2]`).
fn check_json(value: &serde_json::Value, path: &str) -> Result<(), AppError> {
    use serde_json::Value;
    match value {
        Value::String(text) => check_text(if path.is_empty() { "body" } else { path }, text),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(index, item)| check_json(item, &format!("{path}[{index}]"))),
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            let field = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            check_text(&field, key)?;
            check_json(item, &field)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// The refusal, in the form the client asked for. The body may not have been read, so
/// the connection is not reused for a next request.
fn refuse(headers: &HeaderMap, error: AppError) -> Response {
    tracing::info!(status = error.status(), %error, "request refused at the input guard");
    let mut response = super::refusal::refusal(headers, &error);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_first_field_with_a_control_character() {
        let field = |result: Result<(), AppError>| match result {
            Err(AppError::Invalid { field, .. }) => field,
            other => format!("{other:?}"),
        };
        assert_eq!(field(check_pairs(b"q=ok&after=1.%00")), "after");
        assert_eq!(field(check_pairs(b"a=1&b=%01x")), "b");
        assert_eq!(field(check_pairs(b"x%00y=1")), "x\u{fffd}y");
        assert_eq!(
            check_pairs(b"q=caf%C3%A9+%E2%80%94%0D%0Anext%09tab"),
            Ok(())
        );
        let json: serde_json::Value =
            serde_json::json!({"fields": {"title": "x\u{0}"}, "ids": [1, "ok"]});
        assert_eq!(field(check_json(&json, "")), "fields.title");
        let json = serde_json::json!({"items": ["ok", "bad\u{7}"]});
        assert_eq!(field(check_json(&json, "")), "items[1]");
        assert_eq!(
            check_json(&serde_json::json!({"a": ["b", {"c": "d\n"}]}), ""),
            Ok(())
        );
    }
}
