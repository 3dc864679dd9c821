#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The REST API (issue 23, src/http/api/): every route's success and failure paths
//! with real keys against a real PostgreSQL; scopes enforced per route; sessions never
//! honoured; `If-Match` required (428) and compared (412, nothing written); `ETag` and
//! `If-None-Match` (304); problem documents; cursor paging that walks a filtered set
//! with no gap or duplicate; another workspace's resources 404; CORS for `/api/v1` only;
//! and the OpenAPI document listing exactly the routes the router has.

mod common;

use std::collections::BTreeSet;

use app::model::{ApiScope, Role};
use app::server::api_keys;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::api::{assert_problem, call, every_scope, get, json, key};
use common::world::World;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn world(pool: &PgPool, flags: &[&str]) -> World {
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
        .cases("acme", 250, 300)
        .cases("globex", 5, 0)
        .jobs()
        .flags(flags)
        .done()
        .await
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn case_state(pool: &PgPool, number: i64) -> (String, String, i32, i64) {
    sqlx::query_as(
        "SELECT c.title, c.status::text, c.version,
                (SELECT count(*) FROM case_actions a WHERE a.case_id = c.id)
         FROM cases c JOIN tenants t ON t.id = c.tenant_id
         WHERE t.slug = 'acme' AND c.number = $1::int",
    )
    .bind(number)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_key_is_needed_and_a_session_is_never_enough(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let none = get(&world, "", "/api/v1/cases").await;
    let problem = assert_problem(&none, 401, "unauthenticated");
    assert!(none.header("www-authenticate").starts_with("Bearer"));
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer")
    );

    for bad in [
        "cwk_abcdefgh_0123456789abcdef0123456789abcdef",
        "not a key",
        "cwk_",
    ] {
        let reply = get(&world, bad, "/api/v1/cases").await;
        assert_problem(&reply, 401, "unauthenticated");
    }

    // An admin's session cookie does not make the API act as them (a page on another
    // site could otherwise use it), with or without an Origin.
    let cookie = world.cookie("ada@acme.example").await;
    let with_cookie = common::send(
        world.state.clone(),
        Request::get("/api/v1/cases").header("cookie", &cookie),
    )
    .await;
    assert_problem(&with_cookie, 401, "unauthenticated");
    let posted = common::send_body(
        world.state.clone(),
        Request::post("/api/v1/cases")
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .header("content-type", "application/json"),
        Body::from(json!({"title": "x", "customer_name": "y"}).to_string()),
    )
    .await;
    assert_problem(&posted, 401, "unauthenticated");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases WHERE title = 'x'").await,
        0
    );
}

#[sqlx::test]
async fn revoked_and_expired_keys_are_refused_at_once(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let secret = every_scope(&world, "ada@acme.example").await;
    assert_eq!(
        get(&world, &secret, "/api/v1/cases").await.status,
        StatusCode::OK
    );

    sqlx::query("UPDATE api_keys SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    assert_problem(
        &get(&world, &secret, "/api/v1/cases").await,
        401,
        "unauthenticated",
    );

    let other = every_scope(&world, "ada@acme.example").await;
    assert_eq!(
        get(&world, &other, "/api/v1/users").await.status,
        StatusCode::OK
    );
    let admin = world.viewer("ada@acme.example").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_keys WHERE prefix = $1")
        .bind(&other[..12])
        .fetch_one(&pool)
        .await
        .unwrap();
    api_keys::revoke(&world.state.pool, &admin, id)
        .await
        .unwrap();
    let refused = get(&world, &other, "/api/v1/users").await;
    let problem = assert_problem(&refused, 401, "unauthenticated");
    assert!(problem["detail"].as_str().unwrap().contains("revoked"));
}

