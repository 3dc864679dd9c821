//! The dashboards' figures. Counts come from the counters the cases' own writes keep
//! (`case_tallies`, `case_days`, `case_loads`: migration 20261208000001), never from a
//! scan of a million cases; the short lists ("the oldest", "changed by others") read
//! a few rows through indexes made for them. One read transaction per dashboard.

mod background;
pub mod cache;
mod companies;

use std::collections::HashMap;

pub use cache::{FiguresCache, Keeping};
pub use companies::{analyst, own_lists};

use sqlx::PgConnection;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::db::{self, internal};
use crate::model::{
    AGE_BUCKETS, AdminDashboard, AppError, CaseLine, CasePriority, CaseStatus, DayFigure,
    EmployeeDashboard, LOAD_LINES, LoadLine, Viewer, Window,
};

/// How many cases the dashboard's lists show.
const LIST_LENGTH: i64 = 5;
/// "Changed by others" looks back this far when the person never marked it seen.
const FIRST_LOOK_BACK: Duration = Duration::days(7);

pub const OPEN_STATUSES: [CaseStatus; 3] = [CaseStatus::New, CaseStatus::Open, CaseStatus::Pending];

/// The condition picking one assignee's counters, bound at `$n`: `=` for a person and
/// `IS NULL` for the pool, so either can use the counters' index (`IS NOT DISTINCT
/// FROM` cannot).
fn assignee_is(assignee: Option<Uuid>, n: u8) -> String {
    match assignee {
        Some(_) => format!("assignee_id = ${n}"),
        None => format!("assignee_id IS NULL AND ${n}::uuid IS NULL"),
    }
}

/// A number for a new read of a dashboard's figures, unique within this process.
pub fn next_reading() -> u64 {
    static READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The signed-in employee's (or admin's own) dashboard.
pub async fn employee(
    pool: &sqlx::PgPool,
    viewer: &Viewer,
    window: Window,
) -> Result<EmployeeDashboard, AppError> {
    let today = today();
    let mut tx = db::tenant_tx(pool, viewer.tenant_id).await?;
    let me = Some(viewer.user_id);
    let open_by_status = open_by_status(&mut tx, viewer.tenant_id, me).await?;
    let by_age = open_by_age(&mut tx, viewer.tenant_id, me, today).await?;
    let oldest = oldest_open(&mut tx, viewer.tenant_id, me).await?;
    let seen_at: Option<OffsetDateTime> =
        sqlx::query_scalar("SELECT cases_seen_at FROM users WHERE id = $1")
            .bind(viewer.user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?
            .flatten();
    let since = seen_at.unwrap_or_else(|| OffsetDateTime::now_utc() - FIRST_LOOK_BACK);
    let changed_by_others = changed_by_others(&mut tx, viewer, since).await?;
    let closed_per_day = per_day(&mut tx, viewer.tenant_id, me, window, today, "closed").await?;
    db::end_read(tx);
    Ok(EmployeeDashboard {
        window,
        read_at: OffsetDateTime::now_utc(),
        reading: next_reading(),
        today,
        open_by_status,
        by_age,
        oldest,
        changed_by_others,
        seen_at,
        closed_per_day,
    })
}

/// The workspace's cases, for an admin.
pub async fn admin(
    pool: &sqlx::PgPool,
    viewer: &Viewer,
    window: Window,
) -> Result<AdminDashboard, AppError> {
    let today = today();
    let tenant = viewer.tenant_id;
    let mut tx = db::tenant_tx(pool, tenant).await?;
    let backlog: Vec<(CaseStatus, CasePriority, i64)> = sqlx::query_as(
        "SELECT status, priority, n::bigint FROM case_tallies
         WHERE tenant_id = $1 AND NOT per_assignee AND assignee_id IS NULL
           AND NOT archived AND status IN ('new', 'open', 'pending') AND n <> 0",
    )
    .bind(tenant)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let opened_per_day = per_day(&mut tx, tenant, None, window, today, "created").await?;
    let closed_per_day = per_day(&mut tx, tenant, None, window, today, "closed").await?;
    let (unassigned, people_with_cases, at_or_over_limit, wip_limit): (i64, i64, i64, Option<i32>) =
        sqlx::query_as(
            "SELECT coalesce((SELECT open FROM case_loads
                              WHERE tenant_id = $1 AND assignee_id IS NULL), 0)::bigint,
                    (SELECT count(*) FROM case_loads
                     WHERE tenant_id = $1 AND assignee_id IS NOT NULL AND open > 0),
                    (SELECT count(*) FROM case_loads
                     WHERE tenant_id = $1 AND assignee_id IS NOT NULL AND open >= t.wip_limit),
                    t.wip_limit
             FROM tenants t WHERE t.id = $1",
        )
        .bind(tenant)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    let unassigned_oldest = oldest_open(&mut tx, tenant, None).await?;
    // The most loaded people by the counters' index, each one's oldest open case by
    // `cases_open_age_idx`: a dozen index probes, whatever the size of the team.
    let load: Vec<(Uuid, String, i64, Option<OffsetDateTime>)> = sqlx::query_as(
        "SELECT l.assignee_id, u.display_name, l.open::bigint,
                (SELECT c.created_at FROM cases c
                 WHERE c.tenant_id = $1 AND c.assignee_id = l.assignee_id AND NOT c.archived
                   AND c.status IN ('new', 'open', 'pending')
                 ORDER BY c.created_at, c.id LIMIT 1)
         FROM case_loads l JOIN users u ON u.id = l.assignee_id
         WHERE l.tenant_id = $1 AND l.assignee_id IS NOT NULL AND l.open > 0
         ORDER BY l.open DESC, u.display_name LIMIT $2",
    )
    .bind(tenant)
    .bind(LOAD_LINES)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let backlog_days = background::backlog_days(&mut tx, tenant, window, today).await?;
    let spend = background::spend(&mut tx, tenant).await?;
    let work = background::work(&mut tx, tenant).await?;
    db::end_read(tx);
    Ok(AdminDashboard {
        window,
        read_at: OffsetDateTime::now_utc(),
        reading: next_reading(),
        today,
        backlog,
        opened_per_day,
        closed_per_day,
        unassigned,
        unassigned_oldest,
        load: load
            .into_iter()
            .map(|(user_id, name, open, oldest)| LoadLine {
                user_id,
                name,
                open,
                oldest,
            })
            .collect(),
        people_with_cases,
        at_or_over_limit,
        wip_limit,
        backlog_days,
        spend,
        work,
    })
}

