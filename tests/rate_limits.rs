#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Rate limits through the real router: every route class stops at its configured
//! number and recovers after its period, with the IETF fields on every limited
//! response; plans differ; a workspace's total binds across its people; two instances
//! on one real Redis share one budget; and Redis going away mid-test fails open and
//! comes back.

mod common;

use std::time::Duration;

use app::model::Role;
use app::server::rate_limit::Check;
use axum::http::{Request, StatusCode};
use common::world::World;
use common::{Reply, redis::Redis};
use sqlx::PgPool;

const PEOPLE: &[(&str, Role)] = &[
    ("ada@acme.example", Role::Admin),
    ("emil@acme.example", Role::Employee),
    ("erin@acme.example", Role::Employee),
];

/// `(name, remaining)` of each policy in a `RateLimit` field.
fn remaining(reply: &Reply) -> Vec<(String, u32)> {
    reply
        .header("ratelimit")
        .split(", ")
        .filter(|item| !item.is_empty())
        .map(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap().trim_matches('"').to_string();
            let r = parts
                .find_map(|part| part.strip_prefix("r="))
                .unwrap()
                .parse()
                .unwrap();
            (name, r)
        })
        .collect()
}

async fn page(state: &app::server::AppState, path: &str, cookie: Option<&str>) -> Reply {
    let mut request = Request::get(path).header("accept", "text/html");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    common::send(state.clone(), request).await
}

/// Waits out the `Retry-After` a refusal named: the real signal that the budget refills.
async fn wait_out(reply: &Reply) {
    let seconds: u64 = reply.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
    tokio::time::sleep(Duration::from_secs(seconds)).await;
}

#[sqlx::test]
async fn anonymous_clients_are_limited_per_address_with_a_page_that_says_when(pool: PgPool) {
    let world = World::build(&pool)
        .flags(&["--rate-limit-anonymous", "3/s"])
        .done()
        .await;
    for left in [2, 1, 0] {
        let reply = page(&world.state, "/login", None).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("ratelimit-policy"), "\"ip\";q=3;w=1");
        assert_eq!(remaining(&reply), vec![("ip".to_string(), left)]);
    }
    let refused = page(&world.state, "/login", None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("retry-after"), "1");
    assert_eq!(remaining(&refused), vec![("ip".to_string(), 0)]);
    // A designed page that says when to try again, in the app's look.
    assert!(refused.header("content-type").starts_with("text/html"));
    assert!(refused.body.contains("data-testid=\"request-refused\""));
    assert!(
        refused.body.contains("try again in 1 s"),
        "{}",
        refused.body
    );
    // Sign-in posts count against the same address.
    let sign_in = common::sign_in(&world.state, "nobody@acme.example", "x", None).await;
    assert_eq!(sign_in.status, StatusCode::TOO_MANY_REQUESTS);
    wait_out(&refused).await;
    assert_eq!(
        page(&world.state, "/login", None).await.status,
        StatusCode::OK
    );
}

