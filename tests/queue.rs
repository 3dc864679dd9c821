#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The work-queue query: every filter and sort, walked page by page, returns exactly
//! the rows an independent computation expects, in order, with no duplicates or gaps
//! across page boundaries — including many ties on the sort keys.

mod common;

use app::model::{
    CaseFilter, CasePriority, CaseSort, CaseStatus, Cursor, MatchCount, Role, Viewer,
};
use app::server::cases::{self, PAGE_SIZE, Scope};
use app::server::comments;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(sqlx::FromRow, Clone)]
struct Truth {
    id: i64,
    assignee_id: Option<Uuid>,
    status: CaseStatus,
    priority: CasePriority,
    archived: bool,
    updated_at: OffsetDateTime,
    created_at: OffsetDateTime,
    title: String,
    customer: String,
}

async fn viewer(pool: &PgPool, email: &str) -> Viewer {
    common::viewer(pool, email).await
}

/// Two employees' queues in one tenant, another tenant beside it, and ties: many
/// cases share an `updated_at` / `created_at` to the microsecond.
async fn setup(pool: &PgPool) -> (app::server::AppState, Viewer, Viewer) {
    let world = common::world::World::build(pool)
        .tenant("acme", common::world::ACME_CASE_TEAM)
        .cases("acme", 900, 400)
        .tenant("globex", &[("gus@globex.example", Role::Employee)])
        .cases("globex", 200, 0)
        .done()
        .await;
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("UPDATE cases SET updated_at = '2026-01-01 12:00:00+00' WHERE number % 5 = 0")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE cases SET created_at = '2025-06-01 08:00:00+00', updated_at = greatest(updated_at, '2025-06-01 08:00:00+00') WHERE number % 7 = 0")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    (
        world.state.clone(),
        world.viewer("ada@acme.example").await,
        world.viewer("emil@acme.example").await,
    )
}

