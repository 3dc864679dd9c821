//! Admin → System, read from every instance's minutes (`rollup.rs`) and merged:
//! histogram buckets are added up before any percentile is taken, so the p95 of three
//! instances is the p95 of their requests, not an average of three p95s.

use std::collections::BTreeMap;

use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::model::{
    AppError, BUCKETS_MS, InstanceFigures, MinutePoint, QueueRow, RouteFigures, SlowRow,
    SystemReport, Viewer, merge_histograms, quantile,
};
use crate::server::db;

const BUCKETS: usize = BUCKETS_MS.len() + 1;

type Histogram = [u64; BUCKETS];

#[derive(sqlx::FromRow)]
struct RouteRow {
    minute: OffsetDateTime,
    instance: String,
    route: String,
    method: String,
    requests: i64,
    errors: i64,
    buckets: Vec<i64>,
}

#[derive(sqlx::FromRow)]
struct SlowDbRow {
    at: OffsetDateTime,
    request_id: String,
    route: String,
    method: String,
    status: i16,
    ms: f64,
    user_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct InstanceRow {
    instance: String,
    version: String,
    started_at: OffsetDateTime,
    last_seen: OffsetDateTime,
    sse_open: i32,
    pool_size: i32,
    pool_in_use: i32,
    redis_fallbacks: i64,
}

/// The report over the last `window_minutes` (the minute in progress is not written
/// yet, so the window ends with the last whole minute).
pub async fn report(
    pool: &PgPool,
    viewer: &Viewer,
    window_minutes: u32,
) -> Result<SystemReport, AppError> {
    let mut tx = db::tenant_tx(pool, viewer.tenant_id).await?;
    let since = format!("{window_minutes} minutes");
    let rows: Vec<RouteRow> = sqlx::query_as(
        "SELECT minute, instance, route, method, requests, errors, buckets
         FROM system_route_minutes WHERE minute >= date_trunc('minute', now()) - $1::interval",
    )
    .bind(&since)
    .fetch_all(&mut *tx)
    .await
    .map_err(db::internal)?;
    let instances: Vec<InstanceRow> = sqlx::query_as(
        "SELECT DISTINCT ON (instance) instance, version, started_at, minute AS last_seen,
                sse_open, pool_size, pool_in_use,
                sum(redis_fallbacks) OVER (PARTITION BY instance)::bigint AS redis_fallbacks
         FROM system_instance_minutes
         WHERE minute >= date_trunc('minute', now()) - $1::interval
         ORDER BY instance, minute DESC",
    )
    .bind(&since)
    .fetch_all(&mut *tx)
    .await
    .map_err(db::internal)?;
    let rate_limited: Vec<(String, i64)> = sqlx::query_as(
        "SELECT limits.key, sum(limits.value::bigint)::bigint
         FROM system_instance_minutes m, jsonb_each_text(m.rate_limited) AS limits
         WHERE m.minute >= date_trunc('minute', now()) - $1::interval
         GROUP BY limits.key ORDER BY 2 DESC",
    )
    .bind(&since)
    .fetch_all(&mut *tx)
    .await
    .map_err(db::internal)?;
    let (cache_hits, cache_misses): (i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum(cache_hits), 0)::bigint, coalesce(sum(cache_misses), 0)::bigint
         FROM system_instance_minutes WHERE minute >= date_trunc('minute', now()) - $1::interval",
    )
    .bind(&since)
    .fetch_one(&mut *tx)
    .await
    .map_err(db::internal)?;
    // This workspace's slow requests only (row-level security), with who asked.
    let slow: Vec<SlowDbRow> = sqlx::query_as(
        "SELECT s.at, s.request_id, s.route, s.method, s.status, s.ms, u.display_name AS user_name
             FROM system_slow_requests s LEFT JOIN users u ON u.id = s.user_id
             WHERE s.at >= now() - $1::interval
             ORDER BY s.ms DESC LIMIT 20",
    )
    .bind(&since)
    .fetch_all(&mut *tx)
    .await
    .map_err(db::internal)?;
    db::end_read(tx);
    let queues = super::queues(pool)
        .await
        .map_err(db::unavailable)?
        .into_iter()
        .map(|queue| QueueRow {
            name: queue.name,
            pending: queue.pending,
            running: queue.running,
            oldest_pending_s: queue.oldest_pending_s,
        })
        .collect();
    Ok(assemble(
        window_minutes,
        rows,
        instances,
        rate_limited,
        (cache_hits, cache_misses),
        slow,
        queues,
    ))
}

