//! Saved searches: a person's named filters of the companies page, each stored as the
//! filter's canonical query string (`CompanyFilter::query_string(None)`: one order, no
//! page marker), so opening one reproduces the filter exactly. Private to the person;
//! row-level security keeps them in their workspace.

use serde_json::json;
use sqlx::PgPool;

use super::audit::{self, Subject};
use super::db::{self, internal, tenant_tx};
use super::lists::{self, Lock};
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
    let query = &canonical(filter)?;
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
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
            Err(AppError::invalid("list", "is not a list you can see"))?;
        }
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM saved_searches WHERE user_id = $1")
                .bind(viewer.user_id)
                .fetch_one(&mut *tx)
                .await?;
        if count >= MAX_SAVED_SEARCHES {
            Err(AppError::invalid(
                "name",
                format!("you already have {MAX_SAVED_SEARCHES} saved searches; delete one first"),
            ))?;
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
            let refusal = match existing {
                Some((id, name)) => AppError::Conflict {
                    current: json!({ "id": id, "name": name, "duplicate": true }),
                },
                None => AppError::Unavailable,
            };
            return Err(refusal.into());
        };
        let after = json!({ "id": id, "name": name, "query": query });
        audit::record(&mut tx, viewer, Subject::SavedSearch, "search_saved", None, Some(after)).await?;
        Ok(SavedSearch {
            id,
            name: name.to_string(),
            query: query.to_string(),
        })
    }))
    .await
}

/// Deletes the viewer's saved search `id` (404 if it is not theirs).
pub async fn delete(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let deleted: Option<(String, String)> = sqlx::query_as(
                "DELETE FROM saved_searches WHERE id = $1 AND user_id = $2 RETURNING name, query",
            )
            .bind(id)
            .bind(viewer.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (name, query) = deleted.ok_or(AppError::NotFound)?;
            let before = json!({ "id": id, "name": name, "query": query });
            let subject = Subject::SavedSearch;
            audit::record(
                &mut tx,
                viewer,
                subject,
                "search_deleted",
                Some(before),
                None,
            )
            .await?;
            Ok(())
        })
    })
    .await
}
