//! Enrichment: asking for one (role, the per-person hourly limit, the workspace's
//! monthly budget, then a job enqueued in the same transaction), running it (the job:
//! fetch → extract → analyse, each step announced live), and reading where it is.
//!
//! The ledger (`enrichment_usage`) has one row per enrichment asked for. The hourly
//! limit counts those rows (a sliding hour, exact across server instances, since it is
//! the database that counts); tokens and cost are added to the row whenever a provider
//! reports real usage, including on a failed attempt.

use std::time::Duration;

use enrich::extract;
use enrich::fetch::{FetchPolicy, Fetcher};
use enrich::openai::{OpenAiClient, OpenAiConfig, PriceTable};
use enrich::provider::{Analyser, Failure, Outcome};
use enrich::{Step, Usage};
use secrecy::ExposeSecret;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use underway::task::Error as TaskError;

use super::authz::{self, Capability};
use super::config::{EnrichProvider, PlanLimits};
use super::db::{internal, write_tx};
use super::jobs::{EnrichInput, EnrichTask, Jobs};
use super::live::announce_company;
use super::{Config, retry};
use crate::model::{
    AppError, EnrichmentResult, EnrichmentStatus, EnrichmentView, Quota, Role, Viewer,
};

/// What runs an enrichment: the guarded fetcher and the configured analyser.
pub struct Engine {
    pub fetcher: Fetcher,
    pub analyser: Analyser,
}

impl Engine {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let fetcher = Fetcher::new(FetchPolicy {
            allow_loopback: config.fetch_allow_loopback,
            ..FetchPolicy::default()
        })
        .map_err(|e| format!("the website fetcher: {e}"))?;
        let analyser = match config.enrich_provider {
            EnrichProvider::Heuristic => Analyser::Heuristic,
            EnrichProvider::Openai => {
                let base = url::Url::parse(&config.openai_base_url)
                    .map_err(|e| format!("OPENAI_BASE_URL: {e}"))?;
                let mut openai = OpenAiConfig::new(base, config.openai_model.clone());
                if let Some(key) = &config.openai_api_key {
                    openai = openai.with_api_key(key.expose_secret());
                }
                openai.prices = PriceTable::parse(&config.openai_prices)
                    .map_err(|e| format!("OPENAI_PRICES: {e}"))?;
                openai.timeout = Duration::from_secs(config.openai_timeout_s);
                Analyser::OpenAi(
                    OpenAiClient::new(openai).map_err(|e| format!("OpenAI settings: {e}"))?,
                )
            }
        };
        Ok(Self { fetcher, analyser })
    }
}

/// Who may enrich: analysts and admins; employees only where the workspace allows it.
pub async fn may_enrich(conn: &mut PgConnection, viewer: &Viewer) -> Result<bool, sqlx::Error> {
    if authz::allows(viewer.role, Capability::UseCompanies) {
        return Ok(true);
    }
    if viewer.role != Role::Employee {
        return Ok(false);
    }
    sqlx::query_scalar("SELECT employees_may_enrich FROM tenants WHERE id = $1")
        .bind(viewer.tenant_id)
        .fetch_optional(&mut *conn)
        .await
        .map(|allowed| allowed.unwrap_or(false))
}

/// The viewer's hourly enrichments and the workspace's monthly spend.
pub async fn quota(
    conn: &mut PgConnection,
    viewer: &Viewer,
    limits: &PlanLimits,
) -> Result<Quota, sqlx::Error> {
    let (plan, budget_micros): (String, i64) =
        sqlx::query_as("SELECT plan::text, enrich_budget_micros FROM tenants WHERE id = $1")
            .bind(viewer.tenant_id)
            .fetch_one(&mut *conn)
            .await?;
    let (used, oldest_age_s): (i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*), extract(epoch FROM now() - min(requested_at))::float8
         FROM enrichment_usage
         WHERE tenant_id = $1 AND user_id = $2 AND requested_at > now() - interval '1 hour'",
    )
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .fetch_one(&mut *conn)
    .await?;
    let spent: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(cost_micros), 0)::bigint FROM enrichment_usage
         WHERE tenant_id = $1 AND requested_at >= date_trunc('month', now())",
    )
    .bind(viewer.tenant_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Quota {
        per_hour: limits.for_plan(&plan),
        used_this_hour: used.max(0) as u32,
        frees_in_s: oldest_age_s
            .map(|age| (3600.0 - age).ceil().max(1.0) as u64)
            .unwrap_or(0),
        budget_micros,
        spent_this_month_micros: spent,
        may_enrich: may_enrich(conn, viewer).await?,
    })
}

/// Asks for an enrichment of `company_id`. Returns at once: the job runs in the
/// background. A company already queued or running is not queued twice (and that costs
/// no quota). Refusals: 403 (role), 404 (not in this workspace), 429 with the wait when
/// the hourly limit is reached, 422 naming the budget when the month's is spent.
pub async fn request(
    pool: &PgPool,
    jobs: &Jobs,
    viewer: &Viewer,
    company_id: i64,
    limits: &PlanLimits,
) -> Result<(), AppError> {
    request_outcome(pool, jobs, viewer, company_id, limits)
        .await
        .map(|_| ())
}

