#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Companies: the list query (every sort and filter walked page by page against an
//! independent computation), adding with duplicate detection by normalised website
//! (also when two people add the same site at once), bad input, roles and tenants.

mod common;

use app::model::{CompanyFilter, CompanySort, CompanyStage, MatchCount, Role, Viewer};
use app::server::companies::{self, PAGE_SIZE};
use axum::http::StatusCode;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

const PASSWORD: &str = "a long password";

#[derive(sqlx::FromRow, Clone, Debug)]
struct Truth {
    id: i64,
    name: String,
    sector: String,
    stage: Option<CompanyStage>,
    location: String,
    score: Option<i16>,
    created_at: OffsetDateTime,
    matches_q: bool,
}

struct World {
    state: app::server::AppState,
    anna: Viewer,
    acme: Uuid,
}

async fn setup(pool: &PgPool) -> World {
    let acme = common::acme_with_every_role(pool, PASSWORD).await;
    let globex = common::tenant_with_users(
        pool,
        "globex",
        &[("gina@globex.example", Role::Analyst)],
        PASSWORD,
    )
    .await;
    // 330 companies with many ties: 7 distinct creation times, scores repeating (and
    // a fifth unscored), names repeating in different case.
    sqlx::query(
        "INSERT INTO companies (tenant_id, name, website_url, website, sector, stage, location,
                                score, confidence, enriched_at, created_at)
         SELECT $1,
                (ARRAY['Acme', 'beta', 'Gamma', 'delta', 'Épsilon'])[1 + i % 5] || ' ' || (i % 37),
                'https://site' || i || '.example/', 'site' || i || '.example',
                (ARRAY['Fintech', 'Robotics', 'Health', ''])[1 + i % 4],
                (ARRAY['seed', 'series_a', 'growth', NULL])[1 + i % 4]::company_stage,
                (ARRAY['Berlin, DE', 'London', 'New Berlin, WI', 'Paris'])[1 + i % 4],
                CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 7) % 101 END,
                CASE WHEN i % 5 = 0 THEN NULL ELSE 'medium' END::enrichment_confidence,
                CASE WHEN i % 5 = 0 THEN NULL ELSE now() END,
                timestamptz '2026-01-01' + (i % 7) * interval '1 day'
         FROM generate_series(1, 330) i",
    )
    .bind(acme)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE companies SET enrichment_text = 'warehouse robots' WHERE id % 3 = 0 AND tenant_id = $1",
    )
    .bind(acme)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO companies (tenant_id, name, website_url, website, sector, score)
         SELECT $1, 'Globex ' || i, 'https://g' || i || '.example/', 'g' || i || '.example', 'Fintech', 99
         FROM generate_series(1, 40) i",
    )
    .bind(globex)
    .execute(pool)
    .await
    .unwrap();
    World {
        state: common::state(common::config(&common::database_url(pool), &[])),
        anna: common::viewer(pool, "anna@acme.example").await,
        acme,
    }
}

fn expected(truth: &[Truth], filter: &CompanyFilter) -> Vec<i64> {
    let mut rows: Vec<&Truth> = truth
        .iter()
        .filter(|t| filter.sector.is_empty() || t.sector.eq_ignore_ascii_case(&filter.sector))
        .filter(|t| filter.stage.is_none() || t.stage == filter.stage)
        .filter(|t| {
            filter.location.is_empty()
                || t.location
                    .to_lowercase()
                    .contains(&filter.location.to_lowercase())
        })
        .filter(|t| {
            filter
                .min_score
                .is_none_or(|min| t.score.unwrap_or(-1) >= i16::from(min))
        })
        .filter(|t| filter.q.is_empty() || t.matches_q)
        .collect();
    match filter.sort {
        CompanySort::Score => {
            rows.sort_by_key(|t| std::cmp::Reverse((t.score.unwrap_or(-1), t.id)))
        }
        CompanySort::Name => rows.sort_by_key(|t| (t.name.to_lowercase(), t.id)),
        CompanySort::Added => rows.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id))),
    }
    rows.into_iter().map(|t| t.id).collect()
}

