//! Search across everything a person may open: cases, companies, contractors, people
//! and the app's own pages, ranked as one list.

use serde::{Deserialize, Serialize};

use super::{Capability, Viewer, allows};

/// The longest query the box takes (a sentence, not a document).
pub const MAX_QUERY_CHARS: usize = 100;
/// Text shorter than this (after trimming) matches only case numbers and pages: one
/// letter would match half of everything, slowly.
pub const MIN_TEXT_CHARS: usize = 2;

/// What a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HitKind {
    Case,
    Company,
    Contractor,
    Person,
    Page,
}

impl HitKind {
    pub fn label(self) -> &'static str {
        match self {
            HitKind::Case => "Case",
            HitKind::Company => "Company",
            HitKind::Contractor => "Contractor",
            HitKind::Person => "Person",
            HitKind::Page => "Page",
        }
    }
}

/// Why a hit is where it is in the list, best first. The order of the variants is the
/// ranking: an exact case number beats everything, a page whose name starts with the
/// words beats a title, a title beats a match on the customer or other details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Match {
    /// The case number itself ("1042" or "#1042").
    Number,
    /// A page of the app whose name starts with what was typed.
    PageName,
    /// Every word in the title or name.
    Title,
    /// Every word somewhere: the customer, a trade, a sector, an email.
    Detail,
}

/// One thing found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub kind: HitKind,
    pub matched: Match,
    /// The main line: a case's "#1042 Kettle refund", a company's name.
    pub title: String,
    /// The second line: the customer and status, the sector, the email.
    pub detail: String,
    /// Where it leads.
    pub href: String,
}

/// What a search found, best first, and whether more were left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub query: String,
    pub hits: Vec<SearchHit>,
    /// Each kind is cut at a few hits; true when some kind had more.
    pub more: bool,
}

/// A search query as typed: trimmed, at most [`MAX_QUERY_CHARS`], no control
/// characters. Parses rather than validates: a `SearchQuery` is always one of these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    text: String,
}

impl SearchQuery {
    pub fn parse(raw: &str) -> Result<Self, crate::model::AppError> {
        let text = raw.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(crate::model::AppError::invalid(
                "q",
                format!("is too long ({MAX_QUERY_CHARS} characters at most)"),
            ));
        }
        if text.chars().any(char::is_control) {
            return Err(crate::model::AppError::invalid(
                "q",
                "has a control character",
            ));
        }
        Ok(Self {
            text: text.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The case number asked for: digits alone, or after `#`.
    pub fn number(&self) -> Option<i32> {
        let digits = self.text.strip_prefix('#').unwrap_or(&self.text);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().filter(|n| *n > 0)
    }

    /// The words to match, lower-cased: runs of letters and digits (so punctuation
    /// and operators never reach the text-search parser). Empty when the text is too
    /// short to search as words.
    pub fn words(&self) -> Vec<String> {
        if self.text.chars().count() < MIN_TEXT_CHARS {
            return Vec::new();
        }
        self.text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(8)
            .map(str::to_lowercase)
            .collect()
    }
}

/// The app's own places, found by name (or a word people use for them), each with
/// what it asks of the viewer: any one of `needs` (none: everyone signed in).
struct Place {
    label: &'static str,
    href: &'static str,
    needs: &'static [Capability],
    also: &'static [&'static str],
}

const PLACES: [Place; 16] = {
    use Capability::*;
    const fn place(
        label: &'static str,
        href: &'static str,
        needs: &'static [Capability],
        also: &'static [&'static str],
    ) -> Place {
        Place {
            label,
            href,
            needs,
            also,
        }
    }
    [
        place("Dashboard", "/", &[], &["home", "overview"]),
        place(
            "My work",
            "/work",
            &[WorkOwnCases],
            &["queue", "cases", "assigned", "inbox"],
        ),
        place(
            "All cases",
            "/cases",
            &[ManageAllCases],
            &["team", "queue", "unassigned"],
        ),
        place(
            "New case",
            "/cases/new",
            &[WorkOwnCases],
            &["create", "add"],
        ),
        place(
            "Companies",
            "/companies",
            &[UseCompanies],
            &["enrichment", "scores"],
        ),
        place("Lists", "/lists", &[UseCompanies], &["saved", "searches"]),
        place(
            "Contractors",
            "/contractors",
            &[ViewContractors],
            &["directory", "people"],
        ),
        place("Admin", "/admin", &[ManageUsers], &["settings"]),
        place(
            "Users",
            "/admin/users",
            &[ManageUsers],
            &["people", "roles", "accounts"],
        ),
        place(
            "Enrichment usage",
            "/admin/usage",
            &[ManageUsers],
            &["cost", "spend", "budget"],
        ),
        place(
            "API keys",
            "/admin/api-keys",
            &[ManageUsers],
            &["integration", "tokens", "rest"],
        ),
        place(
            "Webhooks",
            "/admin/webhooks",
            &[ManageUsers],
            &["integration", "events"],
        ),
        place(
            "Inquiry form",
            "/admin/inquiry-form",
            &[ManageUsers],
            &["contact", "public"],
        ),
        place(
            "System health",
            "/admin/system",
            &[ViewSystemHealth],
            &["metrics", "latency", "errors"],
        ),
        place(
            "Zoho CRM",
            "/admin/integrations/zoho",
            &[ManageUsers],
            &["sync", "integration", "contractors"],
        ),
        place(
            "Import CSV",
            "/imports/new",
            &[ManageAllCases, AddCompanies],
            &["upload", "csv", "import"],
        ),
    ]
};

