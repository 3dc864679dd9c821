#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Server-rendered pages through the real router: status codes, titles, the shell.

mod common;

use axum::http::StatusCode;

fn state() -> app::server::AppState {
    // Rendering these pages needs no database; a refused one proves it.
    common::state(common::config(
        "postgres://postgres@127.0.0.1:1/casework",
        &[],
    ))
}

#[tokio::test]
async fn the_sign_in_page_is_server_rendered_and_works_without_javascript() {
    let reply = common::get(
        state(),
        "/login?next=%2Fwork&error=invalid&email=ada%40acme.example",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = &reply.body;
    assert!(html.contains("<title>Sign in · Casework</title>"), "{html}");
    // A plain form post: no JavaScript needed.
    assert!(html.contains(r#"<form method="post" action="/auth/login""#));
    assert!(html.contains(r#"name="next" value="/work""#));
    assert!(html.contains(r#"value="ada@acme.example""#));
    assert!(html.contains("Email or password is wrong."));
    assert!(html.contains(r#"data-theme="system""#));
    // Named by content when this machine has a built site (src/startup.rs).
    let script = regex::Regex::new(r"/pkg/casework(\.[\w-]{22})?\.js").unwrap();
    assert!(script.is_match(html), "hydration script missing");
    // Production mode: no cargo-leptos live-reload socket in the page.
    assert!(!html.contains("live_reload"));
    // Signed out: no navigation to pages that would only bounce back here.
    assert!(!html.contains(r#"aria-label="Main""#));
}

#[tokio::test]
async fn query_values_are_escaped_not_injected() {
    let reply = common::get(
        state(),
        "/login?email=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("<script>alert(1)</script>"));
}

#[tokio::test]
async fn pages_send_anonymous_visitors_to_sign_in() {
    let reply = common::get(state(), "/").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers["location"], "/login?next=%2F");
}

#[tokio::test]
async fn unknown_paths_get_the_404_page_with_a_404_status() {
    let reply = common::get(state(), "/definitely/not/here").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        reply
            .body
            .contains("<title>Page not found · Casework</title>")
    );
    assert!(reply.body.contains("Back to the dashboard"));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let reply = common::get(state(), "/login").await;
    let id = reply
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    assert!(matches!(id, Some(id) if id.len() == 36), "{id:?}");
}

#[tokio::test]
async fn the_theme_cookie_is_rendered_by_the_server() {
    let request = axum::http::Request::get("/login").header("cookie", "session=x; theme=dark");
    let reply = common::send(state(), request).await;
    assert!(reply.body.contains(r#"<html lang="en" data-theme="dark""#));
    let request = axum::http::Request::get("/login").header("cookie", "theme=\"><script>");
    let reply = common::send(state(), request).await;
    assert!(reply.body.contains(r#"data-theme="system""#));
}
