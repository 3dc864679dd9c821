//! Sending deliveries: the relay that turns new deliveries into jobs, and the job that
//! makes one attempt.
//!
//! Deliveries are written by triggers (in SQL, set-based: a bulk action over 10,000
//! cases writes its 10,000 deliveries in one statement), so they cannot enqueue jobs
//! themselves; the relay, woken by their NOTIFY (or its poll), takes new ones with
//! `SKIP LOCKED` and enqueues a job for each in the same transaction that marks them
//! queued: every delivery gets exactly one job, whichever instance's relay took it.
//!
//! Each attempt is a job. A failed attempt enqueues the next, due after the backoff,
//! in its own transaction with the attempt's record (underway's own retry delay counts
//! from a job's creation, so it cannot space attempts hours apart; its retries remain
//! for failures of our own code, like a lost database).

use std::sync::Arc;
use std::time::Duration;

use enrich::fetch::{FetchError, FetchPolicy, Fetcher};
use jiff::{Span, ToSpan};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use tokio_util::sync::CancellationToken;
use underway::task::{Error as TaskError, Result as TaskResult, RetryPolicy};
use underway::{Queue, Task};
use uuid::Uuid;

use super::signing;
use crate::model::AppError;
use crate::server::Config;
use crate::server::config::webhooks::WebhookConfig;
use crate::server::queue::JobKind;

/// The queue delivery attempts wait in.
pub const WEBHOOK_QUEUE: &str = "webhook";
/// The channel the triggers notify when they wrote deliveries.
pub const CHANNEL: &str = "webhook_deliveries";
/// Deliveries the relay takes in one transaction.
const RELAY_BATCH: i32 = 500;
/// The answer kept for the log.
const EXCERPT_BYTES: usize = 1024;

/// What a delivery job is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryInput {
    pub tenant_id: Uuid,
    pub delivery_id: i64,
}

/// The delivery job: one attempt, through the guarded client.
#[derive(Clone)]
pub struct DeliveryTask {
    pub fetcher: Fetcher,
    pub pool: PgPool,
    pub settings: Arc<WebhookConfig>,
    pub heartbeat: Duration,
}

impl DeliveryTask {
    pub fn from_config(config: &Config, pool: PgPool) -> Result<Self, String> {
        let settings = config.webhooks.clone();
        let fetcher = Fetcher::new(FetchPolicy {
            allow_loopback: config.fetch_allow_loopback,
            connect_timeout: Duration::from_secs(settings.webhook_timeout_s.min(10)),
            request_timeout: Duration::from_secs(settings.webhook_timeout_s),
            user_agent: format!("{} (webhooks)", outbound::USER_AGENT),
            ..FetchPolicy::default()
        })
        .map_err(|e| format!("the webhook client: {e}"))?;
        Ok(Self {
            fetcher,
            pool,
            settings: Arc::new(settings),
            heartbeat: Duration::from_secs(config.job_heartbeat_s),
        })
    }
}

impl Task for DeliveryTask {
    type Input = DeliveryInput;
    type Output = ();

    async fn execute(
        &self,
        tx: Transaction<'_, Postgres>,
        input: Self::Input,
    ) -> TaskResult<Self::Output> {
        attempt(self, tx, &input).await
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::builder()
            .max_attempts(5)
            .initial_interval_ms(1_000)
            .backoff_coefficient(2.0)
            .max_interval_ms(60_000)
            .build()
    }

    /// One POST with its timeout, and the writes around it.
    fn timeout(&self) -> Span {
        ((self.settings.webhook_timeout_s + 30) as i64).seconds()
    }

    fn heartbeat(&self) -> Span {
        (self.heartbeat.as_secs().max(1) as i64).seconds()
    }
}

/// Deliveries' queue in this process and the task its jobs run.
pub type DeliveryJobs = JobKind<DeliveryTask>;

