//! Outbound webhooks: admins register endpoints (a URL, the events it wants, a signing
//! secret shown once); every change that is such an event leaves one delivery per
//! subscribed endpoint, written by a trigger in the change's own transaction
//! (migrations/20261212000001_webhooks.sql), whichever writer made it; the job system
//! sends them ([`delivery`]), signed ([`signing`]), with retries for about a day, and
//! keeps a log of every attempt that admins can read and resend from.
//!
//! A URL is checked by the same SSRF guard as enrichment's fetches when it is
//! registered (a private, loopback, link-local or metadata address is refused at once)
//! and again at every delivery (a name can start resolving elsewhere later).

pub mod delivery;
pub mod signing;

use enrich::fetch::{FetchError, Fetcher};
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;

use super::audit::{self, Subject};
use super::db::{self, Abort, internal, tenant_tx};
use crate::model::{
    AppError, DeliveryState, MadeWebhook, NewWebhook, Viewer, WebhookDelivery, WebhookEndpoint,
    WebhookEvent,
};

/// Deliveries the admin page shows.
const LOG_ROWS: i64 = 50;

/// Registers an endpoint (admins), once its URL passed the guard; the secret is in the
/// answer, and on the page once.
pub async fn create(
    pool: &PgPool,
    fetcher: &Fetcher,
    viewer: &Viewer,
    new: &NewWebhook,
) -> Result<MadeWebhook, AppError> {
    check_reachable(fetcher, &new.url).await?;
    let secret = signing::new_secret();
    let events: Vec<&str> = new.events.iter().map(|event| event.as_str()).collect();
    let id = db::write(pool, viewer.tenant_id, |mut tx| {
        let (secret, events) = (secret.clone(), events.clone());
        Box::pin(async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO webhook_endpoints (tenant_id, url, description, events, secret, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(viewer.tenant_id)
            .bind(new.url.as_str())
            .bind(&new.description)
            .bind(&events)
            .bind(&secret)
            .bind(viewer.user_id)
            .fetch_one(&mut *tx)
            .await?;
            let after = json!({ "endpoint_id": id, "url": new.url.as_str(), "events": events });
            audit::record(&mut tx, viewer, Subject::Integration, "webhook_endpoint_created", None, Some(after))
                .await?;
            Ok::<_, Abort>(id)
        })
    })
    .await?;
    Ok(MadeWebhook {
        id,
        url: new.url.to_string(),
        secret,
    })
}

/// The guard's answer on a URL, in words for the person who typed it.
async fn check_reachable(fetcher: &Fetcher, url: &url::Url) -> Result<(), AppError> {
    match fetcher.check(url).await {
        Ok(()) => Ok(()),
        Err(FetchError::Refused { reason, .. }) => Err(AppError::invalid(
            "url",
            format!(
                "leads inside a private network ({reason}): webhooks are only sent to public addresses"
            ),
        )),
        Err(FetchError::Connect { .. } | FetchError::Timeout { .. }) => Err(AppError::invalid(
            "url",
            "names a host that could not be found: check the address",
        )),
        Err(other) => Err(AppError::invalid("url", other.to_string())),
    }
}

/// Turns an endpoint on or off (admins). Off: no new deliveries are written for it,
/// and those waiting are given up at their next attempt.
pub async fn set_enabled(
    pool: &PgPool,
    viewer: &Viewer,
    id: i64,
    enabled: bool,
) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let url: Option<String> = sqlx::query_scalar(
                "UPDATE webhook_endpoints SET enabled = $2, updated_at = now()
                 WHERE id = $1 AND enabled <> $2 RETURNING url",
            )
            .bind(id)
            .bind(enabled)
            .fetch_optional(&mut *tx)
            .await?;
            match url {
                Some(url) => {
                    let after = json!({ "endpoint_id": id, "url": url, "enabled": enabled });
                    audit::record(
                        &mut tx,
                        viewer,
                        Subject::Integration,
                        "webhook_endpoint_changed",
                        None,
                        Some(after),
                    )
                    .await?;
                    Ok(())
                }
                None => exists(&mut tx, id).await,
            }
        })
    })
    .await
}

