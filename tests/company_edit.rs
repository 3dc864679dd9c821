#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Editing a company and its notes under concurrency: a stale version is a 409 with the
//! current state and writes nothing; racing saves from one version have exactly one
//! winner; every change is audited with what changed; bad input, roles and tenants.

mod common;

use app::model::Role;
use app::server::AppState;
use axum::http::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

const PASSWORD: &str = "a long password";

struct World {
    state: AppState,
    acme: Uuid,
    globex: Uuid,
    company: i64,
}

async fn world(pool: &PgPool) -> World {
    let world = common::world::World::build(pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("anna@acme.example", Role::Analyst),
                ("abe@acme.example", Role::Analyst),
                ("emil@acme.example", Role::Employee),
            ],
        )
        .tenant("globex", &[("gina@globex.example", Role::Analyst)])
        .done()
        .await;
    let (acme, globex) = (world.tenant("acme"), world.tenant("globex"));
    let company = sqlx::query_scalar(
        "INSERT INTO companies (tenant_id, name, website_url, website, sector, location)
         VALUES ($1, 'Acme Robotics', 'https://acme.example/', 'acme.example', 'Robotics', 'Berlin')
         RETURNING id",
    )
    .bind(acme)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO companies (tenant_id, name, website_url, website)
         VALUES ($1, 'Other', 'https://other.example/', 'other.example')",
    )
    .bind(acme)
    .execute(pool)
    .await
    .unwrap();
    World {
        state: world.state,
        acme,
        globex,
        company,
    }
}

fn save_form(company: i64, version: i32, name: &str, website: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id", company.to_string()),
        ("version", version.to_string()),
        ("name", name.to_string()),
        ("website", website.to_string()),
        ("sector", "Robotics".to_string()),
        ("stage", "seed".to_string()),
        ("location", "Berlin".to_string()),
    ]
}

