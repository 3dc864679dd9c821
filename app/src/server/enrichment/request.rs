//! Asking for an enrichment: the role, the per-person hourly limit, the workspace's
//! monthly budget, then the ledger row, the audit row and the job, all in one
//! transaction, so a job exists exactly when its request does.

use sqlx::PgPool;

use super::quota;
use crate::model::{AppError, EnrichmentStatus, Viewer};
use crate::server::audit::{self, Subject};
use crate::server::config::PlanLimits;
use crate::server::db;
use crate::server::live::announce_company;

use super::worker::{EnrichInput, EnrichJobs};

/// Asks for an enrichment of `company_id`. Returns at once: the job runs in the
/// background. A company already queued or running is not queued twice (and that costs
/// no quota). The caller has checked `Capability::UseCompanies`. Refusals: 404 (not in
/// this workspace), 429 with the wait when the hourly limit is reached, 422 naming the
/// budget when the month's is spent.
pub async fn request(
    pool: &PgPool,
    jobs: &EnrichJobs,
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
    jobs: &EnrichJobs,
    viewer: &Viewer,
    company_id: i64,
    limits: &PlanLimits,
) -> Result<Requested, AppError> {
    // The queue is created (once) before the transaction, so that a database problem
    // there is a clear 503 rather than a half-done request.
    let queue = jobs.queue().await?;
    let queue = &queue;
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
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
        exists.ok_or(AppError::NotFound)?;
        let active: Option<EnrichmentStatus> =
            sqlx::query_scalar("SELECT status FROM enrichments WHERE company_id = $1")
                .bind(company_id)
                .fetch_optional(&mut *tx)
                .await?;
        if active.is_some_and(EnrichmentStatus::is_active) {
            return Ok(Requested::AlreadyActive);
        }
        let quota = quota(&mut tx, viewer, limits).await?;
        if quota.remaining() == 0 {
            Err(AppError::RateLimited {
                retry_after: quota.frees_in_s.max(1),
            })?;
        }
        if quota.spent_this_month_micros >= quota.budget_micros {
            Err(AppError::invalid(
                "budget",
                format!(
                    "this workspace has spent its enrichment budget for the month ({} of {}); an admin can raise it",
                    crate::model::format_usd(quota.spent_this_month_micros),
                    crate::model::format_usd(quota.budget_micros)
                ),
            ))?;
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
        let after = serde_json::json!({ "request_id": request_id, "provider": analyser.provider() });
        audit::record(&mut tx, viewer, Subject::Company(company_id), "enrich", None, Some(after)).await?;
        let input = EnrichInput {
            tenant_id: viewer.tenant_id,
            company_id,
            request_id,
        };
        if let Err(error) = queue.enqueue(&mut *tx, &jobs.task, &input).await {
            tracing::error!(%error, "could not enqueue an enrichment");
            Err(AppError::Unavailable)?;
        }
        announce_company(&mut tx, viewer.tenant_id, company_id, "enrichment").await?;
        Ok(Requested::Queued)
    }))
    .await
}
