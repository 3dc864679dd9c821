//! Lists of companies (personal and shared), saved searches, and the reports of what a
//! list action did. The form fields these come from are plain strings (every form
//! works without JavaScript), so each has a parser that names the field it refuses.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AppError, CompanyPage};

pub const MAX_LIST_NAME_CHARS: usize = 100;
/// At most this many companies in one "add to list" (a page shows 50).
pub const MAX_ADD_AT_ONCE: usize = 500;
/// Lists one person may own (and shared lists a workspace may have).
pub const MAX_LISTS: i64 = 200;
/// Saved searches one person may keep.
pub const MAX_SAVED_SEARCHES: i64 = 100;
/// The longest query string a saved search may store (the column's bound).
pub const MAX_SAVED_QUERY_CHARS: usize = 2000;

/// A list or saved-search name: trimmed, 1–100 characters, no control characters (a
/// name is one line of text, so tabs and newlines are refused too).
pub fn parse_name(field: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    let chars = value.chars().count();
    if chars == 0 {
        return Err(AppError::invalid(field, "is required"));
    }
    if chars > MAX_LIST_NAME_CHARS {
        return Err(AppError::invalid(
            field,
            format!("is too long ({MAX_LIST_NAME_CHARS} characters at most)"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "cannot contain control characters",
        ));
    }
    Ok(value.to_string())
}

/// A row id from a form field: a positive whole number.
pub fn parse_id(field: &str, value: &str) -> Result<i64, AppError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::invalid(field, "is not an id"))
}

/// A checkbox: absent or empty is "no"; a browser sends `on` when ticked.
pub fn parse_checkbox(field: &str, value: Option<&str>) -> Result<bool, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(false),
        Some("on" | "yes" | "true") => Ok(true),
        Some(_) => Err(AppError::invalid(field, "must be ticked or left empty")),
    }
}

/// Destructive actions carry `confirm=yes` from their confirmation step; anything else
/// is refused before anything is read or written.
pub fn require_confirm(value: Option<&str>) -> Result<(), AppError> {
    if value.map(str::trim) == Some("yes") {
        Ok(())
    } else {
        Err(AppError::invalid(
            "confirm",
            "confirm first (the confirmation step sends confirm=yes)",
        ))
    }
}

/// One list as the viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyList {
    pub id: i64,
    pub name: String,
    /// Shared with the workspace (admins manage it), or the viewer's own.
    pub shared: bool,
    pub companies: i64,
    pub version: i32,
    /// May the viewer rename and delete it (their own, or shared and they are admin)?
    pub may_manage: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `/lists`: the viewer's lists and the workspace's shared ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListsOverview {
    pub personal: Vec<CompanyList>,
    pub shared: Vec<CompanyList>,
    /// Admins create shared lists.
    pub may_manage_shared: bool,
}

impl ListsOverview {
    /// Every list the viewer can add companies to, personal first.
    pub fn all(&self) -> impl Iterator<Item = &CompanyList> {
        self.personal.iter().chain(self.shared.iter())
    }
}

/// `/lists/{id}`: the list and one page of its companies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListDetail {
    pub list: CompanyList,
    pub page: CompanyPage,
}

/// What "add to list" did: every company asked about is counted once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddReport {
    pub list_id: i64,
    pub list_name: String,
    pub added: u64,
    /// Already on the list: not an error, nothing written.
    pub already: u64,
}

impl AddReport {
    /// "Added 3 companies to “Shortlist”; 2 were already on it."
    pub fn summary(&self) -> String {
        let name = if self.list_name.is_empty() {
            "the list".to_string()
        } else {
            format!("“{}”", self.list_name)
        };
        let companies = |n: u64| {
            if n == 1 {
                "1 company".to_string()
            } else {
                format!("{n} companies")
            }
        };
        match (self.added, self.already) {
            (0, 1) => format!("Already on {name}; nothing changed"),
            (0, n) => format!("All {n} were already on {name}; nothing changed"),
            (added, 0) => format!("Added {} to {name}", companies(added)),
            (added, already) => format!(
                "Added {} to {name}; {already} {} already on it",
                companies(added),
                if already == 1 { "was" } else { "were" }
            ),
        }
    }

    /// `added.already.list_id`, for the redirect of a form posted without JavaScript
    /// (the page finds the list's name among the lists it shows).
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.added, self.already, self.list_id)
    }

    pub fn decode(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let report = Self {
            added: parts.next()?.parse().ok()?,
            already: parts.next()?.parse().ok()?,
            list_id: parts.next()?.parse().ok()?,
            list_name: String::new(),
        };
        parts.next().is_none().then_some(report)
    }
}

