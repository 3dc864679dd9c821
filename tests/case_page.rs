#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The case page's writes against real Postgres, as the app role: optimistic locking
//! (a stale save is a conflict and writes nothing), row locks that serialise racing
//! saves, retries of transient failures, the audit row of every kind of change, the
//! comment thread's rules, who may do what, bad input, and the live event stream.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use app::model::{AppError, CaseFields, CasePriority, CaseStatus, ConflictState, Role, Viewer};
use app::server::{AppState, case_detail, case_edit, comments};
use app::server::{db, retry};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;
use uuid::Uuid;

const PASSWORD: &str = "a long password";

struct World {
    state: AppState,
    admin: Viewer,
    emil: Viewer,
    erin: Viewer,
    /// A case of emil's, and one of erin's.
    emils_case: i32,
    erins_case: i32,
    /// A case number of another tenant.
    globex_case: i32,
}

async fn setup(pool: &PgPool) -> World {
    let world = common::world::World::build(pool)
        .tenant("acme", common::world::ACME_CASE_TEAM)
        .cases("acme", 40, 20)
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .cases("globex", 5, 0)
        .done()
        .await;
    let (acme, globex) = (world.tenant("acme"), world.tenant("globex"));
    let mut conn = pool.acquire().await.unwrap();
    let first_of = |email: &'static str| {
        sqlx::query_scalar::<_, i32>(
            "SELECT min(c.number) FROM cases c JOIN users u ON u.id = c.assignee_id WHERE u.email = $1",
        )
        .bind(email)
    };
    let emils_case = first_of("emil@acme.example")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let erins_case = first_of("erin@acme.example")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    // A number that exists only in the other tenant.
    let globex_case: i32 =
        sqlx::query_scalar("SELECT max(number) + 1000 FROM cases WHERE tenant_id = $1")
            .bind(acme)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    sqlx::query("UPDATE cases SET number = $1 WHERE tenant_id = $2 AND number = 1")
        .bind(globex_case)
        .bind(globex)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    World {
        admin: world.viewer("ada@acme.example").await,
        emil: world.viewer("emil@acme.example").await,
        erin: world.viewer("erin@acme.example").await,
        state: world.state,
        emils_case,
        erins_case,
        globex_case,
    }
}

