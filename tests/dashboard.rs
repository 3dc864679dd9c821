#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The dashboards against independent counts: every figure of the employee's panels
//! equals a SQL count over the cases themselves, every bar's link opens a table of
//! exactly that many cases, "changed by others" hears of others and not of oneself,
//! the window is in the URL, and the page renders its charts for who may see them.

mod common;

use app::model::Role;
use axum::http::StatusCode;
use common::world::{ACME_CASE_TEAM, World};
use sqlx::PgPool;
use uuid::Uuid;

async fn setup(pool: &PgPool) -> World {
    World::build(pool)
        .tenant("acme", ACME_CASE_TEAM)
        .cases("acme", 400, 50)
        .tenant("globex", &[("gus@globex.example", Role::Employee)])
        .cases("globex", 50, 0)
        .done()
        .await
}

async fn dashboard(world: &World, cookie: &str, query: &str) -> serde_json::Value {
    common::call_ok(
        &world.state,
        cookie,
        "/api/dashboard/mine",
        &[("query", query.to_string())],
    )
    .await
}

/// How many cases the queue shows for a link's query string (its exact count).
async fn queue_count(world: &World, cookie: &str, href: &str) -> i64 {
    linked_count(world, cookie, "/api/cases/mine", href).await
}

/// The exact count the queue server function `path` answers for a link's query string
/// (the team view's page is inside `page`).
async fn linked_count(world: &World, cookie: &str, path: &str, href: &str) -> i64 {
    let query = href.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let answer = common::call_ok(&world.state, cookie, path, &[("query", query.to_string())]).await;
    let page = answer.get("page").unwrap_or(&answer);
    page["count"]["Exact"]
        .as_i64()
        .unwrap_or_else(|| panic!("{href}: not an exact count: {}", page["count"]))
}

