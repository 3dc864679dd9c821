#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tenant isolation is the database's, for every table: found from the catalogue, so a
//! table a later migration adds is checked without anyone remembering to.
//!
//! - Every table with a `tenant_id` column (and `tenants`) has row-level security on,
//!   with a policy that reads the transaction's tenant, and the app role neither owns
//!   it nor bypasses it.
//! - Through the app role, with two workspaces' rows in every such table (written by
//!   the app's own server functions), a transaction set to one tenant sees only that
//!   tenant's rows, cannot move a row to the other tenant, and cannot touch the other
//!   tenant's rows.

mod common;

use app::server::db::APP_ROLE;

use sqlx::PgPool;
use uuid::Uuid;

const PASSWORD: &str = "a long password";

/// Every table that holds tenant data: `(schema, table, the tenant column)`.
async fn tenant_tables(pool: &PgPool) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT c.table_schema::text, c.table_name::text, c.column_name::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE t.table_type = 'BASE TABLE'
           AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
           AND (c.column_name = 'tenant_id' OR (c.table_name = 'tenants' AND c.column_name = 'id'))
         ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn every_tenant_table_has_row_level_security_with_a_policy(pool: PgPool) {
    let tables = tenant_tables(&pool).await;
    let names: Vec<&str> = tables.iter().map(|(_, t, _)| t.as_str()).collect();
    for expected in [
        "tenants",
        "users",
        "cases",
        "case_comments",
        "companies",
        "saved_searches",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for (schema, table, column) in &tables {
        let (enabled, forced, owner): (bool, bool, String) = sqlx::query_as(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)::text
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2",
        )
        .bind(schema)
        .bind(table)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(enabled, "{schema}.{table}: row-level security is off");
        // The owner is exempt unless it is forced: the app role must not be it.
        assert!(
            owner != APP_ROLE || forced,
            "{schema}.{table} is owned by {APP_ROLE} without FORCE ROW LEVEL SECURITY"
        );
        let policies: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT cmd, qual, with_check FROM pg_policies WHERE schemaname = $1 AND tablename = $2",
        )
        .bind(schema)
        .bind(table)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(!policies.is_empty(), "{schema}.{table}: no policy");
        for (cmd, using, check) in &policies {
            let reads_tenant = |clause: &Option<String>| {
                clause
                    .as_deref()
                    .is_some_and(|c| c.contains("app_tenant_id()") && c.contains(column.as_str()))
            };
            assert!(
                reads_tenant(using),
                "{schema}.{table} {cmd}: USING {using:?}"
            );
            if matches!(cmd.as_str(), "ALL" | "INSERT" | "UPDATE") {
                assert!(
                    reads_tenant(check) || check.is_none() && reads_tenant(using),
                    "{schema}.{table} {cmd}: WITH CHECK {check:?}"
                );
            }
        }
    }
    let bypass: bool = sqlx::query_scalar("SELECT rolbypassrls FROM pg_roles WHERE rolname = $1")
        .bind(APP_ROLE)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!bypass, "{APP_ROLE} bypasses row-level security");
}

