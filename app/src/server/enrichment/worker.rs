//! Running an enrichment: the job (fetch → extract → analyse, each step announced
//! live), its retries with backoff, and the result written with the job's completion.

use std::sync::Arc;
use std::time::Duration;

use enrich::extract;
use enrich::provider::{Failure, Outcome};
use enrich::{Step, Usage};
use jiff::{Span, ToSpan};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use underway::task::{Error as TaskError, Result as TaskResult, RetryPolicy};
use underway::{Queue, Task};
use uuid::Uuid;

use super::Engine;
use crate::model::AppError;
use crate::server::db;
use crate::server::live::announce_company;
use crate::server::queue::LazyQueue;

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
        run(self, tx, &input).await
    }

    /// The queue's retries, for a job that fails in our own code (a lost database
    /// connection). A site or provider that fails is retried by the job itself, which
    /// enqueues the next attempt with its backoff (see [`run`]).
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

/// Enrichment's queue in this process and the task its jobs run.
pub struct EnrichJobs {
    pub task: EnrichTask,
    queue: LazyQueue<EnrichTask>,
}

impl EnrichJobs {
    pub fn new(task: EnrichTask) -> Self {
        let queue = LazyQueue::new(ENRICH_QUEUE, task.pool.clone());
        Self { task, queue }
    }

    pub async fn queue(&self) -> Result<Arc<Queue<EnrichTask>>, AppError> {
        self.queue.get().await
    }
}

/// One attempt of an enrichment job. Progress is written (and announced) in short
/// transactions of its own so the page sees it at once; the result is written in the
/// job's transaction, so "done" and the job's completion commit together: a worker
/// that dies before that commit leaves the job to be taken over and run again, and
/// the result is written once.
pub async fn run(
    task: &EnrichTask,
    mut job_tx: Transaction<'_, Postgres>,
    input: &EnrichInput,
) -> Result<(), TaskError> {
    let Some(claim) = claim(&task.pool, input).await.map_err(retryable)? else {
        // A newer request replaced this one (or the company is gone): nothing to do.
        return Ok(());
    };
    let outcome = analyse(task, input, &claim).await;
    match outcome {
        Ok(outcome) => {
            finish(&mut job_tx, input, &outcome)
                .await
                .map_err(retryable)?;
            job_tx.commit().await.map_err(retryable)?;
            Ok(())
        }
        Err(failure) => {
            if let Some(usage) = failure.usage() {
                // Paid for whatever happens next.
                record_usage(&task.pool, input, usage)
                    .await
                    .map_err(retryable)?;
            }
            let last = claim.attempts >= task.max_attempts as i32;
            match &failure {
                Failure::Retry {
                    reason,
                    retry_after,
                    ..
                } if !last => {
                    // Backoff: base × 2^(attempt − 1), or longer if the provider asked.
                    let backoff = Duration::from_millis(
                        u64::from(task.retry_base_ms)
                            .saturating_mul(1 << (claim.attempts - 1).clamp(0, 20)),
                    );
                    let wait = retry_after.map_or(backoff, |asked| asked.max(backoff));
                    set_waiting(&task.pool, input, claim.attempts, reason, wait)
                        .await
                        .map_err(retryable)?;
                    // The next attempt is a new job due after `wait`, enqueued in this
                    // job's transaction, so exactly one of the two is ever pending.
                    // (underway's own retry delay counts from when a job was first
                    // created, not from the failure, so it cannot back off by itself;
                    // its retries remain for failures of our own code.)
                    reschedule(task, &mut job_tx, input, wait).await?;
                    job_tx.commit().await.map_err(retryable)?;
                    Ok(())
                }
                _ => {
                    set_failed(&task.pool, input, &failure.to_string())
                        .await
                        .map_err(retryable)?;
                    Err(TaskError::Fatal(failure.to_string()))
                }
            }
        }
    }
}

fn retryable(error: impl std::fmt::Display) -> TaskError {
    TaskError::Retryable(error.to_string())
}

struct Claim {
    attempts: i32,
    name: String,
    website_url: String,
}