async fn count(pool: &PgPool, sql: &str, who: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(who)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn every_figure_equals_a_recount_and_every_bar_opens_exactly_those_cases(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = world.viewer("emil@acme.example").await;
    let cookie = world.cookie("emil@acme.example").await;
    // A few cases closed today and yesterday, so the closed chart has bars to follow.
    sqlx::query(
        "UPDATE cases SET status = 'closed' WHERE id IN (
             SELECT id FROM cases WHERE assignee_id = $1 AND status = 'open' LIMIT 3)",
    )
    .bind(emil.user_id)
    .execute(&pool)
    .await
    .unwrap();
    common::tallies::assert_case_tallies_match_recount(&pool).await;

    let board = dashboard(&world, &cookie, "").await;
    // Open by status.
    for entry in board["open_by_status"].as_array().unwrap() {
        let status = entry[0].as_str().unwrap();
        let shown = entry[1].as_i64().unwrap();
        let counted = count(
            &pool,
            &format!(
                "SELECT count(*) FROM cases WHERE assignee_id = $1 AND NOT archived
                 AND status = '{status}'"
            ),
            emil.user_id,
        )
        .await;
        assert_eq!(shown, counted, "{status}");
        let linked = queue_count(&world, &cookie, &format!("/work?status={status}")).await;
        assert_eq!(linked, counted, "{status}: the link");
    }
    // By age: the buckets add up to every open case, each equal to its own count.
    let ages: Vec<i64> = board["by_age"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_i64().unwrap())
        .collect();
    let bounds = [(0, 0), (1, 2), (3, 6), (7, 29), (30, 100_000)];
    for (n, (first, last)) in ages.iter().zip(bounds) {
        let counted = count(
            &pool,
            &format!(
                "SELECT count(*) FROM cases WHERE assignee_id = $1 AND NOT archived
                 AND status IN ('new', 'open', 'pending')
                 AND (now() AT TIME ZONE 'UTC')::date - (created_at AT TIME ZONE 'UTC')::date
                     BETWEEN {first} AND {last}"
            ),
            emil.user_id,
        )
        .await;
        assert_eq!(*n, counted, "age {first}..{last}");
    }
    assert!(
        ages.iter().sum::<i64>() > 0,
        "the generator gave emil open cases"
    );

    // The rendered page's bars carry the same figures and links that count them.
    let page = common::get_with_cookie(world.state.clone(), "/", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = scraper::Html::parse_document(&page.body);
    let bars = scraper::Selector::parse("[data-testid=chart-bar]").unwrap();
    let mut followed = 0;
    for bar in html.select(&bars) {
        let href = bar.value().attr("href").unwrap();
        let value: i64 = bar.value().attr("data-value").unwrap().parse().unwrap();
        assert_eq!(queue_count(&world, &cookie, href).await, value, "{href}");
        followed += 1;
    }
    // 3 statuses + 5 ages + 30 days.
    assert_eq!(followed, 38, "{}", page.body);
    assert!(page.body.contains(r#"data-testid="chart-my-closed""#));
    assert!(page.body.contains("<svg"));

    // The oldest open cases, oldest first, as SQL orders them.
    let oldest: Vec<i64> = board["oldest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["number"].as_i64().unwrap())
        .collect();
    let expected: Vec<i32> = sqlx::query_scalar(
        "SELECT number FROM cases WHERE assignee_id = $1 AND NOT archived
         AND status IN ('new', 'open', 'pending') ORDER BY created_at, id LIMIT 5",
    )
    .bind(emil.user_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        oldest,
        expected.iter().map(|n| i64::from(*n)).collect::<Vec<_>>()
    );

    // Closed per day: one figure per day of the window, today's equal to a count.
    let closed = board["closed_per_day"].as_array().unwrap();
    assert_eq!(closed.len(), 30);
    let today_shown = closed.last().unwrap()["n"].as_i64().unwrap();
    let today_counted = count(
        &pool,
        "SELECT count(*) FROM cases WHERE assignee_id = $1 AND status IN ('resolved', 'closed')
         AND (closed_at AT TIME ZONE 'UTC')::date = (now() AT TIME ZONE 'UTC')::date",
        emil.user_id,
    )
    .await;
    assert_eq!(today_shown, today_counted);
    assert!(today_shown >= 3);

    // The window is the URL's; anything but 7, 30 or 90 is refused by name.
    let week = dashboard(&world, &cookie, "range=7").await;
    assert_eq!(week["closed_per_day"].as_array().unwrap().len(), 7);
    let quarter = dashboard(&world, &cookie, "range=90").await;
    assert_eq!(quarter["closed_per_day"].as_array().unwrap().len(), 90);
    let reply = common::call_fn(
        &world.state,
        &cookie,
        "/api/dashboard/mine",
        &[("query", "range=365".to_string())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("range"));
    let page = common::get_with_cookie(world.state.clone(), "/?range=banana", &cookie).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"data-testid="dashboard-error""#));
}

#[sqlx::test]
async fn changed_by_others_hears_of_colleagues_not_of_oneself_until_marked_seen(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = world.viewer("emil@acme.example").await;
    let admin = world.viewer("ada@acme.example").await;
    let cookie = world.cookie("emil@acme.example").await;
    let numbers: Vec<i32> = sqlx::query_scalar(
        "SELECT number FROM cases WHERE assignee_id = $1 ORDER BY number LIMIT 2",
    )
    .bind(emil.user_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    // Start from a clean slate: seen now.
    let reply = common::call_fn(&world.state, &cookie, "/api/dashboard/seen", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let board = dashboard(&world, &cookie, "").await;
    assert_eq!(board["changed_by_others"].as_array().unwrap().len(), 0);

    let pool_ = &world.state.pool;
    app::server::comments::post(pool_, &admin, numbers[0], "from the admin")
        .await
        .unwrap();
    app::server::comments::post(pool_, &emil, numbers[1], "my own note")
        .await
        .unwrap();
    let board = dashboard(&world, &cookie, "").await;
    let changed = board["changed_by_others"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["number"], numbers[0]);
    let admin_name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(admin.user_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(changed[0]["by"], admin_name);

    // Marked seen without JavaScript: back to the dashboard, and the list is empty.
    let reply =
        common::post_html_form(world.state.clone(), "/api/dashboard/seen", &[], &cookie).await;
    assert!(reply.status.is_redirection(), "{}", reply.body);
    assert_eq!(reply.location(), "/");
    let board = dashboard(&world, &cookie, "").await;
    assert_eq!(board["changed_by_others"].as_array().unwrap().len(), 0);
}

#[sqlx::test]
async fn who_sees_what(pool: PgPool) {
    let world = setup(&pool).await;
    let anna = world.cookie("anna@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;
    let gus_viewer = world.viewer("gus@globex.example").await;
    // Analysts do not work cases: no case panels, and the function refuses them.
    let reply = common::call_fn(
        &world.state,
        &anna,
        "/api/dashboard/mine",
        &[("query", String::new())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let page = common::get_with_cookie(world.state.clone(), "/", &anna).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(r#"data-testid="my-dashboard""#));
    let reply = common::call_fn(
        &world.state,
        "",
        "/api/dashboard/mine",
        &[("query", String::new())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = common::call_fn(&world.state, "", "/api/dashboard/seen", &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    // Globex's employee counts globex's cases only.
    let board = dashboard(&world, &gus, "").await;
    let shown: i64 = board["open_by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry[1].as_i64().unwrap())
        .sum();
    let counted = count(
        &pool,
        "SELECT count(*) FROM cases WHERE assignee_id = $1 AND NOT archived
         AND status IN ('new', 'open', 'pending')",
        gus_viewer.user_id,
    )
    .await;
    assert_eq!(shown, counted);
}

/// How many cases the team view shows for a link's query string (its exact count).
async fn team_count(world: &World, cookie: &str, href: &str) -> i64 {
    linked_count(world, cookie, "/api/cases/team", href).await
}

#[sqlx::test]
async fn the_admin_dashboard_counts_the_workspace_and_each_link_opens_those_cases(pool: PgPool) {
    let world = setup(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let emil = world.cookie("emil@acme.example").await;
    let acme = world.tenant("acme");
    // Some unassigned, and some closed today.
    sqlx::query(
        "UPDATE cases SET assignee_id = NULL WHERE id IN (
             SELECT id FROM cases WHERE tenant_id = $1 AND status = 'new' ORDER BY id LIMIT 7)",
    )
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE cases SET status = 'resolved' WHERE id IN (
             SELECT id FROM cases WHERE tenant_id = $1 AND status = 'open' ORDER BY id LIMIT 4)",
    )
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();

    // The backlog's history began five days ago (a row as the counters would have
    // written then); the days since hold it until today's writes.
    sqlx::query(
        "INSERT INTO case_backlog_days (tenant_id, day, status, priority, n)
         VALUES ($1, (now() AT TIME ZONE 'UTC')::date - 5, 'new', 'high', 77)",
    )
    .bind(acme)
    .execute(&pool)
    .await
    .unwrap();
    // Enrichment spend: this month's ledger rows (one failed, one whose cost grows
    // after it is written) and one of last month, which is not this month's spend.
    for (cost, outcome, months_ago) in
        [(1_500, "done", 0), (2_500, "failed", 0), (9_000, "done", 1)]
    {
        sqlx::query(
            "INSERT INTO enrichment_usage (tenant_id, provider, cost_micros, outcome, requested_at)
             VALUES ($1, 'heuristic', $2, $3::enrichment_status,
                     now() - make_interval(months => $4))",
        )
        .bind(acme)
        .bind(cost as i64)
        .bind(outcome)
        .bind(months_ago)
        .execute(&pool)
        .await
        .unwrap();
    }
    // Background work: enrichments waiting (two), running (one), failed today (one)
    // and failed long ago (not today's), beside done ones (not counted).
    for (n, status, age_days) in [
        (1, "queued", 0),
        (2, "queued", 0),
        (3, "running", 0),
        (4, "failed", 0),
        (5, "failed", 3),
        (6, "done", 0),
    ] {
        sqlx::query(
            "WITH c AS (
                 INSERT INTO companies (tenant_id, name, website_url, website)
                 VALUES ($1, 'Co ' || $2, 'https://co' || $2 || '.example/', 'co' || $2 || '.example')
                 RETURNING id)
             INSERT INTO enrichments (company_id, tenant_id, status, requested_at)
             SELECT id, $1, $3::enrichment_status, now() - make_interval(days => $4) FROM c",
        )
        .bind(acme)
        .bind(n)
        .bind(status)
        .bind(age_days)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "UPDATE enrichment_usage SET cost_micros = cost_micros + 500 WHERE cost_micros = 1500",
    )
    .execute(&pool)
    .await
    .unwrap();
    let board = common::call_ok(
        &world.state,
        &ada,
        "/api/dashboard/team",
        &[("query", String::new())],
    )
    .await;
    let spend = &board["spend"];
    let (cost, count, failed): (i64, i64, i64) = sqlx::query_as(
        "SELECT sum(cost_micros)::bigint, count(*), count(*) FILTER (WHERE outcome = 'failed')
         FROM enrichment_usage
         WHERE tenant_id = $1 AND requested_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    )
    .bind(acme)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (cost, count, failed),
        (4_500, 2, 1),
        "the ledger as written"
    );
    assert_eq!(spend["cost_micros"], cost);
    assert_eq!(spend["enrichments"], count);
    assert_eq!(spend["failed"], failed);
    assert_eq!(spend["budget_micros"], 50_000_000);
    let work = &board["work"];
    assert_eq!(work["zoho_connected"], false);
    assert_eq!(work["last_sync"], serde_json::Value::Null);
    assert_eq!(
        (
            &work["enrichments_queued"],
            &work["enrichments_running"],
            &work["enrichments_failed_day"]
        ),
        (
            &serde_json::json!(2),
            &serde_json::json!(1),
            &serde_json::json!(1)
        )
    );
    assert!(
        work["oldest_queued"].is_array() || work["oldest_queued"].is_string(),
        "{work}"
    );
    // The backlog, cell by cell, against a count of acme's cases.
    let backlog = board["backlog"].as_array().unwrap();
    assert!(!backlog.is_empty());
    for cell in backlog {
        let (status, priority, shown) = (
            cell[0].as_str().unwrap(),
            cell[1].as_str().unwrap(),
            cell[2].as_i64().unwrap(),
        );
        let counted: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM cases WHERE tenant_id = $1 AND NOT archived
             AND status = '{status}' AND priority = '{priority}'"
        ))
        .bind(acme)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(shown, counted, "{status} × {priority}");
    }
    let unassigned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cases WHERE tenant_id = $1 AND assignee_id IS NULL
         AND NOT archived AND status IN ('new', 'open', 'pending')",
    )
    .bind(acme)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(board["unassigned"].as_i64().unwrap(), unassigned);
    assert!(unassigned >= 7);
    // The load: most loaded first, each equal to a count.
    let load = board["load"].as_array().unwrap();
    assert_eq!(load.len(), 2, "emil and erin: {load:?}");
    let opens: Vec<i64> = load.iter().map(|l| l["open"].as_i64().unwrap()).collect();
    assert!(opens[0] >= opens[1]);
    for line in load {
        let counted: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM cases WHERE assignee_id = $1::uuid
             AND NOT archived AND status IN ('new', 'open', 'pending')",
        )
        .bind(line["user_id"].as_str().unwrap())
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(line["open"].as_i64().unwrap(), counted);
    }

    // Every link of the rendered page opens a table of exactly its figure.
    let page = common::get_with_cookie(world.state.clone(), "/", &ada).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = scraper::Html::parse_document(&page.body);
    let within = |testid: &str, what: &str| {
        scraper::Selector::parse(&format!("[data-testid={testid}] {what}")).unwrap()
    };
    let mut followed = Vec::new();
    for selector in [
        within("backlog", "[data-testid=backlog-cell]"),
        within("chart-team-flow", "[data-testid=chart-bar]"),
        within("chart-backlog-status", "[data-testid=chart-bar]"),
        within("chart-backlog-priority", "[data-testid=chart-bar]"),
        within("load", "[data-testid=load-line]"),
    ] {
        followed.push(0);
        for element in html.select(&selector) {
            let (href, value) = match element.value().attr("href") {
                Some(href) => (
                    href.to_string(),
                    element
                        .value()
                        .attr("data-value")
                        .unwrap()
                        .parse::<i64>()
                        .unwrap(),
                ),
                None => {
                    let link = element
                        .select(&scraper::Selector::parse("a").unwrap())
                        .next()
                        .unwrap();
                    (
                        link.value().attr("href").unwrap().to_string(),
                        element.value().attr("data-open").unwrap().parse().unwrap(),
                    )
                }
            };
            assert_eq!(team_count(&world, &ada, &href).await, value, "{href}");
            *followed.last_mut().unwrap() += 1;
        }
    }
    // 12 backlog cells; a pair of bars (opened, closed) for each of the 30 days (cases
    // were closed today); today's backlog by status (3) and by priority (4); 2 people.
    assert_eq!(followed, [12, 60, 3, 4, 2]);
    // The backlog's history: its last day is today's backlog, and the days before
    // today are figures without links (their cases have moved on).
    let history = board["backlog_days"].as_array().unwrap();
    let last = history.last().unwrap();
    assert_eq!(last["day"], board["today"]);
    let mut cells: Vec<(String, String, i64)> = last["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[0].as_str().unwrap().into(),
                c[1].as_str().unwrap().into(),
                c[2].as_i64().unwrap(),
            )
        })
        .collect();
    let mut now: Vec<(String, String, i64)> = backlog
        .iter()
        .map(|c| {
            (
                c[0].as_str().unwrap().into(),
                c[1].as_str().unwrap().into(),
                c[2].as_i64().unwrap(),
            )
        })
        .collect();
    cells.sort();
    now.sort();
    assert_eq!(cells, now);
    assert_eq!(history.len(), 6, "five days back, and today");
    for past in &history[..5] {
        assert_eq!(
            past["cells"],
            serde_json::json!([["new", "high", 77]]),
            "{past}"
        );
    }
    let segments =
        scraper::Selector::parse("[data-testid=chart-backlog-status] [data-testid=chart-segment]")
            .unwrap();
    assert_eq!(html.select(&segments).count(), 3 * 5);
    assert!(page.body.contains("The history starts on"));
    let unassigned_link = html
        .select(&scraper::Selector::parse("[data-testid=unassigned-count]").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        team_count(&world, &ada, unassigned_link.value().attr("href").unwrap()).await,
        unassigned
    );
    // The admin also holds no cases of their own here, and the employee sees no team panel.
    let page = common::get_with_cookie(world.state.clone(), "/", &emil).await;
    assert!(!page.body.contains(r#"data-testid="team-dashboard""#));
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/dashboard/team",
        &[("query", String::new())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn the_wip_limit_is_set_cleared_and_refused_when_bad(pool: PgPool) {
    let world = setup(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let emil = world.cookie("emil@acme.example").await;
    let limit = || async {
        sqlx::query_scalar::<_, Option<i32>>("SELECT wip_limit FROM tenants WHERE slug = 'acme'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let set = |cookie: String, value: &'static str| {
        let state = world.state.clone();
        async move {
            common::call_fn(
                &state,
                &cookie,
                "/api/dashboard/wip-limit",
                &[("wip_limit", value.to_string())],
            )
            .await
        }
    };
    assert_eq!(set(ada.clone(), "150").await.status, StatusCode::OK);
    assert_eq!(limit().await, Some(150));
    // The load panel measures against it: the most loaded person is over a limit of 1.
    assert_eq!(set(ada.clone(), "1").await.status, StatusCode::OK);
    let board = common::call_ok(
        &world.state,
        &ada,
        "/api/dashboard/team",
        &[("query", String::new())],
    )
    .await;
    assert_eq!(board["wip_limit"], 1);
    assert_eq!(board["at_or_over_limit"], 2);
    for bad in ["0", "-3", "100001", "many", "1.5", "9999999999"] {
        let reply = set(ada.clone(), bad).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            reply.body
        );
        assert!(reply.body.contains("wip_limit"), "{bad}");
        assert_eq!(limit().await, Some(1), "{bad} changed it");
    }
    // An employee may not; the other workspace is untouched; empty clears it.
    assert_eq!(set(emil, "5").await.status, StatusCode::FORBIDDEN);
    assert_eq!(limit().await, Some(1));
    let globex: Option<i32> =
        sqlx::query_scalar("SELECT wip_limit FROM tenants WHERE slug = 'globex'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(globex, None);
    assert_eq!(set(ada, "").await.status, StatusCode::OK);
    assert_eq!(limit().await, None);
}