/// Every route refuses a key without its scope (403 naming it), and writes nothing.
#[sqlx::test]
async fn every_route_checks_its_scope(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let ada = world.cookie("ada@acme.example").await;
    let (company, _) =
        common::company_with_note(&world.state, &ada, "Scopes Inc", "scopes.example").await;
    let routes: Vec<(&str, String, Option<Value>, ApiScope)> = vec![
        ("GET", "/api/v1/cases".into(), None, ApiScope::CasesRead),
        ("GET", "/api/v1/cases/1".into(), None, ApiScope::CasesRead),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(json!({"title": "Scoped", "customer_name": "C"})),
            ApiScope::CasesWrite,
        ),
        (
            "PATCH",
            "/api/v1/cases/1".into(),
            Some(json!({"title": "Scoped"})),
            ApiScope::CasesWrite,
        ),
        (
            "GET",
            "/api/v1/cases/1/comments".into(),
            None,
            ApiScope::CommentsRead,
        ),
        (
            "POST",
            "/api/v1/cases/1/comments".into(),
            Some(json!({"body": "Scoped"})),
            ApiScope::CommentsWrite,
        ),
        (
            "GET",
            "/api/v1/companies".into(),
            None,
            ApiScope::CompaniesRead,
        ),
        (
            "GET",
            format!("/api/v1/companies/{company}"),
            None,
            ApiScope::CompaniesRead,
        ),
        (
            "POST",
            "/api/v1/companies".into(),
            Some(json!({"name": "Scoped", "website": "scoped.example"})),
            ApiScope::CompaniesWrite,
        ),
        (
            "PUT",
            format!("/api/v1/companies/{company}"),
            Some(json!({"name": "Scoped too", "website": "scoped-too.example"})),
            ApiScope::CompaniesWrite,
        ),
        (
            "GET",
            format!("/api/v1/companies/{company}/enrichment"),
            None,
            ApiScope::CompaniesRead,
        ),
        (
            "POST",
            format!("/api/v1/companies/{company}/enrichment"),
            None,
            ApiScope::CompaniesWrite,
        ),
        (
            "GET",
            "/api/v1/contractors".into(),
            None,
            ApiScope::ContractorsRead,
        ),
        (
            "GET",
            "/api/v1/contractors/1".into(),
            None,
            ApiScope::ContractorsRead,
        ),
        ("GET", "/api/v1/users".into(), None, ApiScope::UsersRead),
    ];
    // The document names the same scope for each (and this list covers them all).
    let document = serde_json::to_value(casework::http::api::document()).unwrap();
    let mut documented = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if path == "/api/v1/batch" {
            // Any key may send a batch; each of its sub-requests needs its own scope
            // (tests/api_batch.rs).
            assert_eq!(item["post"]["security"][0]["api_key"], json!([]));
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            documented += 1;
            let scope = operation["security"][0]["api_key"][0].as_str().unwrap();
            let path = path
                .replace("{number}", "1")
                .replace("{id}", &company.to_string());
            let listed = routes
                .iter()
                .find(|(m, p, _, _)| m.eq_ignore_ascii_case(method) && *p == path)
                .unwrap_or_else(|| panic!("{method} {path} is not in this test"));
            assert_eq!(listed.3.as_str(), scope, "{method} {path}");
        }
    }
    assert_eq!(documented, routes.len());

    let before = (
        count(&pool, "SELECT count(*) FROM cases").await,
        count(&pool, "SELECT count(*) FROM case_comments").await,
        count(&pool, "SELECT count(*) FROM companies").await,
        count(&pool, "SELECT sum(version) FROM cases").await,
        count(&pool, "SELECT count(*) FROM enrichments").await,
    );
    for (method, path, body, scope) in &routes {
        let others: Vec<ApiScope> = ApiScope::ALL.into_iter().filter(|s| s != scope).collect();
        let secret = key(&world, "ada@acme.example", &others).await;
        let headers: &[(&str, &str)] = if matches!(*method, "PATCH" | "PUT") {
            &[("if-match", "*")]
        } else {
            &[]
        };
        let reply = call(&world, &secret, method, path, body.clone(), headers).await;
        let problem = assert_problem(&reply, 403, "insufficient_scope");
        assert_eq!(problem["scope"], scope.as_str(), "{method} {path}");
    }
    let after = (
        count(&pool, "SELECT count(*) FROM cases").await,
        count(&pool, "SELECT count(*) FROM case_comments").await,
        count(&pool, "SELECT count(*) FROM companies").await,
        count(&pool, "SELECT sum(version) FROM cases").await,
        count(&pool, "SELECT count(*) FROM enrichments").await,
    );
    assert_eq!(before, after, "a refused call wrote something");
    // With the scope alone, each is let through.
    for (method, path, body, scope) in &routes {
        let secret = key(&world, "ada@acme.example", &[*scope]).await;
        let headers: &[(&str, &str)] = if matches!(*method, "PATCH" | "PUT") {
            &[("if-match", "*")]
        } else {
            &[]
        };
        let reply = call(&world, &secret, method, path, body.clone(), headers).await;
        assert!(
            reply.status.is_success() || reply.status == StatusCode::NOT_FOUND,
            "{method} {path}: {} {}",
            reply.status,
            reply.body
        );
    }
}