/// What "Enrich all" did with each company on the list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichAllReport {
    pub queued: u64,
    /// Queued or running already: not queued twice, no quota spent.
    pub already_running: u64,
    /// Refused because the person's hourly limit was reached.
    pub refused_hourly: u64,
    /// Refused because the workspace's monthly budget is spent.
    pub refused_budget: u64,
    /// When the hourly limit frees up again (seconds; 0 if it was not reached).
    pub retry_after_s: u64,
}

impl EnrichAllReport {
    /// "12 queued, 3 already running, 5 refused: hourly limit (next in 14 min)".
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} queued", self.queued)];
        if self.already_running > 0 {
            parts.push(format!("{} already running", self.already_running));
        }
        if self.refused_hourly > 0 {
            let wait = match self.retry_after_s {
                0 => String::new(),
                s @ 1..=59 => format!(" (the next frees up in {s} s)"),
                s => format!(" (the next frees up in {} min)", s.div_ceil(60)),
            };
            parts.push(format!(
                "{} refused: hourly limit{wait}",
                self.refused_hourly
            ));
        }
        if self.refused_budget > 0 {
            parts.push(format!(
                "{} refused: the workspace's monthly budget is spent",
                self.refused_budget
            ));
        }
        parts.join(", ")
    }

    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.queued,
            self.already_running,
            self.refused_hourly,
            self.refused_budget,
            self.retry_after_s
        )
    }

    pub fn decode(value: &str) -> Option<Self> {
        let mut parts = value.split('.').map(|part| part.parse::<u64>().ok());
        let report = Self {
            queued: parts.next()??,
            already_running: parts.next()??,
            refused_hourly: parts.next()??,
            refused_budget: parts.next()??,
            retry_after_s: parts.next()??,
        };
        parts.next().is_none().then_some(report)
    }
}

/// A saved search: a name and the companies page's canonical query string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
}

impl SavedSearch {
    /// The companies page with this search's filters.
    pub fn href(&self) -> String {
        format!("/companies?{}", self.query)
    }
}

/// What a list or saved-search form says about a refusal: a duplicate name is a 409
/// whose `current` is the existing one (`{"id", "name", "duplicate": true}`); a stale
/// rename is a 409 whose `current` is the list as it is now.
pub fn list_error_text(error: &AppError) -> String {
    match error {
        AppError::Conflict { current } => {
            let name = current
                .get("name")
                .and_then(|name| name.as_str())
                .unwrap_or_default();
            if current.get("duplicate").and_then(|d| d.as_bool()) == Some(true) {
                format!("There is already one called “{name}” (names are compared ignoring case).")
            } else {
                format!(
                    "Someone changed this list meanwhile (it is now called “{name}”); try again."
                )
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_bounded_and_single_line() {
        assert_eq!(parse_name("name", "  Shortlist ").unwrap(), "Shortlist");
        assert_eq!(
            parse_name("name", &"é".repeat(100))
                .unwrap()
                .chars()
                .count(),
            100
        );
        for bad in ["", "   ", "a\nb", "tab\there", "nul\u{0}", &"x".repeat(101)] {
            assert!(
                matches!(parse_name("name", bad), Err(AppError::Invalid { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ids_checkboxes_and_confirmations_parse_strictly() {
        assert_eq!(parse_id("list_id", " 42 ").unwrap(), 42);
        for bad in ["", "0", "-1", "abc", "1.5", "99999999999999999999"] {
            assert!(parse_id("list_id", bad).is_err(), "{bad}");
        }
        assert!(!parse_checkbox("shared", None).unwrap());
        assert!(parse_checkbox("shared", Some("on")).unwrap());
        assert!(parse_checkbox("shared", Some("maybe")).is_err());
        assert!(require_confirm(Some("yes")).is_ok());
        for bad in [None, Some(""), Some("no"), Some("YES!")] {
            assert!(require_confirm(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reports_read_clearly_and_survive_the_url() {
        let report = EnrichAllReport {
            queued: 12,
            already_running: 3,
            refused_hourly: 5,
            refused_budget: 0,
            retry_after_s: 840,
        };
        assert_eq!(
            report.summary(),
            "12 queued, 3 already running, 5 refused: hourly limit (the next frees up in 14 min)"
        );
        assert_eq!(EnrichAllReport::decode(&report.encode()), Some(report));
        assert_eq!(EnrichAllReport::decode("1.2.3"), None);

        let added = AddReport {
            list_id: 7,
            list_name: "Shortlist".into(),
            added: 3,
            already: 2,
        };
        assert_eq!(
            added.summary(),
            "Added 3 companies to “Shortlist”; 2 were already on it"
        );
        let back = AddReport::decode(&added.encode()).unwrap();
        assert_eq!((back.added, back.already, back.list_id), (3, 2, 7));
        let again = AddReport {
            added: 0,
            already: 1,
            ..added
        };
        assert_eq!(again.summary(), "Already on “Shortlist”; nothing changed");
    }
}
