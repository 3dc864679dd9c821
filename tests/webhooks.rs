#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Outbound webhooks (issue 23, server/webhooks/): an admin registers an endpoint; the
//! changes it subscribed to reach a real HTTP receiver signed the Standard Webhooks
//! way; a failing receiver gets retries with growing waits, then "failed", and a resend
//! starts again; private addresses are refused at registration and at delivery (no
//! connection made); bad input changes nothing; other roles and workspaces see and
//! touch nothing.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::model::Role;
use app::server::webhooks::signing;
use axum::http::{HeaderMap, StatusCode};
use common::world::World;
use common::{api, eventually};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

async fn world(pool: &PgPool, flags: &[&str]) -> World {
    World::build(pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
                ("ana@acme.example", Role::Analyst),
            ],
        )
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .jobs()
        .flags(&["--job-heartbeat-s", "1"])
        .flags(flags)
        .done()
        .await
}

/// The workers of one instance, as `serve` runs them (the relay included).
fn start_workers(world: &World) -> CancellationToken {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let stop = CancellationToken::new();
    let jobs = world.state.jobs.clone();
    let token = stop.clone();
    tokio::spawn(async move {
        let ended = jobs.run_workers(2, token).await;
        eprintln!("workers ended: {ended:?}");
    });
    stop
}

/// A receiver on 127.0.0.1: what it was sent, and the statuses it answers with in turn
/// (200 once they run out).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(Instant, HeaderMap, String)>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start(answers: &[u16]) -> (Self, String) {
        let receiver = Receiver::default();
        receiver.answers.lock().unwrap().extend(answers);
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    state
                        .got
                        .lock()
                        .unwrap()
                        .push((Instant::now(), headers, body));
                    let status = state.answers.lock().unwrap().pop_front().unwrap_or(200);
                    (
                        StatusCode::from_u16(status).unwrap(),
                        "thanks from the receiver",
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    fn received(&self) -> Vec<(Instant, HeaderMap, String)> {
        self.got.lock().unwrap().clone()
    }
}

fn form(url: &str, events: &[&str]) -> Vec<(&'static str, String)> {
    let mut form = vec![("url", url.to_string()), ("description", "test".into())];
    form.extend(events.iter().map(|event| ("events[]", event.to_string())));
    form
}

