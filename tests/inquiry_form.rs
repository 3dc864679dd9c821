#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The public inquiry form (`/contact/{slug}`, the `contact/send` server function):
//! an inquiry becomes an unassigned web-form case, commented, audited, counted and
//! announced; every refusal (the address's rate limit, the daily cap, the honeypot,
//! too fast, forged, too large, bad fields, no such form) says why and writes
//! nothing; round robin under 20 inquiries at once respects the WIP limit and takes
//! turns; the settings are the admins', checked and audited; the plain form works.

mod common;

use app::model::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::tallies::{assert_case_tallies_match_recount, case_rows_written};
use common::world::{ACME_CASE_TEAM, World};
use sqlx::PgPool;
use uuid::Uuid;

const SEND: &str = "/api/contact/send";

/// A form's fields, as sent.
type Form = Vec<(&'static str, String)>;

async fn setup(pool: &PgPool, flags: &[&str]) -> World {
    World::build(pool)
        .tenant("acme", ACME_CASE_TEAM)
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .flags(flags)
        .done()
        .await
}

/// Saves acme's form settings as Ada, through the admin page's server function.
async fn configure(world: &World, settings: &[(&'static str, String)]) {
    let ada = world.cookie("ada@acme.example").await;
    common::call_ok(&world.state, &ada, "/api/admin/inquiry-form/save", settings).await;
}

fn switched_on(cap: u32) -> Vec<(&'static str, String)> {
    vec![
        ("enabled", "on".into()),
        ("intro", "Write to us about <anything>.".into()),
        ("daily_cap", cap.to_string()),
        ("assignment", "pool".into()),
    ]
}

/// The signed moment the form was opened, `ago` seconds back (with the workspace's
/// own key, read as the database's owner).
async fn started(pool: &PgPool, slug: &str, ago: i64) -> String {
    let key: Uuid = sqlx::query_scalar(
        "SELECT f.signing_key FROM inquiry_forms f JOIN tenants t ON t.id = f.tenant_id
         WHERE t.slug = $1",
    )
    .bind(slug)
    .fetch_one(pool)
    .await
    .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    app::server::inquiry::sign_started(key, slug, now - ago)
}

fn inquiry(slug: &str, started: &str) -> Vec<(&'static str, String)> {
    vec![
        ("slug", slug.to_string()),
        ("name", "Grace Hopper".into()),
        ("email", "grace@navy.example".into()),
        ("company", "US Navy".into()),
        ("subject", "A moth in relay 70".into()),
        (
            "message",
            "It was **stuck** in the relay.\nWe taped it in the log.".into(),
        ),
        ("website", String::new()),
        ("started", started.to_string()),
    ]
}

fn with(
    mut form: Vec<(&'static str, String)>,
    key: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for (name, old) in &mut form {
        if *name == key {
            *old = value.to_string();
        }
    }
    form
}

/// The form posted by a stranger (no session) from `ip` (the proxy's header; the
/// tests' peer, 0.0.0.0, is trusted to give it).
async fn send_from(world: &World, ip: &str, form: &[(&str, String)]) -> common::Reply {
    let body = serde_urlencoded::to_string(form).unwrap();
    let request = Request::post(SEND)
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", ip);
    common::send_body(world.state.clone(), request, Body::from(body)).await
}

async fn send(world: &World, form: &[(&str, String)]) -> common::Reply {
    send_from(world, "198.51.100.7", form).await
}

#[sqlx::test]
async fn an_inquiry_becomes_an_unassigned_web_form_case_commented_audited_and_announced(
    pool: PgPool,
) {
    let world = setup(&pool, &["--trusted-proxies", "0.0.0.0"]).await;
    configure(&world, &switched_on(50)).await;
    casework::startup::start_live_updates(&world.state);
    let ada = world.cookie("ada@acme.example").await;
    let stream = common::open_stream(&world.state, &ada, "/api/events", None).await;
    assert_eq!(stream.status(), StatusCode::OK);
    common::eventually_listening(&world.state).await;

    // The public page: no sign-in, the workspace's name and intro (escaped), the form.
    let page = common::get(world.state.clone(), "/contact/acme").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Contact acme"));
    assert!(page.body.contains("Write to us about &lt;anything&gt;."));
    assert!(page.body.contains(r#"name="started""#));
    assert!(page.body.contains(r#"name="website""#));

    let reply = send(&world, &inquiry("acme", &started(&pool, "acme", 10).await)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, "1", "the workspace's first case is #1");

    let (id, title, source, assignee, name, email, company, status): (
        i64,
        String,
        String,
        Option<Uuid>,
        String,
        String,
        String,
        String,
    ) = sqlx::query_as(
        "SELECT id, title, source::text, assignee_id, customer_name, customer_email,
                customer_company, status::text
         FROM cases WHERE tenant_id = $1 AND number = 1",
    )
    .bind(world.tenant("acme"))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (title.as_str(), source.as_str(), status.as_str()),
        ("A moth in relay 70", "web_form", "new")
    );
    assert_eq!(assignee, None, "the pool: assignment is `pool`");
    assert_eq!(
        (name.as_str(), email.as_str(), company.as_str()),
        ("Grace Hopper", "grace@navy.example", "US Navy")
    );
    let (body, author, label): (String, Option<Uuid>, Option<String>) = sqlx::query_as(
        "SELECT body, author_id, author_label FROM case_comments WHERE case_id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(body.starts_with("It was **stuck**"));
    assert_eq!(author, None);
    assert_eq!(label.as_deref(), Some("Grace Hopper (web form)"));
    let audit: Vec<(String, Option<Uuid>, serde_json::Value)> = sqlx::query_as(
        "SELECT kind::text, actor_id, after FROM case_actions WHERE case_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    let kinds: Vec<&str> = audit.iter().map(|(kind, _, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["create", "comment"]);
    assert_eq!(audit[0].1, None, "no member did it");
    assert_eq!(audit[0].2["source"], "web_form");
    assert_eq!(audit[0].2["actor_label"], "Grace Hopper (web form)");

    // Announced to the team view, live.
    let got = common::sse_events(stream.into_body(), 1).await;
    assert!(got[0].2.contains(r#""kind":"create""#), "{got:?}");
    assert!(got[0].2.contains(&format!(r#""case_id":{id}"#)), "{got:?}");

    // The team sees it under its source, and the sender's name in the thread and the
    // activity.
    let team = common::get_with_cookie(world.state.clone(), "/cases?source=web_form", &ada).await;
    assert!(team.body.contains("A moth in relay 70"));
    let case = common::get_with_cookie(world.state.clone(), "/cases/1", &ada).await;
    assert_eq!(case.status, StatusCode::OK);
    assert!(case.body.matches("Grace Hopper (web form)").count() >= 2);

    let today: i32 = sqlx::query_scalar("SELECT day_count FROM inquiry_forms WHERE tenant_id = $1")
        .bind(world.tenant("acme"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(today, 1);
    assert_case_tallies_match_recount(&pool).await;
}

#[sqlx::test]
async fn every_refusal_says_why_and_writes_nothing(pool: PgPool) {
    // Ten minutes to fill the form in: "too fast" cannot pass by the test being slow.
    let world = setup(
        &pool,
        &[
            "--trusted-proxies",
            "0.0.0.0",
            "--rate-limit-form",
            "1000/min",
            "--inquiry-min-fill-seconds",
            "600",
        ],
    )
    .await;
    configure(&world, &switched_on(2)).await;
    // Globex has a form, switched off; its key signs nothing acme takes.
    let gus = world.cookie("gus@globex.example").await;
    let mut off = switched_on(5);
    off.retain(|(name, _)| *name != "enabled");
    common::call_ok(&world.state, &gus, "/api/admin/inquiry-form/save", &off).await;
    let good = inquiry("acme", &started(&pool, "acme", 700).await);
    let before = case_rows_written(&pool).await;

    let just_now = started(&pool, "acme", 0).await;
    let globex_token = started(&pool, "globex", 700).await;
    let forged = format!(
        "{}.00ff",
        time::OffsetDateTime::now_utc().unix_timestamp() - 60
    );
    let long_message = "m".repeat(app::model::MAX_INQUIRY_MESSAGE_CHARS + 1);
    let refusals: Vec<(&str, Form, StatusCode, &str)> = vec![
        (
            "no name",
            with(good.clone(), "name", "  "),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "NUL in the name",
            with(good.clone(), "name", "Gr\0ace"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "bad email",
            with(good.clone(), "email", "grace@navy"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            "no email",
            with(good.clone(), "email", ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            "no subject",
            with(good.clone(), "subject", ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "subject",
        ),
        (
            "no message",
            with(good.clone(), "message", " \n "),
            StatusCode::UNPROCESSABLE_ENTITY,
            "message",
        ),
        (
            "message too long",
            with(good.clone(), "message", &long_message),
            StatusCode::UNPROCESSABLE_ENTITY,
            "message",
        ),
        (
            "honeypot",
            with(good.clone(), "website", "http://spam.example"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "website",
        ),
        (
            "too fast",
            with(good.clone(), "started", &just_now),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too quickly",
        ),
        (
            "forged start",
            with(good.clone(), "started", &forged),
            StatusCode::UNPROCESSABLE_ENTITY,
            "started",
        ),
        (
            "another form's start",
            with(good.clone(), "started", &globex_token),
            StatusCode::UNPROCESSABLE_ENTITY,
            "started",
        ),
        (
            "no start",
            with(good.clone(), "started", ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "started",
        ),
        (
            "unknown workspace",
            with(good.clone(), "slug", "initech"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "not a slug",
            with(good.clone(), "slug", "../admin"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "form switched off",
            with(
                with(good.clone(), "slug", "globex"),
                "started",
                &globex_token,
            ),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (what, form, status, says) in refusals {
        let reply = send(&world, &form).await;
        assert_eq!(reply.status, status, "{what}: {}", reply.body);
        assert!(reply.body.contains(says), "{what}: {}", reply.body);
        assert_eq!(
            case_rows_written(&pool).await,
            before,
            "{what} wrote something"
        );
    }
    // A body over the limit (64 KiB) is refused before it is read.
    let huge = with(good.clone(), "message", &"x".repeat(100_000));
    let reply = send(&world, &huge).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    // Missing fields entirely: the server function's own 400.
    let reply = send(&world, &[("slug", "acme".to_string())]).await;
    assert!(reply.status.is_client_error(), "{}", reply.body);
    assert_eq!(case_rows_written(&pool).await, before);

    // The daily cap (2): two are taken, the third waits for tomorrow.
    for _ in 0..2 {
        let reply = send(&world, &good).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let taken = case_rows_written(&pool).await;
    let reply = send(&world, &good).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("rate_limited"), "{}", reply.body);
    assert_eq!(
        case_rows_written(&pool).await,
        taken,
        "the capped one wrote nothing"
    );
    // The public page of a switched-off or unknown form is a 404, the same for both.
    for path in ["/contact/globex", "/contact/initech", "/contact/..%2Fadmin"] {
        let page = common::get(world.state.clone(), path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.body.contains("no inquiry form at this address"),
            "{path}"
        );
    }
    assert_case_tallies_match_recount(&pool).await;
}

#[sqlx::test]
async fn five_a_minute_from_one_address(pool: PgPool) {
    // The default form limit (RATE_LIMIT_FORM=5/min), per client address.
    let world = setup(&pool, &["--trusted-proxies", "0.0.0.0"]).await;
    configure(&world, &switched_on(100)).await;
    let good = inquiry("acme", &started(&pool, "acme", 10).await);
    for n in 0..5 {
        let reply = send_from(&world, "203.0.113.9", &good).await;
        assert_eq!(reply.status, StatusCode::OK, "#{n}: {}", reply.body);
    }
    let before = case_rows_written(&pool).await;
    let reply = send_from(&world, "203.0.113.9", &good).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.headers.contains_key("retry-after"));
    assert!(
        reply.headers["ratelimit-policy"]
            .to_str()
            .unwrap()
            .contains("\"form\";q=5;w=60")
    );
    assert_eq!(
        case_rows_written(&pool).await,
        before,
        "the limited one wrote nothing"
    );
    // Another address has its own five.
    let reply = send_from(&world, "203.0.113.10", &good).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[sqlx::test]
async fn twenty_at_once_take_turns_and_nobody_passes_the_wip_limit(pool: PgPool) {
    let world = setup(
        &pool,
        &[
            "--rate-limit-form",
            "1000000/min",
            "--inquiry-min-fill-seconds",
            "0",
        ],
    )
    .await;
    let acme = world.tenant("acme");
    // Three people take inquiries; the WIP limit is 6, and Erin already holds 4 open
    // cases (so she has room for 2).
    let people: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM users WHERE tenant_id = $1 AND role IN ('employee', 'admin') ORDER BY id",
    )
    .bind(acme)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(people.len(), 3);
    let erin = world.viewer("erin@acme.example").await.user_id;
    let mut conn = pool.acquire().await.unwrap();
    app::server::generate::generate_cases(&mut conn, acme, &[erin], 4, 0)
        .await
        .unwrap();
    sqlx::query("UPDATE cases SET status = 'open', archived = false WHERE tenant_id = $1")
        .bind(acme)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE tenants SET wip_limit = 6 WHERE id = $1")
        .bind(acme)
        .execute(&pool)
        .await
        .unwrap();
    let mut settings = switched_on(1000);
    settings.retain(|(name, _)| *name != "assignment");
    settings.push(("assignment", "round_robin".into()));
    for id in &people {
        settings.push(("people[]", id.to_string()));
    }
    configure(&world, &settings).await;
    let form = inquiry("acme", &started(&pool, "acme", 0).await);

    let sends: Vec<_> = (0..20)
        .map(|n| {
            let world_state = world.state.clone();
            let form = with(form.clone(), "subject", &format!("Inquiry {n}"));
            tokio::spawn(async move {
                let body = serde_urlencoded::to_string(&form).unwrap();
                let request = Request::post(SEND)
                    .header("host", "127.0.0.1:3000")
                    .header("origin", "http://127.0.0.1:3000")
                    .header("content-type", "application/x-www-form-urlencoded");
                common::send_body(world_state, request, Body::from(body)).await
            })
        })
        .collect();
    for send in sends {
        let reply = send.await.unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    // Every inquiry stored once, numbered 5..=24 after Erin's four.
    let taken: Vec<(i32, Option<Uuid>, String)> = sqlx::query_as(
        "SELECT number, assignee_id, title FROM cases
         WHERE tenant_id = $1 AND source = 'web_form' ORDER BY number",
    )
    .bind(acme)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(taken.len(), 20);
    let mut titles: Vec<&str> = taken.iter().map(|(_, _, t)| t.as_str()).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 20, "each inquiry once");
    let numbers: Vec<i32> = taken.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(numbers, (5..=24).collect::<Vec<_>>());

    // Nobody over the limit; everyone filled to it (6 + 6 + 2 more for Erin = 14);
    // the other 6 wait in the pool.
    for id in &people {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM cases WHERE assignee_id = $1 AND status IN ('new', 'open', 'pending')",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(open, 6, "{id} holds {open}");
    }
    let pooled = taken.iter().filter(|(_, a, _)| a.is_none()).count();
    assert_eq!(pooled, 6);
    // In turn, in id order, skipping whoever is full: the assignees of the first
    // inquiries cycle through the three.
    let order: Vec<Option<Uuid>> = taken.iter().map(|(_, a, _)| *a).collect();
    let mut expected = Vec::new();
    let mut room: Vec<(Uuid, i64)> = people
        .iter()
        .map(|id| (*id, if *id == erin { 2 } else { 6 }))
        .collect();
    let mut turn = 0;
    for _ in 0..20 {
        let next = (0..room.len())
            .map(|k| (turn + k) % room.len())
            .find(|&k| room[k].1 > 0);
        match next {
            Some(k) => {
                room[k].1 -= 1;
                expected.push(Some(room[k].0));
                turn = k + 1;
            }
            None => expected.push(None),
        }
    }
    assert_eq!(order, expected);
    assert_case_tallies_match_recount(&pool).await;
}

#[sqlx::test]
async fn the_settings_are_the_admins_checked_and_audited(pool: PgPool) {
    let world = setup(&pool, &[]).await;
    let ada = world.cookie("ada@acme.example").await;
    let emil = world.cookie("emil@acme.example").await;
    let anna = world.viewer("anna@acme.example").await.user_id;
    let gus = world.viewer("gus@globex.example").await.user_id;

    // Never saved: off, the pool, the default cap; everyone who works cases listed.
    let loaded = common::call_ok(&world.state, &ada, "/api/admin/inquiry-form", &[]).await;
    assert_eq!(loaded["enabled"], false);
    assert_eq!(loaded["assignment"], "pool");
    assert_eq!(loaded["daily_cap"], 500);
    assert_eq!(loaded["people"].as_array().unwrap().len(), 3, "{loaded}");
    let page = common::get_with_cookie(world.state.clone(), "/admin/inquiry-form", &ada).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/contact/acme"));
    // Not an admin, not signed in.
    let page = common::get_with_cookie(world.state.clone(), "/admin/inquiry-form", &emil).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/admin/inquiry-form/save",
        &switched_on(5),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = common::call_fn(
        &world.state,
        "",
        "/api/admin/inquiry-form/save",
        &switched_on(5),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    configure(&world, &switched_on(5)).await;
    let audit = || async {
        sqlx::query_as::<_, (i64, Option<serde_json::Value>, serde_json::Value)>(
            "SELECT count(*) OVER (), before, after FROM integration_actions
             WHERE kind = 'inquiry_form_changed' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let (count, before, after) = audit().await;
    assert_eq!(count, 1);
    assert_eq!(before, None);
    assert_eq!(after["daily_cap"], 5);
    // Saving the same again is no change to audit.
    configure(&world, &switched_on(5)).await;
    assert_eq!(audit().await.0, 1);

    let state = || async {
        sqlx::query_as::<_, (bool, i32, String, i64)>(
            "SELECT enabled, daily_cap, assignment::text,
                    (SELECT count(*) FROM inquiry_assignees)
             FROM inquiry_forms",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let kept = state().await;
    let bad: Vec<(&str, Form, &str)> = vec![
        ("cap 0", with(switched_on(5), "daily_cap", "0"), "daily_cap"),
        (
            "cap words",
            with(switched_on(5), "daily_cap", "lots"),
            "daily_cap",
        ),
        (
            "no such mode",
            with(switched_on(5), "assignment", "random"),
            "assignment",
        ),
        (
            "round robin, nobody",
            with(switched_on(5), "assignment", "round_robin"),
            "people",
        ),
        (
            "an analyst",
            [switched_on(5), vec![("people[]", anna.to_string())]].concat(),
            "people",
        ),
        (
            "another workspace's admin",
            [switched_on(5), vec![("people[]", gus.to_string())]].concat(),
            "people",
        ),
        (
            "not an id",
            [switched_on(5), vec![("people[]", "ada".to_string())]].concat(),
            "people",
        ),
        (
            "control character",
            with(switched_on(5), "intro", "a\u{7}b"),
            "intro",
        ),
        (
            "intro too long",
            with(switched_on(5), "intro", &"i".repeat(2_001)),
            "intro",
        ),
        (
            "bad checkbox",
            with(switched_on(5), "enabled", "perhaps"),
            "enabled",
        ),
    ];
    for (what, form, field) in bad {
        let reply =
            common::call_fn(&world.state, &ada, "/api/admin/inquiry-form/save", &form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            reply.body
        );
        assert!(reply.body.contains(field), "{what}: {}", reply.body);
        assert_eq!(state().await, kept, "{what} changed the settings");
        assert_eq!(audit().await.0, 1, "{what} was audited");
    }
    // Globex sees none of acme's settings (its own are the defaults).
    let gus_cookie = world.cookie("gus@globex.example").await;
    let theirs = common::call_ok(&world.state, &gus_cookie, "/api/admin/inquiry-form", &[]).await;
    assert_eq!(theirs["enabled"], false);
    assert_eq!(theirs["daily_cap"], 500);
    assert_eq!(theirs["people"].as_array().unwrap().len(), 1);
}

#[sqlx::test]
async fn without_javascript_the_form_lands_on_the_confirmation_or_comes_back(pool: PgPool) {
    let world = setup(&pool, &["--trusted-proxies", "0.0.0.0"]).await;
    configure(&world, &switched_on(50)).await;
    let good = inquiry("acme", &started(&pool, "acme", 10).await);
    let as_browser = |form: Vec<(&'static str, String)>| {
        let state = world.state.clone();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            common::post_html_form(state, SEND, &pairs, "").await
        }
    };
    let reply = as_browser(good.clone()).await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    let location = reply.headers["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/contact/acme/sent?reference=1");
    let sent = common::get(world.state.clone(), &location).await;
    assert_eq!(sent.status, StatusCode::OK);
    assert!(sent.body.contains("#1"), "{}", sent.body);

    // Refused: back to the form, the error said, the field marked, the text kept.
    let reply = as_browser(with(good.clone(), "email", "grace at navy")).await;
    assert!(reply.status.is_redirection());
    let location = reply.headers["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/contact/acme?"), "{location}");
    let back = common::get(world.state.clone(), &location).await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(
        back.body.contains("Your email is not an email address."),
        "{}",
        back.body
    );
    assert!(back.body.contains("We taped it in the log."));
    assert!(back.body.contains(r#"aria-invalid="true""#));
    assert!(
        back.body.contains(r#"data-field-error="email""#)
            && back
                .body
                .contains(r#"aria-describedby="inquiry-email-error""#),
        "the message is beside its field: {}",
        back.body
    );
    // A slug that is not one sends the browser nowhere else.
    let reply = as_browser(with(good, "slug", "//evil.example")).await;
    let location = reply.headers["location"].to_str().unwrap();
    assert_eq!(location, "/");
}
