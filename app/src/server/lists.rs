//! Lists of companies: personal ones (`owner_id` = the person; only they see and manage
//! them) and shared ones (`owner_id` NULL; everyone with company access sees them and
//! adds or removes companies, admins create, rename and delete them).
//!
//! Reading, creating, renaming and deleting lists live here; what is on a list (add,
//! remove, enrich all) is in [`super::list_items`]. Every write is one transaction that
//! locks the list row, checks who may do it, applies, and appends its audit row to
//! `company_actions`. A list someone cannot see (another person's, another
//! workspace's) is a 404, never a 403: its existence is not theirs to learn.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Subject};
use super::authz::{self, Capability};
use super::db::{self, Abort, internal, tenant_tx};
use crate::model::{AppError, CompanyList, ListsOverview, MAX_LISTS, Viewer};

/// A list row as read for a write: who owns it and its version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub name: String,
    pub owner_id: Option<Uuid>,
    pub version: i32,
    pub updated_at: OffsetDateTime,
}

impl ListRow {
    pub fn shared(&self) -> bool {
        self.owner_id.is_none()
    }

    /// Rename and delete: the owner of a personal list; an admin for a shared one.
    pub fn may_manage(&self, viewer: &Viewer) -> bool {
        match self.owner_id {
            Some(owner) => owner == viewer.user_id,
            None => authz::allows(viewer, Capability::ManageSharedLists),
        }
    }

    /// How the audit trail names the list (it outlives the list: `list_id` has no
    /// foreign key, so a deleted list's history stays readable).
    pub fn audit(&self) -> serde_json::Value {
        json!({ "id": self.id, "name": self.name, "shared": self.shared() })
    }
}

/// How a list is locked while it is read for a write.
#[derive(Debug, Clone, Copy)]
pub enum Lock {
    /// Renaming or deleting it.
    Update,
    /// Adding to or removing from it: the list must not be deleted meanwhile, but
    /// others may add at the same time (and rename it).
    KeyShare,
}

/// The list, if the viewer can see it (shared, or their own), locked as asked.
pub async fn find_visible(
    conn: &mut PgConnection,
    viewer: &Viewer,
    id: i64,
    lock: Lock,
) -> Result<Option<ListRow>, sqlx::Error> {
    let sql = match lock {
        Lock::Update => {
            "SELECT id, name, owner_id, version, updated_at FROM company_lists
             WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2) FOR UPDATE"
        }
        Lock::KeyShare => {
            "SELECT id, name, owner_id, version, updated_at FROM company_lists
             WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2) FOR KEY SHARE"
        }
    };
    sqlx::query_as(sql)
        .bind(id)
        .bind(viewer.user_id)
        .fetch_optional(&mut *conn)
        .await
}

#[derive(sqlx::FromRow)]
struct OverviewRow {
    id: i64,
    name: String,
    owner_id: Option<Uuid>,
    version: i32,
    updated_at: OffsetDateTime,
    companies: i64,
}

impl OverviewRow {
    fn into_list(self, viewer: &Viewer) -> CompanyList {
        let row = ListRow {
            id: self.id,
            name: self.name,
            owner_id: self.owner_id,
            version: self.version,
            updated_at: self.updated_at,
        };
        CompanyList {
            may_manage: row.may_manage(viewer),
            shared: row.shared(),
            id: row.id,
            name: row.name,
            companies: self.companies,
            version: row.version,
            updated_at: row.updated_at,
        }
    }
}

const OVERVIEW_SELECT: &str = "SELECT l.id, l.name, l.owner_id, l.version, l.updated_at,
        (SELECT count(*) FROM company_list_items i WHERE i.list_id = l.id) AS companies
     FROM company_lists l";

/// The viewer's own lists and the workspace's shared ones, by name, with counts.
pub async fn overview(pool: &PgPool, viewer: &Viewer) -> Result<ListsOverview, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let rows: Vec<OverviewRow> = sqlx::query_as(&format!(
        "{OVERVIEW_SELECT}
         WHERE l.tenant_id = $1 AND (l.owner_id IS NULL OR l.owner_id = $2)
         ORDER BY lower(l.name), l.id"
    ))
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let (shared, personal): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .map(|row| row.into_list(viewer))
        .partition(|list| list.shared);
    Ok(ListsOverview {
        personal,
        shared,
        may_manage_shared: authz::allows(viewer, Capability::ManageSharedLists),
    })
}

/// One list the viewer can see, with its count (404 otherwise).
pub async fn one(conn: &mut PgConnection, viewer: &Viewer, id: i64) -> Result<CompanyList, Abort> {
    let row: Option<OverviewRow> = sqlx::query_as(&format!(
        "{OVERVIEW_SELECT} WHERE l.id = $1 AND (l.owner_id IS NULL OR l.owner_id = $2)"
    ))
    .bind(id)
    .bind(viewer.user_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .map(|row| row.into_list(viewer))
        .ok_or(AppError::NotFound)?)
}

/// A 409 naming the list that already has the name.
fn duplicate(id: i64, name: &str) -> AppError {
    AppError::Conflict {
        current: json!({ "id": id, "name": name, "duplicate": true }),
    }
}

/// The list of this owner (None: the shared ones) called `name`, ignoring case, other
/// than `except`.
async fn same_name(
    conn: &mut PgConnection,
    owner: Option<Uuid>,
    name: &str,
    except: Option<i64>,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name FROM company_lists
         WHERE owner_id IS NOT DISTINCT FROM $1 AND lower(name) = lower($2)
           AND id IS DISTINCT FROM $3",
    )
    .bind(owner)
    .bind(name)
    .bind(except)
    .fetch_optional(&mut *conn)
    .await
}

