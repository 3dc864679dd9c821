//! Bulk actions on the work queues: what to change, on which cases, and what happened.
//!
//! These are parsed from plain form fields (the bulk bar works without JavaScript), so
//! each has a string form and a `parse` that names the field it rejects.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppError, CaseStatus};

/// At most this many cases in one bulk action; a filter that matches more must be
/// narrowed first. It is also the count cap, so "10,000+ cases" never offers a bulk
/// action it would refuse without saying so.
pub const BULK_LIMIT: usize = 10_000;

/// What a bulk action does to each case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkChange {
    Status(CaseStatus),
    /// `None` returns the cases to the unassigned pool.
    Assign(Option<Uuid>),
    Archive(bool),
}

impl BulkChange {
    /// `status:resolved`, `assign:<user id>`, `assign:unassigned`, `archive`, `unarchive`.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let invalid = || AppError::invalid("change", "choose what to change");
        match value.trim().split_once(':') {
            Some(("status", status)) => {
                CaseStatus::parse(status).map(Self::Status).ok_or_else(|| {
                    AppError::invalid(
                        "change",
                        format!(
                            "`{status}` is not a status (new, open, pending, resolved, closed)"
                        ),
                    )
                })
            }
            Some(("assign", "unassigned")) => Ok(Self::Assign(None)),
            Some(("assign", user)) => Uuid::parse_str(user)
                .map(|user| Self::Assign(Some(user)))
                .map_err(|_| AppError::invalid("change", "is not someone in this workspace")),
            None if value.trim() == "archive" => Ok(Self::Archive(true)),
            None if value.trim() == "unarchive" => Ok(Self::Archive(false)),
            _ => Err(invalid()),
        }
    }

    pub fn encode(&self) -> String {
        match self {
            Self::Status(status) => format!("status:{}", status.as_str()),
            Self::Assign(Some(user)) => format!("assign:{user}"),
            Self::Assign(None) => "assign:unassigned".to_string(),
            Self::Archive(true) => "archive".to_string(),
            Self::Archive(false) => "unarchive".to_string(),
        }
    }
}

/// One selected row as the page showed it: the case and the version the user saw, so a
/// case that changed since is skipped rather than overwritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenCase {
    pub id: i64,
    pub version: i32,
}

impl SeenCase {
    /// `id:version`, the value of a row's checkbox.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let invalid = || AppError::invalid("cases", "a selected row is not a case from this list");
        let (id, version) = value.trim().split_once(':').ok_or_else(invalid)?;
        let id: i64 = id.parse().map_err(|_| invalid())?;
        let version: i32 = version.parse().map_err(|_| invalid())?;
        if id <= 0 || version <= 0 {
            return Err(invalid());
        }
        Ok(Self { id, version })
    }

    pub fn encode(&self) -> String {
        format!("{}:{}", self.id, self.version)
    }
}

/// Which cases a bulk action applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkTarget {
    /// Rows ticked on the page, each with the version it showed.
    Selected(Vec<SeenCase>),
    /// Every case matching the page's filter, as of when the page was loaded
    /// (`as_of_micros`, the page's database time): one changed after that is skipped.
    AllMatching { as_of_micros: i64 },
}

/// What a bulk action did. Every case it was asked about is counted exactly once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkReport {
    pub updated: u64,
    /// Changed by someone else since the page showed them (or no longer in the queue):
    /// left alone rather than overwritten.
    pub skipped: u64,
    /// Already in the requested state: nothing to do, nothing written.
    pub unchanged: u64,
}

impl BulkReport {
    /// "412 updated, 3 skipped because they changed, 2 already so".
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} {}",
            self.updated,
            if self.updated == 1 {
                "case updated"
            } else {
                "cases updated"
            }
        )];
        if self.skipped > 0 {
            parts.push(format!(
                "{} skipped because {} changed since you loaded the page",
                self.skipped,
                if self.skipped == 1 { "it" } else { "they" }
            ));
        }
        if self.unchanged > 0 {
            parts.push(format!(
                "{} already {} that way",
                self.unchanged,
                if self.unchanged == 1 { "was" } else { "were" }
            ));
        }
        parts.join(", ")
    }

    /// The report in a redirect's query string (`bulk=412.3.2`), for the form post that
    /// runs without JavaScript.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.updated, self.skipped, self.unchanged)
    }

    pub fn decode(value: &str) -> Option<Self> {
        let mut parts = value.split('.').map(|part| part.parse::<u64>().ok());
        let report = Self {
            updated: parts.next()??,
            skipped: parts.next()??,
            unchanged: parts.next()??,
        };
        parts.next().is_none().then_some(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_round_trip_and_reject_garbage() {
        let user = Uuid::nil();
        for change in [
            BulkChange::Status(CaseStatus::Resolved),
            BulkChange::Assign(Some(user)),
            BulkChange::Assign(None),
            BulkChange::Archive(true),
            BulkChange::Archive(false),
        ] {
            assert_eq!(BulkChange::parse(&change.encode()), Ok(change));
        }
        for bad in [
            "",
            "status:",
            "status:done",
            "assign:bob",
            "delete",
            "archive:yes",
        ] {
            let error = BulkChange::parse(bad).unwrap_err();
            assert!(matches!(error, AppError::Invalid { ref field, .. } if field == "change"));
        }
    }

    #[test]
    fn seen_cases_parse_strictly() {
        assert_eq!(SeenCase::parse("42:7"), Ok(SeenCase { id: 42, version: 7 }));
        for bad in ["42", "42:", ":7", "x:1", "0:1", "1:0", "-1:1", "1:2:3"] {
            assert!(SeenCase::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn reports_read_like_a_sentence_and_round_trip() {
        let report = BulkReport {
            updated: 412,
            skipped: 3,
            unchanged: 0,
        };
        assert_eq!(
            report.summary(),
            "412 cases updated, 3 skipped because they changed since you loaded the page"
        );
        let one = BulkReport {
            updated: 1,
            skipped: 1,
            unchanged: 1,
        };
        assert_eq!(
            one.summary(),
            "1 case updated, 1 skipped because it changed since you loaded the page, 1 already was that way"
        );
        assert_eq!(BulkReport::decode(&report.encode()), Some(report));
        assert_eq!(BulkReport::decode("1.2"), None);
        assert_eq!(BulkReport::decode("1.2.3.4"), None);
        assert_eq!(BulkReport::decode("a.b.c"), None);
    }
}
