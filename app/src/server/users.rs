//! Managing a tenant's users: list, add, change role, deactivate / reactivate. Every
//! change is one transaction that locks what it changes, writes `user_audit`, and (for
//! role changes and deactivation) revokes the user's sessions by bumping their epoch.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::audit::{self, Subject};
use super::db::{self, Abort, internal, tenant_tx};
use super::password;
use crate::model::{AppError, Email, Role, UserAuditEntry, UserSummary, UsersPage, Viewer};

/// Enough for any team this page serves; a bigger tenant narrows with the search box.
const LIST_LIMIT: i64 = 500;
const AUDIT_LIMIT: i64 = 50;

pub async fn page(pool: &PgPool, viewer: &Viewer, search: &str) -> Result<UsersPage, AppError> {
    let search = search.trim();
    if search.chars().count() > 200 {
        return Err(AppError::invalid(
            "q",
            "search text is too long (200 characters at most)",
        ));
    }
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let users = sqlx::query_as::<_, UserSummary>(
        "SELECT id, email, display_name, role, active, last_sign_in_at
         FROM users
         WHERE role <> 'service'
           AND ($1 = '' OR email ILIKE $2 ESCAPE '\\' OR display_name ILIKE $2 ESCAPE '\\')
         ORDER BY lower(display_name), email
         LIMIT $3",
    )
    .bind(search)
    .bind(super::db::contains_pattern(search))
    .bind(LIST_LIMIT)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let audit = sqlx::query_as::<_, UserAuditEntry>(
        "SELECT a.id, actor.display_name AS actor, subject.display_name AS subject,
                a.action, a.before, a.after, a.at
         FROM user_audit a
         JOIN users subject ON subject.id = a.user_id
         LEFT JOIN users actor ON actor.id = a.actor_id
         ORDER BY a.at DESC, a.id DESC
         LIMIT $1",
    )
    .bind(AUDIT_LIMIT)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(UsersPage { users, audit })
}

/// Up to `limit` of the workspace's people (never API keys' identities) after the one
/// with id `after`, by id (the API's keyset paging), and whether more follow.
pub async fn people(
    pool: &PgPool,
    viewer: &Viewer,
    after: Option<Uuid>,
    limit: i64,
) -> Result<(Vec<UserSummary>, bool), AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let mut users = sqlx::query_as::<_, UserSummary>(
        "SELECT id, email, display_name, role, active, last_sign_in_at
         FROM users
         WHERE role <> 'service' AND ($1::uuid IS NULL OR id > $1)
         ORDER BY id
         LIMIT $2",
    )
    .bind(after)
    .bind(limit + 1)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    super::db::end_read(tx);
    let more = users.len() as i64 > limit;
    users.truncate(limit.max(0) as usize);
    Ok((users, more))
}

pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// Empty: no password (the user signs in with Google).
    pub password: String,
}

pub async fn add(pool: &PgPool, viewer: &Viewer, input: NewUserInput) -> Result<Uuid, AppError> {
    // Parse everything before touching the database.
    person_role(input.role)?;
    let email = Email::parse(&input.email)?;
    let display_name = input.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 200 {
        return Err(AppError::invalid(
            "display_name",
            "must be 1–200 characters",
        ));
    }
    if display_name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "display_name",
            "must not contain control characters",
        ));
    }
    let password_hash = match input.password.as_str() {
        "" => None,
        given if given.chars().count() > 1024 => {
            return Err(AppError::invalid(
                "password",
                "is too long (1024 characters at most)",
            ));
        }
        given => Some(password::hash(given.to_string()).await?),
    };
    let (email, password_hash) = (&email, &password_hash);
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
        let inserted = sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO users (tenant_id, email, display_name, role, password_hash)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(viewer.tenant_id)
        .bind(email.as_str())
        .bind(display_name)
        .bind(input.role)
        .bind(password_hash)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                Err(AppError::invalid("email", "is already in use"))?
            }
            Err(error) => Err(error)?,
        };
        let after = json!({ "email": email.as_str(), "display_name": display_name, "role": input.role, "active": true });
        audit::record(&mut tx, viewer, Subject::User(id), "create", None, Some(after)).await?;
        Ok(id)
    }))
    .await
}

