#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Search across everything, through the real route (`GET /api/search`), as each role:
//! the ranking on known data (the exact number first, then titles, then customers),
//! what each role may find (an employee their own cases, no companies, no people), no
//! other workspace's rows ever, words matched from their start, and bad input refused.

mod common;

use app::model::{HitKind, Match, SearchResults};
use sqlx::PgPool;

const PASSWORD: &str = "a long password";

async fn case(
    pool: &PgPool,
    tenant: uuid::Uuid,
    number: i32,
    title: &str,
    customer: &str,
    assignee: Option<&str>,
    age_minutes: i32,
) {
    sqlx::query(
        "INSERT INTO cases (tenant_id, number, title, customer_name, status, assignee_id, updated_at)
         VALUES ($1, $2, $3, $4, 'open', (SELECT id FROM users WHERE email = $5),
                 now() - make_interval(mins => $6))",
    )
    .bind(tenant)
    .bind(number)
    .bind(title)
    .bind(customer)
    .bind(assignee)
    .bind(age_minutes)
    .execute(pool)
    .await
    .unwrap();
}

async fn company(pool: &PgPool, tenant: uuid::Uuid, name: &str, site: &str) {
    sqlx::query(
        "INSERT INTO companies (tenant_id, name, website_url, website, sector)
         VALUES ($1, $2, 'https://' || $3 || '/', $3, 'Kitchenware')",
    )
    .bind(tenant)
    .bind(name)
    .bind(site)
    .execute(pool)
    .await
    .unwrap();
}

/// Two workspaces: acme (Ada admin, Emil employee, Anna analyst) with known cases and
/// companies, and globex with look-alikes that must never show in acme.
async fn workspaces(pool: &PgPool) {
    let acme = common::acme_with_every_role(pool, PASSWORD).await;
    let globex = common::tenant_with_users(
        pool,
        "globex",
        &[("gus@globex.example", app::model::Role::Admin)],
        PASSWORD,
    )
    .await;
    // Newest first within a kind of match: ages in minutes.
    case(
        pool,
        acme,
        7,
        "Kettle leaks from the base",
        "Bob Stone",
        Some("emil@acme.example"),
        30,
    )
    .await;
    case(
        pool,
        acme,
        8,
        "Printer jams on every page",
        "Kettleworth Ltd",
        Some("emil@acme.example"),
        10,
    )
    .await;
    case(
        pool,
        acme,
        70,
        "Broken kettle lid",
        "Carla Mendes",
        None,
        20,
    )
    .await;
    case(
        pool,
        acme,
        71,
        "Refund for case 70",
        "Dora Kettleby",
        Some("ada@acme.example"),
        5,
    )
    .await;
    company(pool, acme, "Kettle & Co", "kettle.example").await;
    case(
        pool,
        globex,
        7,
        "Kettle secret of globex",
        "Kettle Spy",
        None,
        1,
    )
    .await;
    company(pool, globex, "Kettle Globex", "kettle-globex.example").await;
}

