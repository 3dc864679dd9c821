//! What this instance served, minute by minute, written to PostgreSQL so the admin
//! System page can show every instance (`system/report.rs` merges them).
//!
//! Each request adds to the current minute in memory (one short lock); once a minute
//! the minute is swapped out and written in a few statements: one row per route and
//! method (histogram bucket counts, not averages, so percentiles merge exactly), one
//! row of the instance's gauges, and the slow requests of each workspace under its
//! own row-level security.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{AppError, BUCKETS_MS};
use crate::server::db;

/// A request this slow is kept with its id, route and who asked.
pub const SLOW_MS: f64 = 1_000.0;

/// Minutes kept (a week): the page looks back an hour; the rest is for a look at
/// yesterday's incident.
const KEEP_DAYS: i32 = 7;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteMinute {
    pub requests: u64,
    pub errors: u64,
    pub sum_ms: f64,
    pub buckets: [u64; BUCKETS_MS.len() + 1],
}

impl RouteMinute {
    fn add(&mut self, ms: f64, error: bool) {
        self.requests += 1;
        self.errors += u64::from(error);
        self.sum_ms += ms;
        let bucket = BUCKETS_MS
            .iter()
            .position(|bound| ms <= *bound)
            .unwrap_or(BUCKETS_MS.len());
        self.buckets[bucket] += 1;
    }
}

#[derive(Debug, Clone)]
pub struct SlowRequest {
    pub at: OffsetDateTime,
    pub request_id: String,
    pub route: String,
    pub method: String,
    pub status: u16,
    pub ms: f64,
    pub user_id: Option<Uuid>,
    pub tenant_id: Uuid,
}

/// One minute of this instance, as it accumulates.
#[derive(Debug, Default)]
pub struct Minute {
    /// By `(route, method)`.
    pub routes: HashMap<(String, String), RouteMinute>,
    pub rate_limited: HashMap<&'static str, u64>,
    pub slow: Vec<SlowRequest>,
}

/// This instance's figures.
pub struct Rollup {
    pub instance: String,
    pub started_at: OffsetDateTime,
    minute: Mutex<Minute>,
    /// Event streams open now.
    pub sse_open: AtomicI64,
    /// Running totals the minutes take differences of.
    pub redis_fallbacks: AtomicU64,
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
    written: Mutex<(u64, u64, u64)>,
}

impl Rollup {
    /// `instance`: the name the page shows (`INSTANCE_NAME`, else host and process).
    pub fn new(instance: String) -> Self {
        Self {
            instance,
            started_at: OffsetDateTime::now_utc(),
            minute: Mutex::new(Minute::default()),
            sse_open: AtomicI64::new(0),
            redis_fallbacks: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            written: Mutex::new((0, 0, 0)),
        }
    }

    /// One answered request.
    pub fn record(
        &self,
        route: &str,
        method: &str,
        status: u16,
        ms: f64,
        slow: Option<SlowRequest>,
    ) {
        let Ok(mut minute) = self.minute.lock() else {
            return;
        };
        let key = (route.to_owned(), method.to_owned());
        minute.routes.entry(key).or_default().add(ms, status >= 500);
        if let Some(slow) = slow {
            // A flood of slow requests keeps the first hundred of the minute.
            if minute.slow.len() < 100 {
                minute.slow.push(slow);
            }
        }
    }

    /// One request refused by a rate limit of this class.
    pub fn limited(&self, class: &'static str) {
        if let Ok(mut minute) = self.minute.lock() {
            *minute.rate_limited.entry(class).or_default() += 1;
        }
    }

    /// The minute so far, leaving an empty one in its place.
    pub fn take(&self) -> Minute {
        self.minute
            .lock()
            .map(|mut minute| std::mem::take(&mut *minute))
            .unwrap_or_default()
    }