#[derive(sqlx::FromRow)]
struct Locked {
    role: Role,
    active: bool,
}

pub async fn change_role(
    pool: &PgPool,
    viewer: &Viewer,
    user_id: Uuid,
    role: Role,
) -> Result<(), AppError> {
    person_role(role)?;
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
        let admins = lock_active_admins(&mut tx).await?;
        let current = lock_user(&mut tx, user_id).await?;
        if current.role == role {
            return Ok(());
        }
        if current.role == Role::Admin && current.active {
            ensure_another_admin(&admins, user_id, "role", "demoted")?;
        }
        sqlx::query(
            "UPDATE users SET role = $2, session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1",
        )
        .bind(user_id)
        .bind(role)
        .execute(&mut *tx)
        .await?;
        let (before, after) = (json!({ "role": current.role }), json!({ "role": role }));
        let subject = Subject::User(user_id);
        audit::record(&mut tx, viewer, subject, "role", Some(before), Some(after)).await?;
        Ok(())
    }))
    .await
}

pub async fn set_active(
    pool: &PgPool,
    viewer: &Viewer,
    user_id: Uuid,
    active: bool,
) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let admins = lock_active_admins(&mut tx).await?;
            let current = lock_user(&mut tx, user_id).await?;
            if current.active == active {
                return Ok(());
            }
            if !active && current.role == Role::Admin {
                ensure_another_admin(&admins, user_id, "active", "deactivated")?;
            }
            // Deactivating also revokes every session (the epoch); reactivating needs nothing.
            sqlx::query(
                "UPDATE users SET active = $2,
                    session_epoch = session_epoch + CASE WHEN $2 THEN 0 ELSE 1 END,
                    updated_at = now()
             WHERE id = $1",
            )
            .bind(user_id)
            .bind(active)
            .execute(&mut *tx)
            .await?;
            let action = if active { "reactivate" } else { "deactivate" };
            let (before, after) = (json!({ "active": !active }), json!({ "active": active }));
            let subject = Subject::User(user_id);
            audit::record(&mut tx, viewer, subject, action, Some(before), Some(after)).await?;
            Ok(())
        })
    })
    .await
}

/// People have these roles; `service` belongs to API keys, made and revoked on their
/// own page.
fn person_role(role: Role) -> Result<(), AppError> {
    match role {
        Role::Service => Err(AppError::invalid(
            "role",
            "must be admin, employee or analyst (API keys are made on their own page)",
        )),
        Role::Admin | Role::Employee | Role::Analyst => Ok(()),
    }
}

/// Locks the user's row for the rest of the transaction. Not found covers "another
/// tenant's user" too (row-level security hides those), and an API key's identity.
async fn lock_user(conn: &mut PgConnection, user_id: Uuid) -> Result<Locked, Abort> {
    let user = sqlx::query_as::<_, Locked>(
        "SELECT role, active FROM users WHERE id = $1 AND role <> 'service' FOR UPDATE",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(user.ok_or(AppError::NotFound)?)
}

/// Locks the tenant's active admins, always first and in id order, before the user a
/// change is about. Two admins demoting each other at the same moment then queue on
/// the same first row instead of deadlocking, and the second sees the first's result.
async fn lock_active_admins(conn: &mut PgConnection) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE",
    )
    .fetch_all(conn)
    .await
}

/// Refuses to remove the tenant's last active admin.
fn ensure_another_admin(
    admins: &[Uuid],
    user_id: Uuid,
    field: &str,
    verb: &str,
) -> Result<(), AppError> {
    if admins.iter().any(|admin| *admin != user_id) {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!("the last active admin cannot be {verb}; make someone else an admin first"),
        ))
    }
}
