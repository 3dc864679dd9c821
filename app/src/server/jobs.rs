//! Background jobs, on underway's Postgres queue: a job is a row enqueued in the same
//! transaction as the write that asks for it (so it exists exactly when that write
//! does), workers take jobs with `FOR UPDATE SKIP LOCKED`, a failed job is retried with
//! exponential backoff, and a running job sends heartbeats: when its worker dies they
//! stop, and another worker takes the job over.
//!
//! `serve` runs workers in-process (WORKERS, default 2); `casework worker` runs them
//! alone, for scale-out. Both also run the sync schedule ([`super::sync::schedule`]).

use std::sync::Arc;
use std::time::Duration;

use jiff::ToSpan;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use underway::Worker;

use super::Config;
use super::db;
use super::enrichment::{Engine, EnrichJobs, EnrichTask};
use super::imports::job::{IMPORT_QUEUE, ImportJobs, ImportTask};
use super::storage::Storage;
use super::sync::{SyncJobs, SyncTask};
use super::webhooks::delivery::{DeliveryJobs, DeliveryTask, WEBHOOK_QUEUE};
use crate::model::AppError;

/// The job system of one process: each kind of job's queue and task (enrichment, CRM
/// sync, webhook deliveries), and the pool jobs run on.
pub struct Jobs {
    pub enrich: EnrichJobs,
    pub sync: Arc<SyncJobs>,
    pub webhooks: DeliveryJobs,
    pub imports: ImportJobs,
    pub pool: PgPool,
}

impl Jobs {
    pub fn new(config: &Config) -> Result<Self, String> {
        let pool = db::jobs_pool(config)?;
        let heartbeat = Duration::from_secs(config.job_heartbeat_s);
        Ok(Self {
            enrich: EnrichJobs::new(EnrichTask {
                engine: Arc::new(Engine::from_config(config)?),
                pool: pool.clone(),
                max_attempts: config.enrich_max_attempts,
                retry_base_ms: config.enrich_retry_base_ms,
                heartbeat,
            }),
            sync: Arc::new(SyncJobs::new(SyncTask {
                pool: pool.clone(),
                storage: Storage::open(&config.sync.storage_url)?,
                settings: Arc::new(config.sync.settings()),
                heartbeat,
            })),
            webhooks: DeliveryJobs::new(
                WEBHOOK_QUEUE,
                pool.clone(),
                DeliveryTask::from_config(config, pool.clone())?,
            ),
            imports: ImportJobs::new(
                IMPORT_QUEUE,
                pool.clone(),
                ImportTask {
                    pool: pool.clone(),
                    storage: Storage::open(&config.sync.storage_url)?,
                    heartbeat,
                },
            ),
            pool,
        })
    }

    /// Runs `concurrency` workers until `stop` is cancelled; running jobs then get
    /// their timeout to finish.
    pub async fn run_workers(
        &self,
        concurrency: usize,
        stop: CancellationToken,
    ) -> Result<(), AppError> {
        let queue = self.enrich.queue().await?;
        let mut enrich = Worker::new(queue, self.enrich.task.clone());
        enrich.set_concurrency_limit(concurrency.max(1));
        enrich.set_shutdown_token(stop.clone());
        // Sync runs one at a time per worker: each runs its own parallel downloads.
        let mut sync = Worker::new(self.sync.queue().await?, self.sync.task.clone());
        sync.set_concurrency_limit(1);
        sync.set_shutdown_token(stop.clone());
        // Deliveries mostly wait on receivers: more of them at once than of the rest.
        let mut deliver = Worker::new(self.webhooks.queue().await?, self.webhooks.task.clone());
        deliver.set_concurrency_limit(concurrency.max(1) * 2);
        deliver.set_shutdown_token(stop.clone());
        // Imports, one at a time per worker: each writes its batches as fast as it can.
        let mut import = Worker::new(self.imports.queue().await?, self.imports.task.clone());
        import.set_concurrency_limit(1);
        import.set_shutdown_token(stop.clone());
        let failed = |error| {
            tracing::error!(%error, "worker stopped");
            AppError::Unavailable
        };
        // New jobs wake the workers through NOTIFY; the poll is only a fallback.
        tokio::try_join!(
            async { enrich.run_every(5.seconds()).await.map_err(failed) },
            async { sync.run_every(5.seconds()).await.map_err(failed) },
            async {
                // A retry is due after its wait, not when it was enqueued, so no NOTIFY
                // wakes the worker for it: the poll is what finds it, and must not be
                // coarser than the shortest wait.
                let poll = self.webhooks.task.settings.webhook_retry_base_ms.min(5_000);
                deliver
                    .run_every((poll as i64).milliseconds())
                    .await
                    .map_err(failed)
            },
            async { import.run_every(5.seconds()).await.map_err(failed) },
            self.webhooks.relay(stop),
        )
        .map(drop)
    }

    /// Workers in the background of this process, restarted after a lost database.
    pub fn spawn_workers(self: &Arc<Self>, concurrency: usize, stop: CancellationToken) {
        let jobs = Arc::clone(self);
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(500);
            while !stop.is_cancelled() {
                if jobs.run_workers(concurrency, stop.clone()).await.is_ok() {
                    break;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        });
    }
}
