#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The concurrency torture test: many clients at once posting comments, changing
//! statuses and reassigning the same few hot cases, through the real server functions
//! (HTTP encoding, sessions, middleware and all), then checking that nothing was lost,
//! doubled or half-done:
//!
//! - every acknowledged comment exists exactly once, and nothing else does;
//! - the audit trail has exactly one row per acknowledged change;
//! - each case's version is one plus its number of acknowledged saves;
//! - every refused save was a 409, and no request failed with a 5xx.
//!
//! Size: TORTURE_CLIENTS (default 50) clients × TORTURE_OPS (default 40) operations.

mod common;

use std::collections::HashMap;

use app::model::{CaseRecord, Role};
use app::server::AppState;
use axum::http::StatusCode;
use sqlx::PgPool;

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

#[derive(Default, Debug)]
struct Tally {
    comments: Vec<String>,
    saves: HashMap<i32, u64>,
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
    let actions_before: i64 = sqlx::query_scalar("SELECT count(*) FROM case_actions")
        .fetch_one(&pool)
        .await
        .unwrap();

    // Room for every client at once: the point is contention on rows, not on the pool.
    let state = common::state(common::config(
        &common::database_url(&pool),
        &["--database-pool-size", "60"],
    ));
    let mut cookies = Vec::new();
    for (email, role) in &people {
        if *role == Role::Admin {
            cookies.push(common::session_cookie(&state, email, PASSWORD).await);
        }
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
                            tally.comments.push(body);
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
                        let detail: app::model::CaseDetail = serde_json::from_str(&text).unwrap();
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
                        let (status, text) = call(&state, &cookie, "/api/case/save", &form).await;
                        match status {
                            StatusCode::OK => *tally.saves.entry(number).or_default() += 1,
                            StatusCode::CONFLICT => tally.conflicts += 1,
                            _ => tally.unexpected.push((status, text)),
                        }
                    }
                }
            }
            tally
        })
    });
    let tallies: Vec<Tally> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|t| t.unwrap())
        .collect();

    let unexpected: Vec<&(StatusCode, String)> =
        tallies.iter().flat_map(|t| &t.unexpected).collect();
    assert!(unexpected.is_empty(), "requests failed: {unexpected:?}");
    let acknowledged: Vec<&String> = tallies.iter().flat_map(|t| &t.comments).collect();
    let mut saves: HashMap<i32, u64> = HashMap::new();
    for tally in &tallies {
        for (number, n) in &tally.saves {
            *saves.entry(*number).or_default() += n;
        }
    }
    let conflicts: u64 = tallies.iter().map(|t| t.conflicts).sum();
    let saved: u64 = saves.values().sum();
    println!(
        "{clients} clients × {ops} ops: {} comments, {saved} saves, {conflicts} conflicts (409)",
        acknowledged.len()
    );
    assert!(saved > 0 && !acknowledged.is_empty());

    // Every acknowledged comment exactly once, and nothing else.
    let stored: HashMap<String, i64> =
        sqlx::query_as("SELECT body, count(*) FROM case_comments GROUP BY body")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(
        stored.len(),
        acknowledged.len(),
        "stored comments ≠ acknowledged"
    );
    for body in &acknowledged {
        assert_eq!(stored.get(*body), Some(&1), "{body}");
    }
    // One audit row per acknowledged change.
    let actions: i64 = sqlx::query_scalar("SELECT count(*) FROM case_actions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        actions - actions_before,
        acknowledged.len() as i64 + saved as i64
    );
    // Each case's version moved once per acknowledged save, and refused saves left no
    // trace.
    let after: HashMap<i32, i32> = sqlx::query_as("SELECT number, version FROM cases")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    for number in &hot {
        assert_eq!(
            (after[number] - before[number]) as u64,
            saves.get(number).copied().unwrap_or(0),
            "case {number}"
        );
    }
}
