#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Admin → Users through the real server functions: who may call them, the last-admin
//! rule (also under concurrency), the audit trail, revocation and bad input.

mod common;

use app::model::{AppError, Role, Viewer};
use app::server::users;
use axum::http::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

async fn setup(pool: &PgPool) -> (app::server::AppState, Uuid) {
    let tenant = common::tenant_with_users(
        pool,
        "acme",
        &[
            ("ada@acme.example", Role::Admin),
            ("emil@acme.example", Role::Employee),
            ("ana@acme.example", Role::Analyst),
        ],
        PASSWORD,
    )
    .await;
    (
        common::state(common::config(&common::database_url(pool), &[])),
        tenant,
    )
}

async fn cookie_for(state: &app::server::AppState, email: &str) -> String {
    common::session_cookie(state, email, PASSWORD).await
}

async fn user_id(pool: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn viewer(pool: &PgPool, email: &str) -> Viewer {
    common::viewer(pool, email).await
}

async fn snapshot(pool: &PgPool) -> (Vec<(String, String, bool, i32)>, i64) {
    let users =
        sqlx::query_as("SELECT email, role::text, active, session_epoch FROM users ORDER BY email")
            .fetch_all(pool)
            .await
            .unwrap();
    let audit = sqlx::query_scalar("SELECT count(*) FROM user_audit")
        .fetch_one(pool)
        .await
        .unwrap();
    (users, audit)
}

#[sqlx::test]
async fn only_admins_may_call_the_user_functions(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let emil = user_id(&pool, "emil@acme.example").await.to_string();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/admin/users", vec![("q", "")]),
        (
            "/api/admin/users/add",
            vec![
                ("email", "new@acme.example"),
                ("display_name", "New"),
                ("role", "employee"),
                ("password", ""),
            ],
        ),
        (
            "/api/admin/users/role",
            vec![("user_id", &emil), ("role", "employee")],
        ),
        (
            "/api/admin/users/active",
            vec![("user_id", &emil), ("active", "true")],
        ),
    ];
    let admin = cookie_for(&state, "ada@acme.example").await;
    let employee = cookie_for(&state, "emil@acme.example").await;
    let analyst = cookie_for(&state, "ana@acme.example").await;
    for (path, form) in &calls {
        for (who, cookie, expected) in [
            ("anonymous", None, StatusCode::UNAUTHORIZED),
            ("employee", Some(employee.as_str()), StatusCode::FORBIDDEN),
            ("analyst", Some(analyst.as_str()), StatusCode::FORBIDDEN),
            ("admin", Some(admin.as_str()), StatusCode::OK),
        ] {
            let reply = common::post_form(state.clone(), path, form, cookie).await;
            assert_eq!(reply.status, expected, "{who} → {path}: {}", reply.body);
        }
    }
    // The refused calls wrote nothing: only the admin's add is there.
    let audit: Vec<String> = sqlx::query_scalar("SELECT action FROM user_audit")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(audit, ["create"]);
}

#[sqlx::test]
async fn the_page_itself_says_not_allowed_to_non_admins(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let employee = cookie_for(&state, "emil@acme.example").await;
    let reply = common::get_with_cookie(state.clone(), "/admin/users", &employee).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("Not allowed"));
    assert!(
        !reply.body.contains("ana@acme.example"),
        "leaked the user list"
    );

    let admin = cookie_for(&state, "ada@acme.example").await;
    let reply = common::get_with_cookie(state.clone(), "/admin/users?q=an", &admin).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("ana@acme.example"));
    assert!(
        !reply.body.contains("emil@acme.example"),
        "search did not filter"
    );
}

#[sqlx::test]
async fn changes_are_audited_and_end_the_users_sessions(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let admin = viewer(&pool, "ada@acme.example").await;
    let emil = user_id(&pool, "emil@acme.example").await;
    let emil_cookie = cookie_for(&state, "emil@acme.example").await;

    users::change_role(&state.pool, &admin, emil, Role::Analyst)
        .await
        .unwrap();
    // Their next request is signed out; signing in again shows the new role.
    let reply = common::get_with_cookie(state.clone(), "/", &emil_cookie).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let fresh = cookie_for(&state, "emil@acme.example").await;
    let page = common::get_with_cookie(state.clone(), "/", &fresh).await;
    assert!(page.body.contains("Analyst"), "new role not shown");

    users::set_active(&state.pool, &admin, emil, false)
        .await
        .unwrap();
    users::set_active(&state.pool, &admin, emil, true)
        .await
        .unwrap();
    // No-ops write nothing.
    users::set_active(&state.pool, &admin, emil, true)
        .await
        .unwrap();
    users::change_role(&state.pool, &admin, emil, Role::Analyst)
        .await
        .unwrap();

    let page = users::page(&state.pool, &admin, "").await.unwrap();
    let lines: Vec<String> = page.audit.iter().map(|entry| entry.describe()).collect();
    assert_eq!(
        lines,
        [
            "ada@acme.example reactivated emil",
            "ada@acme.example deactivated emil",
            "ada@acme.example changed emil's role from employee to analyst",
        ]
        .map(|line| line.replace("ada@acme.example", "ada"))
    );
}

