//! Saved searches: a person's named filters of the companies page, each stored as the
//! filter's canonical query string (`CompanyFilter::query_string(None)`: one order, no
//! page marker), so opening one reproduces the filter exactly. Private to the person;
//! row-level security keeps them in their workspace.

use serde_json::json;
use sqlx::PgPool;

use super::db::{internal, tenant_tx, write_tx};
use super::lists::{self, Lock};
use super::retry;
use crate::model::{
    AppError, CompanyFilter, MAX_SAVED_QUERY_CHARS, MAX_SAVED_SEARCHES, SavedSearch, Viewer,
};

/// The viewer's saved searches, by name.
pub async fn mine(pool: &PgPool, viewer: &Viewer) -> Result<Vec<SavedSearch>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, query FROM saved_searches WHERE user_id = $1 ORDER BY lower(name), id",
    )
    .bind(viewer.user_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, query)| SavedSearch { id, name, query })
        .collect())
}

/// The canonical query string of a filter worth saving: it must narrow the list, and a
/// list it names must be one the viewer can see.
fn canonical(filter: &CompanyFilter) -> Result<String, AppError> {
    if filter.is_everything() {
        return Err(AppError::invalid(
            "query",
            "choose at least one filter before saving a search",
        ));
    }
    let query = filter.query_string(None);
    if query.chars().count() > MAX_SAVED_QUERY_CHARS {
        return Err(AppError::invalid("query", "is too long to save"));
    }
    Ok(query)
}

/// Saves `filter` as `name` (already parsed) for the viewer. A name they already use
/// (in any case) is a 409 naming that search.
pub async fn save(
    pool: &PgPool,
    viewer: &Viewer,
    name: &str,
    filter: &CompanyFilter,
) -> Result<SavedSearch, AppError> {
    let query = canonical(filter)?;
    retry::transient(|| save_once(pool, viewer, name, filter, &query))
        .await
        .map_err(retry::give_up)?
}

async fn save_once(
    pool: &PgPool,
    viewer: &Viewer,
    name: &str,
    filter: &CompanyFilter,
    query: &str,
) -> Result<Result<SavedSearch, AppError>, sqlx::Error> {
    let mut tx = write_tx(pool, viewer.tenant_id).await?;
    // One person's saves one at a time, so the cap is exact.
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
        .bind(viewer.user_id)
        .execute(&mut *tx)
        .await?;
    if let Some(list) = filter.list
        && lists::find_visible(&mut tx, viewer, list, Lock::KeyShare)
            .await?
            .is_none()
    {
        return Ok(Err(AppError::invalid("list", "is not a list you can see")));
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM saved_searches WHERE user_id = $1")
        .bind(viewer.user_id)
        .fetch_one(&mut *tx)
        .await?;
    if count >= MAX_SAVED_SEARCHES {
        return Ok(Err(AppError::invalid(
            "name",
            format!("you already have {MAX_SAVED_SEARCHES} saved searches; delete one first"),
        )));
    }
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO saved_searches (tenant_id, user_id, name, query) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .bind(name)
    .bind(query)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        let existing: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, name FROM saved_searches WHERE user_id = $1 AND lower(name) = lower($2)",
        )
        .bind(viewer.user_id)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        return Ok(Err(match existing {
            Some((id, name)) => AppError::Conflict {
                current: json!({ "id": id, "name": name, "duplicate": true }),
            },
            None => AppError::Unavailable,
        }));
    };
    audit(
        &mut tx,
        viewer,
        "search_saved",
        None,
        Some(json!({ "id": id, "name": name, "query": query })),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(SavedSearch {
        id,
        name: name.to_string(),
        query: query.to_string(),
    }))
}

/// Deletes the viewer's saved search `id` (404 if it is not theirs).
pub async fn delete(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<(), AppError> {
    retry::transient(|| delete_once(pool, viewer, id))
        .await
        .map_err(retry::give_up)?
}

async fn delete_once(
    pool: &PgPool,
    viewer: &Viewer,
    id: i64,
) -> Result<Result<(), AppError>, sqlx::Error> {
    let mut tx = write_tx(pool, viewer.tenant_id).await?;
    let deleted: Option<(String, String)> = sqlx::query_as(
        "DELETE FROM saved_searches WHERE id = $1 AND user_id = $2 RETURNING name, query",
    )
    .bind(id)
    .bind(viewer.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((name, query)) = deleted else {
        return Ok(Err(AppError::NotFound));
    };
    audit(
        &mut tx,
        viewer,
        "search_deleted",
        Some(json!({ "id": id, "name": name, "query": query })),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Saved searches belong to no company or list: their audit rows carry neither.
async fn audit(
    conn: &mut sqlx::PgConnection,
    viewer: &Viewer,
    kind: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO company_actions (tenant_id, actor_id, kind, before, after)
         VALUES ($1, $2, $3::company_action_kind, $4, $5)",
    )
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .bind(kind)
    .bind(before)
    .bind(after)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}