async fn search(state: &app::server::AppState, cookie: &str, q: &str) -> SearchResults {
    let path = format!(
        "/api/search?{}",
        serde_urlencoded::to_string([("q", q), ("full", "true")]).unwrap()
    );
    let reply = common::get_with_cookie(state.clone(), &path, cookie).await;
    assert_eq!(reply.status, 200, "{q}: {}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

fn titles(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.title.as_str()).collect()
}

#[sqlx::test]
async fn the_number_comes_first_then_titles_then_customers(pool: PgPool) {
    workspaces(&pool).await;
    let state = common::state(common::config(&common::database_url(&pool), &[]));
    let ada = common::session_cookie(&state, "ada@acme.example", PASSWORD).await;

    // "kettle": titles (newest first: #70, then #7; then the company, a name), then the
    // customers (#8 Kettleworth, #71 Kettering, newest first).
    let found = search(&state, &ada, "kettle").await;
    assert_eq!(
        titles(&found),
        [
            "#70 Broken kettle lid",
            "#7 Kettle leaks from the base",
            "Kettle & Co",
            "#71 Refund for case 70",
            "#8 Printer jams on every page",
        ]
    );
    let matched: Vec<Match> = found.hits.iter().map(|h| h.matched).collect();
    assert_eq!(
        matched,
        [
            Match::Title,
            Match::Title,
            Match::Title,
            Match::Detail,
            Match::Detail
        ]
    );
    assert_eq!(found.hits[0].href, "/cases/70");
    assert_eq!(found.hits[2].kind, HitKind::Company);

    // A number: that case first, before the case whose title has the number in it.
    let found = search(&state, &ada, "70").await;
    assert_eq!(
        titles(&found),
        ["#70 Broken kettle lid", "#71 Refund for case 70"]
    );
    assert_eq!(found.hits[0].matched, Match::Number);
    assert_eq!(found.hits[1].matched, Match::Title);
    // One character is a number or nothing: too short to search as a word.
    assert_eq!(
        titles(&search(&state, &ada, "7").await),
        ["#7 Kettle leaks from the base"]
    );
    let found = search(&state, &ada, "#8").await;
    assert_eq!(titles(&found)[0], "#8 Printer jams on every page");

    // Words are matched from their start, stemmed in titles; all of them must match.
    assert_eq!(
        titles(&search(&state, &ada, "ket lid").await),
        ["#70 Broken kettle lid"]
    );
    assert_eq!(
        titles(&search(&state, &ada, "printers").await),
        ["#8 Printer jams on every page"]
    );
    assert!(search(&state, &ada, "kettle zebra").await.hits.is_empty());

    // Pages by name, for those who may open them; people for admins.
    let found = search(&state, &ada, "sys").await;
    assert_eq!(found.hits[0].href, "/admin/system");
    assert_eq!(found.hits[0].kind, HitKind::Page);
    let found = search(&state, &ada, "anna").await;
    assert_eq!(found.hits[0].kind, HitKind::Person);
    assert_eq!(found.hits[0].href, "/admin/users?q=anna%40acme.example");
    // Operators and quotes are just punctuation, never query syntax.
    for odd in ["kettle:*A | !x", "'", "o'brien", "a & b", "!!!", "(", "\\"] {
        search(&state, &ada, odd).await;
    }
}

#[sqlx::test]
async fn each_role_finds_only_what_it_may_open_and_never_another_workspace(pool: PgPool) {
    workspaces(&pool).await;
    let state = common::state(common::config(&common::database_url(&pool), &[]));

    // Emil (employee): his own cases only (#7, #8), no companies, no people.
    let emil = common::session_cookie(&state, "emil@acme.example", PASSWORD).await;
    let found = search(&state, &emil, "kettle").await;
    assert_eq!(
        titles(&found),
        [
            "#7 Kettle leaks from the base",
            "#8 Printer jams on every page"
        ]
    );
    assert!(
        search(&state, &emil, "70")
            .await
            .hits
            .iter()
            .all(|h| h.kind != HitKind::Case)
    );
    assert!(search(&state, &emil, "anna").await.hits.is_empty());
    assert!(search(&state, &emil, "system").await.hits.is_empty());

    // One word, then two, then one again, many times: every statement binds exactly the
    // parameters it names, whatever was prepared on the connection before.
    let ada = common::session_cookie(&state, "ada@acme.example", PASSWORD).await;
    for _ in 0..4 {
        for q in ["kettle", "kettle leaks", "printer jams on", "ket"] {
            search(&state, &emil, q).await;
            search(&state, &ada, q).await;
        }
    }

    // Anna (analyst): companies, no cases.
    let anna = common::session_cookie(&state, "anna@acme.example", PASSWORD).await;
    let found = search(&state, &anna, "kettle").await;
    assert_eq!(titles(&found), ["Kettle & Co"]);
    assert!(search(&state, &anna, "7").await.hits.is_empty());

    // Globex's admin sees globex's, and acme's never show anywhere in it.
    let gus = common::session_cookie(&state, "gus@globex.example", PASSWORD).await;
    let found = search(&state, &gus, "kettle").await;
    assert_eq!(
        titles(&found),
        ["#7 Kettle secret of globex", "Kettle Globex"]
    );
    for q in ["kettle", "globex", "secret", "spy", "7", "gus"] {
        let found = search(&state, &ada, q).await;
        for hit in &found.hits {
            assert!(!hit.title.to_lowercase().contains("globex"), "{q}: {hit:?}");
            assert!(!hit.detail.to_lowercase().contains("spy"), "{q}: {hit:?}");
        }
    }
}

#[sqlx::test]
async fn bad_input_is_refused_and_anonymous_people_are_not_answered(pool: PgPool) {
    workspaces(&pool).await;
    let state = common::state(common::config(&common::database_url(&pool), &[]));
    let ada = common::session_cookie(&state, "ada@acme.example", PASSWORD).await;
    let long = "k".repeat(101);
    for (q, why) in [
        (long.as_str(), "too long"),
        ("ket\u{1}tle", "control character"),
    ] {
        let path = format!(
            "/api/search?{}",
            serde_urlencoded::to_string([("q", q), ("full", "false")]).unwrap()
        );
        let reply = common::get_with_cookie(state.clone(), &path, &ada).await;
        assert_eq!(reply.status, 422, "{why}: {}", reply.body);
    }
    let reply = common::get(state.clone(), "/api/search?q=kettle&full=false").await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    // Empty text finds nothing (the palette shows recent items instead).
    assert!(search(&state, &ada, "   ").await.hits.is_empty());

    // The page: without JavaScript, the same results as HTML, and its hint when empty.
    let page = common::get_with_cookie(state.clone(), "/search?q=kettle", &ada).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Broken kettle lid"), "{}", page.body);
    assert!(page.body.contains(r#"href="/cases/70""#));
    let page = common::get_with_cookie(state.clone(), "/search?q=zzzz", &ada).await;
    assert!(page.body.contains(r#"data-testid="search-empty""#));
    let page = common::get(state.clone(), "/search?q=kettle").await;
    assert_eq!(page.status, 303, "anonymous: sent to sign in");
    assert_eq!(page.location(), "/login?next=%2Fsearch%3Fq%3Dkettle");
}
