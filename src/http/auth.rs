//! Password sign-in and sign-out as plain form posts: they work before (and without)
//! the WebAssembly, and answer with a redirect either way. Outcomes travel to the
//! `/login` page in its query string.

use app::server::AppState;
use app::server::auth::{SignInError, authenticate, safe_next, sign_in, sign_out};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::client_ip::ClientIp;

/// Longest password considered: hashing megabytes of input on request is a denial of
/// service, and no real password is this long.
const MAX_PASSWORD_CHARS: usize = 1024;

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct LoginQuery<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<&'a str>,
}

fn back_to_login(query: &LoginQuery) -> Redirect {
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    Redirect::to(&format!("/login?{query}"))
}

pub async fn sign_in_with_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    Form(form): Form<SignInForm>,
) -> Response {
    let email = form.email.as_deref().unwrap_or_default().trim();
    let password = form.password.as_deref().unwrap_or_default();
    let next = safe_next(form.next.as_deref());
    let keep_next = (next != "/").then_some(next.as_str());
    let email_shown = (email.len() <= 254)
        .then_some(email)
        .filter(|e| !e.is_empty());
    let fail = |error| {
        back_to_login(&LoginQuery {
            error: Some(error),
            email: email_shown,
            next: keep_next,
            ..Default::default()
        })
        .into_response()
    };
    if email.is_empty() || password.is_empty() {
        return fail("missing");
    }
    if let Err(wait) = state.limiter.check_sign_in(ip, email).await {
        let seconds = wait.as_secs() + 1;
        tracing::warn!(%ip, "sign-in rate limit hit");
        let mut response = back_to_login(&LoginQuery {
            error: Some("rate_limited"),
            retry_after: Some(seconds),
            email: email_shown,
            next: keep_next,
            ..Default::default()
        })
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return response;
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return fail("invalid");
    }
    match authenticate(&state.pool, email, password).await {
        Ok(user) => match sign_in(&state, &session, user.user_id, user.session_epoch).await {
            Ok(()) => Redirect::to(&next).into_response(),
            Err(_) => fail("unavailable"),
        },
        Err(SignInError::WrongCredentials) => fail("invalid"),
        Err(SignInError::Deactivated) => fail("deactivated"),
        Err(SignInError::Failed(_)) => fail("unavailable"),
    }
}

pub async fn sign_out_and_leave(State(state): State<AppState>, session: Session) -> Response {
    // Even if the store is unreachable the cookie is cleared by flush's response.
    let _ = sign_out(&state, &session).await;
    back_to_login(&LoginQuery {
        notice: Some("signed_out"),
        ..Default::default()
    })
    .into_response()
}