impl DeliveryJobs {
    /// Hands new deliveries to jobs until none are left: woken by the triggers'
    /// NOTIFY, and every 5 s regardless (a notification can be lost with a
    /// connection). Runs until `stop`.
    pub async fn relay(&self, stop: CancellationToken) -> Result<(), AppError> {
        let queue = self.queue().await?;
        let mut listener = PgListener::connect_with(&self.task.pool)
            .await
            .map_err(crate::server::db::unavailable)?;
        listener
            .listen(CHANNEL)
            .await
            .map_err(crate::server::db::unavailable)?;
        loop {
            while relay_batch(&self.task, &queue).await? == RELAY_BATCH as usize {}
            tokio::select! {
                () = stop.cancelled() => return Ok(()),
                woken = listener.recv() => {
                    woken.map_err(crate::server::db::unavailable)?;
                }
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }
}

/// Takes up to [`RELAY_BATCH`] new deliveries and enqueues their jobs, in one
/// transaction; how many it took.
async fn relay_batch(task: &DeliveryTask, queue: &Queue<DeliveryTask>) -> Result<usize, AppError> {
    let mut tx = task
        .pool
        .begin()
        .await
        .map_err(crate::server::db::unavailable)?;
    let taken: Vec<(i64, Uuid)> = sqlx::query_as("SELECT * FROM webhook_take_new($1)")
        .bind(RELAY_BATCH)
        .fetch_all(&mut *tx)
        .await
        .map_err(crate::server::db::unavailable)?;
    for (delivery_id, tenant_id) in &taken {
        let input = DeliveryInput {
            tenant_id: *tenant_id,
            delivery_id: *delivery_id,
        };
        queue
            .enqueue(&mut *tx, task, &input)
            .await
            .map_err(|error| {
                tracing::error!(%error, "could not enqueue a webhook delivery");
                AppError::Unavailable
            })?;
    }
    tx.commit().await.map_err(crate::server::db::unavailable)?;
    Ok(taken.len())
}

#[derive(sqlx::FromRow)]
struct Pending {
    event_id: String,
    body: String,
    state: String,
    attempts: i32,
    round_start: i32,
    url: String,
    secret: String,
    enabled: bool,
}

/// How one attempt went.
struct Outcome {
    status: Option<u16>,
    latency_ms: i32,
    excerpt: Option<String>,
    error: Option<String>,
    /// Worth trying again later (a timeout, a refused connection, a 5xx, a 429…).
    transient: bool,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// One attempt of one delivery; its record, and the next attempt's job when it failed
/// and may be retried, are written in the job's transaction.
async fn attempt(
    task: &DeliveryTask,
    mut tx: Transaction<'_, Postgres>,
    input: &DeliveryInput,
) -> Result<(), TaskError> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(input.tenant_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(retryable)?;
    let pending: Option<Pending> = sqlx::query_as(
        "SELECT d.event_id, d.body, d.state, d.attempts, d.round_start, e.url, e.secret, e.enabled
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.id = $1",
    )
    .bind(input.delivery_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(retryable)?;
    // Gone with its endpoint, or already finished (a job that ran twice).
    let Some(pending) = pending.filter(|p| matches!(p.state.as_str(), "queued" | "retrying"))
    else {
        return Ok(());
    };
    let number = pending.attempts + 1;
    let outcome = if pending.enabled {
        send(task, &pending).await
    } else {
        Outcome {
            status: None,
            latency_ms: 0,
            excerpt: None,
            error: Some("the endpoint was turned off".to_string()),
            transient: false,
        }
    };
    let round = u32::try_from(number - pending.round_start).unwrap_or(u32::MAX);
    let retry =
        !outcome.delivered() && outcome.transient && round < task.settings.webhook_max_attempts;
    let wait = task.settings.wait_after(round);
    record(&mut tx, input, number, &outcome, retry.then_some(wait))
        .await
        .map_err(retryable)?;
    if retry {
        let queue = Queue::<DeliveryTask>::builder()
            .name(WEBHOOK_QUEUE)
            .pool(task.pool.clone())
            .build()
            .await
            .map_err(retryable)?;
        let span = (wait.as_millis().min(i64::MAX as u128) as i64).milliseconds();
        queue
            .enqueue_after(&mut *tx, task, input, span)
            .await
            .map_err(retryable)?;
    }
    tx.commit().await.map_err(retryable)?;
    Ok(())
}

/// The POST itself: signed for this attempt's time.
async fn send(task: &DeliveryTask, pending: &Pending) -> Outcome {
    let failed = |error: String, transient: bool| Outcome {
        status: None,
        latency_ms: 0,
        excerpt: None,
        error: Some(error),
        transient,
    };
    let url = match url::Url::parse(&pending.url) {
        Ok(url) => url,
        Err(error) => return failed(format!("the endpoint's address is invalid: {error}"), false),
    };
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = pending.body.as_bytes();
    let Some(signature) = signing::sign(&pending.secret, &pending.event_id, timestamp, body) else {
        return failed("the endpoint's secret is malformed".to_string(), false);
    };
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("webhook-id", pending.event_id.clone()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    match task
        .fetcher
        .post_json(&url, headers, body.to_vec(), EXCERPT_BYTES)
        .await
    {
        Ok(reply) => {
            let status = reply.status;
            let ok = (200..300).contains(&status);
            Outcome {
                status: Some(status),
                latency_ms: i32::try_from(reply.latency.as_millis()).unwrap_or(i32::MAX),
                // Postgres text holds no NUL.
                excerpt: Some(reply.excerpt.replace('\0', "")),
                error: (!ok).then(|| answer_error(status)),
                // 410 Gone says the receiver will never want it; other 4xx may be a
                // receiver being fixed, and a day of retries is what was promised.
                transient: !ok && status != 410,
            }
        }
        Err(error) => {
            let transient = error.is_transient();
            let message = match &error {
                FetchError::Refused { reason, .. } => {
                    format!("refused: the address leads inside a private network ({reason})")
                }
                FetchError::Timeout { .. } => {
                    format!("no answer within {} s", task.settings.webhook_timeout_s)
                }
                other => other.to_string(),
            };
            failed(message, transient)
        }
    }
}

fn answer_error(status: u16) -> String {
    match status {
        300..=399 => format!("answered HTTP {status} (a redirect: register the new address)"),
        410 => "answered HTTP 410 Gone: the receiver wants no more deliveries".to_string(),
        _ => format!("answered HTTP {status}"),
    }
}

/// The attempt's row, and the delivery's state after it.
async fn record(
    tx: &mut PgConnection,
    input: &DeliveryInput,
    number: i32,
    outcome: &Outcome,
    next: Option<Duration>,
) -> Result<(), sqlx::Error> {
    let status = outcome.status.and_then(|s| i16::try_from(s).ok());
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, tenant_id, response_status,
                                       latency_ms, response_excerpt, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(input.delivery_id)
    .bind(number)
    .bind(input.tenant_id)
    .bind(status)
    .bind(outcome.latency_ms)
    .bind(&outcome.excerpt)
    .bind(&outcome.error)
    .execute(&mut *tx)
    .await?;
    let state = match (outcome.delivered(), next) {
        (true, _) => "delivered",
        (false, Some(_)) => "retrying",
        (false, None) => "failed",
    };
    let next_ms = next.map(|wait| i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
    sqlx::query(
        "UPDATE webhook_deliveries
         SET state = $2, attempts = $3, last_attempt_at = now(), response_status = $4,
             latency_ms = $5, response_excerpt = $6, error = $7,
             next_attempt_at = now() + make_interval(secs => $8::float8 / 1000)
         WHERE id = $1",
    )
    .bind(input.delivery_id)
    .bind(state)
    .bind(number)
    .bind(status)
    .bind(outcome.latency_ms)
    .bind(&outcome.excerpt)
    .bind(&outcome.error)
    .bind(next_ms)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn retryable(error: impl std::fmt::Display) -> TaskError {
    TaskError::Retryable(error.to_string())
}