async fn register(world: &World, cookie: &str, url: &str, events: &[&str]) -> Value {
    let path = "/api/admin/webhooks/create";
    common::call_ok(&world.state, cookie, path, &form(url, events)).await
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// A delivery's state and attempts, by event type.
async fn deliveries(pool: &PgPool) -> Vec<(String, String, i32)> {
    sqlx::query_as("SELECT event_type, state, attempts FROM webhook_deliveries ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn subscribed_changes_reach_the_receiver_signed_the_standard_webhooks_way(pool: PgPool) {
    let world = world(&pool, &["--fetch-allow-loopback"]).await;
    let ada = world.cookie("ada@acme.example").await;
    let (receiver, url) = Receiver::start(&[]).await;
    let made = register(
        &world,
        &ada,
        &url,
        &["case.created", "case.commented", "case.updated"],
    )
    .await;
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{made}");
    // The other workspace's endpoint hears nothing of acme's changes.
    let gus = world.cookie("gus@globex.example").await;
    let (elsewhere, other_url) = Receiver::start(&[]).await;
    register(&world, &gus, &other_url, &["case.created"]).await;

    let key = api::every_scope(&world, "ada@acme.example").await;
    let created = api::call(
        &world,
        &key,
        "POST",
        "/api/v1/cases",
        Some(json!({"title": "Leaking tap", "customer_name": "Bo"})),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let number = api::json(&created)["number"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{number}/comments");
    let commented = api::call(
        &world,
        &key,
        "POST",
        &path,
        Some(json!({"body": "On my way"})),
        &[],
    )
    .await;
    assert_eq!(commented.status, StatusCode::CREATED, "{}", commented.body);
    let path = format!("/api/v1/cases/{number}");
    let changed = api::call(
        &world,
        &key,
        "PATCH",
        &path,
        Some(json!({"status": "pending"})),
        &[("if-match", "*")],
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    // Written with the changes, before any worker runs.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM webhook_deliveries WHERE state = 'new'"
        )
        .await,
        3
    );

    let stop = start_workers(&world);
    eventually!("three deliveries", receiver.received().len() == 3);
    let got = receiver.received();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut types = Vec::new();
    for (_, headers, body) in &got {
        let id = headers["webhook-id"].to_str().unwrap();
        let timestamp: i64 = headers["webhook-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let signature = headers["webhook-signature"].to_str().unwrap();
        assert!(signature.starts_with("v1,"), "{signature}");
        assert!(signing::verify(
            &secret,
            id,
            timestamp,
            body.as_bytes(),
            signature,
            now,
            60
        ));
        assert!(!signing::verify(
            &secret, id, timestamp, b"{}", signature, now, 60
        ));
        assert_eq!(headers["content-type"], "application/json");
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["data"]["case"]["number"].as_i64(), Some(number));
        let stored: String =
            sqlx::query_scalar("SELECT event_id FROM webhook_deliveries WHERE body = $1")
                .bind(body)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(stored, id);
        types.push(event["type"].as_str().unwrap().to_string());
    }
    types.sort();
    assert_eq!(types, ["case.commented", "case.created", "case.updated"]);
    let updated: Value = got
        .iter()
        .map(|(_, _, b)| serde_json::from_str::<Value>(b).unwrap())
        .find(|e| e["type"] == "case.updated")
        .unwrap();
    assert_eq!(updated["data"]["case"]["status"], "pending");
    assert_eq!(updated["data"]["change"]["kind"], "status");
    eventually!(
        "all delivered",
        deliveries(&pool)
            .await
            .iter()
            .all(|(_, s, n)| s == "delivered" && *n == 1)
    );
    let (status, excerpt): (i16, String) =
        sqlx::query_as("SELECT response_status, response_excerpt FROM webhook_attempts LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status, excerpt.as_str()),
        (200, "thanks from the receiver")
    );
    assert!(elsewhere.received().is_empty());
    stop.cancel();
}

#[sqlx::test]
async fn a_failing_receiver_gets_retries_with_growing_waits_then_failed_then_resend(pool: PgPool) {
    let flags = [
        "--fetch-allow-loopback",
        "--webhook-retry-base-ms",
        "300",
        "--webhook-max-attempts",
        "3",
    ];
    let world = world(&pool, &flags).await;
    let ada = world.cookie("ada@acme.example").await;
    // Two failures, then success: delivered on the third attempt.
    let (receiver, url) = Receiver::start(&[500, 503]).await;
    register(&world, &ada, &url, &["case.created"]).await;
    let key = api::every_scope(&world, "ada@acme.example").await;
    let create = |title: &'static str| {
        let (world, key) = (&world, key.clone());
        async move {
            let reply = api::call(
                world,
                &key,
                "POST",
                "/api/v1/cases",
                Some(json!({"title": title, "customer_name": "Bo"})),
                &[],
            )
            .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        }
    };
    create("First").await;
    let stop = start_workers(&world);
    eventually!("three attempts", receiver.received().len() == 3);
    let got = receiver.received();
    let ids: Vec<&str> = got
        .iter()
        .map(|(_, h, _)| h["webhook-id"].to_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one event, one id: {ids:?}"
    );
    let first_wait = got[1].0 - got[0].0;
    let second_wait = got[2].0 - got[1].0;
    // 300 ms, then four times that (each at least: the worker's poll adds to both).
    assert!(first_wait >= Duration::from_millis(300), "{first_wait:?}");
    assert!(
        second_wait >= Duration::from_millis(1200),
        "{second_wait:?}"
    );
    eventually!(
        "delivered",
        deliveries(&pool).await == [("case.created".into(), "delivered".into(), 3)]
    );
    let statuses: Vec<Option<i16>> =
        sqlx::query_scalar("SELECT response_status FROM webhook_attempts ORDER BY attempt")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);

    // Always failing: three attempts, then failed; nothing more is tried.
    receiver.answers.lock().unwrap().extend([500, 500, 500]);
    create("Second").await;
    eventually!(
        "failed",
        deliveries(&pool)
            .await
            .last()
            .is_some_and(|d| d.1 == "failed")
    );
    assert_eq!(deliveries(&pool).await.last().unwrap().2, 3);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 6);
    let shown = common::call_ok(&world.state, &ada, "/api/admin/webhooks", &[]).await;
    assert_eq!(shown["deliveries"][0]["state"], "Failed", "{shown}");
    assert_eq!(shown["endpoints"][0]["failed"], 1);
    assert_eq!(shown["endpoints"][0]["delivered"], 1);

    // Resend: a new round with the same event and body, which now gets through.
    let failed_id = shown["deliveries"][0]["id"].as_i64().unwrap();
    common::call_ok(
        &world.state,
        &ada,
        "/api/admin/webhooks/resend",
        &[("id", failed_id.to_string())],
    )
    .await;
    eventually!("resent", receiver.received().len() == 7);
    let got = receiver.received();
    assert_eq!(got[6].1["webhook-id"], got[5].1["webhook-id"]);
    assert_eq!(got[6].2, got[5].2);
    eventually!(
        "delivered after the resend",
        deliveries(&pool).await.last().unwrap() == &("case.created".into(), "delivered".into(), 4)
    );
    // Resending one on its way is refused; the audit trail names every change.
    sqlx::query("UPDATE webhook_deliveries SET state = 'retrying'")
        .execute(&pool)
        .await
        .unwrap();
    let refused = common::call_fn(
        &world.state,
        &ada,
        "/api/admin/webhooks/resend",
        &[("id", failed_id.to_string())],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM integration_actions WHERE kind LIKE 'webhook%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(audited, ["webhook_endpoint_created", "webhook_resent"]);
    stop.cancel();
}

#[sqlx::test]
async fn private_addresses_are_refused_at_registration_and_at_delivery(pool: PgPool) {
    // The guard as in production: loopback is not allowed.
    let world = world(&pool, &[]).await;
    let ada = world.cookie("ada@acme.example").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(Mutex::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            *counted.lock().unwrap() += 1;
        }
    });
    for url in [
        format!("http://127.0.0.1:{port}/hooks"),
        format!("http://localhost:{port}/hooks"),
        "http://10.0.0.7/hooks".to_string(),
        "http://169.254.169.254/latest/meta-data".to_string(),
        "http://[::1]/hooks".to_string(),
        "http://metadata.google.internal/".to_string(),
    ] {
        let reply = common::call_fn(
            &world.state,
            &ada,
            "/api/admin/webhooks/create",
            &form(&url, &["case.created"]),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            reply.body
        );
        assert!(
            reply.body.contains("private network"),
            "{url}: {}",
            reply.body
        );
    }
    assert_eq!(
        count(&pool, "SELECT count(*) FROM webhook_endpoints").await,
        0
    );

    // A URL that passed once but leads inside now (a name re-pointed): refused at
    // delivery, with no connection made and no retry.
    sqlx::query(
        "INSERT INTO webhook_endpoints (tenant_id, url, events, secret)
         VALUES ($1, $2, '{case.created}', $3)",
    )
    .bind(world.tenant("acme"))
    .bind(format!("http://127.0.0.1:{port}/hooks"))
    .bind(signing::new_secret())
    .execute(&pool)
    .await
    .unwrap();
    let key = api::every_scope(&world, "ada@acme.example").await;
    let reply = api::call(
        &world,
        &key,
        "POST",
        "/api/v1/cases",
        Some(json!({"title": "t", "customer_name": "c"})),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let stop = start_workers(&world);
    eventually!(
        "failed",
        deliveries(&pool)
            .await
            .first()
            .is_some_and(|d| d.1 == "failed")
    );
    let error: String = sqlx::query_scalar("SELECT error FROM webhook_deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(error.contains("private network"), "{error}");
    assert_eq!(deliveries(&pool).await[0].2, 1);
    assert_eq!(*connections.lock().unwrap(), 0);
    stop.cancel();
}

#[sqlx::test]
async fn bad_input_and_other_roles_change_nothing(pool: PgPool) {
    let world = world(&pool, &["--fetch-allow-loopback"]).await;
    let ada = world.cookie("ada@acme.example").await;
    let (_receiver, url) = Receiver::start(&[]).await;
    let path = "/api/admin/webhooks/create";
    let long = format!("{url}/{}", "a".repeat(2000));
    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (form("", &["case.created"]), "url"),
        (form("example.com/hooks", &["case.created"]), "url"),
        (form("ftp://example.com/hooks", &["case.created"]), "url"),
        (form("javascript:alert(1)", &["case.created"]), "url"),
        (
            form("https://user:pw@example.com/", &["case.created"]),
            "url",
        ),
        (form(&long, &["case.created"]), "url"),
        (form(&url, &[]), "events"),
        (form(&url, &["case.deleted"]), "events"),
        (
            vec![
                ("url", url.clone()),
                ("description", "x".repeat(201)),
                ("events[]", "case.created".into()),
            ],
            "description",
        ),
        (
            vec![
                ("url", url.clone()),
                ("description", "bell\u{7}".into()),
                ("events[]", "case.created".into()),
            ],
            "description",
        ),
    ];
    for (form, field) in &cases {
        let reply = common::call_fn(&world.state, &ada, path, form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form:?}: {}",
            reply.body
        );
        assert!(reply.body.contains(field), "{field}: {}", reply.body);
    }
    // A name that does not resolve.
    let reply = common::call_fn(
        &world.state,
        &ada,
        path,
        &form("https://no-such-host.invalid/hooks", &["case.created"]),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM webhook_endpoints").await,
        0
    );

    let made = register(&world, &ada, &url, &["case.created"]).await;
    let id = made["id"].as_i64().unwrap().to_string();
    let reply = common::call_fn(
        &world.state,
        &ada,
        "/api/admin/webhooks/enable",
        &[("id", id.clone()), ("enabled", "maybe".into())],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = common::call_fn(
        &world.state,
        &ada,
        "/api/admin/webhooks/resend",
        &[("id", "x".into())],
    )
    .await;
    assert!(reply.status.is_client_error(), "{}", reply.body);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM webhook_endpoints WHERE enabled"
        )
        .await,
        1
    );

    // Employees and analysts can neither see nor change endpoints.
    for person in ["emil@acme.example", "ana@acme.example"] {
        let cookie = world.cookie(person).await;
        for (path, form) in [
            ("/api/admin/webhooks", vec![]),
            ("/api/admin/webhooks/create", form(&url, &["case.created"])),
            (
                "/api/admin/webhooks/enable",
                vec![("id", id.clone()), ("enabled", "false".into())],
            ),
            ("/api/admin/webhooks/delete", vec![("id", id.clone())]),
        ] {
            let reply = common::call_fn(&world.state, &cookie, path, &form).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{person} {path}: {}",
                reply.body
            );
        }
    }
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM webhook_endpoints WHERE enabled"
        )
        .await,
        1
    );
}

