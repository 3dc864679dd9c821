//! Saving the case page's fields: one transaction per save, in the shape every case
//! write has (ARCHITECTURE.md) — lock the row, compare the version the person read,
//! apply what differs, bump the version, append one audit row, announce, commit. A
//! stale save changes nothing and returns the case as it is now, so the page can show
//! the conflict instead of losing either side.

use serde_json::{Map, Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::case_detail::find;
use super::db::write_tx;
use super::live::{self, Announced};
use super::retry;
use crate::model::{AppError, CaseFields, CaseRecord, ConflictState, Role, Viewer};

/// Saves `fields` over case `number`, if it is still at `seen_version`.
///
/// Returns the saved case (unchanged, and no version bump, when nothing differed).
pub async fn save(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
    seen_version: i32,
    fields: CaseFields,
) -> Result<CaseRecord, AppError> {
    let fields = fields.validated()?;
    retry::transient(|| save_once(pool, viewer, number, seen_version, &fields))
        .await
        .map_err(retry::give_up)?
}

/// One attempt. The outer `Result` is the database's (retried when transient); the
/// inner one is the answer.
async fn save_once(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
    seen_version: i32,
    fields: &CaseFields,
) -> Result<Result<CaseRecord, AppError>, sqlx::Error> {
    let mut tx = write_tx(pool, viewer.tenant_id).await?;
    let Some(current) = find(&mut tx, viewer, number, true).await? else {
        return Ok(Err(AppError::NotFound));
    };
    if current.version != seen_version {
        let changed_by: Option<String> = sqlx::query_scalar(
            "SELECT u.display_name FROM case_actions a JOIN users u ON u.id = a.actor_id
             WHERE a.case_id = $1 AND a.kind <> 'comment' ORDER BY a.id DESC LIMIT 1",
        )
        .bind(current.id)
        .fetch_optional(&mut *tx)
        .await?;
        let state = ConflictState {
            current,
            changed_by,
        };
        return Ok(Err(AppError::Conflict {
            current: serde_json::to_value(&state).unwrap_or(Value::Null),
        }));
    }
    let changed = current.fields.differences(fields);
    if changed.is_empty() {
        return Ok(Ok(current));
    }
    if changed.contains(&"assignee_id")
        && let Err(refused) = may_assign(&mut tx, viewer, fields.assignee_id).await?
    {
        return Ok(Err(refused));
    }

    sqlx::query(
        "UPDATE cases SET title = $2, customer_name = $3, customer_email = $4,
                customer_phone = $5, customer_company = $6, status = $7, priority = $8,
                assignee_id = $9, version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(current.id)
    .bind(&fields.title)
    .bind(&fields.customer_name)
    .bind(&fields.customer_email)
    .bind(&fields.customer_phone)
    .bind(&fields.customer_company)
    .bind(fields.status)
    .bind(fields.priority)
    .bind(fields.assignee_id)
    .execute(&mut *tx)
    .await?;

    let before = as_json(&current.fields);
    let after = as_json(fields);
    let pick = |all: &Map<String, Value>| -> Value {
        Value::Object(
            changed
                .iter()
                .filter_map(|key| Some((key.to_string(), all.get(*key)?.clone())))
                .collect(),
        )
    };
    // One audit row per save; its kind names the change when it is a single one.
    let kind = match changed.as_slice() {
        ["status"] => "status",
        ["priority"] => "priority",
        ["assignee_id"] => "assign",
        _ => "update",
    };
    let action_id: i64 = sqlx::query_scalar(
        "INSERT INTO case_actions (tenant_id, case_id, actor_id, kind, before, after)
         VALUES ($1, $2, $3, $4::case_action_kind, $5, $6) RETURNING id",
    )
    .bind(viewer.tenant_id)
    .bind(current.id)
    .bind(viewer.user_id)
    .bind(kind)
    .bind(pick(&before))
    .bind(pick(&after))
    .fetch_one(&mut *tx)
    .await?;
    live::announce(
        &mut tx,
        viewer.tenant_id,
        Some(viewer.user_id),
        kind,
        &[Announced {
            case_id: current.id,
            action_id,
            assignee_before: current.fields.assignee_id,
            assignee_after: fields.assignee_id,
        }],
    )
    .await?;
    // Read back inside the transaction: the saved row, with the new assignee's name.
    // Tenant-wide (row-level security still holds it to the tenant): an employee who
    // just handed the case back is still answered with what they saved.
    let reader = Viewer {
        role: Role::Admin,
        ..viewer.clone()
    };
    let saved = find(&mut tx, &reader, number, false).await?;
    tx.commit().await?;
    Ok(saved.ok_or(AppError::NotFound))
}

/// Whether `viewer` may give cases to `assignee`: employees may take a case or hand it
/// back to the pool (`None`), not give it to someone else; admins may give it to any
/// active person of the tenant who works cases. Used by single saves and bulk actions.
pub async fn may_assign(
    conn: &mut sqlx::PgConnection,
    viewer: &Viewer,
    assignee: Option<Uuid>,
) -> Result<Result<(), AppError>, sqlx::Error> {
    let Some(assignee) = assignee else {
        return Ok(Ok(()));
    };
    if viewer.role != Role::Admin && assignee != viewer.user_id {
        return Ok(Err(AppError::Forbidden));
    }
    let works_cases: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users
                        WHERE id = $1 AND active AND role IN ('employee', 'admin'))",
    )
    .bind(assignee)
    .fetch_one(conn)
    .await?;
    Ok(if works_cases {
        Ok(())
    } else {
        Err(AppError::invalid(
            "assignee_id",
            "is not an active person in this workspace who works cases",
        ))
    })
}

fn as_json(fields: &CaseFields) -> Map<String, Value> {
    match json!(fields) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
