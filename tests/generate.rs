#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The data generator (`casework seed --cases …`): exact counts, a realistic shape,
//! repeatable, tenant-isolated, and it refuses to double a tenant.

mod common;

use std::process::Command;

use app::model::Role;
use sqlx::PgPool;

const BIN: &str = env!("CARGO_BIN_EXE_casework");

fn seed(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("seed")
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("LOG_LEVEL")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap()
}

async fn scalar(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn generates_a_realistic_tenant_of_exactly_the_asked_size(pool: PgPool) {
    let url = common::database_url(&pool);
    let out = seed(
        &url,
        &[
            "--cases",
            "3000",
            "--employees",
            "30",
            "--comments",
            "9000",
            "--companies",
            "2000",
            "--tenant",
            "bench",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("30 employees, 3000 cases, 9000 comments, 2000 companies"),
        "{stdout}"
    );

    // Companies: unique websites, about 70 % scored (each with its enrichment detail),
    // scores spread over the range, every sector and stage used.
    assert_eq!(
        scalar(&pool, "SELECT count(DISTINCT website) FROM companies").await,
        2000
    );
    let scored = scalar(
        &pool,
        "SELECT count(*) FROM companies WHERE score IS NOT NULL",
    )
    .await;
    assert!((1200..=1600).contains(&scored), "{scored}");
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM enrichments WHERE status = 'done'"
        )
        .await,
        scored
    );
    assert!(scalar(&pool, "SELECT count(*) FROM companies WHERE score >= 80").await > 20);
    assert!(scalar(&pool, "SELECT count(*) FROM companies WHERE score < 30").await > 20);
    assert_eq!(
        scalar(&pool, "SELECT count(DISTINCT stage) FROM companies").await,
        8
    );
    assert_eq!(
        scalar(&pool, "SELECT count(DISTINCT sector) FROM companies").await,
        10
    );

    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM users WHERE role = 'employee'").await,
        30
    );
    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM users WHERE role = 'admin'").await,
        1
    );
    // The analyst the companies are added by (the analyst's dashboard's sign-in).
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM companies c JOIN users u ON u.id = c.added_by
             WHERE u.email = 'analyst@bench.test' AND u.role = 'analyst'"
        )
        .await,
        2000
    );
    common::tallies::assert_company_tallies_match_recount(&pool).await;
    assert_eq!(scalar(&pool, "SELECT count(*) FROM cases").await, 3000);
    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM case_comments").await,
        9000
    );
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM case_actions WHERE kind = 'create'"
        )
        .await,
        3000
    );
    // Numbers are 1..=3000 without gaps, and the counter continues after them.
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(DISTINCT number) FILTER (WHERE number BETWEEN 1 AND 3000) FROM cases"
        )
        .await,
        3000
    );
    assert_eq!(
        scalar(
            &pool,
            "SELECT last_number::bigint FROM tenant_case_counters"
        )
        .await,
        3000
    );
    // ~100 each (2 % unassigned), every employee has a queue.
    let (min, max): (i64, i64) = sqlx::query_as(
        "SELECT min(n), max(n) FROM (SELECT count(*) n FROM cases WHERE assignee_id IS NOT NULL GROUP BY assignee_id) q",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        (90..=100).contains(&min) && (95..=100).contains(&max),
        "{min}..{max}"
    );
    assert_eq!(
        scalar(&pool, "SELECT count(DISTINCT assignee_id) FROM cases").await,
        30
    );
    // A real queue's shape: every status, open the most common, archived only when done.
    assert_eq!(
        scalar(&pool, "SELECT count(DISTINCT status) FROM cases").await,
        5
    );
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM cases WHERE archived AND status NOT IN ('resolved', 'closed')"
        )
        .await,
        0
    );
    let top: String = sqlx::query_scalar(
        "SELECT status::text FROM cases GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(top, "open");
    // Times spread over two years; updates after creation; comments inside that window.
    assert_eq!(
        scalar(
            &pool,
            "SELECT count(*) FROM cases WHERE updated_at < created_at"
        )
        .await,
        0
    );
    assert!(
        scalar(
            &pool,
            "SELECT count(*) FROM cases WHERE created_at < now() - interval '1 year'"
        )
        .await
            > 1000
    );
    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM case_comments m JOIN cases c ON c.id = m.case_id WHERE m.created_at NOT BETWEEN c.created_at AND c.updated_at").await,
        0
    );
    // Full-text search finds stemmed title words and customer names.
    assert!(
        scalar(
            &pool,
            "SELECT count(*) FROM cases WHERE search @@ websearch_to_tsquery('english', 'refunds')"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &pool,
            "SELECT count(*) FROM cases WHERE search @@ to_tsquery('simple', 'okafor')"
        )
        .await
            > 0
    );
    // Generated people can sign in.
    let state = common::state(common::config(&url, &[]));
    let reply = common::sign_in(&state, "employee7@bench.test", "casework-demo", None).await;
    assert_eq!(reply.location(), "/");

    // Never doubles a tenant.
    let again = seed(
        &url,
        &["--cases", "10", "--employees", "1", "--tenant", "bench"],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has cases"));
    assert_eq!(scalar(&pool, "SELECT count(*) FROM cases").await, 3000);
    // The dashboards' counters came with the generated cases.
    common::tallies::assert_case_tallies_match_recount(&pool).await;
    assert_eq!(
        scalar(
            &pool,
            "SELECT sum(n) FROM case_tallies WHERE NOT per_assignee"
        )
        .await,
        3000
    );
}

