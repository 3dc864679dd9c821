#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The analyst's dashboard: the score histogram and the sector × stage table equal a
//! count of the companies, and every bar and cell opens exactly the companies it
//! counts; the counters stay equal to a recount through inserts, edits, enrichments
//! and deletes; whose score moved most; the analyst's own lists; workspaces apart.

mod common;

use app::model::{Role, score_band_range};
use axum::http::StatusCode;
use common::tallies::assert_company_tallies_match_recount;
use common::world::{ACME_CASE_TEAM, World};
use sqlx::PgPool;
use uuid::Uuid;

/// The exact count the companies list answers for a link's query string.
async fn companies_count(world: &World, cookie: &str, href: &str) -> i64 {
    let query = href.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let page = common::call_ok(
        &world.state,
        cookie,
        "/api/companies/list",
        &[("query", query.to_string())],
    )
    .await;
    page["count"]["Exact"]
        .as_i64()
        .unwrap_or_else(|| panic!("{href}: not an exact count: {}", page["count"]))
}

async fn board(world: &World, cookie: &str) -> serde_json::Value {
    common::call_ok(&world.state, cookie, "/api/dashboard/companies", &[]).await
}

#[sqlx::test]
async fn every_figure_equals_a_count_and_every_link_opens_those_companies(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", ACME_CASE_TEAM)
        .tenant("globex", &[("gina@globex.example", Role::Analyst)])
        .done()
        .await;
    let acme = world.tenant("acme");
    let anna_id = world.viewer("anna@acme.example").await.user_id;
    let mut conn = pool.acquire().await.unwrap();
    app::server::generate_companies::generate_companies(&mut conn, acme, &[anna_id], 300)
        .await
        .unwrap();
    app::server::generate_companies::generate_companies(&mut conn, world.tenant("globex"), &[], 40)
        .await
        .unwrap();
    // A sector spelt two ways, companies without a stage or a sector, a deleted one.
    let sector: String = sqlx::query_scalar(
        "SELECT sector FROM companies WHERE tenant_id = $1 AND sector <> '' LIMIT 1",
    )
    .bind(acme)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE companies SET sector = upper(sector) WHERE id IN (
             SELECT id FROM companies WHERE tenant_id = $1 AND sector = $2 ORDER BY id LIMIT 2)",
    )
    .bind(acme)
    .bind(&sector)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE companies SET stage = NULL WHERE id IN (
             SELECT id FROM companies WHERE tenant_id = $1 ORDER BY id DESC LIMIT 4)",
    )
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE companies SET sector = '' WHERE id IN (
             SELECT id FROM companies WHERE tenant_id = $1 ORDER BY id DESC LIMIT 3)",
    )
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "DELETE FROM companies WHERE id = (SELECT min(id) FROM companies WHERE tenant_id = $1)",
    )
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();
    // Three companies enriched again: their scores moved by 5, 40 and -25 (the last
    // run's result replaces the company's score; the enrichment keeps the one before).
    let moved: Vec<(i64, i16)> = sqlx::query_as(
        "SELECT c.id, c.score FROM companies c JOIN enrichments e ON e.company_id = c.id
         WHERE c.tenant_id = $1 AND c.score BETWEEN 30 AND 60 ORDER BY c.id LIMIT 3",
    )
    .bind(acme)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        moved.len(),
        3,
        "generated companies with scores and enrichments"
    );
    for ((id, score), delta) in moved.iter().zip([5i16, 40, -25]) {
        sqlx::query(
            "UPDATE enrichments SET score = $2, enriched_at = now() + make_interval(secs => $3)
             WHERE company_id = $1",
        )
        .bind(id)
        .bind(score + delta)
        .bind(f64::from(delta.abs()))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("UPDATE companies SET score = $2, enriched_at = now() WHERE id = $1")
            .bind(id)
            .bind(score + delta)
            .execute(&pool)
            .await
            .unwrap();
    }
    assert_company_tallies_match_recount(&pool).await;

    let anna = world.cookie("anna@acme.example").await;
    let figures = board(&world, &anna).await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM companies WHERE tenant_id = $1")
        .bind(acme)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(figures["companies"], total);
    for (band, shown) in figures["bands"].as_array().unwrap().iter().enumerate() {
        let (low, high) = score_band_range(band);
        let counted: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM companies WHERE tenant_id = $1 AND score BETWEEN $2 AND $3",
        )
        .bind(acme)
        .bind(i16::from(low))
        .bind(i16::from(high))
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(shown.as_i64().unwrap(), counted, "band {band}");
    }
    let unscored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM companies WHERE tenant_id = $1 AND score IS NULL")
            .bind(acme)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(figures["unscored"], unscored);
    // The sector spelt two ways is one row, with every company of either spelling.
    let row = figures["sectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| {
            row["sector"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&sector)
        })
        .unwrap();
    let counted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM companies WHERE tenant_id = $1 AND lower(sector) = lower($2)",
    )
    .bind(acme)
    .bind(&sector)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row["companies"], counted);
    let mean: f64 = sqlx::query_scalar(
        "SELECT avg(score)::float8 FROM companies
         WHERE tenant_id = $1 AND lower(sector) = lower($2) AND score IS NOT NULL",
    )
    .bind(acme)
    .bind(&sector)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!((row["mean_score"].as_f64().unwrap() - mean).abs() < 1e-9);
    // Biggest moves first.
    let changes: Vec<(i64, i64)> = figures["biggest_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["id"].as_i64().unwrap(),
                line["score"].as_i64().unwrap() - line["previous_score"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [(moved[1].0, 40), (moved[2].0, -25), (moved[0].0, 5)]
    );

    // Every link of the rendered page opens exactly its figure.
    let page = common::get_with_cookie(world.state.clone(), "/", &anna).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = scraper::Html::parse_document(&page.body);
    let mut followed = 0;
    for selector in [
        "[data-testid=chart-scores] [data-testid=chart-bar]",
        "[data-testid=sector-cell]",
        "[data-testid=sector-row]",
    ] {
        for link in html.select(&scraper::Selector::parse(selector).unwrap()) {
            let href = link.value().attr("href").unwrap().replace("&amp;", "&");
            let value: i64 = link.value().attr("data-value").unwrap().parse().unwrap();
            assert_eq!(companies_count(&world, &anna, &href).await, value, "{href}");
            followed += 1;
        }
    }
    assert!(followed > 20, "{followed} links followed");

    // Her own lists, with their sizes.
    let list = common::call_ok(
        &world.state,
        &anna,
        "/api/lists/create",
        &[("name", "Shortlist".into())],
    )
    .await
    .as_i64()
    .unwrap();
    for (id, _) in &moved[..2] {
        common::call_ok(
            &world.state,
            &anna,
            "/api/lists/add",
            &[("list_id", list.to_string()), ("company", id.to_string())],
        )
        .await;
    }
    let figures = board(&world, &anna).await;
    assert_eq!(
        figures["own_lists"],
        serde_json::json!([{ "id": list, "name": "Shortlist", "companies": 2 }])
    );

    // Another workspace sees its own companies only; an employee (the workspace does
    // not let employees use companies) none.
    let gina = world.cookie("gina@globex.example").await;
    assert_eq!(board(&world, &gina).await["companies"], 40);
    let emil = world.cookie("emil@acme.example").await;
    let reply = common::call_fn(&world.state, &emil, "/api/dashboard/companies", &[]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let mut tx = app::server::db::tenant_tx(&world.state.pool, world.tenant("globex"))
        .await
        .unwrap();
    let seen: Vec<Uuid> = sqlx::query_scalar("SELECT DISTINCT tenant_id FROM company_tallies")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, [world.tenant("globex")]);
}
