//! The in-process limiter: `governor`'s keyed GCRA, one per policy. Used alone without
//! Redis, and as the fail-open fallback while Redis is away.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::{Check, Status, Verdict};
use crate::server::config::Rate;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Keys idle for a full period hold nothing worth keeping; past this many, they are
/// swept so the map stays small under a flood of distinct addresses.
const SWEEP_ABOVE: usize = 10_000;

pub struct Local {
    limiter: Keyed,
    clock: DefaultClock,
    rate: Rate,
}

impl Local {
    pub fn new(rate: Rate) -> Self {
        let burst = NonZeroU32::new(rate.count).unwrap_or(NonZeroU32::MIN);
        let interval = rate.interval().max(Duration::from_nanos(1));
        // `with_period` only fails for a zero period, which `max` rules out.
        let quota = Quota::with_period(interval)
            .unwrap_or_else(|| Quota::per_second(burst))
            .allow_burst(burst);
        Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            clock: DefaultClock::default(),
            rate,
        }
    }

    fn check(&self, name: &'static str, key: &String) -> (Status, Option<Duration>) {
        if self.limiter.len() > SWEEP_ABOVE {
            self.limiter.retain_recent();
        }
        let interval = self.rate.interval();
        match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let used = self.rate.count.saturating_sub(remaining);
                let status = Status {
                    name,
                    rate: self.rate,
                    remaining,
                    reset: interval * used,
                };
                (status, None)
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let status = Status {
                    name,
                    rate: self.rate,
                    remaining: 0,
                    reset: interval * self.rate.count.saturating_sub(1) + wait,
                };
                (status, Some(wait))
            }
        }
    }
}

/// Every check in order; the request is refused if any refuses, and waits for the
/// longest of them.
pub fn check(checks: &[Check<'_>]) -> Verdict {
    let mut statuses = Vec::with_capacity(checks.len());
    let mut retry_after: Option<Duration> = None;
    for check in checks {
        let (status, wait) = check.policy.local.check(check.policy.name, &check.key);
        statuses.push(status);
        if let Some(wait) = wait {
            retry_after = Some(retry_after.map_or(wait, |longest| longest.max(wait)));
            // Later checks are not counted for a request that is refused anyway.
            break;
        }
    }
    Verdict {
        statuses,
        retry_after,
        shared: false,
    }
}