async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM case_actions), (SELECT count(*) FROM case_comments),
                (SELECT sum(version) FROM cases)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn last_action(
    pool: &PgPool,
) -> (String, Option<Uuid>, serde_json::Value, serde_json::Value) {
    sqlx::query_as(
        "SELECT kind::text, actor_id, coalesce(before, 'null'), coalesce(after, 'null')
         FROM case_actions ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_stale_save_is_a_conflict_and_writes_nothing(pool: PgPool) {
    let world = setup(&pool).await;
    let pool_app = &world.state.pool;
    let read = case_detail::load(pool_app, &world.emil, world.emils_case)
        .await
        .unwrap();
    let seen = read.case.version;

    // The admin changes the status first.
    let mut theirs = read.case.fields.clone();
    theirs.status = CaseStatus::Pending;
    let saved = case_edit::save(pool_app, &world.admin, world.emils_case, seen, theirs)
        .await
        .unwrap();
    assert_eq!(saved.version, seen + 1);
    assert_eq!(saved.fields.status, CaseStatus::Pending);

    // Emil saves a title change from the version he read: refused, with the case as it
    // is now and who changed it.
    let before = counts(&pool).await;
    let mut mine = read.case.fields.clone();
    mine.title = "Refund for the broken kettle".into();
    let error = case_edit::save(pool_app, &world.emil, world.emils_case, seen, mine.clone())
        .await
        .unwrap_err();
    let AppError::Conflict { current } = error else {
        panic!("expected a conflict, got {error:?}");
    };
    let state: ConflictState = serde_json::from_value(current).unwrap();
    assert_eq!(state.current.version, seen + 1);
    assert_eq!(state.current.fields.status, CaseStatus::Pending);
    assert_eq!(state.current.fields.title, read.case.fields.title);
    assert_eq!(state.changed_by.as_deref(), Some("ada"));
    assert_eq!(counts(&pool).await, before, "a conflict wrote something");

    // Keeping his on the new version works, and keeps theirs where he did not differ.
    mine.status = state.current.fields.status;
    let saved = case_edit::save(pool_app, &world.emil, world.emils_case, seen + 1, mine)
        .await
        .unwrap();
    assert_eq!(saved.version, seen + 2);
    assert_eq!(saved.fields.title, "Refund for the broken kettle");
    assert_eq!(saved.fields.status, CaseStatus::Pending);

    // Saving what is already there writes nothing and bumps nothing.
    let before = counts(&pool).await;
    let same = case_edit::save(
        pool_app,
        &world.emil,
        world.emils_case,
        saved.version,
        saved.fields.clone(),
    )
    .await
    .unwrap();
    assert_eq!(same.version, saved.version);
    assert_eq!(counts(&pool).await, before);
}

#[sqlx::test]
async fn racing_saves_serialise_on_the_row_lock(pool: PgPool) {
    let world = setup(&pool).await;
    let read = case_detail::load(&world.state.pool, &world.admin, world.emils_case)
        .await
        .unwrap();
    // Ten saves from the same version at once: the lock orders them, exactly one wins,
    // every other is told it is stale.
    let saves = (0..10).map(|i| {
        let mut fields = read.case.fields.clone();
        fields.title = format!("Attempt {i}");
        let (pool, admin) = (world.state.pool.clone(), world.admin.clone());
        let (number, version) = (world.emils_case, read.case.version);
        tokio::spawn(async move { case_edit::save(&pool, &admin, number, version, fields).await })
    });
    let results = futures::future::join_all(saves).await;
    let won = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    let stale = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(AppError::Conflict { .. }))))
        .count();
    assert_eq!((won, stale), (1, 9), "{results:?}");
    let version: i32 = sqlx::query_scalar("SELECT version FROM cases WHERE id = $1")
        .bind(read.case.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(version, read.case.version + 1);
}

/// The one write helper: a transient failure runs the whole work again in a new
/// transaction (what the failed attempt wrote is gone), a lasting one is retried a
/// bounded number of times and then is "try again shortly", anything else (a real
/// error, or a refusal) is not retried, and a refusal rolls back what the work wrote.
#[sqlx::test]
async fn writes_retry_transient_failures_and_nothing_else(pool: PgPool) {
    sqlx::query("CREATE TABLE retry_probe (attempt int NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let tenant = Uuid::new_v4();
    // Writes its attempt number, then fails with `code` while `fail(attempt)` holds.
    let run = |code: &'static str, fail: fn(usize) -> bool| {
        let pool = pool.clone();
        async move {
            let attempts = &AtomicUsize::new(0);
            let result = db::write(&pool, tenant, |mut tx| {
                Box::pin(async move {
                    let attempt = attempts.fetch_add(1, Ordering::SeqCst);
                    sqlx::query("INSERT INTO retry_probe VALUES ($1)")
                        .bind(attempt as i32)
                        .execute(&mut *tx)
                        .await?;
                    if fail(attempt) {
                        if code == "refuse" {
                            Err(AppError::Forbidden)?;
                        }
                        sqlx::query(&format!(
                            "DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{code}'; END $$"
                        ))
                        .execute(&mut *tx)
                        .await?;
                    }
                    Ok(attempt)
                })
            })
            .await;
            let stored: Vec<i32> = sqlx::query_scalar("DELETE FROM retry_probe RETURNING attempt")
                .fetch_all(&pool)
                .await
                .unwrap();
            (result, attempts.load(Ordering::SeqCst), stored)
        }
    };

    // A serialization failure twice, then success: the third attempt's write alone
    // is committed.
    let (result, attempts, stored) = run("40001", |attempt| attempt < 2).await;
    assert_eq!(result, Ok(2));
    assert_eq!(attempts, 3);
    assert_eq!(stored, vec![2]);

    // A deadlock that never clears: retried a bounded number of times, then "try
    // again shortly" (503), not a server fault; nothing written.
    let (result, attempts, stored) = run("40P01", |_| true).await;
    assert_eq!(result, Err(AppError::Unavailable));
    assert_eq!(attempts, retry::RETRIES + 1);
    assert!(stored.is_empty());

    // A lock wait past `lock_timeout` is transient too.
    let (result, attempts, _) = run("55P03", |attempt| attempt < 1).await;
    assert_eq!((result, attempts), (Ok(1), 2));

    // A real error (a unique violation) is not retried.
    let (result, attempts, stored) = run("23505", |_| true).await;
    assert_eq!(result, Err(AppError::Internal));
    assert_eq!(attempts, 1);
    assert!(stored.is_empty());

    // A refusal comes back as it is, once, and what the work wrote is rolled back.
    let (result, attempts, stored) = run("refuse", |_| true).await;
    assert_eq!(result, Err(AppError::Forbidden));
    assert_eq!(attempts, 1);
    assert!(stored.is_empty());
}

