#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The REST API's batch (issue 23, src/http/api/batch.rs): up to 20 sub-requests,
//! each routed through the app's own router in-process with its own answer; 21 are
//! refused with a problem; scopes and the key's budget apply per sub-request; an
//! atomic batch keeps all of its writes or none; and no connection ever leaves the
//! process (a listener where the app's own address points stays silent).

mod common;

use std::time::Duration;

use app::model::{ApiScope, Role};
use axum::http::StatusCode;
use common::api::{assert_problem, call, every_scope, json, key};
use common::world::World;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn world(pool: &PgPool, flags: &[&str]) -> World {
    World::build(pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
            ],
        )
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .cases("acme", 30, 10)
        .cases("globex", 3, 0)
        .flags(flags)
        .done()
        .await
}

async fn batch(world: &World, key: &str, body: Value) -> (StatusCode, Value) {
    let reply = call(world, key, "POST", "/api/v1/batch", Some(body), &[]).await;
    let status = reply.status;
    let value = if reply.header("content-type").contains("json") {
        json(&reply)
    } else {
        Value::Null
    };
    (status, value)
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn twenty_sub_requests_each_get_their_own_answer_and_none_leaves_the_process(pool: PgPool) {
    // The app's own address (PUBLIC_URL) points at a listener that counts connections:
    // a batch that called out over HTTP would reach it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let public_url = format!("http://{address}");
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let world = world(&pool, &["--public-url", &public_url]).await;
    let secret = every_scope(&world, "ada@acme.example").await;

    let mut requests: Vec<Value> = (1..=18)
        .map(|number| json!({"id": format!("case {number}"), "method": "GET", "path": format!("/api/v1/cases/{number}")}))
        .collect();
    requests.push(json!({"id": "new", "method": "POST", "path": "/cases",
        "body": {"title": "Made in a batch", "customer_name": "Bea"}}));
    requests.push(json!({"id": "missing", "method": "GET", "path": "/api/v1/cases/99999"}));
    let (status, answer) = batch(&world, &secret, json!({"requests": requests})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answers = answer["responses"].as_array().unwrap();
    assert_eq!(answers.len(), 20);
    for (index, sub) in answers.iter().take(18).enumerate() {
        assert_eq!(sub["id"], format!("case {}", index + 1));
        assert_eq!(sub["status"], 200, "{sub}");
        assert_eq!(sub["body"]["number"], index + 1);
        assert_eq!(
            sub["headers"]["etag"],
            format!("\"{}\"", sub["body"]["version"])
        );
    }
    assert_eq!(answers[18]["status"], 201);
    assert!(
        answers[18]["headers"]["location"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/cases/")
    );
    assert_eq!(answers[19]["status"], 404);
    assert_eq!(answers[19]["body"]["type"], "/problems/not_found");
    assert_eq!(answer.get("committed"), None, "only an atomic batch says");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM cases WHERE title = 'Made in a batch'"
        )
        .await,
        1
    );

    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a sub-request went out over HTTP"
    );
}

