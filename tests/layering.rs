#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Data moves one way (ARCHITECTURE.md): page → server function (`api/`) → `server/`
//! → PostgreSQL. These rules keep the plumbing where it belongs as the house grows:
//!
//! - SQL is written only in `app/src/server/` (the axum edges in `src/` and the CLI
//!   call functions there);
//! - views (`pages/`, `components/`) never reach into the server's state;
//! - a page never imports from another page: what two pages share is a component.

mod common;

use common::sources::{root, rust_files};

#[test]
fn sql_is_written_only_in_the_server_modules() {
    let server = root().join("app/src/server");
    let mut outside = Vec::new();
    let mut inside = 0;
    for dir in ["app/src", "src"] {
        for (path, text) in rust_files(dir) {
            let writes_sql = ["sqlx::query", "query_as(", "query_scalar(", "QueryBuilder"]
                .iter()
                .any(|needle| text.contains(needle));
            if !writes_sql {
                continue;
            }
            if path.starts_with(&server) {
                inside += 1;
            } else {
                outside.push(path.display().to_string());
            }
        }
    }
    assert!(inside > 10, "found SQL in only {inside} server files");
    assert_eq!(outside, Vec::<String>::new(), "SQL outside app/src/server");
}

#[test]
fn views_never_reach_into_the_server_state() {
    for dir in ["app/src/pages", "app/src/components"] {
        for (path, text) in rust_files(dir) {
            for needle in ["AppState", "state.pool", "state.config"] {
                assert!(
                    !text.contains(needle),
                    "{}: a view uses {needle}; ask server/ through a function",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn pages_never_import_from_each_other() {
    let pages = rust_files("app/src/pages");
    let modules: Vec<String> = pages
        .iter()
        .filter_map(|(path, _)| Some(path.file_stem()?.to_string_lossy().to_string()))
        .filter(|name| name != "mod")
        .collect();
    assert!(modules.len() > 8, "{modules:?}");
    for (path, text) in &pages {
        if path.file_stem().is_some_and(|stem| stem == "mod") {
            continue;
        }
        for module in &modules {
            for needle in [
                format!("super::{module}::"),
                format!("crate::pages::{module}::"),
            ] {
                assert!(
                    !text.contains(&needle),
                    "{}: imports from the {module} page ({needle}); move what they share to components/",
                    path.display()
                );
            }
        }
    }
}

/// The body of each function in `text` (from its `fn` line to the first line that is
/// exactly `}` at the start), by name. Enough for this crate's rustfmt-formatted code.
fn functions(text: &str) -> Vec<(String, bool, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let signature = ["pub(crate) ", "pub ", "async "]
            .iter()
            .fold(*line, |rest, prefix| {
                rest.strip_prefix(prefix).unwrap_or(rest)
            });
        let Some(rest) = signature.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let is_server_fn = lines[..at]
            .iter()
            .rev()
            .take_while(|l| l.starts_with('#') || l.starts_with("//"))
            .any(|l| l.starts_with("#[server"));
        let body: Vec<&str> = lines[at..]
            .iter()
            .take_while(|l| **l != "}")
            .copied()
            .collect();
        found.push((name, is_server_fn, body.join("\n")));
    }
    found
}

/// The server functions anyone may call, signed in or not, and why: the only ones
/// that ask for no capability.
const PUBLIC_SERVER_FNS: &[(&str, &str)] = &[
    (
        "load_inquiry_form",
        "a workspace's public inquiry form (404 unless its admins switched it on)",
    ),
    (
        "send_inquiry",
        "sending the public form (5 a minute per address, a daily cap, a honeypot, a signed fill time)",
    ),
];

/// One authorisation door: every server function asks `request::require` for its
/// capability first (itself, or through a helper of its file that does), so no check is
/// left to a domain call and none opens a transaction of its own.
#[test]
fn every_server_function_asks_for_its_capability() {
    let mut server_fns = 0;
    for (path, text) in rust_files("app/src/api") {
        let all = functions(&text);
        // Helpers that ask, directly or through another helper that does.
        let mut guards: Vec<&str> = Vec::new();
        loop {
            let before = guards.len();
            for (name, server, body) in &all {
                let asks = body.contains("request::require(")
                    || guards
                        .iter()
                        .any(|guard| body.contains(&format!("{guard}(")));
                if !server && asks && !guards.contains(&name.as_str()) {
                    guards.push(name);
                }
            }
            if guards.len() == before {
                break;
            }
        }
        for (name, _, body) in all.iter().filter(|(_, server, _)| *server) {
            server_fns += 1;
            if PUBLIC_SERVER_FNS.iter().any(|(public, _)| public == name) {
                assert!(
                    !body.contains("request::require("),
                    "{name} is listed as public but asks for a capability"
                );
                continue;
            }
            let asks = body.contains("request::require(")
                || guards
                    .iter()
                    .any(|guard| body.contains(&format!("{guard}(")));
            assert!(
                asks,
                "{}: server function {name} does not ask request::require for a capability",
                path.display()
            );
        }
        assert!(
            !text.contains("request::viewer()"),
            "{}: takes the viewer without asking for a capability",
            path.display()
        );
    }
    assert!(server_fns > 30, "only {server_fns} server functions found");
}

/// One write door: transactions that write are begun only by `db::write` (which owns
/// the tenant setting, the lock timeout, the retries and the commit) — and by the atomic
/// batch's one transaction (`server/atomic.rs`), which every `db::write` inside it
/// joins — and audit rows are written only by `server/audit.rs`.
#[test]
fn writes_go_through_the_write_helper_and_audit_through_one_module() {
    let server = root().join("app/src/server");
    for dir in ["app/src", "src"] {
        for (path, text) in rust_files(dir) {
            let name = path
                .strip_prefix(&server)
                .ok()
                .map(|p| p.to_string_lossy().to_string());
            if !matches!(name.as_deref(), Some("db.rs" | "atomic.rs")) {
                assert!(
                    !text.contains("write_tx("),
                    "{}: begins a write transaction itself; use db::write",
                    path.display()
                );
            }
            if name.as_deref() != Some("audit.rs") && name.as_deref() != Some("generate.rs") {
                for table in [
                    "case_actions (",
                    "company_actions (",
                    "user_audit (",
                    "integration_actions (",
                ] {
                    assert!(
                        !text.contains(&format!("INSERT INTO {table}")),
                        "{}: writes {table}) by hand; use audit::record",
                        path.display()
                    );
                }
            }
        }
    }
}

/// No import circle in `server/`: the database layer (`db`, `retry`, `audit`,
/// `conditions`) imports none of the domain modules, and enrichment (the request side
/// and the worker) does not import the job system that runs it.
#[test]
fn the_server_modules_import_in_one_direction() {
    let server = root().join("app/src/server");
    let domain = [
        "jobs",
        "enrichment",
        "cases",
        "companies",
        "lists",
        "users",
        "comments",
    ];
    for (path, text) in rust_files("app/src/server") {
        let name = path
            .strip_prefix(&server)
            .unwrap()
            .to_string_lossy()
            .to_string();
        if ["db.rs", "retry.rs", "audit.rs", "conditions.rs"].contains(&name.as_str()) {
            for module in domain {
                assert!(
                    !text.contains(&format!("super::{module}")),
                    "{name} imports {module}: the database layer must not reach up"
                );
            }
        }
        if name.starts_with("enrichment") {
            assert!(
                !text.contains("jobs::") && !text.contains("server::jobs"),
                "{name} imports the job system; it is given its queue instead"
            );
        }
    }
}

/// A server function that only reads is a GET (`input = GetUrl`), so the rate limiter
/// counts it against the reads budget, not the writes one; and one that writes is a
/// POST. Checked against the list the test helpers call with GET (whose tests show
/// each of them reads).
#[test]
fn reading_server_functions_are_gets_and_only_they_are() {
    let mut gets = Vec::new();
    for (_, text) in rust_files("app/src/api") {
        for attribute in text.split("#[server(").skip(1) {
            let header = attribute.split(")]").next().unwrap_or_default();
            let Some(endpoint) = header
                .split("endpoint = \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
            else {
                continue;
            };
            if header.contains("input = GetUrl") {
                gets.push(format!("/api/{endpoint}"));
            }
        }
    }
    gets.sort();
    let mut listed: Vec<String> = common::READ_FNS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(gets, listed);
}

/// Views run in the browser too, where wasm has no system clock: reading it there
/// panics (an API keys page did, in the end-to-end tests). Every view asks
/// `components::now()` (the browser's clock once hydrated, the server's before).
#[test]
fn views_read_the_clock_only_through_components_now() {
    for dir in ["app/src/pages", "app/src/components", "app/src/model"] {
        for (path, text) in rust_files(dir) {
            if path.ends_with("components/when.rs") {
                continue;
            }
            // Tests run on the server, where the clock exists.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for clock in ["now_utc()", "SystemTime::now", "Instant::now"] {
                assert!(
                    !code.contains(clock),
                    "{}: reads the clock with {clock}; use components::now()",
                    path.display()
                );
            }
        }
    }
}
