#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Bad input at the edge: control characters in any text field or query parameter are
//! a 422 naming the field and write nothing (PostgreSQL refuses NUL, which used to end
//! in a 500); a body over the limit is a 413 before it is read; a long bad value never
//! comes back whole in the error; the admin section is for admins.

mod common;

use app::server::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;

const PASSWORD: &str = "a long password";

/// The control characters tried, in turn, one per field: NUL, the others PostgreSQL
/// would store but the product refuses (C0, DEL, C1).
const CONTROLS: [char; 5] = ['\0', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}'];

struct World {
    state: AppState,
    admin: String,
    emil: String,
    anna: String,
    case: i32,
    version: i32,
    company: i64,
    note: i64,
    comment: i64,
    list: i64,
}

async fn setup(pool: &PgPool, extra: &[&str]) -> World {
    let tenant = common::acme_with_every_role(pool, PASSWORD).await;
    common::cases_for_employees(pool, tenant, 3, 0).await;
    let state = common::state(common::config(&common::database_url(pool), extra));
    let admin = common::session_cookie(&state, "ada@acme.example", PASSWORD).await;
    let emil = common::session_cookie(&state, "emil@acme.example", PASSWORD).await;
    let anna = common::session_cookie(&state, "anna@acme.example", PASSWORD).await;
    let (case, version): (i32, i32) = sqlx::query_as(
        "SELECT c.number, c.version FROM cases c JOIN users u ON u.id = c.assignee_id
         WHERE u.email = 'emil@acme.example' AND NOT c.archived ORDER BY c.number LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let comment = common::call_ok(
        &state,
        &emil,
        "/api/case/comment",
        &[("number", case.to_string()), ("body", "first".into())],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (company, note) =
        common::company_with_note(&state, &anna, "Initech", "initech.example").await;
    let list = common::call_ok(
        &state,
        &anna,
        "/api/lists/create",
        &[("name", "Targets".into())],
    )
    .await
    .as_i64()
    .unwrap();
    World {
        state,
        admin,
        emil,
        anna,
        case,
        version,
        company,
        note,
        comment,
        list,
    }
}

/// Everything the app stores, as one value: any write changes it.
async fn fingerprint(pool: &PgPool) -> String {
    let mut all = String::new();
    for table in [
        "tenants",
        "users",
        "user_audit",
        "cases",
        "case_comments",
        "case_actions",
        "companies",
        "company_notes",
        "company_lists",
        "company_list_items",
        "saved_searches",
        "company_actions",
        "enrichments",
    ] {
        let digest: Option<String> = sqlx::query_scalar(&format!(
            "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
        ))
        .fetch_one(pool)
        .await
        .unwrap();
        all.push_str(&format!("{table}={}\n", digest.unwrap_or_default()));
    }
    all
}

/// Every write a person can make: who, where, and a well-formed form whose every field
/// is tried with a control character in it.
type Form = Vec<(&'static str, String)>;

fn writes(w: &World) -> Vec<(&str, &'static str, Form)> {
    let case = w.case.to_string();
    vec![
        (
            w.emil.as_str(),
            "/api/case/save",
            vec![
                ("number", case.clone()),
                ("version", w.version.to_string()),
                ("title", "A title".into()),
                ("customer_name", "Ada".into()),
                ("customer_email", "ada@example.com".into()),
                ("customer_phone", "+1 555".into()),
                ("customer_company", "Acme".into()),
                ("status", "open".into()),
                ("priority", "normal".into()),
                ("assignee", String::new()),
            ],
        ),
        (
            w.emil.as_str(),
            "/api/case/comment",
            vec![("number", case.clone()), ("body", "hello".into())],
        ),
        (
            w.emil.as_str(),
            "/api/case/comment/edit",
            vec![
                ("number", case.clone()),
                ("comment_id", w.comment.to_string()),
                ("body", "edited".into()),
            ],
        ),
        (
            w.anna.as_str(),
            "/api/companies/create",
            vec![
                ("name", "Globex".into()),
                ("website", "globex.example".into()),
                ("sector", "Energy".into()),
                ("stage", "seed".into()),
                ("location", "Springfield".into()),
            ],
        ),
        (
            w.anna.as_str(),
            "/api/company/save",
            vec![
                ("id", w.company.to_string()),
                ("version", "1".into()),
                ("name", "Initech 2".into()),
                ("website", "initech.example".into()),
                ("sector", "Software".into()),
                ("stage", String::new()),
                ("location", "Austin".into()),
            ],
        ),
        (
            w.anna.as_str(),
            "/api/company/note",
            vec![("id", w.company.to_string()), ("body", "another".into())],
        ),
        (
            w.anna.as_str(),
            "/api/company/note/edit",
            vec![
                ("id", w.company.to_string()),
                ("note_id", w.note.to_string()),
                ("version", "1".into()),
                ("body", "changed".into()),
            ],
        ),
        (
            w.anna.as_str(),
            "/api/lists/create",
            vec![("name", "Another".into())],
        ),
        (
            w.anna.as_str(),
            "/api/lists/rename",
            vec![
                ("id", w.list.to_string()),
                ("version", "1".into()),
                ("name", "Renamed".into()),
            ],
        ),
        (
            w.anna.as_str(),
            "/api/searches/save",
            vec![("name", "Energy".into()), ("query", "sector=Energy".into())],
        ),
        (
            w.admin.as_str(),
            "/api/admin/users/add",
            vec![
                ("email", "new@acme.example".into()),
                ("display_name", "New Person".into()),
                ("role", "employee".into()),
                ("password", "another long password".into()),
            ],
        ),
        (
            w.admin.as_str(),
            "/api/admin/usage/settings",
            vec![
                ("budget", "50".into()),
                ("employees_may_enrich", "on".into()),
            ],
        ),
        (
            w.emil.as_str(),
            "/api/cases/bulk",
            vec![
                ("queue", "mine".into()),
                ("query", "status=open".into()),
                ("change", "status:pending".into()),
                ("target", "matching".into()),
                ("as_of", "2026-01-01T00:00:00Z".into()),
            ],
        ),
    ]
}

#[sqlx::test]
async fn a_control_character_in_any_field_is_a_422_naming_it_and_writes_nothing(pool: PgPool) {
    let world = setup(&pool, &[]).await;
    let before = fingerprint(&pool).await;
    let mut tried = 0;
    for (cookie, path, form) in writes(&world) {
        for (index, (field, value)) in form.iter().enumerate() {
            let control = CONTROLS[tried % CONTROLS.len()];
            tried += 1;
            let mut bad = form.clone();
            bad[index].1 = format!("{value}{control}x");
            let reply = common::call_fn(&world.state, cookie, path, &bad).await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {field} U+{:04X}: {}",
                u32::from(control),
                reply.body
            );
            let error: app::model::AppError = serde_json::from_str(&reply.body).unwrap();
            assert!(
                matches!(&error, app::model::AppError::Invalid { field: f, .. } if f == field),
                "{path} {field}: {error:?}"
            );
        }
    }
    assert!(tried > 40, "only {tried} fields tried");
    assert_eq!(
        fingerprint(&pool).await,
        before,
        "a refused request wrote something"
    );
    // The refusal never echoes what was sent.
    let reply = common::call_fn(
        &world.state,
        &world.emil,
        "/api/case/comment",
        &[
            ("number", world.case.to_string()),
            ("body", "secret-text\0".to_string()),
        ],
    )
    .await;
    assert!(!reply.body.contains("secret-text"), "{}", reply.body);
    // Form posts of the sign-in page too.
    let reply = common::post_form(
        world.state.clone(),
        "/auth/login",
        &[("email", "ada@acme.example\0"), ("password", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    // And a JSON body, named by its path.
    let reply = common::send_body(
        world.state.clone(),
        Request::post("/api/case/comment")
            .header("host", "127.0.0.1:3000")
            .header("origin", "http://127.0.0.1:3000")
            .header("content-type", "application/json")
            .header("cookie", &world.emil),
        Body::from(r#"{"number": 1, "body": {"parts": ["ok", "x\u0000"]}}"#),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains(r#""field":"body.parts[1]""#),
        "{}",
        reply.body
    );
    assert_eq!(fingerprint(&pool).await, before);
}

/// Every registered server function refuses a NUL in its arguments, whatever they are:
/// the guard sits in front of all of them, including ones added later.
#[sqlx::test]
async fn every_server_function_refuses_a_nul_before_it_runs(pool: PgPool) {
    let world = setup(&pool, &[]).await;
    let before = fingerprint(&pool).await;
    let paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    assert!(paths.len() > 30, "{paths:?}");
    for path in &paths {
        let reply = common::call_fn(
            &world.state,
            &world.admin,
            path,
            &[("query", "a\0b".into()), ("id", "1".into())],
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            reply.body
        );
        assert!(
            reply.body.contains(r#""field":"query""#),
            "{path}: {}",
            reply.body
        );
        // The query string of a server function call is checked too.
        let reply = common::send_body(
            world.state.clone(),
            Request::post(format!("{path}?q=%00"))
                .header("host", "127.0.0.1:3000")
                .header("origin", "http://127.0.0.1:3000")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", &world.admin),
            Body::from("id=1"),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}?q: {}",
            reply.body
        );
    }
    assert_eq!(fingerprint(&pool).await, before);
}

/// Pages read their filters from the address: a control character there is a 422 page
/// (HTML, naming the parameter) on every page, never a 500.
#[sqlx::test]
async fn every_page_refuses_a_control_character_in_its_address(pool: PgPool) {
    let world = setup(&pool, &[]).await;
    let pages = [
        ("/", &world.admin),
        ("/work", &world.emil),
        ("/cases", &world.admin),
        (&*format!("/cases/{}", world.case), &world.emil),
        ("/companies", &world.anna),
        (&*format!("/companies/{}", world.company), &world.anna),
        ("/lists", &world.anna),
        (&*format!("/lists/{}", world.list), &world.anna),
        ("/admin", &world.admin),
        ("/admin/users", &world.admin),
        ("/admin/usage", &world.admin),
        ("/companies.csv", &world.anna),
        ("/work.csv", &world.emil),
        ("/cases.csv", &world.admin),
        ("/api/events", &world.emil),
        ("/login", &world.emil),
    ];
    for (page, cookie) in pages {
        for query in [
            "q=%00",
            "after=1.%00",
            "sector=a%1Bb",
            "draft=%7F",
            "x%00=1",
        ] {
            let path = format!("{page}?{query}");
            let reply = common::send(
                world.state.clone(),
                Request::get(&path)
                    .header("accept", "text/html,application/xhtml+xml")
                    .header("cookie", cookie.as_str()),
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                reply.body
            );
            assert!(
                reply.body.contains(r#"data-testid="request-refused""#)
                    && reply.body.contains("control character"),
                "{path}: {}",
                reply.body
            );
        }
    }
    // A control character in the path itself.
    let reply = common::get_with_cookie(world.state.clone(), "/cases/1%00", &world.emil).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains(r#""field":"path""#), "{}", reply.body);
    // The same address asked for by a script gets the JSON error.
    let reply = common::get_with_cookie(world.state.clone(), "/work?q=%00", &world.emil).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains(r#""kind":"invalid""#) && reply.body.contains(r#""field":"q""#));
    // Ordinary text in any script, with tabs and line breaks, still works.
    let reply = common::get_with_cookie(
        world.state.clone(),
        "/work?q=caf%C3%A9%09%E2%80%94%0D%0A",
        &world.emil,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[sqlx::test]
async fn a_body_over_the_limit_is_a_413_before_it_is_read(pool: PgPool) {
    let world = setup(&pool, &["--max-large-form-body-kb", "64"]).await;
    let before = fingerprint(&pool).await;
    let big = "y".repeat(70 * 1024);
    let form = [("number", world.case.to_string()), ("body", big.clone())];
    // With a Content-Length: refused from the header.
    let reply = common::call_fn(&world.state, &world.emil, "/api/case/comment", &form).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    let error: app::model::AppError = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        error,
        app::model::AppError::TooLarge {
            limit_bytes: 64 * 1024
        }
    );
    assert!(reply.body.contains(r#""status":413"#), "{}", reply.body);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    // Streamed without a length: refused once it passes the limit.
    let body = serde_urlencoded::to_string(form).unwrap();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
        .into_bytes()
        .chunks(8 * 1024)
        .map(|chunk| Ok(chunk.to_vec()))
        .collect();
    let reply = common::send_body(
        world.state.clone(),
        Request::post("/api/case/comment")
            .header("host", "127.0.0.1:3000")
            .header("origin", "http://127.0.0.1:3000")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("transfer-encoding", "chunked")
            .header("cookie", &world.emil),
        Body::from_stream(futures::stream::iter(chunks)),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    // A browser posting the form without JavaScript gets a page saying so.
    let reply = common::post_html_form(
        world.state.clone(),
        "/api/case/comment",
        &[("number", &world.case.to_string()), ("body", &big)],
        &world.emil,
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.contains("Too large"), "{}", reply.body);
    // Sign-in is behind the same limit.
    let reply = common::post_form(
        world.state.clone(),
        "/auth/login",
        &[("email", "ada@acme.example"), ("password", &big)],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(fingerprint(&pool).await, before);
    // Under the limit the same post works.
    let reply = common::call_fn(
        &world.state,
        &world.emil,
        "/api/case/comment",
        &[
            ("number", world.case.to_string()),
            ("body", "y".repeat(5_000)),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// A bad value of any size gets a 422 with a short message: it used to come back whole
/// (serde's "unknown variant `…`"), and past 64 KiB the error body was dropped for an
/// empty 500.
#[sqlx::test]
async fn a_huge_bad_value_gets_a_short_422(pool: PgPool) {
    // A limit above the value's size: what is tested is the 422, not the 413.
    let world = setup(&pool, &["--max-request-body-kb", "1024"]).await;
    let huge = "r".repeat(100 * 1024);
    let user: String = sqlx::query_scalar::<_, uuid::Uuid>(
        "SELECT id FROM users WHERE email = 'emil@acme.example'",
    )
    .fetch_one(&pool)
    .await
    .unwrap()
    .to_string();
    for (path, form) in [
        (
            "/api/admin/users/role",
            vec![("user_id", user.clone()), ("role", huge.clone())],
        ),
        (
            "/api/admin/users/add",
            vec![
                ("email", "x@acme.example".into()),
                ("display_name", "X".into()),
                ("role", huge.clone()),
                ("password", PASSWORD.into()),
            ],
        ),
        (
            "/api/admin/users/active",
            vec![("user_id", huge.clone()), ("active", "true".into())],
        ),
        (
            "/api/companies/create",
            vec![
                ("name", "Big".into()),
                ("website", "big.example".into()),
                ("sector", String::new()),
                ("stage", huge.clone()),
                ("location", String::new()),
            ],
        ),
    ] {
        let reply = common::call_fn(&world.state, &world.admin, path, &form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            reply.body
        );
        assert!(
            reply.body.len() < 1_000,
            "{path}: {} bytes",
            reply.body.len()
        );
        let error: app::model::AppError = serde_json::from_str(&reply.body).unwrap();
        assert!(
            matches!(error, app::model::AppError::Invalid { .. }),
            "{path}: {error:?}"
        );
    }
}

/// The admin section's landing page follows the capability of every page under it.
#[sqlx::test]
async fn the_admin_section_is_for_admins_only(pool: PgPool) {
    let world = setup(&pool, &[]).await;
    for (who, cookie) in [("employee", &world.emil), ("analyst", &world.anna)] {
        for path in ["/admin", "/admin/users", "/admin/usage"] {
            let reply = common::get_with_cookie(world.state.clone(), path, cookie).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{who} {path}");
            assert!(!reply.body.contains(r#"href="/admin/users""#) || path != "/admin");
            assert!(reply.body.contains("Not allowed"), "{who} {path}");
        }
    }
    let reply = common::get_with_cookie(world.state.clone(), "/admin", &world.admin).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains(r#"href="/admin/users""#));
    assert!(reply.body.contains(r#"href="/admin/usage""#));
}