/// Sets (or clears, `None`) the workspace's work-in-progress limit.
pub async fn set_wip_limit(
    pool: &sqlx::PgPool,
    viewer: &Viewer,
    limit: Option<i32>,
) -> Result<(), AppError> {
    if let Some(limit) = limit
        && !(1..=100_000).contains(&limit)
    {
        return Err(AppError::invalid(
            "wip_limit",
            "must be between 1 and 100,000",
        ));
    }
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            sqlx::query("UPDATE tenants SET wip_limit = $2, updated_at = now() WHERE id = $1")
                .bind(viewer.tenant_id)
                .bind(limit)
                .execute(&mut *tx)
                .await?;
            cache::announce(&mut tx, viewer.tenant_id).await?;
            Ok(())
        })
    })
    .await
}

/// Marks the "changed by others" list seen: it starts again from now.
pub async fn mark_seen(pool: &sqlx::PgPool, viewer: &Viewer) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            sqlx::query("UPDATE users SET cases_seen_at = now() WHERE id = $1")
                .bind(viewer.user_id)
                .execute(&mut *tx)
                .await?;
            cache::announce_person(&mut tx, viewer.tenant_id, viewer.user_id).await?;
            Ok(())
        })
    })
    .await
}

/// Open cases (not archived) per open status, for one assignee (`None`: the pool).
pub async fn open_by_status(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    assignee: Option<Uuid>,
) -> Result<Vec<(CaseStatus, i64)>, AppError> {
    let sql = format!(
        "SELECT status, sum(n)::bigint FROM case_tallies
         WHERE tenant_id = $1 AND per_assignee AND {}
           AND NOT archived AND status IN ('new', 'open', 'pending')
         GROUP BY status",
        assignee_is(assignee, 2)
    );
    let rows: Vec<(CaseStatus, i64)> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(assignee)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
    let counts: HashMap<CaseStatus, i64> = rows.into_iter().collect();
    Ok(OPEN_STATUSES
        .into_iter()
        .map(|status| (status, counts.get(&status).copied().unwrap_or(0)))
        .collect())
}

