#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Observability through the real router: `/metrics` parses as Prometheus text, counts
//! a known request under its route template, and is never public; readiness and
//! liveness; and a run's logs carry no seeded secret.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use app::model::Role;
use axum::http::{Request, StatusCode};
use common::world::{PASSWORD, World};
use sqlx::PgPool;

const TOKEN: &str = "metrics-token-0123456789";

/// One sample of a Prometheus text exposition: its name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Parses the text format (0.0.4) strictly: every line is a comment, a `# TYPE` /
/// `# HELP`, or `name{label="value",…} number`; anything else fails the test.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|line| !line.is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.split_whitespace().collect();
            if words.first() == Some(&"TYPE") {
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&words[2]),
                    "bad TYPE line: {line}"
                );
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad line: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            other => other
                .parse()
                .unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), HashMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("bad labels: {line}"));
                let mut labels = HashMap::new();
                for pair in body.split("\",").filter(|pair| !pair.is_empty()) {
                    let (key, value) = pair
                        .split_once("=\"")
                        .unwrap_or_else(|| panic!("bad label: {line}"));
                    labels.insert(key.to_string(), value.trim_end_matches('"').to_string());
                }
                (name.to_string(), labels)
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        samples.push(Sample {
            name,
            labels,
            value,
        });
    }
    samples
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

async fn scrape(state: &app::server::AppState, token: Option<&str>) -> common::Reply {
    let mut request = Request::get("/metrics");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    common::send(state.clone(), request).await
}

