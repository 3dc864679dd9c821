#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `casework` binary's subcommands, run as a user would run them.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use sqlx::PgPool;

const BIN: &str = env!("CARGO_BIN_EXE_casework");

/// Runs the binary with a clean configuration environment plus `env`.
fn casework(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "DATABASE_URL",
        "DATABASE_POOL_SIZE",
        "LEPTOS_SITE_ADDR",
        "LOG_FORMAT",
        "LOG_LEVEL",
    ] {
        command.env_remove(var);
    }
    // Run somewhere without a .env file of its own.
    command.current_dir(std::env::temp_dir());
    command.envs(env.iter().copied());
    let mut child = command.spawn().unwrap_or_else(|error| panic!("{error}"));
    // Dropping the pipe closes stdin, so a command reading it never waits.
    if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
        let _ = pipe.write_all(text.as_bytes());
    }
    child
        .wait_with_output()
        .unwrap_or_else(|error| panic!("{error}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The pool is sized to the machine (see `default_pool_size`): two connections a core,
/// never fewer than four.
#[test]
fn the_pool_defaults_to_two_connections_a_core() {
    let out = casework(&["config"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
    let expected = format!("DATABASE_POOL_SIZE={}\n", (cores * 2).max(4));
    assert!(
        text(&out.stdout).contains(&expected),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn config_reads_the_environment_and_hides_secrets() {
    let out = casework(
        &["config"],
        &[
            (
                "DATABASE_URL",
                "postgres://app:hunter2@db.example:6000/prod",
            ),
            ("DATABASE_POOL_SIZE", "40"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
            ("LOG_FORMAT", "json"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("DATABASE_URL=postgres://app@db.example:6000/prod"),
        "{stdout}"
    );
    assert!(stdout.contains("DATABASE_POOL_SIZE=40"));
    assert!(stdout.contains("LEPTOS_SITE_ADDR=0.0.0.0:8080"));
    assert!(stdout.contains("LOG_FORMAT=json"));
    assert!(!stdout.contains("hunter2") && !text(&out.stderr).contains("hunter2"));
}

#[test]
fn a_bad_environment_value_stops_start_up_with_its_name() {
    let out = casework(&["config"], &[("DATABASE_POOL_SIZE", "lots")], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("DATABASE_POOL_SIZE"), "{stderr}");
}

#[test]
fn serve_explains_an_unreachable_database() {
    let out = casework(
        &["serve"],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/x")],
        None,
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("could not connect to the database at postgres://postgres@127.0.0.1:1/x"),
        "{stderr}"
    );
}

#[sqlx::test(migrations = false)]
async fn migrate_and_demo_seed_are_repeatable(pool: PgPool) {
    let url = common::database_url(&pool);
    let env = [("DATABASE_URL", url.as_str())];
    for _ in 0..2 {
        let out = casework(&["migrate"], &env, None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = casework(&["seed", "--demo"], &env, None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        for login in [
            "admin@demo.test",
            "employee@demo.test",
            "analyst@demo.test",
            "casework-demo",
        ] {
            assert!(stdout.contains(login), "{login} not printed: {stdout}");
        }
    }
    let users: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT u.email, u.role::text, u.password_hash FROM users u
         JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = 'demo' ORDER BY u.email",
    )
    .fetch_all(&pool)
    .await
    .unwrap_or_else(|error| panic!("{error}"));
    let roles: Vec<_> = users
        .iter()
        .map(|(e, r, _)| (e.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("admin@demo.test", "admin"),
            ("analyst@demo.test", "analyst"),
            ("employee@demo.test", "employee")
        ]
    );
    // Companies for the analyst, loaded once too.
    let companies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM companies c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'demo'",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(companies, i64::from(app::server::seed::DEMO_COMPANIES));
    // The demo employee has a queue, loaded once however often the seed runs.
    let (cases, assigned): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE u.email = 'employee@demo.test')
         FROM cases c LEFT JOIN users u ON u.id = c.assignee_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(cases, i64::from(app::server::seed::DEMO_CASES));
    assert!(assigned > cases * 9 / 10, "{assigned} of {cases}");
    for (_, _, hash) in users {
        let hash = hash.unwrap_or_default();
        assert!(app::server::password::verify("casework-demo".into(), hash).await);
    }
}

#[sqlx::test]
async fn create_admin_makes_tenant_and_admin_and_refuses_bad_input(pool: PgPool) {
    let url = common::database_url(&pool);
    let env = [("DATABASE_URL", url.as_str())];
    let args = |tenant: &'static str, email: &'static str| {
        vec![
            "create-admin",
            "--tenant",
            tenant,
            "--email",
            email,
            "--password-stdin",
        ]
    };

    let out = casework(
        &args("acme", " Boss@Acme.Example "),
        &env,
        Some("a long enough password\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (role, hash): (String, Option<String>) = sqlx::query_as(
        "SELECT u.role::text, u.password_hash FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE t.slug = 'acme' AND u.email = 'boss@acme.example'",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(role, "admin");
    assert!(
        app::server::password::verify("a long enough password".into(), hash.unwrap_or_default())
            .await
    );

    // Each of these must fail with a clear message and write nothing.
    let with_domain = |domain: &'static str| {
        let mut args = args("newco", "x@newco.example");
        args.extend(["--google-domain", domain]);
        args
    };
    let refused: [(Vec<&str>, Option<&str>, &str); 5] = [
        (
            with_domain("not a domain"),
            Some("a long enough password\n"),
            "--google-domain",
        ),
        (
            args("Bad Slug", "x@acme.example"),
            Some("a long enough password\n"),
            "Tenant: use 1–63 lower-case letters",
        ),
        (
            args("newco", "not-an-email"),
            Some("a long enough password\n"),
            "Email must look like",
        ),
        (
            args("newco", "x@newco.example"),
            Some("short\n"),
            "Password",
        ),
        // The email is already acme's: a person belongs to one tenant.
        (
            args("newco", "boss@acme.example"),
            Some("a long enough password\n"),
            "another tenant",
        ),
    ];
    for (args, stdin, mentions) in refused {
        let out = casework(&args, &env, stdin);
        assert!(!out.status.success(), "{args:?} succeeded");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(mentions), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let (tenants, users): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM users)")
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        (tenants, users),
        (1, 1),
        "a refused command wrote something"
    );
}

/// `create-api-key` makes a key in an admin's name (every scope by default) that the
/// API accepts; a wrong admin, tenant or scope is refused and makes nothing.
#[sqlx::test]
async fn create_api_key_prints_a_working_key_and_refuses_bad_input(pool: PgPool) {
    let url = common::database_url(&pool);
    let env = [("DATABASE_URL", url.as_str())];
    common::acme_with_ada_and_emil(&pool, "a long enough password").await;
    let refused = [
        vec![
            "--tenant",
            "acme",
            "--admin",
            "emil@acme.example",
            "--name",
            "x",
        ],
        vec![
            "--tenant",
            "globex",
            "--admin",
            "ada@acme.example",
            "--name",
            "x",
        ],
        vec![
            "--tenant",
            "acme",
            "--admin",
            "ada@acme.example",
            "--name",
            " ",
        ],
        vec![
            "--tenant",
            "acme",
            "--admin",
            "ada@acme.example",
            "--name",
            "x",
            "--scopes",
            "cases:delete",
        ],
    ];
    for args in refused {
        let out = casework(&[&["create-api-key"], args.as_slice()].concat(), &env, None);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).starts_with("error:"),
            "{}",
            text(&out.stderr)
        );
    }
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM api_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(keys, 0);

    let args = [
        "create-api-key",
        "--tenant",
        "acme",
        "--admin",
        "Ada@Acme.Example",
        "--name",
        "CRM bridge",
        "--scopes",
        "cases:read,users:read",
    ];
    let out = casework(&args, &env, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let secret = text(&out.stdout).trim().to_string();
    let state = common::state(common::config(&url, &[]));
    let viewer = app::server::api_keys::authenticate(&state.pool, &secret, None)
        .await
        .unwrap();
    assert_eq!(
        viewer.api_scopes,
        [
            app::model::ApiScope::CasesRead,
            app::model::ApiScope::UsersRead
        ]
    );
    let made_by: String = sqlx::query_scalar(
        "SELECT u.email FROM api_keys k JOIN users u ON u.id = k.created_by WHERE k.name = 'CRM bridge'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(made_by, "ada@acme.example");
}
