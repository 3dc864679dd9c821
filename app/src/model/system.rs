//! Admin → System: how every instance is serving, merged from their per-minute rollups.

use serde::{Deserialize, Serialize};

/// Upper bounds of the latency histogram's buckets, in ms; one more count holds what is
/// above the last.
pub const BUCKETS_MS: [f64; 14] = [
    1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 2_500.0, 5_000.0, 10_000.0,
    30_000.0,
];

/// The windows the page offers, in minutes.
pub const WINDOWS: [(u32, &str); 2] = [(5, "Last 5 minutes"), (60, "Last hour")];

/// Requests of one route (or all of them), over the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteFigures {
    pub route: String,
    pub method: String,
    pub requests: u64,
    pub errors: u64,
    pub per_minute: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl RouteFigures {
    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.errors as f64 / self.requests as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceFigures {
    pub instance: String,
    pub version: String,
    /// RFC 3339.
    pub started_at: String,
    pub last_seen: String,
    pub requests: u64,
    pub p95_ms: f64,
    pub sse_open: i64,
    pub pool_size: i64,
    pub pool_in_use: i64,
    pub redis_fallbacks: i64,
}

/// One minute of the whole system, for the charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinutePoint {
    /// `14:05` (UTC).
    pub label: String,
    pub requests: u64,
    pub p95_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlowRow {
    pub at: String,
    pub request_id: String,
    pub route: String,
    pub method: String,
    pub status: u16,
    pub ms: f64,
    /// The person's name (empty for one since removed).
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    pub name: String,
    pub pending: i64,
    pub running: i64,
    pub oldest_pending_s: f64,
}

/// One cache of the instance that answered, since it started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheRow {
    pub name: String,
    pub hits: u64,
    pub misses: u64,
    pub entries: u64,
}

impl CacheRow {
    pub fn hit_rate(&self) -> Option<f64> {
        let all = self.hits + self.misses;
        (all > 0).then(|| self.hits as f64 / all as f64)
    }
}

/// One read replica as the instance that answered sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaRow {
    pub name: String,
    pub up: bool,
    pub fresh: bool,
    pub behind_bytes: u64,
}

/// What only the instance that answered knows (each keeps its own caches and reads
/// its replicas' state itself), since it started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceNow {
    pub instance: String,
    pub caches: Vec<CacheRow>,
    pub replicas: Vec<ReplicaRow>,
    /// Reads served by a replica, and by the primary although replicas are there.
    pub replica_reads: u64,
    pub primary_reads: u64,
}

impl InstanceNow {
    /// The share of reads a replica served (None: no replica, or no read yet).
    pub fn replica_share(&self) -> Option<f64> {
        let all = self.replica_reads + self.primary_reads;
        (!self.replicas.is_empty() && all > 0).then(|| self.replica_reads as f64 / all as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemReport {
    pub window_minutes: u32,
    pub total: RouteFigures,
    pub routes: Vec<RouteFigures>,
    pub instances: Vec<InstanceFigures>,
    pub series: Vec<MinutePoint>,
    /// Requests refused, by rate-limit class.
    pub rate_limited: Vec<(String, u64)>,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub slow: Vec<SlowRow>,
    pub queues: Vec<QueueRow>,
    pub now: InstanceNow,
}

impl SystemReport {
    pub fn cache_hit_rate(&self) -> Option<f64> {
        let all = self.cache_hits + self.cache_misses;
        (all > 0).then(|| self.cache_hits as f64 / all as f64)
    }

    pub fn sse_open(&self) -> i64 {
        self.instances.iter().map(|i| i.sse_open).sum()
    }
}

/// The `q` quantile (0–1) of a histogram of `counts` over [`BUCKETS_MS`], interpolated
/// within its bucket as Prometheus' `histogram_quantile` does; past the last bound,
/// the last bound.
pub fn quantile(counts: &[u64], q: f64) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let rank = q.clamp(0.0, 1.0) * total as f64;
    let mut below = 0u64;
    for (index, count) in counts.iter().enumerate() {
        if *count > 0 && (below + count) as f64 >= rank {
            let Some(upper) = BUCKETS_MS.get(index) else {
                return BUCKETS_MS[BUCKETS_MS.len() - 1];
            };
            let lower = if index == 0 {
                0.0
            } else {
                BUCKETS_MS[index - 1]
            };
            let within = (rank - below as f64) / *count as f64;
            return lower + (upper - lower) * within;
        }
        below += count;
    }
    BUCKETS_MS[BUCKETS_MS.len() - 1]
}

/// `counts` added into `into` (histograms of the same buckets).
pub fn merge(into: &mut [u64], counts: &[u64]) {
    for (total, count) in into.iter_mut().zip(counts) {
        *total += count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_within_their_bucket() {
        let mut counts = [0u64; 15];
        // 100 requests: 50 within 5–10 ms, 45 within 10–25 ms, 5 within 100–250 ms.
        counts[3] = 50;
        counts[4] = 45;
        counts[7] = 5;
        assert_eq!(quantile(&counts, 0.5), 10.0);
        assert!((quantile(&counts, 0.95) - 25.0).abs() < 1e-9);
        assert!((quantile(&counts, 0.99) - 220.0).abs() < 1e-9);
        assert_eq!(quantile(&[0; 15], 0.99), 0.0);
        let mut over = [0u64; 15];
        over[14] = 3;
        assert_eq!(quantile(&over, 0.5), 30_000.0);
        let mut merged = [0u64; 15];
        merge(&mut merged, &counts);
        merge(&mut merged, &counts);
        assert_eq!(merged[3], 100);
    }
}
