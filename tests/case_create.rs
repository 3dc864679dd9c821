#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Creating a case by hand (`/cases/new`, the `case/create` server function): numbered,
//! audited, counted, announced live; who may create for whom; every bad field refused
//! with nothing written; the plain form without JavaScript; racing creators; the
//! Source filter; the dashboards' counters against a recount; tenants kept apart.

mod common;

use app::model::Role;
use axum::http::StatusCode;
use common::tallies::{assert_case_tallies_match_recount, case_rows_written};
use common::world::{ACME_CASE_TEAM, World};
use sqlx::PgPool;
use uuid::Uuid;

async fn setup(pool: &PgPool) -> World {
    World::build(pool)
        .tenant("acme", ACME_CASE_TEAM)
        .cases("acme", 30, 10)
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .done()
        .await
}

fn form(title: &str, assignee: &str, comment: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_string()),
        ("customer_name", "Grace Hopper".to_string()),
        ("customer_email", "grace@navy.example".to_string()),
        ("customer_phone", "+1 555 0100".to_string()),
        ("customer_company", "US Navy".to_string()),
        ("priority", "high".to_string()),
        ("assignee", assignee.to_string()),
        ("comment", comment.to_string()),
    ]
}

#[sqlx::test]
async fn an_employee_creates_a_case_numbered_audited_counted_and_announced(pool: PgPool) {
    let world = setup(&pool).await;
    casework::startup::start_live_updates(&world.state);
    let emil = world.viewer("emil@acme.example").await;
    let emil_cookie = world.cookie("emil@acme.example").await;
    let ada_cookie = world.cookie("ada@acme.example").await;
    // The admin's team view hears of new cases live.
    let stream = common::open_stream(&world.state, &ada_cookie, "/api/events", None).await;
    assert_eq!(stream.status(), StatusCode::OK);
    common::eventually_listening(&world.state).await;

    let number = common::call_ok(
        &world.state,
        &emil_cookie,
        "/api/case/create",
        &form(
            "  Radar shows a moth  ",
            &emil.user_id.to_string(),
            "Found it in relay 70.",
        ),
    )
    .await;
    // The tenant's next number (30 generated before it).
    assert_eq!(number, 31);
    let (id, title, status, priority, assignee, source, version): (
        i64,
        String,
        String,
        String,
        Option<Uuid>,
        String,
        i32,
    ) = sqlx::query_as(
        "SELECT id, title, status::text, priority::text, assignee_id, source::text, version
         FROM cases WHERE tenant_id = $1 AND number = 31",
    )
    .bind(world.tenant("acme"))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(title, "Radar shows a moth");
    assert_eq!(
        (status.as_str(), priority.as_str(), source.as_str()),
        ("new", "high", "manual")
    );
    assert_eq!(assignee, Some(emil.user_id));
    assert_eq!(version, 1);
    let comment: (String, Option<Uuid>) =
        sqlx::query_as("SELECT body, author_id FROM case_comments WHERE case_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        comment,
        ("Found it in relay 70.".to_string(), Some(emil.user_id))
    );
    let audit: Vec<(String, Option<Uuid>, serde_json::Value)> = sqlx::query_as(
        "SELECT kind::text, actor_id, after FROM case_actions WHERE case_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(
        (audit[0].0.as_str(), audit[0].1),
        ("create", Some(emil.user_id))
    );
    assert_eq!(audit[0].2["title"], "Radar shows a moth");
    assert_eq!(audit[0].2["source"], "manual");
    assert_eq!(audit[1].0, "comment");

    let got = common::sse_events(stream.into_body(), 1).await;
    assert!(got[0].2.contains(r#""kind":"create""#), "{got:?}");
    assert!(got[0].2.contains(&format!(r#""case_id":{id}"#)), "{got:?}");

    // It is on emil's queue, and in the team view under its source.
    let queue = common::get_with_cookie(world.state.clone(), "/work", &emil_cookie).await;
    assert!(queue.body.contains("Radar shows a moth"));
    let team =
        common::get_with_cookie(world.state.clone(), "/cases?source=manual", &ada_cookie).await;
    assert!(team.body.contains("Radar shows a moth"));
    let team =
        common::get_with_cookie(world.state.clone(), "/cases?source=web_form", &ada_cookie).await;
    assert_eq!(team.status, StatusCode::OK);
    assert!(!team.body.contains("Radar shows a moth"));

    // Without a comment, into the pool.
    let number = common::call_ok(
        &world.state,
        &emil_cookie,
        "/api/case/create",
        &form("Unassigned one", "", ""),
    )
    .await;
    assert_eq!(number, 32);
    let (assignee, comments): (Option<Uuid>, i64) = sqlx::query_as(
        "SELECT assignee_id, (SELECT count(*) FROM case_comments m WHERE m.case_id = c.id)
         FROM cases c WHERE number = 32",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((assignee, comments), (None, 0));
    assert_case_tallies_match_recount(&pool).await;
}

#[sqlx::test]
async fn who_may_create_for_whom(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = world.viewer("emil@acme.example").await;
    let erin = world.viewer("erin@acme.example").await;
    let anna = world.viewer("anna@acme.example").await;
    let gus = world.viewer("gus@globex.example").await;
    let emil_cookie = world.cookie("emil@acme.example").await;
    let ada_cookie = world.cookie("ada@acme.example").await;
    let anna_cookie = world.cookie("anna@acme.example").await;
    let gus_cookie = world.cookie("gus@globex.example").await;
    let before = case_rows_written(&pool).await;

    let refused = [
        // An employee may not give a new case to a colleague.
        (&emil_cookie, erin.user_id, StatusCode::FORBIDDEN),
        // An admin may not give it to someone who does not work cases,
        (&ada_cookie, anna.user_id, StatusCode::UNPROCESSABLE_ENTITY),
        // nor to someone of another workspace (not visible from this one),
        (&ada_cookie, gus.user_id, StatusCode::UNPROCESSABLE_ENTITY),
        (&gus_cookie, emil.user_id, StatusCode::UNPROCESSABLE_ENTITY),
        // nor to nobody at all.
        (
            &ada_cookie,
            Uuid::new_v4(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (cookie, assignee, status) in refused {
        let reply = common::call_fn(
            &world.state,
            cookie,
            "/api/case/create",
            &form("Not allowed", &assignee.to_string(), "x"),
        )
        .await;
        assert_eq!(reply.status, status, "{assignee}: {}", reply.body);
    }
    // Analysts do not work cases; nobody signed in is asked to sign in.
    let reply = common::call_fn(
        &world.state,
        &anna_cookie,
        "/api/case/create",
        &form("No", "", ""),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = common::call_fn(&world.state, "", "/api/case/create", &form("No", "", "")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        case_rows_written(&pool).await,
        before,
        "a refusal wrote something"
    );

    // An admin gives it to anyone who works cases; globex numbers its own cases.
    let number = common::call_ok(
        &world.state,
        &ada_cookie,
        "/api/case/create",
        &form("For erin", &erin.user_id.to_string(), ""),
    )
    .await;
    assert_eq!(number, 31);
    let number = common::call_ok(
        &world.state,
        &gus_cookie,
        "/api/case/create",
        &form("Globex's first", "", ""),
    )
    .await;
    assert_eq!(number, 1);
    let assignee: Option<Uuid> =
        sqlx::query_scalar("SELECT assignee_id FROM cases WHERE title = 'For erin'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(assignee, Some(erin.user_id));

    // The page: a form for those who work cases, a clear word for analysts.
    let page = common::get_with_cookie(world.state.clone(), "/cases/new", &emil_cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"data-testid="new-case""#));
    assert!(page.body.contains(r#"data-testid="new-case-button""#));
    let page = common::get_with_cookie(world.state.clone(), "/cases/new", &anna_cookie).await;
    assert!(page.body.contains(r#"data-testid="new-case-forbidden""#));
    assert!(!page.body.contains(r#"data-testid="new-case-button""#));

    // Counters are the workspace's own: globex sees one case, acme's none of them.
    let mut tx = app::server::db::tenant_tx(&world.state.pool, gus.tenant_id)
        .await
        .unwrap();
    let seen: i64 =
        sqlx::query_scalar("SELECT coalesce(sum(n), 0) FROM case_tallies WHERE NOT per_assignee")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(seen, 1);
    let days: i64 = sqlx::query_scalar("SELECT count(*) FROM case_days WHERE tenant_id <> $1")
        .bind(gus.tenant_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(days, 0);
    // And it cannot write acme's.
    let forged = sqlx::query(
        "INSERT INTO case_tallies (tenant_id, per_assignee, status, priority, archived, n)
         VALUES ($1, false, 'new', 'low', false, 100)",
    )
    .bind(world.tenant("acme"))
    .execute(&mut *tx)
    .await;
    assert!(forged.is_err(), "a workspace wrote another's counter");
    drop(tx);
    assert_case_tallies_match_recount(&pool).await;
}

#[sqlx::test]
async fn every_bad_field_is_refused_by_name_and_nothing_is_written(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = world.cookie("emil@acme.example").await;
    let before = case_rows_written(&pool).await;
    let long_comment = "y".repeat(app::model::MAX_COMMENT_CHARS + 1);
    let cases: Vec<(&str, &str, String)> = vec![
        ("title", "title", "   ".into()),
        ("title", "title", "x".repeat(301)),
        ("title", "title", "nul\0inside".into()),
        ("customer_name", "customer_name", "n".repeat(201)),
        ("customer_email", "customer_email", "not an email".into()),
        ("customer_phone", "customer_phone", "1".repeat(51)),
        ("customer_company", "customer_company", "c\u{7}".into()),
        ("priority", "priority", "asap".into()),
        ("assignee", "assignee_id", "bob".into()),
        ("comment", "comment", long_comment),
        ("comment", "comment", "bad\0byte".into()),
    ];
    for (key, field, value) in cases {
        let mut fields = form("A fine title", "", "");
        for (k, v) in fields.iter_mut() {
            if *k == key {
                *v = value.clone();
            }
        }
        let reply = common::call_fn(&world.state, &emil, "/api/case/create", &fields).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}: {}",
            reply.body
        );
        assert!(reply.body.contains(field), "{key}: {}", reply.body);
    }
    // A field missing altogether.
    let partial: Vec<(&str, String)> = vec![("title", "Only a title".into())];
    let reply = common::call_fn(&world.state, &emil, "/api/case/create", &partial).await;
    assert!(reply.status.is_client_error(), "{}", reply.body);
    assert_eq!(
        case_rows_written(&pool).await,
        before,
        "a refusal wrote something"
    );
}

#[sqlx::test]
async fn without_javascript_the_form_lands_on_the_case_or_comes_back_with_the_text(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = world.cookie("emil@acme.example").await;
    let emil_id = world.viewer("emil@acme.example").await.user_id.to_string();
    let good = form("Typed without scripts", &emil_id, "First words");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = common::post_html_form(world.state.clone(), "/api/case/create", &good, &emil).await;
    assert!(reply.status.is_redirection(), "{}", reply.body);
    assert_eq!(reply.location(), "/cases/31");
    let page = common::get_with_cookie(world.state.clone(), "/cases/31", &emil).await;
    assert!(page.body.contains("Typed without scripts"));
    // Left in the pool, the employee cannot open it: their queue says where it went.
    let pooled = form("Into the pool", "", "");
    let pooled: Vec<(&str, &str)> = pooled.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply =
        common::post_html_form(world.state.clone(), "/api/case/create", &pooled, &emil).await;
    assert_eq!(reply.location(), "/work?created=32");
    let page = common::get_with_cookie(world.state.clone(), "/work?created=32", &emil).await;
    assert!(
        page.body.contains("Case #32 was created in the team"),
        "{}",
        page.body
    );

    let mut bad = form("Kept title", "", "A long draft that must survive");
    bad[2].1 = "nope".into(); // customer_email
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = common::post_html_form(world.state.clone(), "/api/case/create", &bad, &emil).await;
    assert!(reply.status.is_redirection());
    let location = reply.location().to_string();
    assert!(location.starts_with("/cases/new?"), "{location}");
    // The form shows the error, marks the field and keeps everything typed.
    let page = common::get_with_cookie(world.state.clone(), &location, &emil).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("is not an email address"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="Kept title""#));
    assert!(page.body.contains("A long draft that must survive"));
    assert!(page.body.contains(r#"aria-invalid="true""#));
    // Beside its field, in words, and the field described by it.
    assert!(
        page.body.contains(r#"data-field-error="customer_email""#)
            && page
                .body
                .contains("The customer’s email is not an email address.")
            && page
                .body
                .contains(r#"aria-describedby="new-case-customer-email-error""#),
        "{}",
        page.body
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM cases WHERE title = 'Kept title'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[sqlx::test]
async fn cases_created_at_once_get_consecutive_numbers(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = world.cookie("emil@acme.example").await;
    let ada = world.cookie("ada@acme.example").await;
    let creations = (0..20).map(|i| {
        let state = world.state.clone();
        let cookie = if i % 2 == 0 {
            emil.clone()
        } else {
            ada.clone()
        };
        async move {
            common::call_ok(
                &state,
                &cookie,
                "/api/case/create",
                &form(&format!("Racer {i}"), "", ""),
            )
            .await
        }
    });
    let mut numbers: Vec<i64> = futures::future::join_all(creations)
        .await
        .into_iter()
        .map(|n| n.as_i64().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, (31..=50).collect::<Vec<i64>>());
    assert_case_tallies_match_recount(&pool).await;
}
