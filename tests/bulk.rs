#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Bulk actions against real Postgres, as the app role (row-level security on): rows
//! that changed under the user are skipped and reported, the rest are updated with a
//! version bump and an audit row each; employees touch only their own queue; bad input
//! changes nothing; the plain form works without JavaScript.

mod common;

use app::model::{
    AppError, BulkChange, BulkReport, BulkTarget, CaseFilter, CaseStatus, Role, SeenCase, Viewer,
};
use app::server::AppState;
use app::server::bulk;
use app::server::cases::{self, Scope};
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
    globex_case: i64,
}

async fn setup(pool: &PgPool) -> World {
    let world = common::world::World::build(pool)
        .tenant("acme", common::world::ACME_CASE_TEAM)
        .cases("acme", 700, 0)
        .tenant("globex", &[("gus@globex.example", Role::Employee)])
        .cases("globex", 50, 0)
        .done()
        .await;
    let globex = world.tenant("globex");
    let mut conn = pool.acquire().await.unwrap();
    let globex_case: i64 = sqlx::query_scalar("SELECT min(id) FROM cases WHERE tenant_id = $1")
        .bind(globex)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    World {
        admin: world.viewer("ada@acme.example").await,
        emil: world.viewer("emil@acme.example").await,
        erin: world.viewer("erin@acme.example").await,
        state: world.state,
        globex_case,
    }
}

#[derive(sqlx::FromRow, Debug, Clone, PartialEq)]
struct CaseState {
    id: i64,
    status: CaseStatus,
    assignee_id: Option<Uuid>,
    archived: bool,
    version: i32,
}

