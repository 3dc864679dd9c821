//! A request refused before it reached a page or a handler (too large, bad input, over
//! a rate limit): a whole HTML page for a browser asking for one (a page address, a
//! form posted without JavaScript), else the `AppError` as JSON, which the browser's
//! server-function client decodes as any other error and which is an RFC 9457 problem
//! document too (src/http/problem.rs).

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
        super::problem::Problem::from(error).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_body_is_also_the_app_error_the_browser_decodes() {
        let error = AppError::TooLarge { limit_bytes: 1024 };
        let body = serde_json::to_string(&super::super::problem::Problem::from(&error))
            .unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(value["status"], 413);
        assert_eq!(value["type"], "/problems/too_large");
        assert_eq!(value["limit_bytes"], 1024);
        assert_eq!(serde_json::from_str::<AppError>(&body).ok(), Some(error));
    }
}
