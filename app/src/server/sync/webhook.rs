//! Zoho's Notification API calls (`POST /webhooks/zoho/{tenant}`). A call names record
//! ids only; each is read back from Zoho and reconciled through the sync's own write
//! path: present → upserted (only if newer than what is stored), absent → archived. So
//! a replayed call, or calls arriving out of order, leave the directory as Zoho is now.

use std::sync::Arc;

use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;
use uuid::Uuid;
use zoho::Notification;
use zoho::record::is_record_id;

use super::connection::Connection;
use super::job::SyncJobs;
use super::photo_fetch;
use crate::model::AppError;
use crate::server::audit::{self, Subject};
use crate::server::contractors::store;
use crate::server::db;

/// Ids one call may name (Zoho sends at most 100 per call).
pub const MAX_IDS: usize = 100;

/// What a call did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub upserted: u32,
    pub unchanged: u32,
    pub archived: u32,
}

/// Checks the call against the tenant's channel (id, and the token compared in
/// constant time), then reconciles its records. A call for another channel, with
/// another token, or for a tenant without a connection is refused as unauthenticated,
/// and nothing is written.
pub async fn receive(
    jobs: &SyncJobs,
    tenant_id: Uuid,
    notification: &Notification,
) -> Result<Applied, AppError> {
    let pool = &jobs.task.pool;
    let mut tx = db::tenant_tx(pool, tenant_id).await?;
    let connection = Connection::load(&mut tx).await.map_err(db::internal)?;
    db::end_read(tx);
    let connection = connection.ok_or(AppError::Unauthenticated)?;
    let token_ok: bool = connection
        .channel_token
        .expose_secret()
        .as_bytes()
        .ct_eq(notification.token.as_bytes())
        .into();
    let channel_ok: bool = connection
        .channel_id
        .as_bytes()
        .ct_eq(notification.channel_id.as_bytes())
        .into();
    if !(token_ok && channel_ok) {
        return Err(AppError::Unauthenticated);
    }
    if notification.module != connection.module {
        return Err(AppError::invalid(
            "module",
            "this channel watches another module",
        ));
    }
    if notification.operation().is_none() {
        return Err(AppError::invalid(
            "operation",
            "not insert, update or delete",
        ));
    }
    if notification.ids.is_empty() || notification.ids.len() > MAX_IDS {
        return Err(AppError::invalid(
            "ids",
            format!("between 1 and {MAX_IDS} record ids"),
        ));
    }
    if let Some(bad) = notification.ids.iter().find(|id| !is_record_id(id)) {
        return Err(AppError::invalid(
            "ids",
            format!(
                "“{}” is not a Zoho record id",
                bad.chars().take(40).collect::<String>()
            ),
        ));
    }
    let client = Arc::new(connection.client(&jobs.task.settings).map_err(|error| {
        tracing::warn!(%error, "webhook: the Zoho connection is not usable");
        AppError::Unavailable
    })?);
    let records = client.records(&notification.ids).await.map_err(|error| {
        tracing::warn!(%error, "webhook: could not read the records back from Zoho");
        AppError::Unavailable
    })?;
    let present: std::collections::HashSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let absent: Vec<String> = notification
        .ids
        .iter()
        .filter(|id| !present.contains(id.as_str()))
        .cloned()
        .collect();
    let mapped: Vec<_> = records
        .into_iter()
        .map(|record| {
            let fields = connection.field_map.apply(&record);
            (record, fields)
        })
        .collect();
    let (mapped, absent) = (&mapped, &absent);
    let operation = notification.operation.as_str();
    let (applied, photos) = db::write(pool, tenant_id, |mut tx| Box::pin(async move {
        let written = store::apply(&mut tx, tenant_id, None, mapped).await?;
        let archived = store::archive(&mut tx, tenant_id, absent, time::OffsetDateTime::now_utc()).await?;
        let applied = Applied {
            upserted: written.created + written.updated,
            unchanged: written.unchanged,
            archived: archived.len() as u32,
        };
        if applied.upserted + applied.archived > 0 {
            let after = serde_json::json!({
                "operation": operation,
                "ids": mapped.iter().map(|(r, _)| r.id.as_str()).chain(absent.iter().map(String::as_str)).collect::<Vec<_>>(),
                "upserted": applied.upserted,
                "archived": applied.archived,
            });
            audit::record(&mut tx, audit::Actor::system(tenant_id), Subject::Integration, "webhook_applied", None, Some(after)).await?;
        }
        Ok((applied, written.photos))
    }))
    .await?;
    if !photos.is_empty() {
        let fetched = photo_fetch::run(
            pool.clone(),
            jobs.task.storage.clone(),
            client,
            tenant_id,
            None,
            jobs.task.settings.photo_parallelism,
            futures::stream::iter(photos),
        )
        .await;
        if let Err(error) = fetched {
            tracing::warn!(%error, "webhook: photos not saved; the next run fetches them");
        }
    }
    Ok(applied)
}
