//! Cases as the work-queue table sees them, and the filter a queue URL carries.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AppError, CaseSource, DayRange};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "case_status", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    New,
    Open,
    Pending,
    Resolved,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        Self::New,
        Self::Open,
        Self::Pending,
        Self::Resolved,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
    }
}

/// Declared low → urgent, so the database orders them by urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "case_priority", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum CasePriority {
    Low,
    Normal,
    High,
    Urgent,
}

impl CasePriority {
    pub const ALL: [CasePriority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|priority| priority.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CaseSort {
    /// Most recently updated first (the default).
    #[default]
    Updated,
    /// Newest first.
    Created,
    /// Most urgent first, then most recently updated.
    Priority,
}

impl CaseSort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Updated => "updated",
            Self::Created => "created",
            Self::Priority => "priority",
        }
    }
}

/// Where the next page starts: the sort key and id of the last row shown. Keyset, not
/// OFFSET: page 50 costs what page 1 costs, and rows changing meanwhile never shift a
/// row into two pages or out of all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub priority: Option<CasePriority>,
    /// `updated_at` or `created_at` (by sort), in microseconds since the epoch.
    pub at_micros: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        match self.priority {
            Some(priority) => format!("{}.{}.{}", priority.as_str(), self.at_micros, self.id),
            None => format!("{}.{}", self.at_micros, self.id),
        }
    }

    pub fn decode(value: &str, sort: CaseSort) -> Result<Self, AppError> {
        let invalid = || {
            AppError::invalid(
                "after",
                "is not a page marker from this list; start from the first page",
            )
        };
        let parts: Vec<&str> = value.split('.').collect();
        let (priority, at, id) = match (sort, parts.as_slice()) {
            (CaseSort::Priority, [priority, at, id]) => (
                Some(CasePriority::parse(priority).ok_or_else(invalid)?),
                at,
                id,
            ),
            (CaseSort::Updated | CaseSort::Created, [at, id]) => (None, at, id),
            _ => return Err(invalid()),
        };
        Ok(Self {
            priority,
            at_micros: at.parse().map_err(|_| invalid())?,
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

/// Every filter of a queue, as carried in the URL (so it can be bookmarked, shared and
/// used without JavaScript).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseFilter {
    /// Empty: every status.
    pub statuses: Vec<CaseStatus>,
    pub priority: Option<CasePriority>,
    /// Where the cases came from (the manual form, the web form, an import, the API).
    pub source: Option<CaseSource>,
    /// The days (UTC) the cases were opened, and closed (a dashboard's bar links here).
    pub opened: Option<DayRange>,
    pub closed: Option<DayRange>,
    pub archived: bool,
    /// `archived=any`: archived or not (a dashboard's count of closed cases includes
    /// those archived since, and its link must show them too).
    pub any_archived: bool,
    pub q: String,
    pub sort: CaseSort,
    pub after: Option<Cursor>,
}

pub const MAX_SEARCH_CHARS: usize = 200;

impl CaseFilter {
    /// Parses `status=open&status=pending&priority=high&archived=true&q=…&sort=…&after=…`.
    /// Anything unrecognised is a clear error naming the parameter, never a guess.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Self, AppError> {
        let mut filter = Self::default();
        let mut after = None;
        for (key, value) in pairs {
            let value = value.trim();
            match key.as_str() {
                "status" if value.is_empty() => {}
                "status" => {
                    let status = CaseStatus::parse(value).ok_or_else(|| {
                        AppError::invalid(
                            "status",
                            format!(
                                "`{value}` is not a status (new, open, pending, resolved, closed)"
                            ),
                        )
                    })?;
                    if !filter.statuses.contains(&status) {
                        filter.statuses.push(status);
                    }
                }
                "priority" if value.is_empty() => {}
                "priority" => {
                    filter.priority = Some(CasePriority::parse(value).ok_or_else(|| {
                        AppError::invalid(
                            "priority",
                            format!("`{value}` is not a priority (low, normal, high, urgent)"),
                        )
                    })?);
                }
                "source" if value.is_empty() => {}
                "source" => {
                    filter.source = Some(CaseSource::parse(value).ok_or_else(|| {
                        AppError::invalid(
                            "source",
                            format!("`{value}` is not a source (manual, web_form, import, api)"),
                        )
                    })?);
                }
                "opened" if value.is_empty() => {}
                "opened" => filter.opened = Some(DayRange::parse("opened", value)?),
                "closed" if value.is_empty() => {}
                "closed" => filter.closed = Some(DayRange::parse("closed", value)?),
                "archived" => {
                    (filter.archived, filter.any_archived) = match value {
                        "true" | "yes" | "1" => (true, false),
                        "false" | "no" | "0" | "" => (false, false),
                        "any" => (false, true),
                        _ => {
                            return Err(AppError::invalid(
                                "archived",
                                "must be true, false or any",
                            ));
                        }
                    }
                }
                "q" => {
                    if value.chars().count() > MAX_SEARCH_CHARS {
                        return Err(AppError::invalid(
                            "q",
                            format!(
                                "search text is too long ({MAX_SEARCH_CHARS} characters at most)"
                            ),
                        ));
                    }
                    filter.q = value.to_string();
                }
                "sort" => {
                    filter.sort = match value {
                        "updated" | "" => CaseSort::Updated,
                        "created" => CaseSort::Created,
                        "priority" => CaseSort::Priority,
                        _ => {
                            return Err(AppError::invalid(
                                "sort",
                                "must be updated, created or priority",
                            ));
                        }
                    }
                }
                "after" if value.is_empty() => {}
                "after" => after = Some(value.to_string()),
                // Other parameters belong to other parts of the page (e.g. `assignee`).
                _ => {}
            }
        }
        filter.statuses.sort();
        filter.after = after
            .map(|value| Cursor::decode(&value, filter.sort))
            .transpose()?;
        Ok(filter)
    }

    /// The query string for this filter (without the page marker unless given).
    pub fn to_query(&self, after: Option<&Cursor>) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = self
            .statuses
            .iter()
            .map(|status| ("status", status.as_str().to_string()))
            .collect();
        if let Some(priority) = self.priority {
            pairs.push(("priority", priority.as_str().to_string()));
        }
        if let Some(source) = self.source {
            pairs.push(("source", source.as_str().to_string()));
        }
        if let Some(opened) = self.opened {
            pairs.push(("opened", opened.to_param()));
        }
        if let Some(closed) = self.closed {
            pairs.push(("closed", closed.to_param()));
        }
        if self.any_archived {
            pairs.push(("archived", "any".to_string()));
        } else if self.archived {
            pairs.push(("archived", "true".to_string()));
        }
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        if self.sort != CaseSort::Updated {
            pairs.push(("sort", self.sort.as_str().to_string()));
        }
        if let Some(after) = after {
            pairs.push(("after", after.encode()));
        }
        pairs
    }
}

