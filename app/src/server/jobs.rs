//! Background jobs, on underway's Postgres queue: a job is a row enqueued in the same
//! transaction as the write that asks for it (so it exists exactly when that write
//! does), workers take jobs with `FOR UPDATE SKIP LOCKED`, a failed job is retried with
//! exponential backoff, and a running job sends heartbeats: when its worker dies they
//! stop, and another worker takes the job over.
//!
//! `serve` runs workers in-process (WORKERS, default 2); `casework worker` runs them
//! alone, for scale-out.

use std::sync::Arc;
use std::time::Duration;

use jiff::{Span, ToSpan};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool, Postgres, Transaction};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use underway::task::{Result as TaskResult, RetryPolicy};
use underway::{Queue, Task, Worker};
use uuid::Uuid;

use super::Config;
use super::db::APP_ROLE;
use super::enrichment::{self, Engine};
use crate::model::AppError;

/// The queue enrichment jobs wait in.
pub const ENRICH_QUEUE: &str = "enrich";

/// What an enrichment job is given: which company, and which request (the usage
/// ledger row) it fulfils.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichInput {
    pub tenant_id: Uuid,
    pub company_id: i64,
    pub request_id: i64,
}

/// The enrichment job: runs the pipeline with the engine (fetcher + analyser).
#[derive(Clone)]
pub struct EnrichTask {
    pub engine: Arc<Engine>,
    pub pool: PgPool,
    pub max_attempts: u32,
    pub retry_base_ms: u32,
    pub heartbeat: Duration,
}

impl Task for EnrichTask {
    type Input = EnrichInput;
    type Output = ();

    async fn execute(
        &self,
        tx: Transaction<'_, Postgres>,
        input: Self::Input,
    ) -> TaskResult<Self::Output> {
        enrichment::run(self, tx, &input).await
    }

    /// The queue's retries, for a job that fails in our own code (a lost database
    /// connection). A site or provider that fails is retried by the job itself, which
    /// enqueues the next attempt with its backoff (see `enrichment::run`).
    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::builder()
            .max_attempts(self.max_attempts as i32)
            .initial_interval_ms(self.retry_base_ms as i32)
            .backoff_coefficient(2.0)
            .max_interval_ms(10 * 60 * 1000)
            .build()
    }

    /// Fetching five pages and one provider call fit easily; a hung run is cut off and
    /// retried.
    fn timeout(&self) -> Span {
        5.minutes()
    }

    fn heartbeat(&self) -> Span {
        (self.heartbeat.as_secs().max(1) as i64).seconds()
    }
}

/// The job system of one process: the task (with its engine) and the queue, created on
/// first use because creating it touches the database (which may be down at start).
pub struct Jobs {
    pub task: EnrichTask,
    pub pool: PgPool,
    queue: OnceCell<Arc<Queue<EnrichTask>>>,
}

impl Jobs {
    pub fn new(config: &Config) -> Result<Self, String> {
        let pool = jobs_pool(config)?;
        Ok(Self {
            task: EnrichTask {
                engine: Arc::new(Engine::from_config(config)?),
                pool: pool.clone(),
                max_attempts: config.enrich_max_attempts,
                retry_base_ms: config.enrich_retry_base_ms,
                heartbeat: Duration::from_secs(config.job_heartbeat_s),
            },
            pool,
            queue: OnceCell::new(),
        })
    }

    pub async fn queue(&self) -> Result<Arc<Queue<EnrichTask>>, AppError> {
        self.queue
            .get_or_try_init(|| async {
                Queue::builder()
                    .name(ENRICH_QUEUE)
                    .pool(self.pool.clone())
                    .build()
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
            .map_err(|error| {
                tracing::error!(%error, "job queue unavailable");
                AppError::Unavailable
            })
    }

    /// Runs `concurrency` workers until `stop` is cancelled; running jobs then get
    /// their timeout to finish.
    pub async fn run_workers(
        &self,
        concurrency: usize,
        stop: CancellationToken,
    ) -> Result<(), AppError> {
        let queue = self.queue().await?;
        let mut worker = Worker::new(queue, self.task.clone());
        worker.set_concurrency_limit(concurrency.max(1));
        worker.set_shutdown_token(stop);
        // New jobs wake the worker through NOTIFY; the poll is only a fallback.
        worker.run_every(5.seconds()).await.map_err(|error| {
            tracing::error!(%error, "worker stopped");
            AppError::Unavailable
        })
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

/// The jobs' own pool: a running job holds a connection for its whole run (the queue's
/// transaction and advisory lock), so jobs never take request connections. Same role
/// as requests: row-level security applies to job writes too.
fn jobs_pool(config: &Config) -> Result<PgPool, String> {
    Ok(PgPoolOptions::new()
        // Per running job: its transaction and a heartbeat; plus the worker's two
        // listeners and a few short progress writes.
        .max_connections(config.workers.max(1) * 2 + 4)
        .acquire_timeout(config.acquire_timeout())
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(format!("SET ROLE {APP_ROLE}").as_str())
                    .await?;
                Ok(())
            })
        })
        .connect_lazy_with(
            config
                .connect_options()
                .map_err(|e| format!("DATABASE_URL: {e}"))?,
        ))
}

/// underway's schema (its own migrations, in schema `underway`), and the app role's
/// access to it. Run after ours, by the migration step.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::Error> {
    underway::run_migrations(pool).await?;
    let mut tx = pool.begin().await?;
    for statement in [
        format!("GRANT USAGE ON SCHEMA underway TO {APP_ROLE}"),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA underway TO {APP_ROLE}"
        ),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA underway TO {APP_ROLE}"),
        format!("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA underway TO {APP_ROLE}"),
    ] {
        tx.execute(statement.as_str()).await?;
    }
    tx.commit().await
}
