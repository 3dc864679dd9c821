#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! CSV import (issue 23, server/imports/): a file uploaded through the real multipart
//! route into object storage; the dry run lists every bad row with its line and reason
//! and writes nothing; the import writes the good rows; importing again changes
//! nothing, and a changed row updates its case; malformed files are refused whole with
//! the reason and leave nothing; roles and workspaces are kept apart.

mod common;

use std::time::Duration;

use app::model::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::world::World;
use serde_json::Value;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

async fn world(pool: &PgPool) -> World {
    World::build(pool)
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
                ("ana@acme.example", Role::Analyst),
            ],
        )
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .jobs()
        .flags(&["--job-heartbeat-s", "1"])
        .done()
        .await
}

fn start_workers(world: &World) -> CancellationToken {
    let stop = CancellationToken::new();
    let jobs = world.state.jobs.clone();
    let token = stop.clone();
    tokio::spawn(async move {
        let ended = jobs.run_workers(2, token).await;
        eprintln!("workers ended: {ended:?}");
    });
    stop
}

const BOUNDARY: &str = "casework-test-boundary";

fn multipart(cookie: &str, kind: &str, file: &[u8]) -> (axum::http::request::Builder, Body) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let request = Request::post("/imports")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("accept", "text/html")
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    (request, Body::from(body))
}

/// Posts `file` to `/imports` as a browser's form would; the answer's `Location`.
async fn upload(world: &World, cookie: &str, kind: &str, file: &[u8]) -> String {
    let (request, body) = multipart(cookie, kind, file);
    let reply = common::send_body(world.state.clone(), request, body).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    reply.location().to_string()
}

/// Posts `file` to `/imports` and returns the status of a refusal that is a page of its
/// own (403), not a redirect.
async fn refused_upload(world: &World, cookie: &str, kind: &str, file: &[u8]) -> StatusCode {
    let (request, body) = multipart(cookie, kind, file);
    common::send_body(world.state.clone(), request, body)
        .await
        .status
}

async fn uploaded(world: &World, cookie: &str, kind: &str, file: &[u8]) -> i64 {
    let location = upload(world, cookie, kind, file).await;
    location
        .strip_prefix("/imports/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not an import's page: {location}"))
}

async fn import(world: &World, cookie: &str, id: i64) -> Value {
    common::call_ok(
        &world.state,
        cookie,
        "/api/imports/get",
        &[("id", id.to_string())],
    )
    .await
}