#[sqlx::test]
async fn every_kind_of_change_leaves_its_audit_row(pool: PgPool) {
    let world = setup(&pool).await;
    let app_pool = &world.state.pool;
    let number = world.emils_case;
    let mut case = case_detail::load(app_pool, &world.admin, number)
        .await
        .unwrap()
        .case;
    let save = |fields: CaseFields, version: i32| {
        let (pool, admin) = (app_pool.clone(), world.admin.clone());
        async move {
            case_edit::save(&pool, &admin, number, version, fields)
                .await
                .unwrap()
        }
    };

    let old_status = case.fields.status;
    let new_status = if old_status == CaseStatus::Closed {
        CaseStatus::Open
    } else {
        CaseStatus::Closed
    };
    let mut fields = case.fields.clone();
    fields.status = new_status;
    case = save(fields, case.version).await;
    let (kind, actor, before, after) = last_action(&pool).await;
    assert_eq!(kind, "status");
    assert_eq!(actor, Some(world.admin.user_id));
    assert_eq!(before, serde_json::json!({ "status": old_status }));
    assert_eq!(after, serde_json::json!({ "status": new_status }));

    let mut fields = case.fields.clone();
    let old_priority = fields.priority;
    fields.priority = if old_priority == CasePriority::Urgent {
        CasePriority::Low
    } else {
        CasePriority::Urgent
    };
    case = save(fields.clone(), case.version).await;
    let (kind, _, before, after) = last_action(&pool).await;
    assert_eq!(kind, "priority");
    assert_eq!(before, serde_json::json!({ "priority": old_priority }));
    assert_eq!(after, serde_json::json!({ "priority": fields.priority }));

    let mut fields = case.fields.clone();
    fields.assignee_id = Some(world.erin.user_id);
    case = save(fields, case.version).await;
    assert_eq!(case.assignee_name.as_deref(), Some("erin"));
    let (kind, _, before, after) = last_action(&pool).await;
    assert_eq!(kind, "assign");
    assert_eq!(
        before,
        serde_json::json!({ "assignee_id": world.emil.user_id })
    );
    assert_eq!(
        after,
        serde_json::json!({ "assignee_id": world.erin.user_id })
    );

    let mut fields = case.fields.clone();
    let old_title = fields.title.clone();
    let old_phone = fields.customer_phone.clone();
    fields.title = "  New title  ".into();
    fields.customer_phone = "+44 20 7946 0000".into();
    case = save(fields, case.version).await;
    assert_eq!(case.fields.title, "New title", "saved trimmed");
    let (kind, _, before, after) = last_action(&pool).await;
    assert_eq!(kind, "update");
    assert_eq!(
        before,
        serde_json::json!({ "title": old_title, "customer_phone": old_phone })
    );
    assert_eq!(
        after,
        serde_json::json!({ "title": "New title", "customer_phone": "+44 20 7946 0000" })
    );

    // Comments: posted, edited, deleted — each its own row; none bumps the version.
    let comment = comments::post(app_pool, &world.erin, number, "Called the customer.")
        .await
        .unwrap();
    let (kind, actor, _, after) = last_action(&pool).await;
    assert_eq!(
        (kind.as_str(), actor),
        ("comment", Some(world.erin.user_id))
    );
    assert_eq!(
        after,
        serde_json::json!({ "comment_id": comment.id, "event": "posted" })
    );
    comments::edit(
        app_pool,
        &world.erin,
        number,
        comment.id,
        "Called the customer twice.",
    )
    .await
    .unwrap();
    let (kind, _, before, after) = last_action(&pool).await;
    assert_eq!(kind, "comment");
    assert_eq!(before["body"], "Called the customer.");
    assert_eq!(after["event"], "edited");
    assert_eq!(after["body"], "Called the customer twice.");
    comments::delete(app_pool, &world.admin, number, comment.id)
        .await
        .unwrap();
    let (_, actor, _, after) = last_action(&pool).await;
    assert_eq!(actor, Some(world.admin.user_id));
    assert_eq!(after["event"], "deleted");

    let detail = case_detail::load(app_pool, &world.admin, number)
        .await
        .unwrap();
    assert_eq!(
        detail.case.version, case.version,
        "comments never bump the version"
    );
    let deleted = detail.comments.iter().find(|c| c.id == comment.id).unwrap();
    assert!(deleted.deleted && deleted.body.is_empty() && deleted.body_html.is_empty());
    // The activity tab says it in words, newest first.
    let summaries: Vec<&str> = detail.activity.iter().map(|a| a.summary.as_str()).collect();
    assert_eq!(
        &summaries[..5],
        &[
            "deleted a comment",
            "edited a comment",
            "commented",
            "updated title, customer phone",
            "assigned the case to erin",
        ]
    );
    assert!(
        summaries[5].starts_with("changed the priority from "),
        "{summaries:?}"
    );
    assert!(
        summaries[6].starts_with("changed the status from "),
        "{summaries:?}"
    );
    assert_eq!(detail.last_event_id, detail.activity[0].id);
}