/// Marks the run started (one more attempt) if this job is still the company's current
/// request.
async fn claim(pool: &PgPool, input: &EnrichInput) -> Result<Option<Claim>, AppError> {
    db::write(pool, input.tenant_id, |mut tx| Box::pin(async move {
        let claimed: Option<(i32, String, String)> = sqlx::query_as(
            "UPDATE enrichments e SET status = 'running', step = 'fetching', attempts = e.attempts + 1,
                    started_at = now(), error = NULL
             FROM companies c
             WHERE e.company_id = $1 AND e.request_id = $2 AND c.id = e.company_id
               AND e.status IN ('queued', 'running')
             RETURNING e.attempts, c.name, c.website_url",
        )
        .bind(input.company_id)
        .bind(input.request_id)
        .fetch_optional(&mut *tx)
        .await?;
        if claimed.is_some() {
            sqlx::query("UPDATE enrichment_usage SET outcome = 'running' WHERE id = $1")
                .bind(input.request_id)
                .execute(&mut *tx)
                .await?;
            announce_company(&mut tx, input.tenant_id, input.company_id, "enrichment").await?;
        }
        Ok(claimed.map(|(attempts, name, website_url)| Claim {
            attempts,
            name,
            website_url,
        }))
    }))
    .await
}

async fn analyse(
    task: &EnrichTask,
    input: &EnrichInput,
    claim: &Claim,
) -> Result<Outcome, Failure> {
    let homepage = url::Url::parse(&claim.website_url).map_err(|_| Failure::Fatal {
        reason: "The website is not a valid address.".into(),
        usage: None,
    })?;
    let pages = task.engine.fetcher.fetch_site(&homepage).await?;
    set_step(&task.pool, input, Step::Extracting).await;
    let docs: Vec<_> = pages.iter().map(extract::extract).collect();
    set_step(&task.pool, input, Step::Scoring).await;
    let today = OffsetDateTime::now_utc().date();
    let today = enrich::heuristic::Today {
        year: today.year(),
        month: u8::from(today.month()),
        day: today.day(),
    };
    task.engine
        .analyser
        .analyse(&claim.name, &claim.website_url, &docs, today)
        .await
}

/// Progress is best effort: a lost step update only makes the page less chatty.
async fn set_step(pool: &PgPool, input: &EnrichInput, step: Step) {
    let result = db::write(pool, input.tenant_id, |mut tx| {
        Box::pin(async move {
            sqlx::query(
                "UPDATE enrichments SET step = $3 WHERE company_id = $1 AND request_id = $2",
            )
            .bind(input.company_id)
            .bind(input.request_id)
            .bind(step.as_str())
            .execute(&mut *tx)
            .await?;
            Ok(announce_company(&mut tx, input.tenant_id, input.company_id, "enrichment").await?)
        })
    })
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not record an enrichment step");
    }
}

async fn finish(
    tx: &mut PgConnection,
    input: &EnrichInput,
    outcome: &Outcome,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(input.tenant_id.to_string())
        .execute(&mut *tx)
        .await?;
    let found = &outcome.enrichment;
    let usage = outcome.usage.clone().unwrap_or(Usage {
        model: String::new(),
        tokens_in: 0,
        tokens_out: 0,
        cost_micros: 0,
    });
    count_cost(&usage);
    let updated = sqlx::query(
        "UPDATE enrichments SET status = 'done', step = NULL, error = NULL, finished_at = now(),
                summary = $3, what_they_do = $4, keywords = $5, signals = $6, sources = $7,
                score = $8, confidence = $9, provider = $10, model = $11,
                tokens_in = $12, tokens_out = $13, cost_micros = $14, enriched_at = now()
         WHERE company_id = $1 AND request_id = $2",
    )
    .bind(input.company_id)
    .bind(input.request_id)
    .bind(&found.summary)
    .bind(json(&found.what_they_do))
    .bind(json(&found.keywords))
    .bind(json(&found.signals))
    .bind(json(&found.sources))
    .bind(i16::from(found.score.min(100)))
    .bind(found.confidence)
    .bind(outcome.provider)
    .bind(&outcome.model)
    .bind(usage.tokens_in)
    .bind(usage.tokens_out)
    .bind(usage.cost_micros)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        // Superseded while running: the newer request's job will write its own result.
        return Ok(());
    }
    let text: String = std::iter::once(found.summary.as_str())
        .chain(found.keywords.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    sqlx::query(
        "UPDATE companies SET score = $2, confidence = $3, enriched_at = now(), enrichment_text = $4
         WHERE id = $1",
    )
    .bind(input.company_id)
    .bind(i16::from(found.score.min(100)))
    .bind(found.confidence)
    .bind(text.chars().take(4000).collect::<String>())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE enrichment_usage SET outcome = 'done', finished_at = now(),
                tokens_in = tokens_in + $2, tokens_out = tokens_out + $3, cost_micros = cost_micros + $4
         WHERE id = $1",
    )
    .bind(input.request_id)
    .bind(usage.tokens_in)
    .bind(usage.tokens_out)
    .bind(usage.cost_micros)
    .execute(&mut *tx)
    .await?;
    let outcome = format!("Score {} of 100", found.score.min(100));
    crate::server::notifications::enrichment_finished(
        tx,
        input.tenant_id,
        input.company_id,
        input.request_id,
        false,
        &outcome,
    )
    .await?;
    announce_company(tx, input.tenant_id, input.company_id, "enrichment").await
}

