//! One transaction for several writes that would each have their own: the REST API's
//! atomic batch (`POST /api/v1/batch` with `"atomic": true`). Inside [`atomically`],
//! every transaction [`super::db`] opens for this task — reads and writes, through the
//! same server functions as ever — is the one shared transaction, so the batch's
//! sub-requests see each other's writes, and all of them commit together or none does
//! (announcements and queued jobs included: they are part of the transaction).
//!
//! Sub-requests in it run one after another (one connection), and a transient failure
//! is not retried inside it: the batch as a whole fails and nothing is kept.

use std::future::Future;
use std::sync::Arc;

use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

use super::db;
use crate::model::AppError;

#[derive(Clone)]
pub struct Shared {
    tenant_id: Uuid,
    tx: Arc<Mutex<Transaction<'static, Postgres>>>,
}

tokio::task_local! {
    static SHARED: Shared;
}

/// The shared transaction of the task, if it runs inside [`atomically`] for this
/// tenant. Another tenant's transaction is never handed out (a batch is one tenant's).
pub async fn current(
    tenant_id: Uuid,
) -> Result<Option<OwnedMutexGuard<Transaction<'static, Postgres>>>, AppError> {
    let Ok(shared) = SHARED.try_with(Shared::clone) else {
        return Ok(None);
    };
    if shared.tenant_id != tenant_id {
        tracing::error!("a transaction of another workspace was asked for inside an atomic batch");
        return Err(AppError::Internal);
    }
    Ok(Some(shared.tx.lock_owned().await))
}

/// Runs `work` with every transaction of this task being one, scoped to `tenant_id`;
/// commits when `work` says so (its second value), else rolls everything back.
pub async fn atomically<T, F>(pool: &PgPool, tenant_id: Uuid, work: F) -> Result<T, AppError>
where
    F: Future<Output = (T, bool)>,
{
    let tx = db::write_tx(pool, tenant_id)
        .await
        .map_err(db::unavailable)?;
    let shared = Shared {
        tenant_id,
        tx: Arc::new(Mutex::new(tx)),
    };
    let (value, keep) = SHARED.scope(shared.clone(), work).await;
    let tx = Arc::try_unwrap(shared.tx)
        .map_err(|_| {
            tracing::error!("the atomic batch's transaction outlived its work");
            AppError::Internal
        })?
        .into_inner();
    if keep {
        tx.commit().await.map_err(super::retry::give_up)?;
    } else {
        tx.rollback().await.map_err(db::unavailable)?;
    }
    Ok(value)
}