#[sqlx::test]
async fn the_comment_thread_has_rules(pool: PgPool) {
    let world = setup(&pool).await;
    let app_pool = &world.state.pool;
    let number = world.emils_case;
    let before = counts(&pool).await;

    // Bad bodies: a clear error, nothing written.
    for (body, message) in [
        ("", "write something first"),
        ("   \n\t ", "write something first"),
        (&"x".repeat(100 * 1024) as &str, "too long"),
    ] {
        let error = comments::post(app_pool, &world.emil, number, body)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, AppError::Invalid { field, message: m } if field == "body" && m.contains(message)),
            "{error:?}"
        );
    }
    assert_eq!(counts(&pool).await, before);

    // Markdown is rendered and sanitised on the way out.
    let comment = comments::post(
        app_pool,
        &world.emil,
        number,
        "**Done** <script>alert(1)</script> [x](javascript:alert(1))",
    )
    .await
    .unwrap();
    assert!(comment.body_html.contains("<strong>Done</strong>"));
    assert!(!comment.body_html.contains("<script") && !comment.body_html.contains("javascript:"));

    // Only the author edits, and only for a while; others cannot even see erin's case.
    let error = comments::edit(app_pool, &world.admin, number, comment.id, "hijack")
        .await
        .unwrap_err();
    assert_eq!(error, AppError::Forbidden);
    let error = comments::delete(app_pool, &world.erin, number, comment.id)
        .await
        .unwrap_err();
    assert_eq!(error, AppError::NotFound, "erin may not see emil's case");
    sqlx::query(
        "UPDATE case_comments SET created_at = now() - interval '16 minutes' WHERE id = $1",
    )
    .bind(comment.id)
    .execute(&pool)
    .await
    .unwrap();
    let error = comments::edit(app_pool, &world.emil, number, comment.id, "too late")
        .await
        .unwrap_err();
    assert!(
        matches!(error, AppError::Invalid { ref message, .. } if message.contains("15 minutes"))
    );
    // A comment id from another case is not found on this one.
    let error = comments::delete(app_pool, &world.admin, world.erins_case, comment.id)
        .await
        .unwrap_err();
    assert_eq!(error, AppError::NotFound);
    let body: String = sqlx::query_scalar("SELECT body FROM case_comments WHERE id = $1")
        .bind(comment.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        body.starts_with("**Done**"),
        "refused edits changed the comment"
    );
}

