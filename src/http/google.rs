//! `/auth/google/start` and `/auth/google/callback`: the browser's two stops in the
//! Google sign-in. Both are GETs (the callback is Google redirecting back), so the
//! CSRF protection here is the OAuth `state`, checked against the session.

use app::server::AppState;
use app::server::auth::google::{self, Callback, GoogleError};
use app::server::auth::{safe_next, sign_in};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<StartQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    match google::start(&state.config, &session, next).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) => refused(error),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let callback = Callback {
        code: query.code,
        state: query.state,
        error: query.error,
    };
    match google::finish(&state, &session, callback).await {
        Ok(signed) => match sign_in(&state, &session, signed.user_id, signed.session_epoch).await {
            Ok(()) => Redirect::to(&signed.next).into_response(),
            Err(_) => refused(GoogleError::Exchange),
        },
        Err(error) => refused(error),
    }
}

fn refused(error: GoogleError) -> Response {
    Redirect::to(&format!("/login?error={}", error.code())).into_response()
}