/// Open cases per age bucket ([`AGE_BUCKETS`]), from the days they were opened.
async fn open_by_age(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    assignee: Option<Uuid>,
    today: Date,
) -> Result<Vec<i64>, AppError> {
    let sql = format!(
        "SELECT day, open FROM case_days
         WHERE tenant_id = $1 AND per_assignee AND {} AND open <> 0",
        assignee_is(assignee, 2)
    );
    let rows: Vec<(Date, i32)> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(assignee)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
    let mut buckets = vec![0i64; AGE_BUCKETS.len()];
    for (day, open) in rows {
        let age = (today - day).whole_days().max(0);
        let at = AGE_BUCKETS
            .iter()
            .position(|(_, first, last)| age >= *first && last.is_none_or(|last| age <= last))
            .unwrap_or(AGE_BUCKETS.len() - 1);
        buckets[at] += i64::from(open);
    }
    Ok(buckets)
}

/// The oldest open cases of one assignee (`None`: the pool), oldest first.
pub async fn oldest_open(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    assignee: Option<Uuid>,
) -> Result<Vec<CaseLine>, AppError> {
    // Through `cases_open_age_idx`, already in this order.
    let sql = format!(
        "SELECT number, title, status, created_at FROM cases
         WHERE tenant_id = $1 AND {}
           AND NOT archived AND status IN ('new', 'open', 'pending')
         ORDER BY created_at, id LIMIT $3",
        assignee_is(assignee, 2)
    );
    let rows: Vec<(i32, String, CaseStatus, OffsetDateTime)> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(assignee)
        .bind(LIST_LENGTH)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|(number, title, status, at)| CaseLine {
            number,
            title,
            status,
            at,
            by: None,
        })
        .collect())
}

/// The viewer's cases someone else changed (a field, a comment) since `since`, the
/// most recently changed first, with who changed them last.
async fn changed_by_others(
    conn: &mut PgConnection,
    viewer: &Viewer,
    since: OffsetDateTime,
) -> Result<Vec<CaseLine>, AppError> {
    let rows: Vec<(i32, String, CaseStatus, OffsetDateTime, Option<String>)> = sqlx::query_as(
        // Names looked up for the listed rows only: a join would hash every member
        // of the workspace (2,000 at the bench's size: 2 of this query's 3.3 ms).
        "SELECT x.number, x.title, x.status, x.at,
                (SELECT u.display_name FROM users u WHERE u.id = x.actor_id)
         FROM (
             SELECT c.number, c.title, c.status, last.at, last.actor_id
             FROM cases c
             CROSS JOIN LATERAL (
                 SELECT a.actor_id, a.at FROM case_actions a
                 WHERE a.case_id = c.id AND a.at > $3 AND a.actor_id IS DISTINCT FROM $2
                 ORDER BY a.at DESC, a.id DESC LIMIT 1) last
             WHERE c.tenant_id = $1 AND c.assignee_id = $2 AND c.updated_at > $3
             ORDER BY last.at DESC LIMIT $4) x
         ORDER BY x.at DESC",
    )
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .bind(since)
    .bind(LIST_LENGTH * 2)
    .fetch_all(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|(number, title, status, at, by)| CaseLine {
            number,
            title,
            status,
            at,
            by: Some(by.unwrap_or_else(|| "The web form".to_string())),
        })
        .collect())
}

/// One column of `case_days` per day of the window (zero on days without a row), for
/// one person, or the whole workspace (`None`).
pub async fn per_day(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    assignee: Option<Uuid>,
    window: Window,
    today: Date,
    column: &'static str,
) -> Result<Vec<DayFigure>, AppError> {
    let days = window.days_until(today);
    let first = days.first().copied().unwrap_or(today);
    // `column` is one of ours, never the request's.
    let column = match column {
        "created" => "created",
        _ => "closed",
    };
    let who = match assignee {
        Some(_) => "per_assignee AND assignee_id = $2",
        None => "NOT per_assignee AND assignee_id IS NULL AND $2::uuid IS NULL",
    };
    let sql = format!(
        "SELECT day, {column}::bigint FROM case_days
         WHERE tenant_id = $1 AND {who} AND day >= $3"
    );
    let rows: Vec<(Date, i64)> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(assignee)
        .bind(first)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
    let found: HashMap<Date, i64> = rows.into_iter().collect();
    Ok(days
        .into_iter()
        .map(|day| DayFigure {
            day,
            n: found.get(&day).copied().unwrap_or(0),
        })
        .collect())
}
