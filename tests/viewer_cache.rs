#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The viewer cache: a signed-in page is answered without reading the session and user
//! rows again, and every change to who the session is — made by this process or any
//! other, through the app or straight in the database — is heard and obeyed.

mod common;

use app::model::Role;
use app::server::AppState;
use axum::http::StatusCode;
use common::eventually;
use sqlx::PgPool;

const PASSWORD: &str = "correct horse battery";

/// The app with its listener running (as `serve` has), once the cache is in use.
async fn app(pool: &PgPool, extra: &[&str]) -> (AppState, String) {
    common::acme_with_ada_and_emil(pool, PASSWORD).await;
    let state = common::state(common::config(&common::database_url(pool), extra));
    casework::startup::start_live_updates(&state);
    let cookie = common::session_cookie(&state, "emil@acme.example", PASSWORD).await;
    eventually!("the cache answers", {
        let before = state.viewers.stats().hits;
        assert_eq!(page(&state, &cookie).await.status, StatusCode::OK);
        state.viewers.stats().hits > before
    });
    (state, cookie)
}

async fn page(state: &AppState, cookie: &str) -> common::Reply {
    common::get_with_cookie(state.clone(), "/work", cookie).await
}

/// Whether the page is shown to a signed-in person at all.
async fn signed_in(state: &AppState, cookie: &str) -> bool {
    let reply = page(state, cookie).await;
    match reply.status {
        // Known, and (as an analyst) not allowed this page: still signed in.
        StatusCode::OK | StatusCode::FORBIDDEN => true,
        StatusCode::SEE_OTHER => {
            assert!(
                reply.location().starts_with("/login"),
                "{}",
                reply.location()
            );
            false
        }
        other => panic!("unexpected {other}"),
    }
}

#[sqlx::test]
async fn repeated_pages_reuse_the_viewer_and_see_renames_made_elsewhere(pool: PgPool) {
    let (state, cookie) = app(&pool, &[]).await;
    let before = state.viewers.stats();
    for _ in 0..5 {
        assert!(
            page(&state, &cookie)
                .await
                .body
                .contains("&quot;display_name&quot;:&quot;emil&quot;")
        );
    }
    let after = state.viewers.stats();
    assert_eq!(after.hits - before.hits, 5, "{before:?} → {after:?}");
    assert_eq!(after.misses, before.misses);

    // Another process (here: straight SQL) renames her and her tenant: no stale name.
    sqlx::query("UPDATE users SET display_name = 'Emil Renamed' WHERE email = 'emil@acme.example'")
        .execute(&pool)
        .await
        .unwrap();
    eventually!("the new name is shown", {
        page(&state, &cookie).await.body.contains("Emil Renamed")
    });
    sqlx::query("UPDATE tenants SET name = 'Acme Renamed' WHERE slug = 'acme'")
        .execute(&pool)
        .await
        .unwrap();
    eventually!("the tenant's new name is shown", {
        page(&state, &cookie).await.body.contains("Acme Renamed")
    });
}

