//! Reading one case for its page: who may see it, its fields, its comment thread and
//! its audit trail put into words.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::authz::{self, Capability};
use super::db::{internal, tenant_tx};
use super::markdown;
use crate::model::{
    ActivityEntry, AppError, Assignee, CaseDetail, CaseFields, CasePriority, CaseRecord,
    CaseStatus, Comment, Viewer,
};

/// How long after posting an author may still edit a comment.
pub const COMMENT_EDIT_WINDOW: time::Duration = time::Duration::minutes(15);
/// The thread shows the latest this many comments, the activity tab this many entries.
const THREAD_LIMIT: i64 = 500;
const ACTIVITY_LIMIT: i64 = 200;

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    number: i32,
    title: String,
    customer_name: String,
    customer_email: String,
    customer_phone: String,
    customer_company: String,
    status: CaseStatus,
    priority: CasePriority,
    assignee_id: Option<Uuid>,
    assignee_name: Option<String>,
    archived: bool,
    version: i32,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl From<CaseRow> for CaseRecord {
    fn from(row: CaseRow) -> Self {
        CaseRecord {
            id: row.id,
            number: row.number,
            fields: CaseFields {
                title: row.title,
                customer_name: row.customer_name,
                customer_email: row.customer_email,
                customer_phone: row.customer_phone,
                customer_company: row.customer_company,
                status: row.status,
                priority: row.priority,
                assignee_id: row.assignee_id,
            },
            assignee_name: row.assignee_name,
            archived: row.archived,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An admin's assignee menu lists everyone who works cases up to this many (a select
/// longer than that is a search's job).
pub const FULL_ASSIGNEE_MENU: usize = 100;

/// Active people who work cases whose name or email contains `query` (at most 20, by
/// name): the assignee picker's search.
pub async fn find_people(
    pool: &PgPool,
    viewer: &Viewer,
    query: &str,
) -> Result<Vec<Assignee>, AppError> {
    let query = query.trim();
    if query.chars().count() > 100 {
        return Err(AppError::invalid(
            "query",
            "is too long (100 characters at most)",
        ));
    }
    // The text is matched literally: LIKE's own wildcards in it are escaped.
    let pattern = super::db::contains_pattern(query);
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let people = sqlx::query_as(
        "SELECT id, display_name FROM users
         WHERE active AND role IN ('employee', 'admin')
           AND (display_name ILIKE $1 OR email ILIKE $1)
         ORDER BY lower(display_name), id LIMIT 20",
    )
    .bind(pattern)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(people)
}

/// The case numbered `number` if `viewer` may see it: admins see every case of their
/// tenant, employees the cases assigned to them. Anything else is "not found" (a case
/// one may not see is not confirmed to exist). With `lock`, the row is locked
/// `FOR UPDATE` until the caller's transaction ends.
/// What a live stream of case `number` missed: the case's id and its audit rows after
/// `after` (none when `after` is `None`), oldest first, at most `limit`. The case must
/// be one the viewer works (404 otherwise).
pub async fn actions_since(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
    after: Option<i64>,
    limit: i64,
) -> Result<(i64, Vec<(i64, String, Option<Uuid>)>), AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let case = find(&mut tx, viewer, number, false)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let missed = match after {
        None => Vec::new(),
        Some(after) => sqlx::query_as(
            "SELECT id, kind::text, actor_id FROM case_actions
             WHERE case_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(case.id)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?,
    };
    tx.commit().await.map_err(internal)?;
    Ok((case.id, missed))
}

pub async fn find(
    conn: &mut PgConnection,
    viewer: &Viewer,
    number: i32,
    lock: bool,
) -> Result<Option<CaseRecord>, sqlx::Error> {
    // The lock is taken on `cases` only (`OF c`): the joined user row is just a name.
    let sql = format!(
        "SELECT c.id, c.number, c.title, c.customer_name, c.customer_email, c.customer_phone,
                c.customer_company, c.status, c.priority, c.assignee_id,
                u.display_name AS assignee_name, c.archived, c.version, c.created_at, c.updated_at
         FROM cases c LEFT JOIN users u ON u.id = c.assignee_id
         WHERE c.tenant_id = $1 AND c.number = $2
           AND ($3 OR c.assignee_id = $4)
         {}",
        if lock { "FOR UPDATE OF c" } else { "" }
    );
    let row: Option<CaseRow> = sqlx::query_as(&sql)
        .bind(viewer.tenant_id)
        .bind(number)
        // Every case for those who manage all of them (admins, API keys), else one's own.
        .bind(authz::allows(viewer, Capability::ManageAllCases))
        .bind(viewer.user_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(CaseRecord::from))
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: i64,
    author_id: Option<Uuid>,
    author_name: Option<String>,
    body: String,
    created_at: OffsetDateTime,
    edited_at: Option<OffsetDateTime>,
    deleted: bool,
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: i64,
    actor_name: Option<String>,
    kind: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    at: OffsetDateTime,
}

pub async fn load(pool: &PgPool, viewer: &Viewer, number: i32) -> Result<CaseDetail, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let case = find(&mut tx, viewer, number, false)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let comments: Vec<CommentRow> = sqlx::query_as(
        "SELECT * FROM (
             SELECT m.id, m.author_id, coalesce(u.display_name, m.author_label) AS author_name,
                    m.body, m.created_at,
                    m.edited_at, m.deleted_at IS NOT NULL AS deleted
             FROM case_comments m LEFT JOIN users u ON u.id = m.author_id
             WHERE m.case_id = $1
             ORDER BY m.created_at DESC, m.id DESC LIMIT $2
         ) latest ORDER BY created_at, id",
    )
    .bind(case.id)
    .bind(THREAD_LIMIT)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let actions: Vec<ActionRow> = sqlx::query_as(
        "SELECT a.id, coalesce(u.display_name, a.after->>'actor_label') AS actor_name,
                a.kind::text AS kind, a.before, a.after, a.at
         FROM case_actions a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.case_id = $1
         ORDER BY a.id DESC LIMIT $2",
    )
    .bind(case.id)
    .bind(ACTIVITY_LIMIT)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    // The picker starts with the viewer and the current assignee; admins search for
    // anyone else (`find_people`), so a tenant of thousands is not sent with every case
    // (a smaller one is listed whole: api::case::load_case).
    let mut people = vec![Assignee {
        id: viewer.user_id,
        display_name: viewer.display_name.clone(),
    }];
    if let (Some(id), Some(name)) = (case.fields.assignee_id, case.assignee_name.clone())
        && id != viewer.user_id
    {
        people.push(Assignee {
            id,
            display_name: name,
        });
    }
    // Names for the assignee ids the trail mentions (people who left included).
    let mentioned: Vec<Uuid> = actions
        .iter()
        .flat_map(|a| [&a.before, &a.after])
        .filter_map(|value| value.as_ref()?.get("assignee_id")?.as_str()?.parse().ok())
        .collect();
    let names: HashMap<Uuid, String> = sqlx::query_as::<_, (Uuid, String)>(
        "SELECT id, display_name FROM users WHERE id = ANY($1)",
    )
    .bind(&mentioned)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?
    .into_iter()
    .collect();
    tx.commit().await.map_err(internal)?;

    let now = OffsetDateTime::now_utc();
    let last_event_id = actions.first().map(|a| a.id).unwrap_or(0);
    Ok(CaseDetail {
        case,
        comments: comments
            .into_iter()
            .map(|row| comment(row, viewer, now))
            .collect(),
        activity: actions
            .into_iter()
            .map(|row| activity(row, &names))
            .collect(),
        assignees: people,
        last_event_id,
    })
}

/// Case `number` alone (the API's representation of it), if the viewer may see it.
pub async fn record(pool: &PgPool, viewer: &Viewer, number: i32) -> Result<CaseRecord, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let case = find(&mut tx, viewer, number, false)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    super::db::end_read(tx);
    Ok(case)
}

