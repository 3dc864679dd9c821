//! How long a rate-limited provider asks us to wait: the `Retry-After` header, in seconds
//! or as an HTTP-date (parsed by the `httpdate` crate).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

pub(super) fn retry_after_header(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?, now)
}

/// A `Retry-After` value: delay-seconds (`"7"`) or an HTTP-date (IMF-fixdate, and the
/// obsolete RFC 850 and asctime forms). A date in the past means now (zero).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok().map(Duration::from_secs);
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// RFC 9110 §5.6.7 HTTP-date: `Sun, 06 Nov 1994 08:49:37 GMT`, or the obsolete
/// `Sunday, 06-Nov-94 08:49:37 GMT` and `Sun Nov  6 08:49:37 1994`. As the RFC writes
/// them: the names in their case, the weekday the date's own, years from 1970 to 9999.
pub fn parse_http_date(value: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(value).ok()
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn at(seconds: u64) -> Option<SystemTime> {
        Some(UNIX_EPOCH + Duration::from_secs(seconds))
    }

    #[test]
    fn the_three_forms_of_one_date() {
        // RFC 9110's example, 784111777 seconds after the epoch.
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun Nov 06 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(form), at(784_111_777), "{form}");
        }
    }

    #[test]
    fn leap_days_and_month_ends() {
        // Known Unix times of each date at 00:00:00 UTC (or the second given).
        let known = [
            ("Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400), // divisible by 400: leap
            ("Thu, 29 Feb 2024 00:00:00 GMT", 1_709_164_800),
            ("Fri, 01 Mar 2024 00:00:00 GMT", 1_709_251_200),
            ("Thu, 31 Dec 1998 23:59:59 GMT", 915_148_799),
            ("Fri, 01 Jan 1999 00:00:00 GMT", 915_148_800),
            ("Tue, 19 Jan 2038 03:14:07 GMT", 2_147_483_647),
            ("Fri, 01 Jan 2100 00:00:00 GMT", 4_102_444_800),
            ("Mon, 01 Mar 2100 00:00:00 GMT", 4_107_542_400), // 2100 has no 29 February
            ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            ("Thursday, 01-Jan-70 00:00:00 GMT", 0), // two digits: 70–99 are 19xx
            ("Saturday, 01-Jan-00 00:00:00 GMT", 946_684_800), // and 00–69 are 20xx
        ];
        for (date, seconds) in known {
            assert_eq!(parse_http_date(date), at(seconds), "{date}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "soon",
            "Mon, 29 Feb 2100 00:00:00 GMT", // not a leap year
            "Wed, 29 Feb 2023 00:00:00 GMT",
            "Thu, 31 Apr 2026 00:00:00 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1969 08:49:37 GMT", // before the epoch
            "2026-10-03T09:00:00Z",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_is_a_delay_or_a_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after("0", now),
            Some(Duration::ZERO),
            "delay-seconds"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        // A date already past, or the very second: retry now.
        for past in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sat, 05 Nov 1994 08:49:37 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
        ] {
            assert_eq!(parse_retry_after(past, now), Some(Duration::ZERO), "{past}");
        }
        assert_eq!(parse_retry_after("+5", now), None);
    }
}
