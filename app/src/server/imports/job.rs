//! The import job: reads the stored file as a stream (a chunk at a time: memory does
//! not grow with the file), checks every row, and — unless it is the dry run — writes
//! the good ones in batches. Each batch is one transaction holding its rows, their
//! audit entries and the progress after them, so the page's progress bar counts what
//! is written, and a job taken over after its worker died resumes after the last batch
//! written instead of writing it twice.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use jiff::{Span, ToSpan};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use underway::Task;
use underway::task::{Error as TaskError, Result as TaskResult, RetryPolicy};
use uuid::Uuid;

use super::records::RecordReader;
use super::rows::{self, Item, Refusal, Workspace};
use super::write::{self, Written};
use crate::model::{ImportKind, Mapping};
use crate::server::queue::JobKind;
use crate::server::storage::Storage;

/// The queue import jobs wait in.
pub const IMPORT_QUEUE: &str = "import";
/// Rows a batch writes in one transaction.
pub const BATCH_ROWS: usize = 1000;
/// Runs of one step (the dry run, the import) before it is marked failed.
pub const ATTEMPTS: i32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportInput {
    pub tenant_id: Uuid,
    pub import_id: i64,
    /// Check every row and write nothing.
    pub dry_run: bool,
}

#[derive(Clone)]
pub struct ImportTask {
    pub pool: PgPool,
    pub storage: Storage,
    pub heartbeat: Duration,
}

impl Task for ImportTask {
    type Input = ImportInput;
    type Output = ();

    async fn execute(
        &self,
        tx: Transaction<'_, Postgres>,
        input: Self::Input,
    ) -> TaskResult<Self::Output> {
        // Progress is written in transactions of the job's own (each batch's); the
        // queue's transaction only marks the job done.
        let Some(import) = claim(&self.pool, &input).await.map_err(retryable)? else {
            // Deleted, or a job that already finished its work (run twice).
            return Ok(());
        };
        match run(self, &input, &import).await {
            Ok(()) => {}
            Err(Failure::Retry(error)) if import.attempts < ATTEMPTS => {
                return Err(TaskError::Retryable(error));
            }
            Err(Failure::Retry(error)) => {
                // The last run: say so on the page rather than leave it running.
                tracing::error!(import = input.import_id, %error, "an import gave up");
                give_up(&self.pool, input.tenant_id, input.import_id, None)
                    .await
                    .map_err(retryable)?;
                return Err(TaskError::Fatal(error));
            }
            Err(Failure::File(message)) => {
                fail(&self.pool, &input, &message)
                    .await
                    .map_err(retryable)?;
            }
        }
        tx.commit().await.map_err(retryable)?;
        Ok(())
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::builder()
            .max_attempts(ATTEMPTS)
            .initial_interval_ms(1_000)
            .backoff_coefficient(2.0)
            .max_interval_ms(60_000)
            .build()
    }

    /// 100,000 rows take seconds; a hung one is cut off and taken over.
    fn timeout(&self) -> Span {
        30.minutes()
    }

    fn heartbeat(&self) -> Span {
        (self.heartbeat.as_secs().max(1) as i64).seconds()
    }
}

/// Imports' queue in this process and the task its jobs run.
pub type ImportJobs = JobKind<ImportTask>;

enum Failure {
    /// Ours (the database, the store): try again.
    Retry(String),
    /// The file's: said on the page, not retried.
    File(String),
}

fn retryable(error: impl std::fmt::Display) -> TaskError {
    TaskError::Retryable(error.to_string())
}

fn retry(error: impl std::fmt::Display) -> Failure {
    Failure::Retry(error.to_string())
}

#[derive(sqlx::FromRow)]
struct Import {
    kind: String,
    object_key: String,
    header: Vec<String>,
    mapping: sqlx::types::Json<Mapping>,
    created_by: Option<Uuid>,
    /// The last row written (or checked) and committed: a resumed job starts after it.
    resume_line: i32,
    /// This run's number (1 for the first).
    attempts: i32,
}

