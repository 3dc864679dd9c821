//! What is on a list: its companies (one page at a time, through the companies query),
//! adding some (one row, or the ticked rows of a page), removing one, and "Enrich all".
//!
//! Anyone who can see a list may change what is on it (their own lists, and the shared
//! ones). Adding locks the list row `FOR KEY SHARE`: the list cannot be deleted under
//! the insert, yet several people can add at once. Each company added or removed gets
//! its own audit row (`list_added` / `list_removed`, with before and after).

use serde_json::json;
use sqlx::PgPool;

use super::audit;
use super::companies;
use super::config::PlanLimits;
use super::db::{self, internal, tenant_tx};
use super::enrichment::{self, EnrichJobs, Requested};
use super::lists::{self, Lock};
use crate::model::{
    AddReport, AppError, CompanyFilter, EnrichAllReport, ListDetail, MAX_ADD_AT_ONCE, Viewer,
};

/// The list and one page of its companies. `filter` is the page's (its `list` is set
/// here): the same query, order and keyset pages as the companies page.
pub async fn detail(
    pool: &PgPool,
    viewer: &Viewer,
    id: i64,
    filter: &CompanyFilter,
) -> Result<ListDetail, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let list = lists::one(&mut tx, viewer, id).await;
    db::end_read(tx);
    let list = list?;
    let mut filter = filter.clone();
    filter.list = Some(id);
    let page = companies::list(pool, viewer, &filter).await?;
    Ok(ListDetail { list, page })
}

/// Adds `company_ids` to list `list_id`. A company already on it is counted, not an
/// error. Any id that is not a company of this workspace refuses the whole request
/// (404) before anything is written.
pub async fn add(
    pool: &PgPool,
    viewer: &Viewer,
    list_id: i64,
    company_ids: &[i64],
) -> Result<AddReport, AppError> {
    let mut ids = company_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::invalid(
            "companies",
            "tick at least one company to add",
        ));
    }
    if ids.len() > MAX_ADD_AT_ONCE {
        return Err(AppError::invalid(
            "companies",
            format!("at most {MAX_ADD_AT_ONCE} companies can be added at once"),
        ));
    }
    let ids = &ids;
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let list = lists::find_visible(&mut tx, viewer, list_id, Lock::KeyShare)
                .await?
                .ok_or(AppError::NotFound)?;
            // Row-level security hides other workspaces' companies, so they count as missing.
            let found: i64 =
                sqlx::query_scalar("SELECT count(*) FROM companies WHERE id = ANY($1)")
                    .bind(ids)
                    .fetch_one(&mut *tx)
                    .await?;
            if found != ids.len() as i64 {
                Err(AppError::NotFound)?;
            }
            let added: Vec<i64> = sqlx::query_scalar(
                "INSERT INTO company_list_items (list_id, company_id, tenant_id, added_by)
             SELECT $1, company_id, $2, $3 FROM unnest($4::bigint[]) AS company_id
             ON CONFLICT (list_id, company_id) DO NOTHING
             RETURNING company_id",
            )
            .bind(list_id)
            .bind(viewer.tenant_id)
            .bind(viewer.user_id)
            .bind(ids)
            .fetch_all(&mut *tx)
            .await?;
            let entry = |on_list: bool| json!({ "list": list.audit(), "on_list": on_list });
            let (before, after) = (entry(false), entry(true));
            audit::record_list_entries(
                &mut tx,
                viewer,
                "list_added",
                list_id,
                &added,
                before,
                after,
            )
            .await?;
            Ok(AddReport {
                list_id,
                list_name: list.name,
                added: added.len() as u64,
                already: (ids.len() - added.len()) as u64,
            })
        })
    })
    .await
}

/// Removes company `company_id` from list `list_id` (the caller has checked the
/// confirmation). `false` when it was not on the list (nothing to do: a second click is
/// not an error); 404 when the list or the company is not the viewer's to see.
pub async fn remove(
    pool: &PgPool,
    viewer: &Viewer,
    list_id: i64,
    company_id: i64,
) -> Result<bool, AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
        let list = lists::find_visible(&mut tx, viewer, list_id, Lock::KeyShare)
            .await?
            .ok_or(AppError::NotFound)?;
        let removed: Option<(time::OffsetDateTime, Option<uuid::Uuid>)> = sqlx::query_as(
            "DELETE FROM company_list_items WHERE list_id = $1 AND company_id = $2
             RETURNING added_at, added_by",
        )
        .bind(list_id)
        .bind(company_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((added_at, added_by)) = removed else {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM companies WHERE id = $1")
                .bind(company_id)
                .fetch_optional(&mut *tx)
                .await?;
            exists.ok_or(AppError::NotFound)?;
            return Ok(false);
        };
        let added_at = added_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let before = json!({ "list": list.audit(), "on_list": true, "added_at": added_at, "added_by": added_by });
        let after = json!({ "list": list.audit(), "on_list": false });
        audit::record_list_entries(&mut tx, viewer, "list_removed", list_id, &[company_id], before, after)
            .await?;
        Ok(true)
    }))
    .await
}

/// Asks for an enrichment of every company on the list, each through
/// [`enrichment::request`] (so each is counted against the person's hourly limit and
/// the workspace's budget like a click on its page). Companies already queued or
/// running are counted, not queued again. Once the limit or the budget refuses one, the
/// rest are refused for the same reason without asking again.
pub async fn enrich_all(
    pool: &PgPool,
    jobs: &EnrichJobs,
    viewer: &Viewer,
    list_id: i64,
    limits: &PlanLimits,
) -> Result<EnrichAllReport, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    lists::one(&mut tx, viewer, list_id).await?;
    // In the order they were added: the ones picked first are enriched first.
    let on_list: Vec<(i64, bool)> = sqlx::query_as(
        "SELECT i.company_id, coalesce(e.status IN ('queued', 'running'), false)
         FROM company_list_items i LEFT JOIN enrichments e ON e.company_id = i.company_id
         WHERE i.list_id = $1
         ORDER BY i.added_at, i.company_id",
    )
    .bind(list_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;

    let mut report = EnrichAllReport::default();
    let mut pending = Vec::new();
    for (company_id, active) in on_list {
        if active {
            report.already_running += 1;
        } else {
            pending.push(company_id);
        }
    }
    for (at, company_id) in pending.iter().enumerate() {
        match enrichment::request_outcome(pool, jobs, viewer, *company_id, limits).await {
            Ok(Requested::Queued) => report.queued += 1,
            Ok(Requested::AlreadyActive) => report.already_running += 1,
            Err(AppError::RateLimited { retry_after }) => {
                report.refused_hourly = (pending.len() - at) as u64;
                report.retry_after_s = retry_after;
                break;
            }
            Err(AppError::Invalid { field, .. }) if field == "budget" => {
                report.refused_budget = (pending.len() - at) as u64;
                break;
            }
            Err(error) => return Err(error),
        }
    }
    Ok(report)
}
