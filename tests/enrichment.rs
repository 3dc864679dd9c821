#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Enrichment as background jobs, with the real queue (underway) in a real Postgres and
//! a real website (the checked-in fixture pages, served locally): queued at once → done
//! by a worker; a failing site → retried with backoff → failed, the last good result
//! kept; a worker killed mid-job → taken over by the next one and completed once; the
//! SSRF guard; the rate limit, the budget, roles and tenants; bad input.

mod common;

use std::time::{Duration, Instant};

use app::model::Role;
use app::server::AppState;
use axum::http::StatusCode;
use common::site::{FixtureSite, Mode};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const PASSWORD: &str = "a long password";

struct World {
    state: AppState,
    acme: Uuid,
    globex: Uuid,
}

/// Two tenants, the job queue's schema, and a server state whose fetcher may reach
/// 127.0.0.1 (the fixture site) and whose retries are quick.
async fn world(pool: &PgPool, extra: &[&str]) -> World {
    let world = common::world::World::build(pool)
        .jobs()
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("anna@acme.example", Role::Analyst),
                ("emil@acme.example", Role::Employee),
            ],
        )
        .tenant("globex", &[("gina@globex.example", Role::Analyst)])
        .flags(&[
            "--fetch-allow-loopback",
            "--enrich-retry-base-ms",
            "200",
            "--job-heartbeat-s",
            "1",
        ])
        .flags(extra)
        .done()
        .await;
    World {
        acme: world.tenant("acme"),
        globex: world.tenant("globex"),
        state: world.state,
    }
}

