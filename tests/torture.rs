#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The concurrency torture test: many clients at once posting comments, changing
//! statuses and reassigning the same few hot cases, through the real server functions
//! (HTTP encoding, sessions, middleware and all), then checking that nothing was lost,
//! doubled or half-done:
//!
//! - contention happened: some saves were refused as stale (409);
//! - every acknowledged comment exists exactly once, and nothing else does;
//! - each case's acknowledged saves got the versions after the one it started at, each
//!   exactly once (no save was lost or applied twice), and the case ends as the last
//!   of them left it;
//! - the audit trail has, per case and kind, exactly one row per acknowledged change;
//! - every refused save was a 409, and no request failed with a 5xx.
//!
//! The load runs on a multi-threaded runtime, as under `serve`, so requests really run
//! in parallel.
//!
//! Size: TORTURE_CLIENTS (default 50) clients × TORTURE_OPS (default 40) operations.

mod common;

use std::collections::HashMap;

use app::model::{CaseRecord, CaseStatus, Role};
use app::server::AppState;
use axum::http::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

const PASSWORD: &str = "a long password";
const HOT_CASES: usize = 3;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn call(
    state: &AppState,
    cookie: &str,
    path: &str,
    form: &[(&str, String)],
) -> (StatusCode, String) {
    let reply = common::call_fn(state, cookie, path, form).await;
    (reply.status, reply.body)
}

/// A small deterministic generator per client, so a failing run can be repeated.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % sides
    }
}

/// An acknowledged save: what the server answered it had stored.
#[derive(Debug, Clone)]
struct Saved {
    number: i32,
    kind: &'static str,
    version: i32,
    status: CaseStatus,
    assignee_id: Option<Uuid>,
}

#[derive(Default, Debug)]
struct Tally {
    /// (case number, body)
    comments: Vec<(i32, String)>,
    saves: Vec<Saved>,
    conflicts: u64,
    unexpected: Vec<(StatusCode, String)>,
}

#[sqlx::test]
async fn many_writers_on_a_few_hot_cases_lose_nothing(pool: PgPool) {
    let clients = setting("TORTURE_CLIENTS", 50);
    let ops = setting("TORTURE_OPS", 40);
    let mut people = vec![
        ("ada@acme.example", Role::Admin),
        ("abe@acme.example", Role::Admin),
        ("amy@acme.example", Role::Admin),
    ];
    let employees = ["emil@acme.example", "erin@acme.example", "eve@acme.example"];
    people.extend(employees.iter().map(|e| (*e, Role::Employee)));
    let acme = common::tenant_with_users(&pool, "acme", &people, PASSWORD).await;
    let employee_ids = common::cases_for_employees(&pool, acme, HOT_CASES as u32, 0).await;
    let hot: Vec<i32> = sqlx::query_scalar("SELECT number FROM cases ORDER BY number")
        .fetch_all(&pool)
        .await
        .unwrap();
    let before: HashMap<i32, i32> = sqlx::query_as("SELECT number, version FROM cases")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let last_action_before: i64 =
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM case_actions")
            .fetch_one(&pool)
            .await
            .unwrap();

    let admins: Vec<&'static str> = people
        .iter()
        .filter(|(_, role)| *role == Role::Admin)
        .map(|(email, _)| *email)
        .collect();
    let url = common::database_url(&pool);
    let load = Load {
        url,
        admins,
        hot: hot.clone(),
        employee_ids,
        clients,
        ops,
    };
    // Worker threads, as in `serve`: the test's own runtime has one.
    let tallies = std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(4)
                .thread_stack_size(8 * 1024 * 1024)
                .enable_all()
                .build()
                .unwrap()
                .block_on(load.run())
        })
        .unwrap()
        .join()
        .unwrap();

    let unexpected: Vec<&(StatusCode, String)> =
        tallies.iter().flat_map(|t| &t.unexpected).collect();
    assert!(unexpected.is_empty(), "requests failed: {unexpected:?}");
    let acknowledged: Vec<&(i32, String)> = tallies.iter().flat_map(|t| &t.comments).collect();
    let saves: Vec<&Saved> = tallies.iter().flat_map(|t| &t.saves).collect();
    let conflicts: u64 = tallies.iter().map(|t| t.conflicts).sum();
    println!(
        "{clients} clients × {ops} ops: {} comments, {} saves, {conflicts} conflicts (409)",
        acknowledged.len(),
        saves.len()
    );
    assert!(!saves.is_empty() && !acknowledged.is_empty());
    assert!(
        conflicts > 0,
        "no save was ever stale: the test made no contention"
    );

    // Every acknowledged comment exactly once, on its case, and nothing else.
    let stored: HashMap<String, (i32, i64)> = sqlx::query_as(
        "SELECT cm.body, min(c.number), count(*) FROM case_comments cm
         JOIN cases c ON c.id = cm.case_id GROUP BY cm.body",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(body, number, count): (String, i32, i64)| (body, (number, count)))
    .collect();
    assert_eq!(
        stored.len(),
        acknowledged.len(),
        "stored comments ≠ acknowledged"
    );
    for (number, body) in &acknowledged {
        assert_eq!(stored.get(body), Some(&(*number, 1)), "{body}");
    }

    let after: HashMap<i32, (i32, CaseStatus, Option<Uuid>)> =
        sqlx::query_as("SELECT number, version, status, assignee_id FROM cases")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(
                |(number, version, status, assignee): (i32, i32, CaseStatus, Option<Uuid>)| {
                    (number, (version, status, assignee))
                },
            )
            .collect();
    let audit: HashMap<(i32, String), i64> = sqlx::query_as(
        "SELECT c.number, a.kind::text, count(*) FROM case_actions a
         JOIN cases c ON c.id = a.case_id WHERE a.id > $1 GROUP BY 1, 2",
    )
    .bind(last_action_before)
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(number, kind, count): (i32, String, i64)| ((number, kind), count))
    .collect();
    let mut audited = 0;
    for number in &hot {
        // The acknowledged saves of this case took the versions after the one it
        // started at, one each: none lost, none applied twice.
        let mut ours: Vec<&&Saved> = saves.iter().filter(|s| s.number == *number).collect();
        ours.sort_by_key(|saved| saved.version);
        let versions: Vec<i32> = ours.iter().map(|saved| saved.version).collect();
        let (version, status, assignee) = after[number];
        let expected: Vec<i32> = (before[number] + 1..=version).collect();
        assert_eq!(
            versions, expected,
            "case {number}: versions of acknowledged saves"
        );
        // And the case is as the last acknowledged save left it.
        if let Some(last) = ours.last() {
            assert_eq!(
                (status, assignee),
                (last.status, last.assignee_id),
                "case {number}"
            );
        }
        // One audit row per acknowledged change, of its kind, on its case.
        for kind in ["comment", "status", "assign"] {
            let changes = if kind == "comment" {
                acknowledged.iter().filter(|(n, _)| n == number).count()
            } else {
                ours.iter().filter(|saved| saved.kind == kind).count()
            };
            let rows = audit
                .get(&(*number, kind.to_string()))
                .copied()
                .unwrap_or(0);
            assert_eq!(rows, changes as i64, "case {number}, {kind} rows");
            audited += rows;
        }
    }
    // And no audit row of any other kind or case.
    assert_eq!(audit.values().sum::<i64>(), audited);
    // The dashboards' counters, kept by trigger in each of those transactions, still
    // equal a recount of the cases after the random interleaving.
    common::tallies::assert_case_tallies_match_recount(&pool).await;
}

