//! Dates: [`Date`], the "today" an analysis counts recent posts back from, and the dates
//! written on a site's pages (`2026-10-03`, `October 3, 2026`, `3 Oct 2026`). The
//! calendar itself (month lengths, leap years, day numbers) is the `time` crate's.

use std::fmt;

use time::{Month, OffsetDateTime};

use super::patterns::{DAY_MONTH_YEAR, ISO_DATE, MONTH_DAY_YEAR};

/// A calendar date (proleptic Gregorian), "today" for the analysis: passed in so the
/// result depends on nothing but its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// Day 0 of [`Date::days`].
const EPOCH: time::Date = OffsetDateTime::UNIX_EPOCH.date();

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Date::from_time)
    }

    /// The UTC date of a Unix timestamp (seconds), e.g. from `SystemTime::now()`.
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date::from_days(seconds.div_euclid(86_400))
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        i64::from(self.to_time().to_julian_day()) - i64::from(EPOCH.to_julian_day())
    }

    /// The date `days` after 1970-01-01 (the first or last date `time` knows, years
    /// ±9999, for a number of days beyond them).
    pub fn from_days(days: i64) -> Date {
        let julian_day = days.saturating_add(i64::from(EPOCH.to_julian_day()));
        let date = i32::try_from(julian_day)
            .ok()
            .and_then(|day| time::Date::from_julian_day(day).ok())
            .unwrap_or(if days < 0 {
                time::Date::MIN
            } else {
                time::Date::MAX
            });
        Date::from_time(date)
    }

    /// `2026-10-03`, also the start of `2026-10-03T09:00:00Z`.
    pub fn parse_iso(text: &str) -> Option<Date> {
        let text = text.trim();
        let year = text.get(0..4)?.parse().ok()?;
        if text.get(4..5)? != "-" || text.get(7..8)? != "-" {
            return None;
        }
        let month = text.get(5..7)?.parse().ok()?;
        let day = text.get(8..10)?.parse().ok()?;
        if text
            .get(10..)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        {
            return None;
        }
        Date::new(year, month, day)
    }

    fn from_time(date: time::Date) -> Date {
        Date {
            year: date.year(),
            month: u8::from(date.month()),
            day: date.day(),
        }
    }

    /// The `time` date. The fields are public, so a `Date` may name a day that does not
    /// exist: its day then counts on from the 1st of its month (2026-02-30 is
    /// 2026-03-02, as [`Date::days`] always counted it), and a month outside 1–12 or a
    /// year outside ±9999 is taken as the nearest one there is.
    fn to_time(self) -> time::Date {
        let month = Month::try_from(self.month.clamp(1, 12)).unwrap_or(Month::January);
        let year = self
            .year
            .clamp(time::Date::MIN.year(), time::Date::MAX.year());
        time::Date::from_calendar_date(year, month, 1)
            .ok()
            .and_then(|first| first.checked_add(time::Duration::days(i64::from(self.day) - 1)))
            .unwrap_or(if self.year < 0 {
                time::Date::MIN
            } else {
                time::Date::MAX
            })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// "Today" as [`analyse`](super::analyse) takes it (the provider's name for [`Date`]).
pub type Today = Date;

/// The number of a month from its English name, its first three letters or "sept", in
/// any case.
fn month_from_name(name: &str) -> Option<u8> {
    let name = name.to_ascii_lowercase();
    if name == "sept" {
        return Some(9);
    }
    (1..=12).find(|&number| {
        Month::try_from(number).is_ok_and(|month| {
            let full = month.to_string().to_ascii_lowercase();
            full == name || (name.len() == 3 && full.starts_with(name.as_str()))
        })
    })
}

/// The dates written in a line: `2026-10-03`, `October 3, 2026`, `Oct 3 2026`,
/// `3 October 2026`.
pub(super) fn dates_in(line: &str) -> Vec<Date> {
    let mut found = Vec::new();
    if let Some(re) = &*ISO_DATE {
        for c in re.captures_iter(line) {
            if let Some(d) = c.get(0).and_then(|m| Date::parse_iso(m.as_str())) {
                found.push(d);
            }
        }
    }
    if let Some(re) = &*MONTH_DAY_YEAR {
        for c in re.captures_iter(line) {
            let date = (|| {
                let month = month_from_name(c.get(1)?.as_str())?;
                let day = c.get(2)?.as_str().parse().ok()?;
                let year = c.get(3)?.as_str().parse().ok()?;
                Date::new(year, month, day)
            })();
            found.extend(date);
        }
    }
    if let Some(re) = &*DAY_MONTH_YEAR {
        for c in re.captures_iter(line) {
            let date = (|| {
                let day = c.get(1)?.as_str().parse().ok()?;
                let month = month_from_name(c.get(2)?.as_str())?;
                let year = c.get(3)?.as_str().parse().ok()?;
                Date::new(year, month, day)
            })();
            found.extend(date);
        }
    }
    found
}

/// A date from a `<time>` value: ISO, or written out.
pub(super) fn parse_time_value(value: &str) -> Option<Date> {
    Date::parse_iso(value).or_else(|| dates_in(value).into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn leap_years_and_month_ends() {
        for (year, month, day) in [
            (2024, 2, 29),
            (2000, 2, 29), // a century divisible by 400
            (2026, 4, 30),
            (2026, 1, 31),
            (2026, 12, 31),
            (0, 2, 29),
        ] {
            assert_eq!(
                Date::new(year, month, day),
                Some(date(year, month, day)),
                "{year}-{month}-{day}"
            );
        }
        for (year, month, day) in [
            (2023, 2, 29),
            (1900, 2, 29), // a century not divisible by 400
            (2100, 2, 29),
            (2026, 2, 30),
            (2026, 4, 31),
            (2026, 9, 31),
            (2026, 1, 32),
            (2026, 0, 1),
            (2026, 13, 1),
            (2026, 1, 0),
        ] {
            assert_eq!(Date::new(year, month, day), None, "{year}-{month}-{day}");
        }
    }

    #[test]
    fn day_numbers_of_known_dates() {
        // Days since 1970-01-01, as any calendar counts them.
        let known = [
            (date(1970, 1, 1), 0),
            (date(1969, 12, 31), -1),
            (date(1900, 1, 1), -25_567),
            (date(1, 1, 1), -719_162),
            (date(2000, 2, 29), 11_016),
            (date(2000, 3, 1), 11_017),
            (date(2024, 2, 29), 19_782),
            (date(2024, 3, 1), 19_783),
            (date(2026, 10, 3), 20_729),
            (date(2038, 1, 19), 24_855),
            (date(9999, 12, 31), 2_932_896),
        ];
        for (date, days) in known {
            assert_eq!(date.days(), days, "{date}");
            assert_eq!(Date::from_days(days), date, "{days}");
            assert_eq!(
                Date::from_unix_seconds(days * 86_400 + 86_399),
                date,
                "{date}"
            );
        }
        assert_eq!(Date::from_unix_seconds(-1), date(1969, 12, 31));
        // Across a 29 February and without one.
        assert_eq!(date(2024, 8, 27).days() - date(2024, 2, 29).days(), 180);
        assert_eq!(date(2025, 8, 28).days() - date(2025, 2, 28).days(), 181);
    }

    #[test]
    fn a_day_that_does_not_exist_counts_on_from_its_month() {
        // Only a literal can make one (`Today { … }` from the app); its days are what they
        // always were.
        assert_eq!(date(2026, 2, 30).days(), date(2026, 3, 2).days());
        assert_eq!(date(2026, 3, 0).days(), date(2026, 2, 28).days());
        assert_eq!(date(2024, 2, 31).days(), date(2024, 3, 2).days());
    }

    #[test]
    fn iso_dates() {
        assert_eq!(Date::parse_iso("2024-02-29"), Some(date(2024, 2, 29)));
        assert_eq!(
            Date::parse_iso(" 2026-12-31T23:59:59+02:00 "),
            Some(date(2026, 12, 31))
        );
        for bad in [
            "2023-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-10-031",
            "2026/10/03",
            "26-10-03",
            "",
        ] {
            assert_eq!(Date::parse_iso(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn written_dates() {
        assert_eq!(
            dates_in("Feb 29, 2024 · 29 February 2023 · Sept 30, 2026 · 31 Sep 2026"),
            vec![date(2024, 2, 29), date(2026, 9, 30)]
        );
        assert_eq!(
            dates_in("December 31st, 1999 and 1st Jan. 2000"),
            vec![date(1999, 12, 31), date(2000, 1, 1)]
        );
        assert_eq!(dates_in("Smarch 3, 2026 · 3 Ju 2026"), vec![]);
        assert_eq!(parse_time_value("2026-10-03"), Some(date(2026, 10, 3)));
        assert_eq!(parse_time_value("March 1, 2024"), Some(date(2024, 3, 1)));
        assert_eq!(parse_time_value("yesterday"), None);
    }
}
