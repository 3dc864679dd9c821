//! CSV import of cases and companies: the upload is checked as it streams into object
//! storage (UTF-8, quotes, a header and rows, at most 50 MB and 100,000 rows: a file
//! that fails is refused whole, with the reason, and nothing is kept); its columns are
//! matched to fields by header; a dry run ([`job`]) reads every row and lists what is
//! wrong with each, writing nothing; then the import writes the good rows in batches
//! ([`write`]), re-importing a row with the same external id updating it.
//!
//! Who may: cases, those who manage all cases (admins); companies, those who may add
//! companies (admins, analysts).

pub mod job;
pub mod records;
pub mod rows;
pub mod write;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sqlx::PgPool;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use self::job::{ImportInput, ImportJobs};
use self::records::RecordReader;
use super::authz::{self, Capability};
use super::db::{self, Abort, internal, tenant_tx};
use super::storage::Storage;
use crate::model::{
    AppError, ImportKind, ImportRowError, ImportStatus, ImportView, MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS, Mapping, Viewer, auto_match, check_text,
};

/// Rows the preview shows, and refused rows the page lists (the report has them all).
const SAMPLE_ROWS: usize = 5;
const SHOWN_ERRORS: i64 = 50;

/// The capability importing `kind` needs.
pub fn capability(kind: ImportKind) -> Capability {
    match kind {
        ImportKind::Cases => Capability::ManageAllCases,
        ImportKind::Companies => Capability::AddCompanies,
    }
}

fn allowed(viewer: &Viewer, kind: ImportKind) -> Result<(), AppError> {
    if authz::allows(viewer, capability(kind)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::invalid("file", message)
}

/// A file that passed the upload's checks.
pub struct Inspected {
    pub header: Vec<String>,
    /// Its first rows.
    pub sample: Vec<Vec<String>>,
    pub rows: usize,
    pub bytes: u64,
}

/// The upload's checks, fed the file as it arrives.
#[derive(Default)]
pub struct Inspector {
    reader: RecordReader,
    header: Option<Vec<String>>,
    sample: Vec<Vec<String>>,
    rows: usize,
    bytes: u64,
}

impl Inspector {
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        self.bytes += chunk.len() as u64;
        if self.bytes > MAX_IMPORT_BYTES {
            return Err(refused(format!(
                "is larger than {} MB: split it into smaller files",
                MAX_IMPORT_BYTES / (1024 * 1024)
            )));
        }
        let records = self
            .reader
            .push(chunk)
            .map_err(|error| refused(error.to_string()))?;
        self.take(records)
    }

    fn take(&mut self, records: Vec<records::Record>) -> Result<(), AppError> {
        for record in records {
            // PostgreSQL keeps no NUL in text: a file with one is not a text CSV.
            if record.fields.iter().any(|field| field.contains('\0')) {
                return Err(refused(format!(
                    "row {} holds a NUL character: it is not a text CSV file",
                    record.line
                )));
            }
            if self.header.is_none() {
                let header: Vec<String> =
                    record.fields.iter().map(|f| f.trim().to_string()).collect();
                if let [only] = header.as_slice()
                    && let Some(separator) =
                        [';', '\t', '|'].into_iter().find(|c| only.contains(*c))
                {
                    let name = match separator {
                        '\t' => "tabs".to_string(),
                        other => format!("“{other}”"),
                    };
                    return Err(refused(format!(
                        "separates its columns with {name}: save it as CSV (comma-separated) and upload it again"
                    )));
                }
                self.header = Some(header);
                continue;
            }
            self.rows += 1;
            if self.rows > MAX_IMPORT_ROWS {
                return Err(refused(format!(
                    "has more than {MAX_IMPORT_ROWS} rows: split it into smaller files"
                )));
            }
            if self.sample.len() < SAMPLE_ROWS {
                self.sample.push(record.fields);
            }
        }
        Ok(())
    }

    /// The checked file: its header, first rows and row count.
    pub fn finish(mut self) -> Result<Inspected, AppError> {
        let last = self
            .reader
            .finish()
            .map_err(|error| refused(error.to_string()))?;
        self.take(last)?;
        let Some(header) = self.header else {
            return Err(refused("is empty"));
        };
        if self.rows == 0 {
            return Err(refused("has a header but no rows under it"));
        }
        Ok(Inspected {
            header,
            sample: self.sample,
            rows: self.rows,
            bytes: self.bytes,
        })
    }
}