async fn snapshot(pool: &PgPool) -> Vec<CaseState> {
    sqlx::query_as("SELECT id, status, assignee_id, archived, version FROM cases ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn action_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM case_actions")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Every case's version is its number of audited changes (the generator writes one
/// `create` action at version 1): nothing was changed without a trail, nor audited
/// without a change. And the dashboards' counters equal a recount of the cases.
async fn assert_versions_match_the_audit_trail(pool: &PgPool) {
    common::tallies::assert_case_tallies_match_recount(pool).await;
    let broken: Vec<(i64, i32, i64)> = sqlx::query_as(
        "SELECT c.id, c.version, (SELECT count(*) FROM case_actions a WHERE a.case_id = c.id)
         FROM cases c
         WHERE c.version <> (SELECT count(*) FROM case_actions a WHERE a.case_id = c.id)",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(broken.is_empty(), "version ≠ audit rows: {broken:?}");
}

fn filter(query: &str) -> CaseFilter {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    CaseFilter::from_query(&pairs).unwrap()
}

/// All of `viewer`'s cases matching `query`, every page, as the table showed them.
async fn seen(state: &AppState, viewer: &Viewer, scope: Scope, query: &str) -> Vec<SeenCase> {
    let mut filter = filter(query);
    let mut out = Vec::new();
    loop {
        let page = cases::queue(&state.pool, viewer, scope, &filter)
            .await
            .unwrap();
        out.extend(page.rows.iter().map(|row| SeenCase {
            id: row.id,
            version: row.version,
        }));
        match page.next {
            Some(next) => filter.after = Some(next),
            None => return out,
        }
    }
}

#[sqlx::test]
async fn selected_rows_are_updated_audited_and_stale_ones_skipped(pool: PgPool) {
    let world = setup(&pool).await;
    let open = seen(&world.state, &world.emil, Scope::Mine, "status=open").await;
    assert!(open.len() > 40, "the generator should give emil open cases");
    let mut selection: Vec<SeenCase> = open[..40].to_vec();

    // Two of them change after emil's page showed them.
    let stale = [selection[3].id, selection[17].id];
    let report = bulk::apply(
        &world.state.pool,
        &world.admin,
        Scope::Everyone,
        &CaseFilter::default(),
        BulkTarget::Selected(
            stale
                .iter()
                .map(|id| selection.iter().find(|s| s.id == *id).copied().unwrap())
                .collect(),
        ),
        BulkChange::Status(CaseStatus::Pending),
    )
    .await
    .unwrap();
    assert_eq!(report.updated, 2);

    // Emil's selection also names one of erin's cases and another tenant's case: not his
    // to change.
    let erins = seen(&world.state, &world.erin, Scope::Mine, "").await[0];
    selection.push(erins);
    selection.push(SeenCase {
        id: world.globex_case,
        version: 1,
    });
    let before = snapshot(&pool).await;
    let actions_before = action_count(&pool).await;

    let report = bulk::apply(
        &world.state.pool,
        &world.emil,
        Scope::Mine,
        &CaseFilter::default(),
        BulkTarget::Selected(selection.clone()),
        BulkChange::Status(CaseStatus::Resolved),
    )
    .await
    .unwrap();
    assert_eq!(
        report,
        BulkReport {
            updated: 38,
            skipped: 4,
            unchanged: 0
        }
    );

    let after = snapshot(&pool).await;
    let skipped: Vec<i64> = stale
        .iter()
        .copied()
        .chain([erins.id, world.globex_case])
        .collect();
    for (old, new) in before.iter().zip(&after) {
        let selected = selection.iter().any(|s| s.id == old.id);
        if selected && !skipped.contains(&old.id) {
            assert_eq!(new.status, CaseStatus::Resolved, "case {}", old.id);
            assert_eq!(new.version, old.version + 1, "case {}", old.id);
        } else {
            assert_eq!(new, old, "case {} should not have changed", old.id);
        }
    }

    // One audit row per updated case, saying who changed what from what to what.
    assert_eq!(action_count(&pool).await, actions_before + 38);
    let audit: Vec<(
        i64,
        Option<Uuid>,
        String,
        serde_json::Value,
        serde_json::Value,
    )> = sqlx::query_as(
        "SELECT case_id, actor_id, kind::text, before, after FROM case_actions
             WHERE kind = 'status' AND actor_id = $1 ORDER BY case_id",
    )
    .bind(world.emil.user_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(audit.len(), 38);
    for (case_id, actor, kind, before, after) in &audit {
        assert!(!skipped.contains(case_id));
        assert_eq!(*actor, Some(world.emil.user_id));
        assert_eq!(kind, "status");
        assert_eq!(*before, serde_json::json!({ "status": "open" }));
        assert_eq!(*after, serde_json::json!({ "status": "resolved" }));
    }

    // Doing it again: the page now shows new versions; every case is already resolved.
    let again: Vec<SeenCase> = seen(&world.state, &world.emil, Scope::Mine, "status=resolved")
        .await
        .into_iter()
        .filter(|s| selection.iter().any(|old| old.id == s.id))
        .collect();
    let report = bulk::apply(
        &world.state.pool,
        &world.emil,
        Scope::Mine,
        &CaseFilter::default(),
        BulkTarget::Selected(again),
        BulkChange::Status(CaseStatus::Resolved),
    )
    .await
    .unwrap();
    assert_eq!(
        report,
        BulkReport {
            updated: 0,
            skipped: 0,
            unchanged: 38
        }
    );
    assert_eq!(action_count(&pool).await, actions_before + 38);
    assert_versions_match_the_audit_trail(&pool).await;
}

#[sqlx::test]
async fn all_matching_skips_cases_changed_after_the_page_and_during_the_action(pool: PgPool) {
    let world = setup(&pool).await;
    let query = "status=open&status=pending";
    let page = cases::queue(&world.state.pool, &world.emil, Scope::Mine, &filter(query))
        .await
        .unwrap();
    let matching = seen(&world.state, &world.emil, Scope::Mine, query).await;
    assert!(
        matching.len() > 150,
        "needs more than one chunk-worth of work"
    );

    // After the page loaded, an admin moves three of emil's open cases to pending: they
    // still match the filter, but emil never saw them that way.
    let open = seen(&world.state, &world.emil, Scope::Mine, "status=open").await;
    let moved: Vec<SeenCase> = open[..3].to_vec();
    bulk::apply(
        &world.state.pool,
        &world.admin,
        Scope::Everyone,
        &CaseFilter::default(),
        BulkTarget::Selected(moved.clone()),
        BulkChange::Status(CaseStatus::Pending),
    )
    .await
    .unwrap();

    // And while the bulk action runs, someone holds two other cases locked mid-edit.
    let held: Vec<i64> = matching
        .iter()
        .map(|s| s.id)
        .filter(|id| moved.iter().all(|m| m.id != *id))
        .rev()
        .take(2)
        .collect();
    let mut editor = pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM cases WHERE id = ANY($1) FOR UPDATE")
        .bind(&held)
        .fetch_all(&mut *editor)
        .await
        .unwrap();
    let editor_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *editor)
        .await
        .unwrap();

    let state = world.state.clone();
    let emil = world.emil.clone();
    let as_of_micros = page.as_of_micros;
    let running = tokio::spawn(async move {
        bulk::apply(
            &state.pool,
            &emil,
            Scope::Mine,
            &filter(query),
            BulkTarget::AllMatching { as_of_micros },
            BulkChange::Status(CaseStatus::Resolved),
        )
        .await
    });
    // PostgreSQL says when the bulk action is waiting for the editor's row locks.
    common::wait_until_blocked_by(&pool, editor_pid).await;
    assert!(
        !running.is_finished(),
        "the bulk action must wait for the row lock, not skip past it"
    );
    // The editor saves: new status, new version, its own audit row.
    sqlx::query(
        "UPDATE cases SET priority = 'urgent', version = version + 1, updated_at = now() WHERE id = ANY($1)",
    )
    .bind(&held)
    .execute(&mut *editor)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO case_actions (tenant_id, case_id, actor_id, kind, before, after)
         SELECT tenant_id, id, NULL, 'priority', '{}', '{\"priority\": \"urgent\"}' FROM cases WHERE id = ANY($1)",
    )
    .bind(&held)
    .execute(&mut *editor)
    .await
    .unwrap();
    editor.commit().await.unwrap();

    let report = running.await.unwrap().unwrap();
    assert_eq!(report.skipped, 5, "{report:?}");
    assert_eq!(report.unchanged, 0);
    assert_eq!(report.updated as usize, matching.len() - 5);

    let resolved: Vec<i64> = sqlx::query_scalar(
        "SELECT case_id FROM case_actions WHERE actor_id = $1 AND kind = 'status' ORDER BY case_id",
    )
    .bind(world.emil.user_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(resolved.len() as u64, report.updated);
    for id in moved.iter().map(|m| m.id).chain(held.iter().copied()) {
        assert!(!resolved.contains(&id), "case {id} changed under the user");
    }
    let statuses: Vec<(i64, CaseStatus)> =
        sqlx::query_as("SELECT id, status FROM cases WHERE id = ANY($1)")
            .bind(
                moved
                    .iter()
                    .map(|m| m.id)
                    .chain(held.iter().copied())
                    .collect::<Vec<_>>(),
            )
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        statuses
            .iter()
            .all(|(_, status)| *status != CaseStatus::Resolved)
    );
    assert_versions_match_the_audit_trail(&pool).await;
}

#[sqlx::test]
async fn two_bulk_actions_racing_over_the_same_cases_never_deadlock(pool: PgPool) {
    let world = setup(&pool).await;
    let everything = seen(&world.state, &world.admin, Scope::Everyone, "").await;
    let emils = seen(&world.state, &world.emil, Scope::Mine, "").await;
    let before = snapshot(&pool).await;
    // Opposite orders on purpose: the server sorts, so locks are always taken by id.
    let mut reversed = everything.clone();
    reversed.reverse();
    let no_filter = CaseFilter::default();
    let (a, b) = tokio::join!(
        bulk::apply(
            &world.state.pool,
            &world.admin,
            Scope::Everyone,
            &no_filter,
            BulkTarget::Selected(reversed),
            BulkChange::Status(CaseStatus::Closed),
        ),
        bulk::apply(
            &world.state.pool,
            &world.emil,
            Scope::Mine,
            &no_filter,
            BulkTarget::Selected(emils.clone()),
            BulkChange::Archive(true),
        ),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    // Each case was asked about once per action and counted once per action.
    assert_eq!(
        (a.updated + a.skipped + a.unchanged) as usize,
        everything.len()
    );
    assert_eq!((b.updated + b.skipped + b.unchanged) as usize, emils.len());
    // Where both had work to do, exactly one of them did it: the other found a newer
    // version and skipped the case instead of overwriting it.
    let contested: Vec<i64> = before
        .iter()
        .filter(|case| emils.iter().any(|e| e.id == case.id))
        .filter(|case| case.status != CaseStatus::Closed && !case.archived)
        .map(|case| case.id)
        .collect();
    assert!(!contested.is_empty());
    let winners: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT case_id, count(*) FROM case_actions
         WHERE case_id = ANY($1) AND kind IN ('status', 'archive')
         GROUP BY case_id",
    )
    .bind(&contested)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(winners.len(), contested.len());
    assert!(winners.iter().all(|(_, n)| *n == 1), "{winners:?}");
    assert!(a.skipped + b.skipped >= contested.len() as u64);
    assert_versions_match_the_audit_trail(&pool).await;
}

#[sqlx::test]
async fn who_may_change_what(pool: PgPool) {
    let world = setup(&pool).await;
    let before = snapshot(&pool).await;
    let erins = seen(&world.state, &world.erin, Scope::Mine, "").await;

    // An employee's bulk action never reaches a colleague's or another tenant's case.
    let mut targets = erins[..5].to_vec();
    targets.push(SeenCase {
        id: world.globex_case,
        version: 1,
    });
    let report = bulk::apply(
        &world.state.pool,
        &world.emil,
        Scope::Mine,
        &CaseFilter::default(),
        BulkTarget::Selected(targets),
        BulkChange::Archive(true),
    )
    .await
    .unwrap();
    assert_eq!(
        report,
        BulkReport {
            updated: 0,
            skipped: 6,
            unchanged: 0
        }
    );
    // Nor can an admin reach another tenant's.
    let report = bulk::apply(
        &world.state.pool,
        &world.admin,
        Scope::Everyone,
        &CaseFilter::default(),
        BulkTarget::Selected(vec![SeenCase {
            id: world.globex_case,
            version: 1,
        }]),
        BulkChange::Archive(true),
    )
    .await
    .unwrap();
    assert_eq!(report.skipped, 1);

    // Employees may hand cases back to the pool, not give them to someone else.
    let emils = seen(&world.state, &world.emil, Scope::Mine, "").await;
    let one = BulkTarget::Selected(emils[..1].to_vec());
    let error = bulk::apply(
        &world.state.pool,
        &world.emil,
        Scope::Mine,
        &CaseFilter::default(),
        one.clone(),
        BulkChange::Assign(Some(world.erin.user_id)),
    )
    .await
    .unwrap_err();
    assert_eq!(error, AppError::Forbidden);

    // Admins assign only to active people of the tenant who work cases.
    let anna: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'anna@acme.example'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let gus: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'gus@globex.example'")
        .fetch_one(&pool)
        .await
        .unwrap();
    for nobody in [anna, gus, Uuid::new_v4()] {
        let error = bulk::apply(
            &world.state.pool,
            &world.admin,
            Scope::Everyone,
            &CaseFilter::default(),
            one.clone(),
            BulkChange::Assign(Some(nobody)),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(error, AppError::Invalid { ref field, .. } if field == "change"),
            "{error:?}"
        );
    }
    assert_eq!(snapshot(&pool).await, before, "nothing may have changed");

    // And the admin's real reassignment works, audited as an assignment.
    let report = bulk::apply(
        &world.state.pool,
        &world.admin,
        Scope::Everyone,
        &CaseFilter::default(),
        one,
        BulkChange::Assign(Some(world.erin.user_id)),
    )
    .await
    .unwrap();
    assert_eq!(report.updated, 1);
    let (before, after): (serde_json::Value, serde_json::Value) = sqlx::query_as(
        "SELECT before, after FROM case_actions WHERE kind = 'assign' AND case_id = $1",
    )
    .bind(emils[0].id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        before,
        serde_json::json!({ "assignee_id": world.emil.user_id })
    );
    assert_eq!(
        after,
        serde_json::json!({ "assignee_id": world.erin.user_id })
    );
    assert_versions_match_the_audit_trail(&pool).await;
}

/// Posts the bulk form the way a browser does: with JavaScript (the server-function
/// client) or without (a plain form post that asks for HTML).
async fn post_bulk(
    state: &AppState,
    cookie: &str,
    form: &[(&str, String)],
    plain_html: bool,
) -> common::Reply {
    let body = serde_urlencoded::to_string(form).unwrap();
    let mut request = Request::post("/api/cases/bulk")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("referer", "http://127.0.0.1:3000/work")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie);
    if plain_html {
        request = request.header("accept", "text/html,application/xhtml+xml");
    }
    common::send_body(state.clone(), request, Body::from(body)).await
}