async fn tenant_conn(
    pool: &PgPool,
    tenant_id: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant_id.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// What the run has counted since its last batch.
#[derive(Default)]
struct Tally {
    rows: i32,
    bad: i32,
    written: Written,
}

/// Takes the import for one more run of its step, if it is still in it.
async fn claim(pool: &PgPool, input: &ImportInput) -> Result<Option<Import>, sqlx::Error> {
    let mut tx = tenant_conn(pool, input.tenant_id).await?;
    let import = sqlx::query_as(
        "UPDATE imports SET attempts = attempts + 1
         WHERE id = $1 AND status = $2
         RETURNING kind, object_key, header, mapping, created_by, resume_line, attempts",
    )
    .bind(input.import_id)
    .bind(if input.dry_run {
        "checking"
    } else {
        "importing"
    })
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(import)
}

async fn run(task: &ImportTask, input: &ImportInput, import: &Import) -> Result<(), Failure> {
    let kind =
        ImportKind::parse(&import.kind).ok_or_else(|| Failure::File("unknown kind".into()))?;
    let mut tx = tenant_conn(&task.pool, input.tenant_id)
        .await
        .map_err(retry)?;
    let workspace = workspace(&mut tx, kind).await.map_err(retry)?;
    tx.commit().await.map_err(retry)?;

    let mut stream = task
        .storage
        .read_stream(&import.object_key)
        .await
        .map_err(retry)?
        .ok_or_else(|| Failure::File("the uploaded file is gone from storage".into()))?;
    let mut reader = RecordReader::default();
    let mut tally = Tally::default();
    let mut batch: Vec<(u32, Item)> = Vec::with_capacity(BATCH_ROWS);
    let mut refused: Vec<(u32, Refusal)> = Vec::new();
    // External ids (and companies' websites) met in the file, with their row: a second
    // row with the same one is refused, not written over the first.
    let mut seen: HashMap<String, u32> = HashMap::new();
    let columns = import.header.len();
    let mut last_line = u32::try_from(import.resume_line).unwrap_or(0);
    let mut ended = false;
    while !ended {
        let records = match stream.next().await {
            Some(chunk) => reader.push(&chunk.map_err(retry)?),
            None => {
                ended = true;
                reader.finish()
            }
        }
        .map_err(|error| Failure::File(error.to_string()))?;
        for record in records {
            if record.line == 1 {
                continue;
            }
            let line = record.line;
            let read = rows::read(kind, &import.mapping, columns, &record.fields, &workspace)
                .and_then(|item| unique(&mut seen, &item, line).map(|()| item));
            // Rows before the resume point were handled by the run that died; their
            // ids are still remembered above.
            if i64::from(line) <= i64::from(import.resume_line) {
                continue;
            }
            tally.rows += 1;
            last_line = line;
            match read {
                Ok(item) => batch.push((line, item)),
                Err(refusal) => {
                    tally.bad += 1;
                    refused.push((line, refusal));
                }
            }
            if batch.len() + refused.len() >= BATCH_ROWS {
                commit_batch(
                    task,
                    input,
                    kind,
                    import,
                    &mut batch,
                    &mut refused,
                    &mut tally,
                    line,
                )
                .await?;
            }
        }
    }
    commit_batch(
        task,
        input,
        kind,
        import,
        &mut batch,
        &mut refused,
        &mut tally,
        last_line,
    )
    .await?;
    finish(&task.pool, input).await.map_err(retry)
}

/// Refuses a row whose external id (or, for a company, website) an earlier row had.
fn unique(seen: &mut HashMap<String, u32>, item: &Item, line: u32) -> Result<(), Refusal> {
    let mut keys = Vec::new();
    if let Some(id) = item.external_id() {
        keys.push((format!("id:{id}"), "external_id", "external id"));
    }
    if let Item::Company(company) = item {
        keys.push((
            format!("web:{}", company.company.website.key),
            "website",
            "website",
        ));
    }
    for (key, field, label) in keys {
        if let Some(first) = seen.get(&key) {
            return Err(Refusal {
                field: Some(field.to_string()),
                reason: format!("has the same {label} as row {first}"),
            });
        }
        seen.insert(key, line);
    }
    Ok(())
}

/// Writes the batch (unless a dry run), its refused rows and the progress after it, in
/// one transaction.
#[allow(clippy::too_many_arguments)]
async fn commit_batch(
    task: &ImportTask,
    input: &ImportInput,
    kind: ImportKind,
    import: &Import,
    batch: &mut Vec<(u32, Item)>,
    refused: &mut Vec<(u32, Refusal)>,
    tally: &mut Tally,
    line: u32,
) -> Result<(), Failure> {
    let mut tx = tenant_conn(&task.pool, input.tenant_id)
        .await
        .map_err(retry)?;
    if !input.dry_run && !batch.is_empty() {
        let lines: Vec<u32> = batch.iter().map(|(line, _)| *line).collect();
        let written = match kind {
            ImportKind::Cases => {
                let items: Vec<_> = batch
                    .drain(..)
                    .filter_map(|(_, item)| match item {
                        Item::Case(case) => Some(case),
                        Item::Company(_) => None,
                    })
                    .collect();
                write::cases(&mut tx, input.tenant_id, import.created_by, &items).await
            }
            ImportKind::Companies => {
                let items: Vec<_> = batch
                    .drain(..)
                    .filter_map(|(_, item)| match item {
                        Item::Company(company) => Some(company),
                        Item::Case(_) => None,
                    })
                    .collect();
                write::companies(&mut tx, input.tenant_id, import.created_by, &items).await
            }
        }
        .map_err(retry)?;
        if written.created + written.updated > 0 {
            // Rows written straight, not through the live announcements: the
            // dashboards (whose figures count them) hear it this way.
            crate::server::dashboard::cache::announce(&mut tx, input.tenant_id)
                .await
                .map_err(retry)?;
        }
        tally.written.created += written.created;
        tally.written.updated += written.updated;
        for (place, reason) in written.refused {
            if let Some(line) = place.checked_sub(1).and_then(|i| lines.get(i)) {
                tally.bad += 1;
                refused.push((
                    *line,
                    Refusal {
                        field: Some("website".to_string()),
                        reason,
                    },
                ));
            }
        }
    }
    batch.clear();
    record_refusals(&mut tx, input, refused)
        .await
        .map_err(retry)?;
    refused.clear();
    sqlx::query(
        "UPDATE imports SET rows_done = rows_done + $2, rows_bad = rows_bad + $3,
                created = created + $4, updated = updated + $5, resume_line = $6
         WHERE id = $1",
    )
    .bind(input.import_id)
    .bind(tally.rows)
    .bind(tally.bad)
    .bind(tally.written.created as i32)
    .bind(tally.written.updated as i32)
    .bind(i32::try_from(line).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await
    .map_err(retry)?;
    *tally = Tally::default();
    tx.commit().await.map_err(retry)
}

async fn record_refusals(
    tx: &mut PgConnection,
    input: &ImportInput,
    refused: &[(u32, Refusal)],
) -> Result<(), sqlx::Error> {
    if refused.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO import_errors (import_id, tenant_id, line, field, reason)
         SELECT $1, $2, * FROM unnest($3::int4[], $4::text[], $5::text[])
         ON CONFLICT (import_id, line) DO NOTHING",
    )
    .bind(input.import_id)
    .bind(input.tenant_id)
    .bind(
        refused
            .iter()
            .map(|(line, _)| *line as i32)
            .collect::<Vec<_>>(),
    )
    .bind(
        refused
            .iter()
            .map(|(_, r)| r.field.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        refused
            .iter()
            .map(|(_, r)| r.reason.clone())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// The people of the workspace by email, for the assignee column (cases only).
async fn workspace(tx: &mut PgConnection, kind: ImportKind) -> Result<Workspace, sqlx::Error> {
    if kind != ImportKind::Cases {
        return Ok(Workspace::default());
    }
    let people: Vec<(String, Uuid)> = sqlx::query_as(
        "SELECT lower(email), id FROM users WHERE active AND role IN ('employee', 'admin')",
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(Workspace {
        people: people.into_iter().collect(),
    })
}

async fn finish(pool: &PgPool, input: &ImportInput) -> Result<(), sqlx::Error> {
    let mut tx = tenant_conn(pool, input.tenant_id).await?;
    let next = if input.dry_run { "checked" } else { "done" };
    sqlx::query(
        "UPDATE imports SET status = $2, resume_line = 0,
                finished_at = CASE WHEN $2 = 'done' THEN now() END
         WHERE id = $1",
    )
    .bind(input.import_id)
    .bind(next)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Marks import `id` failed because its job gave up (not because of its file): its
/// last run failed, or the queue stopped running it (`job`: only if that job is still
/// the one working on it). An import stopped while importing can resume after the
/// rows it wrote; a dry run is simply run again. The reason is said for people: what
/// failed inside is in the log.
pub async fn give_up(
    pool: &PgPool,
    tenant_id: Uuid,
    id: i64,
    job: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let mut tx = tenant_conn(pool, tenant_id).await?;
    let done = sqlx::query(
        "UPDATE imports SET status = 'failed', resumable = (status = 'importing'),
                error = CASE status
                    WHEN 'importing' THEN 'The import stopped before the end: the database or the file store kept failing. '
                        || 'The rows before the stop are in; resume to carry on after them.'
                    ELSE 'The check stopped before the end: the database or the file store kept failing. Check again.'
                END,
                finished_at = now()
         WHERE id = $1 AND status IN ('checking', 'importing')
           AND ($2::uuid IS NULL OR job_id = $2)",
    )
    .bind(id)
    .bind(job)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(done > 0)
}

/// Marks the import failed because of its file (which running again cannot mend).
async fn fail(pool: &PgPool, input: &ImportInput, message: &str) -> Result<(), sqlx::Error> {
    let mut tx = tenant_conn(pool, input.tenant_id).await?;
    sqlx::query(
        "UPDATE imports SET status = 'failed', resumable = false, error = $2, finished_at = now()
         WHERE id = $1",
    )
    .bind(input.import_id)
    .bind(format!("The file could not be read to the end: {message}."))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