/// What [`request`] did when it did not refuse: "Enrich all" on a list reports the two
/// apart ("12 queued, 3 already running").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A new run was queued (one of the hour's quota spent).
    Queued,
    /// A run was already queued or running: nothing new, no quota spent.
    AlreadyActive,
}

/// [`request`], saying whether a job was queued or one was already under way.
pub async fn request_outcome(
    pool: &PgPool,
    jobs: &Jobs,
    viewer: &Viewer,
    company_id: i64,
    limits: &PlanLimits,
) -> Result<Requested, AppError> {
    // The queue is created (once) before the transaction, so that a database problem
    // there is a clear 503 rather than a half-done request.
    let queue = jobs.queue().await?;
    retry::transient(|| request_once(pool, jobs, &queue, viewer, company_id, limits))
        .await
        .map_err(retry::give_up)?
}

async fn request_once(
    pool: &PgPool,
    jobs: &Jobs,
    queue: &underway::Queue<EnrichTask>,
    viewer: &Viewer,
    company_id: i64,
    limits: &PlanLimits,
) -> Result<Result<Requested, AppError>, sqlx::Error> {
    let mut tx = write_tx(pool, viewer.tenant_id).await?;
    if !may_enrich(&mut tx, viewer).await? {
        return Ok(Err(AppError::Forbidden));
    }
    // One person's requests one at a time: the count below is then exact, however
    // many tabs click at once.
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
        .bind(viewer.user_id)
        .execute(&mut *tx)
        .await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM companies WHERE id = $1 FOR UPDATE")
            .bind(company_id)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        return Ok(Err(AppError::NotFound));
    }
    let active: Option<EnrichmentStatus> =
        sqlx::query_scalar("SELECT status FROM enrichments WHERE company_id = $1")
            .bind(company_id)
            .fetch_optional(&mut *tx)
            .await?;
    if active.is_some_and(EnrichmentStatus::is_active) {
        return Ok(Ok(Requested::AlreadyActive));
    }
    let quota = quota(&mut tx, viewer, limits).await?;
    if quota.remaining() == 0 {
        return Ok(Err(AppError::RateLimited {
            retry_after: quota.frees_in_s.max(1),
        }));
    }
    if quota.spent_this_month_micros >= quota.budget_micros {
        return Ok(Err(AppError::invalid(
            "budget",
            format!(
                "this workspace has spent its enrichment budget for the month ({} of {}); an admin can raise it",
                crate::model::format_usd(quota.spent_this_month_micros),
                crate::model::format_usd(quota.budget_micros)
            ),
        )));
    }
    let analyser = &jobs.task.engine.analyser;
    let request_id: i64 = sqlx::query_scalar(
        "INSERT INTO enrichment_usage (tenant_id, user_id, company_id, provider, model)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .bind(company_id)
    .bind(analyser.provider())
    .bind(analyser.model())
    .fetch_one(&mut *tx)
    .await?;
    // A new run; the last good result stays until a newer one replaces it.
    sqlx::query(
        "INSERT INTO enrichments (company_id, tenant_id, status, requested_by, request_id)
         VALUES ($1, $2, 'queued', $3, $4)
         ON CONFLICT (company_id) DO UPDATE SET
             status = 'queued', step = NULL, attempts = 0, error = NULL,
             requested_by = $3, requested_at = now(), request_id = $4,
             started_at = NULL, finished_at = NULL",
    )
    .bind(company_id)
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .bind(request_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO company_actions (tenant_id, company_id, actor_id, kind, after)
         VALUES ($1, $2, $3, 'enrich', $4)",
    )
    .bind(viewer.tenant_id)
    .bind(company_id)
    .bind(viewer.user_id)
    .bind(serde_json::json!({ "request_id": request_id, "provider": analyser.provider() }))
    .execute(&mut *tx)
    .await?;
    let input = EnrichInput {
        tenant_id: viewer.tenant_id,
        company_id,
        request_id,
    };
    if let Err(error) = queue.enqueue(&mut *tx, &jobs.task, &input).await {
        tracing::error!(%error, "could not enqueue an enrichment");
        return Ok(Err(AppError::Unavailable));
    }
    announce_company(&mut tx, viewer.tenant_id, company_id, "enrichment").await?;
    tx.commit().await?;
    Ok(Ok(Requested::Queued))
}

#[derive(sqlx::FromRow)]
struct ViewRow {
    status: EnrichmentStatus,
    step: Option<String>,
    attempts: i32,
    error: Option<String>,
    requested_at: OffsetDateTime,
    requested_by: Option<String>,
    finished_at: Option<OffsetDateTime>,
    summary: Option<String>,
    what_they_do: Option<serde_json::Value>,
    keywords: Option<serde_json::Value>,
    signals: Option<serde_json::Value>,
    sources: Option<serde_json::Value>,
    score: Option<i16>,
    confidence: Option<enrich::Confidence>,
    provider: Option<String>,
    model: Option<String>,
    tokens_in: Option<i64>,
    tokens_out: Option<i64>,
    cost_micros: Option<i64>,
    enriched_at: Option<OffsetDateTime>,
}

