//! Health, for load balancers, orchestrators and the admin System page:
//!
//! - `GET /api/health/live`: the process is up and answering (restart it if not);
//! - `GET /api/health/ready`: it can serve — the database answers, Redis answers when
//!   one is configured, no job has waited past `JOB_STUCK_AFTER_S`, and the process is
//!   not shutting down — else 503, so a balancer sends traffic elsewhere;
//! - `GET /api/health`: the same as ready, in the shape it always had, with each
//!   check beside it.
//!
//! Every probe has its own short timeout: a health check that hangs is worse than one
//! that says "no".

use std::time::{Duration, Instant};

use app::server::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    pub uptime_s: u64,
    pub version: &'static str,
    pub checks: Checks,
}

#[derive(Debug, Serialize)]
pub struct Checks {
    pub database: Check,
    /// Absent when no Redis is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis: Option<Check>,
    pub jobs: Check,
    pub accepting: Check,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn new(ok: bool, detail: impl Into<String>) -> Self {
        Self {
            ok,
            detail: detail.into(),
        }
    }
}

pub async fn live(State(state): State<AppState>) -> Response {
    let body = serde_json::json!({
        "status": "ok",
        "uptime_s": state.started_at.elapsed().as_secs(),
    });
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}

pub async fn ready(State(state): State<AppState>) -> Response {
    health(State(state)).await
}

pub async fn health(State(state): State<AppState>) -> Response {
    let (database, redis, jobs) = tokio::join!(
        probe_database(&state),
        probe_redis(&state),
        probe_jobs(&state)
    );
    let stopping = *state.stopping.borrow();
    let accepting = Check::new(
        !stopping,
        if stopping {
            "shutting down"
        } else {
            "accepting requests"
        },
    );
    let ready = database.ok && redis.as_ref().is_none_or(|r| r.ok) && jobs.ok && accepting.ok;
    if !ready {
        tracing::warn!(
            database = database.ok,
            redis = ?redis.as_ref().map(|r| r.ok),
            jobs = jobs.ok,
            stopping,
            "health check: not ready"
        );
    }
    let body = Health {
        status: if ready { "ok" } else { "degraded" },
        database: if database.ok { "ok" } else { "unavailable" },
        uptime_s: state.started_at.elapsed().as_secs(),
        version: env!("CARGO_PKG_VERSION"),
        checks: Checks {
            database,
            redis,
            jobs,
            accepting,
        },
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

async fn probe_database(state: &AppState) -> Check {
    let started = Instant::now();
    match tokio::time::timeout(PROBE_TIMEOUT, app::server::db::ping(&state.pool)).await {
        Ok(Ok(())) => Check::new(
            true,
            format!("answered in {} ms", started.elapsed().as_millis()),
        ),
        Ok(Err(_)) => Check::new(false, "refused"),
        Err(_) => Check::new(false, "no answer within 2 s"),
    }
}

async fn probe_redis(state: &AppState) -> Option<Check> {
    let answered = state.limiter.ping_redis(PROBE_TIMEOUT).await?;
    Some(match answered {
        true => Check::new(true, "answered"),
        false => Check::new(false, "no answer: rate limits are decided per instance"),
    })
}

async fn probe_jobs(state: &AppState) -> Check {
    let limit = state.config.job_stuck_after_s as f64;
    match tokio::time::timeout(PROBE_TIMEOUT, app::server::system::queues(&state.pool)).await {
        Ok(Ok(queues)) => {
            let stuck: Vec<String> = queues
                .iter()
                .filter(|queue| queue.oldest_pending_s > limit)
                .map(|queue| {
                    format!(
                        "{} (oldest waiting {:.0} s)",
                        queue.name, queue.oldest_pending_s
                    )
                })
                .collect();
            if stuck.is_empty() {
                let pending: i64 = queues.iter().map(|queue| queue.pending).sum();
                Check::new(true, format!("{pending} waiting"))
            } else {
                Check::new(false, format!("stuck: {}", stuck.join(", ")))
            }
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: the job queues could not be read");
            Check::new(false, "queues could not be read")
        }
        Err(_) => Check::new(false, "no answer within 2 s"),
    }
}
