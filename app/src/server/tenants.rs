//! Creating tenants and their first users (the `create-admin` and `seed --demo`
//! commands). Callers pass a transaction so a refused step leaves nothing behind. The admin pages and sign-in build on these tables in the Identity issue.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::{AppError, Email, Role, TenantSlug};

/// The tenant with this slug, created (with `name`) if it does not exist yet.
pub async fn ensure_tenant(
    conn: &mut PgConnection,
    slug: &TenantSlug,
    name: &str,
) -> Result<Uuid, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("name", "must be 1–200 characters"));
    }
    // The no-op update makes RETURNING yield the existing row too, in one statement.
    sqlx::query_scalar(
        "INSERT INTO tenants (slug, name) VALUES ($1, $2)
         ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug
         RETURNING id",
    )
    .bind(slug.as_str())
    .bind(name)
    .fetch_one(conn)
    .await
    .map_err(internal)
}

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub display_name: &'a str,
    pub role: Role,
    /// An argon2 PHC string; `None` keeps the current password (or none).
    pub password_hash: Option<String>,
}

/// Creates the user in `tenant_id`, or brings an existing one with that email up to
/// date (role, name, password when given, active again). An email that belongs to
/// another tenant is refused: a person is in exactly one tenant.
pub async fn upsert_user(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user: NewUser<'_>,
) -> Result<Uuid, AppError> {
    let display_name = user.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 200 {
        return Err(AppError::invalid(
            "display_name",
            "must be 1–200 characters",
        ));
    }
    let row: Option<(Uuid, Uuid)> = sqlx::query_as(
        "INSERT INTO users (tenant_id, email, display_name, role, password_hash)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO UPDATE
            SET display_name  = EXCLUDED.display_name,
                role          = EXCLUDED.role,
                password_hash = COALESCE(EXCLUDED.password_hash, users.password_hash),
                active        = true,
                updated_at    = now()
            WHERE users.tenant_id = EXCLUDED.tenant_id
         RETURNING id, tenant_id",
    )
    .bind(tenant_id)
    .bind(user.email.as_str())
    .bind(display_name)
    .bind(user.role)
    .bind(user.password_hash)
    .fetch_optional(conn)
    .await
    .map_err(internal)?;
    match row {
        Some((id, _)) => Ok(id),
        // The WHERE on the conflict update filtered it out: the email is taken elsewhere.
        None => Err(AppError::invalid(
            "email",
            "already belongs to another tenant",
        )),
    }
}

fn internal(error: sqlx::Error) -> AppError {
    tracing::error!(%error, "tenant/user write failed");
    AppError::Internal
}

/// Sets the Google Workspace domain whose people may join `tenant` (one tenant per
/// domain: a domain already taken is a unique violation).
pub async fn set_google_domain(
    conn: &mut PgConnection,
    tenant: Uuid,
    domain: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tenants SET google_workspace_domain = $2 WHERE id = $1")
        .bind(tenant)
        .bind(domain)
        .execute(conn)
        .await
        .map(|_| ())
}
