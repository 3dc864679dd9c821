//! The one outbound HTTP edge of Casework. Every client (sign-in with Google, the
//! enrichment fetcher and model provider, Zoho CRM) starts from [`builder`], reads a
//! rate-limited answer with [`retry_after`], and waits between attempts by [`Backoff`].

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Who we say we are.
pub const USER_AGENT: &str = concat!("casework/", env!("CARGO_PKG_VERSION"));

/// A client builder with Casework's defaults: a connect timeout, a whole-request
/// timeout, our user agent, and no automatic redirects (a redirect is the caller's to
/// follow and check, or an answer to report).
pub fn builder(connect_timeout: Duration, timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .user_agent(USER_AGENT)
}

/// How long an answer asks us to wait before trying again, from its `Retry-After`.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
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
/// `Sunday, 06-Nov-94 08:49:37 GMT` and `Sun Nov  6 08:49:37 1994`.
pub fn parse_http_date(value: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(value).ok()
}

/// Retries of one call: exponential backoff with *full* jitter (each wait drawn evenly
/// from zero to the exponential step, which spreads clients that failed together
/// better than adding jitter on top), a server's `Retry-After` honoured as given when
/// it is no longer than `longest_wait`, and giving up when it is.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Attempts in all, the first included.
    pub attempts: usize,
    pub base: Duration,
    pub max: Duration,
    /// The longest `Retry-After` waited for; a longer one ends the retries.
    pub longest_wait: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            attempts: 5,
            base: Duration::from_millis(200),
            max: Duration::from_secs(10),
            longest_wait: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// backon's exponential schedule (without its own jitter: [`Backoff::wait`] adds
    /// the full jitter).
    pub fn schedule(&self) -> backon::ExponentialBuilder {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.base)
            .with_max_delay(self.max)
            .with_factor(2.0)
            .with_max_times(self.attempts.saturating_sub(1))
    }

    /// The wait before the next attempt, for backon's `adjust`: `step` is the
    /// schedule's (None once it is spent), `retry_after` what the server asked for.
    pub fn wait(&self, step: Option<Duration>, retry_after: Option<Duration>) -> Option<Duration> {
        let step = step?;
        match retry_after {
            Some(asked) if asked > self.longest_wait => None,
            Some(asked) => Some(asked),
            None => Some(step.mul_f64(fastrand::f64())),
        }
    }
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

    #[test]
    fn full_jitter_stays_under_the_step_and_retry_after_is_honoured_or_ends_the_retries() {
        let backoff = Backoff::default();
        let step = Duration::from_millis(800);
        let waits: Vec<Duration> = (0..200)
            .filter_map(|_| backoff.wait(Some(step), None))
            .collect();
        assert_eq!(waits.len(), 200);
        assert!(waits.iter().all(|w| *w <= step));
        // Full jitter: the waits spread over the whole step, not just its top half.
        assert!(waits.iter().any(|w| *w < step / 4));
        assert!(waits.iter().any(|w| *w > step * 3 / 4));
        let asked = Duration::from_secs(3);
        assert_eq!(backoff.wait(Some(step), Some(asked)), Some(asked));
        assert_eq!(
            backoff.wait(Some(step), Some(Duration::from_secs(3600))),
            None
        );
        assert_eq!(backoff.wait(None, Some(asked)), None);
    }
}