/// A workspace with a row in every tenant table, written the way people write them.
async fn workspace(pool: &PgPool, slug: &str) -> Uuid {
    let admin = format!("ada@{slug}.example");
    let employee = format!("emil@{slug}.example");
    let analyst = format!("anna@{slug}.example");
    let tenant = common::tenant_with_users(
        pool,
        slug,
        &[
            (&admin, app::model::Role::Admin),
            (&employee, app::model::Role::Employee),
            (&analyst, app::model::Role::Analyst),
        ],
        PASSWORD,
    )
    .await;
    common::cases_for_employees(pool, tenant, 2, 2).await;
    // Zoho CRM is a fake one, with a photo that fails (a run's error row).
    let fake = zoho::fake::FakeZoho::start(zoho::fake::FakeConfig {
        contacts: 3,
        ..Default::default()
    })
    .await
    .unwrap();
    fake.set_faults(zoho::fake::Faults {
        failing_photos: vec![fake.ids()[0].clone()],
        ..Default::default()
    });
    let storage = std::env::temp_dir().join(format!("casework-isolation-{}", Uuid::new_v4()));
    let state = common::state(common::config(
        &common::database_url(pool),
        &[
            "--zoho-accounts-url",
            fake.accounts_url().as_str(),
            "--storage-url",
            &storage.to_string_lossy(),
            "--zoho-retry-base-ms",
            "1",
        ],
    ));
    let cookie = |email: String| {
        let state = state.clone();
        async move { common::session_cookie(&state, &email, PASSWORD).await }
    };
    let (ada, emil, anna) = (
        cookie(admin).await,
        cookie(employee).await,
        cookie(analyst).await,
    );
    let call = |cookie: &str, path: &'static str, form: Vec<(&'static str, String)>| {
        let state = state.clone();
        let cookie = cookie.to_string();
        async move { common::call_ok(&state, &cookie, path, &form).await }
    };
    let case: i32 = sqlx::query_scalar("SELECT min(number) FROM cases WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(pool)
        .await
        .unwrap();
    call(
        &emil,
        "/api/case/comment",
        vec![("number", case.to_string()), ("body", "hi".into())],
    )
    .await;
    // A mention of Emil (a notification), and Emil's notification settings.
    call(
        &ada,
        "/api/case/comment",
        vec![
            ("number", case.to_string()),
            ("body", "@emil thanks".into()),
        ],
    )
    .await;
    call(
        &emil,
        "/api/notifications/settings/save",
        vec![("mention", "on".into()), ("assigned", "on".into())],
    )
    .await;
    let (company, _) = common::company_with_note(
        &state,
        &anna,
        &format!("{slug} Co"),
        &format!("{slug}.example"),
    )
    .await;
    call(
        &anna,
        "/api/company/enrich",
        vec![("id", company.to_string())],
    )
    .await;
    let list = call(&anna, "/api/lists/create", vec![("name", "Targets".into())])
        .await
        .as_i64()
        .unwrap();
    call(
        &anna,
        "/api/lists/add",
        vec![
            ("list_id", list.to_string()),
            ("company", company.to_string()),
        ],
    )
    .await;
    call(
        &anna,
        "/api/searches/save",
        vec![
            ("name", "Software".into()),
            ("query", "sector=Software".into()),
        ],
    )
    .await;
    // An API key (its row, its service identity, its audit row).
    call(
        &ada,
        "/api/admin/api-keys/create",
        vec![
            ("name", "Zapier".into()),
            ("scopes[]", "cases:read".into()),
            ("expires_on", String::new()),
        ],
    )
    .await;
    // The contractor directory: connecting (the connection, its audit row), a run
    // (its row, its contractors, the photo that failed).
    let config = fake.config();
    call(
        &ada,
        "/api/admin/zoho/save",
        vec![
            ("data_centre", "us".into()),
            ("client_id", config.client_id),
            ("client_secret", config.client_secret),
            ("refresh_token", config.refresh_token),
            ("module", "Contacts".into()),
            ("map_name", "Full_Name".into()),
            ("map_trade", "Title".into()),
            ("map_skills", "Skills".into()),
            ("map_company", "Account_Name".into()),
            ("map_city", "Mailing_City".into()),
            ("map_region", "Mailing_State".into()),
            ("map_email", "Email".into()),
            ("map_phone", "Phone".into()),
            ("map_status", "Contractor_Status".into()),
            ("schedule_minutes", "off".into()),
        ],
    )
    .await;
    // An import with a refused row (the upload and its job are tests/imports.rs's).
    let import: i64 = sqlx::query_scalar(
        "INSERT INTO imports (tenant_id, kind, file_name, object_key, size_bytes, header, rows_total)
         VALUES ($1, 'cases', 'cases.csv', 'imports/none.csv', 20, '{title}', 1) RETURNING id",
    )
    .bind(tenant)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO import_errors (import_id, tenant_id, line, field, reason)
         VALUES ($1, $2, 2, 'title', 'a case needs a title')",
    )
    .bind(import)
    .bind(tenant)
    .execute(pool)
    .await
    .unwrap();
    // A webhook endpoint hearing of the sync's contractors (its address is refused by
    // the guard at delivery: an attempt on record all the same).
    sqlx::query(
        "INSERT INTO webhook_endpoints (tenant_id, url, events, secret)
         VALUES ($1, 'http://127.0.0.1:9/hooks', '{contractor.synced}', $2)",
    )
    .bind(tenant)
    .bind(app::server::webhooks::signing::new_secret())
    .execute(pool)
    .await
    .unwrap();
    call(&ada, "/api/admin/zoho/sync", vec![]).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let jobs = state.jobs.clone();
    let token = stop.clone();
    tokio::spawn(async move { jobs.run_workers(1, token).await });
    let started = std::time::Instant::now();
    loop {
        let done: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sync_runs WHERE tenant_id = $1 AND status = 'done')
                AND EXISTS (SELECT 1 FROM webhook_attempts WHERE tenant_id = $1)",
        )
        .bind(tenant)
        .fetch_one(pool)
        .await
        .unwrap();
        if done {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.cancel();
    call(
        &ada,
        "/api/admin/users/add",
        vec![
            ("email", format!("new@{slug}.example")),
            ("display_name", "New".into()),
            ("role", "employee".into()),
            ("password", PASSWORD.into()),
        ],
    )
    .await;
    // The inquiry form, switched on, giving inquiries in turn to the employee.
    let emil_id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(format!("emil@{slug}.example"))
        .fetch_one(pool)
        .await
        .unwrap();
    call(
        &ada,
        "/api/admin/inquiry-form/save",
        vec![
            ("enabled", "on".into()),
            ("intro", format!("Write to {slug}")),
            ("daily_cap", "50".into()),
            ("assignment", "round_robin".into()),
            ("people[]", emil_id.to_string()),
        ],
    )
    .await;
    // A slow request of this workspace, as the request metrics record it and the
    // instance writes it at the end of its minute.
    state.rollup.record(
        "/work",
        "GET",
        200,
        1_500.0,
        Some(app::server::system::rollup::SlowRequest {
            at: time::OffsetDateTime::now_utc(),
            request_id: format!("slow-{slug}"),
            route: "/work".into(),
            method: "GET".into(),
            status: 200,
            ms: 1_500.0,
            user_id: None,
            tenant_id: tenant,
        }),
    );
    casework::http::metrics::write_minute(&state).await;
    tenant
}

