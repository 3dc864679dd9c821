//! `casework seed --demo`: a demo tenant with one user per role, so a new install can
//! be signed into and looked around at once. Safe to run repeatedly.

use sqlx::PgPool;

use super::password;
use super::tenants::{NewUser, ensure_tenant, upsert_user};
use crate::model::{AppError, Email, Role, TenantSlug};

pub const DEMO_TENANT: &str = "demo";
pub const DEMO_PASSWORD: &str = "casework-demo";

pub struct DemoLogin {
    pub email: String,
    pub role: Role,
}

pub async fn demo(pool: &PgPool) -> Result<Vec<DemoLogin>, AppError> {
    let hash = password::hash(DEMO_PASSWORD.to_string()).await?;
    let mut tx = pool.begin().await.map_err(internal)?;
    let tenant = ensure_tenant(&mut tx, &TenantSlug::parse(DEMO_TENANT)?, "Demo Company").await?;
    // demo.test people who sign in with Google join as employees.
    sqlx::query(
        "UPDATE tenants SET plan = 'pro', google_workspace_domain = 'demo.test' WHERE id = $1",
    )
    .bind(tenant)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let people = [
        ("admin@demo.test", "Avery Admin", Role::Admin),
        ("employee@demo.test", "Emery Employee", Role::Employee),
        ("analyst@demo.test", "Ash Analyst", Role::Analyst),
    ];
    let mut logins = Vec::with_capacity(people.len());
    for (email, name, role) in people {
        let email = Email::parse(email)?;
        upsert_user(
            &mut tx,
            tenant,
            NewUser {
                email: &email,
                display_name: name,
                role,
                password_hash: Some(hash.clone()),
            },
        )
        .await?;
        logins.push(DemoLogin {
            email: email.as_str().to_string(),
            role,
        });
    }
    tx.commit().await.map_err(internal)?;
    Ok(logins)
}

fn internal(error: sqlx::Error) -> AppError {
    tracing::error!(%error, "demo seed failed");
    AppError::Internal
}
