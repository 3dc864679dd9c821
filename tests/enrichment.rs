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
    app::server::jobs::migrate(pool).await.unwrap();
    let acme = common::tenant_with_users(
        pool,
        "acme",
        &[
            ("ada@acme.example", Role::Admin),
            ("anna@acme.example", Role::Analyst),
            ("emil@acme.example", Role::Employee),
        ],
        PASSWORD,
    )
    .await;
    let globex = common::tenant_with_users(
        pool,
        "globex",
        &[("gina@globex.example", Role::Analyst)],
        PASSWORD,
    )
    .await;
    let mut flags = vec![
        "--fetch-allow-loopback",
        "--enrich-retry-base-ms",
        "200",
        "--job-heartbeat-s",
        "1",
    ];
    flags.extend_from_slice(extra);
    World {
        state: common::state(common::config(&common::database_url(pool), &flags)),
        acme,
        globex,
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
}