/// Stores an uploaded file as its `chunks` arrive, checking it on the way, and records
/// the import with its columns matched by header. A refused file leaves nothing.
pub async fn upload<S, E>(
    pool: &PgPool,
    storage: &Storage,
    viewer: &Viewer,
    kind: ImportKind,
    file_name: &str,
    mut chunks: S,
) -> Result<i64, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<AppError>,
{
    allowed(viewer, kind)?;
    let file_name = match file_name.trim() {
        "" => "upload.csv".to_string(),
        name => name.chars().take(255).collect(),
    };
    check_text("file_name", &file_name)?;
    let key = format!(
        "imports/{}/{}.csv",
        viewer.tenant_id,
        Uuid::new_v4().simple()
    );
    let mut writer = storage.writer(&key).await?;
    let mut inspector = Inspector::default();
    let checked = async {
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(Into::into)?;
            inspector.push(&chunk)?;
            writer.write(&chunk).await?;
        }
        inspector.finish()
    }
    .await;
    let Inspected {
        header,
        sample,
        rows,
        bytes: size,
    } = match checked {
        Ok(checked) => checked,
        Err(error) => {
            writer.abort().await;
            return Err(error);
        }
    };
    writer.finish().await?;
    let mapping = auto_match(kind, &header);
    db::write(pool, viewer.tenant_id, |mut tx| {
        let (header, sample, mapping, file_name, key) = (
            header.clone(),
            sample.clone(),
            mapping.clone(),
            file_name.clone(),
            key.clone(),
        );
        Box::pin(async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO imports (tenant_id, kind, file_name, object_key, size_bytes, header,
                                      sample, mapping, rows_total, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(viewer.tenant_id)
            .bind(kind.as_str())
            .bind(&file_name)
            .bind(&key)
            .bind(size as i64)
            .bind(&header)
            .bind(Json(&sample))
            .bind(Json(&mapping))
            .bind(rows as i32)
            .bind(viewer.user_id)
            .fetch_one(&mut *tx)
            .await?;
            Ok::<_, Abort>(id)
        })
    })
    .await
}

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: i64,
    kind: String,
    file_name: String,
    size_bytes: i64,
    header: Vec<String>,
    sample: Json<Vec<Vec<String>>>,
    mapping: Json<Mapping>,
    rows_total: i32,
    status: String,
    rows_done: i32,
    rows_bad: i32,
    created: i32,
    updated: i32,
    error: Option<String>,
    created_at: OffsetDateTime,
    resumable: bool,
    /// Running, but the job working on it is gone or given up by the queue.
    abandoned: bool,
    job_id: Option<uuid::Uuid>,
}

