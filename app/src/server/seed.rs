//! `casework seed --demo`: a demo tenant with one user per role, so a new install can
//! be signed into and looked around at once. Safe to run repeatedly.

use sqlx::PgPool;

use super::tenants::{NewUser, ensure_tenant, upsert_user};
use super::{generate, password};
use crate::model::{AppError, Email, Role, TenantSlug};

pub const DEMO_TENANT: &str = "demo";
pub const DEMO_PASSWORD: &str = "casework-demo";
/// The demo employee's queue: enough to page through (100 a page), small enough to
/// load in a moment.
pub const DEMO_CASES: u32 = 240;
pub const DEMO_COMMENTS: u64 = 720;
/// Companies in the demo tenant.
pub const DEMO_COMPANIES: u32 = 40;

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
    let mut employee = None;
    let mut analyst = None;
    for (email, name, role) in people {
        let email = Email::parse(email)?;
        let id = upsert_user(
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
        if role == Role::Employee {
            employee = Some(id);
        }
        if role == Role::Analyst {
            analyst = Some(id);
        }
        logins.push(DemoLogin {
            email: email.as_str().to_string(),
            role,
        });
    }
    // The public inquiry form, on, at /contact/demo (re-seeding keeps what an admin
    // changed since).
    sqlx::query(
        "INSERT INTO inquiry_forms (tenant_id, enabled, intro) VALUES ($1, true, $2)
         ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(tenant)
    .bind("Questions about an order, a delivery or an invoice? Write to us here and the team will answer by email.")
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    // A queue to work: only on the first run, so re-seeding never doubles it.
    let has_cases: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE tenant_id = $1)")
            .bind(tenant)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
    if let (false, Some(employee)) = (has_cases, employee) {
        generate::generate_cases(&mut tx, tenant, &[employee], DEMO_CASES, DEMO_COMMENTS).await?;
    }
    // Companies for the analyst to browse (most with a score), also only once.
    let has_companies: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM companies WHERE tenant_id = $1)")
            .bind(tenant)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
    if !has_companies {
        let added_by: Vec<_> = analyst.into_iter().collect();
        super::generate_companies::generate_companies(&mut tx, tenant, &added_by, DEMO_COMPANIES)
            .await?;
    }
    tx.commit().await.map_err(internal)?;
    Ok(logins)
}

fn internal(error: sqlx::Error) -> AppError {
    tracing::error!(%error, "demo seed failed");
    AppError::Internal
}