#[sqlx::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let admin = viewer(&pool, "ada@acme.example").await;
    let before = snapshot(&pool).await;
    for result in [
        users::change_role(&state.pool, &admin, admin.user_id, Role::Employee).await,
        users::set_active(&state.pool, &admin, admin.user_id, false).await,
    ] {
        assert!(
            matches!(&result, Err(AppError::Invalid { message, .. }) if message.contains("last active admin")),
            "{result:?}"
        );
    }
    assert_eq!(
        snapshot(&pool).await,
        before,
        "a refused change wrote something"
    );

    // Over HTTP it is a 422 with the reason.
    let cookie = cookie_for(&state, "ada@acme.example").await;
    let id = admin.user_id.to_string();
    let reply = common::post_form(
        state.clone(),
        "/api/admin/users/role",
        &[("user_id", &id), ("role", "employee")],
        Some(&cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("last active admin"), "{}", reply.body);

    // With a second admin, demoting one is fine.
    let emil = user_id(&pool, "emil@acme.example").await;
    users::change_role(&state.pool, &admin, emil, Role::Admin)
        .await
        .unwrap();
    users::change_role(&state.pool, &admin, admin.user_id, Role::Employee)
        .await
        .unwrap();
}

#[sqlx::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let ada = viewer(&pool, "ada@acme.example").await;
    let emil = user_id(&pool, "emil@acme.example").await;
    for round in 0..5 {
        users::change_role(&state.pool, &ada, emil, Role::Admin)
            .await
            .unwrap();
        users::change_role(&state.pool, &ada, ada.user_id, Role::Admin)
            .await
            .unwrap();
        let emil_viewer = viewer(&pool, "emil@acme.example").await;
        let (a, b) = tokio::join!(
            users::change_role(&state.pool, &ada, emil, Role::Employee),
            users::change_role(&state.pool, &emil_viewer, ada.user_id, Role::Employee),
        );
        assert!(
            a.is_ok() != b.is_ok(),
            "round {round}: both or neither won: {a:?} {b:?}"
        );
        let failed = if a.is_err() { a } else { b };
        assert!(
            matches!(failed, Err(AppError::Invalid { .. })),
            "round {round}: {failed:?}"
        );
        let admins: i64 =
            sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(admins, 1, "round {round}");
        // Whoever is still admin acts next round.
        let still: String = sqlx::query_scalar("SELECT email FROM users WHERE role = 'admin'")
            .fetch_one(&pool)
            .await
            .unwrap();
        if still == "emil@acme.example" {
            users::change_role(&state.pool, &emil_viewer, ada.user_id, Role::Admin)
                .await
                .unwrap();
        }
    }
}

#[sqlx::test]
async fn another_tenants_users_cannot_be_touched(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    common::tenant_with_users(
        &pool,
        "globex",
        &[("hank@globex.example", Role::Admin)],
        PASSWORD,
    )
    .await;
    let ada = viewer(&pool, "ada@acme.example").await;
    let hank = user_id(&pool, "hank@globex.example").await;
    let before = snapshot(&pool).await;
    assert_eq!(
        users::change_role(&state.pool, &ada, hank, Role::Employee).await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        users::set_active(&state.pool, &ada, hank, false).await,
        Err(AppError::NotFound)
    );
    let page = users::page(&state.pool, &ada, "").await.unwrap();
    assert!(page.users.iter().all(|user| !user.email.contains("globex")));
    assert_eq!(snapshot(&pool).await, before);
}

