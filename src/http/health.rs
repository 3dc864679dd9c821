//! `GET /api/health`: is this instance able to serve? Load balancers and the admin
//! system page read it. 200 when every dependency answers, 503 when one does not.

use std::time::Duration;

use app::server::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

/// Longest the database probe may take before the database counts as down: a health
/// check that hangs is worse than one that says "no".
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    pub uptime_s: u64,
    pub version: &'static str,
}

pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let probe = app::server::db::ping(&state.pool);
    let database_ok = matches!(tokio::time::timeout(PROBE_TIMEOUT, probe).await, Ok(Ok(())));
    if !database_ok {
        tracing::warn!("health check: database did not answer");
    }
    let body = Health {
        status: if database_ok { "ok" } else { "degraded" },
        database: if database_ok { "ok" } else { "unavailable" },
        uptime_s: state.started_at.elapsed().as_secs(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let status = if database_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body))
}