async fn truth(pool: &PgPool, tenant: Uuid) -> Vec<Truth> {
    sqlx::query_as(
        "SELECT id, assignee_id, status, priority, archived, updated_at, created_at, title,
                customer_name || ' ' || customer_email || ' ' || customer_company AS customer
         FROM cases WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Whether a case matches the search box, worked out here rather than by PostgreSQL:
/// the query is words joined by `OR`; a word matches a word of the title (English, so
/// "refund" finds "refunds" and "refunded") or a word of the customer fields as
/// written, ignoring case.
fn matches(case: &Truth, q: &str) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (title, customer) = (words(&case.title), words(&case.customer));
    q.split(" OR ").map(str::to_lowercase).any(|term| {
        title.iter().any(|word| {
            word.strip_prefix(term.as_str())
                .is_some_and(|rest| ["", "s", "es", "ed", "ing"].contains(&rest))
        }) || customer.contains(&term)
    })
}

fn expected(all: &[Truth], scope: Scope, me: Uuid, filter: &CaseFilter) -> Vec<i64> {
    let mut rows: Vec<&Truth> = all
        .iter()
        .filter(|c| match scope {
            Scope::Mine => c.assignee_id == Some(me),
            Scope::AssignedTo(user) => c.assignee_id == Some(user),
            Scope::Unassigned => c.assignee_id.is_none(),
            Scope::Everyone => true,
        })
        .filter(|c| c.archived == filter.archived)
        .filter(|c| filter.statuses.is_empty() || filter.statuses.contains(&c.status))
        .filter(|c| filter.priority.is_none_or(|p| p == c.priority))
        .filter(|c| filter.q.is_empty() || matches(c, &filter.q))
        .collect();
    rows.sort_by(|a, b| match filter.sort {
        CaseSort::Updated => (b.updated_at, b.id).cmp(&(a.updated_at, a.id)),
        CaseSort::Created => (b.created_at, b.id).cmp(&(a.created_at, a.id)),
        CaseSort::Priority => {
            (b.priority, b.updated_at, b.id).cmp(&(a.priority, a.updated_at, a.id))
        }
    });
    rows.into_iter().map(|c| c.id).collect()
}

/// Follows `next` markers from the first page to the last.
async fn walk(
    state: &app::server::AppState,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
) -> (Vec<i64>, MatchCount) {
    let mut filter = filter.clone();
    filter.after = None;
    let mut ids = Vec::new();
    let mut first_count = None;
    for _ in 0..100 {
        let page = cases::queue(&state.pool, viewer, scope, &filter)
            .await
            .unwrap();
        assert!(page.rows.len() <= PAGE_SIZE);
        first_count.get_or_insert(page.count);
        ids.extend(page.rows.iter().map(|row| row.id));
        match page.next {
            Some(next) => {
                assert_eq!(
                    page.rows.len(),
                    PAGE_SIZE,
                    "a short page that says there is more"
                );
                filter.after = Some(next);
            }
            None => return (ids, first_count.unwrap_or(MatchCount::Exact(0))),
        }
    }
    panic!("more than 100 pages");
}

fn filter(
    statuses: &[CaseStatus],
    priority: Option<CasePriority>,
    archived: bool,
    q: &str,
    sort: CaseSort,
) -> CaseFilter {
    CaseFilter {
        statuses: statuses.to_vec(),
        priority,
        archived,
        q: q.into(),
        sort,
        after: None,
        ..CaseFilter::default()
    }
}

#[sqlx::test]
async fn every_filter_and_sort_pages_through_exactly_the_right_rows(pool: PgPool) {
    let (state, admin, emil) = setup(&pool).await;
    use CaseSort::*;
    use CaseStatus::*;
    let filters = [
        filter(&[], None, false, "", Updated),
        filter(&[], None, false, "", Created),
        filter(&[], None, false, "", Priority),
        filter(&[], None, true, "", Updated),
        filter(&[Open, Pending], None, false, "", Updated),
        filter(&[Open], Some(CasePriority::High), false, "", Priority),
        filter(&[], Some(CasePriority::Urgent), false, "", Created),
        filter(&[], None, false, "refund", Updated),
        filter(
            &[New, Open, Pending],
            None,
            false,
            "portal OR invoice",
            Priority,
        ),
        filter(&[Closed], None, true, "", Created),
    ];
    let scopes = [
        (&emil, Scope::Mine),
        (&admin, Scope::Everyone),
        (&admin, Scope::Unassigned),
        (&admin, Scope::AssignedTo(emil.user_id)),
    ];
    let mut non_trivial = 0;
    for f in &filters {
        let all = truth(&pool, admin.tenant_id).await;
        let found = all.iter().filter(|c| matches(c, &f.q)).count();
        assert!(
            f.q.is_empty() || (found > 0 && found < all.len()),
            "the search {:?} should find some cases and not others: {found} of {}",
            f.q,
            all.len()
        );
        for (viewer, scope) in scopes {
            let want = expected(&all, scope, viewer.user_id, f);
            let (got, count) = walk(&state, viewer, scope, f).await;
            let mut unique = got.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), got.len(), "duplicates for {scope:?} {f:?}");
            assert_eq!(got, want, "wrong rows or order for {scope:?} {f:?}");
            assert_eq!(
                count,
                MatchCount::Exact(want.len() as u64),
                "{scope:?} {f:?}"
            );
            if want.len() > PAGE_SIZE {
                non_trivial += 1;
            }
        }
    }
    assert!(
        non_trivial >= 8,
        "too few multi-page cases to mean anything: {non_trivial}"
    );
    // The generator's other tenant never shows up.
    let (everyone, _) = walk(&state, &admin, Scope::Everyone, &filters[0]).await;
    let foreign: i64 = sqlx::query_scalar("SELECT count(*) FROM cases c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'globex' AND c.id = ANY($1)")
        .bind(&everyone)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(foreign, 0);
}

