//! The inquiry form's settings (admins): on or off, the introduction, the daily cap,
//! how inquiries are assigned and to whom. Saved in one write with its audit row.

use serde_json::json;
use sqlx::PgPool;

use crate::model::{
    AppError, InquiryAssignment, InquiryPerson, InquirySettings, InquirySettingsChange, Viewer,
};
use crate::server::audit::{self, Subject};
use crate::server::db::{self, internal};

/// A workspace that never saved its form has these.
const DEFAULT_DAILY_CAP: i32 = 500;

#[derive(sqlx::FromRow)]
struct Row {
    slug: String,
    enabled: Option<bool>,
    intro: Option<String>,
    daily_cap: Option<i32>,
    assignment: Option<InquiryAssignment>,
    today: Option<i32>,
    wip_limit: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: uuid::Uuid,
    display_name: String,
    chosen: bool,
    open: i64,
}

/// The settings and the people who may be chosen (active employees and admins, the
/// chosen ones first, with their open cases).
pub async fn load(pool: &PgPool, viewer: &Viewer) -> Result<InquirySettings, AppError> {
    let mut tx = db::tenant_tx(pool, viewer.tenant_id).await?;
    let row: Row = sqlx::query_as(
        "SELECT t.slug, f.enabled, f.intro, f.daily_cap, f.assignment,
                CASE WHEN f.day = (now() AT TIME ZONE 'UTC')::date THEN f.day_count ELSE 0 END
                    AS today,
                t.wip_limit
         FROM tenants t LEFT JOIN inquiry_forms f ON f.tenant_id = t.id
         WHERE t.id = $1",
    )
    .bind(viewer.tenant_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)?;
    let people: Vec<PersonRow> = sqlx::query_as(
        "SELECT u.id, u.display_name, a.user_id IS NOT NULL AS chosen,
                coalesce(l.open, 0)::bigint AS open
         FROM users u
         LEFT JOIN inquiry_assignees a ON a.tenant_id = u.tenant_id AND a.user_id = u.id
         LEFT JOIN case_loads l ON l.tenant_id = u.tenant_id AND l.assignee_id = u.id
         WHERE u.tenant_id = $1 AND u.active AND u.role IN ('employee', 'admin')
         ORDER BY a.user_id IS NULL, lower(u.display_name), u.id",
    )
    .bind(viewer.tenant_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    db::end_read(tx);
    Ok(InquirySettings {
        slug: row.slug,
        enabled: row.enabled.unwrap_or(false),
        intro: row.intro.unwrap_or_default(),
        daily_cap: row.daily_cap.unwrap_or(DEFAULT_DAILY_CAP),
        assignment: row.assignment.unwrap_or(InquiryAssignment::Pool),
        today: row.today.unwrap_or(0),
        wip_limit: row.wip_limit,
        people: people
            .into_iter()
            .map(|p| InquiryPerson {
                id: p.id,
                display_name: p.display_name,
                chosen: p.chosen,
                open: p.open,
            })
            .collect(),
    })
}

/// Saves `change`. Everyone chosen must be an active employee or admin of this
/// workspace (someone else's id, or an analyst's, refuses the whole change).
pub async fn save(
    pool: &PgPool,
    viewer: &Viewer,
    change: &InquirySettingsChange,
) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let before: Option<serde_json::Value> = sqlx::query_scalar(
                "SELECT jsonb_build_object(
                     'enabled', f.enabled, 'intro', f.intro, 'daily_cap', f.daily_cap,
                     'assignment', f.assignment,
                     'people', (SELECT coalesce(jsonb_agg(a.user_id ORDER BY a.user_id), '[]')
                                FROM inquiry_assignees a WHERE a.tenant_id = f.tenant_id))
                 FROM inquiry_forms f WHERE f.tenant_id = $1 FOR UPDATE",
            )
            .bind(viewer.tenant_id)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO inquiry_forms AS f (tenant_id, enabled, intro, daily_cap, assignment)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (tenant_id) DO UPDATE
                 SET enabled = EXCLUDED.enabled, intro = EXCLUDED.intro,
                     daily_cap = EXCLUDED.daily_cap, assignment = EXCLUDED.assignment,
                     updated_at = now()",
            )
            .bind(viewer.tenant_id)
            .bind(change.enabled)
            .bind(&change.intro)
            .bind(change.daily_cap)
            .bind(change.assignment)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM inquiry_assignees WHERE tenant_id = $1")
                .bind(viewer.tenant_id)
                .execute(&mut *tx)
                .await?;
            let added = sqlx::query(
                "INSERT INTO inquiry_assignees (tenant_id, user_id)
                 SELECT u.tenant_id, u.id FROM users u
                 WHERE u.tenant_id = $1 AND u.id = ANY($2) AND u.active
                   AND u.role IN ('employee', 'admin')",
            )
            .bind(viewer.tenant_id)
            .bind(&change.people)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added != change.people.len() as u64 {
                Err(AppError::invalid(
                    "people",
                    "includes someone who is not an active employee or admin of this workspace",
                ))?;
            }
            let mut people = change.people.clone();
            people.sort();
            let after = json!({
                "enabled": change.enabled,
                "intro": change.intro,
                "daily_cap": change.daily_cap,
                "assignment": change.assignment,
                "people": people,
            });
            if before.as_ref() != Some(&after) {
                audit::record(
                    &mut tx,
                    viewer,
                    Subject::Integration,
                    "inquiry_form_changed",
                    before,
                    Some(after),
                )
                .await?;
            }
            Ok(())
        })
    })
    .await
}
