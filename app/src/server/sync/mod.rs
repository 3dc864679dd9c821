//! CRM sync (seed 000): the contractor directory filled from Zoho CRM. A run is a job
//! ([`job`]); asking for one goes through [`request_run`], which is where the
//! one-run-per-tenant lock and the manual-run limit are kept; Zoho's webhooks land in
//! [`webhook`]; scheduled runs and channel renewals in [`schedule`].

pub mod admin;
pub mod connection;
pub mod job;
mod photo_fetch;
pub mod schedule;
pub mod webhook;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;
use uuid::Uuid;

pub use connection::Connection;
pub use job::{SYNC_QUEUE, SyncInput, SyncJobs, SyncTask};

use crate::model::{AppError, Viewer};
use crate::server::audit::{self, Subject};
use crate::server::db;

/// How runs reach Zoho and how hard they push (from the configuration).
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Overrides the data centre's accounts server (`ZOHO_ACCOUNTS_URL`).
    pub accounts_url: Option<Url>,
    /// Overrides the token answer's `api_domain` (`ZOHO_API_URL`).
    pub api_url: Option<Url>,
    /// Photos downloaded at once (`ZOHO_PHOTO_PARALLELISM`).
    pub photo_parallelism: usize,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub backoff: outbound::Backoff,
    /// Time between two manual runs of one tenant.
    pub manual_interval: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            accounts_url: None,
            api_url: None,
            photo_parallelism: 8,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            backoff: outbound::Backoff::default(),
            manual_interval: Duration::from_secs(600),
        }
    }
}

pub use crate::server::live::announce_sync as announce;

/// What a request for a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Requested {
    Queued {
        run_id: i64,
    },
    /// One was queued or running already: this is it.
    AlreadyRunning {
        run_id: i64,
    },
}

/// Who asks for a run.
#[derive(Debug, Clone, Copy)]
pub enum Trigger<'a> {
    Manual(&'a Viewer),
    Schedule(Uuid),
}

/// Asks for a run of the tenant's sync (`full`: every record, else what changed since
/// the last run). One run per tenant at a time, in every process: the connection row is
/// locked while asking, and the database refuses a second active run besides. A manual
/// run is refused (429, with the wait) within ten minutes of the last manual one.
pub async fn request_run(
    pool: &sqlx::PgPool,
    jobs: &SyncJobs,
    trigger: Trigger<'_>,
    full: bool,
    manual_interval: Duration,
) -> Result<Requested, AppError> {
    let queue = jobs.queue().await?;
    let queue = &queue;
    let (tenant_id, user_id) = match trigger {
        Trigger::Manual(viewer) => (viewer.tenant_id, Some(viewer.user_id)),
        Trigger::Schedule(tenant_id) => (tenant_id, None),
    };
    let manual = matches!(trigger, Trigger::Manual(_));
    db::write(pool, tenant_id, |mut tx| {
        Box::pin(async move {
            let connection = Connection::lock(&mut tx)
                .await?
                .ok_or_else(|| AppError::invalid("zoho", "connect Zoho CRM first"))?;
            let active: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM sync_runs WHERE tenant_id = $1 AND status IN ('queued', 'running')",
            )
            .bind(tenant_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(run_id) = active {
                return Ok(Requested::AlreadyRunning { run_id });
            }
            if manual {
                let since: Option<f64> = sqlx::query_scalar(
                    "SELECT extract(epoch FROM now() - $1::timestamptz)::float8",
                )
                .bind(connection.last_manual_at)
                .fetch_one(&mut *tx)
                .await?;
                let wait = since
                    .map(|s| manual_interval.as_secs_f64() - s)
                    .unwrap_or(0.0);
                if wait > 0.0 {
                    Err(AppError::RateLimited {
                        retry_after: wait.ceil() as u64,
                    })?;
                }
                sqlx::query(
                    "UPDATE zoho_connections SET last_manual_at = now() WHERE tenant_id = $1",
                )
                .bind(tenant_id)
                .execute(&mut *tx)
                .await?;
            }
            let run_id: i64 = sqlx::query_scalar(
                "INSERT INTO sync_runs (tenant_id, full_sync, trigger, requested_by)
             VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(tenant_id)
            .bind(full)
            .bind(if manual { "manual" } else { "schedule" })
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
            let actor = audit::Actor { tenant_id, user_id };
            let after = serde_json::json!({"run_id": run_id, "full": full});
            audit::record(
                &mut tx,
                actor,
                Subject::Integration,
                "sync_requested",
                None,
                Some(after),
            )
            .await?;
            let input = SyncInput { tenant_id, run_id };
            if let Err(error) = queue.enqueue(&mut *tx, &jobs.task, &input).await {
                tracing::error!(%error, "could not enqueue a sync run");
                Err(AppError::Unavailable)?;
            }
            announce(&mut tx, tenant_id, run_id).await?;
            Ok(Requested::Queued { run_id })
        })
    })
    .await
}
