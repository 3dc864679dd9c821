#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The dashboards' figures cache (server/dashboard/cache.rs): a dashboard read again is
//! answered from memory, and every change to what it counts — a case, the WIP limit,
//! "mark as seen", a list, a company — made through this process or another drops it
//! at once in both; other workspaces' figures stay; what nobody announces is bounded by
//! `DASHBOARD_CACHE_SECONDS`; nothing is kept while the listener is not running.

mod common;

use std::time::{Duration, Instant};

use app::model::Role;
use app::server::AppState;
use common::eventually;
use common::world::{ACME_CASE_TEAM, World};
use serde_json::Value;
use sqlx::PgPool;

async fn world(pool: &PgPool) -> World {
    World::build(pool)
        .tenant("acme", ACME_CASE_TEAM)
        .cases("acme", 60, 10)
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .cases("globex", 10, 0)
        .done()
        .await
}

/// A process of its own on the test database, listening, figures kept `seconds`.
async fn instance(pool: &PgPool, seconds: &str) -> AppState {
    common::listening_instance(pool, &["--dashboard-cache-seconds", seconds]).await
}

async fn team(state: &AppState, cookie: &str) -> Value {
    let query = [("query", String::new())];
    common::call_ok(state, cookie, "/api/dashboard/team", &query).await
}

async fn mine(state: &AppState, cookie: &str) -> Value {
    let query = [("query", String::new())];
    common::call_ok(state, cookie, "/api/dashboard/mine", &query).await
}

async fn companies(state: &AppState, cookie: &str) -> Value {
    common::call_ok(state, cookie, "/api/dashboard/companies", &[]).await
}