#[sqlx::test]
async fn another_workspace_neither_sees_nor_touches_endpoints_or_deliveries(pool: PgPool) {
    let world = world(&pool, &["--fetch-allow-loopback"]).await;
    let ada = world.cookie("ada@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;
    let (_receiver, url) = Receiver::start(&[]).await;
    let made = register(&world, &ada, &url, &["case.created"]).await;
    let id = made["id"].as_i64().unwrap().to_string();
    let key = api::every_scope(&world, "ada@acme.example").await;
    let reply = api::call(
        &world,
        &key,
        "POST",
        "/api/v1/cases",
        Some(json!({"title": "t", "customer_name": "c"})),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let delivery: i64 = sqlx::query_scalar("SELECT id FROM webhook_deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE webhook_deliveries SET state = 'failed'")
        .execute(&pool)
        .await
        .unwrap();

    let seen = common::call_ok(&world.state, &gus, "/api/admin/webhooks", &[]).await;
    assert_eq!(seen["endpoints"], json!([]));
    assert_eq!(seen["deliveries"], json!([]));
    for (path, form) in [
        (
            "/api/admin/webhooks/enable",
            vec![("id", id.clone()), ("enabled", "false".to_string())],
        ),
        ("/api/admin/webhooks/delete", vec![("id", id.clone())]),
        (
            "/api/admin/webhooks/resend",
            vec![("id", delivery.to_string())],
        ),
    ] {
        let reply = common::call_fn(&world.state, &gus, path, &form).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.body
        );
    }
    // Row-level security on each table, whatever the query.
    let mut tx = app::server::db::tenant_tx(&world.state.pool, world.tenant("globex"))
        .await
        .unwrap();
    for table in [
        "webhook_endpoints",
        "webhook_deliveries",
        "webhook_attempts",
    ] {
        let seen: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(seen, 0, "{table}");
    }
    let written = sqlx::query("INSERT INTO webhook_endpoints (tenant_id, url, events, secret) VALUES ($1, 'https://x.example/', '{case.created}', $2)")
        .bind(world.tenant("acme"))
        .bind(signing::new_secret())
        .execute(&mut *tx)
        .await;
    assert!(written.is_err(), "wrote into another workspace");
    drop(tx);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM webhook_endpoints WHERE enabled"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM webhook_deliveries WHERE state = 'failed'"
        )
        .await,
        1
    );
}