type Form = Vec<(&'static str, String)>;

fn form(
    queue: &str,
    query: &str,
    change: &str,
    target: &str,
    as_of: &str,
    cases: &[String],
) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("queue", queue.to_string()),
        ("query", query.to_string()),
        ("change", change.to_string()),
        ("target", target.to_string()),
        ("as_of", as_of.to_string()),
    ];
    form.extend(cases.iter().map(|case| ("cases[]", case.clone())));
    form
}

#[sqlx::test]
async fn the_form_over_http_with_and_without_javascript(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let admin = common::session_cookie(&world.state, "ada@acme.example", PASSWORD).await;
    let open = seen(&world.state, &world.emil, Scope::Mine, "status=open").await;
    let ticked: Vec<String> = open[..2].iter().map(SeenCase::encode).collect();

    // With JavaScript: the report as JSON.
    let reply = post_bulk(
        &world.state,
        &emil,
        &form(
            "mine",
            "status=open",
            "status:pending",
            "selected",
            "",
            &ticked,
        ),
        false,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report: BulkReport = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(report.updated, 2);

    // Without: back to the queue, filter kept, report in the URL, shown by the page.
    let ticked: Vec<String> = open[2..5].iter().map(SeenCase::encode).collect();
    let reply = post_bulk(
        &world.state,
        &emil,
        &form("mine", "status=open", "archive", "selected", "", &ticked),
        true,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.location(), "/work?status=open&bulk=3.0.0");
    let page = common::get_with_cookie(world.state.clone(), reply.location(), &emil).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("3 cases updated"), "report not shown");
    assert!(page.body.contains(r#"data-testid="bulk-bar""#));

    // A refusal without JavaScript comes back as a message on the page, not a JSON body.
    let reply = post_bulk(
        &world.state,
        &emil,
        &form("mine", "status=open", "status:pending", "selected", "", &[]),
        true,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert!(
        reply
            .location()
            .starts_with("/work?status=open&bulk_error=")
    );
    let page = common::get_with_cookie(world.state.clone(), reply.location(), &emil).await;
    assert!(
        page.body.contains("select at least one case"),
        "{}",
        page.body
    );

    // "All matching" from the team view, narrowed to one assignee.
    let as_of: i64 = sqlx::query_scalar("SELECT (extract(epoch FROM now()) * 1000000)::bigint")
        .fetch_one(&pool)
        .await
        .unwrap();
    let query = format!("status=new&assignee={}", world.erin.user_id);
    let erins_new = seen(&world.state, &world.erin, Scope::Mine, "status=new").await;
    let reply = post_bulk(
        &world.state,
        &admin,
        &form(
            "team",
            &query,
            "status:open",
            "all",
            &as_of.to_string(),
            &[],
        ),
        false,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report: BulkReport = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(report.updated as usize, erins_new.len());
    assert!(
        seen(&world.state, &world.erin, Scope::Mine, "status=new")
            .await
            .is_empty()
    );
    assert_versions_match_the_audit_trail(&pool).await;
}

#[sqlx::test]
async fn bad_input_is_refused_clearly_and_changes_nothing(pool: PgPool) {
    let world = setup(&pool).await;
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let anna = common::session_cookie(&world.state, "anna@acme.example", PASSWORD).await;
    let open = seen(&world.state, &world.emil, Scope::Mine, "status=open").await;
    let one = vec![open[0].encode()];
    let before = snapshot(&pool).await;
    let actions = action_count(&pool).await;

    let cases_of = |n: usize| -> Vec<String> { (1..=n).map(|i| format!("{i}:1")).collect() };
    let too_many = cases_of(10_001);
    let refused: Vec<(Form, StatusCode, &str)> = vec![
        (
            form("mine", "", "", "selected", "", &one),
            StatusCode::UNPROCESSABLE_ENTITY,
            "choose what to change",
        ),
        (
            form("mine", "", "status:done", "selected", "", &one),
            StatusCode::UNPROCESSABLE_ENTITY,
            "is not a status",
        ),
        (
            form("mine", "", "delete", "selected", "", &one),
            StatusCode::UNPROCESSABLE_ENTITY,
            "choose what to change",
        ),
        (
            form("mine", "", "archive", "some", "", &one),
            StatusCode::UNPROCESSABLE_ENTITY,
            "must be selected or all",
        ),
        (
            form("mine", "", "archive", "selected", "", &[]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "select at least one case",
        ),
        (
            form(
                "mine",
                "",
                "archive",
                "selected",
                "",
                &["12; DROP TABLE cases".into()],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a case from this list",
        ),
        (
            form("mine", "", "archive", "selected", "", &too_many),
            StatusCode::UNPROCESSABLE_ENTITY,
            "narrow the filter",
        ),
        (
            form("mine", "", "archive", "all", "yesterday", &[]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "is not a time",
        ),
        (
            form("mine", "", "archive", "all", "9223372036854775807", &[]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "is not a time",
        ),
        (
            form("mine", "status=bogus", "archive", "all", "0", &[]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "is not a status",
        ),
        (
            form("theirs", "", "archive", "selected", "", &one),
            StatusCode::UNPROCESSABLE_ENTITY,
            "must be mine or team",
        ),
        (
            form("team", "", "archive", "selected", "", &one),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            form("mine", "", "assign:not-a-person", "selected", "", &one),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not someone",
        ),
    ];
    for (fields, status, message) in refused {
        let reply = post_bulk(&world.state, &emil, &fields, false).await;
        assert_eq!(reply.status, status, "{fields:?}: {}", reply.body);
        assert!(reply.body.contains(message), "{fields:?}: {}", reply.body);
    }
    // An analyst does not work cases at all; nobody signed in is asked to sign in.
    let reply = post_bulk(
        &world.state,
        &anna,
        &form("mine", "", "archive", "selected", "", &one),
        false,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = post_bulk(
        &world.state,
        "casework_session=forged",
        &form("mine", "", "archive", "selected", "", &one),
        false,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        snapshot(&pool).await,
        before,
        "a refused request changed cases"
    );
    assert_eq!(action_count(&pool).await, actions);
}
