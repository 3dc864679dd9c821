#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Admin → Usage: enrichments, tokens and cost per person per month with totals, from
//! the ledger; the enrichment settings; roles, tenants and bad input.

mod common;

use app::model::Role;
use axum::http::StatusCode;
use sqlx::PgPool;

const PASSWORD: &str = "a long password";

#[sqlx::test]
async fn usage_per_person_per_month_with_totals_and_the_settings(pool: PgPool) {
    let acme = common::tenant_with_users(
        &pool,
        "acme",
        &[
            ("ada@acme.example", Role::Admin),
            ("anna@acme.example", Role::Analyst),
            ("abe@acme.example", Role::Analyst),
        ],
        PASSWORD,
    )
    .await;
    let globex = common::tenant_with_users(
        &pool,
        "globex",
        &[("gina@globex.example", Role::Admin)],
        PASSWORD,
    )
    .await;
    // November: Anna 3 (one failed), Abe 1; October: Anna 1. Globex's row never shows.
    sqlx::query(
        "INSERT INTO enrichment_usage (tenant_id, user_id, provider, model, tokens_in, tokens_out, cost_micros, outcome, requested_at)
         SELECT $1, (SELECT id FROM users WHERE email = e), 'openai', 'gpt-4o-mini', t_in, t_out, cost, o::enrichment_status, at::timestamptz
         FROM (VALUES
            ('anna@acme.example', 1200, 300, 360, 'done', '2026-11-03'),
            ('anna@acme.example', 1000, 0, 150, 'failed', '2026-11-04'),
            ('anna@acme.example', 0, 0, 0, 'done', '2026-11-05'),
            ('abe@acme.example', 5000, 1000, 1350, 'done', '2026-11-30 23:59:59+00'),
            ('anna@acme.example', 100, 10, 21, 'done', '2026-10-31')
         ) v(e, t_in, t_out, cost, o, at)",
    )
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO enrichment_usage (tenant_id, provider, cost_micros, requested_at) VALUES ($1, 'openai', 999999, '2026-11-10')")
        .bind(globex)
        .execute(&pool)
        .await
        .unwrap();
    let state = common::state(common::config(&common::database_url(&pool), &[]));
    let ada = common::session_cookie(&state, "ada@acme.example", PASSWORD).await;

    let reply = common::call_fn(
        &state,
        &ada,
        "/api/admin/usage",
        &[("month", "2026-11".into())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "abe");
    assert_eq!(rows[0]["cost_micros"], 1350);
    assert_eq!(rows[1]["name"], "anna");
    assert_eq!(rows[1]["enrichments"], 3);
    assert_eq!(rows[1]["failed"], 1);
    assert_eq!(rows[1]["tokens_in"], 2200);
    assert_eq!(rows[1]["cost_micros"], 510);
    assert_eq!(report["total"]["enrichments"], 4);
    assert_eq!(report["total"]["cost_micros"], 1860);
    assert_eq!(report["months"], serde_json::json!(["2026-11", "2026-10"]));

    let page = common::get_with_cookie(state.clone(), "/admin/usage?month=2026-10", &ada).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("data-testid=\"usage-row\"").count(), 1);
    // Anna's one October enrichment cost 21 micro-dollars: shown to four places.
    assert!(page.body.contains("$0.0000"), "{}", page.body);

    // Settings: the budget and employees' access, with bad input refused.
    let settings = |budget: &str, allow: Option<&str>| {
        let mut form = vec![("budget", budget.to_string())];
        if let Some(allow) = allow {
            form.push(("employees_may_enrich", allow.to_string()));
        }
        form
    };
    let reply = common::call_fn(
        &state,
        &ada,
        "/api/admin/usage/settings",
        &settings("$75.50", Some("true")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let read = || async {
        sqlx::query_as::<_, (i64, bool)>(
            "SELECT enrich_budget_micros, employees_may_enrich FROM tenants WHERE id = $1",
        )
        .bind(acme)
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    assert_eq!(read().await, (75_500_000, true));
    for (budget, allow) in [
        ("", None),
        ("-5", None),
        ("lots", None),
        ("1.0000001", None),
        ("10", Some("maybe")),
    ] {
        let reply = common::call_fn(
            &state,
            &ada,
            "/api/admin/usage/settings",
            &settings(budget, allow),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{budget}");
    }
    assert_eq!(read().await, (75_500_000, true));
    let reply = common::call_fn(
        &state,
        &ada,
        "/api/admin/usage/settings",
        &settings("50", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(read().await, (50_000_000, false));

    // Only admins; a bad month is a clear 422.
    let anna = common::session_cookie(&state, "anna@acme.example", PASSWORD).await;
    let reply = common::call_fn(
        &state,
        &anna,
        "/api/admin/usage",
        &[("month", String::new())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = common::call_fn(
        &state,
        &anna,
        "/api/admin/usage/settings",
        &settings("1000", Some("true")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(read().await, (50_000_000, false));
    let reply = common::call_fn(
        &state,
        &ada,
        "/api/admin/usage",
        &[("month", "2026-13".into())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}
