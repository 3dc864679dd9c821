//! Changing a company and its notes, safely under concurrent edits: each write locks
//! the row, checks the version the person started from (a stale one is a 409 carrying
//! the current state, so the page can show theirs beside yours), applies, bumps the
//! version, and is audited and announced, all in one transaction.

use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::audit::{self, Subject};
use super::db;
use super::live::announce_company;
use crate::model::{AppError, CompanyNote, CompanyRecord, NewCompany, Role, Viewer, bounded_text};

pub const MAX_NOTE_CHARS: usize = 20_000;

/// Saves a company's details if it is still at `version`.
pub async fn save(
    pool: &PgPool,
    viewer: &Viewer,
    id: i64,
    version: i32,
    fields: &NewCompany,
) -> Result<CompanyRecord, AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
        let current = record(&mut tx, id, true).await?.ok_or(AppError::NotFound)?;
        if current.version != version {
            Err(AppError::Conflict {
                current: serde_json::to_value(&current).unwrap_or_default(),
            })?;
        }
        let before = json!({
            "name": current.name, "website": current.website_url, "sector": current.sector,
            "stage": current.stage, "location": current.location,
        });
        let after = json!({
            "name": fields.name, "website": fields.website.url, "sector": fields.sector,
            "stage": fields.stage, "location": fields.location,
        });
        let (before, after) = differences(&before, &after);
        if after.as_object().is_some_and(|changed| changed.is_empty()) {
            return Ok(current);
        }
        if fields.website.key != current.website {
            let taken: Option<(i64, String)> =
                sqlx::query_as("SELECT id, name FROM companies WHERE website = $1 AND id <> $2")
                    .bind(&fields.website.key)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((other, name)) = taken {
                Err(AppError::invalid(
                    "website",
                    format!("is already tracked as {name} (company {other})"),
                ))?;
            }
        }
        sqlx::query(
            "UPDATE companies SET name = $2, website_url = $3, website = $4, sector = $5, stage = $6,
                    location = $7, version = version + 1, updated_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(&fields.name)
        .bind(&fields.website.url)
        .bind(&fields.website.key)
        .bind(&fields.sector)
        .bind(fields.stage)
        .bind(&fields.location)
        .execute(&mut *tx)
        .await?;
        let subject = Subject::Company(id);
        audit::record(&mut tx, viewer, subject, "update", Some(before), Some(after)).await?;
        announce_company(&mut tx, viewer.tenant_id, id, "update").await?;
        Ok(record(&mut tx, id, false).await?.ok_or(AppError::NotFound)?)
    }))
    .await
}

/// The fields that differ, before and after.
fn differences(before: &Value, after: &Value) -> (Value, Value) {
    let (mut was, mut now) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(before), Some(after)) = (before.as_object(), after.as_object()) {
        for (key, value) in after {
            if before.get(key) != Some(value) {
                was.insert(key.clone(), before.get(key).cloned().unwrap_or(Value::Null));
                now.insert(key.clone(), value.clone());
            }
        }
    }
    (Value::Object(was), Value::Object(now))
}

/// Company `id` of the viewer's workspace (the API's representation of it).
pub async fn find(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<CompanyRecord, AppError> {
    let mut tx = db::tenant_tx(pool, viewer.tenant_id).await?;
    let found = record(&mut tx, id, false).await.map_err(db::internal)?;
    db::end_read(tx);
    found.ok_or(AppError::NotFound)
}

pub async fn record(
    conn: &mut PgConnection,
    id: i64,
    lock: bool,
) -> Result<Option<CompanyRecord>, sqlx::Error> {
    // The lock is taken on the company row alone (`FOR UPDATE OF c`).
    let sql = format!(
        "SELECT c.id, c.name, c.website, c.website_url, c.sector, c.stage, c.location, c.version,
                u.display_name AS added_by, c.created_at, c.updated_at
         FROM companies c LEFT JOIN users u ON u.id = c.added_by
         WHERE c.id = $1{}",
        if lock { " FOR UPDATE OF c" } else { "" }
    );
    sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
}

// ---- Notes -----------------------------------------------------------------------

pub fn note_body(body: &str) -> Result<String, AppError> {
    bounded_text("body", body, 1, MAX_NOTE_CHARS)
}

/// The company's notes, oldest first (deleted ones are gone from the list; the audit
/// trail keeps them).
pub async fn notes(
    conn: &mut PgConnection,
    company_id: i64,
) -> Result<Vec<CompanyNote>, sqlx::Error> {
    let mut notes: Vec<CompanyNote> = sqlx::query_as(
        "SELECT n.id, n.body, n.version, n.author_id, a.display_name AS author,
                e.display_name AS edited_by, n.created_at, n.updated_at
         FROM company_notes n
         LEFT JOIN users a ON a.id = n.author_id
         LEFT JOIN users e ON e.id = n.updated_by AND n.updated_by IS DISTINCT FROM n.author_id
         WHERE n.company_id = $1 AND n.deleted_at IS NULL
         ORDER BY n.created_at, n.id",
    )
    .bind(company_id)
    .fetch_all(&mut *conn)
    .await?;
    for note in &mut notes {
        note.body_html = super::markdown::render(&note.body);
    }
    Ok(notes)
}

pub async fn add_note(
    pool: &PgPool,
    viewer: &Viewer,
    company_id: i64,
    body: &str,
) -> Result<CompanyNote, AppError> {
    let body = &note_body(body)?;
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            record(&mut tx, company_id, true)
                .await?
                .ok_or(AppError::NotFound)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO company_notes (tenant_id, company_id, author_id, body, updated_by)
             VALUES ($1, $2, $3, $4, $3) RETURNING id",
            )
            .bind(viewer.tenant_id)
            .bind(company_id)
            .bind(viewer.user_id)
            .bind(body)
            .fetch_one(&mut *tx)
            .await?;
            let after = json!({ "note_id": id, "body": body });
            let subject = Subject::Company(company_id);
            audit::record(&mut tx, viewer, subject, "note_added", None, Some(after)).await?;
            announce_company(&mut tx, viewer.tenant_id, company_id, super::live::NOTE).await?;
            Ok(note(&mut tx, company_id, id)
                .await?
                .ok_or(AppError::NotFound)?)
        })
    })
    .await
}

