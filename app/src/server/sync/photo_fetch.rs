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

/// Column arrays for the batch's one `UPDATE … FROM unnest(…)`.
#[derive(Default)]
struct StoredColumns {
    id: Vec<i64>,
    photo_ref: Vec<Option<String>>,
    hash: Vec<String>,
    content_type: Vec<String>,
    width: Vec<i32>,
    height: Vec<i32>,
    thumbs: Vec<String>,
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
        // One UPDATE for the batch's stored photos (one statement, one run of the
        // contractors' statement triggers, instead of one per photo).
        let mut stored = StoredColumns::default();
        let mut cleared: Vec<i64> = Vec::new();
        for outcome in batch {
            match outcome {
                Fetched::Stored { contractor_id, photo_ref, hash, content_type, width, height, thumbs, new_bytes } => {
                    stored.id.push(*contractor_id);
                    stored.photo_ref.push(photo_ref.clone());
                    stored.hash.push(hash.clone());
                    stored.content_type.push(content_type.to_string());
                    stored.width.push(*width);
                    stored.height.push(*height);
                    // Arrays of arrays cannot be bound: the widths as text, split in SQL.
                    stored.thumbs.push(thumbs.iter().map(i32::to_string).collect::<Vec<_>>().join(","));
                    if *new_bytes {
                        fetched += 1;
                    }
                }
                Fetched::None { contractor_id } => cleared.push(*contractor_id),
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
        if !stored.id.is_empty() {
            sqlx::query(
                "UPDATE contractors c SET photo_ref = t.photo_ref, photo_hash = t.hash,
                     photo_type = t.content_type, photo_width = t.width, photo_height = t.height,
                     photo_thumbs = CASE WHEN t.thumbs = '' THEN '{}'::integer[]
                                         ELSE string_to_array(t.thumbs, ',')::integer[] END
                 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::integer[],
                             $6::integer[], $7::text[])
                      AS t(id, photo_ref, hash, content_type, width, height, thumbs)
                 WHERE c.id = t.id",
            )
            .bind(&stored.id)
            .bind(&stored.photo_ref)
            .bind(&stored.hash)
            .bind(&stored.content_type)
            .bind(&stored.width)
            .bind(&stored.height)
            .bind(&stored.thumbs)
            .execute(&mut *tx)
            .await?;
        }
        if !cleared.is_empty() {
            sqlx::query(
                "UPDATE contractors SET photo_ref = NULL, photo_hash = NULL, photo_type = NULL,
                     photo_width = NULL, photo_height = NULL, photo_thumbs = '{}'
                 WHERE id = ANY($1)",
            )
            .bind(&cleared)
            .execute(&mut *tx)
            .await?;
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
