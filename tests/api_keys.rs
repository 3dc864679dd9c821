#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! API keys (issue 23, server/api_keys.rs): an admin makes one with a name, scopes and
//! an optional expiry; the secret is shown once and only its hash is kept; the key acts
//! as a service identity of its workspace that no person can sign in as or manage as a
//! user; revoking or expiry refuses it at once; other roles and other workspaces
//! cannot see or touch it; bad input changes nothing.

mod common;

use app::model::{ApiScope, AppError, Role};
use app::server::api_keys;
use axum::http::StatusCode;
use common::world::World;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

async fn world(pool: &PgPool) -> World {
    World::build(pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
            ],
        )
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .done()
        .await
}

fn form(name: &str, scopes: &[&str], expires_on: &str) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("name", name.to_string()),
        ("expires_on", expires_on.to_string()),
    ];
    form.extend(scopes.iter().map(|scope| ("scopes[]", scope.to_string())));
    form
}

async fn make(world: &World, cookie: &str, name: &str, scopes: &[&str]) -> Value {
    let path = "/api/admin/api-keys/create";
    common::call_ok(&world.state, cookie, path, &form(name, scopes, "")).await
}

async fn keys(world: &World, cookie: &str) -> Value {
    common::call_ok(&world.state, cookie, "/api/admin/api-keys", &[]).await
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn a_key_is_shown_once_kept_as_a_hash_and_acts_as_its_own_identity(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let made = make(&world, &ada, "Zapier", &["cases:read", "comments:write"]).await;
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("cwk_") && secret.len() == 45, "{secret}");

    // Stored: the SHA-256 and the prefix, never the secret itself, in no column.
    let (prefix, hash): (String, Vec<u8>) =
        sqlx::query_as("SELECT prefix, secret_sha256 FROM api_keys")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(prefix, secret[..12]);
    assert_eq!(hash, Sha256::digest(secret.as_bytes()).to_vec());
    let anywhere: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_keys k, users u, integration_actions a
         WHERE k::text LIKE '%' || $1 || '%' OR u::text LIKE '%' || $1 || '%'
            OR a::text LIKE '%' || $1 || '%'",
    )
    .bind(&secret[13..])
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(anywhere, 0, "the secret is stored nowhere");

    // Listed without it; the list says its scopes and that it was never used.
    let listed = keys(&world, &ada).await;
    assert!(!listed.to_string().contains(&secret[13..]));
    let key = &listed["keys"][0];
    assert_eq!(key["prefix"], prefix.as_str());
    assert_eq!(
        key["scopes"],
        serde_json::json!(["CasesRead", "CommentsWrite"])
    );
    assert!(key["last_used_at"].is_null());
    assert!(listed["just_made"].is_null(), "shown once, by the answer");

    // The key acts as its own service identity, with its scopes.
    let ip = "203.0.113.9".parse().ok();
    let viewer = api_keys::authenticate(&pool, &secret, ip).await.unwrap();
    assert_eq!(viewer.role, Role::Service);
    assert_eq!(viewer.tenant_id, world.tenant("acme"));
    assert_eq!(
        viewer.api_scopes,
        [ApiScope::CasesRead, ApiScope::CommentsWrite]
    );
    assert!(viewer.display_name.contains("Zapier") && viewer.display_name.contains(&prefix));
    let listed = keys(&world, &ada).await;
    assert_eq!(listed["keys"][0]["last_used_ip"], "203.0.113.9");
    assert!(!listed["keys"][0]["last_used_at"].is_null());
    // What it may do is its scopes: cases, not users, companies or the system.
    use app::server::authz::{Capability, allows};
    assert!(allows(&viewer, Capability::ManageAllCases));
    for refused in [
        Capability::ManageUsers,
        Capability::UseCompanies,
        Capability::ViewSystemHealth,
        Capability::ManageSharedLists,
        Capability::ViewContractors,
    ] {
        assert!(!allows(&viewer, refused), "{refused:?}");
    }

    // Audited, naming who made it.
    let (kind, actor): (String, String) = sqlx::query_as(
        "SELECT a.kind, u.email FROM integration_actions a JOIN users u ON u.id = a.actor_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (kind.as_str(), actor.as_str()),
        ("api_key_created", "ada@acme.example")
    );

    // Its identity is no person: not in the users list, not manageable, cannot sign in.
    let users = common::call_ok(
        &world.state,
        &ada,
        "/api/admin/users",
        &[("q", String::new())],
    )
    .await;
    assert!(!users.to_string().contains("api-keys.invalid"), "{users}");
    let service = viewer.user_id.to_string();
    for (path, form) in [
        (
            "/api/admin/users/role",
            vec![("user_id", service.clone()), ("role", "admin".into())],
        ),
        (
            "/api/admin/users/active",
            vec![("user_id", service.clone()), ("active", "false".into())],
        ),
    ] {
        let reply = common::call_fn(&world.state, &ada, path, &form).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.body
        );
    }
    let email = viewer.email.clone();
    for password in ["", "correct horse battery"] {
        let signed = common::sign_in(&world.state, &email, password, None).await;
        assert!(
            signed.location().starts_with("/login?"),
            "{}",
            signed.location()
        );
    }
    let added = common::call_fn(
        &world.state,
        &ada,
        "/api/admin/users/add",
        &[
            ("email", "bot@acme.example".into()),
            ("display_name", "Bot".into()),
            ("role", "service".into()),
            ("password", "correct horse battery".into()),
        ],
    )
    .await;
    assert_eq!(
        added.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        added.body
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM users WHERE email = 'bot@acme.example'"
        )
        .await,
        0
    );
}

