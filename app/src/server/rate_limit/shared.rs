//! Limits shared by every instance: the same GCRA as the in-process limiter, as one
//! atomic Lua script in Redis, one round trip per request for all of its checks.
//!
//! Redis' own clock (`TIME`) is the only clock, so instances whose clocks disagree
//! still agree on the budget. Each key holds its "theoretical arrival time" in
//! microseconds and expires when its budget would be whole again, so idle keys cost
//! nothing.
//!
//! Failing open: a call that errors or takes longer than `REDIS_TIMEOUT_MS` gives
//! `None`, and the caller decides in-process. After an error, or three slow answers in
//! a row, Redis is left alone for a second (no request pays the timeout in the
//! meantime) before one request tries it again. A single slow answer (a busy machine)
//! only decides that one request here.
//! Going away and coming back are logged once each and counted in the metrics.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};

use super::{Check, Status, Verdict};

/// How long Redis is left alone after it failed to answer.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Answers slower than the timeout, in a row, before Redis is left alone as if it had
/// failed (see `check`).
const SLOW_BEFORE_RESTING: u32 = 3;

/// KEYS: one per check. ARGV: per check, its interval (µs per request) and burst.
/// Returns `allowed` then, per check, `allowed, remaining, reset µs, retry µs`.
/// Every check is evaluated before any is written, so a refused request spends no
/// budget anywhere.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ok = 1
local tats = {}
local out = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - burst * interval
  tats[i] = new_tat
  if allow_at > now then
    ok = 0
    table.insert(out, 0); table.insert(out, 0)
    table.insert(out, tat - now); table.insert(out, allow_at - now)
  else
    table.insert(out, 1); table.insert(out, math.floor((now - allow_at) / interval))
    table.insert(out, new_tat - now); table.insert(out, 0)
  end
end
if ok == 1 then
  for i = 1, #KEYS do
    local ttl = math.ceil((tats[i] - now) / 1000) + 1000
    redis.call('SET', KEYS[i], string.format('%d', tats[i]), 'PX', ttl)
  end
end
table.insert(out, 1, ok)
return out
";

pub struct Shared {
    connection: ConnectionManager,
    script: redis::Script,
    timeout: Duration,
    /// Until when Redis is skipped after a failure.
    resting_until: Mutex<Option<Instant>>,
    up: AtomicBool,
    /// Calls in a row that Redis answered too slowly.
    slow_in_a_row: AtomicU32,
    /// Decisions made in-process because Redis did not answer, since start.
    pub fallbacks: std::sync::atomic::AtomicU64,
}

impl Shared {
    pub fn new(url: &SecretString, timeout: Duration) -> Result<Self, String> {
        let client = redis::Client::open(url.expose_secret())
            .map_err(|error| format!("REDIS_URL: {error}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(250)))
            .set_response_timeout(Some(timeout))
            // One quick reconnection attempt per call; the rest is our resting period.
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(50));
        // Lazy: starting never waits on Redis, and a Redis that is down at start-up
        // only means deciding in-process until it is up.
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|error| format!("REDIS_URL: {error}"))?;
        Ok(Self {
            connection,
            script: redis::Script::new(GCRA),
            timeout,
            resting_until: Mutex::new(None),
            up: AtomicBool::new(true),
            slow_in_a_row: AtomicU32::new(0),
            fallbacks: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed) && !self.resting()
    }

    fn resting(&self) -> bool {
        let resting_until = self
            .resting_until
            .lock()
            .map(|guard| *guard)
            .unwrap_or(None);
        resting_until.is_some_and(|until| Instant::now() < until)
    }

    pub async fn ping(&self, timeout: Duration) -> bool {
        let mut connection = self.connection.clone();
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut connection);
        matches!(tokio::time::timeout(timeout, ping).await, Ok(Ok(reply)) if reply == "PONG")
    }

    /// The verdict from Redis, or `None` when the caller must decide in-process.
    pub async fn check(&self, checks: &[Check<'_>]) -> Option<Verdict> {
        if self.resting() {
            self.fallbacks.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("casework_rate_limit_redis_fallbacks_total", "reason" => "resting")
                .increment(1);
            return None;
        }
        let mut invocation = self.script.prepare_invoke();
        for check in checks {
            let interval = check.policy.rate.interval().as_micros().max(1);
            invocation
                .key(format!("casework:rl:{}:{}", check.policy.name, check.key))
                .arg(u64::try_from(interval).unwrap_or(u64::MAX))
                .arg(check.policy.rate.count);
        }
        let mut connection = self.connection.clone();
        let call = invocation.invoke_async::<Vec<i64>>(&mut connection);
        let reason = match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(reply)) => match verdict(checks, &reply) {
                Some(verdict) => {
                    self.slow_in_a_row.store(0, Ordering::Relaxed);
                    if !self.up.swap(true, Ordering::Relaxed) {
                        tracing::info!("Redis answers again: rate limits are shared again");
                        metrics::gauge!("casework_rate_limit_redis_up").set(1.0);
                    }
                    return Some(verdict);
                }
                None => "bad_reply",
            },
            Ok(Err(error)) if !error.is_timeout() => {
                tracing::debug!(%error, "Redis rate-limit call failed");
                "error"
            }
            Ok(Err(_)) | Err(_) => "timeout",
        };
        metrics::counter!("casework_rate_limit_redis_fallbacks_total", "reason" => reason)
            .increment(1);
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        // One slow answer on a busy machine is not Redis gone: only this request is
        // decided here. Several in a row (a Redis that hangs) rest it like an error.
        if reason == "timeout"
            && self.slow_in_a_row.fetch_add(1, Ordering::Relaxed) + 1 < SLOW_BEFORE_RESTING
        {
            return None;
        }
        if let Ok(mut guard) = self.resting_until.lock() {
            *guard = Some(Instant::now() + RETRY_AFTER_FAILURE);
        }
        if self.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(
                reason,
                "Redis did not answer: deciding rate limits in this process until it does"
            );
            metrics::gauge!("casework_rate_limit_redis_up").set(0.0);
        }
        None
    }
}

fn verdict(checks: &[Check<'_>], reply: &[i64]) -> Option<Verdict> {
    let (&allowed, fields) = reply.split_first()?;
    if fields.len() != checks.len() * 4 {
        return None;
    }
    let micros = |value: i64| Duration::from_micros(u64::try_from(value).unwrap_or(0));
    let mut retry_after = None;
    let statuses = checks
        .iter()
        .zip(fields.chunks_exact(4))
        .map(|(check, field)| {
            if field[0] == 0 {
                let wait = micros(field[3]);
                retry_after = Some(retry_after.map_or(wait, |longest: Duration| longest.max(wait)));
            }
            Status {
                name: check.policy.name,
                rate: check.policy.rate,
                remaining: u32::try_from(field[1]).unwrap_or(0),
                reset: micros(field[2]),
            }
        })
        .collect();
    // A refusal always names a wait, even a rounding-thin one.
    if allowed == 0 && retry_after.is_none() {
        retry_after = Some(Duration::from_millis(1));
    }
    Some(Verdict {
        statuses,
        retry_after: if allowed == 1 { None } else { retry_after },
        shared: true,
    })
}
