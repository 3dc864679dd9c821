#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Shared test helpers: a `Config` for a given database, the URL of a `#[sqlx::test]`
//! database, and a way to call the real router.
#![allow(dead_code)] // each test binary uses a different subset

/// Polls `$check` (an expression that may `.await`) until it holds, failing after 10 s:
/// announcements travel through Postgres, so "at once" means within moments, not
/// within the statement.
#[allow(unused_macros)]
macro_rules! eventually {
    ($what:expr, $check:expr) => {{
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !$check {
            assert!(
                std::time::Instant::now() < deadline,
                "never happened: {}",
                $what
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }};
}
#[allow(unused_imports)]
pub(crate) use eventually;

pub mod api;
pub mod redis;
pub mod replica;
pub mod site;
pub mod sources;
pub mod tallies;
pub mod world;

use app::server::{AppState, Config};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use sqlx::PgPool;
use tower::ServiceExt;

/// Parses a config the way the binary does, from flags.
pub fn config(database_url: &str, extra: &[&str]) -> Config {
    // Tests make requests faster than people do, all from one address: the route-class
    // limits are generous unless a test sets its own (tests/rate_limits.rs does).
    let defaults = [
        ("--site-root", "target/site"),
        ("--rate-limit-reads", "free=1000000/min"),
        ("--rate-limit-writes", "free=1000000/min"),
        ("--rate-limit-tenant", "free=1000000/min"),
        ("--rate-limit-anonymous", "1000000/min"),
        ("--rate-limit-static", "1000000/min"),
    ]
    .into_iter()
    .filter(|(flag, _)| !extra.contains(flag))
    .flat_map(|(flag, value)| [flag, value]);
    let args = ["casework", "--database-url", database_url]
        .into_iter()
        .chain(defaults)
        .chain(extra.iter().copied());
    match casework::cli::Cli::try_parse_from(args) {
        Ok(cli) => cli.config,
        Err(error) => panic!("test config rejected: {error}"),
    }
}

/// The connection URL of the per-test database `#[sqlx::test]` made: the server's
/// DATABASE_URL with this database's name.
pub fn database_url(pool: &PgPool) -> String {
    let server = std::env::var("DATABASE_URL").unwrap_or_default();
    let mut url = match url::Url::parse(&server) {
        Ok(url) => url,
        Err(error) => panic!("DATABASE_URL {server:?}: {error}"),
    };
    let options = pool.connect_options();
    url.set_path(&format!(
        "/{}",
        options.get_database().unwrap_or("postgres")
    ));
    url.to_string()
}

pub fn state(config: Config) -> AppState {
    match casework::startup::state(config) {
        Ok(state) => state,
        Err(error) => panic!("{error:#}"),
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

/// A GET through the full router, middleware included, without a socket.
pub async fn get(state: AppState, path: &str) -> Reply {
    send(state, Request::get(path)).await
}

pub async fn send(state: AppState, request: axum::http::request::Builder) -> Reply {
    send_body(state, request, Body::empty()).await
}

/// The server functions that only read, declared `input = GetUrl` (so the rate
/// limiter counts them as reads): the browser's client sends their arguments as a
/// query string. `tests/layering.rs` checks this list against the source.
pub const READ_FNS: &[&str] = &[
    "/api/admin/access",
    "/api/admin/api-keys",
    "/api/admin/inquiry-form",
    "/api/admin/system",
    "/api/admin/usage",
    "/api/admin/users",
    "/api/admin/webhooks",
    "/api/admin/zoho",
    "/api/admin/zoho/preview",
    "/api/admin/zoho/run",
    "/api/admin/zoho/runs",
    "/api/case/detail",
    "/api/case/people",
    "/api/cases/mine",
    "/api/cases/team",
    "/api/companies/check-website",
    "/api/companies/list",
    "/api/contact/form",
    "/api/contractors/get",
    "/api/contractors/list",
    "/api/dashboard/companies",
    "/api/dashboard/mine",
    "/api/imports/get",
    "/api/dashboard/team",
    "/api/company/detail",
    "/api/company/enrichment",
    "/api/lists/all",
    "/api/lists/detail",
    "/api/notifications",
    "/api/notifications/mentionable",
    "/api/notifications/settings",
    "/api/notifications/unread",
    "/api/search",
    "/api/searches/mine",
];

/// A server function's request as the browser's client builds it: a GET with the
/// arguments in the query for a read, else a form post.
fn server_fn_request(path: &str, body: &str) -> (axum::http::request::Builder, Body) {
    if READ_FNS.contains(&path) {
        let uri = if body.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{body}")
        };
        (
            Request::get(uri).header("host", "127.0.0.1:3000"),
            Body::empty(),
        )
    } else {
        let request = Request::post(path)
            .header("host", "127.0.0.1:3000")
            .header("origin", "http://127.0.0.1:3000")
            .header("content-type", "application/x-www-form-urlencoded");
        (request, Body::from(body.to_string()))
    }
}

/// A same-site form post (the `Origin` a browser on this site would send), or for a
/// read server function the GET the browser sends.
pub async fn post_form(
    state: AppState,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> Reply {
    let body = serde_urlencoded::to_string(form).unwrap_or_default();
    if READ_FNS.contains(&path) {
        let (mut request, body) = server_fn_request(path, &body);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        return send_body(state, request, body).await;
    }
    let mut request = Request::post(path)
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send_body(state, request, Body::from(body)).await
}

/// A form post as a browser without JavaScript sends it (it accepts HTML, so server
/// functions answer with a redirect).
pub async fn post_html_form(
    state: AppState,
    path: &str,
    form: &[(&str, &str)],
    cookie: &str,
) -> Reply {
    let body = serde_urlencoded::to_string(form).unwrap_or_default();
    let request = Request::post(path)
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .header("accept", "text/html,application/xhtml+xml")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie);
    send_body(state, request, Body::from(body)).await
}

/// Calls a server function the way the browser's server-function client does: a
/// same-site form post with the session cookie.
pub async fn call_fn(state: &AppState, cookie: &str, path: &str, form: &[(&str, String)]) -> Reply {
    let body = serde_urlencoded::to_string(form).unwrap_or_default();
    let (request, body) = server_fn_request(path, &body);
    send_body(state.clone(), request.header("cookie", cookie), body).await
}

/// Waits until some other session is blocked by the backend `pid` (waiting for a lock
/// it holds), as PostgreSQL reports it: the real signal a race test waits on, rather
/// than a sleep. Panics after 30 s.
pub async fn wait_until_blocked_by(pool: &PgPool, pid: i32) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let blocked: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        )
        .bind(pid)
        .fetch_one(pool)
        .await
        .unwrap();
        if blocked > 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing waited for backend {pid}'s locks"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Waits until the live-updates listener (`startup::start_live_updates`) is listening.
/// Panics after 30 s.
pub async fn eventually_listening(state: &AppState) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !state.viewers.is_listening() {
        assert!(
            std::time::Instant::now() < deadline,
            "the listener never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// A process of its own on the test database (settings `extra`), its listener running
/// as `serve`'s does: the caches that trust announcements are in use.
pub async fn listening_instance(pool: &PgPool, extra: &[&str]) -> AppState {
    let state = state(config(&database_url(pool), extra));
    casework::startup::start_live_updates(&state);
    eventually_listening(&state).await;
    state
}

/// The read-after cookie (`name=value`) a write's answer set.
pub fn read_after_cookie(reply: &Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("casework_read_after="))
        .and_then(|value| value.split(';').next())
        .unwrap_or_else(|| panic!("no read-after cookie in {:?}", reply.headers))
        .to_string()
}

/// The read-after cookie a write's answer set, added to the person's cookies (as a
/// browser keeps it).
pub fn with_read_after(cookie: &str, reply: &Reply) -> String {
    format!("{cookie}; {}", read_after_cookie(reply))
}

/// A server function that must succeed; its JSON answer.
pub async fn call_ok(
    state: &AppState,
    cookie: &str,
    path: &str,
    form: &[(&str, String)],
) -> serde_json::Value {
    let reply = call_fn(state, cookie, path, form).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    match serde_json::from_str(&reply.body) {
        Ok(value) => value,
        Err(error) => panic!("{path}: {error}: {}", reply.body),
    }
}

/// A company added through the companies page's server function, with a note on it,
/// as `cookie` (an analyst or admin): `(company id, note id)`.
pub async fn company_with_note(
    state: &AppState,
    cookie: &str,
    name: &str,
    website: &str,
) -> (i64, i64) {
    let company = call_ok(
        state,
        cookie,
        "/api/companies/create",
        &[
            ("name", name.into()),
            ("website", website.into()),
            ("sector", "Software".into()),
            ("stage", String::new()),
            ("location", "Austin".into()),
        ],
    )
    .await
    .as_i64()
    .unwrap();
    let note = call_ok(
        state,
        cookie,
        "/api/company/note",
        &[("id", company.to_string()), ("body", "a note".into())],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    (company, note)
}

/// A GET with a cookie.
pub async fn get_with_cookie(state: AppState, path: &str, cookie: &str) -> Reply {
    send(state, Request::get(path).header("cookie", cookie)).await
}

pub async fn send_body(
    state: AppState,
    request: axum::http::request::Builder,
    body: Body,
) -> Reply {
    let router = casework::startup::router(state);
    let request = match request.body(body) {
        Ok(request) => request,
        Err(error) => panic!("{error}"),
    };
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(error) => match error {},
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = match axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(error) => panic!("{error}"),
    };
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

impl Reply {
    /// A header's value as text (empty when absent or not text).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    /// `name=value` of the session cookie this response sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|cookie| cookie.starts_with("casework_session="))
            .and_then(|cookie| cookie.split(';').next())
            .map(str::to_string)
    }
}

/// A tenant with one user per `(email, role)`, all with `password`; returns the
/// tenant id. Written as the owner, the way `casework create-admin` does.
pub async fn tenant_with_users(
    pool: &PgPool,
    slug: &str,
    users: &[(&str, app::model::Role)],
    password: &str,
) -> uuid::Uuid {
    use app::model::{Email, TenantSlug};
    use app::server::tenants::{NewUser, ensure_tenant, upsert_user};
    let hash = app::server::password::hash(password.to_string()).await.ok();
    let mut tx = pool.begin().await.unwrap();
    let slug = TenantSlug::parse(slug).unwrap();
    let tenant = ensure_tenant(&mut tx, &slug, slug.as_str()).await.unwrap();
    for (email, role) in users {
        let email = Email::parse(email).unwrap();
        let name = email.as_str().split('@').next().unwrap_or("x").to_string();
        let user = NewUser {
            email: &email,
            display_name: &name,
            role: *role,
            password_hash: hash.clone(),
        };
        upsert_user(&mut tx, tenant, user).await.unwrap();
    }
    tx.commit().await.unwrap();
    tenant
}

/// The sign-in tests' workspace: `acme`, with Ada (admin) and Emil (employee).
pub async fn acme_with_ada_and_emil(pool: &PgPool, password: &str) -> uuid::Uuid {
    tenant_with_users(
        pool,
        "acme",
        &[
            ("ada@acme.example", app::model::Role::Admin),
            ("emil@acme.example", app::model::Role::Employee),
        ],
        password,
    )
    .await
}

/// `acme` with one person of each role, all with `password`: Ada (admin), Emil
/// (employee) and Anna (analyst).
pub async fn acme_with_every_role(pool: &PgPool, password: &str) -> uuid::Uuid {
    use app::model::Role;
    tenant_with_users(
        pool,
        "acme",
        &[
            ("ada@acme.example", Role::Admin),
            ("emil@acme.example", Role::Employee),
            ("anna@acme.example", Role::Analyst),
        ],
        password,
    )
    .await
}

/// Generates `cases` cases (and `comments` comments) spread over the tenant's
/// employees, the way `casework seed` does; returns the employees' ids by email.
pub async fn cases_for_employees(
    pool: &PgPool,
    tenant: uuid::Uuid,
    cases: u32,
    comments: u64,
) -> Vec<uuid::Uuid> {
    let employees: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT id FROM users WHERE tenant_id = $1 AND role = 'employee' ORDER BY email",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    app::server::generate::generate_cases(&mut conn, tenant, &employees, cases, comments)
        .await
        .unwrap();
    employees
}

/// Posts the sign-in form, as the browser does (optionally presenting a cookie).
pub async fn sign_in(state: &AppState, email: &str, password: &str, cookie: Option<&str>) -> Reply {
    post_form(
        state.clone(),
        "/auth/login",
        &[("email", email), ("password", password)],
        cookie,
    )
    .await
}

/// The `Viewer` the middleware would resolve for this user (read as the owner).
pub async fn viewer(pool: &PgPool, email: &str) -> app::model::Viewer {
    let (user_id, tenant_id, role, employees_may_enrich, plan): (
        uuid::Uuid,
        uuid::Uuid,
        app::model::Role,
        bool,
        app::model::Plan,
    ) = sqlx::query_as(
        "SELECT u.id, u.tenant_id, u.role, t.employees_may_enrich, t.plan
             FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap();
    app::model::Viewer {
        user_id,
        tenant_id,
        role,
        email: email.into(),
        display_name: email.into(),
        tenant_name: String::new(),
        employees_may_enrich,
        plan,
        api_scopes: Vec::new(),
    }
}

/// Signs in and returns the session cookie (`name=value`).
pub async fn session_cookie(state: &AppState, email: &str, password: &str) -> String {
    sign_in(state, email, password, None)
        .await
        .session_cookie()
        .expect("sign-in failed")
}

/// Reads server-sent events from a streaming response until `want` events arrived.
pub async fn sse_events(body: Body, want: usize) -> Vec<(String, String, String)> {
    let mut stream = body.into_data_stream();
    let mut text = String::new();
    let mut found = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while found.len() < want {
        let chunk = tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut stream))
            .await
            .expect("timed out waiting for events")
            .expect("stream ended")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}:")))
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default()
            };
            if !field("event").is_empty() {
                found.push((field("id"), field("event"), field("data")));
            }
        }
    }
    found
}

/// Opens a server-sent event stream of the real router (`Last-Event-ID` when given).
pub async fn open_stream(
    state: &AppState,
    cookie: &str,
    path: &str,
    last: Option<i64>,
) -> axum::response::Response {
    let mut request = Request::get(path).header("cookie", cookie);
    if let Some(last) = last {
        request = request.header("last-event-id", last.to_string());
    }
    casework::startup::router(state.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}