#[sqlx::test]
async fn wrong_revoked_and_expired_keys_are_refused_at_once(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let made = make(&world, &ada, "CRM", &["companies:read"]).await;
    let secret = made["secret"].as_str().unwrap().to_string();
    let id = made["id"].as_i64().unwrap();
    assert!(api_keys::authenticate(&pool, &secret, None).await.is_ok());

    // The right prefix with a wrong secret, a malformed key, an unknown one.
    let wrong = format!("{}{}", &secret[..13], "A".repeat(32));
    for refused in [
        wrong.as_str(),
        "",
        "cwk_",
        "Bearer x",
        &secret[..44],
        "cwk_00000000_00000000000000000000000000000000",
    ] {
        let outcome = api_keys::authenticate(&pool, refused, None).await;
        assert_eq!(outcome, Err(AppError::Unauthenticated), "{refused:?}");
    }
    assert!(
        keys(&world, &ada).await["keys"][0]["last_used_ip"].is_null(),
        "a wrong secret notes no use"
    );

    // Expired: refused from that moment.
    sqlx::query("UPDATE api_keys SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        api_keys::authenticate(&pool, &secret, None).await,
        Err(AppError::Unauthenticated)
    );
    sqlx::query("UPDATE api_keys SET expires_at = NULL")
        .execute(&pool)
        .await
        .unwrap();
    assert!(api_keys::authenticate(&pool, &secret, None).await.is_ok());

    // Revoked: refused on the very next request (nothing is cached), audited; revoking
    // again changes nothing.
    common::call_ok(
        &world.state,
        &ada,
        "/api/admin/api-keys/revoke",
        &[("id", id.to_string())],
    )
    .await;
    assert_eq!(
        api_keys::authenticate(&pool, &secret, None).await,
        Err(AppError::Unauthenticated)
    );
    common::call_ok(
        &world.state,
        &ada,
        "/api/admin/api-keys/revoke",
        &[("id", id.to_string())],
    )
    .await;
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM integration_actions WHERE kind = 'api_key_revoked'"
        )
        .await,
        1
    );
    let listed = keys(&world, &ada).await;
    assert!(!listed["keys"][0]["revoked_at"].is_null());
}

