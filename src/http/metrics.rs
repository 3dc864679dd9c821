//! Every request counted: a Prometheus recorder for the process, the middleware that
//! times each request by its route *template* (`/cases/{number}`, never the raw path,
//! so the series stay few), and `/metrics` in Prometheus text — on its own address
//! (`METRICS_ADDR`) or behind a bearer token (`METRICS_TOKEN`), never public by
//! default.

use std::sync::OnceLock;
use std::time::Instant;

use app::server::AppState;
use app::server::system::rollup;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

/// Request latency buckets, in seconds: fine where the targets are (≤ 25 ms p99), and
/// out to the 30 s timeout.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed the first time it is asked for (one per process:
/// tests start several apps in one). `None` only if another recorder was installed.
pub fn recorder() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets_for_metric(
                Matcher::Full("casework_http_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            );
            match builder.and_then(PrometheusBuilder::install_recorder) {
                Ok(handle) => {
                    metrics::gauge!(
                        "casework_build_info",
                        "version" => env!("CARGO_PKG_VERSION"),
                    )
                    .set(1.0);
                    Some(handle)
                }
                Err(error) => {
                    tracing::error!(%error, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// What a response came from — its route's template and who asked — copied out of the
/// request by [`tag_route`] (which runs after routing, where axum knows the route)
/// for [`count`] (which runs around everything, where it does not).
#[derive(Clone)]
struct Facts {
    route: MatchedPath,
    user_id: Option<uuid::Uuid>,
    tenant_id: Option<uuid::Uuid>,
}

/// A route layer: tags the response with the route's template and the viewer. (A
/// nested service, the built files, has no template: it is counted as "static".)
pub async fn tag_route(request: Request, next: Next) -> Response {
    let Some(matched) = request.extensions().get::<MatchedPath>().cloned() else {
        return next.run(request).await;
    };
    let viewer = request.extensions().get::<app::model::Viewer>();
    let facts = Facts {
        route: matched,
        user_id: viewer.map(|viewer| viewer.user_id),
        tenant_id: viewer.map(|viewer| viewer.tenant_id),
    };
    let mut response = next.run(request).await;
    response.extensions_mut().insert(facts);
    response
}

/// Counts and times every request (time to the response's head: pages are rendered
/// whole before it), and logs it: one line per request, inside the request's span (so
/// with its id), with the route, status, latency and who asked.
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let static_file = super::rate_limit::is_static_file(request.uri().path());
    let response = next.run(request).await;
    let facts = response.extensions().get::<Facts>();
    let route = match facts {
        Some(facts) => facts.route.as_str().to_owned(),
        // Files and unknown addresses: one series each, whatever the path.
        None if static_file => "static".to_owned(),
        None => "unmatched".to_owned(),
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    tracing::info!(
        target: "casework::request",
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        user_id = ?facts.and_then(|facts| facts.user_id),
        tenant_id = ?facts.and_then(|facts| facts.tenant_id),
        "request"
    );
    let ms = elapsed.as_secs_f64() * 1000.0;
    // Slow ones are kept with who asked, for their workspace's admins to see.
    let slow = facts
        .and_then(|facts| facts.tenant_id.map(|tenant| (facts, tenant)))
        .filter(|_| ms > rollup::SLOW_MS)
        .map(|(facts, tenant_id)| rollup::SlowRequest {
            at: time::OffsetDateTime::now_utc(),
            request_id: request_id.unwrap_or_default(),
            route: route.clone(),
            method: method.clone(),
            status,
            ms,
            user_id: facts.user_id,
            tenant_id,
        });
    state.rollup.record(&route, &method, status, ms, slow);
    let labels = [
        ("route", route),
        ("method", method),
        ("status", status.to_string()),
    ];
    metrics::counter!("casework_http_requests_total", &labels).increment(1);
    metrics::histogram!("casework_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    response
}

/// `GET /metrics` on the main address: only with `Authorization: Bearer <METRICS_TOKEN>`
/// (and a 404, as if it did not exist, without a token configured).
pub async fn metrics_with_token(State(state): State<AppState>, request: Request) -> Response {
    let Some(token) = &state.config.protection.metrics_token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    // In constant time: how much of a guess matched must not show in the timing.
    let matches: bool = given
        .as_bytes()
        .ct_eq(token.expose_secret().as_bytes())
        .into();
    if !matches {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    exposition(&state).await
}

/// `GET /metrics` on `METRICS_ADDR` (an address only the monitoring network reaches).
pub async fn metrics_open(State(state): State<AppState>) -> Response {
    exposition(&state).await
}

/// The text exposition, with the figures read at scrape time (pool, queues) first.
async fn exposition(state: &AppState) -> Response {
    let Some(handle) = recorder() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    sample_gauges(state).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Gauges nothing updates as it happens: the pools' use and the job queues.
pub async fn sample_gauges(state: &AppState) {
    for (name, pool) in [("requests", &state.pool), ("jobs", &state.jobs.pool)] {
        let size = f64::from(pool.size());
        let idle = pool.num_idle() as f64;
        metrics::gauge!("casework_db_pool_connections", "pool" => name, "state" => "open")
            .set(size);
        metrics::gauge!("casework_db_pool_connections", "pool" => name, "state" => "idle")
            .set(idle);
        metrics::gauge!("casework_db_pool_connections", "pool" => name, "state" => "in_use")
            .set((size - idle).max(0.0));
        metrics::gauge!("casework_db_pool_max_connections", "pool" => name)
            .set(f64::from(pool.options().get_max_connections()));
    }
    metrics::gauge!("casework_db_pool_waiting", "pool" => "requests")
        .set(app::server::db::waiting() as f64);
    match app::server::system::queues(&state.pool).await {
        Ok(queues) => {
            for queue in queues {
                let name = queue.name.clone();
                metrics::gauge!("casework_job_queue_depth", "queue" => name.clone(), "state" => "pending")
                    .set(queue.pending as f64);
                metrics::gauge!("casework_job_queue_depth", "queue" => name.clone(), "state" => "running")
                    .set(queue.running as f64);
                metrics::gauge!("casework_job_queue_oldest_pending_seconds", "queue" => name)
                    .set(queue.oldest_pending_s);
            }
        }
        Err(error) => tracing::warn!(%error, "job queues could not be read for the metrics"),
    }
    metrics::gauge!("casework_uptime_seconds").set(state.started_at.elapsed().as_secs_f64());
    for (name, stats) in app::server::caches::all(state) {
        metrics::counter!("casework_cache_requests_total", "cache" => name, "outcome" => "hit")
            .absolute(stats.hits);
        metrics::counter!("casework_cache_requests_total", "cache" => name, "outcome" => "miss")
            .absolute(stats.misses);
        metrics::gauge!("casework_cache_entries", "cache" => name).set(stats.entries as f64);
    }
    if let Some(replicas) = &state.replicas {
        replica_metrics(replicas);
    }
}

/// Where reads went (a replica, or the primary and why), and each replica's state.
fn replica_metrics(replicas: &app::server::replicas::Replicas) {
    let counts = replicas.counts();
    for (target, reason, count) in [
        ("replica", "fresh", counts.replica),
        ("primary", "wrote_here", counts.wrote_here),
        ("primary", "own_write", counts.own_write),
        ("primary", "none_fresh", counts.none_fresh),
        ("primary", "cache_fill", counts.cache_fill),
    ] {
        metrics::counter!("casework_db_reads_total", "target" => target, "reason" => reason)
            .absolute(count);
    }
    for (name, up, fresh, behind) in replicas.states() {
        metrics::gauge!("casework_replica_up", "replica" => name.clone())
            .set(f64::from(u8::from(up)));
        metrics::gauge!("casework_replica_fresh", "replica" => name.clone())
            .set(f64::from(u8::from(fresh)));
        metrics::gauge!("casework_replica_behind_bytes", "replica" => name).set(behind as f64);
    }
}

/// Writes this instance's minutes to PostgreSQL as each one ends (and sweeps the
/// week-old ones hourly), for the System page.
pub async fn write_minutes(state: AppState) {
    let mut written = 0u64;
    loop {
        let now = time::OffsetDateTime::now_utc();
        let into_minute = u64::try_from(now.unix_timestamp().rem_euclid(60)).unwrap_or(0);
        // Just past the minute's end, so every request of it is counted.
        tokio::time::sleep(std::time::Duration::from_millis(
            (60 - into_minute) * 1000 + 200,
        ))
        .await;
        write_minute(&state).await;
        written += 1;
        if written.is_multiple_of(60)
            && let Err(error) = rollup::sweep(&state.pool).await
        {
            tracing::warn!(%error, "old system minutes could not be swept");
        }
    }
}

/// Writes what this instance served since the last write, as the minute just ended
/// (or the current one, at shutdown).
pub async fn write_minute(state: &AppState) {
    let now = time::OffsetDateTime::now_utc();
    let minute = rollup::minute_of(now - time::Duration::seconds(1));
    // Every cache together: the System page's hit rate (its table has each of them).
    let cache = app::server::caches::all(state).into_iter().fold(
        app::server::versioned::CacheStats::default(),
        |all, (_, one)| all + one,
    );
    let figures = &state.rollup;
    figures.redis_fallbacks.store(
        state.limiter.fallbacks(),
        std::sync::atomic::Ordering::Relaxed,
    );
    figures
        .cache_hits
        .store(cache.hits, std::sync::atomic::Ordering::Relaxed);
    figures
        .cache_misses
        .store(cache.misses, std::sync::atomic::Ordering::Relaxed);
    let size = state.pool.size();
    let gauges = rollup::Gauges {
        pool_size: size,
        pool_in_use: size.saturating_sub(u32::try_from(state.pool.num_idle()).unwrap_or(0)),
    };
    if let Err(error) = rollup::flush(&state.pool, figures, minute, gauges).await {
        tracing::warn!(%error, "this minute's system figures could not be written");
    }
}
