//! Read replicas (`DATABASE_READ_URL`) with read-your-writes.
//!
//! - A request's reads ([`super::db::tenant_tx`]) go to a replica when one is fresh
//!   enough; its writes, and every read after its first write, go to the primary.
//! - *Fresh*: the monitor reads each replica's replay position every
//!   `DATABASE_READ_CHECK_MS`, and the primary's WAL position with it. A replica is used
//!   only while it has replayed what the primary had written `DATABASE_READ_MAX_LAG_MS`
//!   ago; one that is down, behind, or no longer a replica (promoted) is skipped and
//!   counted, and reads stay on the primary.
//! - *Read-your-writes*: a request that wrote ends by noting the primary's WAL position
//!   after its commit in a cookie (`src/http/read_after.rs`); the person's next reads go
//!   to a replica only once the monitor has seen it replay past that position, else to
//!   the primary. The cookie travels with the person to any instance.
//! - The request's context reaches the database code through a task-local (axum
//!   handlers, the REST API and its batches) or the request's extensions in the Leptos
//!   context (pages and server functions, whose work Leptos may run in tasks of its own).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::PgPool;

/// One replica and what the monitor last saw of it.
pub struct Replica {
    /// `host:port`, for logs and the System page (never the password).
    pub name: String,
    pool: PgPool,
    up: AtomicBool,
    /// The last WAL position it had replayed (bytes from 0/0).
    replayed: AtomicU64,
    /// Whether it was fresh at the last check.
    fresh: AtomicBool,
}

/// Why a read went to the primary although replicas are configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The request had already written: what it reads next must include that.
    WroteHere,
    /// The person's last write is not yet replayed by any fresh replica.
    OwnWrite,
    /// Every replica is down or further behind than the limit.
    NoneFresh,
    /// Read for a shared cache, which must not be behind what it heard of.
    CacheFill,
}

/// What the read routing counted since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCounts {
    pub replica: u64,
    pub wrote_here: u64,
    pub own_write: u64,
    pub none_fresh: u64,
    pub cache_fill: u64,
}

pub struct Replicas {
    replicas: Vec<Replica>,
    max_lag: Duration,
    /// The primary's WAL position at each recent check, oldest first.
    history: Mutex<VecDeque<(Instant, u64)>>,
    next: AtomicUsize,
    replica_reads: AtomicU64,
    wrote_here: AtomicU64,
    own_write: AtomicU64,
    none_fresh: AtomicU64,
    cache_fill: AtomicU64,
}

/// The current WAL insert position, in bytes. Taken after a commit, it is at or past
/// that commit's record whatever `synchronous_commit` says (it may be a page header
/// past it, which only keeps the person on the primary until the next write anywhere).
const PRIMARY_POSITION: &str = "SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint";
/// How far the primary has written its WAL out (what replicas can have received): the
/// mark replicas are held to.
const WRITTEN_POSITION: &str = "SELECT (pg_current_wal_lsn() - '0/0')::bigint";
/// A replica's replay position (NULL when it is not in recovery: promoted).
const REPLAYED_POSITION: &str =
    "SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint WHERE pg_is_in_recovery()";

impl Replicas {
    /// `pools` with their names; `max_lag` is how far behind a replica may be.
    pub fn new(pools: Vec<(String, PgPool)>, max_lag: Duration) -> Self {
        Self {
            replicas: pools
                .into_iter()
                .map(|(name, pool)| Replica {
                    name,
                    pool,
                    up: AtomicBool::new(false),
                    replayed: AtomicU64::new(0),
                    fresh: AtomicBool::new(false),
                })
                .collect(),
            max_lag,
            history: Mutex::new(VecDeque::new()),
            next: AtomicUsize::new(0),
            replica_reads: AtomicU64::new(0),
            wrote_here: AtomicU64::new(0),
            own_write: AtomicU64::new(0),
            none_fresh: AtomicU64::new(0),
            cache_fill: AtomicU64::new(0),
        }
    }