    /// Differences of the running totals since the last call.
    fn deltas(&self) -> (u64, u64, u64) {
        let now = (
            self.redis_fallbacks.load(Ordering::Relaxed),
            self.cache_hits.load(Ordering::Relaxed),
            self.cache_misses.load(Ordering::Relaxed),
        );
        let Ok(mut written) = self.written.lock() else {
            return (0, 0, 0);
        };
        let before = std::mem::replace(&mut *written, now);
        (
            now.0.saturating_sub(before.0),
            now.1.saturating_sub(before.1),
            now.2.saturating_sub(before.2),
        )
    }
}

/// The instance's gauges when the minute is written.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    pub pool_size: u32,
    pub pool_in_use: u32,
}

/// Writes the minute so far as `minute` (the start of the minute it belongs to).
pub async fn flush(
    pool: &PgPool,
    rollup: &Rollup,
    minute: OffsetDateTime,
    gauges: Gauges,
) -> Result<(), AppError> {
    let taken = rollup.take();
    let (fallbacks, hits, misses) = rollup.deltas();
    let instance = rollup.instance.as_str();
    if !taken.routes.is_empty() {
        let mut routes = Vec::new();
        let mut methods = Vec::new();
        let mut requests = Vec::new();
        let mut errors = Vec::new();
        let mut sums = Vec::new();
        let mut buckets = Vec::new();
        for ((route, method), figures) in &taken.routes {
            routes.push(route.as_str());
            methods.push(method.as_str());
            requests.push(i64::try_from(figures.requests).unwrap_or(i64::MAX));
            errors.push(i64::try_from(figures.errors).unwrap_or(i64::MAX));
            sums.push(figures.sum_ms);
            // As one text per row: unnest cannot take an array of arrays apart by row.
            let counts: Vec<String> = figures.buckets.iter().map(u64::to_string).collect();
            buckets.push(format!("{{{}}}", counts.join(",")));
        }
        sqlx::query(
            "INSERT INTO system_route_minutes
                 (minute, instance, route, method, requests, errors, sum_ms, buckets)
             SELECT $1, $2, r.route, r.method, r.requests, r.errors, r.sum_ms, r.buckets::bigint[]
             FROM unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::float8[], $8::text[])
                  AS r(route, method, requests, errors, sum_ms, buckets)
             ON CONFLICT (minute, instance, route, method) DO UPDATE SET
                 requests = system_route_minutes.requests + excluded.requests,
                 errors = system_route_minutes.errors + excluded.errors,
                 sum_ms = system_route_minutes.sum_ms + excluded.sum_ms,
                 buckets = (SELECT array_agg(a + b ORDER BY n)
                            FROM unnest(system_route_minutes.buckets, excluded.buckets)
                                 WITH ORDINALITY AS x(a, b, n))",
        )
        .bind(minute)
        .bind(instance)
        .bind(&routes)
        .bind(&methods)
        .bind(&requests)
        .bind(&errors)
        .bind(&sums)
        .bind(&buckets)
        .execute(pool)
        .await
        .map_err(db::unavailable)?;
    }
    let limited: serde_json::Map<String, serde_json::Value> = taken
        .rate_limited
        .iter()
        .map(|(class, count)| ((*class).to_string(), (*count).into()))
        .collect();
    sqlx::query(
        "INSERT INTO system_instance_minutes
             (minute, instance, started_at, version, sse_open, pool_size, pool_in_use,
              rate_limited, redis_fallbacks, cache_hits, cache_misses)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (minute, instance) DO UPDATE SET
             sse_open = excluded.sse_open, pool_size = excluded.pool_size,
             pool_in_use = excluded.pool_in_use,
             rate_limited = excluded.rate_limited,
             redis_fallbacks = system_instance_minutes.redis_fallbacks + excluded.redis_fallbacks,
             cache_hits = system_instance_minutes.cache_hits + excluded.cache_hits,
             cache_misses = system_instance_minutes.cache_misses + excluded.cache_misses",
    )
    .bind(minute)
    .bind(instance)
    .bind(rollup.started_at)
    .bind(env!("CARGO_PKG_VERSION"))
    .bind(i32::try_from(rollup.sse_open.load(Ordering::Relaxed)).unwrap_or(0))
    .bind(i32::try_from(gauges.pool_size).unwrap_or(i32::MAX))
    .bind(i32::try_from(gauges.pool_in_use).unwrap_or(i32::MAX))
    .bind(serde_json::Value::Object(limited))
    .bind(i64::try_from(fallbacks).unwrap_or(i64::MAX))
    .bind(i64::try_from(hits).unwrap_or(i64::MAX))
    .bind(i64::try_from(misses).unwrap_or(i64::MAX))
    .execute(pool)
    .await
    .map_err(db::unavailable)?;
    write_slow(pool, instance, taken.slow).await?;
    Ok(())
}

