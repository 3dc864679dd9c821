#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Read replicas (issue 24): reads go to a real streaming replica of the test cluster
//! while it is fresh; a person's next read after their write goes where that write is
//! (the primary, until a replica has replayed it); a replica further behind than the
//! limit, or down, is skipped and reads go on from the primary without an error.

mod common;

use std::time::{Duration, Instant};

use app::model::{ApiScope, Role};
use axum::http::StatusCode;
use common::api::{call, json, key};
use common::replica::Replica;
use common::world::World;
use serde_json::json;
use sqlx::PgPool;

/// The database `#[sqlx::test]` made for this test.
fn database(pool: &PgPool) -> String {
    pool.connect_options()
        .get_database()
        .unwrap_or("postgres")
        .to_string()
}

/// Waits (two minutes at most) for `check` to hold of the state's replica. A replica
/// restarted while the whole suite runs replays everything the other tests wrote to
/// the shared cluster meanwhile (each test creates a database: megabytes of WAL), which
/// took more than 30 s on a loaded 2-core machine; alone it takes about one.
async fn until(world: &World, what: &str, check: impl Fn(bool, bool) -> bool) {
    let replicas = world.state.replicas.clone().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, up, fresh, _) = replicas.states()[0].clone();
        if check(up, fresh) {
            return;
        }
        assert!(Instant::now() < deadline, "the replica never was {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[sqlx::test]
async fn reads_use_a_fresh_replica_and_people_read_their_own_writes(pool: PgPool) {
    let replica = Replica::start();
    let world = World::build(&pool)
        .tenant("acme", &[("ada@acme.example", Role::Admin)])
        .cases("acme", 20, 0)
        .flags(&[
            "--database-read-url",
            &replica.url(&database(&pool)),
            // Long enough that the stale reads below happen well inside it.
            "--database-read-max-lag-ms",
            "4000",
            "--database-read-check-ms",
            "50",
        ])
        .done()
        .await;
    casework::startup::start_replica_monitor(&world.state);
    let secret = key(&world, "ada@acme.example", &ApiScope::ALL).await;
    replica.caught_up(&pool).await;
    until(&world, "fresh", |up, fresh| up && fresh).await;
    let counts = || world.state.replicas.as_ref().unwrap().counts();

    // A read with nothing written: from the replica, and no position to remember.
    let before = counts();
    let listed = call(&world, &secret, "GET", "/api/v1/cases/3", None, &[]).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(counts().replica, before.replica + 1);
    assert!(
        listed.headers.get("set-cookie").is_none(),
        "{:?}",
        listed.headers
    );

    let session =
        common::session_cookie(&world.state, "ada@acme.example", common::world::PASSWORD).await;

    // The replica stops replaying; a case is written on the primary.
    replica.pause().await;
    let created = call(
        &world,
        &secret,
        "POST",
        "/api/v1/cases",
        Some(
            json!({"title": "Only on the primary", "customer_name": "Grace",
                    "customer_email": "grace@example.com"}),
        ),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let number = json(&created)["number"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{number}");
    let cookie = common::read_after_cookie(&created);

    // The writer, with the position of the write: read where the write is.
    let own = call(&world, &secret, "GET", &path, None, &[("cookie", &cookie)]).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(json(&own)["title"], "Only on the primary");
    assert!(counts().own_write > before.own_write);
    // Anyone else (no position): the replica, which does not have it yet. (Inside the
    // 4 s the replica may lag: that is what "tolerates replica lag" means.)
    let other = call(&world, &secret, "GET", &path, None, &[]).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
    // The same for pages (rendered by Leptos, which may read in tasks of its own) and
    // server functions.
    let page = format!("/cases/{number}");
    let mine = format!("{session}; {cookie}");
    let seen = common::get_with_cookie(world.state.clone(), &page, &mine).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("Only on the primary"));
    let unseen = common::get_with_cookie(world.state.clone(), &page, &session).await;
    assert_eq!(unseen.status, StatusCode::NOT_FOUND);
    let detail = format!("/api/case/detail?number={number}");
    let seen = common::get_with_cookie(world.state.clone(), &detail, &mine).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let unseen = common::get_with_cookie(world.state.clone(), &detail, &session).await;
    assert_eq!(unseen.status, StatusCode::NOT_FOUND, "{}", unseen.body);

    // Further behind than the limit: no longer read from; everyone sees the case.
    until(&world, "stale", |_, fresh| !fresh).await;
    let other = call(&world, &secret, "GET", &path, None, &[]).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    assert!(counts().none_fresh > before.none_fresh);

    // Replaying again: fresh, read from, and it has the case now.
    replica.unpause().await;
    replica.caught_up(&pool).await;
    until(&world, "fresh again", |up, fresh| up && fresh).await;
    let before = counts();
    let other = call(&world, &secret, "GET", &path, None, &[]).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    assert_eq!(counts().replica, before.replica + 1);
    // And the writer's position is replayed: the writer reads from it too.
    let own = call(&world, &secret, "GET", &path, None, &[("cookie", &cookie)]).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(counts().replica, before.replica + 2);

    // Down: the reads right after go on (from the primary), then it is marked down.
    replica.stop();
    for _ in 0..5 {
        let read = call(&world, &secret, "GET", &path, None, &[]).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    }
    until(&world, "down", |up, fresh| !up && !fresh).await;
    let read = call(
        &world,
        &secret,
        "GET",
        "/api/v1/cases?status=new",
        None,
        &[],
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    // Back: read from again.
    replica.resume();
    until(&world, "back", |up, fresh| up && fresh).await;
    let before = counts();
    let read = call(&world, &secret, "GET", &path, None, &[]).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(counts().replica, before.replica + 1);
}
