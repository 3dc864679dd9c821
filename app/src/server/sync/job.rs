//! A sync run, as a job on the queue: Zoho's pages streamed one at a time into the
//! directory (each page one transaction), photos fetched alongside with bounded
//! parallelism and stored with their thumbnails, records removed in Zoho archived, the
//! cursor moved on, progress announced as it goes. A run whose worker dies is taken
//! over by another and starts over; what the first attempt wrote is recognised, not
//! written or counted twice.

use std::sync::Arc;
use std::time::Duration;

use jiff::{Span, ToSpan};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use underway::task::{Result as TaskResult, RetryPolicy};
use underway::{Queue, Task};
use uuid::Uuid;
use zoho::{ListAnswer, PageAt};

use super::connection::Connection;
use super::photo_fetch::{self, PhotoDone};
use super::{SyncSettings, announce};
use crate::model::AppError;
use crate::server::contractors::store;
use crate::server::db;
use crate::server::queue::LazyQueue;
use crate::server::storage::Storage;

pub const SYNC_QUEUE: &str = "zoho_sync";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncInput {
    pub tenant_id: Uuid,
    pub run_id: i64,
}

#[derive(Clone)]
pub struct SyncTask {
    pub pool: PgPool,
    pub storage: Storage,
    pub settings: Arc<SyncSettings>,
    pub heartbeat: Duration,
}

impl Task for SyncTask {
    type Input = SyncInput;
    type Output = ();

    async fn execute(&self, tx: Transaction<'_, Postgres>, input: Self::Input) -> TaskResult<()> {
        run(self, tx, &input).await
    }

    /// Our own failures (a lost database) are retried by the queue; Zoho's are retried
    /// call by call by the client and end the run as failed when they outlast that.
    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::builder()
            .max_attempts(5)
            .initial_interval_ms(2_000)
            .backoff_coefficient(2.0)
            .max_interval_ms(5 * 60 * 1000)
            .build()
    }

    fn timeout(&self) -> Span {
        2.hours()
    }

    fn heartbeat(&self) -> Span {
        (self.heartbeat.as_secs().max(1) as i64).seconds()
    }
}

/// The sync queue of this process and its task.
pub struct SyncJobs {
    pub task: SyncTask,
    queue: LazyQueue<SyncTask>,
}

impl SyncJobs {
    pub fn new(task: SyncTask) -> Self {
        let queue = LazyQueue::new(SYNC_QUEUE, task.pool.clone());
        Self { task, queue }
    }

    pub async fn queue(&self) -> Result<Arc<Queue<SyncTask>>, AppError> {
        self.queue.get().await
    }
}

fn database(error: sqlx::Error) -> underway::task::Error {
    underway::task::Error::Retryable(error.to_string())
}

async fn run(task: &SyncTask, tx: Transaction<'_, Postgres>, input: &SyncInput) -> TaskResult<()> {
    let begun = begin(&task.pool, input)
        .await
        .map_err(|e| underway::task::Error::Retryable(e.to_string()))?;
    let Some((connection, full, started)) = begun else {
        return Ok(()); // finished already, or the connection is gone
    };
    let outcome = sync(task, input, &connection, full, started).await;
    finish(tx, input, outcome).await.map_err(database)
}