/// Up to `limit` comments of case `number` after comment `after`, oldest first (the
/// API's paging of a thread; the page shows the latest [`THREAD_LIMIT`]), and whether
/// more follow.
pub async fn comments_page(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
    after: i64,
    limit: i64,
) -> Result<(Vec<Comment>, bool), AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let case = find(&mut tx, viewer, number, false)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let mut rows: Vec<CommentRow> = sqlx::query_as(
        "SELECT m.id, m.author_id, coalesce(u.display_name, m.author_label) AS author_name,
                m.body, m.created_at, m.edited_at, m.deleted_at IS NOT NULL AS deleted
         FROM case_comments m LEFT JOIN users u ON u.id = m.author_id
         WHERE m.case_id = $1 AND m.id > $2
         ORDER BY m.id LIMIT $3",
    )
    .bind(case.id)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    super::db::end_read(tx);
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let now = OffsetDateTime::now_utc();
    Ok((
        rows.into_iter()
            .map(|row| comment(row, viewer, now))
            .collect(),
        more,
    ))
}

fn comment(row: CommentRow, viewer: &Viewer, now: OffsetDateTime) -> Comment {
    let own = row.author_id == Some(viewer.user_id);
    Comment {
        id: row.id,
        author_id: row.author_id,
        author_name: row
            .author_name
            .unwrap_or_else(|| "Former member".to_string()),
        body_html: if row.deleted {
            String::new()
        } else {
            markdown::render(&row.body)
        },
        body: if row.deleted { String::new() } else { row.body },
        created_at: row.created_at,
        edited_at: row.edited_at,
        deleted: row.deleted,
        can_edit: own && !row.deleted && now - row.created_at <= COMMENT_EDIT_WINDOW,
        can_delete: !row.deleted && (own || authz::allows(viewer, Capability::ManageAllCases)),
    }
}

