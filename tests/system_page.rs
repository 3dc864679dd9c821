#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Admin → System shows every instance: two app processes (two states with their own
//! figures, as two `casework serve` would have) serve requests, each writes its minute,
//! and the page an admin opens on either shows both, merged — with this workspace's
//! slow requests and nobody else's.

mod common;

use std::time::Duration;

use app::model::{Role, SystemReport};
use axum::http::{Request, StatusCode};
use common::world::World;
use sqlx::PgPool;

#[sqlx::test]
async fn the_system_page_merges_every_instance_and_keeps_slow_requests_to_their_workspace(
    pool: PgPool,
) {
    let world = World::build(&pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
            ],
        )
        .cases("acme", 2, 0)
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .jobs()
        .flags(&["--instance-name", "alpha"])
        .done()
        .await;
    let alpha = world.state.clone();
    let beta = common::state(common::config(
        &common::database_url(&pool),
        &["--instance-name", "beta", "--rate-limit-anonymous", "1/min"],
    ));
    let emil = world.cookie("emil@acme.example").await;
    for (state, times) in [(&alpha, 3), (&beta, 2)] {
        for _ in 0..times {
            let reply = common::get_with_cookie(state.clone(), "/work", &emil).await;
            assert_eq!(reply.status, StatusCode::OK);
        }
    }
    // Beta refuses an anonymous client its second page.
    assert_eq!(
        common::get(beta.clone(), "/login").await.status,
        StatusCode::OK
    );
    assert_eq!(
        common::get(beta.clone(), "/login").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A slow request on beta: emil's comment waits on a lock held elsewhere for over a
    // second.
    let number: i32 = sqlx::query_scalar("SELECT min(number) FROM cases")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut holder = pool.begin().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *holder)
        .await
        .unwrap();
    sqlx::query("SELECT 1 FROM cases WHERE number = $1 FOR UPDATE")
        .bind(number)
        .execute(&mut *holder)
        .await
        .unwrap();
    let comment = tokio::spawn({
        let (beta, emil) = (beta.clone(), emil.clone());
        async move {
            let form = [("number", number.to_string()), ("body", "slow one".into())];
            common::call_fn(&beta, &emil, "/api/case/comment", &form).await
        }
    });
    common::wait_until_blocked_by(&pool, pid).await;
    // What makes the request slow, not a wait for something to happen.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    holder.commit().await.unwrap();
    assert_eq!(comment.await.unwrap().status, StatusCode::OK);
    // Each instance writes its minute.
    casework::http::metrics::write_minute(&alpha).await;
    casework::http::metrics::write_minute(&beta).await;

    // The page, from alpha: both instances, merged.
    let ada = world.cookie("ada@acme.example").await;
    let page = common::get_with_cookie(alpha.clone(), "/admin/system", &ada).await;
    assert_eq!(page.status, StatusCode::OK);
    for instance in ["alpha", "beta"] {
        assert!(
            page.body.contains(&format!(
                "data-testid=\"instance-row\" data-instance=\"{instance}\""
            )),
            "{instance} missing"
        );
    }
    assert!(page.body.contains("data-testid=\"traffic-chart\""));
    assert!(page.body.contains("<svg"));
    let report: SystemReport = {
        let reply = common::call_fn(
            &alpha,
            &ada,
            "/api/admin/system",
            &[("window", "60".into())],
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    };
    let work = report
        .routes
        .iter()
        .find(|route| route.route == "/work" && route.method == "GET")
        .unwrap();
    assert_eq!(work.requests, 5, "3 on alpha and 2 on beta");
    let requests_of = |name: &str| {
        report
            .instances
            .iter()
            .find(|instance| instance.instance == name)
            .unwrap()
            .requests
    };
    assert!(requests_of("alpha") >= 3 && requests_of("beta") >= 5);
    assert_eq!(
        report.instances.iter().map(|i| i.requests).sum::<u64>(),
        report.total.requests
    );
    assert!(report.rate_limited.contains(&("anonymous".to_string(), 1)));
    // The slow comment, with who asked, for acme's admin.
    let slow = report
        .slow
        .iter()
        .find(|slow| slow.route == "/api/case/comment")
        .unwrap();
    assert!(slow.ms > 1_000.0, "{}", slow.ms);
    assert_eq!(slow.user, "emil");
    assert!(!slow.request_id.is_empty());
    let comment_route = report
        .routes
        .iter()
        .find(|route| route.route == "/api/case/comment")
        .unwrap();
    assert!(comment_route.p99_ms > 1_000.0);
    // Globex's admin sees the same system, but not acme's people.
    let gus = world.cookie("gus@globex.example").await;
    let theirs: SystemReport = serde_json::from_str(
        &common::call_fn(&beta, &gus, "/api/admin/system", &[("window", "60".into())])
            .await
            .body,
    )
    .unwrap();
    assert_eq!(theirs.instances.len(), 2);
    assert!(
        theirs.slow.is_empty(),
        "acme's slow request shown to globex"
    );
    // Only admins; only the offered windows.
    let refused = common::call_fn(
        &alpha,
        &emil,
        "/api/admin/system",
        &[("window", "5".into())],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = common::call_fn(&alpha, &ada, "/api/admin/system", &[("window", "7".into())]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = common::send(
        alpha.clone(),
        Request::get("/admin/system").header("cookie", &emil),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[sqlx::test]
async fn an_empty_window_says_so(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", &[("ada@acme.example", Role::Admin)])
        .jobs()
        .done()
        .await;
    let ada = world.cookie("ada@acme.example").await;
    let page = common::get_with_cookie(world.state.clone(), "/admin/system", &ada).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"no-instances\""));
    assert!(page.body.contains("Nothing recorded in this window yet"));
    assert!(page.body.contains("data-testid=\"no-slow\""));
}