#[sqlx::test]
async fn metrics_count_requests_by_route_template_and_are_never_public(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", &[("emil@acme.example", Role::Employee)])
        .cases("acme", 3, 0)
        .jobs()
        .flags(&["--metrics-token", TOKEN])
        .done()
        .await;
    // The enrichment queue, as the first worker or request makes it.
    world.state.jobs.enrich.queue().await.unwrap();
    let emil = world.cookie("emil@acme.example").await;
    let number: i32 = sqlx::query_scalar("SELECT min(number) FROM cases")
        .fetch_one(&pool)
        .await
        .unwrap();
    for _ in 0..3 {
        let reply =
            common::get_with_cookie(world.state.clone(), &format!("/cases/{number}"), &emil).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    // Never without the token.
    assert_eq!(
        scrape(&world.state, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        scrape(&world.state, Some("metrics-token-wrong-guess"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let reply = scrape(&world.state, Some(TOKEN)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let samples = parse(&reply.body);
    // The three case pages, under the route's template, not their addresses.
    let labels = [
        ("route", "/cases/{number}"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert_eq!(
        value(&samples, "casework_http_requests_total", &labels),
        Some(3.0)
    );
    assert_eq!(
        value(
            &samples,
            "casework_http_request_duration_seconds_count",
            &labels
        ),
        Some(3.0)
    );
    let inf = [("route", "/cases/{number}"), ("le", "+Inf")];
    assert_eq!(
        value(
            &samples,
            "casework_http_request_duration_seconds_bucket",
            &inf
        ),
        Some(3.0)
    );
    assert!(samples.iter().all(|s| {
        !s.labels
            .get("route")
            .is_some_and(|r| r.contains(&number.to_string()))
    }));
    // The rest of what is promised.
    assert!(
        value(
            &samples,
            "casework_rate_limit_decisions_total",
            &[("class", "read"), ("outcome", "allowed")]
        )
        .is_some_and(|n| n >= 3.0)
    );
    assert!(
        value(
            &samples,
            "casework_db_pool_connections",
            &[("pool", "requests"), ("state", "open")]
        )
        .is_some_and(|n| n >= 1.0)
    );
    // Nobody waits for a connection between requests.
    assert_eq!(
        value(
            &samples,
            "casework_db_pool_waiting",
            &[("pool", "requests")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            &samples,
            "casework_job_queue_depth",
            &[("queue", "enrich"), ("state", "pending")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            &samples,
            "casework_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
    // Without a token configured there is no endpoint at all.
    let closed = World::build(&pool).done().await;
    assert_eq!(
        scrape(&closed.state, Some(TOKEN)).await.status,
        StatusCode::NOT_FOUND
    );
    // On its own address it needs no token (that address is the protection).
    let open = casework::startup::metrics_router(world.state.clone());
    let reply = tower::ServiceExt::oneshot(
        open,
        Request::get("/metrics")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
}

#[sqlx::test]
async fn readiness_checks_every_dependency_and_liveness_only_the_process(pool: PgPool) {
    let world = World::build(&pool).jobs().done().await;
    world.state.jobs.enrich.queue().await.unwrap();
    let ready = common::get(world.state.clone(), "/api/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    let body: serde_json::Value = serde_json::from_str(&ready.body).unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["checks"]["database"]["ok"], true);
    assert_eq!(body["checks"]["jobs"]["ok"], true);
    assert!(body["checks"].get("redis").is_none(), "no Redis configured");
    // A job that could have run long ago and has not: the workers are gone.
    sqlx::query(
        "INSERT INTO underway.task (id, task_queue_name, input, created_at)
         VALUES (gen_random_uuid(), 'enrich', '{}', now() - interval '1 hour')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let stuck = common::get(world.state.clone(), "/api/health/ready").await;
    assert_eq!(stuck.status, StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_str(&stuck.body).unwrap();
    assert_eq!(body["checks"]["jobs"]["ok"], false);
    assert!(
        body["checks"]["jobs"]["detail"]
            .as_str()
            .unwrap()
            .contains("enrich")
    );
    // /api/health says the same, in its old shape.
    let health = common::get(world.state.clone(), "/api/health").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&health.body).unwrap()["database"],
        "ok"
    );
    // The process itself is alive.
    assert_eq!(
        common::get(world.state.clone(), "/api/health/live")
            .await
            .status,
        StatusCode::OK
    );
    // A Redis that does not answer makes the instance not ready (it still serves,
    // failing open, but a balancer should prefer the others).
    let with_redis = World::build(&pool)
        .flags(&["--redis-url", "redis://127.0.0.1:1"])
        .done()
        .await;
    sqlx::query("DELETE FROM underway.task")
        .execute(&pool)
        .await
        .unwrap();
    let reply = common::get(with_redis.state.clone(), "/api/health/ready").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["checks"]["redis"]["ok"], false);
    assert_eq!(body["checks"]["jobs"]["ok"], true);
    // Shutting down: not ready, still alive.
    world.state.stopping.send_replace(true);
    let draining = common::get(world.state.clone(), "/api/health/ready").await;
    assert_eq!(draining.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        common::get(world.state.clone(), "/api/health/live")
            .await
            .status,
        StatusCode::OK
    );
}

/// Log lines as a test reads them: what the app wrote, through its own scrubbing.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test]
async fn logs_are_json_lines_with_the_request_and_no_seeded_secret(pool: PgPool) {
    let captured = Captured::default();
    let sink = captured.clone();
    let world = World::build(&pool)
        .tenant("acme", &[("secret.person@acme.example", Role::Employee)])
        .flags(&[
            "--metrics-token",
            TOKEN,
            "--log-format",
            "json",
            "--log-level",
            "debug,sqlx=warn,hyper=warn",
        ])
        .done()
        .await;
    casework::telemetry::init_with(
        &world.state.config,
        casework::telemetry::Redacting(move || sink.clone()),
    );
    // Secrets every way a client can send them: a password (right and wrong), the
    // session cookie, a bearer token, an API-key-looking header, an email in a query.
    let wrong = common::sign_in(
        &world.state,
        "secret.person@acme.example",
        "the-wrong-pass-phrase",
        None,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::SEE_OTHER);
    let signed_in =
        common::sign_in(&world.state, "secret.person@acme.example", PASSWORD, None).await;
    let cookie = signed_in.session_cookie().unwrap();
    let session = cookie.split('=').nth(1).unwrap().to_string();
    let request = Request::get("/work?q=secret.person%40acme.example")
        .header("cookie", &cookie)
        .header("x-request-id", "trace-me-123")
        .header("authorization", "Bearer cw_live_topsecretkey987");
    let reply = common::send(world.state.clone(), request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["x-request-id"], "trace-me-123");
    // An id that is not one is replaced by ours.
    let odd = common::send(
        world.state.clone(),
        Request::get("/login").header("x-request-id", "<b>not an id</b>"),
    )
    .await;
    let ours = odd.header("x-request-id");
    assert!(uuid::Uuid::parse_str(ours).is_ok(), "{ours}");
    assert_eq!(
        scrape(&world.state, Some(TOKEN)).await.status,
        StatusCode::OK
    );
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty());
    for secret in [
        "secret.person@acme.example",
        "secret.person%40acme.example",
        "the-wrong-pass-phrase",
        PASSWORD,
        &session,
        "cw_live_topsecretkey987",
        TOKEN,
    ] {
        assert!(!logs.contains(secret), "{secret} is in the logs:\n{logs}");
    }
    // Every line is a JSON object; the request's own line names its id, route,
    // status, latency and who asked.
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let work = lines
        .iter()
        .find(|line| line["target"] == "casework::request" && line["route"] == "/work")
        .unwrap_or_else(|| panic!("no request line for /work:\n{logs}"));
    assert_eq!(work["span"]["request_id"], "trace-me-123");
    assert_eq!(work["status"], 200);
    assert!(work["latency_ms"].as_f64().unwrap() > 0.0);
    let user: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'secret.person@acme.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        work["user_id"]
            .as_str()
            .unwrap()
            .contains(&user.to_string())
    );
    assert!(
        work["tenant_id"]
            .as_str()
            .unwrap()
            .contains(&world.tenant("acme").to_string())
    );
}