async fn add_company(pool: &PgPool, tenant: Uuid, name: &str, url: &str) -> i64 {
    let website = app::model::Website::parse(url).unwrap();
    sqlx::query_scalar(
        "INSERT INTO companies (tenant_id, name, website_url, website) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(tenant)
    .bind(name)
    .bind(&website.url)
    .bind(&website.key)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn start_worker(state: &AppState) -> CancellationToken {
    let stop = CancellationToken::new();
    let jobs = state.jobs.clone();
    let token = stop.clone();
    tokio::spawn(async move { jobs.run_workers(2, token).await });
    stop
}

#[derive(sqlx::FromRow, Debug)]
struct Row {
    status: String,
    attempts: i32,
    error: Option<String>,
    score: Option<i16>,
    enriched_at: Option<time::OffsetDateTime>,
}

async fn enrichment(pool: &PgPool, company: i64) -> Row {
    sqlx::query_as(
        "SELECT status::text, attempts, error, score, enriched_at FROM enrichments WHERE company_id = $1",
    )
    .bind(company)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Waits (up to 60 s) for the company's enrichment to reach `status`.
async fn wait_for(pool: &PgPool, company: i64, status: &str) -> Row {
    let started = Instant::now();
    loop {
        let row = enrichment(pool, company).await;
        if row.status == status {
            return row;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "still {row:?}, waiting for {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn enrich(state: &AppState, cookie: &str, company: i64) -> common::Reply {
    common::call_fn(
        state,
        cookie,
        "/api/company/enrich",
        &[("id", company.to_string())],
    )
    .await
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn an_enrichment_is_queued_at_once_then_done_by_a_worker(pool: PgPool) {
    let site = FixtureSite::start("acme-robotics").await;
    let world = world(&pool, &[]).await;
    let company = add_company(&pool, world.acme, "Acme Robotics", &site.url()).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;

    let reply = enrich(&world.state, &anna, company).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Queued, with its job waiting: nothing has run (there is no worker yet).
    assert_eq!(enrichment(&pool, company).await.status, "queued");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM underway.task WHERE task_queue_name = 'enrich' AND state = 'pending'").await,
        1
    );
    assert_eq!(
        site.homepage_hits.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    // Asking again while it waits queues nothing more and costs no quota.
    let reply = enrich(&world.state, &anna, company).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM enrichment_usage").await,
        1
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM underway.task").await, 1);

    let stop = start_worker(&world.state);
    let done = wait_for(&pool, company, "done").await;
    stop.cancel();
    assert_eq!(done.attempts, 1);
    let score = done.score.unwrap();
    assert!((1..=100).contains(&score));

    // The list's copy of the headline, the ledger, the audit trail.
    let (list_score, confidence, text): (Option<i16>, Option<String>, String) = sqlx::query_as(
        "SELECT score, confidence::text, enrichment_text FROM companies WHERE id = $1",
    )
    .bind(company)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(list_score, Some(score));
    assert!(confidence.is_some());
    assert!(!text.is_empty());
    let (outcome, provider, cost): (String, String, i64) =
        sqlx::query_as("SELECT outcome::text, provider, cost_micros FROM enrichment_usage")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (outcome.as_str(), provider.as_str(), cost),
        ("done", "heuristic", 0)
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM company_actions WHERE kind = 'enrich'"
        )
        .await,
        1
    );

    // The page shows the result: gauge, signals with evidence, sources.
    let page =
        common::get_with_cookie(world.state.clone(), &format!("/companies/{company}"), &anna).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("Score {score} of 100")),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-kind=\"hiring\""));
    assert!(page.body.contains(&format!("{}careers", site.url())));
    assert!(page.body.contains("Re-enrich"));

    // Anna asked for it: she, and only she, is told it finished, with the score.
    let told: Vec<(String, String, bool, String)> = sqlx::query_as(
        "SELECT u.email, n.excerpt, n.failed, n.kind::text FROM notifications n
         JOIN users u ON u.id = n.user_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        told,
        vec![(
            "anna@acme.example".to_string(),
            format!("Score {score} of 100"),
            false,
            "enrichment".to_string()
        )]
    );
}

#[sqlx::test]
async fn a_failing_site_is_retried_with_backoff_then_failed_and_the_last_result_kept(pool: PgPool) {
    let site = FixtureSite::start("acme-robotics").await;
    let world = world(&pool, &[]).await;
    let company = add_company(&pool, world.acme, "Acme Robotics", &site.url()).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let stop = start_worker(&world.state);
    assert_eq!(
        enrich(&world.state, &anna, company).await.status,
        StatusCode::OK
    );
    let good = wait_for(&pool, company, "done").await;

    // The site goes down: three attempts (the default), backing off 200 ms, 400 ms.
    site.set_mode(Mode::Failing);
    assert_eq!(
        enrich(&world.state, &anna, company).await.status,
        StatusCode::OK
    );
    let failed = wait_for(&pool, company, "failed").await;
    stop.cancel();
    assert_eq!(failed.attempts, 3);
    let error = failed.error.unwrap();
    assert!(error.contains("500"), "{error}");
    // Said in words, with what to do, not the HTTP client's.
    assert!(
        error.contains("had an error of its own (HTTP 500)"),
        "{error}"
    );
    assert!(error.contains("try again later"), "{error}");
    // The last good result stays, on the enrichment and in the list.
    assert_eq!(failed.score, good.score);
    assert_eq!(failed.enriched_at, good.enriched_at);
    let list_score: Option<i16> = sqlx::query_scalar("SELECT score FROM companies WHERE id = $1")
        .bind(company)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(list_score, good.score);
    // The queue's record: three jobs for the second request, each one attempt, each
    // due further after the failure before it (200 ms, then 400 ms).
    let attempts: Vec<(time::OffsetDateTime, Option<time::OffsetDateTime>)> = sqlx::query_as(
        "SELECT a.started_at, a.completed_at FROM underway.task_attempt a
         JOIN underway.task t ON t.id = a.task_id
         WHERE t.input->>'request_id' = (SELECT max(id)::text FROM enrichment_usage)
         ORDER BY a.started_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    let gap = |i: usize| attempts[i + 1].0 - attempts[i].1.unwrap();
    assert!(gap(0) >= time::Duration::milliseconds(190), "{:?}", gap(0));
    assert!(gap(1) >= time::Duration::milliseconds(390), "{:?}", gap(1));
    let (outcome, cost): (String, i64) = sqlx::query_as(
        "SELECT outcome::text, cost_micros FROM enrichment_usage ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((outcome.as_str(), cost), ("failed", 0));

    // The list says so too (with the previous score).
    let list = common::get_with_cookie(world.state.clone(), "/companies", &anna).await;
    assert!(
        list.body.contains(r#"data-testid="enrichment-failed""#),
        "{}",
        list.body
    );
    // The page says so, and still shows the previous result.
    let page =
        common::get_with_cookie(world.state.clone(), &format!("/companies/{company}"), &anna).await;
    assert!(page.body.contains("The last enrichment failed"));
    assert!(page.body.contains("The previous result is shown below."));
    assert!(
        page.body
            .contains(&format!("Score {} of 100", good.score.unwrap()))
    );
    // Anna heard of both: the one done, then the one failed, saying why.
    let told: Vec<(bool, String)> = sqlx::query_as(
        "SELECT failed, excerpt FROM notifications WHERE kind = 'enrichment' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(!told[0].0 && told[1].0, "{told:?}");
    assert!(told[1].1.contains("500"), "{told:?}");
}

#[sqlx::test]
async fn the_ssrf_guard_fails_a_private_website_at_once(pool: PgPool) {
    // Loopback is not allowed here: the production setting.
    app::server::db::migrate_jobs(&pool).await.unwrap();
    let world = World {
        state: common::state(common::config(&common::database_url(&pool), &[])),
        ..world(&pool, &[]).await
    };
    let site = FixtureSite::start("acme-robotics").await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let stop = start_worker(&world.state);
    for url in [
        site.url(),
        "http://10.0.0.7/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
    ] {
        let company = add_company(&pool, world.acme, "Internal", &url).await;
        assert_eq!(
            enrich(&world.state, &anna, company).await.status,
            StatusCode::OK
        );
        let failed = wait_for(&pool, company, "failed").await;
        // Refused, not retried.
        assert_eq!(failed.attempts, 1, "{url}");
        let error = failed.error.unwrap();
        assert!(
            error.contains("refused") || error.contains("Refused"),
            "{url}: {error}"
        );
    }
    stop.cancel();
    assert_eq!(
        site.homepage_hits.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

#[sqlx::test]
async fn a_worker_killed_mid_job_is_taken_over_and_the_job_completes_once(pool: PgPool) {
    let site = FixtureSite::start("acme-robotics").await;
    let world = world(&pool, &[]).await;
    let company = add_company(&pool, world.acme, "Acme Robotics", &site.url()).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    assert_eq!(
        enrich(&world.state, &anna, company).await.status,
        StatusCode::OK
    );

    // A separate `casework worker` process takes the job; the site hangs on it.
    site.set_mode(Mode::Hanging);
    let mut doomed = tokio::process::Command::new(env!("CARGO_BIN_EXE_casework"))
        .arg("worker")
        .env("DATABASE_URL", common::database_url(&pool))
        .env("FETCH_ALLOW_LOOPBACK", "true")
        .env("JOB_HEARTBEAT_S", "1")
        .env("WORKERS", "1")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let running = wait_for(&pool, company, "running").await;
    assert_eq!(running.attempts, 1);
    // Killed with no chance to clean up: its heartbeats stop.
    doomed.kill().await.unwrap();
    doomed.wait().await.unwrap();
    site.set_mode(Mode::Normal);

    // The next worker takes the job over once the heartbeat is stale.
    let stop = start_worker(&world.state);
    let done = wait_for(&pool, company, "done").await;
    stop.cancel();
    assert_eq!(done.attempts, 2);
    // Completed once: one result, one ledger row done, one audit row, and the queue
    // says the job succeeded.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM enrichment_usage WHERE outcome = 'done'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM company_actions WHERE kind = 'enrich'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM underway.task WHERE state = 'succeeded'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM underway.task WHERE state <> 'succeeded'"
        )
        .await,
        0
    );
}

#[sqlx::test]
async fn the_hourly_limit_the_budget_roles_tenants_and_bad_input(pool: PgPool) {
    let site = FixtureSite::start("bramble-studio").await;
    let world = world(&pool, &["--enrich-per-hour", "free=2"]).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let mut companies = Vec::new();
    for i in 0..3 {
        companies.push(
            add_company(
                &pool,
                world.acme,
                &format!("Co {i}"),
                &format!("{}co{i}", site.url()),
            )
            .await,
        );
    }
    assert_eq!(
        enrich(&world.state, &anna, companies[0]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        enrich(&world.state, &anna, companies[1]).await.status,
        StatusCode::OK
    );
    let usage_before = count(&pool, "SELECT count(*) FROM enrichment_usage").await;
    let reply = enrich(&world.state, &anna, companies[2]).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let wait = error["retry_after"].as_u64().unwrap();
    assert!((3500..=3600).contains(&wait), "{wait}");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM enrichment_usage").await,
        usage_before
    );
    // The page says what is left and when the next one frees up.
    let page = common::get_with_cookie(
        world.state.clone(),
        &format!("/companies/{}", companies[2]),
        &anna,
    )
    .await;
    assert!(
        page.body.contains("Hourly limit reached (2)"),
        "{}",
        page.body
    );

    // Another person has their own hour.
    let ada = common::session_cookie(&world.state, "ada@acme.example", PASSWORD).await;
    // The workspace's budget: a warning from 80 %, a refusal at 100 %.
    sqlx::query("UPDATE tenants SET enrich_budget_micros = 1000000 WHERE id = $1")
        .bind(world.acme)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE enrichment_usage SET cost_micros = 850000 WHERE id = (SELECT min(id) FROM enrichment_usage)")
        .execute(&pool)
        .await
        .unwrap();
    let page = common::get_with_cookie(
        world.state.clone(),
        &format!("/companies/{}", companies[2]),
        &ada,
    )
    .await;
    assert!(
        page.body.contains("has used 85 % of its enrichment budget"),
        "{}",
        page.body
    );
    sqlx::query("UPDATE enrichment_usage SET cost_micros = 1000000 WHERE id = (SELECT min(id) FROM enrichment_usage)")
        .execute(&pool)
        .await
        .unwrap();
    let reply = enrich(&world.state, &ada, companies[2]).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("budget"));
    sqlx::query("UPDATE tenants SET enrich_budget_micros = 50000000 WHERE id = $1")
        .bind(world.acme)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        enrich(&world.state, &ada, companies[2]).await.status,
        StatusCode::OK
    );

    // Employees may not, until the workspace allows it.
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let before = count(&pool, "SELECT count(*) FROM enrichment_usage").await;
    let fresh = add_company(&pool, world.acme, "Fresh", "fresh.example").await;
    assert_eq!(
        enrich(&world.state, &emil, fresh).await.status,
        StatusCode::FORBIDDEN
    );
    let page =
        common::get_with_cookie(world.state.clone(), &format!("/companies/{fresh}"), &emil).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    sqlx::query("UPDATE tenants SET employees_may_enrich = true WHERE id = $1")
        .bind(world.acme)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        enrich(&world.state, &emil, fresh).await.status,
        StatusCode::OK
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM enrichment_usage").await,
        before + 1
    );

    // Another workspace's company does not exist for you; nor does a made-up one.
    let theirs = add_company(&pool, world.globex, "Theirs", "theirs.example").await;
    let before = count(&pool, "SELECT count(*) FROM enrichment_usage").await;
    assert_eq!(
        enrich(&world.state, &anna, theirs).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        enrich(&world.state, &anna, 999_999).await.status,
        StatusCode::NOT_FOUND
    );
    let page =
        common::get_with_cookie(world.state.clone(), &format!("/companies/{theirs}"), &anna).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let gina = common::session_cookie(&world.state, "gina@globex.example", PASSWORD).await;
    let events = common::get_with_cookie(
        world.state.clone(),
        &format!("/api/companies/{}/events", companies[0]),
        &gina,
    )
    .await;
    assert_eq!(events.status, StatusCode::NOT_FOUND);
    // Bad input, anonymous.
    for id in ["abc", "", "1.5", "99999999999999999999"] {
        let reply = common::call_fn(
            &world.state,
            &anna,
            "/api/company/enrich",
            &[("id", id.to_string())],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{id}");
    }
    let reply = common::call_fn(
        &world.state,
        "casework_session=nope",
        "/api/company/enrich",
        &[("id", companies[0].to_string())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM enrichment_usage").await,
        before
    );
}

// ---- The OpenAI-compatible provider, against a local fake that speaks its protocol ----

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A chat completion whose content is `answer` (a JSON document as a string), having
/// used 1,200 prompt and 300 completion tokens.
fn completion(answer: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": answer.to_string() },
            "finish_reason": "stop"
        }],
        "usage": { "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500 }
    })
}

fn good_answer(site: &FixtureSite, score: u8) -> serde_json::Value {
    serde_json::json!({
        "summary": "Acme Robotics builds autonomous warehouse robots.",
        "what_they_do": ["Warehouse robots", "Fleet software"],
        "keywords": ["warehouse robotics", "fleet software"],
        "signals": [{
            "kind": "hiring",
            "label": "Hiring: 7 open roles",
            "evidence": [{ "url": format!("{}careers", site.url()), "excerpt": "We are hiring 7 roles." }]
        }],
        "score": score,
        "confidence": "high"
    })
}

#[derive(sqlx::FromRow, Debug)]
struct Costs {
    provider: Option<String>,
    model: Option<String>,
    tokens_in: Option<i64>,
    cost_micros: Option<i64>,
    ledger_tokens_in: i64,
    ledger_cost: i64,
}

async fn costs(pool: &PgPool, company: i64) -> Costs {
    sqlx::query_as(
        "SELECT e.provider, e.model, e.tokens_in, e.cost_micros,
                u.tokens_in AS ledger_tokens_in, u.cost_micros AS ledger_cost
         FROM enrichments e JOIN enrichment_usage u ON u.id = e.request_id
         WHERE e.company_id = $1",
    )
    .bind(company)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn the_openai_provider_paths_end_in_the_right_state_and_cost(pool: PgPool) {
    let site = FixtureSite::start("acme-robotics").await;
    let fake = MockServer::start().await;
    let base = format!("{}/v1", fake.uri());
    let world = world(
        &pool,
        &[
            "--enrich-provider",
            "openai",
            "--openai-base-url",
            &base,
            "--openai-api-key",
            "sk-test-key",
            "--openai-model",
            "gpt-4o-mini",
            "--openai-timeout-s",
            "1",
        ],
    )
    .await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let stop = start_worker(&world.state);

    // 1. A good answer: done, with tokens and the cost from the price table
    //    (1,200 × $0.15/M + 300 × $0.60/M = 360 micro-dollars) on the result and the ledger.
    let good = add_company(&pool, world.acme, "Good", &site.url()).await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&good_answer(&site, 77))))
        .up_to_n_times(1)
        .mount(&fake)
        .await;
    assert_eq!(
        enrich(&world.state, &anna, good).await.status,
        StatusCode::OK
    );
    let done = wait_for(&pool, good, "done").await;
    assert_eq!(done.score, Some(77));
    let spent = costs(&pool, good).await;
    assert_eq!(spent.provider.as_deref(), Some("openai"));
    assert_eq!(spent.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(
        (spent.tokens_in, spent.cost_micros),
        (Some(1200), Some(360))
    );
    assert_eq!((spent.ledger_tokens_in, spent.ledger_cost), (1200, 360));
    let request = &fake.received_requests().await.unwrap()[0];
    assert_eq!(
        request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        "Bearer sk-test-key"
    );
    fake.reset().await;

    // 2. An answer that fails validation: failed at once (not retried), the last good
    //    result kept, and the tokens paid for recorded in the ledger.
    let mut bad = good_answer(&site, 77);
    bad["score"] = serde_json::json!(140);
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&bad)))
        .mount(&fake)
        .await;
    assert_eq!(
        enrich(&world.state, &anna, good).await.status,
        StatusCode::OK
    );
    let failed = wait_for(&pool, good, "failed").await;
    assert_eq!(failed.attempts, 1);
    assert!(failed.error.unwrap().contains("score"));
    assert_eq!(failed.score, Some(77));
    let spent = costs(&pool, good).await;
    assert_eq!(spent.cost_micros, Some(360), "the kept result's own cost");
    assert_eq!(
        spent.ledger_cost, 360,
        "the failed run's tokens were paid for"
    );
    assert_eq!(fake.received_requests().await.unwrap().len(), 1);
    fake.reset().await;

    // 3. 429 with Retry-After: 1 — the next attempt waits at least that long — then a
    //    good answer.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&good_answer(&site, 64))))
        .mount(&fake)
        .await;
    assert_eq!(
        enrich(&world.state, &anna, good).await.status,
        StatusCode::OK
    );
    let done = wait_for(&pool, good, "done").await;
    assert_eq!((done.attempts, done.score), (2, Some(64)));
    let calls = fake.received_requests().await.unwrap();
    assert_eq!(calls.len(), 2);
    let spent = costs(&pool, good).await;
    assert_eq!(spent.ledger_cost, 360, "the 429 cost nothing");
    let times: Vec<time::OffsetDateTime> = sqlx::query_scalar(
        "SELECT a.started_at FROM underway.task_attempt a JOIN underway.task t ON t.id = a.task_id
         WHERE t.input->>'request_id' = (SELECT max(id)::text FROM enrichment_usage)
         ORDER BY a.started_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= time::Duration::milliseconds(990),
        "{times:?}"
    );
    fake.reset().await;

    // 4. The provider is down (500), then too slow (past the 1 s timeout): retried with
    //    backoff, then failed with no cost, the last good result still shown.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion(&good_answer(&site, 10)))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&fake)
        .await;
    assert_eq!(
        enrich(&world.state, &anna, good).await.status,
        StatusCode::OK
    );
    let failed = wait_for(&pool, good, "failed").await;
    stop.cancel();
    assert_eq!((failed.attempts, failed.score), (3, Some(64)));
    let error = failed.error.unwrap();
    assert!(error.contains("unavailable"), "{error}");
    assert_eq!(costs(&pool, good).await.ledger_cost, 0);
    let page =
        common::get_with_cookie(world.state.clone(), &format!("/companies/{good}"), &anna).await;
    assert!(page.body.contains("The last enrichment failed"));
    assert!(page.body.contains("Score 64 of 100"));
    assert!(page.body.contains("gpt-4o-mini"));
}