#[sqlx::test]
async fn every_sort_and_filter_pages_exactly_through_the_right_rows(pool: PgPool) {
    let world = setup(&pool).await;
    let truth: Vec<Truth> = sqlx::query_as(
        "SELECT id, name, sector, stage, location, score, created_at,
                search @@ websearch_to_tsquery('english', 'robots') AS matches_q
         FROM companies WHERE tenant_id = $1",
    )
    .bind(world.acme)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(truth.len(), 330);
    assert!(truth.iter().filter(|t| t.matches_q).count() > 50);

    let filters = [
        "",
        "sector=fintech",
        "stage=series_a",
        "location=berlin",
        "min_score=50",
        "min_score=0",
        "q=robots",
        "q=robots&sector=Robotics&min_score=20",
        "location=ber_in",
    ];
    for query in filters {
        for sort in ["score", "name", "added"] {
            let query = format!("{query}&sort={sort}");
            let mut filter = CompanyFilter::from_query_string(&query).unwrap();
            let want = expected(&truth, &filter);
            let mut got = Vec::new();
            let mut pages = 0;
            loop {
                let page = companies::list(&pool, &world.anna, &filter).await.unwrap();
                assert!(page.rows.len() <= PAGE_SIZE);
                if pages == 0 {
                    assert_eq!(page.count, MatchCount::Exact(want.len() as u64), "{query}");
                }
                got.extend(page.rows.iter().map(|row| row.id));
                pages += 1;
                match page.next {
                    // The cursor goes through the URL, as a person's "Next page" does.
                    Some(next) => {
                        let url = filter.query_string(Some(&next));
                        filter = CompanyFilter::from_query_string(&url).unwrap();
                    }
                    None => break,
                }
            }
            assert_eq!(got, want, "{query}");
        }
    }
    // Names are found by the words they are written with, also words English stemming
    // would change ("acme" stems to "acm", which no name contains).
    let by_name = CompanyFilter::from_query_string("q=acme").unwrap();
    let page = companies::list(&pool, &world.anna, &by_name).await.unwrap();
    let acmes = truth.iter().filter(|t| t.name.starts_with("Acme")).count();
    assert!(acmes > 0);
    assert_eq!(page.count, MatchCount::Exact(acmes as u64));
    assert!(page.rows.iter().all(|row| row.name.starts_with("Acme")));
    // `_` typed in a filter is a literal character, not a wildcard.
    let literal = CompanyFilter::from_query_string("location=ber_in").unwrap();
    assert!(expected(&truth, &literal).is_empty());
    // The sectors offered by the filter are the tenant's own.
    let page = companies::list(&pool, &world.anna, &CompanyFilter::default())
        .await
        .unwrap();
    assert_eq!(page.sectors, vec!["Fintech", "Health", "Robotics"]);
    assert!(page.rows.iter().all(|row| !row.name.starts_with("Globex")));
}

async fn count_companies(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM companies")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn add_form(name: &str, website: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_string()),
        ("website", website.to_string()),
        ("sector", "Robotics".to_string()),
        ("stage", "seed".to_string()),
        ("location", "Berlin".to_string()),
    ]
}