/// Walking `Link: rel="next"` through a filtered list visits every matching case once.
#[sqlx::test]
async fn cursor_paging_walks_a_filtered_set_with_no_gap_or_duplicate(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let secret = key(&world, "ada@acme.example", &[ApiScope::CasesRead]).await;
    for query in [
        "status=open&status=pending&status=new&sort=priority",
        "sort=created",
        "status=resolved&status=closed&status=new&status=open",
    ] {
        let mut next = format!("/api/v1/cases?{query}");
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let reply = get(&world, &secret, &next).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            let page = json(&reply);
            seen.extend(
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|case| case["number"].as_i64().unwrap()),
            );
            pages += 1;
            let link = reply.header("link").to_string();
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    assert!(link.ends_with(">; rel=\"next\""), "{link}");
                    assert!(link.contains(&format!("after={cursor}")), "{link}");
                    next = link
                        .trim_start_matches('<')
                        .trim_end_matches(">; rel=\"next\"")
                        .to_string();
                }
                None => {
                    assert_eq!(link, "");
                    break;
                }
            }
        }
        let statuses: Vec<String> = query
            .split('&')
            .filter_map(|pair| pair.strip_prefix("status="))
            .map(str::to_string)
            .collect();
        let expected: BTreeSet<i64> = sqlx::query_scalar(
            "SELECT c.number::bigint FROM cases c JOIN tenants t ON t.id = c.tenant_id
             WHERE t.slug = 'acme' AND NOT c.archived
               AND (cardinality($1::text[]) = 0 OR c.status::text = ANY($1))",
        )
        .bind(&statuses)
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        assert!(expected.len() > 100, "the set spans pages");
        assert!(pages > 1);
        assert_eq!(seen.len(), expected.len(), "{query}: a duplicate or a gap");
        assert_eq!(
            seen.iter().copied().collect::<BTreeSet<_>>(),
            expected,
            "{query}"
        );
    }
    // A bad filter is a 422 naming the parameter.
    for (query, field) in [
        ("status=lost", "status"),
        ("priority=hot", "priority"),
        ("after=garbage", "after"),
        ("archived=maybe", "archived"),
        ("assignee=nobody", "assignee"),
    ] {
        let reply = get(&world, &secret, &format!("/api/v1/cases?{query}")).await;
        let problem = assert_problem(&reply, 422, "invalid");
        assert_eq!(problem["field"], field, "{query}");
    }
}