/// One row of a queue.
///
/// On the wire (the page's hydration data, the queue's server functions) a row is a
/// JSON array, times in microseconds: a page carries 100 of them twice (as HTML and as
/// data), and field names and RFC 3339 text were half of the data's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub customer_name: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub updated_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub version: i32,
    pub last_comment: Option<String>,
}

/// `[id, number, title, customer, status, priority, updated µs, created µs, version,
/// last comment]`.
type CaseRowWire<S> = (
    i64,
    i32,
    S,
    S,
    CaseStatus,
    CasePriority,
    i64,
    i64,
    i32,
    Option<S>,
);

fn micros(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000) as i64
}

impl Serialize for CaseRow {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let wire: CaseRowWire<&str> = (
            self.id,
            self.number,
            &self.title,
            &self.customer_name,
            self.status,
            self.priority,
            micros(self.updated_at),
            micros(self.created_at),
            self.version,
            self.last_comment.as_deref(),
        );
        wire.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CaseRow {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (
            id,
            number,
            title,
            customer_name,
            status,
            priority,
            updated,
            created,
            version,
            last_comment,
        ) = CaseRowWire::<String>::deserialize(deserializer)?;
        let at = |micros: i64| {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
                .map_err(serde::de::Error::custom)
        };
        Ok(Self {
            id,
            number,
            title,
            customer_name,
            status,
            priority,
            updated_at: at(updated)?,
            created_at: at(created)?,
            version,
            last_comment,
        })
    }
}

/// How many cases match: exact while that is cheap, "at least" beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchCount {
    Exact(u64),
    AtLeast(u64),
}

impl MatchCount {
    pub fn label(self) -> String {
        self.label_for("case", "cases")
    }

