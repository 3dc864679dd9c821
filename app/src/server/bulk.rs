//! Bulk actions: one change applied to many cases, in chunks.
//!
//! Each chunk is its own transaction with the shape every case write has
//! (ARCHITECTURE.md): lock the rows (`FOR UPDATE`, in id order so two bulk actions
//! never deadlock), compare each version with the one the user saw, apply, bump the
//! version, append a `case_actions` row per case, `pg_notify`, commit. A case that
//! changed since the user saw it is skipped and counted, never overwritten. Chunks keep
//! each lock short: a bulk action over thousands of cases never holds a case a
//! colleague is typing into for more than one chunk's worth of time.

use std::collections::HashMap;

use serde_json::json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit;
use super::case_edit::may_assign;
use super::cases::{Scope, push_conditions};
use super::db::{self, internal, tenant_tx};
use super::live::{self, Announced};
use crate::model::{
    AppError, BULK_LIMIT, BulkChange, BulkReport, BulkTarget, CaseFilter, CaseStatus, SeenCase,
    Viewer,
};

/// Cases per transaction: big enough that a 10,000-case action is 50 round trips, small
/// enough that no row stays locked for long.
pub const CHUNK: usize = 200;

/// Applies `change` to the `target` cases of `scope`/`filter` for `viewer`.
///
/// The caller has checked the viewer's capability for the scope; this checks what the
/// change itself needs (an assignee who exists, employees only releasing their own
/// cases).
pub async fn apply(
    pool: &PgPool,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
    target: BulkTarget,
    change: BulkChange,
) -> Result<BulkReport, AppError> {
    check_change(pool, viewer, change).await?;
    let (mut seen, as_of) = match target {
        BulkTarget::Selected(rows) => {
            if rows.is_empty() {
                return Err(AppError::invalid(
                    "cases",
                    "select at least one case, or apply to all matching",
                ));
            }
            if rows.len() > BULK_LIMIT {
                return Err(too_many());
            }
            (rows, None)
        }
        BulkTarget::AllMatching { as_of_micros } => {
            let as_of = OffsetDateTime::from_unix_timestamp_nanos(i128::from(as_of_micros) * 1_000)
                .map_err(|_| AppError::invalid("as_of", "is not a time this page was loaded at"))?;
            (matching(pool, viewer, scope, filter).await?, Some(as_of))
        }
    };
    // Id order everywhere: the lock order, and one entry per case however often it was
    // sent.
    seen.sort_by_key(|case| case.id);
    seen.dedup_by_key(|case| case.id);

    let mut report = BulkReport::default();
    for chunk in seen.chunks(CHUNK) {
        let done = db::write(pool, viewer.tenant_id, |mut tx| {
            Box::pin(
                async move { Ok(apply_chunk(&mut tx, viewer, scope, chunk, as_of, change).await?) },
            )
        })
        .await?;
        report.updated += done.updated;
        report.skipped += done.skipped;
        report.unchanged += done.unchanged;
    }
    Ok(report)
}

fn too_many() -> AppError {
    AppError::invalid(
        "target",
        format!(
            "more than {} cases at once; narrow the filter first",
            group(BULK_LIMIT)
        ),
    )
}

fn group(n: usize) -> String {
    crate::model::MatchCount::Exact(n as u64)
        .label()
        .trim_end_matches(" cases")
        .to_string()
}

/// What the change itself needs: an assignee must be someone the viewer may give
/// cases to (see [`super::case_edit::may_assign`]).
async fn check_change(pool: &PgPool, viewer: &Viewer, change: BulkChange) -> Result<(), AppError> {
    let BulkChange::Assign(assignee) = change else {
        return Ok(());
    };
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let allowed = may_assign(&mut tx, viewer, assignee).await;
    db::end_read(tx);
    allowed.map_err(|refused| match AppError::from(refused) {
        AppError::Invalid { message, .. } => AppError::invalid("change", message),
        other => other,
    })
}

/// Every case the filter matches now (ignoring the page marker), with its version.
async fn matching(
    pool: &PgPool,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
) -> Result<Vec<SeenCase>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let mut query = QueryBuilder::<Postgres>::new("SELECT c.id, c.version FROM cases c WHERE ");
    push_conditions(&mut query, viewer, scope, filter);
    query
        .push(" ORDER BY c.id LIMIT ")
        .push_bind((BULK_LIMIT + 1) as i64);
    let rows: Vec<(i64, i32)> = query
        .build_query_as()
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    if rows.len() > BULK_LIMIT {
        return Err(too_many());
    }
    Ok(rows
        .into_iter()
        .map(|(id, version)| SeenCase { id, version })
        .collect())
}