/// The New case form for an unassigned case.
fn new_unassigned_case() -> [(&'static str, String); 8] {
    [
        ("title", "Printer on fire".to_string()),
        ("customer_name", "Grace Hopper".to_string()),
        ("customer_email", "grace@navy.example".to_string()),
        ("customer_phone", String::new()),
        ("customer_company", String::new()),
        ("priority", "high".to_string()),
        ("assignee", String::new()),
        ("comment", "Smoke from tray 2.".to_string()),
    ]
}

fn hits(state: &AppState) -> u64 {
    state.figures.stats().hits
}

#[sqlx::test]
async fn figures_are_kept_until_what_they_count_changes_in_any_process(pool: PgPool) {
    let world = world(&pool).await;
    // Two processes; a TTL far beyond the test, so only announcements drop figures.
    let here = instance(&pool, "300").await;
    let there = instance(&pool, "300").await;
    let ada = world.cookie("ada@acme.example").await;
    let emil = world.cookie("emil@acme.example").await;
    let anna = world.cookie("anna@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;

    // Read again: from memory, the very same figures (and the same "as of").
    let first = team(&here, &ada).await;
    let before = hits(&here);
    assert_eq!(team(&here, &ada).await, first);
    assert_eq!(hits(&here), before + 1);
    let globex = team(&here, &gus).await;

    // A new unassigned case, made through the other process: heard here.
    let form = new_unassigned_case();
    common::call_ok(&there, &ada, "/api/case/create", &form).await;
    let unassigned = first["unassigned"].as_i64().unwrap();
    eventually!("the new case is counted here", {
        team(&here, &ada).await["unassigned"].as_i64() == Some(unassigned + 1)
    });
    // Another workspace's figures are not touched by acme's change.
    let before = hits(&here);
    assert_eq!(team(&here, &gus).await, globex);
    assert_eq!(hits(&here), before + 1);

    // The WIP limit, set through the other process.
    common::call_ok(
        &there,
        &ada,
        "/api/dashboard/wip-limit",
        &[("wip_limit", "3".into())],
    )
    .await;
    eventually!("the WIP limit is shown here", {
        team(&here, &ada).await["wip_limit"] == 3
    });

    // "Mark as seen", through the other process: the list starts again here too.
    let seen = mine(&here, &emil).await["seen_at"].clone();
    assert!(seen.is_null(), "{seen}");
    common::call_ok(&there, &emil, "/api/dashboard/seen", &[]).await;
    eventually!("marked seen here", {
        !mine(&here, &emil).await["seen_at"].is_null()
    });

    // The analyst's own lists, and a new company.
    let board = companies(&here, &anna).await;
    assert_eq!(board["own_lists"], serde_json::json!([]));
    let companies_before = board["companies"].as_i64().unwrap();
    let list = common::call_ok(
        &there,
        &anna,
        "/api/lists/create",
        &[("name", "Shortlist".into())],
    )
    .await
    .as_i64()
    .unwrap();
    eventually!("the new list is shown here", {
        companies(&here, &anna).await["own_lists"]
            == serde_json::json!([{ "id": list, "name": "Shortlist", "companies": 0 }])
    });
    let company = common::call_ok(
        &there,
        &anna,
        "/api/companies/create",
        &[
            ("name", "Initech".into()),
            ("website", "initech.example".into()),
            ("sector", "Software".into()),
            ("stage", String::new()),
            ("location", String::new()),
        ],
    )
    .await;
    assert!(company.as_i64().is_some(), "{company}");
    eventually!("the new company is counted here", {
        companies(&here, &anna).await["companies"].as_i64() == Some(companies_before + 1)
    });
    common::call_ok(
        &there,
        &anna,
        "/api/lists/add",
        &[
            ("list_id", list.to_string()),
            ("company", company.to_string()),
        ],
    )
    .await;
    eventually!("the list's size follows", {
        companies(&here, &anna).await["own_lists"][0]["companies"] == 1
    });
}

#[sqlx::test]
async fn what_nobody_announces_lasts_at_most_the_configured_seconds(pool: PgPool) {
    let world = world(&pool).await;
    let here = instance(&pool, "1").await;
    let ada = world.cookie("ada@acme.example").await;
    let first = team(&here, &ada).await;
    assert!(first["wip_limit"].is_null());
    // Straight in the database: no announcement, so only the TTL ends the old figures.
    sqlx::query("UPDATE tenants SET wip_limit = 7 WHERE slug = 'acme'")
        .execute(&pool)
        .await
        .unwrap();
    let changed = Instant::now();
    eventually!("the figures expire", {
        team(&here, &ada).await["wip_limit"] == 7
    });
    assert!(changed.elapsed() < Duration::from_secs(5));
}

#[sqlx::test]
async fn nothing_is_kept_without_the_listener_or_with_no_ttl(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    // The world's own process has no listener running: every read is a read.
    for _ in 0..3 {
        team(&world.state, &ada).await;
    }
    assert_eq!(hits(&world.state), 0);
    assert_eq!(world.state.figures.stats().entries, 0);
    // A listening process with the cache turned off.
    let off = instance(&pool, "0").await;
    let first = team(&off, &ada).await;
    let second = team(&off, &ada).await;
    assert_eq!(hits(&off), 0);
    assert_ne!(first["read_at"], second["read_at"], "read again");
}

/// Today's "opened" figure in the admin's flow chart, as the page draws it (the first
/// of the day's two marks: opened, then closed).
fn opened_today(html: &str) -> String {
    let chart = html
        .split(r#"data-testid="chart-team-flow""#)
        .nth(1)
        .and_then(|rest| rest.split("</svg>").next())
        .expect("the flow chart is drawn");
    let today = time::OffsetDateTime::now_utc().date();
    let mark = format!(r#"data-label="{today}" data-value=""#);
    let value = chart.split(&mark).nth(1).expect("today has a mark");
    value.split('"').next().unwrap_or_default().to_string()
}

#[sqlx::test]
async fn charts_drawn_once_per_read_follow_every_change(pool: PgPool) {
    let world = world(&pool).await;
    let here = instance(&pool, "300").await;
    let there = instance(&pool, "300").await;
    let ada = world.cookie("ada@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;
    let page = |state: &AppState, cookie: &str| {
        let (state, cookie) = (state.clone(), cookie.to_string());
        async move {
            let reply = common::get_with_cookie(state, "/", &cookie).await;
            assert_eq!(reply.status, 200);
            reply.body
        }
    };
    let first = page(&here, &ada).await;
    let before = opened_today(&first);
    // Served again from the same read: the same chart, drawn once.
    assert_eq!(opened_today(&page(&here, &ada).await), before);
    // Another workspace's page has its own figures, not acme's drawing.
    let globex = page(&here, &gus).await;
    assert!(!globex.contains("ada@acme.example") && globex.contains("chart-team-flow"));
    assert_ne!(
        globex.split("chart-team-flow").nth(1),
        first.split("chart-team-flow").nth(1),
        "acme has 60 cases, globex 10: their charts differ"
    );

    let form = new_unassigned_case();
    common::call_ok(&there, &ada, "/api/case/create", &form).await;
    let expected = (before.parse::<i64>().unwrap() + 1).to_string();
    eventually!("the chart drawn here counts the new case", {
        opened_today(&page(&here, &ada).await) == expected
    });
}

#[sqlx::test]
async fn shared_figures_settle_for_others_but_never_for_the_writer(pool: PgPool) {
    let world = World::build(&pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("bea@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
            ],
        )
        .cases("acme", 40, 10)
        .done()
        .await;
    let settled = [
        "--dashboard-cache-seconds",
        "300",
        "--dashboard-settle-seconds",
        "60",
    ];
    let here = common::listening_instance(&pool, &settled).await;
    let there = common::listening_instance(&pool, &settled).await;
    let ada = world.cookie("ada@acme.example").await;
    let bea = world.cookie("bea@acme.example").await;
    let emil = world.cookie("emil@acme.example").await;
    let unassigned = |figures: Value| figures["unassigned"].as_i64().unwrap();
    let before = unassigned(team(&here, &bea).await);
    let emil_first = mine(&here, &emil).await;

    // The first change after a quiet spell is shown to everyone at once.
    common::call_ok(&there, &ada, "/api/case/create", &new_unassigned_case()).await;
    eventually!("the first new case is counted for bea", {
        unassigned(team(&here, &bea).await) == before + 1
    });
    // Emil holds none of those cases: his own figures were kept throughout.
    let hits_before = hits(&here);
    assert_eq!(mine(&here, &emil).await, emil_first);
    assert_eq!(hits(&here), hits_before + 1, "emil's figures were kept");

    // A second change within the window: Ada, who made it, sees it on her next page on
    // either process, whatever they have heard...
    let reply = common::call_fn(&there, &ada, "/api/case/create", &new_unassigned_case()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let ada_after = common::with_read_after(&ada, &reply);
    // (Bea first, so that Ada's read does not refresh what she is shown.)
    let hits_before = hits(&here);
    let hers = unassigned(team(&here, &bea).await);
    assert_eq!(
        hers,
        before + 1,
        "bea's figures settle: the second case waits"
    );
    assert_eq!(hits(&here), hits_before + 1);
    assert_eq!(unassigned(team(&here, &ada_after).await), before + 2);
    assert_eq!(unassigned(team(&there, &ada_after).await), before + 2);
    // ...and her read, the newest, is what everyone is shown next.
    assert_eq!(unassigned(team(&here, &bea).await), before + 2);
}
