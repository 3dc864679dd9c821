//! A JSON request body, refused as a problem document when it is not one: 415 without
//! `Content-Type: application/json`, 400 when it is not JSON at all, 422 naming what is
//! wrong when it is JSON of the wrong shape (an unknown field, a missing one, a wrong
//! type).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::http::problem::Problem;
use app::model::AppError;

pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(refused(rejection)),
        }
    }
}

fn refused(rejection: JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The body must be JSON",
            "send the body as JSON, with Content-Type: application/json",
        ),
        JsonRejection::JsonDataError(error) => {
            // serde's words ("missing field `title` at line 1 column 2"), bounded.
            let text = error.body_text();
            let message = text
                .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                .unwrap_or(&text);
            Problem::from(&AppError::invalid(field_of(message), message))
        }
        JsonRejection::JsonSyntaxError(_) => Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            "The body is not JSON",
            "the body could not be read as JSON",
        ),
        other => Problem::new(
            other.status(),
            "malformed_body",
            "The body could not be read",
            "the body could not be read",
        ),
    }
}

/// The field serde names in its message (``missing field `title` ``), else "body".
fn field_of(message: &str) -> String {
    let field = message
        .split_once("field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field)
        .or_else(|| {
            message
                .split_once(": ")
                .map(|(path, _)| path)
                .filter(|path| !path.contains(' ') && !path.is_empty())
        });
    field.unwrap_or("body").to_string()
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn the_field_serde_names_is_the_problem_field() {
        assert_eq!(
            field_of("missing field `title` at line 1 column 2"),
            "title"
        );
        assert_eq!(
            field_of("unknown field `titel`, expected one of `title`"),
            "titel"
        );
        assert_eq!(field_of("priority: unknown variant `hot`"), "priority");
        assert_eq!(
            field_of("invalid type: integer `1`, expected a string"),
            "body"
        );
    }
}