/// Deletes an endpoint and its log (admins).
pub async fn delete(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let url: Option<String> =
                sqlx::query_scalar("DELETE FROM webhook_endpoints WHERE id = $1 RETURNING url")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let url = url.ok_or(AppError::NotFound)?;
            let before = json!({ "endpoint_id": id, "url": url });
            audit::record(
                &mut tx,
                viewer,
                Subject::Integration,
                "webhook_endpoint_deleted",
                Some(before),
                None,
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// Sends a delivery again (admins), the same event with the same body and id, as a new
/// round of attempts. Only one that is finished (delivered or failed): one still being
/// tried is already on its way.
pub async fn resend(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let resent: Option<(String, String)> = sqlx::query_as(
                "UPDATE webhook_deliveries d
                 SET state = 'new', round_start = d.attempts, next_attempt_at = NULL
                 FROM webhook_endpoints e
                 WHERE d.id = $1 AND e.id = d.endpoint_id AND e.enabled
                   AND d.state IN ('delivered', 'failed')
                 RETURNING d.event_id, d.event_type",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((event_id, event_type)) = resent else {
                let state: Option<(String, bool)> = sqlx::query_as(
                    "SELECT d.state, e.enabled FROM webhook_deliveries d
                     JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                return Err(match state {
                    None => AppError::NotFound,
                    Some((_, false)) => AppError::invalid(
                        "delivery",
                        "cannot be resent while its endpoint is turned off",
                    ),
                    Some(_) => AppError::invalid(
                        "delivery",
                        "is still being sent: it can be resent once it is delivered or has failed",
                    ),
                }
                .into());
            };
            sqlx::query("SELECT pg_notify('webhook_deliveries', '')")
                .execute(&mut *tx)
                .await?;
            let after =
                json!({ "delivery_id": id, "event_id": event_id, "event_type": event_type });
            audit::record(
                &mut tx,
                viewer,
                Subject::Integration,
                "webhook_resent",
                None,
                Some(after),
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// `Ok` when endpoint `id` exists in the viewer's workspace (a write that changed
/// nothing), 404 otherwise: another workspace's is as absent as one that never was.
async fn exists(tx: &mut sqlx::PgConnection, id: i64) -> Result<(), Abort> {
    let found: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1)")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if found {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: i64,
    url: String,
    description: String,
    events: Vec<String>,
    enabled: bool,
    created_at: OffsetDateTime,
    delivered: i64,
    failed: i64,
    pending: i64,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    endpoint_id: i64,
    endpoint_url: String,
    event_id: String,
    event_type: String,
    created_at: OffsetDateTime,
    state: String,
    attempts: i32,
    next_attempt_at: Option<OffsetDateTime>,
    last_attempt_at: Option<OffsetDateTime>,
    response_status: Option<i16>,
    latency_ms: Option<i32>,
    response_excerpt: Option<String>,
    error: Option<String>,
}

/// The workspace's endpoints (oldest first, with their deliveries counted) and its
/// latest deliveries, of one endpoint when `endpoint` is given.
pub async fn overview(
    pool: &PgPool,
    viewer: &Viewer,
    endpoint: Option<i64>,
) -> Result<(Vec<WebhookEndpoint>, Vec<WebhookDelivery>), AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let endpoints: Vec<EndpointRow> = sqlx::query_as(
        "SELECT e.id, e.url, e.description, e.events, e.enabled, e.created_at,
                count(*) FILTER (WHERE d.state = 'delivered') AS delivered,
                count(*) FILTER (WHERE d.state = 'failed') AS failed,
                count(*) FILTER (WHERE d.state IN ('new', 'queued', 'retrying')) AS pending
         FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id
         GROUP BY e.id ORDER BY e.id",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let deliveries: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT d.id, d.endpoint_id, e.url AS endpoint_url, d.event_id, d.event_type,
                d.created_at, d.state, d.attempts, d.next_attempt_at, d.last_attempt_at,
                d.response_status, d.latency_ms, d.response_excerpt, d.error
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE ($1::bigint IS NULL OR d.endpoint_id = $1)
         ORDER BY d.id DESC LIMIT $2",
    )
    .bind(endpoint)
    .bind(LOG_ROWS)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    db::end_read(tx);
    let endpoints = endpoints
        .into_iter()
        .map(|row| WebhookEndpoint {
            id: row.id,
            url: row.url,
            description: row.description,
            events: row
                .events
                .iter()
                .filter_map(|e| WebhookEvent::parse(e))
                .collect(),
            enabled: row.enabled,
            created_at: row.created_at,
            delivered: row.delivered,
            failed: row.failed,
            pending: row.pending,
        })
        .collect();
    let deliveries = deliveries
        .into_iter()
        .map(|row| WebhookDelivery {
            id: row.id,
            endpoint_id: row.endpoint_id,
            endpoint_url: row.endpoint_url,
            event_id: row.event_id,
            event_type: row.event_type,
            created_at: row.created_at,
            state: DeliveryState::parse(&row.state).unwrap_or(DeliveryState::Failed),
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            last_attempt_at: row.last_attempt_at,
            response_status: row.response_status,
            latency_ms: row.latency_ms,
            response_excerpt: row.response_excerpt,
            error: row.error,
        })
        .collect();
    Ok((endpoints, deliveries))
}
