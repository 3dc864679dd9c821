//! The comment thread: post, edit (the author, for a while), delete (softly: the
//! author or an admin). Comments are append-only and never conflict with field edits:
//! they do not bump the case's version, so a colleague's comment never makes your
//! unsaved field edit stale. Each is still one transaction that locks the case row (so
//! comments on one case are ordered), writes an audit row and announces itself.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::authz::{self, Capability};
use super::case_detail::{COMMENT_EDIT_WINDOW, find};
use super::live::{self, Announced};
use super::{audit, db, markdown, notifications};
use crate::model::{AppError, CaseRecord, Comment, MAX_COMMENT_CHARS, Viewer};

fn checked_body(body: &str) -> Result<String, AppError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::invalid("body", "write something first"));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::invalid(
            "body",
            format!("is too long ({MAX_COMMENT_CHARS} characters at most)"),
        ));
    }
    crate::model::check_text("body", body)?;
    Ok(body.to_string())
}

/// Posts a comment on case `number`; returns it as the thread shows it.
pub async fn post(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
    body: &str,
) -> Result<Comment, AppError> {
    let body = &checked_body(body)?;
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let case = find(&mut tx, viewer, number, true)
                .await?
                .ok_or(AppError::NotFound)?;
            let (id, created_at): (i64, OffsetDateTime) = sqlx::query_as(
                "INSERT INTO case_comments (tenant_id, case_id, author_id, body)
             VALUES ($1, $2, $3, $4) RETURNING id, created_at",
            )
            .bind(viewer.tenant_id)
            .bind(case.id)
            .bind(viewer.user_id)
            .bind(body)
            .fetch_one(&mut *tx)
            .await?;
            record(
                &mut tx,
                viewer,
                &case,
                None,
                json!({ "comment_id": id, "event": "posted" }),
            )
            .await?;
            notifications::commented(&mut tx, viewer, &case, body, None).await?;
            Ok(Comment {
                id,
                author_id: Some(viewer.user_id),
                author_name: viewer.display_name.clone(),
                body_html: markdown::render(body),
                body: body.to_string(),
                created_at,
                edited_at: None,
                deleted: false,
                can_edit: true,
                can_delete: true,
            })
        })
    })
    .await
}

/// Replaces the body of the viewer's own comment, within the edit window.
pub async fn edit(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
    comment_id: i64,
    body: &str,
) -> Result<(), AppError> {
    let body = checked_body(body)?;
    change(pool, viewer, number, comment_id, Some(&body)).await
}

/// Deletes a comment softly (its place in the thread stays, marked deleted): its
/// author, or an admin.
pub async fn delete(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
    comment_id: i64,
) -> Result<(), AppError> {
    change(pool, viewer, number, comment_id, None).await
}

/// An edit (`Some(body)`) or a delete (`None`).
async fn change(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
    comment_id: i64,
    body: Option<&str>,
) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let case = find(&mut tx, viewer, number, true)
                .await?
                .ok_or(AppError::NotFound)?;
            let found: Option<(
                Option<uuid::Uuid>,
                String,
                OffsetDateTime,
                bool,
                OffsetDateTime,
            )> = sqlx::query_as(
                "SELECT author_id, body, created_at, deleted_at IS NOT NULL, now()
                 FROM case_comments WHERE id = $1 AND case_id = $2 FOR UPDATE",
            )
            .bind(comment_id)
            .bind(case.id)
            .fetch_optional(&mut *tx)
            .await?;
            let (author, old_body, created_at, deleted, now) = found.ok_or(AppError::NotFound)?;
            if deleted {
                Err(AppError::invalid("comment", "was deleted"))?;
            }
            let own = author == Some(viewer.user_id);
            let before = Some(json!({ "comment_id": comment_id, "body": old_body }));
            match body {
                Some(body) => {
                    if !own {
                        Err(AppError::Forbidden)?;
                    }
                    if now - created_at > COMMENT_EDIT_WINDOW {
                        Err(AppError::invalid(
                            "comment",
                            "can only be edited in the first 15 minutes after posting",
                        ))?;
                    }
                    if body == old_body {
                        return Ok(());
                    }
                    sqlx::query(
                        "UPDATE case_comments SET body = $2, edited_at = now() WHERE id = $1",
                    )
                    .bind(comment_id)
                    .bind(body)
                    .execute(&mut *tx)
                    .await?;
                    let after =
                        json!({ "comment_id": comment_id, "event": "edited", "body": body });
                    record(&mut tx, viewer, &case, before, after).await?;
                    notifications::commented(&mut tx, viewer, &case, body, Some(&old_body)).await?;
                }
                None => {
                    if !own && !authz::allows(viewer, Capability::ManageAllCases) {
                        Err(AppError::Forbidden)?;
                    }
                    sqlx::query("UPDATE case_comments SET deleted_at = now() WHERE id = $1")
                        .bind(comment_id)
                        .execute(&mut *tx)
                        .await?;
                    let after = json!({ "comment_id": comment_id, "event": "deleted" });
                    record(&mut tx, viewer, &case, before, after).await?;
                }
            }
            Ok(())
        })
    })
    .await
}

/// The audit row, the case's `updated_at` (activity moves it up the queue; the version
/// is for field edits only), and the announcement.
async fn record(
    tx: &mut PgConnection,
    viewer: &Viewer,
    case: &CaseRecord,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let subject = audit::Subject::Case(case.id);
    let action_id = audit::record(tx, viewer, subject, "comment", before, Some(after)).await?;
    sqlx::query("UPDATE cases SET updated_at = now() WHERE id = $1")
        .bind(case.id)
        .execute(&mut *tx)
        .await?;
    live::announce(
        tx,
        viewer.tenant_id,
        Some(viewer.user_id),
        "comment",
        &[Announced {
            case_id: case.id,
            action_id,
            assignee_before: case.fields.assignee_id,
            assignee_after: case.fields.assignee_id,
        }],
    )
    .await
}
