//! Email + password sign-in. The same work is done whatever the outcome, so neither the
//! message nor the time taken tells an attacker whether an email has an account.

use sqlx::PgPool;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::model::{AppError, Email};
use crate::server::{db, password};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInError {
    /// Unknown email, wrong password, no password set: all look the same.
    WrongCredentials,
    /// Right password, but an admin deactivated the account.
    Deactivated,
    Failed(AppError),
}

#[derive(sqlx::FromRow)]
struct Candidate {
    id: Uuid,
    tenant_id: Uuid,
    password_hash: Option<String>,
    active: bool,
    session_epoch: i32,
}

pub struct Authenticated {
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub session_epoch: i32,
}

/// A real argon2id hash of a random secret, verified against when there is no user,
/// so an unknown email costs the same time as a known one.
async fn decoy_hash() -> &'static str {
    static DECOY: OnceCell<String> = OnceCell::const_new();
    DECOY
        .get_or_init(|| async {
            password::hash(uuid::Uuid::new_v4().to_string())
                .await
                .unwrap_or_default()
        })
        .await
}

pub async fn authenticate(
    pool: &PgPool,
    email: &str,
    password: &str,
) -> Result<Authenticated, SignInError> {
    let candidate = match Email::parse(email) {
        Ok(email) => sqlx::query_as::<_, Candidate>(
            "SELECT id, tenant_id, password_hash, active, session_epoch FROM auth_user_by_email($1)",
        )
        .bind(email.as_str())
        .fetch_optional(pool)
        .await
        .map_err(|error| SignInError::Failed(db::unavailable(error)))?,
        Err(_) => None,
    };
    let stored = match &candidate {
        Some(Candidate {
            password_hash: Some(hash),
            ..
        }) => hash.clone(),
        _ => decoy_hash().await.to_string(),
    };
    let matches = password::verify(password.to_string(), stored).await;
    match candidate {
        Some(user) if matches && user.password_hash.is_some() => {
            if !user.active {
                return Err(SignInError::Deactivated);
            }
            record_sign_in(pool, user.tenant_id, user.id)
                .await
                .map_err(SignInError::Failed)?;
            Ok(Authenticated {
                user_id: user.id,
                tenant_id: user.tenant_id,
                session_epoch: user.session_epoch,
            })
        }
        _ => Err(SignInError::WrongCredentials),
    }
}

async fn record_sign_in(pool: &PgPool, tenant_id: Uuid, user_id: Uuid) -> Result<(), AppError> {
    db::write(pool, tenant_id, |mut tx| {
        Box::pin(async move {
            sqlx::query("UPDATE users SET last_sign_in_at = now() WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            Ok(())
        })
    })
    .await
}