    /// "1 company", "412 companies", "10,000+ companies".
    pub fn label_for(self, one: &str, many: &str) -> String {
        match self {
            Self::Exact(1) => format!("1 {one}"),
            Self::Exact(n) => format!("{} {many}", group_thousands(n)),
            Self::AtLeast(n) => format!("{}+ {many}", group_thousands(n)),
        }
    }
}

pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasePage {
    /// Shared, not owned: the page's view reads the rows from the resource that holds
    /// them, and a `Vec` would be copied (with every row's text) on each read.
    pub rows: Arc<[CaseRow]>,
    pub count: MatchCount,
    /// The marker of the next page, if there is one.
    pub next: Option<Cursor>,
    /// The database's clock when the page was read (µs since the epoch): a bulk action
    /// on "all matching" skips cases changed after it.
    pub as_of_micros: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn round_trips_through_the_url() {
        let filter = CaseFilter::from_query(&pairs(
            "status=pending&status=open&status=open&priority=high&source=web_form&opened=2026-11-01..2026-11-07&closed=2026-12-03&archived=true&q=refund&sort=priority&after=high.1700000000000000.42",
        ));
        let Ok(filter) = filter else {
            panic!("{filter:?}")
        };
        assert_eq!(filter.statuses, [CaseStatus::Open, CaseStatus::Pending]);
        assert_eq!(filter.source, Some(CaseSource::WebForm));
        assert_eq!(
            filter.after,
            Some(Cursor {
                priority: Some(CasePriority::High),
                at_micros: 1_700_000_000_000_000,
                id: 42
            })
        );
        let back: Vec<(String, String)> = filter
            .to_query(filter.after.as_ref())
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(CaseFilter::from_query(&back), Ok(filter));
    }

    #[test]
    fn archived_or_not_round_trips() {
        let filter = CaseFilter::from_query(&pairs("archived=any&closed=2026-12-01..2026-12-03"))
            .expect("valid");
        assert!(filter.any_archived && !filter.archived);
        let back: Vec<(String, String)> = filter
            .to_query(None)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(CaseFilter::from_query(&back), Ok(filter));
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (query, field) in [
            ("status=bogus", "status"),
            ("priority=asap", "priority"),
            ("source=email", "source"),
            ("opened=last-week", "opened"),
            ("closed=2026-02-30", "closed"),
            ("archived=maybe", "archived"),
            ("sort=random", "sort"),
            ("after=garbage", "after"),
            ("sort=priority&after=1.2", "after"),
            ("after=urgent.1.2", "after"),
        ] {
            match CaseFilter::from_query(&pairs(query)) {
                Err(AppError::Invalid { field: f, .. }) => assert_eq!(f, field, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
        let long = format!("q={}", "x".repeat(201));
        assert!(CaseFilter::from_query(&pairs(&long)).is_err());
    }

    #[test]
    fn a_row_travels_as_a_compact_array_and_comes_back_whole() {
        let row = CaseRow {
            id: 7,
            number: 42,
            title: "Refund \"twice\"".into(),
            customer_name: "Ada".into(),
            status: CaseStatus::Pending,
            priority: CasePriority::Urgent,
            updated_at: time::macros::datetime!(2026-11-29 12:00:00.123456 UTC),
            created_at: time::macros::datetime!(2025-01-01 00:00 UTC),
            version: 3,
            last_comment: None,
        };
        let json = serde_json::to_string(&row).unwrap_or_default();
        assert_eq!(
            json,
            r#"[7,42,"Refund \"twice\"","Ada","pending","urgent",1795953600123456,1735689600000000,3,null]"#
        );
        assert_eq!(serde_json::from_str::<CaseRow>(&json).ok(), Some(row));
        // A time outside what `time` can hold is an error, not a panic.
        assert!(
            serde_json::from_str::<CaseRow>(
                r#"[7,42,"t","c","new","low",9223372036854775807,0,1,null]"#
            )
            .is_err()
        );
    }

    #[test]
    fn counts_read_like_people_write_them() {
        assert_eq!(MatchCount::Exact(1).label(), "1 case");
        assert_eq!(MatchCount::Exact(9_999).label(), "9,999 cases");
        assert_eq!(MatchCount::AtLeast(10_000).label(), "10,000+ cases");
    }
}

/// Someone a case can be assigned to, for the team view's filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Assignee {
    pub id: uuid::Uuid,
    pub display_name: String,
}

/// The team view: a page of the tenant's cases and the people to filter by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub page: CasePage,
    pub assignees: Vec<Assignee>,
}