struct Load {
    url: String,
    admins: Vec<&'static str>,
    hot: Vec<i32>,
    employee_ids: Vec<Uuid>,
    clients: usize,
    ops: usize,
}

impl Load {
    async fn run(self) -> Vec<Tally> {
        let Load {
            url,
            admins,
            hot,
            employee_ids,
            clients,
            ops,
        } = self;
        // Room for every client at once: the point is contention on rows, not on the pool.
        let state = common::state(common::config(&url, &["--database-pool-size", "60"]));
        let mut cookies = Vec::new();
        for email in &admins {
            cookies.push(common::session_cookie(&state, email, PASSWORD).await);
        }

        let tasks = (0..clients).map(|client| {
            let state = state.clone();
            let cookie = cookies[client % cookies.len()].clone();
            let hot = hot.clone();
            let employee_ids = employee_ids.clone();
            tokio::spawn(async move {
                let mut dice = Dice(client as u64 + 1);
                let mut tally = Tally::default();
                for op in 0..ops {
                    let number = hot[dice.roll(hot.len())];
                    match dice.roll(3) {
                        0 => {
                            let body = format!("comment c{client}-o{op}");
                            let (status, text) = call(
                                &state,
                                &cookie,
                                "/api/case/comment",
                                &[("number", number.to_string()), ("body", body.clone())],
                            )
                            .await;
                            if status == StatusCode::OK {
                                tally.comments.push((number, body));
                            } else {
                                tally.unexpected.push((status, text));
                            }
                        }
                        change => {
                            // Read, then save one change from the version read: another
                            // client may get there first, which must be a clean 409.
                            let (status, text) = call(
                                &state,
                                &cookie,
                                "/api/case/detail",
                                &[("number", number.to_string())],
                            )
                            .await;
                            if status != StatusCode::OK {
                                tally.unexpected.push((status, text));
                                continue;
                            }
                            let detail: app::model::CaseDetail =
                                serde_json::from_str(&text).unwrap();
                            let case: CaseRecord = detail.case;
                            let mut fields = case.fields.clone();
                            if change == 1 {
                                let statuses = app::model::CaseStatus::ALL;
                                let others: Vec<_> =
                                    statuses.iter().filter(|s| **s != fields.status).collect();
                                fields.status = *others[dice.roll(others.len())];
                            } else {
                                let others: Vec<_> = employee_ids
                                    .iter()
                                    .filter(|id| Some(**id) != fields.assignee_id)
                                    .collect();
                                fields.assignee_id = Some(*others[dice.roll(others.len())]);
                            }
                            let form = vec![
                                ("number", number.to_string()),
                                ("version", case.version.to_string()),
                                ("title", fields.title.clone()),
                                ("customer_name", fields.customer_name.clone()),
                                ("customer_email", fields.customer_email.clone()),
                                ("customer_phone", fields.customer_phone.clone()),
                                ("customer_company", fields.customer_company.clone()),
                                ("status", fields.status.as_str().to_string()),
                                ("priority", fields.priority.as_str().to_string()),
                                (
                                    "assignee",
                                    fields
                                        .assignee_id
                                        .map(|id| id.to_string())
                                        .unwrap_or_default(),
                                ),
                            ];
                            let (status, text) =
                                call(&state, &cookie, "/api/case/save", &form).await;
                            match status {
                                StatusCode::OK => {
                                    let stored: CaseRecord = serde_json::from_str(&text).unwrap();
                                    tally.saves.push(Saved {
                                        number,
                                        kind: if change == 1 { "status" } else { "assign" },
                                        version: stored.version,
                                        status: stored.fields.status,
                                        assignee_id: stored.fields.assignee_id,
                                    });
                                }
                                StatusCode::CONFLICT => tally.conflicts += 1,
                                _ => tally.unexpected.push((status, text)),
                            }
                        }
                    }
                }
                tally
            })
        });
        futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(|t| t.unwrap())
            .collect()
    }
}
