//! Calendar days (UTC) as a filter: the day a case was opened or closed. A dashboard's
//! bar links to the cases it counts with one of these in the URL:
//! `opened=2026-11-01..2026-11-30`, or one day, `closed=2026-12-03`.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, Time};

use super::AppError;

/// From `from` to `to`, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    pub from: Date,
    pub to: Date,
}

impl DayRange {
    pub fn day(day: Date) -> Self {
        Self { from: day, to: day }
    }

    /// Parses `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`; `field` names the parameter in
    /// the error.
    pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
        let invalid = || {
            AppError::invalid(
                field,
                "must be a day (2026-12-03) or a range of days (2026-11-01..2026-11-30)",
            )
        };
        let (from, to) = match value.split_once("..") {
            Some((from, to)) => (from, to),
            None => (value, value),
        };
        let (from, to) = (
            parse_day(from).ok_or_else(invalid)?,
            parse_day(to).ok_or_else(invalid)?,
        );
        if to < from {
            return Err(AppError::invalid(field, "ends before it starts"));
        }
        Ok(Self { from, to })
    }

    pub fn to_param(&self) -> String {
        if self.from == self.to {
            self.from.to_string()
        } else {
            format!("{}..{}", self.from, self.to)
        }
    }

    /// The first instant of the range and the first instant after it (UTC).
    pub fn bounds(&self) -> (OffsetDateTime, OffsetDateTime) {
        let start = self.from.with_time(Time::MIDNIGHT).assume_utc();
        let end = self.to.with_time(Time::MIDNIGHT).assume_utc() + Duration::days(1);
        (start, end)
    }
}

fn parse_day(text: &str) -> Option<Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_ranges_round_trip() {
        let one = DayRange::parse("closed", "2026-12-03").unwrap();
        assert_eq!(one.from, one.to);
        assert_eq!(one.to_param(), "2026-12-03");
        let range = DayRange::parse("opened", "2026-11-01..2026-11-30").unwrap();
        assert_eq!(range.to_param(), "2026-11-01..2026-11-30");
        let (start, end) = range.bounds();
        assert_eq!(start.to_string(), "2026-11-01 0:00:00.0 +00:00:00");
        assert_eq!(end.to_string(), "2026-12-01 0:00:00.0 +00:00:00");
    }

    #[test]
    fn bad_days_are_named() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2026-11-30..2026-11-01",
            "99-1-1",
            "2026-11-01..",
            "2026-1-1-1",
        ] {
            match DayRange::parse("opened", bad) {
                Err(AppError::Invalid { field, .. }) => assert_eq!(field, "opened", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