/// The places `viewer` may open whose name (or another word for them) starts with
/// every word typed: "sys" finds System health, "cost" Enrichment usage.
pub fn search_pages(viewer: &Viewer, query: &SearchQuery) -> Vec<SearchHit> {
    let typed: Vec<String> = query
        .as_str()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if typed.is_empty() {
        return Vec::new();
    }
    PLACES
        .iter()
        .filter(|place| place.needs.is_empty() || place.needs.iter().any(|c| allows(viewer, *c)))
        .filter(|place| {
            let label = place.label.to_lowercase();
            let names: Vec<&str> = label.split(' ').chain(place.also.iter().copied()).collect();
            typed
                .iter()
                .all(|word| names.iter().any(|name| name.starts_with(word.as_str())))
        })
        .map(|place| SearchHit {
            kind: HitKind::Page,
            matched: Match::PageName,
            title: place.label.to_owned(),
            detail: place.href.to_owned(),
            href: place.href.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_words_and_bad_input() {
        let q = |s: &str| SearchQuery::parse(s).expect("a query");
        assert_eq!(q("1042").number(), Some(1042));
        assert_eq!(q(" #1042 ").number(), Some(1042));
        assert_eq!(q("0").number(), None);
        assert_eq!(q("10a").number(), None);
        assert_eq!(q("99999999999").number(), None);
        assert_eq!(q("Kettle & refund's!").words(), ["kettle", "refund", "s"]);
        assert_eq!(q("o'brien:*A | !x").words(), ["o", "brien", "a", "x"]);
        assert_eq!(q("k").words(), Vec::<String>::new());
        assert_eq!(q("Émile Zoë").words(), ["émile", "zoë"]);
        assert!(SearchQuery::parse(&"x".repeat(101)).is_err());
        assert!(SearchQuery::parse("a\u{0}b").is_err());
        assert!(q("   ").is_empty());
    }

    #[test]
    fn pages_are_found_by_name_for_those_who_may_open_them() {
        use crate::model::Role;
        let found = |role: Role, typed: &str| -> Vec<String> {
            let viewer = Viewer::for_tests(role, false);
            let query = SearchQuery::parse(typed).expect("a query");
            search_pages(&viewer, &query)
                .into_iter()
                .map(|h| h.href)
                .collect()
        };
        assert_eq!(found(Role::Admin, "sys"), ["/admin/system"]);
        assert_eq!(found(Role::Admin, "cost"), ["/admin/usage"]);
        assert_eq!(found(Role::Admin, "api k"), ["/admin/api-keys"]);
        assert_eq!(found(Role::Employee, "sys"), Vec::<String>::new());
        assert_eq!(found(Role::Employee, "my"), ["/work"]);
        assert_eq!(found(Role::Analyst, "my work"), Vec::<String>::new());
        assert_eq!(found(Role::Analyst, "import"), ["/imports/new"]);
        assert_eq!(found(Role::Employee, "import"), Vec::<String>::new());
        assert!(found(Role::Admin, "").is_empty());
    }

    #[test]
    fn the_ranking_is_the_order_of_matches() {
        assert!(Match::Number < Match::PageName);
        assert!(Match::PageName < Match::Title);
        assert!(Match::Title < Match::Detail);
    }
}
