//! RFC 9457 problem documents: the one shape every refusal and every REST API error
//! takes (`application/problem+json`). `type` is stable per kind of error
//! (`/problems/<kind>`, documented on the API reference page), `title` is the same for
//! every occurrence of a kind, `detail` says what went wrong this time.
//!
//! A problem made from an `AppError` carries that error's own members beside (`kind`,
//! `field`, `message`, `retry_after`, `limit_bytes`, `current`): the browser's
//! server-function client decodes the same body as the `AppError` it knows.

use app::model::AppError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

pub const CONTENT_TYPE: &str = "application/problem+json";

/// An error, as an RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "/problems/invalid", "title": "A field is not valid", "status": 422,
    "kind": "invalid", "detail": "Title is required.", "field": "title", "message": "is required"
}))]
pub struct Problem {
    /// Stable for each kind of error: `/problems/<kind>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The same for every occurrence of this kind.
    pub title: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The kind alone (the last part of `type`).
    pub kind: String,
    /// What went wrong this time, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The members particular to some kinds (boxed: an error is passed around by value
    /// on every refused request, and most carry none of them).
    #[serde(flatten)]
    pub extra: Box<Extra>,
}

/// Members a problem of some kinds carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Extra {
    /// The field or parameter that is not valid (`invalid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong with it (`invalid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Seconds until a request may succeed (`rate_limited`; also the `Retry-After`
    /// header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The largest body this route accepts, in bytes (`too_large`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_bytes: Option<u64>,
    /// The scope the API key lacks (`insufficient_scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The most sub-requests a batch may carry (`too_many_subrequests`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// The thing as it is now (`conflict`, `precondition_failed`): what a stale write
    /// was refused against, so the caller can merge and retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

impl Problem {
    /// A problem of `kind` with its fixed `title`, and `detail`.
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("/problems/{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            kind: kind.to_string(),
            detail: Some(detail.into()),
            extra: Box::default(),
        }
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<&AppError> for Problem {
    fn from(error: &AppError) -> Self {
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let (kind, title) = match error {
            AppError::Unauthenticated => ("unauthenticated", "Not signed in"),
            AppError::Forbidden => ("forbidden", "Not allowed"),
            AppError::NotFound => ("not_found", "Not found"),
            AppError::Invalid { .. } => ("invalid", "A field is not valid"),
            AppError::Conflict { .. } => ("conflict", "Changed by someone else"),
            AppError::TooLarge { .. } => ("too_large", "Request too large"),
            AppError::RateLimited { .. } => ("rate_limited", "Too many requests"),
            AppError::Unavailable => ("unavailable", "Temporarily unavailable"),
            AppError::Internal => ("internal", "Something went wrong on our side"),
        };
        let mut problem = Problem::new(status, kind, title, error.to_string());
        match error {
            AppError::Invalid { field, message } => {
                problem.extra.field = Some(field.clone());
                problem.extra.message = Some(message.clone());
            }
            AppError::Conflict { current } => problem.extra.current = Some(current.clone()),
            AppError::TooLarge { limit_bytes } => problem.extra.limit_bytes = Some(*limit_bytes),
            AppError::RateLimited { retry_after } => problem.extra.retry_after = Some(*retry_after),
            _ => {}
        }
        problem
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        Problem::from(&error)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let retry_after = self.extra.retry_after;
        let body = serde_json::to_string(&self).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 9110: a 401 names the scheme that would work.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"casework\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_made_from_an_app_error_is_also_that_error() {
        let errors = [
            AppError::TooLarge { limit_bytes: 1024 },
            AppError::invalid("title", "is required"),
            AppError::RateLimited { retry_after: 3 },
            AppError::Conflict {
                current: serde_json::json!({"version": 4}),
            },
            AppError::NotFound,
            AppError::Internal,
        ];
        for error in errors {
            let problem = Problem::from(&error);
            let body = serde_json::to_string(&problem).unwrap_or_default();
            let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            assert_eq!(value["status"], error.status());
            assert_eq!(
                value["type"],
                format!("/problems/{}", value["kind"].as_str().unwrap_or("?"))
            );
            assert_eq!(value["detail"], error.to_string());
            assert_eq!(serde_json::from_str::<AppError>(&body).ok(), Some(error));
        }
    }
}
