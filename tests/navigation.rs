#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Each role is offered exactly the places it may open: every link of the main
//! navigation and of the dashboard's areas opens (200) for the person it is shown to,
//! and every place it is not shown to them refuses them (403). The menu and the server
//! read one table (model::capability), so a place can neither be offered and refused
//! nor open and hidden.

mod common;

use scraper::{Html, Selector};
use sqlx::PgPool;

const PASSWORD: &str = "a long password";

/// Every place the navigation can offer.
const PLACES: [&str; 7] = [
    "/",
    "/work",
    "/cases",
    "/companies",
    "/lists",
    "/contractors",
    "/admin",
];

/// The links of the `<nav>` labelled `label` on `html`.
fn links(html: &str, label: &str) -> Vec<String> {
    let nav = Selector::parse(&format!(r#"nav[aria-label="{label}"] a"#)).unwrap();
    Html::parse_document(html)
        .select(&nav)
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}

#[sqlx::test]
async fn each_role_is_offered_only_the_places_it_may_open(pool: PgPool) {
    common::acme_with_every_role(&pool, PASSWORD).await;
    let state = common::state(common::config(&common::database_url(&pool), &[]));
    let expected: [(&str, &[&str]); 3] = [
        ("ada@acme.example", &PLACES),
        ("emil@acme.example", &["/", "/work", "/contractors"]),
        (
            "anna@acme.example",
            &["/", "/companies", "/lists", "/contractors"],
        ),
    ];
    for (email, places) in expected {
        let cookie = common::session_cookie(&state, email, PASSWORD).await;
        let home = common::get_with_cookie(state.clone(), "/", &cookie).await;
        assert_eq!(home.status, 200, "{email}");
        let main = links(&home.body, "Main");
        assert_eq!(main, places, "{email}: the main navigation");
        // The dashboard's areas: every one it offers is among the places.
        let areas = links(&home.body, "Areas");
        assert!(!areas.is_empty(), "{email}: no areas");
        for area in &areas {
            assert!(places.contains(&area.as_str()), "{email} is offered {area}");
        }
        for place in PLACES {
            let reply = common::get_with_cookie(state.clone(), place, &cookie).await;
            let status = if places.contains(&place) { 200 } else { 403 };
            assert_eq!(reply.status, status, "{email} opening {place}");
        }
    }
}

#[sqlx::test]
async fn employees_are_offered_companies_when_their_workspace_lets_them_enrich(pool: PgPool) {
    let tenant = common::acme_with_every_role(&pool, PASSWORD).await;
    sqlx::query("UPDATE tenants SET employees_may_enrich = true WHERE id = $1")
        .bind(tenant)
        .execute(&pool)
        .await
        .unwrap();
    let state = common::state(common::config(&common::database_url(&pool), &[]));
    let cookie = common::session_cookie(&state, "emil@acme.example", PASSWORD).await;
    let home = common::get_with_cookie(state.clone(), "/", &cookie).await;
    assert_eq!(
        links(&home.body, "Main"),
        ["/", "/work", "/companies", "/lists", "/contractors"]
    );
    for place in ["/companies", "/lists"] {
        let reply = common::get_with_cookie(state.clone(), place, &cookie).await;
        assert_eq!(reply.status, 200, "{place}");
    }
}

#[sqlx::test]
async fn a_case_leads_back_to_the_queue_it_came_from(pool: PgPool) {
    let tenant = common::acme_with_every_role(&pool, PASSWORD).await;
    common::cases_for_employees(&pool, tenant, 2, 0).await;
    let number: i32 = sqlx::query_scalar(
        "SELECT c.number FROM cases c JOIN users u ON u.id = c.assignee_id
         WHERE u.email = 'emil@acme.example' LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let state = common::state(common::config(&common::database_url(&pool), &[]));
    for (email, back) in [
        ("emil@acme.example", ["/work", "My work"]),
        ("ada@acme.example", ["/cases", "All cases"]),
    ] {
        let cookie = common::session_cookie(&state, email, PASSWORD).await;
        let page =
            common::get_with_cookie(state.clone(), &format!("/cases/{number}"), &cookie).await;
        assert_eq!(page.status, 200, "{email}");
        let crumb = Selector::parse(r#"nav[aria-label="Breadcrumb"] a"#).unwrap();
        let document = Html::parse_document(&page.body);
        let link = document.select(&crumb).next().expect("a breadcrumb");
        let found = [
            link.value().attr("href").unwrap_or_default().to_string(),
            link.text().collect::<String>(),
        ];
        assert_eq!(found, back, "{email}");
    }
}
