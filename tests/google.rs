#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The Google sign-in edges that need no Google: what the start redirect asks for, and
//! every way a callback is refused. (The full browser flow against an OIDC mock is in
//! end2end/tests/google.spec.ts.)

mod common;

use axum::http::StatusCode;
use sqlx::PgPool;

const GOOGLE: [&str; 5] = [
    "--google-client-id=client-123",
    "--google-client-secret=shh",
    "--google-auth-url=http://127.0.0.1:1/authorize",
    "--google-token-url=http://127.0.0.1:1/token",
    "--public-url=https://cw.example.com",
];

fn query_of(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap()
}

#[sqlx::test]
async fn start_asks_google_for_a_pkce_code_bound_to_this_session(pool: PgPool) {
    let state = common::state(common::config(&common::database_url(&pool), &GOOGLE));
    let reply = common::get(state.clone(), "/auth/google/start?next=%2Fwork").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let location = reply.location();
    assert!(
        location.starts_with("http://127.0.0.1:1/authorize?"),
        "{location}"
    );
    let params = query_of(location);
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    assert_eq!(get("response_type"), "code");
    assert_eq!(get("client_id"), "client-123");
    assert_eq!(
        get("redirect_uri"),
        "https://cw.example.com/auth/google/callback"
    );
    assert_eq!(get("code_challenge_method"), "S256");
    assert_eq!(get("code_challenge").len(), 43);
    assert!(get("state").len() >= 16);
    assert!(get("scope").split(' ').any(|scope| scope == "email"));
    let cookie = reply
        .session_cookie()
        .expect("pending sign-in not kept in a session");
    assert!(
        reply.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure"),
        "https PUBLIC_URL → Secure cookie"
    );

    // A forged state is refused, and the pending sign-in is spent: replaying it with the
    // right state afterwards finds nothing.
    let right_state = get("state").to_string();
    let forged = common::get_with_cookie(
        state.clone(),
        "/auth/google/callback?code=abc&state=forged",
        &cookie,
    )
    .await;
    assert_eq!(forged.location(), "/login?error=google_tampered");
    let replay = format!("/auth/google/callback?code=abc&state={right_state}");
    let replayed = common::get_with_cookie(state.clone(), &replay, &cookie).await;
    assert_eq!(replayed.location(), "/login?error=google_expired");
    // Nobody got signed in along the way.
    let home = common::get_with_cookie(state.clone(), "/", &cookie).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
}

#[sqlx::test]
async fn cancelled_missing_and_unstarted_callbacks_are_refused(pool: PgPool) {
    let state = common::state(common::config(&common::database_url(&pool), &GOOGLE));
    // No sign-in was started from this browser.
    let reply = common::get(state.clone(), "/auth/google/callback?code=abc&state=xyz").await;
    assert_eq!(reply.location(), "/login?error=google_expired");

    let start = common::get(state.clone(), "/auth/google/start").await;
    let cookie = start.session_cookie().unwrap();
    let denied = common::get_with_cookie(
        state.clone(),
        "/auth/google/callback?error=access_denied",
        &cookie,
    )
    .await;
    assert_eq!(denied.location(), "/login?error=google_denied");

    let start = common::get(state.clone(), "/auth/google/start").await;
    let cookie = start.session_cookie().unwrap();
    let no_code = common::get_with_cookie(state.clone(), "/auth/google/callback", &cookie).await;
    assert_eq!(no_code.location(), "/login?error=google_tampered");
}

#[sqlx::test]
async fn google_is_off_unless_configured(pool: PgPool) {
    let state = common::state(common::config(&common::database_url(&pool), &[]));
    let reply = common::get(state.clone(), "/auth/google/start").await;
    assert_eq!(reply.location(), "/login?error=google_off");
    let login = common::get(state.clone(), "/login").await;
    assert!(!login.body.contains("Sign in with Google"));
    let configured = common::state(common::config(&common::database_url(&pool), &GOOGLE));
    let login = common::get(configured, "/login?next=%2Flists").await;
    assert!(login.body.contains("Sign in with Google"));
    assert!(
        login
            .body
            .contains(r#"href="/auth/google/start?next=%2Flists""#)
    );
}