async fn snapshot(pool: &PgPool) -> (String, i32, i64) {
    sqlx::query_as(
        "SELECT (SELECT string_agg(name || website || version, ',' ORDER BY id) FROM companies),
                (SELECT coalesce(sum(version), 0)::int FROM company_notes),
                (SELECT count(*) FROM company_actions)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_stale_save_is_refused_with_theirs_and_racing_saves_have_one_winner(pool: PgPool) {
    let world = world(&pool).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let abe = common::session_cookie(&world.state, "abe@acme.example", PASSWORD).await;
    let save = |cookie: String, form: Vec<(&'static str, String)>| {
        let state = world.state.clone();
        async move { common::call_fn(&state, &cookie, "/api/company/save", &form).await }
    };

    let reply = save(
        anna.clone(),
        save_form(world.company, 1, "Acme Robotics GmbH", "WWW.acme.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let saved: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["website"], "acme.example");
    // Audited: only what changed (the name and the stage), before and after.
    let (before, after): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("SELECT before, after FROM company_actions WHERE kind = 'update'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(before["name"], "Acme Robotics");
    assert_eq!(after["name"], "Acme Robotics GmbH");
    assert_eq!(after["stage"], "seed");
    assert!(after.get("sector").is_none());

    // Abe started from version 1: refused, with the company as it is now.
    let unchanged = snapshot(&pool).await;
    let reply = save(
        abe.clone(),
        save_form(world.company, 1, "Abe's name", "acme.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(error["current"]["name"], "Acme Robotics GmbH");
    assert_eq!(error["current"]["version"], 2);
    assert_eq!(snapshot(&pool).await, unchanged);

    // Ten saves racing from version 2: exactly one wins.
    let racers = (0..10).map(|i| {
        let cookie = if i % 2 == 0 {
            anna.clone()
        } else {
            abe.clone()
        };
        save(
            cookie,
            save_form(world.company, 2, &format!("Racer {i}"), "acme.example"),
        )
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|reply| reply.status)
        .collect();
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
        9,
        "{statuses:?}"
    );
    let version: i32 = sqlx::query_scalar("SELECT version FROM companies WHERE id = $1")
        .bind(world.company)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(version, 3);
}

#[sqlx::test]
async fn bad_details_roles_and_tenants_are_refused_and_change_nothing(pool: PgPool) {
    let world = world(&pool).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let unchanged = snapshot(&pool).await;
    let long = "x".repeat(201);
    let cases: Vec<(Vec<(&'static str, String)>, StatusCode)> = vec![
        (
            save_form(world.company, 1, "", "acme.example"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            save_form(world.company, 1, &long, "acme.example"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            save_form(world.company, 1, "Nul\u{0}", "acme.example"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            save_form(world.company, 1, "Acme", "not a site"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // Another company's website.
        (
            save_form(world.company, 1, "Acme", "https://www.other.example/"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            save_form(999_999, 1, "Acme", "acme.example"),
            StatusCode::NOT_FOUND,
        ),
        (
            vec![("id", world.company.to_string()), ("version", "one".into())],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (form, status) in cases {
        let reply = common::call_fn(&world.state, &anna, "/api/company/save", &form).await;
        assert_eq!(reply.status, status, "{form:?}: {}", reply.body);
    }
    let reply = common::call_fn(
        &world.state,
        &anna,
        "/api/company/save",
        &save_form(world.company, 1, "Acme", "https://www.other.example/"),
    )
    .await;
    assert!(
        reply.body.contains("already tracked as Other"),
        "{}",
        reply.body
    );

    // Roles and tenants.
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/company/save",
        &save_form(world.company, 1, "E", "acme.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let gina = common::session_cookie(&world.state, "gina@globex.example", PASSWORD).await;
    let reply = common::call_fn(
        &world.state,
        &gina,
        "/api/company/save",
        &save_form(world.company, 1, "G", "acme.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = common::call_fn(
        &world.state,
        &gina,
        "/api/company/note",
        &[("id", world.company.to_string()), ("body", "hi".into())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = common::call_fn(
        &world.state,
        "casework_session=x",
        "/api/company/save",
        &save_form(world.company, 1, "X", "acme.example"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(&pool).await, unchanged);
    let _ = (world.acme, world.globex);
}

#[sqlx::test]
async fn notes_are_versioned_audited_and_deleted_only_by_their_author_or_an_admin(pool: PgPool) {
    let world = world(&pool).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let abe = common::session_cookie(&world.state, "abe@acme.example", PASSWORD).await;
    let ada = common::session_cookie(&world.state, "ada@acme.example", PASSWORD).await;
    let company = world.company.to_string();

    // Bad notes: nothing written.
    let unchanged = snapshot(&pool).await;
    for body in ["", "   ", &"n".repeat(20_001), "bell\u{7}"] {
        let reply = common::call_fn(
            &world.state,
            &anna,
            "/api/company/note",
            &[("id", company.clone()), ("body", body.to_string())],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}");
    }
    assert_eq!(snapshot(&pool).await, unchanged);

    let reply = common::call_fn(
        &world.state,
        &anna,
        "/api/company/note",
        &[
            ("id", company.clone()),
            ("body", "Met the **CEO** <script>alert(1)</script>".into()),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let note: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let note_id = note["id"].as_i64().unwrap();
    assert_eq!(note["version"], 1);
    // Markdown, rendered and cleaned on the server: the emphasis, never the script.
    let html = note["body_html"].as_str().unwrap();
    assert!(html.contains("<strong>CEO</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    let page =
        common::get_with_cookie(world.state.clone(), &format!("/companies/{company}"), &anna).await;
    assert!(
        page.body.contains("Met the <strong>CEO</strong>"),
        "{}",
        page.body
    );

    // Abe edits it; Anna, still on version 1, is refused with Abe's text.
    let edit = |cookie: &str, version: i32, body: &str| {
        let form = vec![
            ("id", company.clone()),
            ("note_id", note_id.to_string()),
            ("version", version.to_string()),
            ("body", body.to_string()),
        ];
        let state = world.state.clone();
        let cookie = cookie.to_string();
        async move { common::call_fn(&state, &cookie, "/api/company/note/edit", &form).await }
    };
    let reply = edit(&abe, 1, "Met the CEO; follow up in May").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = edit(&anna, 1, "Anna's version").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(error["current"]["body"], "Met the CEO; follow up in May");
    assert_eq!(error["current"]["version"], 2);
    // Keep mine: the same text from the current version.
    assert_eq!(
        edit(&anna, 2, "Anna's version").await.status,
        StatusCode::OK
    );

    // Racing edits from one version: one winner.
    let racers = (0..6).map(|i| edit(if i % 2 == 0 { &anna } else { &abe }, 3, "race"));
    let statuses: Vec<StatusCode> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );

    // The page shows it (escaped), with who edited it; and the lists the company is on
    // that Anna can see (a shared one and her own, not Abe's).
    for (name, owner) in [
        ("Shortlist", ""),
        ("Annas picks", "anna"),
        ("Abes picks", "abe"),
    ] {
        sqlx::query(
            "WITH l AS (
                 INSERT INTO company_lists (tenant_id, name, owner_id)
                 VALUES ($1, $2, (SELECT id FROM users WHERE email = $3 || '@acme.example'))
                 RETURNING id, tenant_id)
             INSERT INTO company_list_items (list_id, company_id, tenant_id) SELECT id, $4, tenant_id FROM l",
        )
        .bind(world.acme)
        .bind(name)
        .bind(owner)
        .bind(world.company)
        .execute(&pool)
        .await
        .unwrap();
    }
    let page =
        common::get_with_cookie(world.state.clone(), &format!("/companies/{company}"), &anna).await;
    assert!(page.body.contains("Annas picks"), "{}", page.body);
    assert!(page.body.contains("Shortlist"));
    assert!(!page.body.contains("Abes picks"));
    assert!(page.body.contains("data-testid=\"note\""));
    assert!(!page.body.contains("<script>alert(1)</script>"));

    // Abe (not the author) may not delete it; an admin may.
    let delete = |cookie: &str| {
        let form = vec![("id", company.clone()), ("note_id", note_id.to_string())];
        let state = world.state.clone();
        let cookie = cookie.to_string();
        async move { common::call_fn(&state, &cookie, "/api/company/note/delete", &form).await }
    };
    assert_eq!(delete(&abe).await.status, StatusCode::FORBIDDEN);
    assert_eq!(delete(&ada).await.status, StatusCode::OK);
    assert_eq!(delete(&ada).await.status, StatusCode::NOT_FOUND);
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind::text FROM company_actions ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            "note_added",
            "note_edited",
            "note_edited",
            "note_edited",
            "note_deleted"
        ]
    );
    let (before,): (serde_json::Value,) =
        sqlx::query_as("SELECT before FROM company_actions WHERE kind = 'note_deleted'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(before["body"], "race");

    // Without JavaScript every form comes back to the company page.
    let reply = common::post_html_form(
        world.state.clone(),
        "/api/company/note",
        &[("id", &company), ("body", "Posted without scripts")],
        &anna,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location(), format!("/companies/{company}"));
    let reply = common::post_html_form(
        world.state.clone(),
        "/api/company/save",
        &[
            ("id", &company),
            ("version", "7"),
            ("name", "Stale"),
            ("website", "acme.example"),
            ("sector", ""),
            ("stage", ""),
            ("location", ""),
        ],
        &anna,
    )
    .await;
    assert!(
        reply
            .location()
            .starts_with(&format!("/companies/{company}?error=")),
        "{}",
        reply.location()
    );
}