#[sqlx::test]
async fn reads_and_writes_per_person_each_stop_at_their_number(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", PEOPLE)
        .flags(&[
            "--rate-limit-reads",
            "free=3/s",
            "--rate-limit-writes",
            "free=2/s",
        ])
        .done()
        .await;
    let emil = world.cookie("emil@acme.example").await;
    let erin = world.cookie("erin@acme.example").await;
    for left in [2, 1, 0] {
        let reply = page(&world.state, "/work", Some(&emil)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(remaining(&reply)[0], ("read".to_string(), left));
        assert!(
            reply
                .header("ratelimit-policy")
                .starts_with("\"read\";q=3;w=1, \"tenant\";q=")
        );
    }
    let refused = page(&world.state, "/work", Some(&emil)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    // Read server functions are GETs and share the reads budget.
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/case/people",
        &[("query", String::new())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    // Per person: erin is not held back by emil, and writes have a budget of their own.
    assert_eq!(
        page(&world.state, "/work", Some(&erin)).await.status,
        StatusCode::OK
    );
    let comment = |n: u32| {
        let (state, emil) = (world.state.clone(), emil.clone());
        async move {
            common::call_fn(
                &state,
                &emil,
                "/api/case/comment",
                &[("number", "999999".into()), ("body", format!("note {n}"))],
            )
            .await
        }
    };
    // (No such case: a 404 is still a write that was let through and counted.)
    for n in 0..2 {
        let reply = comment(n).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
        assert_eq!(remaining(&reply)[0].0, "write");
    }
    let refused_write = comment(2).await;
    assert_eq!(refused_write.status, StatusCode::TOO_MANY_REQUESTS);
    // A server function is answered with the JSON error its client decodes.
    assert_eq!(
        refused_write.header("content-type"),
        "application/problem+json"
    );
    let error: app::model::AppError = serde_json::from_str(&refused_write.body).unwrap();
    assert!(matches!(
        error,
        app::model::AppError::RateLimited { retry_after: 1 }
    ));
    let problem: serde_json::Value = serde_json::from_str(&refused_write.body).unwrap();
    assert_eq!(problem["status"], 429);
    wait_out(&refused_write).await;
    assert_eq!(comment(3).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        page(&world.state, "/work", Some(&emil)).await.status,
        StatusCode::OK
    );
}

#[sqlx::test]
async fn static_files_have_their_own_budget_and_health_is_never_limited(pool: PgPool) {
    let world = World::build(&pool)
        .jobs()
        .flags(&[
            "--rate-limit-static",
            "2/s",
            "--rate-limit-anonymous",
            "1/s",
        ])
        .done()
        .await;
    for _ in 0..2 {
        let reply = common::get(world.state.clone(), "/pkg/casework.css").await;
        assert_ne!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            reply
                .header("ratelimit-policy")
                .starts_with("\"static\";q=2")
        );
    }
    let refused = common::get(world.state.clone(), "/pkg/casework.css").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..5 {
        let health = common::get(world.state.clone(), "/api/health").await;
        assert_eq!(health.status, StatusCode::OK, "{}", health.body);
        assert_eq!(health.header("ratelimit"), "");
    }
    wait_out(&refused).await;
    let again = common::get(world.state.clone(), "/pkg/casework.css").await;
    assert_ne!(again.status, StatusCode::TOO_MANY_REQUESTS);
}

/// A same-site form post, as a browser without JavaScript sends one.
async fn post(state: &app::server::AppState, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::post(path)
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    common::send_body(state.clone(), request, axum::body::Body::from("name=x")).await
}

/// The public form's class (per address: tests/inquiry_form.rs sends real inquiries
/// through it) and API keys' (per key, by its workspace's plan); a key that is not
/// one is a stranger, held to the anonymous budget of its address.
#[sqlx::test]
async fn the_public_form_and_api_keys_have_budgets_of_their_own(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", &[("ada@acme.example", Role::Admin)])
        .flags(&[
            "--rate-limit-form",
            "2/s",
            "--rate-limit-api-key",
            "free=3/s,pro=5/s",
            "--rate-limit-anonymous",
            "4/s",
        ])
        .done()
        .await;
    for _ in 0..2 {
        let reply = post(&world.state, "/api/contact/send", &[]).await;
        assert_ne!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            reply
                .header("ratelimit-policy")
                .starts_with("\"form\";q=2;w=1")
        );
    }
    let refused = post(&world.state, "/api/contact/send", &[]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    // Other anonymous pages are not held back by the form's budget.
    assert_eq!(
        page(&world.state, "/login", None).await.status,
        StatusCode::OK
    );
    wait_out(&refused).await;
    assert_ne!(
        post(&world.state, "/inquiry", &[]).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    let admin = world.viewer("ada@acme.example").await;
    let make = |name: &'static str| {
        let (pool, admin) = (world.state.pool.clone(), admin.clone());
        async move {
            let new = app::model::NewApiKey {
                name: name.into(),
                scopes: vec![app::model::ApiScope::CasesRead],
                expires_on: None,
            };
            app::server::api_keys::create(&pool, &admin, &new)
                .await
                .unwrap()
                .secret
        }
    };
    let (first, second) = (make("first").await, make("second").await);
    let call = |key: String| {
        let state = world.state.clone();
        async move {
            common::send(
                state,
                Request::get("/api/v1/cases").header("authorization", format!("Bearer {key}")),
            )
            .await
        }
    };
    for _ in 0..3 {
        let reply = call(first.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(
            reply
                .header("ratelimit-policy")
                .starts_with("\"api-key\";q=3;w=1")
        );
    }
    let refused = call(first.clone()).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("content-type"), "application/problem+json");
    // Another key has its own budget.
    assert_eq!(call(second.clone()).await.status, StatusCode::OK);
    // The workspace's plan chooses the key's budget.
    sqlx::query("UPDATE tenants SET plan = 'pro'")
        .execute(&pool)
        .await
        .unwrap();
    wait_out(&refused).await;
    for _ in 0..5 {
        let reply = call(first.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(
            reply
                .header("ratelimit-policy")
                .starts_with("\"api-key\";q=5;w=1")
        );
    }
    // Made-up keys share their address's anonymous budget, whatever they say.
    for n in 0..4 {
        let reply = call(format!("cwk_fakefake_{n:0>32}")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(
            reply
                .header("ratelimit-policy")
                .starts_with("\"ip\";q=4;w=1")
        );
    }
    let guessing = call("cwk_fakefake_00000000000000000000000000000009".into()).await;
    assert_eq!(guessing.status, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test]
async fn plans_differ_and_a_workspace_total_binds_across_its_people(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", PEOPLE)
        .tenant("globex", &[("gus@globex.example", Role::Employee)])
        .flags(&[
            "--rate-limit-reads",
            "free=2/s,pro=4/s",
            "--rate-limit-tenant",
            "free=3/s,pro=100/s",
        ])
        .done()
        .await;
    sqlx::query("UPDATE tenants SET plan = 'pro' WHERE slug = 'globex'")
        .execute(&pool)
        .await
        .unwrap();
    let gus = world.cookie("gus@globex.example").await;
    // Pro: four reads.
    for _ in 0..4 {
        assert_eq!(
            page(&world.state, "/", Some(&gus)).await.status,
            StatusCode::OK
        );
    }
    let refused = page(&world.state, "/", Some(&gus)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused
            .header("ratelimit-policy")
            .starts_with("\"read\";q=4;w=1")
    );
    // Free: two each, but the workspace has three in all, shared by emil and erin.
    let emil = world.cookie("emil@acme.example").await;
    let erin = world.cookie("erin@acme.example").await;
    assert_eq!(
        page(&world.state, "/", Some(&emil)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        page(&world.state, "/", Some(&emil)).await.status,
        StatusCode::OK
    );
    let third = page(&world.state, "/", Some(&erin)).await;
    assert_eq!(third.status, StatusCode::OK);
    assert_eq!(
        remaining(&third),
        vec![("read".into(), 1), ("tenant".into(), 0)]
    );
    let over = page(&world.state, "/", Some(&erin)).await;
    assert!(
        over.header("ratelimit").contains("\"tenant\";r=0"),
        "{}",
        over.header("ratelimit")
    );
    assert_eq!(
        over.status,
        StatusCode::TOO_MANY_REQUESTS,
        "erin still had her own budget, not the workspace's"
    );
    // The workspace's budget refills like any other.
    wait_out(&over).await;
    assert_eq!(
        page(&world.state, "/", Some(&erin)).await.status,
        StatusCode::OK
    );
}

/// `requests` anonymous page loads, turn about on two instances: how many were let through.
async fn alternate(
    first: &app::server::AppState,
    second: &app::server::AppState,
    requests: usize,
) -> usize {
    let mut allowed = 0;
    for turn in 0..requests {
        let state = if turn % 2 == 0 { first } else { second };
        if page(state, "/login", None).await.status == StatusCode::OK {
            allowed += 1;
        }
    }
    allowed
}

/// Two instances (two app states, each with its own in-process limiter) and one real
/// Redis: one budget between them.
#[sqlx::test]
async fn two_instances_on_one_redis_share_one_budget(pool: PgPool) {
    let redis = Redis::start();
    let url = redis.url();
    let flags = [
        "--rate-limit-anonymous",
        "4/min",
        "--redis-url",
        url.as_str(),
        "--redis-timeout-ms",
        "1000",
    ];
    let first = World::build(&pool).flags(&flags).done().await;
    let second = common::state(common::config(&common::database_url(&pool), &flags));
    let allowed = alternate(&first.state, &second, 8).await;
    assert_eq!(allowed, 4, "two instances gave more than one budget");
    assert!(first.state.limiter.sharing() && second.limiter.sharing());
}

/// Waits until this instance decides in Redis again, probing with a budget of its own
/// (the form's) so the budget under test is not touched.
async fn until_shared(state: &app::server::AppState) {
    let limiter = &state.limiter;
    let probe = [Check {
        policy: &limiter.policies.form,
        key: "probe".into(),
    }];
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !limiter.check(&probe).await.shared {
        assert!(
            std::time::Instant::now() < deadline,
            "Redis never taken up again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test]
async fn redis_going_away_fails_open_and_sharing_resumes_when_it_is_back(pool: PgPool) {
    let mut redis = Redis::start();
    let url = redis.url();
    let flags = [
        "--rate-limit-anonymous",
        "3/min",
        "--rate-limit-form",
        "1000/s",
        "--redis-url",
        url.as_str(),
        "--redis-timeout-ms",
        "1000",
    ];
    let first = World::build(&pool).flags(&flags).done().await;
    let second = common::state(common::config(&common::database_url(&pool), &flags));
    // Shared: the two instances spend one budget.
    assert_eq!(
        page(&first.state, "/login", None).await.status,
        StatusCode::OK
    );
    assert_eq!(page(&second, "/login", None).await.status, StatusCode::OK);
    redis.stop();
    // Redis is gone: each instance decides alone and keeps serving, from a budget of
    // its own (three), not the shared one's one left.
    for _ in 0..3 {
        assert_eq!(
            page(&first.state, "/login", None).await.status,
            StatusCode::OK
        );
    }
    assert!(!first.state.limiter.sharing());
    // Counted where an operator sees it.
    let metrics = casework::http::metrics::recorder().unwrap().render();
    assert!(
        metrics.lines().any(
            |line| line.starts_with("casework_rate_limit_redis_fallbacks_total")
                && !line.ends_with(" 0")
        ),
        "{metrics}"
    );
    assert_eq!(
        page(&first.state, "/login", None).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Back (empty: nothing was saved): once each instance has taken Redis up again,
    // they share one fresh budget of three.
    redis.resume();
    until_shared(&first.state).await;
    until_shared(&second).await;
    let allowed = alternate(&first.state, &second, 6).await;
    assert_eq!(allowed, 3, "the instances did not share one budget again");
}

/// One answer slower than REDIS_TIMEOUT_MS (a busy machine) decides that request here
/// and nothing more: the next goes to Redis. Several in a row (a Redis that hangs)
/// leave Redis alone for a while, as an error does, so requests stop paying the wait.
#[sqlx::test]
async fn a_slow_answer_falls_back_once_and_a_hung_redis_is_left_alone(pool: PgPool) {
    let redis = Redis::start();
    let url = redis.url();
    let flags = [
        "--rate-limit-form",
        "1000/s",
        "--redis-url",
        url.as_str(),
        "--redis-timeout-ms",
        "50",
    ];
    let world = World::build(&pool).flags(&flags).done().await;
    let limiter = &world.state.limiter;
    let probe = [Check {
        policy: &limiter.policies.form,
        key: "slow".into(),
    }];
    until_shared(&world.state).await;
    assert!(limiter.check(&probe).await.shared);

    redis.pause();
    assert!(
        !limiter.check(&probe).await.shared,
        "a hung call was waited for"
    );
    redis.unpause();
    assert!(
        limiter.check(&probe).await.shared,
        "one slow answer took Redis out of use"
    );
    assert!(limiter.sharing());

    redis.pause();
    for _ in 0..3 {
        assert!(!limiter.check(&probe).await.shared);
    }
    redis.unpause();
    // Left alone for a while: decided here without asking, at once.
    let started = std::time::Instant::now();
    assert!(!limiter.check(&probe).await.shared);
    assert!(started.elapsed() < Duration::from_millis(50));
    assert!(!limiter.sharing());
    until_shared(&world.state).await;
}