#[sqlx::test]
async fn counts_are_exact_up_to_the_cap_and_capped_beyond(pool: PgPool) {
    let tenant = common::tenant_with_users(
        &pool,
        "big",
        &[("bo@big.example", Role::Employee)],
        "a long password",
    )
    .await;
    let bo = viewer(&pool, "bo@big.example").await;
    let mut conn = pool.acquire().await.unwrap();
    app::server::generate::generate_cases(&mut conn, tenant, &[bo.user_id], 10_200, 0)
        .await
        .unwrap();
    sqlx::query("UPDATE cases SET assignee_id = $1, archived = false")
        .bind(bo.user_id)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let state = common::state(common::config(&common::database_url(&pool), &[]));
    let all_open = CaseFilter::default();
    let page = cases::queue(&state.pool, &bo, Scope::Mine, &all_open)
        .await
        .unwrap();
    let unarchived: i64 = sqlx::query_scalar("SELECT count(*) FROM cases WHERE NOT archived")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(unarchived > 10_000);
    assert_eq!(page.count, MatchCount::AtLeast(10_000));
    assert_eq!(page.count.label(), "10,000+ cases");
    let urgent = CaseFilter {
        priority: Some(CasePriority::Urgent),
        ..CaseFilter::default()
    };
    let page = cases::queue(&state.pool, &bo, Scope::Mine, &urgent)
        .await
        .unwrap();
    let want: i64 =
        sqlx::query_scalar("SELECT count(*) FROM cases WHERE NOT archived AND priority = 'urgent'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(page.count, MatchCount::Exact(want as u64));

    // The count rides on the page's rows. With no row to carry it, it is still right:
    // a filter matching nothing, and a page marker past the end of a list that has
    // matches.
    let nothing = CaseFilter {
        q: "nosuchwordanywhere".into(),
        ..CaseFilter::default()
    };
    let page = cases::queue(&state.pool, &bo, Scope::Mine, &nothing)
        .await
        .unwrap();
    assert!(page.rows.is_empty());
    assert_eq!(page.count, MatchCount::Exact(0));
    let mut last = None;
    let mut cursor = None;
    loop {
        let filter = CaseFilter {
            after: cursor,
            ..urgent.clone()
        };
        let page = cases::queue(&state.pool, &bo, Scope::Mine, &filter)
            .await
            .unwrap();
        assert_eq!(page.count, MatchCount::Exact(want as u64));
        if let Some(row) = page.rows.last() {
            last = Some(row.clone());
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let last = last.expect("urgent cases exist");
    let past_the_end = CaseFilter {
        after: Some(Cursor {
            priority: None,
            at_micros: (last.updated_at.unix_timestamp_nanos() / 1_000) as i64,
            id: last.id,
        }),
        ..urgent.clone()
    };
    let page = cases::queue(&state.pool, &bo, Scope::Mine, &past_the_end)
        .await
        .unwrap();
    assert!(page.rows.is_empty());
    assert_eq!(page.next, None);
    assert_eq!(page.count, MatchCount::Exact(want as u64));
    // Its "as of" is still the database's clock.
    let db_now: i64 = sqlx::query_scalar("SELECT (extract(epoch FROM now()) * 1000000)::bigint")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(page.as_of_micros > 0 && page.as_of_micros <= db_now);
}

#[sqlx::test]
async fn the_work_page_and_its_function_over_http(pool: PgPool) {
    let (state, _admin, _emil) = setup(&pool).await;
    common::tenant_with_users(
        &pool,
        "acme",
        &[("ana@acme.example", Role::Analyst)],
        "a long password",
    )
    .await;
    let emil = common::session_cookie(&state, "emil@acme.example", "a long password").await;
    let ana = common::session_cookie(&state, "ana@acme.example", "a long password").await;

    // Who may ask for a queue of their own.
    let form = [("query", "status=open")];
    assert_eq!(
        common::post_form(state.clone(), "/api/cases/mine", &form, None)
            .await
            .status,
        axum::http::StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        common::post_form(state.clone(), "/api/cases/mine", &form, Some(&ana))
            .await
            .status,
        axum::http::StatusCode::FORBIDDEN
    );
    let reply = common::post_form(state.clone(), "/api/cases/mine", &form, Some(&emil)).await;
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
    let page: app::model::CasePage = serde_json::from_str(&reply.body).unwrap();
    assert!(!page.rows.is_empty() && page.rows.iter().all(|row| row.status == CaseStatus::Open));

    // The page, server-rendered: count, rows, and a link to the next page.
    let html = common::get_with_cookie(state.clone(), "/work", &emil).await;
    assert_eq!(html.status, axum::http::StatusCode::OK);
    assert_eq!(html.body.matches(r#"<tr data-number=""#).count(), PAGE_SIZE);
    // The rows went out past Leptos' pipeline (html_splice): in their table body, no
    // marker left behind, and the page's length told up front.
    assert!(html.body.contains(r#"data-testid="case-rows""#));
    let tbody = html
        .body
        .split(r#"data-testid="case-rows""#)
        .nth(1)
        .unwrap_or_default();
    assert!(
        tbody
            .split("</tbody>")
            .next()
            .unwrap_or_default()
            .contains("<tr data-number=")
    );
    assert!(
        !html.body.contains("<!--splice:"),
        "a marker was left in the page"
    );
    // The headers sort: links keeping the filter, the order shown marked for screen
    // readers.
    let sorted =
        common::get_with_cookie(state.clone(), "/work?status=open&sort=priority", &emil).await;
    assert!(
        sorted
            .body
            .contains(r#"href="/work?status=open&amp;sort=created""#),
        "{}",
        sorted.body
    );
    assert!(sorted.body.contains(r#"href="/work?status=open""#));
    assert_eq!(sorted.body.matches(r#"aria-sort="descending""#).count(), 1);
    let shown = sorted
        .body
        .split(r#"aria-sort="descending""#)
        .nth(1)
        .and_then(|rest| rest.split("</th>").next())
        .unwrap_or_default();
    assert!(
        shown.contains(r#"href="/work?status=open&amp;sort=priority""#),
        "{shown}"
    );
    assert_eq!(
        html.headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()),
        Some(html.body.len().to_string().as_str())
    );
    assert!(html.body.contains(r#"data-testid="match-count""#));
    assert_updated_is_relative(&html.body);
    assert!(html.body.contains("Next page →"));
    assert!(html.body.contains("/work?after="));

    // A bad value in the URL: a clear message with the right status, not a 500.
    for bad in [
        "/work?status=bogus",
        "/work?sort=sideways",
        "/work?after=nonsense",
        "/work?archived=perhaps",
    ] {
        let reply = common::get_with_cookie(state.clone(), bad, &emil).await;
        assert_eq!(
            reply.status,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
        assert!(reply.body.contains("These filters cannot be used"), "{bad}");
    }
    let reply = common::post_form(
        state.clone(),
        "/api/cases/mine",
        &[("query", "status=bogus")],
        Some(&emil),
    )
    .await;
    assert_eq!(reply.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("is not a status"), "{}", reply.body);
}

#[sqlx::test]
async fn the_team_view_is_for_admins_and_filters_by_assignee(pool: PgPool) {
    let (state, _admin, emil) = setup(&pool).await;
    let admin = common::session_cookie(&state, "ada@acme.example", "a long password").await;
    let employee = common::session_cookie(&state, "emil@acme.example", "a long password").await;

    // Employees only ever see their own queue.
    let reply = common::post_form(
        state.clone(),
        "/api/cases/team",
        &[("query", "")],
        Some(&employee),
    )
    .await;
    assert_eq!(reply.status, axum::http::StatusCode::FORBIDDEN);
    let page = common::get_with_cookie(state.clone(), "/cases", &employee).await;
    assert_eq!(page.status, axum::http::StatusCode::FORBIDDEN);
    assert_eq!(page.body.matches(r#"<tr data-number=""#).count(), 0);

    let team = |query: String| {
        let (state, admin) = (state.clone(), admin.clone());
        async move {
            let reply =
                common::post_form(state, "/api/cases/team", &[("query", &query)], Some(&admin))
                    .await;
            (reply.status, reply.body)
        }
    };
    let (status, body) = team("assignee=unassigned".into()).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    let unassigned: app::model::TeamPage = serde_json::from_str(&body).unwrap();
    let want: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cases c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'acme' AND assignee_id IS NULL AND NOT archived",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(want > 0);
    assert_eq!(unassigned.page.count, MatchCount::Exact(want as u64));
    assert!(
        unassigned
            .assignees
            .iter()
            .any(|person| person.id == emil.user_id)
    );

    let (_, body) = team(format!("assignee={}", emil.user_id)).await;
    let emils: app::model::TeamPage = serde_json::from_str(&body).unwrap();
    let mine = cases::queue(&state.pool, &emil, Scope::Mine, &CaseFilter::default())
        .await
        .unwrap();
    assert_eq!(emils.page.count, mine.count);
    assert_eq!(emils.page.rows, mine.rows);

    for bad in [
        "assignee=nobody",
        "assignee=' OR 1=1",
        "status=closed&assignee=42",
    ] {
        let (status, body) = team(bad.into()).await;
        assert_eq!(
            status,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {body}"
        );
    }
    // Another tenant's person is simply nobody here: an empty queue, not their cases.
    let gus: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'gus@globex.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (_, body) = team(format!("assignee={gus}")).await;
    let foreign: app::model::TeamPage = serde_json::from_str(&body).unwrap();
    assert!(foreign.page.rows.is_empty());

    // The server-rendered page keeps the assignee in its page links.
    let html = common::get_with_cookie(
        state.clone(),
        &format!("/cases?assignee={}", emil.user_id),
        &admin,
    )
    .await;
    assert_eq!(html.status, axum::http::StatusCode::OK);
    assert!(
        html.body.contains(&format!("assignee={}", emil.user_id)),
        "next link lost the assignee"
    );
    assert!(html.body.contains("Unassigned"));
}

/// Every row's "Updated" reads relative to now ("5 minutes ago"), with the machine time
/// in `datetime` and the absolute one in `title`.
fn assert_updated_is_relative(body: &str) {
    use app::components::relative_label;
    let format = time::format_description::well_known::Rfc3339;
    let mut seen = 0;
    for cell in body.split("<time datetime=\"").skip(1) {
        let (machine, rest) = cell.split_once("\" title=\"").unwrap();
        let (absolute, rest) = rest.split_once("\">").unwrap();
        let (shown, _) = rest.split_once("</time>").unwrap();
        let at = OffsetDateTime::parse(machine, &format).unwrap();
        assert_eq!(absolute, app::model::format_timestamp(at));
        // The page was rendered a moment ago: a label boundary may lie in between.
        let now = OffsetDateTime::now_utc();
        let then = now - time::Duration::seconds(30);
        assert!(
            shown == relative_label(at, now) || shown == relative_label(at, then),
            "{machine}: {shown}"
        );
        seen += 1;
    }
    assert_eq!(seen, PAGE_SIZE);
}

/// A request dropped while its transaction is being begun (a client hanging up) must
/// not leave that transaction, with its tenant setting, open on a pooled connection.
#[sqlx::test]
async fn a_begin_cut_short_leaves_no_transaction_on_the_connection(pool: PgPool) {
    let (_state, admin, _emil) = setup(&pool).await;
    let url = common::database_url(&pool);
    let config = common::config(&url, &["--database-pool-size", "1"]);
    let one = app::server::db::request_pool(&config).unwrap();
    // Connect first, so the begin below sends its message at the first poll.
    sqlx::query("SELECT 1").execute(&one).await.unwrap();
    for polls in 1..=40 {
        let mut begin = Box::pin(app::server::db::tenant_tx(&one, admin.tenant_id));
        // Polled a few times, then dropped as a cancelled request's future is: some of
        // these cuts land after `BEGIN; SELECT set_config(…)` went out and before its
        // answer came back.
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        for _ in 0..polls {
            if begin.as_mut().poll(&mut cx).is_ready() {
                break;
            }
            tokio::task::yield_now().await;
        }
        drop(begin);
        // The pool's only connection, used outside any transaction: no tenant.
        let tenant: Option<String> =
            sqlx::query_scalar("SELECT nullif(current_setting('app.tenant_id', true), '')")
                .fetch_one(&one)
                .await
                .unwrap();
        assert_eq!(tenant, None);
        // And no transaction block: a savepoint is refused outside one.
        let savepoint = sqlx::query("SAVEPOINT probe").execute(&one).await;
        assert!(
            savepoint.is_err(),
            "a transaction was left open on the connection"
        );
    }
}

/// A page whose client hangs up mid-render finishes quietly. Leptos resolves a page's
/// data in tasks of its own; dropped with the request, the page used to leave them
/// reaching for a disposed router and panicking in the worker threads.
#[sqlx::test]
async fn a_page_abandoned_mid_render_panics_nothing(pool: PgPool) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tower::ServiceExt;

    static PANICS: AtomicUsize = AtomicUsize::new(0);
    let (state, _admin, _emil) = setup(&pool).await;
    let cookie = common::session_cookie(&state, "emil@acme.example", "a long password").await;
    let url = common::database_url(&pool);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        eprintln!("{info}");
    }));
    // The race needs worker threads, as in `serve`: the test's own runtime has one.
    let cut_short = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_stack_size(8 * 1024 * 1024)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let state = common::state(common::config(&url, &[]));
            // Cut short at every stage of the page: before, during and after its
            // queries, sixteen at a time.
            for step in 0..60u64 {
                let pages = (0..16u64).map(|n| {
                    let request = axum::http::Request::get("/work")
                        .header("cookie", &cookie)
                        .body(axum::body::Body::empty())
                        .unwrap();
                    let page = casework::startup::router(state.clone()).oneshot(request);
                    let cut = std::time::Duration::from_micros((step * 16 + n) * 40);
                    tokio::spawn(tokio::time::timeout(cut, page))
                });
                for page in pages.collect::<Vec<_>>() {
                    let _ = page.await;
                }
            }
            // Whatever was left running gets the time to finish, or to fail.
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            // And the page still renders whole for a client that waits.
            let page = common::get_with_cookie(state, "/work", &cookie).await;
            assert_eq!(page.status, 200);
            assert!(page.body.contains("<tr data-number=\""));
        });
    })
    .join();
    let _ = std::panic::take_hook();
    std::panic::set_hook(previous);
    assert!(cut_short.is_ok());
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "abandoned pages panicked");
}

/// Each case's newest comment that is not deleted, first 140 characters, worked out
/// from the thread (as the page once did per row), by case number.
async fn newest_comments(pool: &PgPool, tenant: Uuid) -> std::collections::HashMap<i32, String> {
    let rows: Vec<(i32, String)> = sqlx::query_as(
        "SELECT c.number, left(m.body, 140) FROM cases c
         JOIN LATERAL (SELECT body FROM case_comments m
                       WHERE m.case_id = c.id AND m.deleted_at IS NULL
                       ORDER BY m.created_at DESC, m.id DESC LIMIT 1) m ON true
         WHERE c.tenant_id = $1",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// The snippets on emil's first page, by case number, as the queue shows them.
async fn shown_comments(
    state: &app::server::AppState,
    emil: &Viewer,
) -> Vec<(i32, Option<String>)> {
    let page = cases::queue(&state.pool, emil, Scope::Mine, &CaseFilter::default())
        .await
        .unwrap();
    page.rows
        .iter()
        .map(|row| (row.number, row.last_comment.clone()))
        .collect()
}

async fn assert_snippets_match_the_threads(
    pool: &PgPool,
    state: &app::server::AppState,
    emil: &Viewer,
) {
    let truth = newest_comments(pool, emil.tenant_id).await;
    for (number, shown) in shown_comments(state, emil).await {
        assert_eq!(shown.as_ref(), truth.get(&number), "case {number}");
    }
}

async fn case_version(pool: &PgPool, tenant: Uuid, number: i32) -> i32 {
    sqlx::query_scalar("SELECT version FROM cases WHERE number = $1 AND tenant_id = $2")
        .bind(number)
        .bind(tenant)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The snippet is kept on the case by triggers (migration `…_case_last_comment`), so
/// every way a comment is written must leave it equal to what the thread says: the
/// seed's bulk insert, posting, editing, deleting the newest and the only comment.
#[sqlx::test]
async fn each_row_shows_its_newest_comment_through_every_kind_of_write(pool: PgPool) {
    let (state, _admin, emil) = setup(&pool).await;
    let app_pool = &state.pool;
    // The generator loaded 400 comments in one INSERT.
    let shown = shown_comments(&state, &emil).await;
    assert!(
        shown.iter().any(|(_, snippet)| snippet.is_some()),
        "the first page has commented cases"
    );
    assert_snippets_match_the_threads(&pool, &state, &emil).await;

    // A case without comments. Each comment moves it to the top of the queue (it
    // touches `updated_at`), so it stays on the first page.
    let number = shown
        .iter()
        .find(|(_, snippet)| snippet.is_none())
        .map(|(number, _)| *number)
        .unwrap();
    let snippet_of = |number: i32| {
        let state = state.clone();
        let emil = emil.clone();
        async move {
            shown_comments(&state, &emil)
                .await
                .into_iter()
                .find(|(n, _)| *n == number)
                .and_then(|(_, snippet)| snippet)
        }
    };
    let version = || case_version(&pool, emil.tenant_id, number);
    let version_before = version().await;

    let first = comments::post(app_pool, &emil, number, "Called the customer.")
        .await
        .unwrap();
    assert_eq!(
        snippet_of(number).await.as_deref(),
        Some("Called the customer.")
    );
    // Longer than a snippet: cut at 140 characters, not bytes.
    let long = "é".repeat(200);
    let second = comments::post(app_pool, &emil, number, &long)
        .await
        .unwrap();
    assert_eq!(snippet_of(number).await, Some("é".repeat(140)));
    comments::edit(app_pool, &emil, number, second.id, "Refund sent.")
        .await
        .unwrap();
    assert_eq!(snippet_of(number).await.as_deref(), Some("Refund sent."));
    // Editing an older comment leaves the newest in place.
    comments::edit(
        app_pool,
        &emil,
        number,
        first.id,
        "Called the customer twice.",
    )
    .await
    .unwrap();
    assert_eq!(snippet_of(number).await.as_deref(), Some("Refund sent."));
    // Deleting the newest brings back the one before; deleting that leaves none.
    comments::delete(app_pool, &emil, number, second.id)
        .await
        .unwrap();
    assert_eq!(
        snippet_of(number).await.as_deref(),
        Some("Called the customer twice.")
    );
    comments::delete(app_pool, &emil, number, first.id)
        .await
        .unwrap();
    assert_eq!(snippet_of(number).await, None);
    // A refused write (an empty body) changes nothing.
    assert!(
        comments::post(app_pool, &emil, number, "   ")
            .await
            .is_err()
    );
    assert_eq!(snippet_of(number).await, None);

    // None of it bumped the version (a bulk action would skip the case as changed).
    let version_after = version().await;
    assert_eq!(version_after, version_before);
    assert_snippets_match_the_threads(&pool, &state, &emil).await;
}

/// The query plan for one page, as PostgreSQL would run the statement [`cases::queue`]
/// runs (same text, same values, the viewer's tenant set), as JSON text.
async fn page_plan(state: &app::server::AppState, viewer: &Viewer, filter: &CaseFilter) -> String {
    scoped_page_plan(state, viewer, Scope::Mine, filter).await
}

/// A plan's nodes, depth first.
fn plan_nodes(node: &serde_json::Value) -> Vec<&serde_json::Value> {
    let mut nodes = vec![node];
    for child in node["Plans"].as_array().into_iter().flatten() {
        nodes.extend(plan_nodes(child));
    }
    nodes
}

async fn scoped_page_plan(
    state: &app::server::AppState,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
) -> String {
    let mut statement =
        cases::page_statement("EXPLAIN (FORMAT JSON) ", viewer, scope, filter).unwrap();
    let mut tx = app::server::db::tenant_tx(&state.pool, viewer.tenant_id)
        .await
        .unwrap();
    let plan: serde_json::Value = statement
        .build_query_scalar()
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    plan.to_string()
}

/// The default order (every status, newest update first) is read in order from
/// `(tenant, assignee, archived, updated_at, id)` (migration `…_queue_by_updated_index`,
/// bench/EXPLAIN.md): the first page stops after 101 index entries instead of sorting
/// the whole queue, and a later page's marker is an index condition. Without that
/// index PostgreSQL sorts the queue for every page, and this fails.
#[sqlx::test]
async fn a_queue_in_its_default_order_is_read_in_order_not_sorted(pool: PgPool) {
    let (state, _admin, emil) = setup(&pool).await;
    // A table the size of a real tenant's around emil's ~450 cases, so the planner
    // weighs its indexes as it does in production rather than scanning a small table.
    let globex: Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'globex'")
        .fetch_one(&pool)
        .await
        .unwrap();
    common::cases_for_employees(&pool, globex, 30_000, 0).await;
    sqlx::query("ANALYZE cases").execute(&pool).await.unwrap();

    let first = CaseFilter::default();
    let plan = page_plan(&state, &emil, &first).await;
    assert!(
        plan.contains(r#""Index Name":"cases_queue_updated_idx""#),
        "the first page reads the ordered index: {plan}"
    );
    assert!(
        !plan.contains(r#""Node Type":"Sort""#),
        "the first page sorts nothing: {plan}"
    );

    let page = cases::queue(&state.pool, &emil, Scope::Mine, &first)
        .await
        .unwrap();
    assert_eq!(page.rows.len(), PAGE_SIZE);
    let later = CaseFilter {
        after: Some(page.next.expect("emil's queue has a second page")),
        ..CaseFilter::default()
    };
    let plan = page_plan(&state, &emil, &later).await;
    assert!(
        !plan.contains(r#""Node Type":"Sort""#),
        "a later page sorts nothing: {plan}"
    );
    assert!(
        plan.contains(r#""Index Cond":"#) && plan.contains("ROW(updated_at, id) < ROW("),
        "a later page's marker is an index condition: {plan}"
    );
}

/// The team's queue filtered by one status and a priority (All cases, the REST API's
/// list) is counted from `cases_team_filter_idx` alone (migration `…_team_filter_index`,
/// bench/RESULTS.md "REST API"), with nothing sorted and no table scanned. Before, the
/// capped count scanned the table (47 of the statement's 58 ms at a million cases),
/// and this fails.
#[sqlx::test]
async fn the_teams_filtered_queue_is_read_from_its_index(pool: PgPool) {
    let (state, admin, _emil) = setup(&pool).await;
    let acme = admin.tenant_id;
    common::cases_for_employees(&pool, acme, 30_000, 0).await;
    // Vacuumed as a settled table is (the visibility map lets a count read the index
    // alone), and analysed.
    sqlx::query("VACUUM (ANALYZE) cases")
        .execute(&pool)
        .await
        .unwrap();
    let filter = CaseFilter {
        statuses: vec![CaseStatus::Open],
        priority: Some(CasePriority::High),
        ..CaseFilter::default()
    };
    let plan = scoped_page_plan(&state, &admin, Scope::Everyone, &filter).await;
    // The page reads the filter's index in order, status and priority index conditions
    // (enum `=` is LEAKPROOF: migrations/20261212000002; without it, under row-level
    // security, they were filters over every row of the tenant's range).
    assert!(
        plan.contains(r#""Index Name":"cases_team_filter_idx""#),
        "the page reads the filter's index: {plan}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&plan).unwrap();
    let scans = plan_nodes(&parsed[0]["Plan"])
        .into_iter()
        .filter(|node| node["Relation Name"] == "cases")
        .collect::<Vec<_>>();
    assert_eq!(scans.len(), 1, "{plan}");
    let condition = scans[0]["Index Cond"].as_str().unwrap_or_default();
    assert!(
        condition.contains("(status = ") && condition.contains("(priority = "),
        "status and priority are index conditions: {plan}"
    );
    assert!(
        scans[0].get("Filter").is_none(),
        "no case read is thrown away: {plan}"
    );
    assert_eq!(scans[0]["Node Type"], "Index Scan", "{plan}");
    // The count is the tallies' sum, not a walk over up to 10,001 cases (a few rows,
    // which the planner may read by index or whole, as their statistics say).
    assert!(
        plan.contains(r#""Relation Name":"case_tallies""#),
        "the count reads the tallies: {plan}"
    );
    assert!(
        !plan.contains(r#""Node Type":"Sort""#),
        "nothing is sorted: {plan}"
    );
    // And what it reads is right: the same cases as the table says, in order.
    let page = cases::queue(&state.pool, &admin, Scope::Everyone, &filter)
        .await
        .unwrap();
    let want: Vec<i32> = sqlx::query_scalar(
        "SELECT number FROM cases WHERE tenant_id = $1 AND NOT archived AND status = 'open'
           AND priority = 'high' ORDER BY updated_at DESC, id DESC LIMIT 100",
    )
    .bind(acme)
    .fetch_all(&pool)
    .await
    .unwrap();
    let got: Vec<i32> = page.rows.iter().map(|row| row.number).collect();
    assert_eq!(got, want);
}

/// A queue's count comes from the tallies when the filter is only assignee, status,
/// priority and archived (server/cases.rs `tallied`), from the cases otherwise: both
/// must say what the cases say, for every scope, after writes of every kind.
#[sqlx::test]
async fn counts_from_the_tallies_are_the_cases_counted(pool: PgPool) {
    let (state, admin, emil) = setup(&pool).await;
    // Writes the tallies must follow: reassigned, closed, archived, created.
    for change in [
        "assignee_id = NULL WHERE number % 11 = 0",
        "status = 'closed' WHERE number % 13 = 0",
        "archived = true WHERE number % 17 = 0",
    ] {
        sqlx::query(&format!("UPDATE cases SET version = version + 1, {change}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    let filters = [
        CaseFilter::default(),
        CaseFilter {
            statuses: vec![CaseStatus::Open, CaseStatus::Pending],
            ..CaseFilter::default()
        },
        CaseFilter {
            statuses: vec![CaseStatus::Closed],
            priority: Some(CasePriority::High),
            ..CaseFilter::default()
        },
        CaseFilter {
            archived: true,
            ..CaseFilter::default()
        },
        CaseFilter {
            any_archived: true,
            priority: Some(CasePriority::Low),
            ..CaseFilter::default()
        },
        // Not tallied: counted from the cases.
        CaseFilter {
            q: "boiler".into(),
            ..CaseFilter::default()
        },
    ];
    let scopes = [
        (&admin, Scope::Everyone, "true"),
        (&admin, Scope::Unassigned, "c.assignee_id IS NULL"),
        (&emil, Scope::Mine, "c.assignee_id = $2"),
        (
            &admin,
            Scope::AssignedTo(emil.user_id),
            "c.assignee_id = $2",
        ),
    ];
    for filter in &filters {
        for (viewer, scope, condition) in scopes {
            let page = cases::queue(&state.pool, viewer, scope, filter)
                .await
                .unwrap();
            let archived = if filter.any_archived {
                "true".to_string()
            } else {
                format!("c.archived = {}", filter.archived)
            };
            let statuses: Vec<String> = filter.statuses.iter().map(|s| s.as_str().into()).collect();
            let want: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM cases c WHERE c.tenant_id = $1 AND {condition} AND {archived}
                   AND (cardinality($3::text[]) = 0 OR c.status::text = ANY($3))
                   AND ($4::text IS NULL OR c.priority::text = $4)
                   AND ($5 = '' OR c.search @@ websearch_to_tsquery('english', $5))"
            ))
            .bind(admin.tenant_id)
            .bind(emil.user_id)
            .bind(&statuses)
            .bind(filter.priority.map(|p| p.as_str()))
            .bind(&filter.q)
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!(
                page.count,
                MatchCount::Exact(want as u64),
                "{scope:?} {filter:?}"
            );
        }
    }
}