#[sqlx::test]
async fn through_the_app_role_a_tenant_sees_and_changes_only_its_own_rows(pool: PgPool) {
    // The job queue's schema: asking for an enrichment enqueues a job.
    app::server::db::migrate_jobs(&pool).await.unwrap();
    let acme = workspace(&pool, "acme").await;
    let globex = workspace(&pool, "globex").await;
    let tables = tenant_tables(&pool).await;
    for (schema, table, column) in &tables {
        let name = format!("{schema}.{table}");
        let count = |tenant: Uuid| {
            let sql = format!("SELECT count(*) FROM {name} WHERE {column} = $1");
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(&sql)
                    .bind(tenant)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        // As the owner: both workspaces have rows here, or the check below is empty.
        let (mine, theirs) = (count(acme).await, count(globex).await);
        assert!(
            mine > 0 && theirs > 0,
            "{name}: acme {mine} / globex {theirs} rows; give tests/tenant_isolation.rs's \
             workspace() a row of this table"
        );

        let mut tx = pool.begin().await.unwrap();
        sqlx::query(&format!("SET LOCAL ROLE {APP_ROLE}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(acme.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        // Reading: only acme's rows, all of them, whatever the query asks for.
        let seen: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {name}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(seen, mine, "{name}: the app role sees other tenants' rows");
        let other: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM {name} WHERE {column} = $1"))
                .bind(globex)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        assert_eq!(other, 0, "{name}: globex's rows are visible to acme");

        // Writing: globex's rows cannot be reached (no rows, or no permission at all for
        // an append-only table), and acme's cannot be moved there. Each attempt in a
        // savepoint, so a refusal does not end the transaction.
        for (attempt, sql) in [
            (
                "reach",
                format!("UPDATE {name} SET {column} = {column} WHERE {column} = $1"),
            ),
            ("delete", format!("DELETE FROM {name} WHERE {column} = $1")),
            ("move", format!("UPDATE {name} SET {column} = $1")),
        ] {
            sqlx::query("SAVEPOINT attempt")
                .execute(&mut *tx)
                .await
                .unwrap();
            let outcome = sqlx::query(&sql).bind(globex).execute(&mut *tx).await;
            match (attempt, &outcome) {
                ("move", Ok(done)) => panic!(
                    "{name}: acme moved {} of its rows to globex",
                    done.rows_affected()
                ),
                (_, Ok(done)) => assert_eq!(
                    done.rows_affected(),
                    0,
                    "{name}: acme could {attempt} globex's rows"
                ),
                (_, Err(_)) => {}
            }
            sqlx::query("ROLLBACK TO SAVEPOINT attempt")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.rollback().await.unwrap();
    }
    assert!(tables.len() >= 15, "{tables:?}");
}
