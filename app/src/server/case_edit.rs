//! Saving the case page's fields: one transaction per save, in the shape every case
//! write has (ARCHITECTURE.md) — lock the row, compare the version the person read,
//! apply what differs, bump the version, append one audit row, announce, commit. A
//! stale save changes nothing and returns the case as it is now, so the page can show
//! the conflict instead of losing either side.

use serde_json::{Map, Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::audit;
use super::case_detail::find;
use super::db::{self, Abort};
use super::live::{self, Announced};
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
    let fields = &fields.validated()?;
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let current = find(&mut tx, viewer, number, true)
                .await?
                .ok_or(AppError::NotFound)?;
            if current.version != seen_version {
                return Err(conflict(&mut tx, current).await?.into());
            }
            let changed = current.fields.differences(fields);
            if changed.is_empty() {
                return Ok(current);
            }
            if changed.contains(&"assignee_id") {
                may_assign(&mut tx, viewer, fields.assignee_id).await?;
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
            let pick = |all: &Map<String, Value>| -> Option<Value> {
                Some(Value::Object(
                    changed
                        .iter()
                        .filter_map(|key| Some((key.to_string(), all.get(*key)?.clone())))
                        .collect(),
                ))
            };
            // One audit row per save; its kind names the change when it is a single one.
            let kind = match changed.as_slice() {
                ["status"] => "status",
                ["priority"] => "priority",
                ["assignee_id"] => "assign",
                _ => "update",
            };
            let subject = audit::Subject::Case(current.id);
            let action_id =
                audit::record(&mut tx, viewer, subject, kind, pick(&before), pick(&after)).await?;
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
            Ok(find(&mut tx, &reader, number, false)
                .await?
                .ok_or(AppError::NotFound)?)
        })
    })
    .await
}

/// The refusal of a stale save: the case as it is now, and who changed it last.
async fn conflict(tx: &mut PgConnection, current: CaseRecord) -> Result<AppError, sqlx::Error> {
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
    Ok(AppError::Conflict {
        current: serde_json::to_value(&state).unwrap_or(Value::Null),
    })
}

/// Whether `viewer` may give cases to `assignee`: employees may take a case or hand it
/// back to the pool (`None`), not give it to someone else; admins may give it to any
/// active person of the tenant who works cases. Used by single saves and bulk actions.
pub async fn may_assign(
    conn: &mut PgConnection,
    viewer: &Viewer,
    assignee: Option<Uuid>,
) -> Result<(), Abort> {
    let Some(assignee) = assignee else {
        return Ok(());
    };
    if !super::authz::allows(viewer, super::authz::Capability::ManageAllCases)
        && assignee != viewer.user_id
    {
        Err(AppError::Forbidden)?;
    }
    let works_cases: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users
                        WHERE id = $1 AND active AND role IN ('employee', 'admin'))",
    )
    .bind(assignee)
    .fetch_one(conn)
    .await?;
    if !works_cases {
        Err(AppError::invalid(
            "assignee_id",
            "is not an active person in this workspace who works cases",
        ))?;
    }
    Ok(())
}

fn as_json(fields: &CaseFields) -> Map<String, Value> {
    match json!(fields) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