#[sqlx::test]
async fn adding_normalises_the_website_and_refuses_a_duplicate_with_a_link(pool: PgPool) {
    let world = setup(&pool).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let reply = common::call_fn(
        &world.state,
        &anna,
        "/api/companies/create",
        &add_form("Acme Robotics", "https://www.Acme-Robotics.com/"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id: i64 = reply.body.parse().unwrap();
    let (website, website_url, added_by): (String, String, Uuid) =
        sqlx::query_as("SELECT website, website_url, added_by FROM companies WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(website, "acme-robotics.com");
    assert_eq!(website_url, "https://www.acme-robotics.com/");
    assert_eq!(added_by, world.anna.user_id);
    let audit: (String, serde_json::Value) =
        sqlx::query_as("SELECT kind::text, after FROM company_actions WHERE company_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audit.0, "create");
    assert_eq!(audit.1["name"], "Acme Robotics");

    // The same site typed differently: 409 naming the existing company, nothing added.
    let before = count_companies(&pool).await;
    let reply = common::call_fn(
        &world.state,
        &anna,
        "/api/companies/create",
        &add_form("Acme again", "ACME-robotics.com"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(error["current"]["id"], id);
    assert_eq!(error["current"]["name"], "Acme Robotics");
    assert_eq!(count_companies(&pool).await, before);

    // The add form's warning while typing.
    let reply = common::call_fn(
        &world.state,
        &anna,
        "/api/companies/check-website",
        &[("website", "http://acme-robotics.com".to_string())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let known: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(known["id"], id);
    let reply = common::call_fn(
        &world.state,
        &anna,
        "/api/companies/check-website",
        &[("website", "acme-rob".to_string())],
    )
    .await;
    assert_eq!(reply.body, "null");

    // Another workspace may track the same site: duplicates are per tenant.
    let gina = common::session_cookie(&world.state, "gina@globex.example", PASSWORD).await;
    let reply = common::call_fn(
        &world.state,
        &gina,
        "/api/companies/check-website",
        &[("website", "acme-robotics.com".to_string())],
    )
    .await;
    assert_eq!(reply.body, "null");
    let reply = common::call_fn(
        &world.state,
        &gina,
        "/api/companies/create",
        &add_form("Acme (Globex's view)", "acme-robotics.com"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[sqlx::test]
async fn two_people_adding_the_same_site_at_once_make_one_company(pool: PgPool) {
    let world = setup(&pool).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let ada = common::session_cookie(&world.state, "ada@acme.example", PASSWORD).await;
    let attempts = (0..8).map(|i| {
        let state = world.state.clone();
        let cookie = if i % 2 == 0 {
            anna.clone()
        } else {
            ada.clone()
        };
        async move {
            common::call_fn(
                &state,
                &cookie,
                "/api/companies/create",
                &add_form(
                    &format!("Racer {i}"),
                    &format!(
                        "{}racer.example",
                        ["", "www.", "https://", "HTTP://WWW."][i % 4]
                    ),
                ),
            )
            .await
            .status
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        7,
        "{statuses:?}"
    );
    let made: i64 =
        sqlx::query_scalar("SELECT count(*) FROM companies WHERE website = 'racer.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(made, 1);
}

#[sqlx::test]
async fn bad_input_roles_and_filters_are_refused_and_change_nothing(pool: PgPool) {
    let world = setup(&pool).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let before = count_companies(&pool).await;
    let long = "x".repeat(201);
    let bad: Vec<(Vec<(&str, String)>, &str)> = vec![
        (add_form("", "ok.example"), "name"),
        (add_form("   ", "ok.example"), "name"),
        (add_form(&long, "ok.example"), "name"),
        (add_form("Ctl\u{7}", "ok.example"), "name"),
        (add_form("Ok", ""), "website"),
        (add_form("Ok", "not a site"), "website"),
        (add_form("Ok", "javascript:alert(1)"), "website"),
        (add_form("Ok", "ftp://ok.example"), "website"),
        (add_form("Ok", "https://u:p@ok.example"), "website"),
        (add_form("Ok", "localhostish"), "website"),
        (
            vec![
                ("name", "Ok".into()),
                ("website", "ok.example".into()),
                ("sector", "s".repeat(101)),
                ("stage", "".into()),
                ("location", "".into()),
            ],
            "sector",
        ),
        (
            vec![
                ("name", "Ok".into()),
                ("website", "ok.example".into()),
                ("sector", "".into()),
                ("stage", "series_z".into()),
                ("location", "".into()),
            ],
            "stage",
        ),
        (
            vec![("name", "Ok".into()), ("website", "ok.example".into())],
            "request",
        ),
    ];
    for (form, field) in bad {
        let reply = common::call_fn(&world.state, &anna, "/api/companies/create", &form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form:?}: {}",
            reply.body
        );
        let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(error["field"], field, "{form:?}");
    }
    // SQL- and HTML-looking text is just text.
    let reply = common::call_fn(
        &world.state,
        &anna,
        "/api/companies/create",
        &add_form("Robert'); DROP TABLE companies;--<script>", "bobby.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(count_companies(&pool).await, before + 1);

    // Employees (by default) and strangers may not use companies.
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/companies/create",
        &add_form("E", "e.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/companies/list",
        &[("query", String::new())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = common::call_fn(
        &world.state,
        "casework_session=forged",
        "/api/companies/create",
        &add_form("E", "e.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(count_companies(&pool).await, before + 1);

    // A bad filter in the URL is a 422 with the reason, on the function and the page.
    for query in [
        "min_score=500",
        "stage=unicorn",
        "sort=size",
        "after=garbage",
        "list=-3",
    ] {
        let reply = common::call_fn(
            &world.state,
            &anna,
            "/api/companies/list",
            &[("query", query.to_string())],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    }
    let page =
        common::get_with_cookie(world.state.clone(), "/companies?min_score=500", &anna).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("must be a whole number from 0 to 100"));
}

#[sqlx::test]
async fn the_page_and_the_add_form_work_without_javascript(pool: PgPool) {
    let world = setup(&pool).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let page = common::get_with_cookie(
        world.state.clone(),
        "/companies?sector=fintech&sort=name",
        &anna,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"companies-table\""));
    // A full first page of fintech companies (more follow, as the link below says).
    assert_eq!(page.body.matches("data-testid=\"company-row\"").count(), 50);
    assert!(
        page.body
            .contains("href=\"/companies?sector=fintech&amp;sort=name&amp;after=")
    );

    let form: Vec<(&str, &str)> = vec![
        ("name", "Plain Form Co"),
        ("website", "plainform.example"),
        ("sector", ""),
        ("stage", ""),
        ("location", ""),
    ];
    let reply =
        common::post_html_form(world.state.clone(), "/api/companies/create", &form, &anna).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM companies WHERE website = 'plainform.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(reply.location(), format!("/companies/{id}"));

    // The duplicate goes back to the list with the reason, the link and what was typed.
    let reply =
        common::post_html_form(world.state.clone(), "/api/companies/create", &form, &anna).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let back = reply.location().to_string();
    assert!(back.starts_with("/companies?add_error="), "{back}");
    assert!(back.contains(&format!("duplicate={id}")), "{back}");
    let page = common::get_with_cookie(world.state.clone(), &back, &anna).await;
    assert!(
        page.body
            .contains("This website is already tracked as Plain Form Co."),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"Plain Form Co\""));

    // A field's refusal comes back beside that field, in words.
    let nameless: Vec<(&str, &str)> = form
        .iter()
        .map(|&(key, value)| (key, if key == "name" { "  " } else { value }))
        .collect();
    let reply = common::post_html_form(
        world.state.clone(),
        "/api/companies/create",
        &nameless,
        &anna,
    )
    .await;
    let back = reply.location().to_string();
    assert!(back.contains("add_field=name"), "{back}");
    let page = common::get_with_cookie(world.state.clone(), &back, &anna).await;
    assert!(
        page.body.contains(r#"data-field-error="name""#)
            && page
                .body
                .contains(r#"aria-describedby="add-company-name-error""#)
            && page.body.contains("Name is required."),
        "{}",
        page.body
    );
}
