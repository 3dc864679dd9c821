//! The one error type every server function and HTTP edge returns.
//!
//! It says what went wrong in terms the browser may see. Internal detail (SQL errors,
//! stack traces, upstream bodies) is logged on the server with the request id and never
//! put in here: `Internal` and `Unavailable` carry no message at all.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    #[error("please sign in")]
    Unauthenticated,
    #[error("you do not have permission to do that")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Said in words for people ("Email is already in use.", model/field_words.rs);
    /// `field` and `message` stay apart for programs.
    #[error("{}", crate::model::field_words::sentence(field, message))]
    Invalid { field: String, message: String },
    /// The thing changed since the client read it; `current` is the server's version of
    /// it, serialised, so the UI can show "yours / theirs / original".
    #[error("this was changed by someone else")]
    Conflict { current: serde_json::Value },
    /// The request's body is over the limit for its route (413).
    #[error("the request is too large: at most {limit_bytes} bytes are accepted here")]
    TooLarge { limit_bytes: u64 },
    #[error("too many requests; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    #[error("something went wrong on our side")]
    Internal,
}

impl AppError {
    /// Shorthand for the most common client mistake, in the spirit of crates.io's
    /// `bad_request(...)` helpers.
    ///
    /// Both parts are cut to a bounded length: a message may quote what was sent (serde's
    /// "unknown variant `…`" does), and an error must never echo unbounded input back.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: bounded(field.into(), MAX_FIELD_CHARS),
            message: bounded(message.into(), MAX_MESSAGE_CHARS),
        }
    }

    /// The HTTP status this error is reported with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict { .. } => 409,
            Self::Invalid { .. } => 422,
            Self::TooLarge { .. } => 413,
            Self::RateLimited { .. } => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

/// The longest field name and message an `Invalid` error carries, in characters.
pub const MAX_FIELD_CHARS: usize = 64;
pub const MAX_MESSAGE_CHARS: usize = 300;

/// `text` cut to at most `max` characters (the cut marked with "…").
fn bounded(mut text: String, max: usize) -> String {
    if text.chars().nth(max).is_some() {
        // The first max − 1 characters, and the mark.
        let keep = text
            .char_indices()
            .nth(max.saturating_sub(1))
            .map_or(0, |(at, _)| at);
        text.truncate(keep);
        text.push('…');
    }
    text
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Errors raised by the server-function plumbing itself (bad arguments, a request
    /// that never reached the server, an undecodable response).
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::Deserialization(message) => Self::invalid("request", message),
            ServerFnErrorErr::Request(_) => Self::Unavailable,
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        let cases = [
            (AppError::Unauthenticated, 401),
            (AppError::Forbidden, 403),
            (AppError::NotFound, 404),
            (AppError::invalid("email", "is not an email address"), 422),
            (
                AppError::Conflict {
                    current: serde_json::json!({"version": 3}),
                },
                409,
            ),
            (AppError::RateLimited { retry_after: 7 }, 429),
            (AppError::TooLarge { limit_bytes: 1024 }, 413),
            (AppError::Unavailable, 503),
            (AppError::Internal, 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
        }
    }

    #[test]
    fn round_trips_through_json_as_the_browser_sees_it() {
        let error = AppError::RateLimited { retry_after: 12 };
        let json = serde_json::to_string(&error).unwrap_or_default();
        assert_eq!(json, r#"{"kind":"rate_limited","retry_after":12}"#);
        let back: AppError = serde_json::from_str(&json).unwrap_or(AppError::Internal);
        assert_eq!(back, error);
        assert_eq!(back.to_string(), "too many requests; try again in 12 s");
    }

    #[test]
    fn an_invalid_error_never_echoes_unbounded_input() {
        let huge = "é".repeat(100_000);
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args(format!(
            "unknown variant `{huge}`, expected one of `admin`, `employee`"
        )));
        let AppError::Invalid { field, message } = &error else {
            panic!("not Invalid: {error:?}");
        };
        assert_eq!(field, "request");
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(message.starts_with("unknown variant `éé") && message.ends_with('…'));
        let long_field = AppError::invalid("f".repeat(1000), "short");
        assert!(matches!(&long_field, AppError::Invalid { field, message }
            if field.chars().count() == MAX_FIELD_CHARS && message == "short"));
        // Short ones are kept whole.
        assert_eq!(
            AppError::invalid("title", "is required").to_string(),
            "Title is required."
        );
        let json = serde_json::to_string(&error).unwrap_or_default();
        assert!(json.len() < 2_000, "{} bytes", json.len());
    }

    #[test]
    fn plumbing_errors_never_leak_as_internal_detail() {
        let bad_args = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into()));
        assert_eq!(bad_args.status(), 422);
        let network = AppError::from_server_fn_error(ServerFnErrorErr::Request("down".into()));
        assert_eq!(network, AppError::Unavailable);
        let server = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "relation \"users\" does not exist".into(),
        ));
        assert_eq!(server, AppError::Internal);
        assert!(!server.to_string().contains("relation"));
    }
}