#[sqlx::test]
async fn bad_input_to_add_user_is_refused_and_writes_nothing(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let cookie = cookie_for(&state, "ada@acme.example").await;
    let before = snapshot(&pool).await;
    let long_name = "n".repeat(201);
    let long_password = "p".repeat(1025);
    let cases: Vec<(&str, &str, &str, &str, &str)> = vec![
        ("", "Name", "employee", "", "email"),
        ("not-an-email", "Name", "employee", "", "email"),
        ("x@acme.example", "", "employee", "", "display_name"),
        ("x@acme.example", "   ", "employee", "", "display_name"),
        ("x@acme.example", &long_name, "employee", "", "display_name"),
        (
            "x@acme.example",
            "Tab\tName",
            "employee",
            "",
            "display_name",
        ),
        ("x@acme.example", "Name", "employee", "short", "password"),
        (
            "x@acme.example",
            "Name",
            "employee",
            &long_password,
            "password",
        ),
        (
            "emil@acme.example",
            "Name",
            "employee",
            "",
            "already in use",
        ),
        (
            "x@acme.example",
            "Name",
            "superuser",
            "",
            "unknown variant `superuser`",
        ),
        (
            "'; DROP TABLE users; --@x.example",
            "Name",
            "employee",
            "",
            "email",
        ),
    ];
    for (email, name, role, password, mentions) in cases {
        let form = [
            ("email", email),
            ("display_name", name),
            ("role", role),
            ("password", password),
        ];
        let reply =
            common::post_form(state.clone(), "/api/admin/users/add", &form, Some(&cookie)).await;
        assert!(
            reply.status.is_client_error(),
            "{email:?}/{name:?}/{role:?} → {} {}",
            reply.status,
            reply.body
        );
        assert!(reply.body.contains(mentions), "{email:?}: {}", reply.body);
    }
    // Strings that look like markup or SQL are just names: stored as typed, shown escaped.
    let form = [
        ("email", "x@acme.example"),
        ("display_name", "<b>Bobby</b> '); --"),
        ("role", "analyst"),
        ("password", ""),
    ];
    let reply =
        common::post_form(state.clone(), "/api/admin/users/add", &form, Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page = common::get_with_cookie(state.clone(), "/admin/users", &cookie).await;
    assert!(
        page.body.contains("&lt;b&gt;Bobby&lt;/b&gt;"),
        "not escaped"
    );
    let (users_after, audit_after) = snapshot(&pool).await;
    assert_eq!(users_after.len(), before.0.len() + 1);
    assert_eq!(audit_after, before.1 + 1);
}

#[sqlx::test]
async fn cross_site_calls_to_server_functions_are_refused(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let cookie = cookie_for(&state, "ada@acme.example").await;
    let before = snapshot(&pool).await;
    // A page on another site posting with the admin's cookie (SameSite=Lax would not
    // even send it for a cross-site POST; the Origin check refuses it regardless).
    let body = "email=evil%40acme.example&display_name=Evil&role=admin&password=";
    let request = axum::http::Request::post("/api/admin/users/add")
        .header("host", "127.0.0.1:3000")
        .header("origin", "https://evil.example")
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded");
    let reply = common::send_body(state.clone(), request, body.into()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&pool).await, before);
}

#[sqlx::test]
async fn bad_input_to_role_and_status_changes_is_refused_and_writes_nothing(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let cookie = cookie_for(&state, "ada@acme.example").await;
    let emil = user_id(&pool, "emil@acme.example").await.to_string();
    let missing = Uuid::new_v4().to_string();
    let long_search = "x".repeat(201);
    let before = snapshot(&pool).await;
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, StatusCode);
    let cases: Vec<Case> = vec![
        (
            "/api/admin/users/role",
            vec![("user_id", "not-a-uuid"), ("role", "admin")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/admin/users/role",
            vec![("user_id", &emil), ("role", "owner")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/admin/users/role",
            vec![("user_id", &emil)],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/admin/users/role",
            vec![("user_id", &missing), ("role", "admin")],
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/admin/users/active",
            vec![("user_id", &emil), ("active", "maybe")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/admin/users/active",
            vec![("user_id", "' OR 1=1 --"), ("active", "false")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/admin/users",
            vec![("q", &long_search)],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (path, form, expected) in cases {
        let reply = common::post_form(state.clone(), path, &form, Some(&cookie)).await;
        assert_eq!(reply.status, expected, "{path} {form:?}: {}", reply.body);
        assert!(!reply.body.contains("panicked"));
    }
    assert_eq!(snapshot(&pool).await, before);
    // Search text is literal: % and _ are not wildcards.
    let admin = viewer(&pool, "ada@acme.example").await;
    assert!(
        users::page(&state.pool, &admin, "%")
            .await
            .unwrap()
            .users
            .is_empty()
    );
    assert!(
        users::page(&state.pool, &admin, "_")
            .await
            .unwrap()
            .users
            .is_empty()
    );
}

/// Without JavaScript a refused new user comes back to the page with the message beside
/// the field it is about, in words, and the field marked and described by it.
#[sqlx::test]
async fn a_plain_form_refusal_is_shown_beside_its_field(pool: PgPool) {
    let (state, _) = setup(&pool).await;
    let cookie = cookie_for(&state, "ada@acme.example").await;
    let form = [
        ("email", "emil@acme.example"),
        ("display_name", "Another Emil"),
        ("role", "employee"),
        ("password", ""),
    ];
    let body = serde_urlencoded::to_string(form).unwrap();
    let request = axum::http::Request::post("/api/admin/users/add")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("referer", "http://127.0.0.1:3000/admin/users")
        .header("accept", "text/html,application/xhtml+xml")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &cookie);
    let reply = common::send_body(state.clone(), request, axum::body::Body::from(body)).await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    let location = reply.location().to_string();
    let path = location.trim_start_matches("http://127.0.0.1:3000");
    assert!(path.starts_with("/admin/users?"), "{location}");
    let page = common::get_with_cookie(state.clone(), path, &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"data-field-error="email""#)
            && page.body.contains("Email is already in use.")
            && page
                .body
                .contains(r#"aria-describedby="new-user-email-error""#),
        "{}",
        page.body
    );
    // Not also in the form's alert.
    assert!(
        !page.body.contains(r#"data-testid="add-error""#),
        "{}",
        page.body
    );
}