#[sqlx::test]
async fn only_admins_of_the_workspace_see_and_touch_its_keys(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let emil = world.cookie("emil@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;
    let made = make(&world, &ada, "Zapier", &["cases:read"]).await;
    let (secret, id) = (
        made["secret"].as_str().unwrap().to_string(),
        made["id"].as_i64().unwrap(),
    );

    // An employee: refused everything.
    for (path, form) in [
        ("/api/admin/api-keys", vec![]),
        (
            "/api/admin/api-keys/create",
            form("Mine", &["cases:read"], ""),
        ),
        ("/api/admin/api-keys/revoke", vec![("id", id.to_string())]),
    ] {
        let reply = common::call_fn(&world.state, &emil, path, &form).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            reply.body
        );
    }
    // Another workspace's admin: does not see it, cannot revoke it (as if absent).
    assert_eq!(keys(&world, &gus).await["keys"], serde_json::json!([]));
    let reply = common::call_fn(
        &world.state,
        &gus,
        "/api/admin/api-keys/revoke",
        &[("id", id.to_string())],
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert!(api_keys::authenticate(&pool, &secret, None).await.is_ok());
    assert_eq!(count(&pool, "SELECT count(*) FROM api_keys").await, 1);
}

#[sqlx::test]
async fn bad_input_is_refused_clearly_and_writes_nothing(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let long = "x".repeat(101);
    for (name, scopes, expires, field) in [
        ("", &["cases:read"][..], "", "name"),
        ("   ", &["cases:read"][..], "", "name"),
        (long.as_str(), &["cases:read"][..], "", "name"),
        ("Zapier", &[][..], "", "scopes"),
        ("Zapier", &["cases:delete"][..], "", "scopes"),
        ("Zapier", &["cases:read"][..], "2020-01-01", "expires_on"),
        ("Zapier", &["cases:read"][..], "soon", "expires_on"),
    ] {
        let reply = common::call_fn(
            &world.state,
            &ada,
            "/api/admin/api-keys/create",
            &form(name, scopes, expires),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            reply.body
        );
        assert!(reply.body.contains(field), "{field}: {}", reply.body);
    }
    let reply = common::call_fn(
        &world.state,
        &ada,
        "/api/admin/api-keys/revoke",
        &[("id", "abc".into())],
    )
    .await;
    assert!(reply.status.is_client_error(), "{}", reply.body);
    for table in ["api_keys", "integration_actions"] {
        assert_eq!(
            count(&pool, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(&pool, "SELECT count(*) FROM users WHERE role = 'service'").await,
        0
    );
}

#[sqlx::test]
async fn without_javascript_the_secret_is_shown_once_on_the_page_never_in_a_url(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let reply = common::post_html_form(
        world.state.clone(),
        "/api/admin/api-keys/create",
        &[
            ("name", "Sheets"),
            ("scopes[]", "cases:read"),
            ("expires_on", ""),
        ],
        &ada,
    )
    .await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    let location = reply.headers["location"].to_str().unwrap();
    assert_eq!(location, "/admin/api-keys");
    let page = common::get_with_cookie(world.state.clone(), "/admin/api-keys", &ada).await;
    assert_eq!(page.status, StatusCode::OK);
    let shown: Vec<&str> = page.body.split("cwk_").skip(1).collect();
    let prefix: String = sqlx::query_scalar("SELECT prefix FROM api_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        page.body.contains(r#"data-testid="api-key-made""#),
        "the secret is shown"
    );
    assert!(!shown.is_empty());
    // Once: the next view has the key in the table, not its secret.
    let again = common::get_with_cookie(world.state.clone(), "/admin/api-keys", &ada).await;
    assert!(!again.body.contains(r#"data-testid="api-key-made""#));
    assert!(again.body.contains(&prefix));
    // A refused plain post comes back with the error and what was typed.
    let refused = common::post_html_form(
        world.state.clone(),
        "/api/admin/api-keys/create",
        &[("name", "Sheets two"), ("expires_on", "")],
        &ada,
    )
    .await;
    let location = refused.headers["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/admin/api-keys?") && location.contains("error="),
        "{location}"
    );
    let page = common::get_with_cookie(world.state.clone(), &location, &ada).await;
    assert!(
        page.body.contains(r#"data-field-error="scopes""#)
            && page.body.contains("Scopes: choose at least one scope.")
            && page
                .body
                .contains(r#"aria-describedby="api-key-scopes-error""#)
            && page.body.contains("Sheets two"),
        "the refusal beside the scopes: {}",
        page.body
    );
}