/// List `id` locked for a rename or delete: 404 when the viewer cannot see it, 403 when
/// they may see but not manage it.
async fn to_manage(conn: &mut PgConnection, viewer: &Viewer, id: i64) -> Result<ListRow, Abort> {
    let list = find_visible(conn, viewer, id, Lock::Update)
        .await?
        .ok_or(AppError::NotFound)?;
    if !list.may_manage(viewer) {
        Err(AppError::Forbidden)?;
    }
    Ok(list)
}

/// A unique-index violation: two people chose the same name at the same moment (the
/// check before the write saw neither).
fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

/// The list's audit row (`company_actions`, by `list_id`).
async fn audit(
    conn: &mut PgConnection,
    viewer: &Viewer,
    list_id: i64,
    kind: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<i64, sqlx::Error> {
    audit::record(conn, viewer, Subject::List(list_id), kind, before, after).await
}

/// Creates a list called `name` (already parsed): the viewer's own, or with `shared`
/// one for the whole workspace (admins only: 403). A name the owner (or the shared
/// lists) already has, in any case, is a 409 naming that list.
pub async fn create(
    pool: &PgPool,
    viewer: &Viewer,
    name: &str,
    shared: bool,
) -> Result<i64, AppError> {
    if shared && !authz::allows(viewer, Capability::ManageSharedLists) {
        return Err(AppError::Forbidden);
    }
    let owner = (!shared).then_some(viewer.user_id);
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            // Creations by one person are serialised so the cap below is exact.
            sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
                .bind(viewer.user_id)
                .execute(&mut *tx)
                .await?;
            let existing: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM company_lists WHERE owner_id IS NOT DISTINCT FROM $1",
            )
            .bind(owner)
            .fetch_one(&mut *tx)
            .await?;
            if existing >= MAX_LISTS {
                Err(AppError::invalid(
                    "name",
                    format!("there are already {MAX_LISTS} lists here; delete one first"),
                ))?;
            }
            // The unique index decides, not a look-up before the insert: two people creating
            // the same shared list at once make one, and the other hears which.
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO company_lists (tenant_id, name, owner_id, created_by)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING
             RETURNING id",
            )
            .bind(viewer.tenant_id)
            .bind(name)
            .bind(owner)
            .bind(viewer.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                let refusal = match same_name(&mut tx, owner, name, None).await? {
                    Some((id, name)) => duplicate(id, &name),
                    None => AppError::Unavailable,
                };
                return Err(refusal.into());
            };
            let after = json!({ "id": id, "name": name, "shared": owner.is_none() });
            audit(&mut tx, viewer, id, "list_created", None, Some(after)).await?;
            Ok(id)
        })
    })
    .await
}

/// Renames list `id` if it is still at `version` (409 with the list as it is now
/// otherwise; 409 naming the other list if the name is taken).
pub async fn rename(
    pool: &PgPool,
    viewer: &Viewer,
    id: i64,
    version: i32,
    name: &str,
) -> Result<CompanyList, AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let list = to_manage(&mut tx, viewer, id).await?;
            if list.version != version {
                Err(AppError::Conflict {
                    current: json!({ "id": list.id, "name": list.name, "version": list.version }),
                })?;
            }
            // The same name: nothing to change, no new version, no audit row.
            if list.name != name {
                if let Some((other, other_name)) =
                    same_name(&mut tx, list.owner_id, name, Some(id)).await?
                {
                    Err(duplicate(other, &other_name))?;
                }
                let updated = sqlx::query(
                    "UPDATE company_lists SET name = $2, version = version + 1, updated_at = now()
                 WHERE id = $1",
                )
                .bind(id)
                .bind(name)
                .execute(&mut *tx)
                .await;
                match updated {
                    Ok(_) => {}
                    Err(error) if is_unique_violation(&error) => Err(duplicate(0, name))?,
                    Err(error) => Err(error)?,
                }
                let before = json!({ "name": list.name, "version": list.version });
                let after = json!({ "name": name, "version": list.version + 1 });
                audit(
                    &mut tx,
                    viewer,
                    id,
                    "list_renamed",
                    Some(before),
                    Some(after),
                )
                .await?;
            }
            one(&mut tx, viewer, id).await
        })
    })
    .await
}

/// Deletes list `id` (the caller has checked the confirmation). Its entries go with it;
/// the companies stay. The audit row keeps the name and what was on it.
pub async fn delete(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let list = to_manage(&mut tx, viewer, id).await?;
            let (count, company_ids): (i64, Vec<i64>) = sqlx::query_as(
                "SELECT (SELECT count(*) FROM company_list_items WHERE list_id = $1),
                    coalesce((SELECT array_agg(company_id ORDER BY added_at, company_id)
                              FROM (SELECT company_id, added_at FROM company_list_items
                                    WHERE list_id = $1 ORDER BY added_at, company_id LIMIT $2) s),
                             '{}')",
            )
            .bind(id)
            .bind(AUDITED_IDS)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM company_lists WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let mut before = list.audit();
            before["companies"] = json!(count);
            before["company_ids"] = json!(company_ids);
            audit(&mut tx, viewer, id, "list_deleted", Some(before), None).await?;
            Ok(())
        })
    })
    .await
}

/// The audit row of a deleted list names at most this many of its companies.
const AUDITED_IDS: i64 = 10_000;