/// Marks the run as running (again, after a takeover) and reads the connection.
async fn begin(
    pool: &PgPool,
    input: &SyncInput,
) -> Result<Option<(Connection, bool, OffsetDateTime)>, AppError> {
    db::write(pool, input.tenant_id, |mut tx| {
        Box::pin(async move {
            let run: Option<(bool, bool, OffsetDateTime)> = sqlx::query_as(
                "UPDATE sync_runs SET status = 'running', attempts = attempts + 1,
                 started_at = coalesce(started_at, now()),
                 -- a taken-over run counts its progress afresh (its totals stay exact)
                 records_done = 0, photos_total = 0, photos_done = 0
             WHERE id = $1 AND status IN ('queued', 'running')
             RETURNING full_sync, attempts > 1, started_at",
            )
            .bind(input.run_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((full, taken_over, started)) = run else {
                return Ok(None);
            };
            let Some(connection) = Connection::load(&mut tx).await? else {
                sqlx::query(
                    "UPDATE sync_runs SET status = 'failed', finished_at = now(),
                     error = 'Zoho is no longer connected'
                 WHERE id = $1",
                )
                .bind(input.run_id)
                .execute(&mut *tx)
                .await?;
                return Ok(None);
            };
            if taken_over {
                tracing::warn!(
                    run = input.run_id,
                    "sync run taken over after its worker stopped"
                );
            }
            announce(&mut tx, input.tenant_id, input.run_id).await?;
            let full = full || connection.records_cursor.is_none();
            Ok(Some((connection, full, started)))
        })
    })
    .await
}

/// What a run found, or why it stopped.
struct Outcome {
    result: Result<Cursors, String>,
}

struct Cursors {
    records: Option<OffsetDateTime>,
    deleted: Option<OffsetDateTime>,
}

async fn sync(
    task: &SyncTask,
    input: &SyncInput,
    connection: &Connection,
    full: bool,
    started: OffsetDateTime,
) -> Outcome {
    let client = match connection.client(&task.settings) {
        Ok(client) => Arc::new(client),
        Err(error) => {
            return Outcome {
                result: Err(error.to_string()),
            };
        }
    };
    let (wanted_tx, wanted_rx) = mpsc::channel(zoho::client::PER_PAGE as usize * 2);
    let photos = photo_fetch::run(
        task.pool.clone(),
        task.storage.clone(),
        Arc::clone(&client),
        input.tenant_id,
        Some(input.run_id),
        task.settings.photo_parallelism,
        ReceiverStream::new(wanted_rx),
    );
    let listing = list(task, input, connection, &client, full, started, wanted_tx);
    let (listed, photos): (Result<Cursors, String>, Result<PhotoDone, sqlx::Error>) =
        tokio::join!(listing, photos);
    let result = match (listed, photos) {
        (Ok(cursors), Ok(_)) => Ok(cursors),
        (Err(why), _) => Err(why),
        (_, Err(error)) => Err(format!("saving photos failed: {error}")),
    };
    Outcome { result }
}

/// Lists Zoho page by page (modified since the cursor for an incremental run), writes
/// each page, and hands the photos it needs to the photo workers (waiting when they
/// are behind: memory stays bounded whatever the directory's size).
async fn list(
    task: &SyncTask,
    input: &SyncInput,
    connection: &Connection,
    client: &zoho::Client,
    full: bool,
    started: OffsetDateTime,
    wanted: mpsc::Sender<store::PhotoWanted>,
) -> Result<Cursors, String> {
    let since = if full {
        None
    } else {
        connection.records_cursor
    };
    let mut at = PageAt::FIRST;
    let mut newest = connection.records_cursor;
    loop {
        let answer = client.list(&at, since).await.map_err(|e| e.to_string())?;
        let ListAnswer::Page {
            records,
            unreadable,
            next,
        } = answer
        else {
            break; // 304: nothing changed since the cursor
        };
        let mapped: Vec<_> = records
            .into_iter()
            .map(|record| {
                let fields = connection.field_map.apply(&record);
                (record, fields)
            })
            .collect();
        newest = mapped
            .iter()
            .map(|(r, _)| r.modified_time)
            .chain(newest)
            .max();
        let applied = write_page(&task.pool, input, &mapped, &unreadable)
            .await
            .map_err(|e| format!("saving a page failed: {e}"))?;
        for photo in applied.photos {
            if wanted.send(photo).await.is_err() {
                return Err("the photo workers stopped".into());
            }
        }
        match next {
            Some(next) => at = next,
            None => break,
        }
    }
    drop(wanted);
    let deleted = if full {
        let archived = archive_unseen(&task.pool, input, started)
            .await
            .map_err(|e| e.to_string())?;
        tracing::debug!(archived, "full run: archived what Zoho no longer lists");
        Some(started)
    } else {
        archive_deleted(&task.pool, input, connection, client).await?
    };
    // The next run asks for what changed after what this one saw, less a margin for
    // edits made while it ran (their modified times may be earlier than records it
    // saw later): re-reading a few unchanged records is cheap, missing one is not.
    let margin = time::Duration::minutes(2);
    let records = newest.map(|n| n.min(started - margin));
    Ok(Cursors { records, deleted })
}

async fn write_page(
    pool: &PgPool,
    input: &SyncInput,
    mapped: &[(zoho::Record, zoho::ContractorFields)],
    unreadable: &[String],
) -> Result<store::Applied, AppError> {
    db::write(pool, input.tenant_id, |mut tx| {
        Box::pin(async move {
            let applied =
                store::apply(&mut tx, input.tenant_id, Some(input.run_id), mapped).await?;
            for (n, why) in unreadable.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO sync_run_errors (run_id, tenant_id, zoho_id, stage, message)
                 VALUES ($1, $2, $3, 'record', $4) ON CONFLICT DO NOTHING",
                )
                .bind(input.run_id)
                .bind(input.tenant_id)
                .bind(format!("unreadable-{n}"))
                .bind(why)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "UPDATE sync_runs SET records_done = records_done + $2, created = created + $3,
                 updated = updated + $4, unchanged = unchanged + $5,
                 photos_total = photos_total + $6, failed = failed + $7
             WHERE id = $1",
            )
            .bind(input.run_id)
            .bind((mapped.len() + unreadable.len()) as i32)
            .bind(applied.created as i32)
            .bind(applied.updated as i32)
            .bind(applied.unchanged as i32)
            .bind(applied.photos.len() as i32)
            .bind(unreadable.len() as i32)
            .execute(&mut *tx)
            .await?;
            announce(&mut tx, input.tenant_id, input.run_id).await?;
            Ok(applied)
        })
    })
    .await
}