    /// The pool a read should use: a fresh replica that has replayed `after` (the
    /// person's last write), or None for the primary. `wrote`: this request wrote.
    pub fn pick(&self, after: u64, wrote: bool) -> Option<&PgPool> {
        if wrote {
            self.count(Fallback::WroteHere);
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.replicas.len();
        let mut behind_own_write = false;
        for i in 0..count {
            let replica = &self.replicas[(start + i) % count];
            if !replica.fresh.load(Ordering::Acquire) {
                continue;
            }
            if replica.replayed.load(Ordering::Acquire) < after {
                behind_own_write = true;
                continue;
            }
            self.replica_reads.fetch_add(1, Ordering::Relaxed);
            return Some(&replica.pool);
        }
        self.count(if behind_own_write {
            Fallback::OwnWrite
        } else {
            Fallback::NoneFresh
        });
        None
    }

    fn count(&self, why: Fallback) {
        let counter = match why {
            Fallback::WroteHere => &self.wrote_here,
            Fallback::OwnWrite => &self.own_write,
            Fallback::NoneFresh => &self.none_fresh,
            Fallback::CacheFill => &self.cache_fill,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn counts(&self) -> ReadCounts {
        ReadCounts {
            replica: self.replica_reads.load(Ordering::Relaxed),
            wrote_here: self.wrote_here.load(Ordering::Relaxed),
            own_write: self.own_write.load(Ordering::Relaxed),
            none_fresh: self.none_fresh.load(Ordering::Relaxed),
            cache_fill: self.cache_fill.load(Ordering::Relaxed),
        }
    }

    /// Each replica: its name, whether it answered, whether it is fresh, and how many
    /// bytes of WAL it is behind the primary's last known position.
    pub fn states(&self) -> Vec<(String, bool, bool, u64)> {
        let primary = self
            .history
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .back()
            .map_or(0, |(_, position)| *position);
        self.replicas
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.up.load(Ordering::Acquire),
                    r.fresh.load(Ordering::Acquire),
                    primary.saturating_sub(r.replayed.load(Ordering::Acquire)),
                )
            })
            .collect()
    }

    /// One check: the primary's position, then each replica's. A replica is fresh when
    /// it has replayed what the primary had at least `max_lag` ago.
    pub async fn check(&self, primary: &PgPool) {
        let now = Instant::now();
        let position = match sqlx::query_scalar::<_, i64>(WRITTEN_POSITION)
            .fetch_one(primary)
            .await
        {
            Ok(position) => u64::try_from(position).unwrap_or(0),
            Err(error) => {
                // Without the primary's position no replica can be called fresh.
                super::connections::lost(&error);
                tracing::warn!(%error, "could not read the primary's WAL position");
                for replica in &self.replicas {
                    replica.fresh.store(false, Ordering::Release);
                }
                return;
            }
        };
        let required = {
            let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
            history.push_back((now, position));
            // Keep one entry at least `max_lag` old (the one replicas are held to).
            while history.len() > 1 && now.duration_since(history[1].0) >= self.max_lag {
                history.pop_front();
            }
            // The newest position at least `max_lag` old (or, with less history than
            // that, the oldest).
            history.front().map_or(position, |(_, oldest)| *oldest)
        };
        for replica in &self.replicas {
            let replayed = sqlx::query_scalar::<_, Option<i64>>(REPLAYED_POSITION)
                .fetch_optional(&replica.pool)
                .await;
            let (up, replayed) = match replayed {
                Ok(Some(Some(replayed))) => (true, u64::try_from(replayed).unwrap_or(0)),
                Ok(_) => {
                    tracing::warn!(replica = %replica.name, "not a replica (promoted?): not read from");
                    (false, 0)
                }
                Err(error) => {
                    if replica.up.load(Ordering::Acquire) {
                        tracing::warn!(replica = %replica.name, %error, "replica unreachable: reads go to the primary");
                    }
                    (false, 0)
                }
            };
            replica.up.store(up, Ordering::Release);
            if up {
                replica.replayed.store(replayed, Ordering::Release);
            }
            replica
                .fresh
                .store(up && replayed >= required, Ordering::Release);
        }
    }

    /// Checks every `every` until `stop` says so.
    pub async fn monitor(
        self: Arc<Self>,
        primary: PgPool,
        every: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => self.check(&primary).await,
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}

/// The primary's WAL position now (read after a request's writes committed: at or
/// past them), for the person's read-after cookie.
pub async fn position_after_writes(primary: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(PRIMARY_POSITION)
        .fetch_one(primary)
        .await
}

/// One request's view of the routing: the person's last write (from their cookie),
/// and whether this request has written. Also what the caches ask: whether this
/// process has heard of everything up to that write (server::heard).
pub struct ReadContext {
    /// None without read replicas: every read is on the primary.
    replicas: Option<Arc<Replicas>>,
    heard: Arc<super::heard::Heard>,
    after: u64,
    wrote: AtomicBool,
    /// Reads for a shared cache ([`on_primary`]).
    primary_only: bool,
}

impl ReadContext {
    pub fn new(
        replicas: Option<Arc<Replicas>>,
        heard: Arc<super::heard::Heard>,
        after: u64,
    ) -> Arc<Self> {
        Arc::new(Self {
            replicas,
            heard,
            after,
            wrote: AtomicBool::new(false),
            primary_only: false,
        })
    }

