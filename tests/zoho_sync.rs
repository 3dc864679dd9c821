#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The contractor directory's sync from Zoho CRM, end to end on the server: the admin
//! connects the fake Zoho (a real HTTP server speaking Zoho's protocol), asks for a
//! run, a real worker on the real queue runs it into a real Postgres and a real
//! directory of objects. Full and incremental runs, photos and thumbnails, deletions,
//! failures recorded while the run goes on, the one-run lock across app states, the
//! manual limit, a worker killed mid-run, webhooks (bad tokens, replays, out of
//! order), tenants kept apart, and bad input on every form.

mod common;

use std::time::{Duration, Instant};

use app::model::Role;
use app::server::AppState;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use zoho::fake::{FakeConfig, FakeZoho, Faults};

use common::world::PASSWORD;

struct World {
    state: AppState,
    acme: Uuid,
    globex: Uuid,
    fake: FakeZoho,
    storage: tempfile::TempDir,
    admin: String,
}

async fn world(pool: &PgPool, contacts: usize, extra: &[&str]) -> World {
    let fake = FakeZoho::start(FakeConfig {
        contacts,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let storage = tempfile::tempdir().unwrap();
    let accounts = fake.accounts_url().to_string();
    let storage_url = storage.path().to_string_lossy().to_string();
    let world = common::world::World::build(pool)
        .jobs()
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("emil@acme.example", Role::Employee),
                ("anna@acme.example", Role::Analyst),
            ],
        )
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .flags(&[
            "--zoho-accounts-url",
            &accounts,
            "--storage-url",
            &storage_url,
            "--zoho-retry-base-ms",
            "20",
            "--job-heartbeat-s",
            "1",
            "--public-url",
            "http://127.0.0.1:3000",
        ])
        .flags(extra)
        .done()
        .await;
    let admin = world.cookie("ada@acme.example").await;
    World {
        acme: world.tenant("acme"),
        globex: world.tenant("globex"),
        state: world.state,
        fake,
        storage,
        admin,
    }
}

fn connection_form(fake: &FakeZoho) -> Vec<(&'static str, String)> {
    let config = fake.config();
    let map = zoho::FieldMap::default();
    vec![
        ("data_centre", "eu".into()),
        ("client_id", config.client_id),
        ("client_secret", config.client_secret),
        ("refresh_token", config.refresh_token),
        ("module", "Contacts".into()),
        ("map_name", map.name),
        ("map_trade", map.trade),
        ("map_skills", map.skills),
        ("map_company", map.company),
        ("map_city", map.city),
        ("map_region", map.region),
        ("map_email", map.email),
        ("map_phone", map.phone),
        ("map_status", map.status),
        ("schedule_minutes", "off".into()),
    ]
}