#[sqlx::test]
async fn deactivation_role_changes_and_revocation_made_elsewhere_are_obeyed(pool: PgPool) {
    let (state, cookie) = app(&pool, &[]).await;
    // A role change (the admin page bumps the epoch too; a bare one must still be seen).
    sqlx::query("UPDATE users SET role = 'analyst' WHERE email = 'emil@acme.example'")
        .execute(&pool)
        .await
        .unwrap();
    eventually!("the new role is used", {
        page(&state, &cookie)
            .await
            .body
            .contains("&quot;role&quot;:&quot;analyst&quot;")
    });

    sqlx::query("UPDATE users SET active = false WHERE email = 'emil@acme.example'")
        .execute(&pool)
        .await
        .unwrap();
    eventually!("a deactivated user is signed out", {
        !signed_in(&state, &cookie).await
    });
    // And stays out once active again: the session was ended, not just hidden.
    sqlx::query("UPDATE users SET active = true WHERE email = 'emil@acme.example'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(!signed_in(&state, &cookie).await);

    // "Sign out everywhere" (the epoch) on a fresh session.
    let cookie = common::session_cookie(&state, "emil@acme.example", PASSWORD).await;
    assert!(signed_in(&state, &cookie).await);
    assert!(signed_in(&state, &cookie).await);
    sqlx::query(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE email = 'emil@acme.example'",
    )
    .execute(&pool)
    .await
    .unwrap();
    eventually!("a revoked session is refused", {
        !signed_in(&state, &cookie).await
    });
}

#[sqlx::test]
async fn signing_out_ends_the_session_at_once_here_and_soon_everywhere(pool: PgPool) {
    let (state, cookie) = app(&pool, &[]).await;
    // A second process on the same database, which has also seen the session.
    let other = common::state(common::config(&common::database_url(&pool), &[]));
    casework::startup::start_live_updates(&other);
    eventually!("the other process caches it", {
        let before = other.viewers.stats().hits;
        assert!(signed_in(&other, &cookie).await);
        other.viewers.stats().hits > before
    });

    let reply = common::post_form(state.clone(), "/auth/logout", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    // Here: no window at all.
    assert!(!signed_in(&state, &cookie).await);
    // There: as soon as the announcement arrives.
    eventually!("the other process refuses it", {
        !signed_in(&other, &cookie).await
    });
}

#[sqlx::test]
async fn a_lost_announcement_is_bounded_by_the_ttl(pool: PgPool) {
    let (state, cookie) = app(&pool, &["--auth-cache-ttl-s", "1"]).await;
    // Deleting the session row announces nothing (no trigger there): the cache is
    // allowed to be wrong, but only until its entries expire.
    sqlx::query("DELETE FROM tower_sessions.session")
        .execute(&pool)
        .await
        .unwrap();
    // Never announced, so only the 1 s TTL can end it (with the default 60 s one this
    // would not happen within `eventually!`'s 10 s).
    eventually!("the expired entry is read again and found gone", {
        !signed_in(&state, &cookie).await
    });
}

#[sqlx::test]
async fn with_the_cache_off_every_page_reads_the_database(pool: PgPool) {
    common::tenant_with_users(
        &pool,
        "acme",
        &[("emil@acme.example", Role::Employee)],
        PASSWORD,
    )
    .await;
    let state = common::state(common::config(
        &common::database_url(&pool),
        &["--auth-cache-ttl-s", "0"],
    ));
    casework::startup::start_live_updates(&state);
    let cookie = common::session_cookie(&state, "emil@acme.example", PASSWORD).await;
    for _ in 0..3 {
        assert!(signed_in(&state, &cookie).await);
    }
    assert_eq!(state.viewers.stats().hits, 0);
    // And without the listener (tests, or a lost connection) nothing is cached either.
    let quiet = common::state(common::config(&common::database_url(&pool), &[]));
    for _ in 0..3 {
        assert!(signed_in(&quiet, &cookie).await);
    }
    assert_eq!(quiet.viewers.stats().hits, 0);
}

/// The listener LISTENs on a connection of its own for the life of the process; were
/// it taken from the request pool, a pool of one would leave requests nothing (they
/// would wait out the acquire timeout and get a 503).
#[sqlx::test]
async fn the_listener_leaves_the_whole_request_pool_to_requests(pool: PgPool) {
    let (state, cookie) = app(
        &pool,
        &[
            "--database-pool-size",
            "1",
            "--database-acquire-timeout-ms",
            "1000",
        ],
    )
    .await;
    // `app` returned once the cache answered, which it does only while the listener is
    // connected: it is listening now, and pages still get their connection.
    assert!(state.viewers.stats().hits > 0);
    for _ in 0..3 {
        let reply = page(&state, &cookie).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert_eq!(state.pool.size(), 1);
}