#[sqlx::test]
async fn a_case_is_read_created_and_changed_the_http_way(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let secret = every_scope(&world, "ada@acme.example").await;

    // Read, with the version as the ETag; If-None-Match with it is a 304.
    let reply = get(&world, &secret, "/api/v1/cases/7").await;
    assert_eq!(reply.status, StatusCode::OK);
    let case = json(&reply);
    let version = case["version"].as_i64().unwrap();
    let tag = format!("\"{version}\"");
    assert_eq!(reply.header("etag"), tag);
    let unchanged = call(
        &world,
        &secret,
        "GET",
        "/api/v1/cases/7",
        None,
        &[("if-none-match", &tag)],
    )
    .await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.body, "");
    let stale_tag = call(
        &world,
        &secret,
        "GET",
        "/api/v1/cases/7",
        None,
        &[("if-none-match", "\"999\"")],
    )
    .await;
    assert_eq!(stale_tag.status, StatusCode::OK);

    // A change without If-Match: 428, nothing written.
    let before = case_state(&pool, 7).await;
    let patch = json!({"title": "Changed by the API", "status": "pending"});
    let reply = call(
        &world,
        &secret,
        "PATCH",
        "/api/v1/cases/7",
        Some(patch.clone()),
        &[],
    )
    .await;
    assert_problem(&reply, 428, "precondition_required");
    assert_eq!(case_state(&pool, 7).await, before);

    // A stale one: 412 with the case as it is now and its ETag, nothing written.
    for stale in ["\"999\"", "W/\"1\"", "garbage"] {
        let reply = call(
            &world,
            &secret,
            "PATCH",
            "/api/v1/cases/7",
            Some(patch.clone()),
            &[("if-match", stale)],
        )
        .await;
        let problem = assert_problem(&reply, 412, "precondition_failed");
        assert_eq!(problem["current"]["number"], 7);
        assert_eq!(problem["current"]["version"], version);
        assert_eq!(reply.header("etag"), tag);
        assert_eq!(case_state(&pool, 7).await, before, "{stale}");
    }

    // The version read: saved, a new ETag, one audit row naming the key.
    let reply = call(
        &world,
        &secret,
        "PATCH",
        "/api/v1/cases/7",
        Some(patch.clone()),
        &[("if-match", &tag)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let saved = json(&reply);
    assert_eq!(saved["title"], "Changed by the API");
    assert_eq!(saved["status"], "pending");
    assert_eq!(
        saved["customer_name"], case["customer_name"],
        "fields left out are kept"
    );
    assert_eq!(reply.header("etag"), format!("\"{}\"", version + 1));
    let (title, status, now, actions) = case_state(&pool, 7).await;
    assert_eq!(
        (title.as_str(), status.as_str(), now as i64),
        ("Changed by the API", "pending", version + 1)
    );
    assert_eq!(actions, before.3 + 1);
    let actor: String = sqlx::query_scalar(
        "SELECT u.display_name FROM case_actions a JOIN users u ON u.id = a.actor_id
         JOIN cases c ON c.id = a.case_id JOIN tenants t ON t.id = c.tenant_id
         WHERE t.slug = 'acme' AND c.number = 7 ORDER BY a.id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let key_name: String = sqlx::query_scalar("SELECT name FROM api_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        actor.contains(&key_name),
        "the audit trail names the key: {actor}"
    );
    // The same change again at the old version is now stale.
    let again = call(
        &world,
        &secret,
        "PATCH",
        "/api/v1/cases/7",
        Some(patch),
        &[("if-match", &tag)],
    )
    .await;
    assert_problem(&again, 412, "precondition_failed");
    // `*` takes whatever is current; null unassigns.
    let reply = call(
        &world,
        &secret,
        "PATCH",
        "/api/v1/cases/7",
        Some(json!({"assignee_id": null})),
        &[("if-match", "*")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(json(&reply)["assignee_id"], Value::Null);

    // Create: 201, Location, ETag, source api, first comment posted.
    let body = json!({
        "title": "Printer on fire", "customer_name": "Grace", "customer_email": "grace@example.com",
        "priority": "urgent", "comment": "**Smoke** seen"
    });
    let reply = call(&world, &secret, "POST", "/api/v1/cases", Some(body), &[]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let created = json(&reply);
    let number = created["number"].as_i64().unwrap();
    assert_eq!(reply.header("location"), format!("/api/v1/cases/{number}"));
    assert_eq!(reply.header("etag"), "\"1\"");
    assert_eq!(
        (created["priority"].as_str(), created["status"].as_str()),
        (Some("urgent"), Some("new"))
    );
    let source: String =
        sqlx::query_scalar("SELECT source::text FROM cases WHERE title = 'Printer on fire'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(source, "api");
    let thread = json(&get(&world, &secret, &format!("/api/v1/cases/{number}/comments")).await);
    assert_eq!(thread["data"][0]["body"], "**Smoke** seen");
    assert!(
        thread["data"][0]["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>Smoke</strong>")
    );

    // Bad input: a clear problem, nothing written.
    let cases_before = count(&pool, "SELECT count(*) FROM cases").await;
    let bad: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (json!({"customer_name": "x"}), 422, "invalid", Some("title")),
        (
            json!({"title": "", "customer_name": "x"}),
            422,
            "invalid",
            Some("title"),
        ),
        (
            json!({"title": "t", "customer_name": "x", "priority": "hot"}),
            422,
            "invalid",
            Some("priority"),
        ),
        (
            json!({"title": "t", "customer_name": "x", "customer_email": "nope"}),
            422,
            "invalid",
            Some("customer_email"),
        ),
        (
            json!({"title": "t", "customer_name": "x", "colour": "red"}),
            422,
            "invalid",
            Some("colour"),
        ),
        (
            json!({"title": 5, "customer_name": "x"}),
            422,
            "invalid",
            Some("title"),
        ),
        (
            json!({"title": "t\u{0}", "customer_name": "x"}),
            422,
            "invalid",
            None,
        ),
        (
            json!({"title": "t", "customer_name": "x", "assignee_id": "00000000-0000-0000-0000-000000000000"}),
            422,
            "invalid",
            None,
        ),
        (json!(["not", "an", "object"]), 422, "invalid", None),
    ];
    for (body, status, kind, field) in bad {
        let reply = call(
            &world,
            &secret,
            "POST",
            "/api/v1/cases",
            Some(body.clone()),
            &[],
        )
        .await;
        let problem = assert_problem(&reply, status, kind);
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{body}");
        }
    }
    let not_json = common::send_body(
        world.state.clone(),
        Request::post("/api/v1/cases")
            .header("authorization", format!("Bearer {secret}"))
            .header("content-type", "application/json"),
        Body::from("{\"title\": "),
    )
    .await;
    assert_problem(&not_json, 400, "malformed_body");
    let form = common::send_body(
        world.state.clone(),
        Request::post("/api/v1/cases")
            .header("authorization", format!("Bearer {secret}"))
            .header("content-type", "application/x-www-form-urlencoded"),
        Body::from("title=x&customer_name=y"),
    )
    .await;
    assert_problem(&form, 415, "unsupported_media_type");
    let bad_patch = call(
        &world,
        &secret,
        "PATCH",
        "/api/v1/cases/7",
        Some(json!({"status": "lost"})),
        &[("if-match", "*")],
    )
    .await;
    assert_eq!(
        assert_problem(&bad_patch, 422, "invalid")["field"],
        "status"
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases").await,
        cases_before
    );

    // Nothing there, or not a number: 404.
    for path in [
        "/api/v1/cases/999999",
        "/api/v1/cases/abc",
        "/api/v1/cases/99999999999",
    ] {
        assert_problem(&get(&world, &secret, path).await, 404, "not_found");
    }
    assert_problem(
        &get(&world, &secret, "/api/v1/nothing").await,
        404,
        "no_such_route",
    );
}

#[sqlx::test]
async fn comments_are_paged_oldest_first_and_posted(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let secret = key(
        &world,
        "ada@acme.example",
        &[ApiScope::CommentsRead, ApiScope::CommentsWrite],
    )
    .await;
    for n in 0..7 {
        let reply = call(
            &world,
            &secret,
            "POST",
            "/api/v1/cases/3/comments",
            Some(json!({"body": format!("note {n}")})),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(json(&reply)["body"], format!("note {n}"));
    }
    let total = count(
        &pool,
        "SELECT count(*) FROM case_comments m JOIN cases c ON c.id = m.case_id
         JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'acme' AND c.number = 3",
    )
    .await;
    let mut next = "/api/v1/cases/3/comments?limit=3".to_string();
    let mut ids = Vec::new();
    loop {
        let reply = get(&world, &secret, &next).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let page = json(&reply);
        assert!(page["data"].as_array().unwrap().len() <= 3);
        ids.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap()),
        );
        if page["next_cursor"].is_null() {
            break;
        }
        next = reply
            .header("link")
            .trim_start_matches('<')
            .trim_end_matches(">; rel=\"next\"")
            .to_string();
        assert!(next.contains("limit=3"), "{next}");
    }
    assert_eq!(ids.len() as i64, total);
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "oldest first, no repeat"
    );

    for (body, field) in [
        (json!({"body": "   "}), "body"),
        (json!({}), "body"),
        (json!({"body": "x", "extra": 1}), "extra"),
    ] {
        let reply = call(
            &world,
            &secret,
            "POST",
            "/api/v1/cases/3/comments",
            Some(body),
            &[],
        )
        .await;
        assert_eq!(assert_problem(&reply, 422, "invalid")["field"], field);
    }
    for query in ["limit=0", "limit=101", "limit=x", "after=-1", "after=x"] {
        let reply = get(
            &world,
            &secret,
            &format!("/api/v1/cases/3/comments?{query}"),
        )
        .await;
        assert_problem(&reply, 422, "invalid");
    }
    let missing = call(
        &world,
        &secret,
        "POST",
        "/api/v1/cases/99999/comments",
        Some(json!({"body": "x"})),
        &[],
    )
    .await;
    assert_problem(&missing, 404, "not_found");
    let after = count(
        &pool,
        "SELECT count(*) FROM case_comments m JOIN cases c ON c.id = m.case_id
         JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'acme' AND c.number = 3",
    )
    .await;
    assert_eq!(after, total, "refused posts wrote nothing");
}

#[sqlx::test]
async fn companies_are_listed_added_changed_and_enriched(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let secret = key(
        &world,
        "ada@acme.example",
        &[ApiScope::CompaniesRead, ApiScope::CompaniesWrite],
    )
    .await;
    let body = json!({"name": "Initech", "website": "https://initech.example/", "sector": "Software", "stage": "seed", "location": "Austin"});
    let reply = call(
        &world,
        &secret,
        "POST",
        "/api/v1/companies",
        Some(body.clone()),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let company = json(&reply);
    let id = company["id"].as_i64().unwrap();
    assert_eq!(reply.header("location"), format!("/api/v1/companies/{id}"));
    assert_eq!(company["stage"], "seed");

    // The same website again: 409 naming the company that has it.
    let again = call(
        &world,
        &secret,
        "POST",
        "/api/v1/companies",
        Some(json!({"name": "Other", "website": "initech.example"})),
        &[],
    )
    .await;
    let problem = assert_problem(&again, 409, "conflict");
    assert_eq!(problem["current"]["id"], id);

    let listed = json(
        &get(
            &world,
            &secret,
            "/api/v1/companies?sector=software&sort=name",
        )
        .await,
    );
    assert_eq!(listed["data"][0]["name"], "Initech");
    assert_eq!(listed["total"]["count"], 1);
    assert_problem(
        &get(&world, &secret, "/api/v1/companies?min_score=101").await,
        422,
        "invalid",
    );

    let reply = get(&world, &secret, &format!("/api/v1/companies/{id}")).await;
    assert_eq!(reply.header("etag"), "\"1\"");
    let change = json!({"name": "Initech Corp", "website": "initech.example", "sector": "Software", "stage": "series_a", "location": "Austin"});
    let path = format!("/api/v1/companies/{id}");
    assert_problem(
        &call(&world, &secret, "PUT", &path, Some(change.clone()), &[]).await,
        428,
        "precondition_required",
    );
    let stale = call(
        &world,
        &secret,
        "PUT",
        &path,
        Some(change.clone()),
        &[("if-match", "\"5\"")],
    )
    .await;
    assert_eq!(
        assert_problem(&stale, 412, "precondition_failed")["current"]["name"],
        "Initech"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM companies WHERE name = 'Initech Corp'"
        )
        .await,
        0
    );
    let saved = call(
        &world,
        &secret,
        "PUT",
        &path,
        Some(change),
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.header("etag"), "\"2\"");
    assert_eq!(json(&saved)["stage"], "series_a");
    let bad = call(
        &world,
        &secret,
        "PUT",
        &path,
        Some(json!({"name": "X", "website": "not a website"})),
        &[("if-match", "*")],
    )
    .await;
    assert_eq!(assert_problem(&bad, 422, "invalid")["field"], "website");

    // Enrichment: none yet (404); asked for, 202 and a queued run at the Location.
    let enrichment = format!("/api/v1/companies/{id}/enrichment");
    assert_problem(&get(&world, &secret, &enrichment).await, 404, "not_found");
    let asked = call(&world, &secret, "POST", &enrichment, None, &[]).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
    assert_eq!(asked.header("location"), enrichment);
    assert_eq!(json(&asked)["status"], "queued");
    let read = json(&get(&world, &secret, &enrichment).await);
    assert_eq!(read["status"], "queued");
    assert_eq!(count(&pool, "SELECT count(*) FROM enrichments").await, 1);
}

#[sqlx::test]
async fn contractors_and_people_are_read(pool: PgPool) {
    let world = world(&pool, &[]).await;
    for (zoho_id, name) in [
        ("4100001", "Ada Byron"),
        ("4100002", "Bea Cole"),
        ("4100003", "Cy Dunn"),
    ] {
        sqlx::query(
            "INSERT INTO contractors (tenant_id, zoho_id, name, trade, zoho_modified_at)
             SELECT id, $1, $2, 'Electrician', now() FROM tenants WHERE slug = 'acme'",
        )
        .bind(zoho_id)
        .bind(name)
        .execute(&pool)
        .await
        .unwrap();
    }
    let secret = key(
        &world,
        "ada@acme.example",
        &[ApiScope::ContractorsRead, ApiScope::UsersRead],
    )
    .await;
    let listed = json(&get(&world, &secret, "/api/v1/contractors?trade=Electrician").await);
    let names: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada Byron", "Bea Cole", "Cy Dunn"]);
    let id = listed["data"][1]["id"].as_i64().unwrap();
    let one = json(&get(&world, &secret, &format!("/api/v1/contractors/{id}")).await);
    assert_eq!(
        (one["name"].as_str(), one["zoho_id"].as_str()),
        (Some("Bea Cole"), Some("4100002"))
    );

    // People: never the keys' own identities; paged by id.
    let mut next = "/api/v1/users?limit=2".to_string();
    let mut emails = BTreeSet::new();
    loop {
        let reply = get(&world, &secret, &next).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let page = json(&reply);
        for user in page["data"].as_array().unwrap() {
            assert!(
                emails.insert(user["email"].as_str().unwrap().to_string()),
                "a duplicate"
            );
            assert_ne!(user["role"], "service");
        }
        if page["next_cursor"].is_null() {
            break;
        }
        next = reply
            .header("link")
            .trim_start_matches('<')
            .trim_end_matches(">; rel=\"next\"")
            .to_string();
    }
    let expected: BTreeSet<String> = ["ada@acme.example", "ana@acme.example", "emil@acme.example"]
        .map(String::from)
        .into_iter()
        .collect();
    assert_eq!(emails, expected);
    assert_problem(
        &get(&world, &secret, "/api/v1/users?after=nope").await,
        422,
        "invalid",
    );
}

#[sqlx::test]
async fn another_workspaces_resources_are_not_found(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let ada = world.cookie("ada@acme.example").await;
    let (company, _) =
        common::company_with_note(&world.state, &ada, "Acme Own", "acme-own.example").await;
    sqlx::query(
        "INSERT INTO contractors (tenant_id, zoho_id, name, zoho_modified_at)
         SELECT id, '4100009', 'Acme Only', now() FROM tenants WHERE slug = 'acme'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let contractor: i64 =
        sqlx::query_scalar("SELECT id FROM contractors WHERE zoho_id = '4100009'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let globex = every_scope(&world, "gus@globex.example").await;
    // Globex has cases 1–5 of its own; acme's 200 is not one of them.
    assert_eq!(
        get(&world, &globex, "/api/v1/cases/2").await.status,
        StatusCode::OK
    );
    for path in [
        "/api/v1/cases/200".to_string(),
        "/api/v1/cases/200/comments".to_string(),
        format!("/api/v1/companies/{company}"),
        format!("/api/v1/companies/{company}/enrichment"),
        format!("/api/v1/contractors/{contractor}"),
    ] {
        assert_problem(&get(&world, &globex, &path).await, 404, "not_found");
    }
    let changed = call(
        &world,
        &globex,
        "PATCH",
        "/api/v1/cases/200",
        Some(json!({"title": "Mine now"})),
        &[("if-match", "*")],
    )
    .await;
    assert_problem(&changed, 404, "not_found");
    let posted = call(
        &world,
        &globex,
        "POST",
        "/api/v1/cases/200/comments",
        Some(json!({"body": "hi"})),
        &[],
    )
    .await;
    assert_problem(&posted, 404, "not_found");
    let put = call(
        &world,
        &globex,
        "PUT",
        &format!("/api/v1/companies/{company}"),
        Some(json!({"name": "Mine", "website": "mine.example"})),
        &[("if-match", "*")],
    )
    .await;
    assert_problem(&put, 404, "not_found");
    // Lists hold only one's own.
    let cases = json(&get(&world, &globex, "/api/v1/cases?archived=any").await);
    assert_eq!(cases["total"]["count"], 5);
    let people = json(&get(&world, &globex, "/api/v1/users").await);
    assert_eq!(people["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM cases WHERE title = 'Mine now'").await,
        0
    );
}

#[sqlx::test]
async fn cors_answers_for_the_api_alone_and_only_for_the_origins_configured(pool: PgPool) {
    let world = world(&pool, &["--api-cors-origins", "https://tools.example.com"]).await;
    let preflight = |path: &'static str, origin: &'static str| {
        common::send(
            world.state.clone(),
            Request::options(path)
                .header("origin", origin)
                .header("access-control-request-method", "PATCH")
                .header(
                    "access-control-request-headers",
                    "authorization,if-match,content-type",
                ),
        )
    };
    let allowed = preflight("/api/v1/cases/1", "https://tools.example.com").await;
    assert!(allowed.status.is_success(), "{:?}", allowed.status);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        "https://tools.example.com"
    );
    let methods = allowed
        .header("access-control-allow-methods")
        .to_ascii_uppercase();
    assert!(methods.contains("PATCH"), "{methods}");
    let headers = allowed
        .header("access-control-allow-headers")
        .to_ascii_lowercase();
    assert!(
        headers.contains("if-match") && headers.contains("authorization"),
        "{headers}"
    );
    assert_eq!(allowed.header("access-control-allow-credentials"), "");

    let stranger = preflight("/api/v1/cases/1", "https://evil.example").await;
    assert_eq!(stranger.header("access-control-allow-origin"), "");
    // Pages and server functions send no CORS headers, whatever the origin.
    for path in ["/work", "/api/cases/mine", "/login"] {
        let reply = preflight(path, "https://tools.example.com").await;
        assert_eq!(reply.header("access-control-allow-origin"), "", "{path}");
    }
    // A real call from the allowed origin carries the headers a page may read.
    let secret = every_scope(&world, "ada@acme.example").await;
    let reply = call(
        &world,
        &secret,
        "GET",
        "/api/v1/cases/1",
        None,
        &[("origin", "https://tools.example.com")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        "https://tools.example.com"
    );
    assert!(
        reply
            .header("access-control-expose-headers")
            .to_ascii_lowercase()
            .contains("etag")
    );
}

/// The OpenAPI document lists exactly the routes the router has: each of its
/// operations reaches a handler (which asks for a key), no other method on its paths
/// does, and every annotated handler in the source is registered.
#[sqlx::test]
async fn the_openapi_document_and_the_router_list_the_same_routes(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let served = get(&world, "", "/api/v1/openapi.json").await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "application/json");
    let document = json(&served);
    assert_eq!(
        document,
        serde_json::to_value(casework::http::api::document()).unwrap()
    );
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        document["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );

    let methods = ["get", "post", "put", "patch", "delete"];
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path.replace("{number}", "1").replace("{id}", "1");
        for method in methods {
            let reply = call(&world, "", &method.to_uppercase(), &concrete, None, &[]).await;
            if item.get(method).is_some() {
                operations += 1;
                // Reached the handler: it asked for a key.
                assert_problem(&reply, 401, "unauthenticated");
                let operation = &item[method];
                for status in ["401", "403", "422", "429", "500"] {
                    assert!(
                        operation["responses"][status].is_object(),
                        "{method} {path} documents {status}"
                    );
                }
                assert!(operation["operationId"].is_string());
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path}"
                );
            }
        }
    }
    // Each `#[utoipa::path]` in the source is one operation of the document, and no
    // route is added past `routes!` but the document's own.
    let sources = common::sources::rust_files("src/http/api");
    let annotated: usize = sources
        .iter()
        .map(|(_, text)| text.matches("#[utoipa::path(").count())
        .sum();
    assert_eq!(annotated, operations);
    let plain_routes: usize = sources
        .iter()
        .map(|(_, text)| text.matches(".route(").count())
        .sum();
    assert_eq!(
        plain_routes, 1,
        "only /openapi.json is routed outside routes!()"
    );
}

/// `/api/docs`: public like the document, every operation of the document listed on
/// the page itself (a reference without JavaScript), Swagger UI loaded from the app's
/// own files by non-inline scripts, under the same strict Content-Security-Policy, in
/// the theme the person chose.
#[sqlx::test]
async fn the_reference_page_lists_every_operation_of_the_document(pool: PgPool) {
    let world = world(&pool, &[]).await;
    let document = json(&get(&world, "", "/api/v1/openapi.json").await);
    let mut expected = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let summary = operation["summary"].as_str().unwrap_or_default();
            assert!(!summary.is_empty(), "{method} {path} has a summary");
            expected.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert!(expected.len() >= 16, "{expected:?}");

    let page = common::send(
        world.state.clone(),
        Request::get("/api/docs").header("accept", "text/html"),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "anonymous readers get it");
    assert!(page.header("content-type").starts_with("text/html"));
    let html = &page.body;
    let listed: BTreeSet<String> = html
        .split(r#"<tr data-testid="api-operation">"#)
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row
                .split("<td")
                .skip(1)
                .map(|cell| {
                    let start = cell.find('>').unwrap() + 1;
                    let end = cell.find("</td>").unwrap();
                    &cell[start..end]
                })
                .collect();
            format!("{} {}", cells[0], cells[1])
        })
        .collect();
    assert_eq!(listed, expected);

    // Its scripts are files of this app, none inline, and the policy is the strict one.
    for src in [
        "/pkg/swagger-ui/swagger-ui-bundle.js",
        "/api-reference.js",
        "/pkg/swagger-ui/swagger-ui.css",
    ] {
        assert!(html.contains(src), "{src} in {html}");
    }
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=\"/").count(),
        "{html}"
    );
    let policy = page.header("content-security-policy");
    assert!(policy.contains("script-src 'self' 'nonce-"), "{policy}");
    assert!(policy.contains("style-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");

    let dark = common::send(
        world.state.clone(),
        Request::get("/api/docs")
            .header("accept", "text/html")
            .header("cookie", "theme=dark"),
    )
    .await;
    assert!(dark.body.contains(r#"class="dark-mode""#), "{}", dark.body);
    assert!(
        !html.contains("dark-mode"),
        "the system theme is left to the script"
    );
}