async fn note(
    conn: &mut PgConnection,
    company_id: i64,
    note_id: i64,
) -> Result<Option<CompanyNote>, sqlx::Error> {
    Ok(notes(conn, company_id)
        .await?
        .into_iter()
        .find(|note| note.id == note_id))
}

/// Edits a note if it is still at `version` (409 with the current note otherwise).
/// Anyone who may see the company may edit its notes: they are the team's notes.
pub async fn edit_note(
    pool: &PgPool,
    viewer: &Viewer,
    company_id: i64,
    note_id: i64,
    version: i32,
    body: &str,
) -> Result<CompanyNote, AppError> {
    let body = &note_body(body)?;
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
        let current: Option<(i32, String)> = sqlx::query_as(
            "SELECT version, body FROM company_notes
             WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL FOR UPDATE",
        )
        .bind(note_id)
        .bind(company_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (current_version, old_body) = current.ok_or(AppError::NotFound)?;
        if current_version != version {
            let now = note(&mut tx, company_id, note_id).await?;
            Err(AppError::Conflict {
                current: serde_json::to_value(now).unwrap_or_default(),
            })?;
        }
        if old_body != *body {
            sqlx::query(
                "UPDATE company_notes SET body = $2, version = version + 1, updated_at = now(), updated_by = $3
                 WHERE id = $1",
            )
            .bind(note_id)
            .bind(body)
            .bind(viewer.user_id)
            .execute(&mut *tx)
            .await?;
            let before = json!({ "note_id": note_id, "body": old_body });
            let after = json!({ "note_id": note_id, "body": body });
            let subject = Subject::Company(company_id);
            audit::record(&mut tx, viewer, subject, "note_edited", Some(before), Some(after)).await?;
            announce_company(&mut tx, viewer.tenant_id, company_id, super::live::NOTE).await?;
        }
        Ok(note(&mut tx, company_id, note_id)
            .await?
            .ok_or(AppError::NotFound)?)
    }))
    .await
}

/// Deletes a note (softly: the audit trail keeps what it said): its author or an admin.
pub async fn delete_note(
    pool: &PgPool,
    viewer: &Viewer,
    company_id: i64,
    note_id: i64,
) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let current: Option<(Option<uuid::Uuid>, String)> = sqlx::query_as(
                "SELECT author_id, body FROM company_notes
             WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL FOR UPDATE",
            )
            .bind(note_id)
            .bind(company_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (author, body) = current.ok_or(AppError::NotFound)?;
            if author != Some(viewer.user_id) && viewer.role != Role::Admin {
                Err(AppError::Forbidden)?;
            }
            sqlx::query("UPDATE company_notes SET deleted_at = now() WHERE id = $1")
                .bind(note_id)
                .execute(&mut *tx)
                .await?;
            let before = json!({ "note_id": note_id, "body": body });
            let subject = Subject::Company(company_id);
            audit::record(&mut tx, viewer, subject, "note_deleted", Some(before), None).await?;
            announce_company(&mut tx, viewer.tenant_id, company_id, super::live::NOTE).await?;
            Ok(())
        })
    })
    .await
}