async fn archive_unseen(
    pool: &PgPool,
    input: &SyncInput,
    started: OffsetDateTime,
) -> Result<usize, AppError> {
    db::write(pool, input.tenant_id, |mut tx| {
        Box::pin(async move {
            let archived =
                store::archive_unseen(&mut tx, input.tenant_id, input.run_id, started).await?;
            count_archived(&mut tx, input.run_id, archived.len()).await?;
            Ok(archived.len())
        })
    })
    .await
}

/// An incremental run archives what Zoho lists as deleted since the last run.
async fn archive_deleted(
    pool: &PgPool,
    input: &SyncInput,
    connection: &Connection,
    client: &zoho::Client,
) -> Result<Option<OffsetDateTime>, String> {
    let mut at = PageAt::FIRST;
    let mut newest = connection.deleted_cursor;
    loop {
        let (deleted, next) = client
            .deleted(&at, connection.deleted_cursor)
            .await
            .map_err(|e| e.to_string())?;
        newest = deleted
            .iter()
            .filter_map(|d| d.deleted_time)
            .chain(newest)
            .max();
        if !deleted.is_empty() {
            let ids: Vec<String> = deleted.iter().map(|d| d.id.clone()).collect();
            let at_time = deleted
                .iter()
                .filter_map(|d| d.deleted_time)
                .max()
                .unwrap_or_else(OffsetDateTime::now_utc);
            let ids = &ids;
            db::write(pool, input.tenant_id, |mut tx| {
                Box::pin(async move {
                    let archived = store::archive(&mut tx, input.tenant_id, ids, at_time).await?;
                    count_archived(&mut tx, input.run_id, archived.len()).await?;
                    Ok(())
                })
            })
            .await
            .map_err(|e| e.to_string())?;
        }
        match next {
            Some(next) => at = next,
            None => break,
        }
    }
    Ok(newest.or(Some(OffsetDateTime::now_utc() - time::Duration::minutes(2))))
}

async fn count_archived(
    conn: &mut sqlx::PgConnection,
    run_id: i64,
    archived: usize,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sync_runs SET archived = archived + $2 WHERE id = $1")
        .bind(run_id)
        .bind(archived as i32)
        .execute(conn)
        .await
        .map(drop)
}

/// Ends the run in the job's own transaction, so "done" and the job's completion
/// commit together.
async fn finish(
    mut tx: Transaction<'_, Postgres>,
    input: &SyncInput,
    outcome: Outcome,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(input.tenant_id.to_string())
        .execute(&mut *tx)
        .await?;
    match outcome.result {
        Ok(cursors) => {
            sqlx::query(
                "UPDATE zoho_connections SET records_cursor = coalesce($1, records_cursor),
                     deleted_cursor = coalesce($2, deleted_cursor)
                 WHERE tenant_id = $3",
            )
            .bind(cursors.records)
            .bind(cursors.deleted)
            .bind(input.tenant_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE sync_runs SET status = 'done', finished_at = now() WHERE id = $1")
                .bind(input.run_id)
                .execute(&mut *tx)
                .await?;
        }
        Err(why) => {
            tracing::warn!(run = input.run_id, error = %why, "sync run failed");
            sqlx::query("UPDATE sync_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1")
                .bind(input.run_id)
                .bind(why.chars().take(500).collect::<String>())
                .execute(&mut *tx)
                .await?;
        }
    }
    announce(&mut tx, input.tenant_id, input.run_id).await?;
    tx.commit().await
}
