#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A database that dropped every connection (a restart, a failover) and answers again:
//! the connections the pool still holds are dead, and the requests after must not pay
//! for them (app/src/server/connections.rs). While it cannot answer at all, a
//! signed-in person is told "try again shortly", never signed out.

mod common;

use app::model::Role;
use axum::http::StatusCode;
use common::world::World;
use sqlx::PgPool;

const ADMIN: &str = "ada@acme.example";

/// What a restart does to the app's connections: the server ends every one.
async fn end_the_apps_connections(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'casework'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Several pages at once, so the pool holds several idle connections.
async fn warm(world: &World, cookie: &str) {
    let pages = (0..6).map(|_| common::get_with_cookie(world.state.clone(), "/work", cookie));
    for reply in futures::future::join_all(pages).await {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert!(
        world.state.pool.num_idle() >= 2,
        "no idle connections to kill"
    );
}

#[sqlx::test]
async fn pages_and_writes_after_every_connection_was_dropped_succeed(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", &[(ADMIN, Role::Admin)])
        .cases("acme", 3, 0)
        .done()
        .await;
    let cookie = world.cookie(ADMIN).await;
    let number: i32 = sqlx::query_scalar("SELECT min(number) FROM cases")
        .fetch_one(&pool)
        .await
        .unwrap();

    // Reads: each kind of page, each after the connections were dropped again.
    for path in ["/work", &format!("/cases/{number}")] {
        warm(&world, &cookie).await;
        assert!(end_the_apps_connections(&pool).await >= 2);
        let reply = common::get_with_cookie(world.state.clone(), path, &cookie).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    // The API, whose key is read outside any transaction.
    let key = common::api::every_scope(&world, ADMIN).await;
    warm(&world, &cookie).await;
    assert!(end_the_apps_connections(&pool).await >= 2);
    let reply = common::api::get(&world, &key, "/api/v1/cases").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // A write: it begins on a live connection and happens once.
    warm(&world, &cookie).await;
    assert!(end_the_apps_connections(&pool).await >= 2);
    let form = [
        ("number", number.to_string()),
        ("body", "after the restart".to_string()),
    ];
    let reply = common::call_fn(&world.state, &cookie, "/api/case/comment", &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM case_comments WHERE body = 'after the restart'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, 1);
    assert!(app::server::connections::is_suspect());
}

#[sqlx::test]
async fn a_person_is_not_signed_out_while_the_database_cannot_answer(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", &[(ADMIN, Role::Admin)])
        .done()
        .await;
    let cookie = world.cookie(ADMIN).await;
    // No live listener here, so the viewer cache is not trusted: every request reads
    // the session from the database, as every instance does while its listener is
    // cut off by the same outage.
    assert_eq!(
        common::get_with_cookie(world.state.clone(), "/work", &cookie)
            .await
            .status,
        StatusCode::OK
    );
    world.state.pool.close().await;
    for accept in ["text/html", "application/json"] {
        let reply = common::send(
            world.state.clone(),
            axum::http::Request::get("/work")
                .header("cookie", &cookie)
                .header("accept", accept),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{accept}: {} {}",
            reply.location(),
            reply.body
        );
        // Still signed in: the cookie is not cleared.
        assert!(reply.session_cookie().is_none(), "{accept}");
    }
    // A page for people, not a code.
    let reply = common::send(
        world.state.clone(),
        axum::http::Request::get("/work")
            .header("cookie", &cookie)
            .header("accept", "text/html"),
    )
    .await;
    assert!(reply.body.contains("<html"), "{}", reply.body);
    // The session row is still there for when the database answers.
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1);
}