fn assemble(
    window_minutes: u32,
    rows: Vec<RouteRow>,
    instances: Vec<InstanceRow>,
    rate_limited: Vec<(String, i64)>,
    (cache_hits, cache_misses): (i64, i64),
    slow: Vec<SlowDbRow>,
    queues: Vec<QueueRow>,
) -> SystemReport {
    let minutes = f64::from(window_minutes.max(1));
    let mut by_route: BTreeMap<(String, String), (u64, u64, Histogram)> = BTreeMap::new();
    let mut by_minute: BTreeMap<OffsetDateTime, (u64, Histogram)> = BTreeMap::new();
    let mut by_instance: BTreeMap<String, (u64, Histogram)> = BTreeMap::new();
    let mut all: (u64, u64, Histogram) = (0, 0, [0; BUCKETS]);
    for row in rows {
        let counts = histogram(&row.buckets);
        let (requests, errors) = (count(row.requests), count(row.errors));
        let route = by_route
            .entry((row.route, row.method))
            .or_insert((0, 0, [0; BUCKETS]));
        route.0 += requests;
        route.1 += errors;
        merge_histograms(&mut route.2, &counts);
        let minute = by_minute.entry(row.minute).or_insert((0, [0; BUCKETS]));
        minute.0 += requests;
        merge_histograms(&mut minute.1, &counts);
        let instance = by_instance.entry(row.instance).or_insert((0, [0; BUCKETS]));
        instance.0 += requests;
        merge_histograms(&mut instance.1, &counts);
        all.0 += requests;
        all.1 += errors;
        merge_histograms(&mut all.2, &counts);
    }
    let figures =
        |route: String, method: String, (requests, errors, counts): &(u64, u64, Histogram)| {
            RouteFigures {
                route,
                method,
                requests: *requests,
                errors: *errors,
                per_minute: *requests as f64 / minutes,
                p50_ms: quantile(counts, 0.50),
                p95_ms: quantile(counts, 0.95),
                p99_ms: quantile(counts, 0.99),
            }
        };
    let mut routes: Vec<RouteFigures> = by_route
        .iter()
        .map(|((route, method), figures_of)| figures(route.clone(), method.clone(), figures_of))
        .collect();
    routes.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.route.cmp(&b.route)));
    let stamp = |at: OffsetDateTime| at.format(&Rfc3339).unwrap_or_default();
    SystemReport {
        window_minutes,
        total: figures("All routes".into(), String::new(), &all),
        routes,
        instances: instances
            .into_iter()
            .map(|row| {
                let (requests, counts) = by_instance
                    .get(&row.instance)
                    .copied()
                    .unwrap_or((0, [0; BUCKETS]));
                InstanceFigures {
                    instance: row.instance,
                    version: row.version,
                    started_at: stamp(row.started_at),
                    last_seen: stamp(row.last_seen),
                    requests,
                    p95_ms: quantile(&counts, 0.95),
                    sse_open: i64::from(row.sse_open),
                    pool_size: i64::from(row.pool_size),
                    pool_in_use: i64::from(row.pool_in_use),
                    redis_fallbacks: row.redis_fallbacks,
                }
            })
            .collect(),
        series: by_minute
            .into_iter()
            .map(|(minute, (requests, counts))| MinutePoint {
                label: format!("{:02}:{:02}", minute.hour(), minute.minute()),
                requests,
                p95_ms: quantile(&counts, 0.95),
            })
            .collect(),
        rate_limited: rate_limited
            .into_iter()
            .map(|(class, blocked)| (class, count(blocked)))
            .collect(),
        cache_hits: count(cache_hits),
        cache_misses: count(cache_misses),
        now: crate::model::InstanceNow::default(),
        slow: slow
            .into_iter()
            .map(|row| SlowRow {
                at: stamp(row.at),
                request_id: row.request_id,
                route: row.route,
                method: row.method,
                status: u16::try_from(row.status).unwrap_or(0),
                ms: row.ms,
                user: row.user_name.unwrap_or_default(),
            })
            .collect(),
        queues,
    }
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn histogram(stored: &[i64]) -> Histogram {
    let mut counts = [0; BUCKETS];
    for (slot, value) in counts.iter_mut().zip(stored) {
        *slot = count(*value);
    }
    counts
}
