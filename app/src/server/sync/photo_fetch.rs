//! The photo side of a run: downloads with bounded parallelism, each checked and
//! thumbnailed off the async threads, stored under its content hash (skipped when the
//! hash is what is stored), and written back in batches, one transaction per batch.

use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use sqlx::PgPool;
use uuid::Uuid;

use super::announce;
use crate::server::contractors::photos::{self, THUMB_WIDTHS};
use crate::server::contractors::store::PhotoWanted;
use crate::server::db;
use crate::server::storage::Storage;

/// What happened to one photo.
enum Fetched {
    /// Stored (or the same bytes were already): the columns to set.
    Stored {
        contractor_id: i64,
        photo_ref: Option<String>,
        hash: String,
        content_type: &'static str,
        width: i32,
        height: i32,
        thumbs: Vec<i32>,
        new_bytes: bool,
    },
    /// Zoho has no photo for it after all.
    None {
        contractor_id: i64,
    },
    Failed {
        zoho_id: String,
        message: String,
    },
}

/// Totals of a run's photo work.
#[derive(Debug, Default, Clone, Copy)]
pub struct PhotoDone {
    pub fetched: u32,
    pub failed: u32,
}

/// Fetches and saves the `wanted` photos of `tenant_id`'s contractors, for sync run
/// `run_id` (its counters and error list), or for a webhook delivery (`None`).
pub async fn run(
    pool: PgPool,
    storage: Storage,
    client: Arc<zoho::Client>,
    tenant_id: Uuid,
    run_id: Option<i64>,
    parallelism: usize,
    wanted: impl Stream<Item = PhotoWanted> + Send,
) -> Result<PhotoDone, sqlx::Error> {
    let fetched = wanted
        .map(|w| fetch(Arc::clone(&client), storage.clone(), tenant_id, w))
        .buffer_unordered(parallelism.max(1));
    // Saved in batches: at most 64 photos, or what finished within 300 ms.
    let batches = tokio_stream::StreamExt::chunks_timeout(fetched, 64, Duration::from_millis(300));
    let mut batches = std::pin::pin!(batches);
    let mut done = PhotoDone::default();
    while let Some(batch) = batches.next().await {
        let (fetched, failed) = save(&pool, tenant_id, run_id, batch).await?;
        done.fetched += fetched;
        done.failed += failed;
    }
    Ok(done)
}

async fn fetch(
    client: Arc<zoho::Client>,
    storage: Storage,
    tenant_id: Uuid,
    wanted: PhotoWanted,
) -> Fetched {
    let failed = |message: String| Fetched::Failed {
        zoho_id: wanted.zoho_id.clone(),
        message,
    };
    let bytes = match client.photo(&wanted.zoho_id).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Fetched::None {
                contractor_id: wanted.contractor_id,
            };
        }
        Err(error) => return failed(error.to_string()),
    };
    let hash = photos::hash(&bytes);
    let same = wanted.stored_hash.as_deref() == Some(hash.as_str());
    let prepared = match tokio::task::spawn_blocking(move || photos::prepare(bytes)).await {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(why)) => return failed(why),
        Err(_) => return failed("the photo could not be processed".into()),
    };
    if !same {
        let stored = async {
            for (width, bytes) in &prepared.thumbs {
                storage
                    .put(
                        &photos::key(tenant_id, &prepared.hash, Some(*width)),
                        bytes.clone(),
                    )
                    .await?;
            }
            storage
                .put(
                    &photos::key(tenant_id, &prepared.hash, None),
                    prepared.original.clone(),
                )
                .await
        };
        if stored.await.is_err() {
            return failed("the photo could not be stored".into());
        }
    }
    Fetched::Stored {
        contractor_id: wanted.contractor_id,
        photo_ref: wanted.photo_ref,
        hash: prepared.hash,
        content_type: prepared.content_type,
        width: prepared.width as i32,
        height: prepared.height as i32,
        thumbs: prepared
            .thumbs
            .iter()
            .map(|(w, _)| *w as i32)
            .filter(|w| THUMB_WIDTHS.contains(&(*w as u32)))
            .collect(),
        new_bytes: !same,
    }
}

/// Writes one batch of outcomes and the run's counters in one transaction.
async fn save(
    pool: &PgPool,
    tenant_id: Uuid,
    run_id: Option<i64>,
    batch: Vec<Fetched>,
) -> Result<(u32, u32), sqlx::Error> {
    let batch = &batch;
    let result = db::write(pool, tenant_id, |mut tx| Box::pin(async move {
        let (mut fetched, mut failed) = (0u32, 0u32);
        for outcome in batch {
            match outcome {
                Fetched::Stored { contractor_id, photo_ref, hash, content_type, width, height, thumbs, new_bytes } => {
                    sqlx::query(
                        "UPDATE contractors SET photo_ref = $2, photo_hash = $3, photo_type = $4,
                             photo_width = $5, photo_height = $6, photo_thumbs = $7
                         WHERE id = $1",
                    )
                    .bind(contractor_id)
                    .bind(photo_ref)
                    .bind(hash)
                    .bind(*content_type)
                    .bind(width)
                    .bind(height)
                    .bind(thumbs)
                    .execute(&mut *tx)
                    .await?;
                    if *new_bytes {
                        fetched += 1;
                    }
                }
                Fetched::None { contractor_id } => {
                    sqlx::query(
                        "UPDATE contractors SET photo_ref = NULL, photo_hash = NULL, photo_type = NULL,
                             photo_width = NULL, photo_height = NULL, photo_thumbs = '{}'
                         WHERE id = $1",
                    )
                    .bind(contractor_id)
                    .execute(&mut *tx)
                    .await?;
                }
                Fetched::Failed { zoho_id, message } => {
                    let Some(run_id) = run_id else {
                        tracing::warn!(zoho_id, message, "webhook: a photo could not be saved");
                        continue;
                    };
                    let inserted = sqlx::query(
                        "INSERT INTO sync_run_errors (run_id, tenant_id, zoho_id, stage, message)
                         VALUES ($1, $2, $3, 'photo', $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(run_id)
                    .bind(tenant_id)
                    .bind(zoho_id)
                    .bind(message.chars().take(500).collect::<String>())
                    .execute(&mut *tx)
                    .await?;
                    failed += inserted.rows_affected() as u32;
                }
            }
        }
        let Some(run_id) = run_id else {
            return Ok((fetched, failed));
        };
        sqlx::query(
            "UPDATE sync_runs SET photos_done = photos_done + $2, photos_fetched = photos_fetched + $3,
                 failed = failed + $4
             WHERE id = $1",
        )
        .bind(run_id)
        .bind(batch.len() as i32)
        .bind(fetched as i32)
        .bind(failed as i32)
        .execute(&mut *tx)
        .await?;
        announce(&mut tx, tenant_id, run_id).await?;
        Ok((fetched, failed))
    }))
    .await;
    result.map_err(|error| sqlx::Error::Protocol(format!("saving photos: {error}")))
}