#[sqlx::test(migrations = false)]
async fn the_same_arguments_give_the_same_data(pool: PgPool) {
    let url = common::database_url(&pool);
    for tenant in ["one", "two"] {
        let out = seed(
            &url,
            &[
                "--cases",
                "500",
                "--employees",
                "5",
                "--comments",
                "800",
                "--tenant",
                tenant,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let differing = scalar(
        &pool,
        "SELECT count(*) FROM cases a JOIN tenants ta ON ta.id = a.tenant_id AND ta.slug = 'one'
         JOIN cases b ON b.number = a.number
         JOIN tenants tb ON tb.id = b.tenant_id AND tb.slug = 'two'
         WHERE (a.status, a.priority, a.archived, a.title) IS DISTINCT FROM (b.status, b.priority, b.archived, b.title)",
    )
    .await;
    assert_eq!(differing, 0);
    // And the comparison compared: every case of one has its twin in two.
    let paired = scalar(
        &pool,
        "SELECT count(*) FROM cases a JOIN tenants ta ON ta.id = a.tenant_id AND ta.slug = 'one'
         JOIN cases b ON b.number = a.number
         JOIN tenants tb ON tb.id = b.tenant_id AND tb.slug = 'two'",
    )
    .await;
    assert_eq!(paired, 500);
}

#[sqlx::test]
async fn generated_cases_stay_inside_their_tenant(pool: PgPool) {
    let acme = common::tenant_with_users(
        &pool,
        "acme",
        &[("ada@acme.example", Role::Employee)],
        "a long password",
    )
    .await;
    let ada: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    app::server::generate::generate_cases(&mut conn, acme, &[ada], 50, 100)
        .await
        .unwrap();
    drop(conn);
    let url = common::database_url(&pool);
    let out = seed(
        &url,
        &["--cases", "70", "--employees", "2", "--tenant", "other"],
    );
    assert!(out.status.success());

    let config = common::config(&url, &[]);
    let app_pool = app::server::db::request_pool(&config).unwrap();
    assert_eq!(
        scalar(&app_pool, "SELECT count(*) FROM cases").await,
        0,
        "no tenant set, yet rows visible"
    );
    let mut tx = app::server::db::tenant_tx(&app_pool, acme).await.unwrap();
    let (cases, comments, actions): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_comments), (SELECT count(*) FROM case_actions)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((cases, comments, actions), (50, 100, 50));
    let moved = sqlx::query("UPDATE cases SET title = 'x' WHERE number <= 70")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(moved.rows_affected(), 50, "touched another tenant's cases");
}

#[test]
fn bad_generator_arguments_are_refused_before_anything_runs() {
    // No database at this address: refusals must come before any connection.
    let url = "postgres://postgres@127.0.0.1:1/none";
    for (args, mentions) in [
        (vec!["--cases", "0"], "--cases"),
        (vec!["--cases", "-5"], "--cases"),
        (vec!["--cases", "ten"], "--cases"),
        (vec!["--cases", "10", "--employees", "0"], "--employees"),
        (vec!["--cases", "10", "--tenant", "Bad Slug"], "Tenant: use"),
        (vec!["--demo", "--cases", "10"], "--cases"),
        (vec![], "--demo"),
    ] {
        let out = seed(url, &args);
        assert!(!out.status.success(), "{args:?} accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(mentions), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("could not connect"),
            "{args:?} reached the database: {stderr}"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn companies_are_added_to_a_tenant_loaded_without_them(pool: PgPool) {
    let url = common::database_url(&pool);
    let out = seed(
        &url,
        &["--cases", "200", "--employees", "4", "--tenant", "bench"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(scalar(&pool, "SELECT count(*) FROM companies").await, 0);
    let out = seed(&url, &["--companies", "300", "--tenant", "bench"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("300 companies added"));
    assert_eq!(scalar(&pool, "SELECT count(*) FROM companies").await, 300);
    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM cases").await,
        200,
        "the cases untouched"
    );
    assert_eq!(
        scalar(&pool, "SELECT count(*) FROM users WHERE role = 'analyst'").await,
        1
    );
    common::tallies::assert_company_tallies_match_recount(&pool).await;
    // Again: 300 more, the same analyst; a tenant that does not exist is refused.
    let out = seed(&url, &["--companies", "300", "--tenant", "bench"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(scalar(&pool, "SELECT count(*) FROM companies").await, 600);
    let out = seed(&url, &["--companies", "10", "--tenant", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no tenant `nobody`"));
}
