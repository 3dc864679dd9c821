#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The people pickers' list and company pages kept in memory (server/caches.rs): read
//! again, answered from memory; changed anywhere — this process, another, plain SQL —
//! forgotten in every process; the person who changed it sees the change on their
//! very next read, on any instance, before that instance has heard (server/heard.rs);
//! another workspace never sees what one workspace's cache holds.

mod common;

use app::model::Role;
use app::server::AppState;
use axum::http::StatusCode;
use common::eventually;
use common::world::{ACME_CASE_TEAM, World};
use serde_json::Value;
use sqlx::PgPool;

async fn world(pool: &PgPool) -> World {
    World::build(pool)
        .tenant("acme", ACME_CASE_TEAM)
        .cases("acme", 5, 0)
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .done()
        .await
}

/// A process of its own on the test database, listening, values kept 300 s (only
/// announcements can drop them within a test).
async fn instance(pool: &PgPool) -> AppState {
    common::listening_instance(pool, &["--cache-seconds", "300"]).await
}

/// The assignee filter's people on the team queue, by name.
async fn assignees(state: &AppState, cookie: &str) -> Vec<String> {
    let reply = common::post_form(
        state.clone(),
        "/api/cases/team",
        &[("query", "")],
        Some(cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page: Value = serde_json::from_str(&reply.body).unwrap();
    page["assignees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|person| person["display_name"].as_str().unwrap().to_string())
        .collect()
}

/// The company page's data as `cookie` sees it: (status, notes' bodies, name).
async fn company(state: &AppState, cookie: &str, id: i64) -> (StatusCode, Vec<String>, String) {
    let reply = common::get_with_cookie(
        state.clone(),
        &format!("/api/company/detail?id={id}"),
        cookie,
    )
    .await;
    if reply.status != StatusCode::OK {
        return (reply.status, Vec::new(), String::new());
    }
    let detail: Value = serde_json::from_str(&reply.body).unwrap();
    let notes = detail["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|note| note["body"].as_str().unwrap().to_string())
        .collect();
    let name = detail["company"]["name"].as_str().unwrap().to_string();
    (reply.status, notes, name)
}

#[sqlx::test]
async fn people_are_kept_until_someone_joins_or_is_renamed_anywhere(pool: PgPool) {
    let world = world(&pool).await;
    let here = instance(&pool).await;
    let there = instance(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;

    let first = assignees(&here, &ada).await;
    assert!(first.iter().any(|name| name == "emil"), "{first:?}");
    let hits = here.caches.people_stats().hits;
    assert_eq!(assignees(&here, &ada).await, first);
    assert_eq!(
        here.caches.people_stats().hits,
        hits + 1,
        "read again: kept"
    );
    // Another workspace: its own people, never acme's.
    let globex = assignees(&here, &gus).await;
    assert!(globex.iter().all(|name| name != "emil"), "{globex:?}");
    assert_eq!(assignees(&there, &ada).await, first);

    // Someone joins through the admin page of one process: the admin sees them at once
    // on the other, which has not necessarily heard yet.
    let add = common::post_form(
        here.clone(),
        "/api/admin/users/add",
        &[
            ("email", "zoe@acme.example"),
            ("display_name", "Zoe Newcomer"),
            ("role", "employee"),
            ("password", "a long password"),
        ],
        Some(&ada),
    )
    .await;
    assert_eq!(add.status, StatusCode::OK, "{}", add.body);
    let ada_after = common::with_read_after(&ada, &add);
    for state in [&there, &here] {
        let people = assignees(state, &ada_after).await;
        assert!(people.contains(&"Zoe Newcomer".to_string()), "{people:?}");
    }
    // And everyone, everywhere, once the announcement is heard.
    for state in [&here, &there] {
        eventually!("the newcomer is listed", {
            assignees(state, &ada)
                .await
                .contains(&"Zoe Newcomer".to_string())
        });
    }
    // Renamed in plain SQL: announced by the database itself.
    sqlx::query("UPDATE users SET display_name = 'Zoe Renamed' WHERE email = 'zoe@acme.example'")
        .execute(&pool)
        .await
        .unwrap();
    for state in [&here, &there] {
        eventually!("the rename is seen", {
            assignees(state, &ada)
                .await
                .contains(&"Zoe Renamed".to_string())
        });
    }
    // Deactivated: off the list.
    sqlx::query("UPDATE users SET active = false WHERE email = 'zoe@acme.example'")
        .execute(&pool)
        .await
        .unwrap();
    eventually!("the deactivated are not listed", {
        !assignees(&there, &ada)
            .await
            .iter()
            .any(|name| name.starts_with("Zoe"))
    });
    // A sign-in (which writes the user row) is not a change of the list.
    let announced = here.caches.people_stats().misses;
    world.cookie("erin@acme.example").await;
    assignees(&here, &ada).await;
    assignees(&here, &ada).await;
    assert!(here.caches.people_stats().misses <= announced + 1);
}

#[sqlx::test]
async fn company_pages_are_kept_per_company_and_a_writer_sees_their_change_at_once(pool: PgPool) {
    let world = world(&pool).await;
    let here = instance(&pool).await;
    let there = instance(&pool).await;
    let anna = world.cookie("anna@acme.example").await;
    let ada = world.cookie("ada@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;
    let (first, _) = common::company_with_note(&here, &anna, "Initech", "initech.example").await;
    let (second, _) = common::company_with_note(&here, &anna, "Hooli", "hooli.example").await;

    // Kept: the second read is a hit, in each process.
    for state in [&here, &there] {
        eventually!("the company is heard of", {
            company(state, &ada, first).await.1 == ["a note"]
        });
        let hits = state.caches.company_stats().hits;
        assert_eq!(company(state, &ada, first).await.1, ["a note"]);
        assert_eq!(state.caches.company_stats().hits, hits + 1);
    }
    // Another workspace asking for acme's company: not found, kept or not.
    assert_eq!(company(&here, &gus, first).await.0, StatusCode::NOT_FOUND);
    assert_eq!(company(&there, &gus, first).await.0, StatusCode::NOT_FOUND);

    // A note added in one process: the writer's next read, on the other process, has
    // it, every time, whatever that process has heard.
    for n in 0..5 {
        let body = format!("note {n}");
        let reply = common::call_fn(
            &here,
            &anna,
            "/api/company/note",
            &[("id", first.to_string()), ("body", body.clone())],
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let anna_after = common::with_read_after(&anna, &reply);
        let (_, notes, _) = company(&there, &anna_after, first).await;
        assert!(notes.contains(&body), "{n}: {notes:?}");
    }
    // Everyone else once it is heard; the other company was not read again for it.
    let kept_second = company(&there, &ada, second).await;
    for state in [&here, &there] {
        eventually!("the notes reach everyone", {
            company(state, &ada, first).await.1.len() == 6
        });
    }
    let hits = there.caches.company_stats().hits;
    assert_eq!(company(&there, &ada, second).await, kept_second);
    assert_eq!(
        there.caches.company_stats().hits,
        hits + 1,
        "kept one by one"
    );

    // Renamed in plain SQL: the database announces it.
    sqlx::query("UPDATE companies SET name = 'Initrode' WHERE id = $1")
        .bind(first)
        .execute(&pool)
        .await
        .unwrap();
    for state in [&here, &there] {
        eventually!("the rename is seen", {
            company(state, &ada, first).await.2 == "Initrode"
        });
    }
}

#[sqlx::test]
async fn the_system_page_and_metrics_show_each_cache(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", ACME_CASE_TEAM)
        .jobs()
        .done()
        .await;
    let here = instance(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    assignees(&here, &ada).await;
    assignees(&here, &ada).await;
    let report = common::call_ok(
        &here,
        &ada,
        "/api/admin/system",
        &[("window", String::new())],
    )
    .await;
    let caches = report["now"]["caches"].as_array().unwrap();
    let names: Vec<&str> = caches.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "viewers",
            "people",
            "companies",
            "unread",
            "dashboards",
            "directory"
        ]
    );
    let people = &caches[1];
    assert!(people["hits"].as_u64().unwrap() >= 1, "{people}");
    // (moka counts entries a moment later: the size is approximate.)
    assert!(people["entries"].is_u64(), "{people}");
    assert!(report["now"]["replicas"].as_array().unwrap().is_empty());

    let page = common::get_with_cookie(here.clone(), "/admin/system", &ada).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"data-cache="people""#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"data-testid="no-replicas""#));

    let scrape = tower::ServiceExt::oneshot(
        casework::startup::metrics_router(here.clone()),
        axum::http::Request::get("/metrics")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let body = axum::body::to_bytes(scrape.into_body(), usize::MAX)
        .await
        .unwrap();
    let metrics = String::from_utf8_lossy(&body);
    for cache in ["people", "companies"] {
        assert!(
            metrics.contains(&format!(
                "casework_cache_requests_total{{cache=\"{cache}\",outcome=\"hit\"}}"
            )),
            "{cache}"
        );
    }
}
