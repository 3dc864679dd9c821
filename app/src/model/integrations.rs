//! Admin → Integrations → Zoho: the connection as the page shows it (secrets only as
//! "set"), the sync runs with their progress, and a run's per-record errors.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "sync_status", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl SyncStatus {
    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Running => "Running",
            Self::Done => "Done",
            Self::Failed => "Failed",
        }
    }
}

/// The connection settings, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZohoSettingsView {
    pub connected: bool,
    pub data_centre: String,
    pub client_id: String,
    /// Whether a client secret and a refresh token are saved (never their values).
    pub secret_set: bool,
    pub refresh_token_set: bool,
    pub module: String,
    /// (contractor field, Zoho field API name), in display order.
    pub field_map: Vec<(String, String)>,
    pub schedule_minutes: Option<i32>,
    /// Where Zoho posts notifications for this workspace.
    pub webhook_url: String,
    pub channel_expires_at: Option<OffsetDateTime>,
    pub channel_error: Option<String>,
    /// When "Sync now" may be pressed again (None: now).
    pub next_manual_at: Option<OffsetDateTime>,
    /// (code, name) of each data centre.
    pub data_centres: Vec<(String, String)>,
    /// The accounts server this instance is pointed at instead of the data centre's
    /// (`ZOHO_ACCOUNTS_URL`: a proxy, or the demo's fake Zoho).
    pub accounts_override: Option<String>,
}

/// One run, as the history table and the progress bar show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SyncRunView {
    pub id: i64,
    pub full_sync: bool,
    pub trigger: String,
    pub requested_by: Option<String>,
    pub status: SyncStatus,
    pub attempts: i32,
    pub requested_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub records_total: Option<i32>,
    pub records_done: i32,
    pub photos_total: i32,
    pub photos_done: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub archived: i32,
    pub photos_fetched: i32,
    pub failed: i32,
    pub error: Option<String>,
    /// Seconds since it started (or its whole duration, when finished).
    pub elapsed_s: Option<f64>,
}

impl SyncRunView {
    /// Work done and to do (records and photos together), for the progress bar. The
    /// total grows while Zoho's pages come in (an incremental run learns its size as
    /// it goes).
    pub fn progress(&self) -> (i64, i64) {
        let records_total = self
            .records_total
            .map(i64::from)
            .unwrap_or(i64::from(self.records_done))
            .max(i64::from(self.records_done));
        let done = i64::from(self.records_done) + i64::from(self.photos_done);
        let total = records_total + i64::from(self.photos_total);
        (done, total.max(done))
    }

    /// Items per second so far, and the seconds left at that rate.
    pub fn rate_and_eta(&self) -> Option<(f64, Option<f64>)> {
        let elapsed = self.elapsed_s.filter(|s| *s > 0.5)?;
        let (done, total) = self.progress();
        let rate = done as f64 / elapsed;
        let eta =
            (rate > 0.0 && self.status.is_active()).then(|| (total - done).max(0) as f64 / rate);
        Some((rate, eta))
    }
}

/// What went wrong with one record in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SyncRunError {
    pub zoho_id: String,
    pub stage: String,
    pub message: String,
    pub at: OffsetDateTime,
}

/// A run and its errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRunDetail {
    pub run: SyncRunView,
    pub errors: Vec<SyncRunError>,
}

/// The first records of the module, read with the mapping being edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingPreview {
    /// Column headings: the contractor fields.
    pub fields: Vec<String>,
    /// One row of values per record.
    pub rows: Vec<Vec<String>>,
}

/// What "Sync now" did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncRequested {
    Queued(i64),
    AlreadyRunning(i64),
}