fn activity(row: ActionRow, names: &HashMap<Uuid, String>) -> ActivityEntry {
    let field = |value: &Option<serde_json::Value>, key: &str| -> Option<serde_json::Value> {
        value.as_ref()?.get(key).cloned()
    };
    let label = |value: Option<serde_json::Value>| -> String {
        match value {
            None | Some(serde_json::Value::Null) => "nobody".to_string(),
            Some(serde_json::Value::String(text)) => match text.parse::<Uuid>() {
                Ok(id) => names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "a former member".to_string()),
                Err(_) => capitalise(&text),
            },
            Some(serde_json::Value::Bool(true)) => "yes".to_string(),
            Some(serde_json::Value::Bool(false)) => "no".to_string(),
            Some(other) => other.to_string(),
        }
    };
    let change = |key: &str, what: &str| {
        format!(
            "changed {what} from {} to {}",
            label(field(&row.before, key)),
            label(field(&row.after, key))
        )
    };
    let summary = match row.kind.as_str() {
        "create" => "opened the case".to_string(),
        "status" => change("status", "the status"),
        "priority" => change("priority", "the priority"),
        "assign" => {
            let to = label(field(&row.after, "assignee_id"));
            if to == "nobody" {
                "returned the case to the unassigned pool".to_string()
            } else {
                format!("assigned the case to {to}")
            }
        }
        "archive" => {
            if field(&row.after, "archived") == Some(serde_json::Value::Bool(true)) {
                "archived the case".to_string()
            } else {
                "unarchived the case".to_string()
            }
        }
        "comment" => match row.after.as_ref().and_then(|a| a.get("event")?.as_str()) {
            Some("edited") => "edited a comment".to_string(),
            Some("deleted") => "deleted a comment".to_string(),
            _ => "commented".to_string(),
        },
        _ => {
            // In the page's order (jsonb keeps its own).
            let keys: Vec<String> = CaseFields::NAMES
                .into_iter()
                .filter(|key| field(&row.after, key).is_some())
                .map(|key| key.trim_end_matches("_id").replace('_', " "))
                .collect();
            if keys.is_empty() {
                "updated the case".to_string()
            } else {
                format!("updated {}", keys.join(", "))
            }
        }
    };
    ActivityEntry {
        id: row.id,
        actor_name: row.actor_name.unwrap_or_else(|| "System".to_string()),
        kind: row.kind,
        summary,
        at: row.at,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
