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