#[sqlx::test]
async fn twenty_one_are_refused_and_bad_batches_say_why(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let secret = every_scope(&world, "ada@acme.example").await;
    let create = json!({"method": "POST", "path": "/cases", "body": {"title": "Too many", "customer_name": "C"}});
    let requests: Vec<Value> = (0..21).map(|_| create.clone()).collect();
    let reply = call(
        &world,
        &secret,
        "POST",
        "/api/v1/batch",
        Some(json!({"requests": requests})),
        &[],
    )
    .await;
    let problem = assert_problem(&reply, 413, "too_many_subrequests");
    assert_eq!(problem["limit"], 20);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases WHERE title = 'Too many'").await,
        0
    );

    // Bad sub-requests are answered one by one; the good ones beside them still run.
    let (status, answer) = batch(
        &world,
        &secret,
        json!({"requests": [
            {"method": "BREW", "path": "/cases"},
            {"method": "GET", "path": "https://evil.example/steal"},
            {"method": "GET", "path": "/api/v1/batch"},
            {"method": "POST", "path": "/batch", "body": {"requests": []}},
            {"method": "GET", "path": "/nothing/here"},
            {"method": "GET", "path": "/cases/3"},
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let statuses: Vec<u64> = answer["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    // A batch holds no batch: the sub-requests' router has no /batch.
    assert_eq!(statuses, [422, 422, 404, 404, 404, 200]);
    for nested in [2, 3] {
        assert_eq!(
            answer["responses"][nested]["body"]["type"],
            "/problems/no_such_route"
        );
    }

    // Malformed batches are refused whole.
    for body in [
        json!({}),
        json!({"requests": "all"}),
        json!({"requests": [], "extra": 1}),
        json!({"requests": [{"path": "/cases"}]}),
    ] {
        let reply = call(
            &world,
            &secret,
            "POST",
            "/api/v1/batch",
            Some(body.clone()),
            &[],
        )
        .await;
        assert_problem(&reply, 422, "invalid");
    }
    assert_problem(
        &call(
            &world,
            "",
            "POST",
            "/api/v1/batch",
            Some(json!({"requests": []})),
            &[],
        )
        .await,
        401,
        "unauthenticated",
    );
}

#[sqlx::test]
async fn each_sub_request_needs_its_scope_and_spends_the_keys_budget(pool: PgPool) {
    let world = world(&pool, &["--rate-limit-api-key", "free=6/min"]).await;
    let reader = key(&world, "ada@acme.example", &[ApiScope::CasesRead]).await;
    let (_, answer) = batch(&world, &reader, json!({"requests": [
        {"method": "GET", "path": "/cases/1"},
        {"method": "PATCH", "path": "/cases/1", "headers": {"If-Match": "*"}, "body": {"title": "Not mine to change"}},
    ]})).await;
    let statuses: Vec<u64> = answer["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 403]);
    assert_eq!(answer["responses"][1]["body"]["scope"], "cases:write");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM cases WHERE title = 'Not mine to change'"
        )
        .await,
        0
    );

    // Two requests of the six a minute are spent (the batch, and its second
    // sub-request); this batch is the third, and its six sub-requests the next six.
    let requests: Vec<Value> = (1..=6)
        .map(|n| json!({"method": "GET", "path": format!("/cases/{n}")}))
        .collect();
    let (_, answer) = batch(&world, &reader, json!({"requests": requests})).await;
    let answers = answer["responses"].as_array().unwrap();
    let limited: Vec<&Value> = answers.iter().filter(|a| a["status"] == 429).collect();
    assert_eq!(limited.len(), 2, "{answer}");
    for refused in limited {
        assert_eq!(refused["body"]["type"], "/problems/rate_limited");
        assert!(
            refused["headers"]["retry-after"].as_str().is_some(),
            "{refused}"
        );
    }
    assert_eq!(answers.iter().filter(|a| a["status"] == 200).count(), 4);
}

#[sqlx::test]
async fn an_atomic_batch_keeps_every_write_or_none(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let secret = every_scope(&world, "ada@acme.example").await;
    let before = (
        count(&pool, "SELECT count(*) FROM cases").await,
        count(&pool, "SELECT count(*) FROM case_comments").await,
        count(&pool, "SELECT count(*) FROM case_actions").await,
        count(&pool, "SELECT sum(version) FROM cases").await,
    );
    // The third fails (stale If-Match): the first two are undone, the fourth not run.
    let (status, answer) = batch(&world, &secret, json!({"atomic": true, "requests": [
        {"id": "a", "method": "POST", "path": "/cases", "body": {"title": "Atomic one", "customer_name": "C"}},
        {"id": "b", "method": "POST", "path": "/cases/2/comments", "body": {"body": "atomic note"}},
        {"id": "c", "method": "PATCH", "path": "/cases/3", "headers": {"if-match": "\"999\""}, "body": {"title": "Atomic stale"}},
        {"id": "d", "method": "PATCH", "path": "/cases/4", "headers": {"if-match": "*"}, "body": {"title": "Atomic four"}},
    ]})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["committed"], false);
    let kinds: Vec<(u64, &str)> = answer["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["status"].as_u64().unwrap(),
                a["body"]["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (424, "rolled_back"),
            (424, "rolled_back"),
            (412, "precondition_failed"),
            (424, "not_run")
        ]
    );
    assert_eq!(answer["responses"][0]["id"], "a");
    let after = (
        count(&pool, "SELECT count(*) FROM cases").await,
        count(&pool, "SELECT count(*) FROM case_comments").await,
        count(&pool, "SELECT count(*) FROM case_actions").await,
        count(&pool, "SELECT sum(version) FROM cases").await,
    );
    assert_eq!(before, after, "a failed atomic batch left a write behind");

    // All succeeding: all kept, and later sub-requests see the earlier ones' writes.
    let (_, answer) = batch(&world, &secret, json!({"atomic": true, "requests": [
        {"method": "POST", "path": "/cases", "body": {"title": "Atomic kept", "customer_name": "C"}},
        {"method": "PATCH", "path": "/cases/5", "headers": {"if-match": "*"}, "body": {"status": "pending"}},
        {"method": "GET", "path": "/cases/5"},
        {"method": "POST", "path": "/cases/5/comments", "body": {"body": "kept note"}},
    ]})).await;
    assert_eq!(answer["committed"], true, "{answer}");
    let statuses: Vec<u64> = answer["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 200, 200, 201]);
    assert_eq!(
        answer["responses"][2]["body"]["status"], "pending",
        "read its own write"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM cases WHERE title = 'Atomic kept'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM case_comments WHERE body = 'kept note'"
        )
        .await,
        1
    );
    // Another workspace's case is not found inside an atomic batch either.
    let globex = every_scope(&world, "gus@globex.example").await;
    let (_, answer) = batch(&world, &globex, json!({"atomic": true, "requests": [
        {"method": "PATCH", "path": "/cases/20", "headers": {"if-match": "*"}, "body": {"title": "Taken"}},
    ]})).await;
    assert_eq!(answer["responses"][0]["status"], 404);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases WHERE title = 'Taken'").await,
        0
    );
}
