//! What runs by the clock, in every `serve` and `worker` process: scheduled sync runs
//! (a tenant's every N minutes) and the renewal of Zoho notification channels, which
//! Zoho ends after a day at most. Every process ticks; the run request's lock makes
//! the work happen once.

use std::time::Duration;

use secrecy::ExposeSecret;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use url::Url;
use uuid::Uuid;

use super::connection::Connection;
use super::job::SyncJobs;
use super::{Trigger, request_run};
use crate::model::AppError;
use crate::server::audit::{self, Subject};
use crate::server::db;

/// How long a channel is enabled for (Zoho's most is a day).
const CHANNEL_LIFETIME: time::Duration = time::Duration::hours(23);

/// Ticks every `every` until `stop`.
pub async fn run(
    jobs: std::sync::Arc<SyncJobs>,
    public_url: Url,
    every: Duration,
    stop: CancellationToken,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = interval.tick() => {}
        }
        if let Err(error) = tick(&jobs, &public_url).await {
            tracing::warn!(%error, "sync schedule: tick failed");
        }
    }
}

/// One tick: queue the runs that are due, renew the channels that end soon.
pub async fn tick(jobs: &SyncJobs, public_url: &Url) -> Result<(), AppError> {
    let pool = &jobs.task.pool;
    let due: Vec<(Uuid, bool, bool)> =
        sqlx::query_as("SELECT tenant_id, run_due, channel_due FROM zoho_due_tenants()")
            .fetch_all(pool)
            .await
            .map_err(db::unavailable)?;
    for (tenant_id, run_due, channel_due) in due {
        if run_due {
            let requested = request_run(
                &jobs.task.pool,
                jobs,
                Trigger::Schedule(tenant_id),
                false,
                Duration::ZERO,
            )
            .await;
            if let Err(error) = requested {
                tracing::warn!(%error, %tenant_id, "sync schedule: could not queue a run");
            }
        }
        if channel_due {
            enable_channel(jobs, tenant_id, public_url).await?;
        }
    }
    Ok(())
}

/// Where Zoho posts a tenant's notifications.
pub fn notify_url(public_url: &Url, tenant_id: Uuid) -> Url {
    let mut url = public_url.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty()
            .extend(["webhooks", "zoho", &tenant_id.to_string()]);
    }
    url
}

/// Enables (or renews) the tenant's notification channel in Zoho and notes the
/// outcome on the connection (the admin page shows it).
pub async fn enable_channel(
    jobs: &SyncJobs,
    tenant_id: Uuid,
    public_url: &Url,
) -> Result<(), AppError> {
    let pool = &jobs.task.pool;
    let mut tx = db::tenant_tx(pool, tenant_id).await?;
    let connection = Connection::load(&mut tx).await.map_err(db::internal)?;
    db::end_read(tx);
    let Some(connection) = connection else {
        return Ok(());
    };
    let expiry = OffsetDateTime::now_utc() + CHANNEL_LIFETIME;
    let outcome = match connection.client(&jobs.task.settings) {
        Ok(client) => client
            .watch(
                &connection.channel_id,
                &connection.channel_token,
                &notify_url(public_url, tenant_id),
                expiry,
            )
            .await
            .map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    };
    let token_len = connection.channel_token.expose_secret().len();
    let outcome = &outcome;
    db::write(pool, tenant_id, |mut tx| Box::pin(async move {
        match outcome {
            Ok(()) => {
                sqlx::query("UPDATE zoho_connections SET channel_expires_at = $1, channel_error = NULL WHERE tenant_id = $2")
                    .bind(expiry)
                    .bind(tenant_id)
                    .execute(&mut *tx)
                    .await?;
                let after = serde_json::json!({"expires_at": expiry.unix_timestamp(), "token_length": token_len});
                audit::record(&mut tx, audit::Actor::system(tenant_id), Subject::Integration, "channel_enabled", None, Some(after)).await?;
            }
            Err(why) => {
                // Retried at the next tick while the channel is missing or ending.
                sqlx::query("UPDATE zoho_connections SET channel_error = $1 WHERE tenant_id = $2")
                    .bind(why.chars().take(300).collect::<String>())
                    .bind(tenant_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(())
    }))
    .await
}
