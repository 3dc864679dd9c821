//! A request refused before it reached a page or a handler (too large, bad input, over
//! a rate limit): a whole HTML page for a browser asking for one (a page address, a
//! form posted without JavaScript), else the `AppError` as JSON, which the browser's
//! server-function client decodes as any other error and which reads as an RFC 9457
//! problem too.

use app::components::error_document::error_document;
use app::model::{AppError, Theme};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub fn refusal(headers: &HeaderMap, error: &AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if accept.contains("text/html") {
        let theme = headers
            .get(header::COOKIE)
            .and_then(|value| value.to_str().ok())
            .map(Theme::from_cookie_header)
            .unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            error_document(error, theme),
        )
            .into_response()
    } else {
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            problem_json(error),
        )
            .into_response()
    }
}

/// The `AppError` as JSON (what the server-function client decodes), with the RFC 9457
/// problem members beside its own.
fn problem_json(error: &AppError) -> String {
    let mut value = serde_json::to_value(error).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        let kind = object
            .get("kind")
            .and_then(|kind| kind.as_str())
            .unwrap_or("internal")
            .to_string();
        object.insert("type".into(), format!("/problems/{kind}").into());
        object.insert("title".into(), error.to_string().into());
        object.insert("status".into(), error.status().into());
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_body_is_also_the_app_error_the_browser_decodes() {
        let error = AppError::TooLarge { limit_bytes: 1024 };
        let body = problem_json(&error);
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(value["status"], 413);
        assert_eq!(value["type"], "/problems/too_large");
        assert_eq!(serde_json::from_str::<AppError>(&body).ok(), Some(error));
    }
}