    pub fn pick(&self) -> Option<PgPool> {
        let replicas = self.replicas.as_ref()?;
        if self.primary_only {
            replicas.count(Fallback::CacheFill);
            return None;
        }
        replicas
            .pick(self.after, self.wrote.load(Ordering::Acquire))
            .cloned()
    }

    pub fn mark_wrote(&self) {
        self.wrote.store(true, Ordering::Release);
    }

    pub fn wrote(&self) -> bool {
        self.wrote.load(Ordering::Acquire)
    }

    /// Whether the caches may answer this request: its person's last write (if any) is
    /// one this process has heard of, and this request has not written since.
    pub fn caches_may_answer(&self) -> bool {
        !self.wrote() && self.heard.covers(self.after)
    }

    /// Whether a value read when the primary's WAL was at `filled_at` (0: unknown) may
    /// answer this request: it has not written, and its person's last write (if any)
    /// came before that read began, so the read saw it. A later position proves the
    /// order: both positions are the primary's insert position, taken after their
    /// person's commit returned and before the value's snapshot respectively.
    pub fn sees_own_writes_in(&self, filled_at: u64) -> bool {
        !self.wrote() && (self.after == 0 || filled_at > self.after)
    }
}

tokio::task_local! {
    static CONTEXT: Arc<ReadContext>;
}

/// Runs `work` reading from the primary only, whatever its request may read from
/// otherwise: what a shared cache keeps (server/versioned.rs) must not be older than
/// the announcements it has heard. The request itself is not marked as having written.
pub async fn on_primary<F: Future>(work: F) -> F::Output {
    match current() {
        Some(context) => {
            let primary = Arc::new(ReadContext {
                replicas: context.replicas.clone(),
                heard: Arc::clone(&context.heard),
                after: context.after,
                wrote: AtomicBool::new(false),
                primary_only: true,
            });
            CONTEXT.scope(primary, work).await
        }
        None => work.await,
    }
}

/// Runs `work` with `context` as its request's (for the code that reads the task-local).
pub async fn scope<F: Future>(context: Arc<ReadContext>, work: F) -> F::Output {
    CONTEXT.scope(context, work).await
}

/// The request's routing context: the task's, else the Leptos request's (a page or
/// server function), else none (a job, a command: everything on the primary).
pub fn current() -> Option<Arc<ReadContext>> {
    CONTEXT.try_with(Arc::clone).ok().or_else(|| {
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Arc<ReadContext>>().cloned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replicas(n: usize) -> Replicas {
        let pools = (0..n)
            .map(|i| {
                let url = format!("postgres://nobody@127.0.0.1:{}/x", 1 + i);
                (format!("r{i}"), PgPool::connect_lazy(&url).unwrap())
            })
            .collect();
        Replicas::new(pools, Duration::from_secs(1))
    }

    fn set(replicas: &Replicas, i: usize, fresh: bool, replayed: u64) {
        replicas.replicas[i].fresh.store(fresh, Ordering::Release);
        replicas.replicas[i]
            .replayed
            .store(replayed, Ordering::Release);
    }

    #[tokio::test]
    async fn a_read_goes_to_a_fresh_replica_that_has_the_persons_last_write() {
        let replicas = replicas(2);
        // Nothing fresh yet (never checked): the primary.
        assert!(replicas.pick(0, false).is_none());
        assert_eq!(replicas.counts().none_fresh, 1);
        set(&replicas, 0, true, 100);
        set(&replicas, 1, false, 500);
        // The fresh one, whoever asks, as long as it has their write.
        for _ in 0..4 {
            assert!(replicas.pick(100, false).is_some());
        }
        assert_eq!(replicas.counts().replica, 4);
        // Their write is past it (the stale one has it but is not fresh): the primary.
        assert!(replicas.pick(101, false).is_none());
        assert_eq!(replicas.counts().own_write, 1);
        // After a write in the same request: the primary, whatever the replicas.
        assert!(replicas.pick(0, true).is_none());
        assert_eq!(replicas.counts().wrote_here, 1);
        // Two fresh ones take turns.
        set(&replicas, 1, true, 500);
        let picked: std::collections::HashSet<String> = (0..4)
            .map(|_| {
                let pool = replicas.pick(0, false).unwrap();
                format!("{:?}", pool.connect_options().get_port())
            })
            .collect();
        assert_eq!(picked.len(), 2, "{picked:?}");
    }
}
