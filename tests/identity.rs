#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Signing in and out, sessions, revocation, CSRF, sign-in limits and tenant isolation,
//! through the real router against a real database.

mod common;

use app::model::Role;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;

const PASSWORD: &str = "correct horse battery";

async fn app_with_users(pool: &PgPool, extra: &[&str]) -> app::server::AppState {
    common::acme_with_ada_and_emil(pool, PASSWORD).await;
    common::state(common::config(&common::database_url(pool), extra))
}

async fn sign_in(
    state: &app::server::AppState,
    email: &str,
    password: &str,
    cookie: Option<&str>,
) -> common::Reply {
    common::sign_in(state, email, password, cookie).await
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn password_sign_in_then_pages_know_who_you_are(pool: PgPool) {
    let state = app_with_users(&pool, &[]).await;
    let reply = sign_in(&state, " ADA@acme.example ", PASSWORD, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/");
    let cookie = reply.session_cookie().expect("no session cookie");
    let set_cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(
        !set_cookie.contains("Secure"),
        "plain http must not mark the cookie Secure"
    );

    let page = common::get_with_cookie(state.clone(), "/", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("ada"),
        "the user menu does not show the viewer"
    );
    assert!(
        page.body.contains(r#"href="/admin""#),
        "admins see the Admin link"
    );

    let last: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT last_sign_in_at FROM users WHERE email = 'ada@acme.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(last.is_some());

    // Employees do not get the Admin link.
    let emil = sign_in(&state, "emil@acme.example", PASSWORD, None)
        .await
        .session_cookie()
        .unwrap();
    let page = common::get_with_cookie(state.clone(), "/", &emil).await;
    assert!(!page.body.contains(r#"href="/admin""#));

    // Sign out: the session row is gone and the cookie no longer works.
    let out = common::post_form(state.clone(), "/auth/logout", &[], Some(&cookie)).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login?notice=signed_out");
    let after = common::get_with_cookie(state.clone(), "/", &cookie).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/login"));
}

#[sqlx::test]
async fn wrong_password_and_unknown_email_look_the_same(pool: PgPool) {
    let state = app_with_users(&pool, &[]).await;
    let wrong = sign_in(&state, "ada@acme.example", "not the password", None).await;
    let unknown = sign_in(&state, "nobody@acme.example", "not the password", None).await;
    assert_eq!(wrong.status, StatusCode::SEE_OTHER);
    assert_eq!(
        wrong.location(),
        "/login?error=invalid&email=ada%40acme.example"
    );
    assert_eq!(
        unknown.location(),
        "/login?error=invalid&email=nobody%40acme.example"
    );
    assert!(wrong.session_cookie().is_none() && unknown.session_cookie().is_none());
    assert_eq!(
        count(&pool, "SELECT count(*) FROM tower_sessions.session").await,
        0
    );
}

#[sqlx::test]
async fn the_session_id_is_cycled_at_sign_in(pool: PgPool) {
    let state = app_with_users(&pool, &[]).await;
    let first = sign_in(&state, "ada@acme.example", PASSWORD, None)
        .await
        .session_cookie()
        .unwrap();
    // Signing in while presenting an existing session id (as a fixation attacker would
    // have planted) yields a new id, and the old one is dead.
    let second = sign_in(&state, "ada@acme.example", PASSWORD, Some(&first))
        .await
        .session_cookie()
        .unwrap();
    assert_ne!(first, second);
    let old = common::get_with_cookie(state.clone(), "/", &first).await;
    assert_eq!(old.status, StatusCode::SEE_OTHER);
    let new = common::get_with_cookie(state.clone(), "/", &second).await;
    assert_eq!(new.status, StatusCode::OK);
}

#[sqlx::test]
async fn deactivation_and_revocation_end_existing_sessions(pool: PgPool) {
    let state = app_with_users(&pool, &[]).await;
    let emil = sign_in(&state, "emil@acme.example", PASSWORD, None)
        .await
        .session_cookie()
        .unwrap();
    assert_eq!(
        common::get_with_cookie(state.clone(), "/", &emil)
            .await
            .status,
        StatusCode::OK
    );

    sqlx::query("UPDATE users SET active = false WHERE email = 'emil@acme.example'")
        .execute(&pool)
        .await
        .unwrap();
    let refused = common::get_with_cookie(state.clone(), "/work", &emil).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.location(), "/login?next=%2Fwork");
    // A deactivated user cannot sign back in either, and is told why.
    let again = sign_in(&state, "emil@acme.example", PASSWORD, None).await;
    assert!(
        again.location().starts_with("/login?error=deactivated"),
        "{}",
        again.location()
    );

    // Bumping the epoch (what a role change does) ends sessions too.
    let ada = sign_in(&state, "ada@acme.example", PASSWORD, None)
        .await
        .session_cookie()
        .unwrap();
    sqlx::query(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE email = 'ada@acme.example'",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        common::get_with_cookie(state.clone(), "/", &ada)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[sqlx::test]
async fn anonymous_pages_redirect_to_sign_in_and_back(pool: PgPool) {
    let state = app_with_users(&pool, &[]).await;
    let reply = common::get(state.clone(), "/work?status=open&sort=updated").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reply.location(),
        "/login?next=%2Fwork%3Fstatus%3Dopen%26sort%3Dupdated"
    );

    let back = common::post_form(
        state.clone(),
        "/auth/login",
        &[
            ("email", "ada@acme.example"),
            ("password", PASSWORD),
            ("next", "/work?status=open"),
        ],
        None,
    )
    .await;
    assert_eq!(back.location(), "/work?status=open");
    // Never off-site.
    let off = common::post_form(
        state.clone(),
        "/auth/login",
        &[
            ("email", "ada@acme.example"),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ],
        None,
    )
    .await;
    assert_eq!(off.location(), "/");
    // Signed in, /login sends you home.
    let cookie = off.session_cookie().unwrap();
    assert_eq!(
        common::get_with_cookie(state.clone(), "/login", &cookie)
            .await
            .location(),
        "/"
    );
}

#[sqlx::test]
async fn cross_site_writes_are_refused_before_they_run(pool: PgPool) {
    let state = app_with_users(&pool, &[]).await;
    let body = "email=ada%40acme.example&password=correct+horse+battery";
    for origin in [None, Some("https://evil.example"), Some("null")] {
        let mut request = Request::post("/auth/login")
            .header("host", "127.0.0.1:3000")
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let reply = common::send_body(state.clone(), request, body.into()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "origin {origin:?}");
        assert!(reply.session_cookie().is_none());
    }
    let too_large = sign_in(&state, "ada@acme.example", &"p".repeat(100_000), None).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(too_large.session_cookie().is_none());
    assert_eq!(
        count(&pool, "SELECT count(*) FROM tower_sessions.session").await,
        0
    );
}

#[sqlx::test]
async fn sign_in_attempts_are_limited_per_email_with_retry_after(pool: PgPool) {
    let state = app_with_users(&pool, &["--login-attempts-per-email-per-minute=2"]).await;
    for _ in 0..2 {
        let reply = sign_in(&state, "ada@acme.example", "wrong password!", None).await;
        assert!(reply.location().starts_with("/login?error=invalid"));
    }
    // Even the right password is refused while limited.
    let limited = sign_in(&state, "Ada@Acme.example", PASSWORD, None).await;
    assert_eq!(limited.status, StatusCode::SEE_OTHER);
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=61).contains(&retry), "{retry}");
    assert!(
        limited.location().contains("error=rate_limited"),
        "{}",
        limited.location()
    );
    assert!(limited.location().contains(&format!("retry_after={retry}")));
    assert!(limited.session_cookie().is_none());
    // Another account is not affected by this one's limit.
    let other = sign_in(&state, "emil@acme.example", PASSWORD, None).await;
    assert_eq!(other.location(), "/");
}

#[sqlx::test]
async fn sign_in_attempts_are_limited_per_ip(pool: PgPool) {
    let state = app_with_users(&pool, &["--login-attempts-per-ip-per-minute=3"]).await;
    for n in 0..3 {
        let reply = sign_in(
            &state,
            &format!("guess{n}@acme.example"),
            "wrong password!",
            None,
        )
        .await;
        assert!(reply.location().starts_with("/login?error=invalid"));
    }
    // Even the right password is refused now, and the answer says for how long.
    let limited = sign_in(&state, "ada@acme.example", PASSWORD, None).await;
    assert!(
        limited.location().starts_with("/login?error=rate_limited"),
        "{}",
        limited.location()
    );
    assert!(limited.session_cookie().is_none());
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
}

#[sqlx::test]
async fn bad_sign_in_input_is_refused_and_writes_nothing(pool: PgPool) {
    let state = app_with_users(&pool, &[]).await;
    let long_email = format!("{}@acme.example", "a".repeat(5000));
    // Far past the longest password, yet under the forms' 64 KiB body limit (past it
    // the body is refused whole with 413, below).
    let long_password = "p".repeat(50_000);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("", "", "error=missing"),
        ("ada@acme.example", "", "error=missing"),
        ("", PASSWORD, "error=missing"),
        (&long_email, PASSWORD, "error=invalid"),
        ("ada@acme.example", &long_password, "error=invalid"),
        ("' OR 1=1 --", "' OR '1'='1", "error=invalid"),
        (
            "<script>alert(1)</script>@x.example",
            PASSWORD,
            "error=invalid",
        ),
        ("\u{202e}ada@acme.example", PASSWORD, "error=invalid"),
    ];
    for (email, password, expected) in cases {
        let reply = sign_in(&state, email, password, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{email:?}");
        assert!(
            reply.location().contains(expected),
            "{email:?} → {}",
            reply.location()
        );
        assert!(reply.session_cookie().is_none());
    }
    // A control character is refused at the edge, before the form is read: 422.
    let reply = sign_in(&state, "ada@acme.example\u{0}", PASSWORD, None).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains(r#""field":"email""#), "{}", reply.body);
    assert!(reply.session_cookie().is_none());
    // Not form-encoded at all.
    let request = Request::post("/auth/login")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("content-type", "application/json");
    let reply = common::send_body(state.clone(), request, r#"{"email":"x"}"#.into()).await;
    assert!(reply.status.is_client_error(), "{}", reply.status);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM tower_sessions.session").await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM users WHERE last_sign_in_at IS NOT NULL"
        )
        .await,
        0
    );
}

#[sqlx::test]
async fn row_level_security_keeps_tenants_apart(pool: PgPool) {
    let acme = common::tenant_with_users(
        &pool,
        "acme",
        &[("ada@acme.example", Role::Admin)],
        PASSWORD,
    )
    .await;
    let globex = common::tenant_with_users(
        &pool,
        "globex",
        &[("hank@globex.example", Role::Admin)],
        PASSWORD,
    )
    .await;
    let config = common::config(&common::database_url(&pool), &[]);
    let app_pool = app::server::db::request_pool(&config).unwrap();

    // The app runs as a role that owns nothing and cannot bypass RLS.
    let (role, bypass, superuser): (String, bool, bool) = sqlx::query_as(
        "SELECT current_user::text, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&app_pool)
    .await
    .unwrap();
    assert_eq!(
        (role.as_str(), bypass, superuser),
        ("casework_app", false, false)
    );

    // No tenant set: nothing visible at all.
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app_pool)
        .await
        .unwrap();
    assert_eq!(visible, 0);
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(&app_pool)
        .await
        .unwrap();
    assert_eq!(tenants, 0);

    let mut tx = app::server::db::tenant_tx(&app_pool, acme).await.unwrap();
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(emails, ["ada@acme.example"]);
    // Globex's rows can be neither changed...
    let changed =
        sqlx::query("UPDATE users SET display_name = 'pwned' WHERE email = 'hank@globex.example'")
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
    assert_eq!(changed, 0);
    // ...nor added to.
    let insert = sqlx::query("INSERT INTO users (tenant_id, email, display_name, role) VALUES ($1, 'mole@globex.example', 'Mole', 'admin')")
        .bind(globex)
        .execute(&mut *tx)
        .await;
    // Refused by the row-level security policy, not by anything else.
    let error = insert.expect_err("inserted into another tenant");
    let database = error.as_database_error().expect("a database error");
    assert_eq!(database.code().as_deref(), Some("42501"), "{error}");
    assert!(database.message().contains("row-level security"), "{error}");
    drop(tx);

    // The tenant does not leak into the connection's next transaction.
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app_pool)
        .await
        .unwrap();
    assert_eq!(after, 0);
    let hank: String =
        sqlx::query_scalar("SELECT display_name FROM users WHERE email = 'hank@globex.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(hank, "hank");
}

#[sqlx::test]
async fn sessions_expire_after_the_idle_window(pool: PgPool) {
    let state = app_with_users(&pool, &["--session-idle-minutes=30"]).await;
    let reply = sign_in(&state, "ada@acme.example", PASSWORD, None).await;
    let set_cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("casework_session="))
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("Max-Age=1800"), "{set_cookie}");
    let seconds_left: f64 = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM expiry_date - now())::float8 FROM tower_sessions.session",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        (29.0 * 60.0..=30.0 * 60.0 + 5.0).contains(&seconds_left),
        "{seconds_left}"
    );
    // An expired row is refused even before the sweeper deletes it.
    sqlx::query("UPDATE tower_sessions.session SET expiry_date = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let cookie = reply.session_cookie().unwrap();
    assert_eq!(
        common::get_with_cookie(state.clone(), "/", &cookie)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}
