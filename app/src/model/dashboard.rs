//! What the dashboards show, per role. Every figure comes with the link to the table
//! that lists exactly what it counts.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{AppError, CasePriority, CaseStatus, DayRange};

/// The window of the dashboard's day charts, in the URL as `range=7|30|90`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Window {
    Week,
    #[default]
    Month,
    Quarter,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Week, Window::Month, Window::Quarter];

    pub fn days(self) -> i64 {
        match self {
            Window::Week => 7,
            Window::Month => 30,
            Window::Quarter => 90,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Week => "7 days",
            Window::Month => "30 days",
            Window::Quarter => "90 days",
        }
    }

    /// From the page's query string; a value other than 7, 30 or 90 is an error
    /// naming `range`.
    pub fn from_query_string(query: &str) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.trim_start_matches('?')).unwrap_or_default();
        match pairs
            .iter()
            .find(|(key, _)| key == "range")
            .map(|(_, v)| v.trim())
        {
            None | Some("") | Some("30") => Ok(Window::Month),
            Some("7") => Ok(Window::Week),
            Some("90") => Ok(Window::Quarter),
            Some(_) => Err(AppError::invalid("range", "must be 7, 30 or 90 (days)")),
        }
    }

    /// The days of the window ending on `today`, oldest first.
    pub fn days_until(self, today: Date) -> Vec<Date> {
        let mut days: Vec<Date> = Vec::with_capacity(self.days() as usize);
        let mut day = today;
        for _ in 0..self.days() {
            days.push(day);
            match day.previous_day() {
                Some(previous) => day = previous,
                None => break,
            }
        }
        days.reverse();
        days
    }
}

/// One day's figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigure {
    pub day: Date,
    pub n: i64,
}

/// The age buckets of open cases, in whole days since they were opened (UTC days):
/// label, first day, last day (None: no end).
pub const AGE_BUCKETS: [(&str, i64, Option<i64>); 5] = [
    ("Under a day", 0, Some(0)),
    ("1–3 days", 1, Some(2)),
    ("3–7 days", 3, Some(6)),
    ("7–30 days", 7, Some(29)),
    ("Over 30 days", 30, None),
];

/// The days opened that a bucket covers, seen from `today` (the oldest bucket reaches
/// back to 1970).
pub fn age_bucket_days(today: Date, first: i64, last: Option<i64>) -> DayRange {
    let back = |days: i64| {
        today
            .checked_sub(time::Duration::days(days))
            .unwrap_or(Date::MIN)
    };
    let oldest = match last {
        Some(last) => back(last),
        None => Date::from_calendar_date(1970, time::Month::January, 1).unwrap_or(Date::MIN),
    };
    DayRange {
        from: oldest,
        to: back(first),
    }
}

/// A case in a dashboard list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseLine {
    pub number: i32,
    pub title: String,
    pub status: CaseStatus,
    pub at: OffsetDateTime,
    /// Who changed it last (the "changed by others" list).
    pub by: Option<String>,
}

/// An employee's dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployeeDashboard {
    pub window: Window,
    /// When these figures were read (a dashboard may be a few seconds old: the
    /// figures cache, server/dashboard/cache.rs).
    pub read_at: OffsetDateTime,
    /// Which read of the figures these are: unique within the process that read them
    /// (a dashboard served from the figures cache is the same read). The server draws
    /// each read's charts once (`components::reading_memo`).
    pub reading: u64,
    pub today: Date,
    /// My open cases (not archived) per status: new, open, pending.
    pub open_by_status: Vec<(CaseStatus, i64)>,
    /// My open cases per [`AGE_BUCKETS`] entry.
    pub by_age: Vec<i64>,
    pub oldest: Vec<CaseLine>,
    /// My cases someone else changed since I marked the list seen (newest first).
    pub changed_by_others: Vec<CaseLine>,
    pub seen_at: Option<OffsetDateTime>,
    /// Cases of mine closed per day over the window.
    pub closed_per_day: Vec<DayFigure>,
}

/// One person's load: open cases held, and the oldest of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadLine {
    pub user_id: uuid::Uuid,
    pub name: String,
    pub open: i64,
    pub oldest: Option<OffsetDateTime>,
}

/// An admin's dashboard: the workspace's cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminDashboard {
    pub window: Window,
    /// When these figures were read (a dashboard may be a few seconds old: the
    /// figures cache, server/dashboard/cache.rs).
    pub read_at: OffsetDateTime,
    /// Which read of the figures these are: unique within the process that read them
    /// (a dashboard served from the figures cache is the same read). The server draws
    /// each read's charts once (`components::reading_memo`).
    pub reading: u64,
    pub today: Date,
    /// Open cases (not archived) now, per status × priority.
    pub backlog: Vec<(CaseStatus, CasePriority, i64)>,
    /// Cases opened, and closed, per day of the window.
    pub opened_per_day: Vec<DayFigure>,
    pub closed_per_day: Vec<DayFigure>,
    /// Open cases nobody holds, and the oldest of them.
    pub unassigned: i64,
    pub unassigned_oldest: Vec<CaseLine>,
    /// The most loaded people first (at most [`LOAD_LINES`]).
    pub load: Vec<LoadLine>,
    /// People holding open cases, and how many of them are at or over the limit.
    pub people_with_cases: i64,
    pub at_or_over_limit: i64,
    /// The workspace's work-in-progress limit per person, if set.
    pub wip_limit: Option<i32>,
    /// The backlog as each day of the window ended, oldest first; days before the
    /// history began are left out.
    pub backlog_days: Vec<BacklogDay>,
    pub spend: SpendFigures,
    pub work: WorkHealth,
}

/// How many people the load panel lists.
pub const LOAD_LINES: i64 = 12;

/// One day of the backlog's history: open cases (not archived) per status × priority
/// as the day ended (today: now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacklogDay {
    pub day: Date,
    pub cells: Vec<(CaseStatus, CasePriority, i64)>,
}

impl BacklogDay {
    pub fn status_total(&self, status: CaseStatus) -> i64 {
        self.cells
            .iter()
            .filter(|(s, _, _)| *s == status)
            .map(|(_, _, n)| n)
            .sum()
    }

    pub fn priority_total(&self, priority: CasePriority) -> i64 {
        self.cells
            .iter()
            .filter(|(_, p, _)| *p == priority)
            .map(|(_, _, n)| n)
            .sum()
    }
}

/// This month's enrichment spend against the workspace's monthly budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendFigures {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub enrichments: i64,
    pub failed: i64,
    pub cost_micros: i64,
    pub budget_micros: i64,
}

/// The workspace's background work: enrichments waiting, running and failing, and
/// the contractor directory's last sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkHealth {
    pub enrichments_queued: i64,
    pub enrichments_running: i64,
    /// Asked for in the last 24 hours and failed.
    pub enrichments_failed_day: i64,
    /// When the longest-waiting enrichment was asked for.
    pub oldest_queued: Option<OffsetDateTime>,
    pub zoho_connected: bool,
    pub last_sync: Option<SyncLine>,
}

/// A sync run as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncLine {
    pub id: i64,
    pub status: super::SyncStatus,
    pub requested_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    /// Records that failed in it.
    pub failed: i32,
    pub error: Option<String>,
}
