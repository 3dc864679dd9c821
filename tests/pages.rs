#![cfg(feature = "ssr")]
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
async fn home_page_is_server_rendered_with_the_frame() {
    let reply = common::get(state(), "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = &reply.body;
    assert!(
        html.contains("<title>Dashboard · Casework</title>"),
        "{html}"
    );
    assert!(html.contains(r#"aria-label="Main""#));
    for label in ["Dashboard", "My work", "Companies", "Lists", "Admin"] {
        assert!(
            html.contains(&format!(">{label}</a>")),
            "nav link {label} missing"
        );
    }
    assert!(html.contains(r#"data-theme="system""#));
    assert!(
        html.contains("/pkg/casework.js"),
        "hydration script missing"
    );
    // Production mode: no cargo-leptos live-reload socket in the page.
    assert!(!html.contains("live_reload"));
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
    let reply = common::get(state(), "/").await;
    let id = reply
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    assert!(matches!(id, Some(id) if id.len() == 36), "{id:?}");
}

#[tokio::test]
async fn the_theme_cookie_is_rendered_by_the_server() {
    let request = axum::http::Request::get("/").header("cookie", "session=x; theme=dark");
    let reply = common::send(state(), request).await;
    assert!(reply.body.contains(r#"<html lang="en" data-theme="dark""#));
    let request = axum::http::Request::get("/").header("cookie", "theme=\"><script>");
    let reply = common::send(state(), request).await;
    assert!(reply.body.contains(r#"data-theme="system""#));
}