/// Each workspace's slow requests, written under its own tenant (row-level security).
async fn write_slow(pool: &PgPool, instance: &str, slow: Vec<SlowRequest>) -> Result<(), AppError> {
    let mut by_tenant: HashMap<Uuid, Vec<SlowRequest>> = HashMap::new();
    for request in slow {
        by_tenant
            .entry(request.tenant_id)
            .or_default()
            .push(request);
    }
    for (tenant, requests) in by_tenant {
        db::write(pool, tenant, |mut tx| {
            let requests = requests.clone();
            Box::pin(async move {
                for request in &requests {
                    sqlx::query(
                        "INSERT INTO system_slow_requests
                             (tenant_id, at, instance, request_id, route, method, status, ms, user_id)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(request.tenant_id)
                    .bind(request.at)
                    .bind(instance)
                    .bind(&request.request_id)
                    .bind(&request.route)
                    .bind(&request.method)
                    .bind(i16::try_from(request.status).unwrap_or(i16::MAX))
                    .bind(request.ms)
                    .bind(request.user_id)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "DELETE FROM system_slow_requests
                     WHERE tenant_id = $1 AND at < now() - make_interval(days => $2)",
                )
                .bind(tenant)
                .bind(KEEP_DAYS)
                .execute(&mut *tx)
                .await?;
                Ok(())
            })
        })
        .await?;
    }
    Ok(())
}

/// Minutes older than the week kept (every instance sweeps; it is one indexed delete).
pub async fn sweep(pool: &PgPool) -> Result<(), AppError> {
    for table in ["system_route_minutes", "system_instance_minutes"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE minute < now() - make_interval(days => $1)"
        ))
        .bind(KEEP_DAYS)
        .execute(pool)
        .await
        .map_err(db::unavailable)?;
    }
    Ok(())
}

/// The start of the minute `at` falls in.
pub fn minute_of(at: OffsetDateTime) -> OffsetDateTime {
    let seconds = at.unix_timestamp();
    OffsetDateTime::from_unix_timestamp(seconds - seconds.rem_euclid(60)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_latency_lands_in_its_bucket() {
        let mut minute = RouteMinute::default();
        for ms in [0.4, 1.0, 1.1, 30.0, 999.0, 45_000.0] {
            minute.add(ms, false);
        }
        minute.add(3.0, true);
        assert_eq!(minute.requests, 7);
        assert_eq!(minute.errors, 1);
        assert_eq!(minute.buckets[0], 2, "≤ 1 ms");
        assert_eq!(minute.buckets[1], 1, "≤ 2.5 ms");
        assert_eq!(minute.buckets[2], 1, "≤ 5 ms");
        assert_eq!(minute.buckets[5], 1, "≤ 50 ms");
        assert_eq!(minute.buckets[9], 1, "≤ 1 s");
        assert_eq!(minute.buckets[14], 1, "above 30 s");
        assert_eq!(minute.buckets.iter().sum::<u64>(), 7);
    }
}
