//! Admin → Usage: enrichments, tokens and cost per person per month.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UsageRow {
    pub user_id: Option<uuid::Uuid>,
    /// Empty for enrichments by people since removed.
    pub name: String,
    pub enrichments: i64,
    pub failed: i64,
    pub tokens_in: i64,
    pub tokens_out: i64,
    pub cost_micros: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReport {
    /// `2026-11`.
    pub month: String,
    /// The months that have any usage, newest first, for the month picker.
    pub months: Vec<String>,
    pub rows: Vec<UsageRow>,
    pub total: UsageRow,
    pub budget_micros: i64,
    pub employees_may_enrich: bool,
}

/// Parses `2026-11` (year 2000–9999, month 1–12).
pub fn parse_month(value: &str) -> Option<(i32, u8)> {
    let (year, month) = value.trim().split_once('-')?;
    let year: i32 = year.parse().ok().filter(|y| (2000..=9999).contains(y))?;
    let month: u8 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
    (month.to_string().len() <= 2).then_some((year, month))
}

/// Dollars as typed in a form ("50", "12.5", "$1,000.25") to micro-dollars.
pub fn parse_dollars(value: &str) -> Option<i64> {
    let cleaned: String = value
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || fraction.len() > 6 {
        return None;
    }
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok().filter(|w| *w <= 1_000_000_000)?;
    let fraction: i64 = format!("{fraction:0<6}").parse().ok()?;
    Some(whole * 1_000_000 + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_dollars_parse_strictly() {
        assert_eq!(parse_month("2026-11"), Some((2026, 11)));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("26-1"), None);
        assert_eq!(parse_month("x"), None);
        assert_eq!(parse_dollars("50"), Some(50_000_000));
        assert_eq!(parse_dollars("$1,000.25"), Some(1_000_250_000));
        assert_eq!(parse_dollars("0.000001"), Some(1));
        for bad in ["", "-5", "abc", "1.2.3", "0.0000001", "1e9", "99999999999"] {
            assert_eq!(parse_dollars(bad), None, "{bad}");
        }
    }
}
