//! What is on a list: its companies (one page at a time, through the companies query),
//! adding some (one row, or the ticked rows of a page), removing one, and "Enrich all".
//!
//! Anyone who can see a list may change what is on it (their own lists, and the shared
//! ones). Adding locks the list row `FOR KEY SHARE`: the list cannot be deleted under
//! the insert, yet several people can add at once. Each company added or removed gets
//! its own audit row (`list_added` / `list_removed`, with before and after).

use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::companies;
use super::config::PlanLimits;
use super::db::{internal, tenant_tx, write_tx};
use super::enrichment::{self, Requested};
use super::jobs::Jobs;
use super::lists::{self, Lock};
use super::retry;
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
    let list = lists::one(&mut tx, viewer, id).await?;
    tx.commit().await.map_err(internal)?;
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
    retry::transient(|| add_once(pool, viewer, list_id, &ids))
        .await
        .map_err(retry::give_up)?
}

async fn add_once(
    pool: &PgPool,
    viewer: &Viewer,
    list_id: i64,
    ids: &[i64],
) -> Result<Result<AddReport, AppError>, sqlx::Error> {
    let mut tx = write_tx(pool, viewer.tenant_id).await?;
    let Some(list) = lists::find_visible(&mut tx, viewer, list_id, Lock::KeyShare).await? else {
        return Ok(Err(AppError::NotFound));
    };
    // Row-level security hides other workspaces' companies, so they count as missing.
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM companies WHERE id = ANY($1)")
        .bind(ids)
        .fetch_one(&mut *tx)
        .await?;
    if found != ids.len() as i64 {
        return Ok(Err(AppError::NotFound));
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
    record(
        &mut tx,
        viewer,
        list_id,
        &added,
        "list_added",
        entry(false),
        entry(true),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(AddReport {
        list_id,
        list_name: list.name,
        added: added.len() as u64,
        already: (ids.len() - added.len()) as u64,
    }))
}

/// One audit row per company, in one statement.
async fn record(
    conn: &mut PgConnection,
    viewer: &Viewer,
    list_id: i64,
    company_ids: &[i64],
    kind: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), sqlx::Error> {
    if company_ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO company_actions (tenant_id, company_id, list_id, actor_id, kind, before, after)
         SELECT $1, company_id, $2, $3, $4::company_action_kind, $5, $6
         FROM unnest($7::bigint[]) AS company_id",
    )
    .bind(viewer.tenant_id)
    .bind(list_id)
    .bind(viewer.user_id)
    .bind(kind)
    .bind(before)
    .bind(after)
    .bind(company_ids)
    .execute(&mut *conn)
    .await
    .map(|_| ())
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
    retry::transient(|| remove_once(pool, viewer, list_id, company_id))
        .await
        .map_err(retry::give_up)?
}

async fn remove_once(
    pool: &PgPool,
    viewer: &Viewer,
    list_id: i64,
    company_id: i64,
) -> Result<Result<bool, AppError>, sqlx::Error> {
    let mut tx = write_tx(pool, viewer.tenant_id).await?;
    let Some(list) = lists::find_visible(&mut tx, viewer, list_id, Lock::KeyShare).await? else {
        return Ok(Err(AppError::NotFound));
    };
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
        return Ok(match exists {
            Some(_) => Ok(false),
            None => Err(AppError::NotFound),
        });
    };
    let added_at = added_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    record(
        &mut tx,
        viewer,
        list_id,
        &[company_id],
        "list_removed",
        json!({ "list": list.audit(), "on_list": true, "added_at": added_at, "added_by": added_by }),
        json!({ "list": list.audit(), "on_list": false }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(true))
}

/// Asks for an enrichment of every company on the list, each through
/// [`enrichment::request`] (so each is counted against the person's hourly limit and
/// the workspace's budget like a click on its page). Companies already queued or
/// running are counted, not queued again. Once the limit or the budget refuses one, the
/// rest are refused for the same reason without asking again.
pub async fn enrich_all(
    pool: &PgPool,
    jobs: &Jobs,
    viewer: &Viewer,
    list_id: i64,
    limits: &PlanLimits,
) -> Result<EnrichAllReport, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    lists::one(&mut tx, viewer, list_id).await?;
    if !enrichment::may_enrich(&mut tx, viewer)
        .await
        .map_err(internal)?
    {
        return Err(AppError::Forbidden);
    }
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