/// (cookie, path, form, expected status, text the answer must contain)
type Refusal<'a> = (
    &'a str,
    &'a str,
    Vec<(&'a str, String)>,
    StatusCode,
    &'a str,
);

fn save_form(number: i32, version: i32, status: &str) -> Vec<(&'static str, String)> {
    vec![
        ("number", number.to_string()),
        ("version", version.to_string()),
        ("title", "A title".into()),
        ("customer_name", "Ada".into()),
        ("customer_email", "ada@example.com".into()),
        ("customer_phone", String::new()),
        ("customer_company", String::new()),
        ("status", status.into()),
        ("priority", "normal".into()),
        ("assignee", String::new()),
    ]
}

#[sqlx::test]
async fn every_function_checks_tenant_and_role_and_bad_input(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let version: i32 = sqlx::query_scalar(
        "SELECT c.version FROM cases c JOIN users u ON u.id = c.assignee_id
         WHERE u.email = 'emil@acme.example' AND c.number = $1",
    )
    .bind(world.emils_case)
    .fetch_one(&pool)
    .await
    .unwrap();
    let before = counts(&pool).await;
    let n = |number: i32| number.to_string();

    let cases: Vec<Refusal> = vec![
        // Nobody signed in; an analyst (no cases); a colleague's case; another tenant's.
        (
            "",
            "/api/case/detail",
            vec![("number", n(world.emils_case))],
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            &anna,
            "/api/case/detail",
            vec![("number", n(world.emils_case))],
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &emil,
            "/api/case/detail",
            vec![("number", n(world.erins_case))],
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &emil,
            "/api/case/detail",
            vec![("number", n(world.globex_case))],
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &emil,
            "/api/case/detail",
            vec![("number", "forty-two".into())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            &anna,
            "/api/case/save",
            save_form(world.emils_case, version, "open"),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &emil,
            "/api/case/save",
            save_form(world.erins_case, version, "open"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &emil,
            "/api/case/save",
            save_form(world.globex_case, 1, "open"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &emil,
            "/api/case/save",
            save_form(world.emils_case, version, "finished"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "is not a status",
        ),
        (
            &emil,
            "/api/case/save",
            save_form(world.emils_case, version + 7, "open"),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            &anna,
            "/api/case/comment",
            vec![("number", n(world.emils_case)), ("body", "hi".into())],
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &emil,
            "/api/case/comment",
            vec![("number", n(world.erins_case)), ("body", "hi".into())],
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &emil,
            "/api/case/comment",
            vec![("number", n(world.globex_case)), ("body", "hi".into())],
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &emil,
            "/api/case/comment",
            vec![("number", n(world.emils_case)), ("body", "".into())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "write something first",
        ),
        (
            &emil,
            "/api/case/comment",
            vec![
                ("number", n(world.emils_case)),
                ("body", "y".repeat(100 * 1024)),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "too long",
        ),
        (
            &emil,
            "/api/case/comment/delete",
            vec![
                ("number", n(world.emils_case)),
                ("comment_id", "999999".into()),
            ],
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (cookie, path, form, status, needle) in cases {
        let reply = common::call_fn(&world.state, cookie, path, &form).await;
        assert_eq!(reply.status, status, "{path} {form:?}: {}", reply.body);
        assert!(reply.body.contains(needle), "{path}: {}", reply.body);
    }
    // An employee may take a case or hand it back, not give it to a colleague.
    let mut give = save_form(world.emils_case, version, "open");
    give[9].1 = world.erin.user_id.to_string();
    let reply = common::call_fn(&world.state, &emil, "/api/case/save", &give).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(
        counts(&pool).await,
        before,
        "a refused request wrote something"
    );

    // And the good path through the same door.
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/case/save",
        &save_form(world.emils_case, version, "resolved"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let saved: app::model::CaseRecord = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(saved.fields.status, CaseStatus::Resolved);
}

#[sqlx::test]
async fn the_page_and_its_forms_work_without_javascript(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    comments::post(
        &world.state.pool,
        &world.admin,
        world.emils_case,
        "Seen *this*?",
    )
    .await
    .unwrap();
    let page = common::get_with_cookie(
        world.state.clone(),
        &format!("/cases/{}", world.emils_case),
        &emil,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"data-testid="case-form""#));
    assert!(page.body.contains(r#"data-testid="comment""#));
    assert!(page.body.contains("Seen <em>this</em>?"));
    let missing = common::get_with_cookie(
        world.state.clone(),
        &format!("/cases/{}", world.erins_case),
        &emil,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // A comment posted by a plain form comes back to the case, shown.
    let body = serde_urlencoded::to_string([
        ("number", world.emils_case.to_string()),
        ("body", "Posted **without** scripts".to_string()),
    ])
    .unwrap();
    let request = Request::post("/api/case/comment")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("accept", "text/html")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &emil);
    let reply = common::send_body(world.state.clone(), request, Body::from(body)).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert!(
        reply
            .location()
            .starts_with(&format!("/cases/{}?posted=", world.emils_case))
    );
    let page = common::get_with_cookie(world.state.clone(), reply.location(), &emil).await;
    assert!(
        page.body
            .contains("Posted <strong>without</strong> scripts")
    );

    // A stale save by plain form: back to the case with the reason and what was typed,
    // shown on the page (nothing saved, nothing lost).
    let mut form = save_form(world.emils_case, 1_000, "pending");
    form[2].1 = "Typed without scripts".into();
    let request = Request::post("/api/case/save")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("accept", "text/html")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &emil);
    let body = serde_urlencoded::to_string(&form).unwrap();
    let reply = common::send_body(world.state.clone(), request, Body::from(body)).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert!(
        reply
            .location()
            .starts_with(&format!("/cases/{}?error=", world.emils_case))
    );
    let page = common::get_with_cookie(world.state.clone(), reply.location(), &emil).await;
    assert!(
        page.body.contains("changed by someone else"),
        "{}",
        reply.location()
    );
    assert!(page.body.contains(r#"data-testid="sent-values""#));
    assert!(page.body.contains("Typed without scripts"));
    let title: String = sqlx::query_scalar(
        "SELECT c.title FROM cases c JOIN users u ON u.id = c.assignee_id
         WHERE u.email = 'emil@acme.example' AND c.number = $1",
    )
    .bind(world.emils_case)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_ne!(title, "Typed without scripts");
}

#[sqlx::test]
async fn changes_stream_live_and_resume_after_a_drop(pool: PgPool) {
    let world = setup(&pool).await;
    casework::startup::start_live_updates(&world.state);
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let path = format!("/api/cases/{}/events", world.emils_case);
    let detail = case_detail::load(&world.state.pool, &world.emil, world.emils_case)
        .await
        .unwrap();

    // Another tenant's or another case's changes never reach this stream; this case's do.
    let stream = common::open_stream(
        &world.state,
        &emil,
        &format!("{path}?after={}", detail.last_event_id),
        None,
    )
    .await;
    assert_eq!(stream.status(), StatusCode::OK);
    // The stream subscribed before it answered; the database listener must be up too.
    common::eventually_listening(&world.state).await;
    comments::post(
        &world.state.pool,
        &world.erin,
        world.erins_case,
        "elsewhere",
    )
    .await
    .unwrap();
    let first = comments::post(&world.state.pool, &world.admin, world.emils_case, "one")
        .await
        .unwrap();
    let mut fields = detail.case.fields.clone();
    fields.status = if fields.status == CaseStatus::Open {
        CaseStatus::Pending
    } else {
        CaseStatus::Open
    };
    case_edit::save(
        &world.state.pool,
        &world.admin,
        world.emils_case,
        detail.case.version,
        fields,
    )
    .await
    .unwrap();
    let got = common::sse_events(stream.into_body(), 2).await;
    assert_eq!(got[0].1, "change");
    assert!(got[0].2.contains(r#""kind":"comment""#), "{got:?}");
    assert!(got[1].2.contains(r#""kind":"status""#), "{got:?}");
    let first_id: i64 = got[0].0.parse().unwrap();
    let second_id: i64 = got[1].0.parse().unwrap();
    assert!(second_id > first_id);
    // Each event is its change's audit row: the case's two newest, in order.
    let newest: Vec<i64> = sqlx::query_scalar(
        "SELECT a.id FROM case_actions a JOIN cases c ON c.id = a.case_id
         WHERE c.tenant_id = $1 AND c.number = $2 ORDER BY a.id DESC LIMIT 2",
    )
    .bind(world.admin.tenant_id)
    .bind(world.emils_case)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(newest, vec![second_id, first_id]);
    assert_eq!(first.body, "one");

    // Dropped after the first event: reconnecting with Last-Event-ID replays the rest
    // from the audit table, then carries on live.
    let stream = common::open_stream(&world.state, &emil, &path, Some(first_id)).await;
    comments::post(&world.state.pool, &world.emil, world.emils_case, "three")
        .await
        .unwrap();
    let got = common::sse_events(stream.into_body(), 2).await;
    assert_eq!(got[0].0, second_id.to_string(), "replayed");
    assert!(got[1].2.contains(r#""kind":"comment""#));

    // Not allowed to watch: a colleague's case, another tenant's, nobody signed in.
    for (cookie, number, status) in [
        (emil.as_str(), world.erins_case, StatusCode::NOT_FOUND),
        (emil.as_str(), world.globex_case, StatusCode::NOT_FOUND),
        ("", world.emils_case, StatusCode::UNAUTHORIZED),
    ] {
        let reply = common::open_stream(
            &world.state,
            cookie,
            &format!("/api/cases/{number}/events"),
            None,
        )
        .await;
        assert_eq!(reply.status(), status);
    }

    // The queue stream: emil hears of his cases only.
    // Subscribed before it answered, and the listener is still up.
    let queue = common::open_stream(&world.state, &emil, "/api/events", None).await;
    assert!(world.state.viewers.is_listening());
    comments::post(
        &world.state.pool,
        &world.admin,
        world.erins_case,
        "not for emil",
    )
    .await
    .unwrap();
    comments::post(
        &world.state.pool,
        &world.admin,
        world.emils_case,
        "for emil",
    )
    .await
    .unwrap();
    let got = common::sse_events(queue.into_body(), 1).await;
    assert!(
        got[0]
            .2
            .contains(&format!(r#""case_id":{}"#, detail.case.id)),
        "{got:?}"
    );
}

#[sqlx::test]
async fn a_bulk_action_and_single_edits_racing_never_deadlock(pool: PgPool) {
    let world = setup(&pool).await;
    let app_pool = world.state.pool.clone();
    let everything: Vec<app::model::SeenCase> =
        sqlx::query_as::<_, (i64, i32)>("SELECT c.id, c.version FROM cases c JOIN users u ON u.id = c.assignee_id WHERE u.email LIKE '%@acme.example'")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, version)| app::model::SeenCase { id, version })
            .collect();
    let numbers: Vec<i32> = sqlx::query_scalar(
        "SELECT c.number FROM cases c JOIN users u ON u.id = c.assignee_id
         WHERE u.email LIKE '%@acme.example' ORDER BY c.number DESC LIMIT 8",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // The bulk action locks rows in id order, chunk by chunk; single saves lock one row
    // each and comments lock theirs: whatever the interleaving, every request finishes
    // with an answer (done, or a clean conflict), never a deadlock or a timeout.
    let bulk = {
        let (pool, admin) = (app_pool.clone(), world.admin.clone());
        tokio::spawn(async move {
            app::server::bulk::apply(
                &pool,
                &admin,
                app::server::cases::Scope::Everyone,
                &app::model::CaseFilter::default(),
                app::model::BulkTarget::Selected(everything),
                app::model::BulkChange::Status(CaseStatus::Pending),
            )
            .await
        })
    };
    let singles = numbers.into_iter().map(|number| {
        let (pool, admin) = (app_pool.clone(), world.admin.clone());
        tokio::spawn(async move {
            let read = case_detail::load(&pool, &admin, number).await?;
            comments::post(&pool, &admin, number, "racing the bulk action").await?;
            let mut fields = read.case.fields.clone();
            fields.priority = CasePriority::High;
            match case_edit::save(&pool, &admin, number, read.case.version, fields).await {
                Ok(_) | Err(AppError::Conflict { .. }) => Ok(()),
                Err(other) => Err(other),
            }
        })
    });
    let singles = futures::future::join_all(singles).await;
    for single in singles {
        single.unwrap().unwrap();
    }
    let report = bulk.await.unwrap().unwrap();
    assert!(report.updated > 0, "{report:?}");
}

#[sqlx::test]
async fn admins_find_people_to_assign(pool: PgPool) {
    let world = setup(&pool).await;
    let admin = common::session_cookie(&world.state, "ada@acme.example", PASSWORD).await;
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let find = |cookie: String, query: &'static str| {
        let state = world.state.clone();
        async move {
            common::call_fn(
                &state,
                &cookie,
                "/api/case/people",
                &[("query", query.to_string())],
            )
            .await
        }
    };
    let names = |body: &str| -> Vec<String> {
        serde_json::from_str::<Vec<app::model::Assignee>>(body)
            .unwrap()
            .into_iter()
            .map(|p| p.display_name)
            .collect()
    };
    // By name or email, people who work cases only (not the analyst), this tenant only.
    let reply = find(admin.clone(), "e").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(names(&reply.body), vec!["ada", "emil", "erin"]);
    assert_eq!(
        names(&find(admin.clone(), "ERIN@acme").await.body),
        vec!["erin"]
    );
    assert!(
        names(&find(admin.clone(), "anna").await.body).is_empty(),
        "analysts do not work cases"
    );
    assert!(
        names(&find(admin.clone(), "gus").await.body).is_empty(),
        "another tenant"
    );
    // LIKE's wildcards are plain characters here.
    assert!(names(&find(admin.clone(), "%").await.body).is_empty());
    assert!(names(&find(admin.clone(), "_").await.body).is_empty());
    let long = find(admin.clone(), Box::leak("x".repeat(101).into_boxed_str())).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Employees only ever assign themselves: no search for them.
    assert_eq!(find(emil, "e").await.status, StatusCode::FORBIDDEN);
}

/// Without JavaScript a refused save comes back to the case with the message beside the
/// field it is about, in words, and nothing saved.
#[sqlx::test]
async fn a_refused_plain_save_is_said_beside_its_field(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let version: i32 = sqlx::query_scalar("SELECT version FROM cases WHERE number = $1")
        .bind(world.emils_case)
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut form = save_form(world.emils_case, version, "open");
    for (key, value) in form.iter_mut() {
        if *key == "customer_email" {
            *value = "ada at example".into();
        }
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = common::post_html_form(world.state.clone(), "/api/case/save", &form, &emil).await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    let back = reply.location().to_string();
    assert!(back.contains("field=customer_email"), "{back}");
    let page = common::get_with_cookie(world.state.clone(), &back, &emil).await;
    assert!(
        page.body.contains(r#"data-field-error="customer_email""#)
            && page
                .body
                .contains(r#"aria-describedby="case-customer-email-error""#)
            && page
                .body
                .contains("The customer’s email is not an email address."),
        "{}",
        page.body
    );
    let after: i32 = sqlx::query_scalar("SELECT version FROM cases WHERE number = $1")
        .bind(world.emils_case)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, version, "nothing saved");
}