#[derive(sqlx::FromRow)]
struct Locked {
    id: i64,
    version: i32,
    status: CaseStatus,
    assignee_id: Option<Uuid>,
    archived: bool,
    updated_at: OffsetDateTime,
}

impl Locked {
    /// The field the change touches, before it: `None` when it is already as asked.
    fn before(&self, change: BulkChange) -> Option<serde_json::Value> {
        match change {
            BulkChange::Status(status) => {
                (self.status != status).then(|| json!({ "status": self.status }))
            }
            BulkChange::Assign(assignee) => {
                (self.assignee_id != assignee).then(|| json!({ "assignee_id": self.assignee_id }))
            }
            BulkChange::Archive(archived) => {
                (self.archived != archived).then(|| json!({ "archived": self.archived }))
            }
        }
    }
}

fn after(change: BulkChange) -> (&'static str, serde_json::Value) {
    match change {
        BulkChange::Status(status) => ("status", json!({ "status": status })),
        BulkChange::Assign(assignee) => ("assign", json!({ "assignee_id": assignee })),
        BulkChange::Archive(archived) => ("archive", json!({ "archived": archived })),
    }
}

/// One transaction: lock, compare, apply, audit, announce.
async fn apply_chunk(
    tx: &mut PgConnection,
    viewer: &Viewer,
    scope: Scope,
    chunk: &[SeenCase],
    as_of: Option<OffsetDateTime>,
    change: BulkChange,
) -> Result<BulkReport, sqlx::Error> {
    let ids: Vec<i64> = chunk.iter().map(|case| case.id).collect();
    let mut lock = QueryBuilder::<Postgres>::new(
        "SELECT id, version, status, assignee_id, archived, updated_at FROM cases WHERE tenant_id = ",
    );
    lock.push_bind(viewer.tenant_id)
        .push(" AND id = ANY(")
        .push_bind(&ids)
        .push(")");
    // The only scope that limits what may be changed: an employee's own queue. (The
    // team view's assignee filter is a filter; a case reassigned since has a new
    // version and is skipped below.)
    if scope == Scope::Mine {
        lock.push(" AND assignee_id = ").push_bind(viewer.user_id);
    }
    lock.push(" ORDER BY id FOR UPDATE");
    let locked: HashMap<i64, Locked> = lock
        .build_query_as::<Locked>()
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();

    let mut report = BulkReport::default();
    let mut update_ids = Vec::new();
    let mut befores = Vec::new();
    let mut assignees_before = HashMap::new();
    for seen in chunk {
        let Some(row) = locked.get(&seen.id) else {
            // Gone from the queue (reassigned, another tenant's, deleted).
            report.skipped += 1;
            continue;
        };
        let changed_since =
            row.version != seen.version || as_of.is_some_and(|t| row.updated_at > t);
        if changed_since {
            report.skipped += 1;
            continue;
        }
        match row.before(change) {
            None => report.unchanged += 1,
            Some(before) => {
                update_ids.push(row.id);
                befores.push(before.to_string());
                assignees_before.insert(row.id, row.assignee_id);
            }
        }
    }

    if !update_ids.is_empty() {
        let mut update = QueryBuilder::<Postgres>::new("UPDATE cases SET ");
        match change {
            BulkChange::Status(status) => update.push("status = ").push_bind(status),
            BulkChange::Assign(assignee) => update.push("assignee_id = ").push_bind(assignee),
            BulkChange::Archive(archived) => update.push("archived = ").push_bind(archived),
        };
        update
            .push(", version = version + 1, updated_at = now() WHERE tenant_id = ")
            .push_bind(viewer.tenant_id)
            .push(" AND id = ANY(")
            .push_bind(&update_ids)
            .push(")");
        update.build().execute(&mut *tx).await?;

        let (kind, after) = after(change);
        let recorded = audit::record_cases(tx, viewer, kind, &update_ids, &befores, &after).await?;

        let announced: Vec<Announced> = recorded
            .into_iter()
            .map(|(case_id, action_id)| {
                let before = assignees_before.get(&case_id).copied().flatten();
                Announced {
                    case_id,
                    action_id,
                    assignee_before: before,
                    assignee_after: match change {
                        BulkChange::Assign(assignee) => assignee,
                        _ => before,
                    },
                }
            })
            .collect();
        live::announce(tx, viewer.tenant_id, Some(viewer.user_id), kind, &announced).await?;
        report.updated = update_ids.len() as u64;
    }
    Ok(report)
}