async fn connect(world: &World) {
    let reply = common::call_fn(
        &world.state,
        &world.admin,
        "/api/admin/zoho/save",
        &connection_form(&world.fake),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// Asks for a run as the admin; the run's id.
async fn sync_now(world: &World, full: bool) -> i64 {
    let form = if full {
        vec![("full", "1".to_string())]
    } else {
        vec![]
    };
    let reply = common::call_fn(&world.state, &world.admin, "/api/admin/zoho/sync", &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let answer: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    answer["Queued"]
        .as_i64()
        .unwrap_or_else(|| panic!("not queued: {answer}"))
}

fn start_worker(state: &AppState) -> CancellationToken {
    let stop = CancellationToken::new();
    let jobs = state.jobs.clone();
    let token = stop.clone();
    tokio::spawn(async move { jobs.run_workers(2, token).await });
    stop
}

#[derive(sqlx::FromRow, Debug, Clone)]
struct Run {
    status: String,
    attempts: i32,
    created: i32,
    updated: i32,
    unchanged: i32,
    archived: i32,
    photos_fetched: i32,
    photos_done: i32,
    photos_total: i32,
    records_done: i32,
    failed: i32,
    error: Option<String>,
}

async fn run(pool: &PgPool, id: i64) -> Run {
    sqlx::query_as(
        "SELECT status::text, attempts, created, updated, unchanged, archived, photos_fetched,
                photos_done, photos_total, records_done, failed, error
         FROM sync_runs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Waits (up to 90 s) for the run to finish.
async fn finished(pool: &PgPool, id: i64) -> Run {
    let started = Instant::now();
    loop {
        let run = run(pool, id).await;
        if run.status == "done" || run.status == "failed" {
            return run;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "run {id} still {run:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// The directory's counters (`contractor_facets`, kept by triggers in the writing
/// transactions) equal a recount of the contractors, for every tenant, side, kind and
/// value; and they are not all empty.
async fn assert_facets_match_recount(pool: &PgPool) {
    let kept: Vec<(Uuid, bool, String, String, i64)> = sqlx::query_as(
        "SELECT tenant_id, archived, kind, value, n::bigint FROM contractor_facets
         WHERE n <> 0 ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let recounted: Vec<(Uuid, bool, String, String, i64)> = sqlx::query_as(
        "SELECT c.tenant_id, c.archived, k.kind, k.value, count(*)
         FROM contractors c
         CROSS JOIN LATERAL (VALUES ('all', ''), ('trade', c.trade), ('city', c.city),
                                    ('status', c.status)) AS k (kind, value)
         WHERE k.value IS NOT NULL
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(!recounted.is_empty());
    assert_eq!(kept, recounted, "the counters drifted from a recount");
}

/// Every card of a directory listing, following its "Next page" links from `path`:
/// the contractors' ids in page order.
async fn every_card(state: &AppState, path: &str, cookie: &str) -> Vec<String> {
    let (cards, next) = (
        scraper::Selector::parse("[data-testid=contractor-card] a").unwrap(),
        scraper::Selector::parse("nav[aria-label=Pages] a").unwrap(),
    );
    let mut ids = Vec::new();
    let mut path = Some(path.to_string());
    while let Some(at) = path.take() {
        let page = common::get_with_cookie(state.clone(), &at, cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{at}");
        let html = scraper::Html::parse_document(&page.body);
        ids.extend(
            html.select(&cards)
                .filter_map(|a| a.value().attr("href"))
                .map(|href| href.trim_start_matches("/contractors/").to_string()),
        );
        path = html
            .select(&next)
            .find(|a| a.text().collect::<String>().contains("Next page"))
            .and_then(|a| a.value().attr("href"))
            .map(str::to_string);
        assert!(ids.len() < 10_000, "the pages never end");
    }
    ids
}

fn files_in(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        n += if path.is_dir() { files_in(&path) } else { 1 };
    }
    n
}

#[sqlx::test]
async fn a_full_sync_fills_the_directory_with_photos_and_thumbnails(pool: PgPool) {
    let world = world(&pool, 230, &[]).await;
    connect(&world).await;
    let worker = start_worker(&world.state);
    let id = sync_now(&world, false).await;
    let done = finished(&pool, id).await;
    worker.cancel();
    assert_eq!(done.status, "done", "{done:?}");
    assert_eq!(
        (done.created, done.updated, done.unchanged, done.failed),
        (230, 0, 0, 0)
    );
    assert_eq!(done.records_done, 230);
    // Nine in ten contacts have a photo.
    assert_eq!(
        (done.photos_fetched, done.photos_done, done.photos_total),
        (207, 207, 207)
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM contractors").await, 230);
    assert_eq!(count(&pool, "SELECT count(*) FROM contractors WHERE photo_hash IS NOT NULL AND 160 = ANY(photo_thumbs)").await, 207);
    // A thumbnail for each width below the photo's own (the fake's narrowest photos
    // are 480 px wide: no 480 thumbnail for them).
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM contractors WHERE 480 = ANY(photo_thumbs) <> (photo_width > 480)"
        )
        .await,
        0
    );
    // Each photo stored once, with its thumbnails.
    let stored = count(
        &pool,
        "SELECT count(DISTINCT photo_hash) + sum(cardinality(photo_thumbs)) FROM contractors",
    )
    .await;
    assert_eq!(files_in(world.storage.path()) as i64, stored);

    // Fields as mapped, and the directory shows them.
    let ids = world.fake.ids();
    let contact = world.fake.contact(&ids[0]).unwrap();
    let (name, city, skills): (String, Option<String>, Vec<String>) =
        sqlx::query_as("SELECT name, city, skills FROM contractors WHERE zoho_id = $1")
            .bind(&ids[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(name, contact.fields["Full_Name"].as_str().unwrap());
    assert_eq!(city.as_deref(), contact.fields["Mailing_City"].as_str());
    assert_eq!(
        skills.len(),
        contact.fields["Skills"].as_array().unwrap().len()
    );
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let page = common::get_with_cookie(world.state.clone(), "/contractors", &emil).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("230 contractors"),
        "{}",
        &page.body[..page.body.len().min(400)]
    );
    assert_eq!(
        page.body.matches("data-testid=\"contractor-card\"").count(),
        48
    );
    assert!(page.body.contains("srcset=\""));

    // The photo and its thumbnail, behind the tenant check, revalidated with 304.
    let (contractor, hash): (i64, String) =
        sqlx::query_as("SELECT id, photo_hash FROM contractors WHERE zoho_id = $1")
            .bind(&ids[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    let original = common::get_with_cookie(
        world.state.clone(),
        &format!("/contractors/{contractor}/photo/original"),
        &emil,
    )
    .await;
    assert_eq!(original.status, StatusCode::OK);
    assert_eq!(original.header("content-type"), "image/jpeg");
    assert!(original.header("cache-control").starts_with("private"));
    let etag = original.header("etag").to_string();
    assert!(etag.contains(&hash[..32]));
    let again = common::send(
        world.state.clone(),
        Request::get(format!("/contractors/{contractor}/photo/160"))
            .header("cookie", &emil)
            .header("if-none-match", etag.replace("-o\"", "-160\"")),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let thumb = common::get_with_cookie(
        world.state.clone(),
        &format!("/contractors/{contractor}/photo/160"),
        &emil,
    )
    .await;
    assert_eq!(thumb.status, StatusCode::OK);
    for bad in ["999", "abc", "../original"] {
        let reply = common::get_with_cookie(
            world.state.clone(),
            &format!("/contractors/{contractor}/photo/{bad}"),
            &emil,
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}");
    }
    let anonymous = common::get(
        world.state.clone(),
        &format!("/contractors/{contractor}/photo/original"),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn incremental_runs_take_only_what_changed_and_archive_what_zoho_deleted(pool: PgPool) {
    let world = world(&pool, 120, &["--sync-manual-interval-s", "0"]).await;
    connect(&world).await;
    let worker = start_worker(&world.state);
    let first = finished(&pool, sync_now(&world, false).await).await;
    assert_eq!(first.created, 120);

    // Nothing changed: Zoho answers 304 and nothing is written.
    let grants_before = world.fake.counts().not_modified;
    let quiet = finished(&pool, sync_now(&world, false).await).await;
    assert_eq!(quiet.status, "done", "{quiet:?}");
    assert_eq!(
        (quiet.created, quiet.updated, quiet.photos_fetched),
        (0, 0, 0)
    );
    assert!(world.fake.counts().not_modified > grants_before);

    // Five edited (with new photos), three new, two deleted.
    let edited = world.fake.modify(5, true);
    let created = world.fake.create(3);
    let gone: Vec<String> = world
        .fake
        .ids()
        .into_iter()
        .rev()
        .take(2)
        .filter(|id| !created.contains(id))
        .collect();
    let gone = if gone.len() == 2 {
        gone
    } else {
        world.fake.ids()[10..12].to_vec()
    };
    world.fake.delete(&gone);
    let changed = finished(&pool, sync_now(&world, false).await).await;
    assert_eq!(changed.status, "done", "{changed:?}");
    assert_eq!(changed.created, 3);
    assert_eq!(changed.updated, 5);
    assert_eq!(changed.archived, 2);
    assert_eq!(
        changed.photos_fetched,
        5 + created
            .iter()
            .filter(|id| world.fake.contact(id).unwrap().photo_version.is_some())
            .count() as i32
    );
    for id in &edited {
        let city: Option<String> =
            sqlx::query_scalar("SELECT city FROM contractors WHERE zoho_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            city.as_deref(),
            world.fake.contact(id).unwrap().fields["Mailing_City"].as_str()
        );
    }
    let archived: i64 =
        sqlx::query_scalar("SELECT count(*) FROM contractors WHERE archived AND zoho_id = ANY($1)")
            .bind(&gone)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(archived, 2);
    // Archived contractors leave the directory and show under "removed".
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    let page = common::get_with_cookie(world.state.clone(), "/contractors", &emil).await;
    assert!(
        page.body.contains("121 contractors"),
        "{}",
        &page.body[..400.min(page.body.len())]
    );
    let removed =
        common::get_with_cookie(world.state.clone(), "/contractors?archived=1", &emil).await;
    assert!(removed.body.contains("2 contractors"));
    assert_facets_match_recount(&pool).await;
    // Counts by one menu (from the counters), two menus and a text search (counted),
    // each equal to the rows the filter means; each menu value shows its count.
    let (trade, city): (String, String) = sqlx::query_as(
        "SELECT trade, city FROM contractors WHERE NOT archived AND trade IS NOT NULL
         AND city IS NOT NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let word: String = sqlx::query_scalar(
        "SELECT split_part(name, ' ', 1) FROM contractors WHERE NOT archived ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let encode = |s: &str| s.replace(' ', "+");
    for (query, sql) in [
        (
            format!("trade={}", encode(&trade)),
            format!("SELECT count(*) FROM contractors WHERE NOT archived AND trade = '{trade}'"),
        ),
        (
            format!("trade={}&city={}", encode(&trade), encode(&city)),
            format!(
                "SELECT count(*) FROM contractors WHERE NOT archived AND trade = '{trade}' AND city = '{city}'"
            ),
        ),
        (
            format!("q={word}"),
            format!(
                "SELECT count(*) FROM contractors WHERE NOT archived AND search @@ websearch_to_tsquery('simple', '{word}')"
            ),
        ),
        (
            "status=No+such+status".to_string(),
            "SELECT 0::bigint".to_string(),
        ),
    ] {
        let expected = count(&pool, &sql).await;
        let page =
            common::get_with_cookie(world.state.clone(), &format!("/contractors?{query}"), &emil)
                .await;
        let label = if expected == 1 {
            "1 contractor<".to_string()
        } else {
            format!("{expected} contractors<")
        };
        assert!(page.body.contains(&label), "{query}: expected {label}");
        assert_eq!(
            page.body.matches("data-testid=\"contractor-card\"").count() as i64,
            expected.min(48),
            "{query}"
        );
    }
    // Paging through every page of a listing, with and without a text search, shows
    // each match once (the search picks its page from the matches in one statement).
    // "plumber or electrician or …": websearch syntax, matching more than a page.
    let trades: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT lower(split_part(trade, ' ', 1)) FROM contractors WHERE trade IS NOT NULL",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let any_trade = trades.join(" or ");
    for (path, sql) in [
        (
            "/contractors".to_string(),
            "SELECT count(*) FROM contractors WHERE NOT archived".to_string(),
        ),
        (
            format!("/contractors?q={}", any_trade.replace(' ', "+")),
            format!(
                "SELECT count(*) FROM contractors WHERE NOT archived AND search @@ websearch_to_tsquery('simple', '{any_trade}')"
            ),
        ),
    ] {
        let ids = every_card(&world.state, &path, &emil).await;
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{path}: a card shown twice");
        assert_eq!(ids.len() as i64, count(&pool, &sql).await, "{path}");
        assert!(ids.len() > 48, "{path}: more than one page");
    }
    let by_trade = count(
        &pool,
        &format!("SELECT count(*) FROM contractors WHERE NOT archived AND trade = '{trade}'"),
    )
    .await;
    assert!(
        page.body
            .contains(&format!(">{trade} ({by_trade})</option>"))
    );

    // A full resync reads everything, changes nothing, archives nothing more.
    let full = finished(&pool, sync_now(&world, true).await).await;
    worker.cancel();
    assert_eq!(full.status, "done");
    assert_eq!(
        (
            full.created,
            full.updated,
            full.unchanged,
            full.archived,
            full.photos_fetched
        ),
        (0, 0, 121, 0, 0)
    );
    assert_facets_match_recount(&pool).await;
}

#[sqlx::test]
async fn failures_are_recorded_per_record_and_the_run_goes_on(pool: PgPool) {
    let world = world(&pool, 60, &[]).await;
    connect(&world).await;
    let failing = world.fake.ids()[4].clone();
    // A burst of 429s, then of 503s, a token that expires mid-run, and one photo that
    // always fails.
    world.fake.set_faults(Faults {
        rate_limit_next: 2,
        retry_after_s: 1,
        server_error_next: 2,
        server_error_status: Some(503),
        expire_tokens_after: Some(6),
        failing_photos: vec![failing.clone()],
        latency_ms: Some(0),
    });
    let worker = start_worker(&world.state);
    let done = finished(&pool, sync_now(&world, false).await).await;
    worker.cancel();
    assert_eq!(done.status, "done", "{done:?}");
    assert_eq!(done.created, 60);
    assert_eq!(done.failed, 1);
    assert_eq!(done.photos_fetched, 53, "54 with photos, one failing");
    let errors: Vec<(String, String, String)> =
        sqlx::query_as("SELECT zoho_id, stage, message FROM sync_run_errors")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1.as_str()),
        (failing.as_str(), "photo")
    );
    assert!(errors[0].2.contains("server error"), "{}", errors[0].2);
    assert!(
        world.fake.counts().grants >= 2,
        "the expired token was replaced"
    );
    // The run's page lists it.
    let page = common::get_with_cookie(
        world.state.clone(),
        "/admin/integrations/zoho/runs/1",
        &world.admin,
    )
    .await;
    assert!(
        page.body.contains(&failing),
        "the run page names the failed record"
    );
}

#[sqlx::test]
async fn wrong_credentials_fail_the_run_with_zoho_s_reason(pool: PgPool) {
    let world = world(&pool, 5, &[]).await;
    let mut form = connection_form(&world.fake);
    form[3].1 = "1000.revoked-token".into();
    let reply = common::call_fn(&world.state, &world.admin, "/api/admin/zoho/save", &form).await;
    assert_eq!(reply.status, StatusCode::OK);
    let tested = common::call_fn(&world.state, &world.admin, "/api/admin/zoho/test", &[]).await;
    assert_eq!(tested.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(tested.body.contains("invalid_code"), "{}", tested.body);
    assert!(!tested.body.contains("revoked-token"));
    let worker = start_worker(&world.state);
    let done = finished(&pool, sync_now(&world, false).await).await;
    worker.cancel();
    assert_eq!(done.status, "failed");
    assert!(done.error.unwrap_or_default().contains("invalid_code"));
    // The settings page never shows the secrets back.
    let settings = common::call_fn(&world.state, &world.admin, "/api/admin/zoho", &[]).await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(
        !settings.body.contains("fake-client-secret") && !settings.body.contains("revoked-token")
    );
    let page = common::get_with_cookie(
        world.state.clone(),
        "/admin/integrations/zoho",
        &world.admin,
    )
    .await;
    assert!(!page.body.contains("fake-client-secret") && !page.body.contains("revoked-token"));
}

#[sqlx::test]
async fn two_sync_requests_at_once_from_two_servers_make_one_run(pool: PgPool) {
    let world = world(&pool, 20, &["--sync-manual-interval-s", "0"]).await;
    connect(&world).await;
    // A second server state: its own pools, as another process would have.
    let other = common::state(common::config(
        &common::database_url(&pool),
        &["--zoho-accounts-url", world.fake.accounts_url().as_str()],
    ));
    let (a, b) = tokio::join!(
        common::call_fn(&world.state, &world.admin, "/api/admin/zoho/sync", &[]),
        common::call_fn(&other, &world.admin, "/api/admin/zoho/sync", &[]),
    );
    assert_eq!(
        (a.status, b.status),
        (StatusCode::OK, StatusCode::OK),
        "{} / {}",
        a.body,
        b.body
    );
    let answers = [a.body, b.body];
    assert_eq!(
        answers.iter().filter(|b| b.contains("Queued")).count(),
        1,
        "{answers:?}"
    );
    assert_eq!(
        answers
            .iter()
            .filter(|b| b.contains("AlreadyRunning"))
            .count(),
        1,
        "{answers:?}"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM sync_runs").await, 1);
    // Without JavaScript, the second is sent back to the page saying so, with the run.
    let plain = common::post_html_form(
        world.state.clone(),
        "/api/admin/zoho/sync",
        &[],
        &world.admin,
    )
    .await;
    assert!(
        plain.location().contains("running=1"),
        "{}",
        plain.location()
    );
}

#[sqlx::test]
async fn manual_syncs_are_limited_to_one_per_ten_minutes(pool: PgPool) {
    let world = world(&pool, 5, &[]).await;
    connect(&world).await;
    let worker = start_worker(&world.state);
    finished(&pool, sync_now(&world, false).await).await;
    worker.cancel();
    let again = common::call_fn(&world.state, &world.admin, "/api/admin/zoho/sync", &[]).await;
    assert_eq!(
        again.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        again.body
    );
    assert!(again.body.contains("retry_after"), "{}", again.body);
    assert_eq!(count(&pool, "SELECT count(*) FROM sync_runs").await, 1);
}

#[sqlx::test]
async fn a_worker_killed_mid_run_is_replaced_and_the_run_completes_once(pool: PgPool) {
    let world = world(&pool, 400, &[]).await;
    connect(&world).await;
    // Slow enough that the run is surely mid-way when the worker dies.
    world.fake.set_faults(Faults {
        latency_ms: Some(40),
        ..Faults::default()
    });
    let id = sync_now(&world, false).await;
    let mut doomed = tokio::process::Command::new(env!("CARGO_BIN_EXE_casework"))
        .arg("worker")
        .env("DATABASE_URL", common::database_url(&pool))
        .env("ZOHO_ACCOUNTS_URL", world.fake.accounts_url().as_str())
        .env("STORAGE_URL", world.storage.path())
        .env("JOB_HEARTBEAT_S", "1")
        .env("WORKERS", "1")
        .env("ZOHO_PHOTO_PARALLELISM", "2")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let now = run(&pool, id).await;
        if now.records_done >= 200 && now.photos_done > 10 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    doomed.start_kill().unwrap();
    doomed.wait().await.unwrap();
    world.fake.set_faults(Faults::default());
    let worker = start_worker(&world.state);
    let done = finished(&pool, id).await;
    worker.cancel();
    assert_eq!(done.status, "done", "{done:?}");
    assert_eq!(done.attempts, 2, "taken over once");
    assert_eq!(
        done.created + done.updated + done.unchanged,
        400,
        "each record counted once: {done:?}"
    );
    assert_eq!(done.created, 400);
    assert_eq!(count(&pool, "SELECT count(*) FROM contractors").await, 400);
    assert_eq!(
        count(&pool, "SELECT count(DISTINCT zoho_id) FROM contractors").await,
        400
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM contractors WHERE photo_hash IS NOT NULL"
        )
        .await,
        360
    );
    let stored = count(
        &pool,
        "SELECT count(DISTINCT photo_hash) + sum(cardinality(photo_thumbs)) FROM contractors",
    )
    .await;
    assert_eq!(
        files_in(world.storage.path()) as i64,
        stored,
        "no photo stored twice"
    );
    assert_facets_match_recount(&pool).await;
}

/// Enables the webhook channel (as connecting does) and returns its token.
async fn channel(world: &World) -> zoho::fake::Channel {
    world
        .fake
        .channel()
        .unwrap_or_else(|| panic!("connecting enabled no channel"))
}

async fn post_webhook(world: &World, tenant: Uuid, body: serde_json::Value) -> common::Reply {
    common::send_body(
        world.state.clone(),
        Request::post(format!("/webhooks/zoho/{tenant}"))
            .header("content-type", "application/json"),
        axum::body::Body::from(body.to_string()),
    )
    .await
}

#[sqlx::test]
async fn webhooks_apply_changes_and_refuse_impostors_replays_and_disorder(pool: PgPool) {
    let world = world(&pool, 30, &[]).await;
    connect(&world).await;
    let channel = channel(&world).await;
    assert!(
        channel
            .notify_url
            .ends_with(&format!("/webhooks/zoho/{}", world.acme)),
        "{}",
        channel.notify_url
    );
    let worker = start_worker(&world.state);
    finished(&pool, sync_now(&world, false).await).await;
    worker.cancel();
    let id = world.fake.ids()[7].clone();
    let name_of = |id: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT name FROM contractors WHERE zoho_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = name_of(id.clone()).await;

    // An edit in Zoho, with the wrong token, another channel, another tenant: refused.
    let mut fields = serde_json::Map::new();
    fields.insert("Full_Name".into(), serde_json::json!("Ada Webhook"));
    world.fake.edit(&id, &fields);
    let notification = |token: &str, channel_id: &str| {
        serde_json::json!({
            "server_time": 1, "module": "Contacts", "resource_uri": "x", "ids": [id], "operation": "update",
            "channel_id": channel_id, "token": token, "affected_fields": [], "query_params": {}
        })
    };
    for (tenant, body) in [
        (
            world.acme,
            notification("not-the-token", &channel.channel_id),
        ),
        (world.acme, notification(&channel.token, "42")),
        (
            world.globex,
            notification(&channel.token, &channel.channel_id),
        ),
        (
            Uuid::new_v4(),
            notification(&channel.token, &channel.channel_id),
        ),
    ] {
        let reply = post_webhook(&world, tenant, body).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    }
    let bad_tenant = common::send_body(
        world.state.clone(),
        Request::post("/webhooks/zoho/not-a-uuid").header("content-type", "application/json"),
        axum::body::Body::from("{}"),
    )
    .await;
    assert_eq!(bad_tenant.status, StatusCode::UNAUTHORIZED);
    assert_eq!(name_of(id.clone()).await, before, "nothing written");
    let garbage = common::send_body(
        world.state.clone(),
        Request::post(format!("/webhooks/zoho/{}", world.acme)),
        axum::body::Body::from("not json"),
    )
    .await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut too_many = notification(&channel.token, &channel.channel_id);
    too_many["ids"] = serde_json::json!((0..101).map(|n| n.to_string()).collect::<Vec<_>>());
    assert_eq!(
        post_webhook(&world, world.acme, too_many).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Zoho's own call (the fake posts to the channel's URL through the real router).
    let reply = post_webhook(
        &world,
        world.acme,
        notification(&channel.token, &channel.channel_id),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(name_of(id.clone()).await, "Ada Webhook");
    let version: i32 = sqlx::query_scalar("SELECT version FROM contractors WHERE zoho_id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    // Replayed: nothing changes.
    let replay = post_webhook(
        &world,
        world.acme,
        notification(&channel.token, &channel.channel_id),
    )
    .await;
    assert!(replay.body.contains("\"upserted\":0"), "{}", replay.body);
    let after: i32 = sqlx::query_scalar("SELECT version FROM contractors WHERE zoho_id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, version);

    // Out of order: the record is deleted in Zoho, the delete arrives, then a late
    // update for it: it stays archived (the update reads Zoho, which no longer has it).
    world.fake.delete(std::slice::from_ref(&id));
    let mut delete = notification(&channel.token, &channel.channel_id);
    delete["operation"] = serde_json::json!("delete");
    assert_eq!(
        post_webhook(&world, world.acme, delete).await.status,
        StatusCode::OK
    );
    assert_eq!(
        post_webhook(
            &world,
            world.acme,
            notification(&channel.token, &channel.channel_id)
        )
        .await
        .status,
        StatusCode::OK
    );
    let archived: bool = sqlx::query_scalar("SELECT archived FROM contractors WHERE zoho_id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(archived);
    // A new contact announced by Zoho appears, photo included.
    let created = world.fake.create(1);
    let mut insert = notification(&channel.token, &channel.channel_id);
    insert["ids"] = serde_json::json!(created);
    insert["operation"] = serde_json::json!("insert");
    assert_eq!(
        post_webhook(&world, world.acme, insert).await.status,
        StatusCode::OK
    );
    let photo: Option<String> =
        sqlx::query_scalar("SELECT photo_hash FROM contractors WHERE zoho_id = $1")
            .bind(&created[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        photo.is_some(),
        world
            .fake
            .contact(&created[0])
            .unwrap()
            .photo_version
            .is_some()
    );
    // Every applied delivery is in the integration's audit trail.
    assert!(
        count(
            &pool,
            "SELECT count(*) FROM integration_actions WHERE kind = 'webhook_applied'"
        )
        .await
            >= 3
    );
    assert_facets_match_recount(&pool).await;
}

#[sqlx::test]
async fn tenants_never_see_each_other_s_contractors_or_photos(pool: PgPool) {
    let world = world(&pool, 12, &[]).await;
    connect(&world).await;
    let worker = start_worker(&world.state);
    finished(&pool, sync_now(&world, false).await).await;
    worker.cancel();
    let gus = common::session_cookie(&world.state, "gus@globex.example", PASSWORD).await;
    let (contractor,): (i64,) =
        sqlx::query_as("SELECT id FROM contractors WHERE photo_hash IS NOT NULL LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let page = common::get_with_cookie(world.state.clone(), "/contractors", &gus).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"empty-contractors\""));
    for path in [
        format!("/contractors/{contractor}"),
        format!("/contractors/{contractor}/photo/original"),
        format!("/contractors/{contractor}/photo/160"),
    ] {
        let reply = common::get_with_cookie(world.state.clone(), &path, &gus).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let listed = common::call_fn(
        &world.state,
        &gus,
        "/api/contractors/list",
        &[("query", String::new())],
    )
    .await;
    assert!(listed.body.contains("\"cards\":[]"), "{}", listed.body);
    // And in the database itself: globex's transaction sees no acme rows.
    let mut tx = app::server::db::tenant_tx(&world.state.pool, world.globex)
        .await
        .unwrap();
    for table in [
        "contractors",
        "contractor_facets",
        "sync_runs",
        "zoho_connections",
        "integration_actions",
        "sync_run_errors",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    // Nor does the text search that runs past the policy (to use its index).
    let word: String =
        sqlx::query_scalar("SELECT split_part(name, ' ', 1) FROM contractors LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM contractor_matches($1)")
        .bind(&word)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(found, 0, "globex finds none of acme's contractors");
    let searched =
        common::get_with_cookie(world.state.clone(), &format!("/contractors?q={word}"), &gus).await;
    assert!(searched.body.contains("data-testid=\"empty-contractors\""));
    let forged = sqlx::query(
        "INSERT INTO contractor_facets (tenant_id, archived, kind, value, n) VALUES ($1, false, 'all', '', 5)",
    )
    .bind(world.acme)
    .execute(&mut *app::server::db::tenant_tx(&world.state.pool, world.globex).await.unwrap())
    .await;
    assert!(forged.is_err(), "no counter for another tenant either");
    let written = sqlx::query("INSERT INTO contractors (tenant_id, zoho_id, name, zoho_modified_at) VALUES ($1, '1', 'x', now())")
        .bind(world.acme)
        .execute(&mut *tx)
        .await;
    assert!(
        written.is_err(),
        "row-level security refuses a row for another tenant"
    );
}

#[sqlx::test]
async fn every_form_refuses_bad_input_clearly_and_changes_nothing(pool: PgPool) {
    let world = world(&pool, 3, &[]).await;
    let form = connection_form(&world.fake);
    let with = |key: &str, value: &str| {
        form.iter()
            .map(|(k, v)| {
                (
                    *k,
                    if *k == key {
                        value.to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect::<Vec<_>>()
    };
    for (key, value, field) in [
        ("data_centre", "mars", "data_centre"),
        ("client_id", "", "client_id"),
        ("client_id", "has space", "client_id"),
        ("client_secret", "", "client_secret"),
        ("refresh_token", "", "refresh_token"),
        ("client_secret", "bad\u{0}secret", "client_secret"),
        ("module", "Contacts;DROP", "module"),
        ("map_name", "", "map_name"),
        ("map_trade", "Title,Email", "map_trade"),
        ("schedule_minutes", "1", "schedule_minutes"),
        ("schedule_minutes", "soon", "schedule_minutes"),
    ] {
        let reply = common::call_fn(
            &world.state,
            &world.admin,
            "/api/admin/zoho/save",
            &with(key, value),
        )
        .await;
        assert!(
            matches!(reply.status, StatusCode::UNPROCESSABLE_ENTITY),
            "{key}={value:?}: {} {}",
            reply.status,
            reply.body
        );
        if reply.body.contains("\"field\"") {
            assert!(reply.body.contains(field), "{key}: {}", reply.body);
        }
    }
    assert_eq!(
        count(&pool, "SELECT count(*) FROM zoho_connections").await,
        0
    );
    // Syncing before connecting says what to do.
    let early = common::call_fn(&world.state, &world.admin, "/api/admin/zoho/sync", &[]).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("connect Zoho CRM first"));
    connect(&world).await;
    let bad_full = common::call_fn(
        &world.state,
        &world.admin,
        "/api/admin/zoho/sync",
        &[("full", "maybe".into())],
    )
    .await;
    assert_eq!(bad_full.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&pool, "SELECT count(*) FROM sync_runs").await, 0);
    // Only admins.
    for email in ["emil@acme.example", "anna@acme.example"] {
        let cookie = common::session_cookie(&world.state, email, PASSWORD).await;
        for path in [
            "/api/admin/zoho/save",
            "/api/admin/zoho/sync",
            "/api/admin/zoho/test",
            "/api/admin/zoho/disconnect",
        ] {
            let reply =
                common::call_fn(&world.state, &cookie, path, &connection_form(&world.fake)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{email} {path}");
        }
        let page =
            common::get_with_cookie(world.state.clone(), "/admin/integrations/zoho", &cookie).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    // The directory's filters.
    let emil = common::session_cookie(&world.state, "emil@acme.example", PASSWORD).await;
    for query in ["after=nope", "archived=perhaps", "q=%00"] {
        let reply =
            common::get_with_cookie(world.state.clone(), &format!("/contractors?{query}"), &emil)
                .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    }
    for path in [
        "/contractors/0",
        "/contractors/abc",
        "/contractors/99999999",
    ] {
        let reply = common::get_with_cookie(world.state.clone(), path, &emil).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[sqlx::test]
async fn the_schedule_queues_due_runs_once_and_renews_the_channel(pool: PgPool) {
    let world = world(&pool, 4, &[]).await;
    let mut form = connection_form(&world.fake);
    for (key, value) in form.iter_mut() {
        if *key == "schedule_minutes" {
            *value = "15".into();
        }
    }
    let reply = common::call_fn(&world.state, &world.admin, "/api/admin/zoho/save", &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Zoho's channel ends within a day: forget it, as if it had, and tick.
    sqlx::query("UPDATE zoho_connections SET channel_expires_at = now() + interval '1 hour'")
        .execute(&pool)
        .await
        .unwrap();
    let public = url::Url::parse("http://127.0.0.1:3000").unwrap();
    let jobs = &world.state.jobs.sync;
    // Two processes ticking at once: one run.
    let (a, b) = tokio::join!(
        app::server::sync::schedule::tick(jobs, &public),
        app::server::sync::schedule::tick(jobs, &public)
    );
    assert!(a.is_ok() && b.is_ok());
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM sync_runs WHERE trigger = 'schedule'"
        )
        .await,
        1
    );
    let renewed: bool = sqlx::query_scalar(
        "SELECT channel_expires_at > now() + interval '20 hours' AND channel_error IS NULL FROM zoho_connections",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(renewed, "the channel was renewed for a day");
    // Run it; the next tick within the quarter hour queues nothing more.
    let worker = start_worker(&world.state);
    let id: i64 = sqlx::query_scalar("SELECT id FROM sync_runs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(finished(&pool, id).await.status, "done");
    worker.cancel();
    app::server::sync::schedule::tick(jobs, &public)
        .await
        .unwrap();
    assert_eq!(count(&pool, "SELECT count(*) FROM sync_runs").await, 1);
    // Without a schedule nothing is queued by the clock.
    sqlx::query("UPDATE sync_runs SET requested_at = now() - interval '1 day'")
        .execute(&pool)
        .await
        .unwrap();
    app::server::sync::schedule::tick(jobs, &public)
        .await
        .unwrap();
    assert_eq!(
        count(&pool, "SELECT count(*) FROM sync_runs").await,
        2,
        "due again after its interval"
    );
}