/// Waits (60 s at most) for import `id` to reach `status`, failing at once if it
/// reaches `never` instead.
async fn until(world: &World, cookie: &str, id: i64, status: &str, never: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        let view = import(world, cookie, id).await;
        if view["status"] == status {
            return view;
        }
        assert!(view["status"] != never, "{view}");
        assert!(started.elapsed() < Duration::from_secs(60), "still {view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for import `id` to reach `status` without failing on the way.
async fn settled(world: &World, cookie: &str, id: i64, status: &str) -> Value {
    until(world, cookie, id, status, "Failed").await
}

/// Waits for import `id` to fail (not to finish).
async fn failed(world: &World, cookie: &str, id: i64) -> Value {
    until(world, cookie, id, "Failed", "Done").await
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// The auto-matched mapping of `view`, as the form sends it.
fn mapping_form(id: i64, view: &Value) -> Vec<(&'static str, String)> {
    let mut form = vec![("id", id.to_string())];
    for (field, column) in view["mapping"].as_object().unwrap() {
        let name: &'static str = Box::leak(format!("map[{field}]").into_boxed_str());
        form.push((name, column.to_string()));
    }
    form
}

/// 100,000 case rows; every 997th has no title, every 1009th a priority that is none.
fn cases_file(rows: usize, title: impl Fn(usize) -> String) -> (Vec<u8>, Vec<u32>) {
    let mut file = String::from("Ref,Subject,Customer,E-mail,Priority,Status,Owner\n");
    let mut bad = Vec::new();
    for i in 1..=rows {
        let line = i as u32 + 1;
        let subject = if i % 997 == 0 {
            String::new()
        } else {
            title(i)
        };
        let priority = if i % 1009 == 0 {
            "hot"
        } else {
            ["low", "Normal", "HIGH", ""][i % 4]
        };
        if i % 997 == 0 || i % 1009 == 0 {
            bad.push(line);
        }
        let owner = if i % 3 == 0 { "emil@acme.example" } else { "" };
        file.push_str(&format!(
            "R-{i},\"{subject}\",\"Customer {i}, Ltd\",c{i}@example.com,{priority},open,{owner}\n"
        ));
    }
    (file.into_bytes(), bad)
}

#[sqlx::test]
async fn a_hundred_thousand_rows_import_with_the_bad_ones_reported_and_again_changes_nothing(
    pool: PgPool,
) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let (file, bad) = cases_file(100_000, |i| format!("Case {i}"));
    let id = uploaded(&world, &ada, "cases", &file).await;
    let view = import(&world, &ada, id).await;
    assert_eq!(view["rows_total"], 100_000);
    assert_eq!(view["status"], "Uploaded");
    for (field, column) in [
        ("external_id", 0),
        ("title", 1),
        ("customer_name", 2),
        ("customer_email", 3),
        ("priority", 4),
        ("status", 5),
        ("assignee", 6),
    ] {
        assert_eq!(view["mapping"][field], column, "{field}: {view}");
    }
    assert_eq!(view["sample"][0][1], "Case 1");
    let stop = start_workers(&world);
    let before = count(&pool, "SELECT count(*) FROM cases").await;

    // The dry run: every row read, the bad ones listed by line, nothing written.
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/check",
        &mapping_form(id, &view),
    )
    .await;
    let checked = settled(&world, &ada, id, "Checked").await;
    assert_eq!(checked["rows_done"], 100_000);
    assert_eq!(checked["rows_bad"], bad.len());
    let lines: Vec<i32> = sqlx::query_scalar("SELECT line FROM import_errors ORDER BY line")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(lines, bad.iter().map(|l| *l as i32).collect::<Vec<_>>());
    assert_eq!(checked["errors"][0]["line"], bad[0]);
    assert_eq!(checked["errors"][0]["field"], "title");
    let priority = checked["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "priority")
        .unwrap();
    assert!(
        priority["reason"]
            .as_str()
            .unwrap()
            .contains("“hot” is not a priority"),
        "{priority}"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM cases").await, before);

    // The import: the good rows, numbered, sourced, assigned, audited.
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/run",
        &[("id", id.to_string())],
    )
    .await;
    let done = settled(&world, &ada, id, "Done").await;
    let good = 100_000 - bad.len() as i64;
    assert_eq!(done["created"], good);
    assert_eq!(done["updated"], 0);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases").await,
        before + good
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases WHERE source = 'import'").await,
        good
    );
    assert_eq!(
        count(&pool, "SELECT count(DISTINCT number) FROM cases").await,
        before + good
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases c JOIN users u ON u.id = c.assignee_id WHERE c.source = 'import' AND u.email = 'emil@acme.example'").await,
        count(&pool, "SELECT count(*) FROM cases WHERE source = 'import' AND substr(external_id, 3)::int % 3 = 0").await,
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM case_actions a JOIN cases c ON c.id = a.case_id WHERE c.source = 'import' AND a.kind = 'create'").await, good);
    // Emil, handed a third of them, is told once for the whole import (its batches add
    // up), with the count; Ada, who ran it, is not told of her own import.
    let told: Vec<(String, i32)> = sqlx::query_as(
        "SELECT u.email, n.cases FROM notifications n JOIN users u ON u.id = n.user_id
         WHERE n.kind = 'assigned'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let emils = count(&pool, "SELECT count(*) FROM cases c JOIN users u ON u.id = c.assignee_id WHERE c.source = 'import' AND u.email = 'emil@acme.example'").await;
    assert_eq!(told, vec![("emil@acme.example".to_string(), emils as i32)]);
    let (title, priority): (String, String) =
        sqlx::query_as("SELECT title, priority::text FROM cases WHERE external_id = 'R-3'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((title.as_str(), priority.as_str()), ("Case 3", "normal"));

    // The report: every refused row, line and reason.
    let report = common::get_with_cookie(
        world.state.clone(),
        &format!("/imports/{id}/errors.csv"),
        &ada,
    )
    .await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(report.body.lines().count(), bad.len() + 1);
    let first = format!("row,field,reason\n{},title,a case needs a title\n", bad[0]);
    assert!(report.body.starts_with(&first), "{}", &report.body[..100]);

    // Again, the same file: nothing changes. Then one title changed: one update.
    let again = uploaded(&world, &ada, "cases", &file).await;
    let view = import(&world, &ada, again).await;
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/check",
        &mapping_form(again, &view),
    )
    .await;
    settled(&world, &ada, again, "Checked").await;
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/run",
        &[("id", again.to_string())],
    )
    .await;
    let done = settled(&world, &ada, again, "Done").await;
    assert_eq!(
        (done["created"].as_i64(), done["updated"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases").await,
        before + good
    );
    let (changed, _) = cases_file(100_000, |i| {
        if i == 5 {
            "Case five, renamed".into()
        } else {
            format!("Case {i}")
        }
    });
    let third = uploaded(&world, &ada, "cases", &changed).await;
    let view = import(&world, &ada, third).await;
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/check",
        &mapping_form(third, &view),
    )
    .await;
    settled(&world, &ada, third, "Checked").await;
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/run",
        &[("id", third.to_string())],
    )
    .await;
    let done = settled(&world, &ada, third, "Done").await;
    assert_eq!(
        (done["created"].as_i64(), done["updated"].as_i64()),
        (Some(0), Some(1))
    );
    let (title, version): (String, i32) =
        sqlx::query_as("SELECT title, version FROM cases WHERE external_id = 'R-5'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((title.as_str(), version), ("Case five, renamed", 2));
    stop.cancel();
}

#[sqlx::test]
async fn a_malformed_file_is_refused_whole_with_the_reason_and_leaves_nothing(pool: PgPool) {
    // A store of its own, to see that nothing is left in it.
    let store = std::env::temp_dir().join(format!("casework-import-test-{}", uuid::Uuid::new_v4()));
    let store_flag = store.to_string_lossy().to_string();
    let world = World::build(&pool)
        .tenant("acme", &[("ada@acme.example", Role::Admin)])
        .jobs()
        .flags(&["--storage-url", &store_flag])
        .done()
        .await;
    let ada = world.cookie("ada@acme.example").await;
    let big = {
        let mut file = b"title,customer\n".to_vec();
        let row = format!("{},x\n", "y".repeat(1000));
        while file.len() <= 60 * 1024 * 1024 {
            file.extend_from_slice(row.as_bytes());
        }
        file
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "latin-1",
            b"title,customer\nCaf\xe9 order,Ren\xe9e\n".to_vec(),
            "is not UTF-8",
        ),
        (
            "semicolons",
            b"title;customer\nLeak;Bo\n".to_vec(),
            "separates its columns with “;”",
        ),
        (
            "tabs",
            b"title\tcustomer\nLeak\tBo\n".to_vec(),
            "separates its columns with tabs",
        ),
        (
            "open quote",
            b"title,customer\n\"Leak,Bo\nDrip,Al\n".to_vec(),
            "never closed",
        ),
        ("header only", b"title,customer\n".to_vec(), "no rows"),
        ("empty", Vec::new(), "is empty"),
        ("NUL", b"title,customer\nLe\0ak,Bo\n".to_vec(), "NUL"),
        ("60 MB", big, "larger than 50 MB"),
    ];
    for (what, file, reason) in cases {
        let location = upload(&world, &ada, "cases", &file).await;
        assert!(location.starts_with("/imports/new?"), "{what}: {location}");
        let query: Vec<(String, String)> =
            serde_urlencoded::from_str(location.split_once('?').unwrap().1).unwrap();
        let error = query
            .iter()
            .find(|(k, _)| k == "error")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        assert!(error.contains(reason), "{what}: {error}");
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM imports").await, 0);
    // Nothing kept in storage either.
    let files: Vec<_> = walk(&store);
    assert!(files.is_empty(), "{files:?}");
    let _ = std::fs::remove_dir_all(&store);
}

#[sqlx::test]
async fn companies_import_by_id_or_website_and_roles_and_workspaces_are_kept_apart(pool: PgPool) {
    let world = world(&pool).await;
    let ana = world.cookie("ana@acme.example").await;
    let emil = world.cookie("emil@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;
    sqlx::query("INSERT INTO companies (tenant_id, name, website_url, website) VALUES ($1, 'Old Initech', 'https://initech.example/', 'initech.example')")
        .bind(world.tenant("acme")).execute(&pool).await.unwrap();
    let file = b"Company Name,Domain,Industry,Stage,ID\n\
                 Initech,initech.example,Software,seed,C-1\n\
                 Globex,https://www.globex.example/,Energy,,C-2\n\
                 Globex again,globex.example,Energy,,C-3\n\
                 Hooli,hooli.example,Search,unicorn,C-4\n";
    // An analyst imports companies; an employee cannot; nobody but admins imports cases.
    let id = uploaded(&world, &ana, "companies", file).await;
    assert_eq!(
        refused_upload(&world, &emil, "companies", file).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        refused_upload(&world, &ana, "cases", b"title\nx\n").await,
        StatusCode::FORBIDDEN
    );
    let view = import(&world, &ana, id).await;
    let stop = start_workers(&world);
    common::call_ok(
        &world.state,
        &ana,
        "/api/imports/check",
        &mapping_form(id, &view),
    )
    .await;
    let checked = settled(&world, &ana, id, "Checked").await;
    assert_eq!(checked["rows_bad"], 2, "{checked}");
    let reasons: Vec<&str> = checked["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].contains("same website as row 3"), "{reasons:?}");

    // Another workspace's admin, and an employee, cannot see or run it.
    for cookie in [&gus, &emil] {
        let reply = common::call_fn(
            &world.state,
            cookie,
            "/api/imports/get",
            &[("id", id.to_string())],
        )
        .await;
        assert!(matches!(reply.status.as_u16(), 403 | 404), "{}", reply.body);
        let reply = common::call_fn(
            &world.state,
            cookie,
            "/api/imports/run",
            &[("id", id.to_string())],
        )
        .await;
        assert!(matches!(reply.status.as_u16(), 403 | 404), "{}", reply.body);
        let report = common::get_with_cookie(
            world.state.clone(),
            &format!("/imports/{id}/errors.csv"),
            cookie,
        )
        .await;
        assert!(
            matches!(report.status.as_u16(), 403 | 404),
            "{}",
            report.body
        );
    }
    let mut tx = app::server::db::tenant_tx(&world.state.pool, world.tenant("globex"))
        .await
        .unwrap();
    for table in ["imports", "import_errors"] {
        let seen: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(seen, 0, "{table}");
    }
    drop(tx);

    common::call_ok(
        &world.state,
        &ana,
        "/api/imports/run",
        &[("id", id.to_string())],
    )
    .await;
    let done = settled(&world, &ana, id, "Done").await;
    assert_eq!(
        (done["created"].as_i64(), done["updated"].as_i64()),
        (Some(1), Some(1)),
        "{done}"
    );
    let (name, external): (String, Option<String>) =
        sqlx::query_as("SELECT name, external_id FROM companies WHERE website = 'initech.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), external.as_deref()),
        ("Initech", Some("C-1"))
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM companies WHERE website = 'globex.example' AND external_id = 'C-2'").await, 1);
    // A row naming a company by its external id but giving another's website is left
    // out with the reason; the rest of its batch is written.
    let clash = b"Name,Website,ID\nInitech moved,globex.example,C-1\nHooli,hooli.example,C-4\n";
    let second = uploaded(&world, &ana, "companies", clash).await;
    let view = import(&world, &ana, second).await;
    common::call_ok(
        &world.state,
        &ana,
        "/api/imports/check",
        &mapping_form(second, &view),
    )
    .await;
    settled(&world, &ana, second, "Checked").await;
    common::call_ok(
        &world.state,
        &ana,
        "/api/imports/run",
        &[("id", second.to_string())],
    )
    .await;
    let done = settled(&world, &ana, second, "Done").await;
    assert_eq!(
        (done["created"].as_i64(), done["rows_bad"].as_i64()),
        (Some(1), Some(1)),
        "{done}"
    );
    assert_eq!(done["errors"][0]["line"], 2);
    let reason = done["errors"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("belongs to another company (Globex)"),
        "{reason}"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM companies WHERE name = 'Initech'"
        )
        .await,
        1
    );
    // A bad mapping is refused before anything runs.
    let reply = common::call_fn(
        &world.state,
        &ana,
        "/api/imports/check",
        &[("id", id.to_string()), ("map[name]", "0".into())],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    stop.cancel();
}

/// `rows` case rows with no external id (so a row written twice would be two cases).
fn plain_cases_file(rows: usize) -> Vec<u8> {
    let mut file = String::from("Subject,Customer,E-mail\n");
    for i in 1..=rows {
        file.push_str(&format!("Stop test {i},Customer {i},c{i}@example.com\n"));
    }
    file.into_bytes()
}

/// Uploads `file` and runs its dry run to "Checked" (workers stopped after it).
async fn checked_import(world: &World, cookie: &str, file: &[u8]) -> i64 {
    let id = uploaded(world, cookie, "cases", file).await;
    let view = import(world, cookie, id).await;
    let stop = start_workers(world);
    common::call_ok(
        &world.state,
        cookie,
        "/api/imports/check",
        &mapping_form(id, &view),
    )
    .await;
    settled(world, cookie, id, "Checked").await;
    stop.cancel();
    id
}

/// The database refuses one row of the file: the first batch is written, every run of
/// the job fails on the second, and after the last run (the queue's own retry policy:
/// no fewer, no more) the import is marked stopped with the count of what is in,
/// instead of staying "Importing". Resuming carries on after the rows written, and no
/// row is written twice.
#[sqlx::test]
async fn an_import_whose_job_gives_up_says_so_and_resumes_after_its_rows(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let id = checked_import(&world, &ada, &plain_cases_file(2_500)).await;
    sqlx::query(
        "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.title = 'Stop test 1500' THEN RAISE EXCEPTION 'the disk is full'; END IF;
             RETURN NEW;
         END $$",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("CREATE TRIGGER refuse_row BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION refuse_row()")
        .execute(&pool)
        .await
        .unwrap();
    let stop = start_workers(&world);
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/run",
        &[("id", id.to_string())],
    )
    .await;
    let stopped = failed(&world, &ada, id).await;
    assert_eq!(stopped["resumable"], true, "{stopped}");
    let error = stopped["error"].as_str().unwrap();
    assert!(error.contains("stopped before the end"), "{error}");
    assert!(
        !error.contains("disk"),
        "inside detail stays in the log: {error}"
    );
    assert_eq!(stopped["rows_done"], 1000, "{stopped}");
    assert_eq!(stopped["created"], 1000, "{stopped}");
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM imports WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, app::server::imports::job::ATTEMPTS);
    let written = "SELECT count(*) FROM cases WHERE title LIKE 'Stop test %'";
    assert_eq!(count(&pool, written).await, 1000);

    // Checking it again would count from the start (and write rows twice): refused.
    let again = common::call_fn(
        &world.state,
        &ada,
        "/api/imports/check",
        &mapping_form(id, &stopped),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert!(again.body.contains("resume"), "{}", again.body);
    assert_eq!(failed(&world, &ada, id).await["resumable"], true);

    // The database mended, the import resumes after the rows it wrote.
    sqlx::query("DROP TRIGGER refuse_row ON cases")
        .execute(&pool)
        .await
        .unwrap();
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/run",
        &[("id", id.to_string())],
    )
    .await;
    let done = settled(&world, &ada, id, "Done").await;
    assert_eq!(done["rows_done"], 2_500, "{done}");
    assert_eq!(done["created"], 2_500, "{done}");
    assert_eq!(done["rows_bad"], 0, "{done}");
    assert_eq!(done["resumable"], false, "{done}");
    assert_eq!(count(&pool, written).await, 2_500);
    let distinct = "SELECT count(DISTINCT title) FROM cases WHERE title LIKE 'Stop test %'";
    assert_eq!(count(&pool, distinct).await, 2_500);
    stop.cancel();
}

/// The queue gives up on a job without our code seeing the end (a worker killed on its
/// last attempt, a timeout): reading the import marks it stopped, and only then.
#[sqlx::test]
async fn an_import_the_queue_gave_up_on_is_marked_stopped_when_read(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    let id = checked_import(&world, &ada, &plain_cases_file(10)).await;
    // No worker runs now: the import's job waits.
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/run",
        &[("id", id.to_string())],
    )
    .await;
    let job: uuid::Uuid = sqlx::query_scalar("SELECT job_id FROM imports WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let set = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql).bind(job).execute(&pool).await.unwrap();
        }
    };
    assert_eq!(import(&world, &ada, id).await["status"], "Importing");
    // Taken, its one attempt used, its worker beating: alive.
    set(
        "UPDATE underway.task SET state = 'in_progress', last_heartbeat_at = now(),
                retry_policy.max_attempts = 1 WHERE id = $1",
    )
    .await;
    set(
        "INSERT INTO underway.task_attempt (task_id, task_queue_name, attempt_number)
         VALUES ($1, 'import', 1)",
    )
    .await;
    assert_eq!(import(&world, &ada, id).await["status"], "Importing");
    // Its worker silent for an hour, with no attempt left: the queue will not run it
    // again.
    set("UPDATE underway.task SET last_heartbeat_at = now() - interval '1 hour' WHERE id = $1")
        .await;
    let stopped = import(&world, &ada, id).await;
    assert_eq!(stopped["status"], "Failed", "{stopped}");
    assert_eq!(stopped["resumable"], true, "{stopped}");
    assert!(
        stopped["error"]
            .as_str()
            .unwrap()
            .contains("stopped before the end"),
        "{stopped}"
    );

    // A dry run whose job the queue marked failed: stopped too, and checked again.
    let other = checked_import(&world, &ada, &plain_cases_file(5)).await;
    let view = import(&world, &ada, other).await;
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/check",
        &mapping_form(other, &view),
    )
    .await;
    assert_eq!(import(&world, &ada, other).await["status"], "Checking");
    sqlx::query(
        "UPDATE underway.task SET state = 'failed'
         WHERE id = (SELECT job_id FROM imports WHERE id = $1)",
    )
    .bind(other)
    .execute(&pool)
    .await
    .unwrap();
    let stopped = import(&world, &ada, other).await;
    assert_eq!(stopped["status"], "Failed", "{stopped}");
    assert_eq!(stopped["resumable"], false, "{stopped}");
    assert!(
        stopped["error"].as_str().unwrap().contains("Check again"),
        "{stopped}"
    );
    let stop = start_workers(&world);
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/check",
        &mapping_form(other, &view),
    )
    .await;
    settled(&world, &ada, other, "Checked").await;
    stop.cancel();

    // A file gone from storage is the file's failure: said, and not resumable.
    let gone = checked_import(&world, &ada, &plain_cases_file(5)).await;
    sqlx::query("UPDATE imports SET object_key = object_key || '.gone' WHERE id = $1")
        .bind(gone)
        .execute(&pool)
        .await
        .unwrap();
    let stop = start_workers(&world);
    common::call_ok(
        &world.state,
        &ada,
        "/api/imports/run",
        &[("id", gone.to_string())],
    )
    .await;
    let lost = failed(&world, &ada, gone).await;
    assert_eq!(lost["resumable"], false, "{lost}");
    assert_eq!(
        lost["error"],
        "The file could not be read to the end: the uploaded file is gone from storage."
    );
    stop.cancel();
}
