//! The system's own figures: the job queues' depth and age read from PostgreSQL (for
//! `/metrics`, readiness and the admin System page), each instance's per-minute
//! rollups (`rollup`) and the report that merges them (`report`).

pub mod report;
pub mod rollup;

use sqlx::PgPool;

/// One job queue now.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueState {
    pub name: String,
    pub pending: i64,
    pub running: i64,
    /// How long the oldest job that could run has waited, in seconds (0 when none).
    pub oldest_pending_s: f64,
}

/// Every queue, with its pending and running jobs. A pending job counts from when it
/// could first run (its delay past).
pub async fn queues(pool: &PgPool) -> Result<Vec<QueueState>, sqlx::Error> {
    let rows: Vec<(String, i64, i64, f64)> = sqlx::query_as(
        "SELECT q.name,
                count(*) FILTER (WHERE t.state = 'pending'),
                count(*) FILTER (WHERE t.state = 'in_progress'),
                coalesce(extract(epoch FROM now() - min(t.created_at + t.delay)
                                 FILTER (WHERE t.state = 'pending'))::float8, 0)
         FROM underway.task_queue q
         LEFT JOIN underway.task t ON t.task_queue_name = q.name
                                  AND t.state IN ('pending', 'in_progress')
         GROUP BY q.name ORDER BY q.name",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, pending, running, oldest)| QueueState {
            name,
            pending,
            running,
            oldest_pending_s: oldest.max(0.0),
        })
        .collect())
}

/// What only this instance knows: its caches and its view of the read replicas.
pub fn instance_now(state: &super::AppState) -> crate::model::InstanceNow {
    let caches = super::caches::all(state)
        .into_iter()
        .map(|(name, stats)| crate::model::CacheRow {
            name: name.to_string(),
            hits: stats.hits,
            misses: stats.misses,
            entries: stats.entries,
        })
        .collect();
    let (replicas, replica_reads, primary_reads) = match &state.replicas {
        None => (Vec::new(), 0, 0),
        Some(replicas) => {
            let counts = replicas.counts();
            let rows = replicas
                .states()
                .into_iter()
                .map(|(name, up, fresh, behind_bytes)| crate::model::ReplicaRow {
                    name,
                    up,
                    fresh,
                    behind_bytes,
                })
                .collect();
            let primary =
                counts.wrote_here + counts.own_write + counts.none_fresh + counts.cache_fill;
            (rows, counts.replica, primary)
        }
    };
    crate::model::InstanceNow {
        instance: state.config.protection.instance(),
        caches,
        replicas,
        replica_reads,
        primary_reads,
    }
}