/// Where the company's enrichment is, and its last good result.
pub async fn view(
    conn: &mut PgConnection,
    company_id: i64,
) -> Result<Option<EnrichmentView>, AppError> {
    let row: Option<ViewRow> = sqlx::query_as(
        "SELECT e.status, e.step, e.attempts, e.error, e.requested_at, u.display_name AS requested_by,
                e.finished_at, e.summary, e.what_they_do, e.keywords, e.signals, e.sources,
                e.score, e.confidence, e.provider, e.model, e.tokens_in, e.tokens_out,
                e.cost_micros, e.enriched_at
         FROM enrichments e LEFT JOIN users u ON u.id = e.requested_by
         WHERE e.company_id = $1",
    )
    .bind(company_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(row.map(|row| {
        let result = match (row.score, row.confidence, row.enriched_at) {
            (Some(score), Some(confidence), Some(enriched_at)) => {
                let json = |value: Option<serde_json::Value>| value.unwrap_or_default();
                Some(EnrichmentResult {
                    enrichment: enrich::Enrichment {
                        summary: row.summary.unwrap_or_default(),
                        what_they_do: serde_json::from_value(json(row.what_they_do))
                            .unwrap_or_default(),
                        keywords: serde_json::from_value(json(row.keywords)).unwrap_or_default(),
                        signals: serde_json::from_value(json(row.signals)).unwrap_or_default(),
                        score: score.clamp(0, 100) as u8,
                        confidence,
                        sources: serde_json::from_value(json(row.sources)).unwrap_or_default(),
                    },
                    provider: row.provider.unwrap_or_default(),
                    model: row.model,
                    tokens_in: row.tokens_in.unwrap_or(0),
                    tokens_out: row.tokens_out.unwrap_or(0),
                    cost_micros: row.cost_micros.unwrap_or(0),
                    enriched_at,
                })
            }
            _ => None,
        };
        EnrichmentView {
            status: row.status,
            step: row.step.as_deref().and_then(Step::parse),
            attempts: row.attempts,
            error: row.error,
            requested_at: row.requested_at,
            requested_by: row.requested_by,
            finished_at: row.finished_at,
            result,
        }
    }))
}

// ---- The job ---------------------------------------------------------------------

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
async fn claim(pool: &PgPool, input: &EnrichInput) -> Result<Option<Claim>, sqlx::Error> {
    let mut tx = write_tx(pool, input.tenant_id).await?;
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
    tx.commit().await?;
    Ok(claimed.map(|(attempts, name, website_url)| Claim {
        attempts,
        name,
        website_url,
    }))
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
    let result = async {
        let mut tx = write_tx(pool, input.tenant_id).await?;
        sqlx::query("UPDATE enrichments SET step = $3 WHERE company_id = $1 AND request_id = $2")
            .bind(input.company_id)
            .bind(input.request_id)
            .bind(step.as_str())
            .execute(&mut *tx)
            .await?;
        announce_company(&mut tx, input.tenant_id, input.company_id, "enrichment").await?;
        tx.commit().await
    }
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
    announce_company(tx, input.tenant_id, input.company_id, "enrichment").await
}

/// JSON of one of the result's parts (plain serde types: this cannot fail).
fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

async fn record_usage(
    pool: &PgPool,
    input: &EnrichInput,
    usage: &Usage,
) -> Result<(), sqlx::Error> {
    let mut tx = write_tx(pool, input.tenant_id).await?;
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
    tx.commit().await
}

/// A failed attempt that will be retried: back to queued, saying why and when.
async fn set_waiting(
    pool: &PgPool,
    input: &EnrichInput,
    attempts: i32,
    reason: &str,
    wait: Duration,
) -> Result<(), sqlx::Error> {
    let message = format!(
        "Attempt {attempts} failed: {reason}. Trying again in {} s.",
        wait.as_secs().max(1)
    );
    let mut tx = write_tx(pool, input.tenant_id).await?;
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
    announce_company(&mut tx, input.tenant_id, input.company_id, "enrichment").await?;
    tx.commit().await
}

async fn set_failed(pool: &PgPool, input: &EnrichInput, reason: &str) -> Result<(), sqlx::Error> {
    let mut tx = write_tx(pool, input.tenant_id).await?;
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
    announce_company(&mut tx, input.tenant_id, input.company_id, "enrichment").await?;
    tx.commit().await
}

async fn reschedule(
    task: &EnrichTask,
    tx: &mut PgConnection,
    input: &EnrichInput,
    wait: Duration,
) -> Result<(), TaskError> {
    let queue = underway::Queue::<EnrichTask>::builder()
        .name(super::jobs::ENRICH_QUEUE)
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