/// Import `id` as its page shows it. One whose job the queue gave up on (a worker
/// killed on its last attempt, a timeout: no code of ours saw the end) is marked
/// stopped here, so the page never shows it running for ever.
pub async fn view(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<ImportView, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let row: Option<ImportRow> = sqlx::query_as(
        "SELECT id, kind, file_name, size_bytes, header, sample, mapping, rows_total, status,
                rows_done, rows_bad, created, updated, error, created_at, resumable,
                (status IN ('checking', 'importing') AND NOT EXISTS (
                    SELECT FROM underway.task t
                    WHERE t.id = imports.job_id AND (t.state IN ('pending', 'succeeded')
                        OR t.state = 'in_progress' AND (
                            t.last_heartbeat_at >= now() - t.heartbeat
                            OR (t.retry_policy).max_attempts > (
                                SELECT count(*) FROM underway.task_attempt a
                                WHERE a.task_queue_name = t.task_queue_name AND a.task_id = t.id))))
                ) AND job_id IS NOT NULL AS abandoned, job_id
         FROM imports WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    let row = row.ok_or(AppError::NotFound)?;
    let kind = ImportKind::parse(&row.kind).ok_or(AppError::Internal)?;
    allowed(viewer, kind)?;
    if row.abandoned {
        db::end_read(tx);
        tracing::error!(import = id, job = ?row.job_id, "the queue gave up on an import's job");
        job::give_up(pool, viewer.tenant_id, id, row.job_id)
            .await
            .map_err(internal)?;
        return Box::pin(view(pool, viewer, id)).await;
    }
    let errors: Vec<(i32, Option<String>, String)> = sqlx::query_as(
        "SELECT line, field, reason FROM import_errors WHERE import_id = $1 ORDER BY line LIMIT $2",
    )
    .bind(id)
    .bind(SHOWN_ERRORS)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    db::end_read(tx);
    Ok(ImportView {
        id: row.id,
        kind,
        file_name: row.file_name,
        size_bytes: row.size_bytes,
        header: row.header,
        mapping: row.mapping.0,
        sample: row.sample.0,
        rows_total: row.rows_total,
        status: ImportStatus::parse(&row.status).unwrap_or(ImportStatus::Failed),
        rows_done: row.rows_done,
        rows_bad: row.rows_bad,
        created: row.created,
        updated: row.updated,
        error: row.error,
        resumable: row.resumable,
        errors: errors
            .into_iter()
            .map(|(line, field, reason)| ImportRowError {
                line,
                field,
                reason,
            })
            .collect(),
        created_at: row.created_at,
    })
}

/// Starts the dry run with `mapping` (every row checked, nothing written), or — once
/// it has run — the import of the good rows. Each starts over: the counts and the
/// refused rows of a previous run are cleared.
pub async fn start(
    pool: &PgPool,
    jobs: &ImportJobs,
    viewer: &Viewer,
    id: i64,
    mapping: Option<&Mapping>,
    dry_run: bool,
) -> Result<(), AppError> {
    let queue = jobs.queue().await?;
    db::write(pool, viewer.tenant_id, |mut tx| {
        let queue = queue.clone();
        Box::pin(async move {
            let found: Option<(String, String, bool)> = sqlx::query_as(
                "SELECT kind, status, resumable FROM imports WHERE id = $1 FOR UPDATE",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let (kind, status, resumable) = found.ok_or(AppError::NotFound)?;
            let kind = ImportKind::parse(&kind).ok_or(AppError::Internal)?;
            allowed(viewer, kind)?;
            let status = ImportStatus::parse(&status).unwrap_or(ImportStatus::Failed);
            let stopped = status == ImportStatus::Failed && resumable;
            let may = if dry_run {
                // Checking again would start the count over, and rows without an
                // external id would then be written twice.
                !stopped
                    && matches!(
                        status,
                        ImportStatus::Uploaded | ImportStatus::Checked | ImportStatus::Failed
                    )
            } else {
                status == ImportStatus::Checked || stopped
            };
            if !may {
                let message = match status {
                    ImportStatus::Checking | ImportStatus::Importing => "is already running",
                    ImportStatus::Done => "is done: upload the file again to import it again",
                    ImportStatus::Failed if stopped => {
                        "stopped part way: resume it to import the rest"
                    }
                    _ => "must be checked (the dry run) before it is imported",
                };
                return Err(AppError::invalid("import", message).into());
            }
            let input = ImportInput {
                tenant_id: viewer.tenant_id,
                import_id: id,
                dry_run,
            };
            let job = queue
                .enqueue(&mut *tx, &jobs.task, &input)
                .await
                .map_err(|error| {
                    tracing::error!(%error, "could not enqueue an import");
                    AppError::Unavailable
                })?;
            if stopped {
                // Resume: the counts, the refused rows and the place reached are kept;
                // the job carries on after `resume_line`.
                sqlx::query(
                    "UPDATE imports SET status = 'importing', attempts = 0, job_id = $2,
                            resumable = false, error = NULL, finished_at = NULL
                     WHERE id = $1",
                )
                .bind(id)
                .bind(*job)
                .execute(&mut *tx)
                .await?;
                return Ok(());
            }
            sqlx::query(
                "UPDATE imports SET status = $2, mapping = coalesce($3, mapping), rows_done = 0,
                        rows_bad = 0, created = 0, updated = 0, resume_line = 0, error = NULL,
                        finished_at = NULL, attempts = 0, job_id = $4, resumable = false
                 WHERE id = $1",
            )
            .bind(id)
            .bind(if dry_run { "checking" } else { "importing" })
            .bind(mapping.map(Json))
            .bind(*job)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM import_errors WHERE import_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            Ok::<_, Abort>(())
        })
    })
    .await
}

/// Every refused row of import `id`, in row order (the error report).
pub async fn refused_rows(
    pool: &PgPool,
    viewer: &Viewer,
    id: i64,
) -> Result<Vec<ImportRowError>, AppError> {
    let import = view(pool, viewer, id).await?;
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let errors: Vec<(i32, Option<String>, String)> = sqlx::query_as(
        "SELECT line, field, reason FROM import_errors WHERE import_id = $1 ORDER BY line",
    )
    .bind(import.id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    db::end_read(tx);
    Ok(errors
        .into_iter()
        .map(|(line, field, reason)| ImportRowError {
            line,
            field,
            reason,
        })
        .collect())
}
