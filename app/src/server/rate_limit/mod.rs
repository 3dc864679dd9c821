//! Rate limits: one engine for every route class (reads and writes per person, a whole
//! workspace, anonymous clients per IP, static files, the public form, API keys, and
//! sign-in per IP and per email address).
//!
//! The algorithm is GCRA everywhere: a budget of `count` requests that may be spent at
//! once and refills evenly over the period, with no window edge to burst across. With
//! `REDIS_URL` set, every instance decides with one atomic script in Redis
//! (`shared.rs`), so three instances give one budget, not three; when Redis is down or
//! slower than `REDIS_TIMEOUT_MS`, an instance fails open to its own in-process limiter
//! (`governor`, the same algorithm) until Redis answers again.

mod local;
mod shared;

use std::time::Duration;

use crate::model::Plan;
use crate::server::Config;
use crate::server::config::Rate;

pub use local::Local;

/// One limit: a name (shown to clients in `RateLimit-Policy`), its rate, and the
/// in-process limiter used without Redis (or while Redis is away).
pub struct Policy {
    pub name: &'static str,
    pub rate: Rate,
    local: Local,
}

impl Policy {
    fn new(name: &'static str, rate: Rate) -> Self {
        Self {
            name,
            rate,
            local: Local::new(rate),
        }
    }
}

/// Per-plan policies of one route class.
pub struct Tiered([Policy; 3]);

impl Tiered {
    fn new(name: &'static str, rates: &crate::server::config::PlanRates) -> Self {
        Self(Plan::ALL.map(|plan| Policy::new(name, rates.for_plan(plan))))
    }

    pub fn for_plan(&self, plan: Plan) -> &Policy {
        match plan {
            Plan::Free => &self.0[0],
            Plan::Pro => &self.0[1],
            Plan::Enterprise => &self.0[2],
        }
    }
}

/// Every limit the app applies, built once from the configuration.
pub struct Policies {
    pub reads: Tiered,
    pub writes: Tiered,
    pub tenant: Tiered,
    pub api_key: Tiered,
    pub anonymous: Policy,
    pub static_files: Policy,
    pub form: Policy,
    pub webhook: Policy,
    pub sign_in_ip: Policy,
    pub sign_in_email: Policy,
}

/// One limit to count a request against: the policy and whose budget (a user id, a
/// tenant id, an address…).
pub struct Check<'a> {
    pub policy: &'a Policy,
    pub key: String,
}

/// Where one policy stands after a request: what `RateLimit` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub name: &'static str,
    pub rate: Rate,
    /// Requests that could still be made at once.
    pub remaining: u32,
    /// Until the budget is whole again.
    pub reset: Duration,
}

/// The decision on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub statuses: Vec<Status>,
    /// `Some(wait)` when the request is refused: the soonest it would be allowed.
    pub retry_after: Option<Duration>,
    /// Decided by Redis (shared by every instance) or by this process alone.
    pub shared: bool,
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        self.retry_after.is_none()
    }
}

pub struct Limiter {
    pub policies: Policies,
    shared: Option<shared::Shared>,
}

impl Limiter {
    pub fn new(config: &Config) -> Result<Self, String> {
        let limits = &config.protection;
        let per_minute = |count: u32| Rate {
            count,
            period: Duration::from_secs(60),
        };
        let policies = Policies {
            reads: Tiered::new("read", &limits.rate_limit_reads),
            writes: Tiered::new("write", &limits.rate_limit_writes),
            tenant: Tiered::new("tenant", &limits.rate_limit_tenant),
            api_key: Tiered::new("api-key", &limits.rate_limit_api_key),
            anonymous: Policy::new("ip", limits.rate_limit_anonymous),
            static_files: Policy::new("static", limits.rate_limit_static),
            form: Policy::new("form", limits.rate_limit_form),
            webhook: Policy::new("webhook", limits.rate_limit_webhook),
            sign_in_ip: Policy::new(
                "sign-in-ip",
                per_minute(config.login_attempts_per_ip_per_minute),
            ),
            sign_in_email: Policy::new(
                "sign-in-email",
                per_minute(config.login_attempts_per_email_per_minute),
            ),
        };
        let shared = match &limits.redis_url {
            Some(url) => Some(shared::Shared::new(url, limits.redis_timeout())?),
            None => None,
        };
        Ok(Self { policies, shared })
    }

    /// Counts one request against every check, all or nothing: a refused request
    /// spends no budget (in Redis; in-process, the checks before the refusing one have
    /// been counted, which only errs on the strict side while Redis is away).
    pub async fn check(&self, checks: &[Check<'_>]) -> Verdict {
        if checks.is_empty() {
            return Verdict {
                statuses: Vec::new(),
                retry_after: None,
                shared: false,
            };
        }
        if let Some(shared) = &self.shared
            && let Some(verdict) = shared.check(checks).await
        {
            return verdict;
        }
        local::check(checks)
    }

    /// Sign-in attempts: per client IP and per email address (case-folded), so neither
    /// one address guessing many passwords nor many addresses guessing one account
    /// gets far. `Err(wait)` when over either.
    pub async fn check_sign_in(&self, ip: std::net::IpAddr, email: &str) -> Result<(), Duration> {
        let checks = [
            Check {
                policy: &self.policies.sign_in_ip,
                key: ip.to_string(),
            },
            Check {
                policy: &self.policies.sign_in_email,
                key: email.trim().to_lowercase(),
            },
        ];
        let verdict = self.check(&checks).await;
        match verdict.retry_after {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Decisions made in-process because Redis did not answer, since start.
    pub fn fallbacks(&self) -> u64 {
        self.shared.as_ref().map_or(0, |shared| {
            shared.fallbacks.load(std::sync::atomic::Ordering::Relaxed)
        })
    }

    /// Whether Redis answers a PING within `timeout`; `None` without Redis.
    pub async fn ping_redis(&self, timeout: Duration) -> Option<bool> {
        Some(self.shared.as_ref()?.ping(timeout).await)
    }

    /// Whether limits are being decided in Redis right now (false without Redis, or
    /// while it is away).
    pub fn sharing(&self) -> bool {
        self.shared.as_ref().is_some_and(shared::Shared::is_up)
    }
}
