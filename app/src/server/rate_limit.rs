//! Sign-in attempt limits (GCRA, via `governor`), per client IP and per email address,
//! so neither one address guessing many passwords nor many addresses guessing one
//! account gets far. In-process for now; shared limits across instances (Redis) come
//! with the Protection issue.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Config;

pub struct LoginLimiter {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_email: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl LoginLimiter {
    pub fn new(config: &Config) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            by_ip: RateLimiter::keyed(per_minute(config.login_attempts_per_ip_per_minute)),
            by_email: RateLimiter::keyed(per_minute(config.login_attempts_per_email_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt; `Err(wait)` when it is over either limit.
    pub fn check(&self, ip: IpAddr, email: &str) -> Result<(), Duration> {
        let now = self.clock.now();
        let email = email.trim().to_lowercase();
        let ip_check = self.by_ip.check_key(&ip);
        let email_check = self.by_email.check_key(&email);
        let wait = [ip_check.err(), email_check.err()]
            .into_iter()
            .flatten()
            .map(|not_until| not_until.wait_time_from(now))
            .max();
        // Stale keys are dropped now and then so the maps stay small.
        if self.by_ip.len() > 10_000 {
            self.by_ip.retain_recent();
        }
        if self.by_email.len() > 10_000 {
            self.by_email.retain_recent();
        }
        match wait {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }
}