/// JSON of one of the result's parts (plain serde types: this cannot fail).
fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// What the provider charged, in `/metrics`, when it answered (whatever became of the
/// result: the money is spent either way).
fn count_cost(usage: &Usage) {
    metrics::counter!("casework_enrichment_tokens_total", "direction" => "in")
        .increment(u64::try_from(usage.tokens_in).unwrap_or(0));
    metrics::counter!("casework_enrichment_tokens_total", "direction" => "out")
        .increment(u64::try_from(usage.tokens_out).unwrap_or(0));
    metrics::counter!("casework_enrichment_cost_usd_micros_total")
        .increment(u64::try_from(usage.cost_micros).unwrap_or(0));
}

async fn record_usage(pool: &PgPool, input: &EnrichInput, usage: &Usage) -> Result<(), AppError> {
    count_cost(usage);
    db::write(pool, input.tenant_id, |mut tx| {
        Box::pin(async move {
            sqlx::query(
            "UPDATE enrichment_usage SET tokens_in = tokens_in + $2, tokens_out = tokens_out + $3,
                    cost_micros = cost_micros + $4, model = coalesce(model, $5)
             WHERE id = $1",
        )
        .bind(input.request_id)
        .bind(usage.tokens_in)
        .bind(usage.tokens_out)
        .bind(usage.cost_micros)
        .bind(&usage.model)
        .execute(&mut *tx)
        .await?;
            Ok(())
        })
    })
    .await
}

/// A failed attempt that will be retried: back to queued, saying why and when.
async fn set_waiting(
    pool: &PgPool,
    input: &EnrichInput,
    attempts: i32,
    reason: &str,
    wait: Duration,
) -> Result<(), AppError> {
    let message = format!(
        "Attempt {attempts} failed: {}. Trying again in {} s.",
        reason.trim_end_matches('.'),
        wait.as_secs().max(1)
    );
    let message = &message;
    db::write(pool, input.tenant_id, |mut tx| {
        Box::pin(async move {
            sqlx::query(
                "UPDATE enrichments SET status = 'queued', step = NULL, error = $3
             WHERE company_id = $1 AND request_id = $2",
            )
            .bind(input.company_id)
            .bind(input.request_id)
            .bind(message)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE enrichment_usage SET outcome = 'queued' WHERE id = $1")
                .bind(input.request_id)
                .execute(&mut *tx)
                .await?;
            Ok(announce_company(&mut tx, input.tenant_id, input.company_id, "enrichment").await?)
        })
    })
    .await
}

async fn set_failed(pool: &PgPool, input: &EnrichInput, reason: &str) -> Result<(), AppError> {
    db::write(pool, input.tenant_id, |mut tx| {
        Box::pin(async move {
            sqlx::query(
            "UPDATE enrichments SET status = 'failed', step = NULL, error = $3, finished_at = now()
             WHERE company_id = $1 AND request_id = $2",
        )
        .bind(input.company_id)
        .bind(input.request_id)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
            sqlx::query(
                "UPDATE enrichment_usage SET outcome = 'failed', finished_at = now() WHERE id = $1",
            )
            .bind(input.request_id)
            .execute(&mut *tx)
            .await?;
            crate::server::notifications::enrichment_finished(
                &mut tx,
                input.tenant_id,
                input.company_id,
                input.request_id,
                true,
                reason,
            )
            .await?;
            Ok(announce_company(&mut tx, input.tenant_id, input.company_id, "enrichment").await?)
        })
    })
    .await
}

async fn reschedule(
    task: &EnrichTask,
    tx: &mut PgConnection,
    input: &EnrichInput,
    wait: Duration,
) -> Result<(), TaskError> {
    let queue = underway::Queue::<EnrichTask>::builder()
        .name(ENRICH_QUEUE)
        .pool(task.pool.clone())
        .build()
        .await
        .map_err(retryable)?;
    let span = jiff::ToSpan::milliseconds(wait.as_millis().min(i64::MAX as u128) as i64);
    queue
        .enqueue_after(&mut *tx, task, input, span)
        .await
        .map(|_| ())
        .map_err(retryable)
}
