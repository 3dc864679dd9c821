#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `/api/health` against a real database, a refused one and a silent one.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use sqlx::PgPool;

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {body}"))
}

#[sqlx::test]
async fn healthy_when_the_database_answers(pool: PgPool) {
    // What `casework migrate` makes: the app's schema and the job queue's.
    app::server::db::migrate_jobs(&pool).await.unwrap();
    let config = common::config(&common::database_url(&pool), &[]);
    let reply = common::get(common::state(config), "/api/health").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = json(&reply.body);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["uptime_s"].is_u64());
    assert_eq!(reply.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn unavailable_when_the_database_refuses_connections() {
    // Nothing listens on port 1.
    let config = common::config(
        "postgres://postgres@127.0.0.1:1/casework",
        &["--database-acquire-timeout-ms=500"],
    );
    let reply = common::get(common::state(config), "/api/health").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = json(&reply.body);
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "unavailable");
}

#[tokio::test]
async fn unavailable_not_hanging_when_the_database_never_answers() {
    // Accepts TCP connections and then says nothing: a hung server or a black hole.
    let silent = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(error) => panic!("{error}"),
    };
    let port = silent.local_addr().map(|a| a.port()).unwrap_or_default();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let config = common::config(
        &format!("postgres://postgres@127.0.0.1:{port}/casework"),
        &["--database-acquire-timeout-ms=600000"],
    );
    // The probe gives up on its own (2 s); waiting for a connection would take the
    // pool's 10 minutes, which this bound (not a measurement) would catch.
    let reply = tokio::time::timeout(
        Duration::from_secs(300),
        common::get(common::state(config), "/api/health"),
    )
    .await
    .expect("the health check waited for the pool instead of its own probe timeout");
    hold.abort();
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(&reply.body)["database"], "unavailable");
}
