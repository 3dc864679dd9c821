//! The admin dashboard's panels beside the cases: the backlog's history, this month's
//! enrichment spend against the budget, and the background work (enrichments waiting
//! or failing, the directory's last sync). Each reads a handful of rows: counters kept
//! by the writes themselves (`case_backlog_days`, `enrichment_spend_months`) and
//! indexes made for these questions.

use std::collections::HashMap;

use sqlx::PgConnection;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::model::{
    AppError, BacklogDay, CasePriority, CaseStatus, SpendFigures, SyncLine, SyncStatus, Window,
    WorkHealth,
};
use crate::server::db::internal;

/// The backlog at the end of each day of the window (today: now). A day without a row
/// of its own holds what the last earlier day held; days before the first row are
/// left out (the history starts when the counters were made).
pub async fn backlog_days(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    window: Window,
    today: Date,
) -> Result<Vec<BacklogDay>, AppError> {
    let days = window.days_until(today);
    let first = days.first().copied().unwrap_or(today);
    // The window's rows, and for each status × priority the last row before it (what
    // the window's first day starts from).
    let rows: Vec<(Date, CaseStatus, CasePriority, i32)> = sqlx::query_as(
        "SELECT day, status, priority, n FROM case_backlog_days
         WHERE tenant_id = $1 AND day >= $2
         UNION ALL
         (SELECT DISTINCT ON (status, priority) day, status, priority, n FROM case_backlog_days
          WHERE tenant_id = $1 AND day < $2
          ORDER BY status, priority, day DESC)",
    )
    .bind(tenant_id)
    .bind(first)
    .fetch_all(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(carry_forward(&days, rows))
}

/// Each day's figures, carrying the last known value of each cell forward; days
/// before any row are left out.
fn carry_forward(
    days: &[Date],
    mut rows: Vec<(Date, CaseStatus, CasePriority, i32)>,
) -> Vec<BacklogDay> {
    rows.sort_by_key(|row| row.0);
    let mut current: HashMap<(CaseStatus, CasePriority), i64> = HashMap::new();
    let mut next = rows.into_iter().peekable();
    let mut out = Vec::with_capacity(days.len());
    for day in days {
        while let Some((_, status, priority, n)) = next.next_if(|row| row.0 <= *day) {
            current.insert((status, priority), i64::from(n));
        }
        if current.is_empty() {
            continue;
        }
        let mut cells: Vec<(CaseStatus, CasePriority, i64)> = current
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|((status, priority), n)| (*status, *priority, *n))
            .collect();
        cells.sort_by_key(|(status, priority, _)| (status.as_str(), priority.as_str()));
        out.push(BacklogDay { day: *day, cells });
    }
    out
}

/// This month's spend (UTC), against the workspace's budget.
pub async fn spend(conn: &mut PgConnection, tenant_id: Uuid) -> Result<SpendFigures, AppError> {
    let (month, enrichments, failed, cost_micros, budget_micros): (String, i32, i32, i64, i64) =
        sqlx::query_as(
            "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM'),
                    coalesce(m.enrichments, 0), coalesce(m.failed, 0),
                    coalesce(m.cost_micros, 0), t.enrich_budget_micros
             FROM tenants t
             LEFT JOIN enrichment_spend_months m
                    ON m.tenant_id = t.id
                   AND m.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
             WHERE t.id = $1",
        )
        .bind(tenant_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(internal)?;
    Ok(SpendFigures {
        month,
        enrichments: i64::from(enrichments),
        failed: i64::from(failed),
        cost_micros,
        budget_micros,
    })
}

#[derive(sqlx::FromRow)]
struct SyncRow {
    id: i64,
    status: SyncStatus,
    requested_at: OffsetDateTime,
    finished_at: Option<OffsetDateTime>,
    failed: i32,
    error: Option<String>,
}

/// Enrichments not done (through their partial index) and the last sync run.
pub async fn work(conn: &mut PgConnection, tenant_id: Uuid) -> Result<WorkHealth, AppError> {
    let (queued, running, failed_day, oldest_queued): (i64, i64, i64, Option<OffsetDateTime>) =
        sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'queued'),
                    count(*) FILTER (WHERE status = 'running'),
                    count(*) FILTER (WHERE status = 'failed'
                                       AND requested_at > now() - interval '1 day'),
                    min(requested_at) FILTER (WHERE status = 'queued')
             FROM enrichments WHERE tenant_id = $1 AND status <> 'done'",
        )
        .bind(tenant_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(internal)?;
    let connected: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM zoho_connections WHERE tenant_id = $1)")
            .bind(tenant_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(internal)?;
    let last_sync: Option<SyncRow> = sqlx::query_as(
        "SELECT id, status, requested_at, finished_at, failed, error FROM sync_runs
         WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(tenant_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(WorkHealth {
        enrichments_queued: queued,
        enrichments_running: running,
        enrichments_failed_day: failed_day,
        oldest_queued,
        zoho_connected: connected,
        last_sync: last_sync.map(|run| SyncLine {
            id: run.id,
            status: run.status,
            requested_at: run.requested_at,
            finished_at: run.finished_at,
            failed: run.failed,
            error: run.error,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_day_without_a_row_holds_the_last_one_and_no_day_before_the_first() {
        let days = [
            date!(2026 - 12 - 01),
            date!(2026 - 12 - 02),
            date!(2026 - 12 - 03),
            date!(2026 - 12 - 04),
        ];
        let rows = vec![
            (
                date!(2026 - 12 - 02),
                CaseStatus::New,
                CasePriority::High,
                5,
            ),
            (
                date!(2026 - 12 - 02),
                CaseStatus::Open,
                CasePriority::Low,
                2,
            ),
            (
                date!(2026 - 12 - 04),
                CaseStatus::New,
                CasePriority::High,
                3,
            ),
            (
                date!(2026 - 12 - 04),
                CaseStatus::Open,
                CasePriority::Low,
                0,
            ),
        ];
        let history = carry_forward(&days, rows);
        let shown: Vec<(Date, i64, i64)> = history
            .iter()
            .map(|d| {
                (
                    d.day,
                    d.status_total(CaseStatus::New),
                    d.status_total(CaseStatus::Open),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (date!(2026 - 12 - 02), 5, 2),
                (date!(2026 - 12 - 03), 5, 2),
                (date!(2026 - 12 - 04), 3, 0),
            ]
        );
        assert_eq!(history[2].priority_total(CasePriority::High), 3);
        // A row from before the window starts it.
        let earlier = vec![(
            date!(2026 - 11 - 20),
            CaseStatus::Pending,
            CasePriority::Normal,
            9,
        )];
        let history = carry_forward(&days, earlier);
        assert_eq!(history.len(), 4);
        assert!(
            history
                .iter()
                .all(|d| d.status_total(CaseStatus::Pending) == 9)
        );
    }
}