#[sqlx::test]
async fn enrichments_contractors_and_bulk_changes_are_events_too(pool: PgPool) {
    let world = world(&pool, &["--fetch-allow-loopback"]).await;
    let ada = world.cookie("ada@acme.example").await;
    let (_receiver, url) = Receiver::start(&[]).await;
    register(
        &world,
        &ada,
        &url,
        &["company.enriched", "contractor.synced", "case.updated"],
    )
    .await;
    let acme = world.tenant("acme");
    let types = |pool: PgPool| async move {
        sqlx::query_scalar::<_, String>("SELECT event_type FROM webhook_deliveries ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap()
    };

    // Contractors: an insert is an event; seen again unchanged is none; changed is one.
    sqlx::query(
        "INSERT INTO contractors (tenant_id, zoho_id, name, zoho_modified_at)
         SELECT $1, g::text, 'Contractor ' || g, now() FROM generate_series(1, 3) g",
    )
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(types(pool.clone()).await, ["contractor.synced"; 3]);
    sqlx::query("UPDATE contractors SET last_run_id = 7")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(types(pool.clone()).await.len(), 3);
    sqlx::query(
        "UPDATE contractors SET name = 'Renamed', version = version + 1 WHERE zoho_id = '2'",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(types(pool.clone()).await.len(), 4);
    let body: Value = serde_json::from_str(
        &sqlx::query_scalar::<_, String>(
            "SELECT body FROM webhook_deliveries ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap(),
    )
    .unwrap();
    assert_eq!(body["type"], "contractor.synced");
    assert_eq!(body["data"]["contractor"]["name"], "Renamed");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'), "{body}");

    // An enrichment that finishes; progress along the way is not an event.
    let company: i64 = sqlx::query_scalar(
        "INSERT INTO companies (tenant_id, name, website_url, website) VALUES ($1, 'Initech', 'https://initech.example/', 'initech.example') RETURNING id",
    ).bind(acme).fetch_one(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO enrichments (company_id, tenant_id, status) VALUES ($1, $2, 'queued')",
    )
    .bind(company)
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE enrichments SET status = 'running', step = 'fetching'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE enrichments SET step = 'scoring'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(types(pool.clone()).await.len(), 4);
    sqlx::query("UPDATE enrichments SET status = 'done', score = 81, step = NULL")
        .execute(&pool)
        .await
        .unwrap();
    let all = types(pool.clone()).await;
    assert_eq!(all.last().map(String::as_str), Some("company.enriched"));
    let body: Value = serde_json::from_str(
        &sqlx::query_scalar::<_, String>(
            "SELECT body FROM webhook_deliveries ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap(),
    )
    .unwrap();
    assert_eq!(body["data"]["company"]["name"], "Initech");
    assert_eq!(body["data"]["enrichment"]["score"], 81);

    // A bulk action over every open case: one case.updated per case it changed, from
    // the bulk action's own set-based writes.
    let viewer = world.viewer("ada@acme.example").await;
    app::server::generate::generate_cases(
        &mut pool.acquire().await.unwrap(),
        acme,
        &[viewer.user_id],
        40,
        0,
    )
    .await
    .unwrap();
    let before = types(pool.clone()).await.len();
    let as_of_micros: i64 =
        sqlx::query_scalar("SELECT (extract(epoch FROM now()) * 1000000)::int8 + 1000000")
            .fetch_one(&pool)
            .await
            .unwrap();
    let report = app::server::bulk::apply(
        &world.state.pool,
        &viewer,
        app::server::cases::Scope::Everyone,
        &app::model::CaseFilter::default(),
        app::model::BulkTarget::AllMatching { as_of_micros },
        app::model::BulkChange::Archive(true),
    )
    .await
    .unwrap();
    assert!(report.updated > 0, "{report:?}");
    let after = types(pool.clone()).await;
    assert_eq!(after.len(), before + report.updated as usize);
    assert!(after[before..].iter().all(|t| t == "case.updated"));
}
