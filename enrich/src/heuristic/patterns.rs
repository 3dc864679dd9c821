//! The patterns the dates and the signals are found with, compiled once. A pattern that
//! failed to compile is `None` and matches nothing (a unit test checks they all compile).

use std::sync::LazyLock;

use regex_lite::Regex;

fn pattern(source: &str) -> Option<Regex> {
    Regex::new(source).ok()
}

pub(super) static ISO_DATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"\b\d{4}-\d{2}-\d{2}\b"));
pub(super) static MONTH_DAY_YEAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"));
pub(super) static DAY_MONTH_YEAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b"));
/// An amount of money: `$12M`, `$12 million`, `€1.5bn`, `$12,000,000`.
pub(super) static MONEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)([$€£])\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(million|billion|thousand|mm|mn|bn|m|b|k)?\b",
    )
});
/// Any price: a currency sign and a number.
pub(super) static PRICE: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"[$€£]\s?\d|\d\s?(?:€|EUR|USD|GBP)\b"));
/// A price with a period or a unit: `$29/mo`, `$8 per user`.
pub(super) static PRICE_PER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)(?:[$€£]\s?\d[\d,.]*|\d[\d,.]*\s?(?:€|EUR|USD|GBP))\s*(?:/|per\s+|a\s+)(?:mo|month|yr|year|user|seat|member|agent)\b",
    )
});
pub(super) static ROUND: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(r"\bSeries [A-H]\b|(?i:\bpre-seed\b|\bseed (?:round|funding|investment|financing)\b)")
});
pub(super) static BACKED_BY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:backed by|led by|investors include|funded by|with participation from)\s+([^.;!?]+)",
    )
});
pub(super) static FUNDING_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:raised|raise|raising|funding|funded|round|financing|investment|investors?|backed)\b",
    )
});
pub(super) static OPEN_ROLES: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(\d{1,4})\s+(?:(?:open|current|available)\s+(?:positions|roles|jobs|opportunities|openings|vacancies)|(?:job\s+)?(?:openings|vacancies))\b",
    )
});
pub(super) static HIRING_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:we(?:'|’)re hiring|we are hiring|join our team|open (?:positions|roles)|now hiring)\b",
    )
});
/// "50+ employees", "over 120 people".
pub(super) static TEAM_COUNT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(over|more than|nearly|almost|about|around|approximately)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\+)?\s+(?:full-time\s+)?(employees|people|team members|staff|teammates|colleagues|humans)\b",
    )
});
/// "team of 25", "a 12-person team", "11-50 employees".
pub(super) static TEAM_OF: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\bteam of (over |more than |about |around |nearly )?(\d+)(\+)?|\b(\d+)(\+)?-(?:person|people|strong) team\b|\b(\d+)\s*[-–]\s*(\d+)\s+employees\b",
    )
});
pub(super) static TEAM_CONTEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:team|employ\w*|staff|strong|headcount|we(?:'|’)re|we are|colleagues|hire\w*|offices)\b",
    )
});
pub(super) static TECH_CONTEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:built|build|stack|powered|integrat\w*|runs|running|written|using|uses|deploy\w*|api|sdk|framework|infrastructure|hosted|plugin|engineers?|backend|frontend|services?)\b",
    )
});
pub(super) static CUSTOMER_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:trusted by|used by|loved by|chosen by|our customers|customers include|clients include|case stud(?:y|ies)|customer stories)\b",
    )
});

pub(super) fn is_match(re: &LazyLock<Option<Regex>>, text: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(text))
}
