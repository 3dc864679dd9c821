//! What is read far more often than it changes, kept per workspace until the workspace
//! changes: the pattern behind the dashboards' figures and the contractor directory's
//! pages.
//!
//! - Each workspace has a *version*, moved on by every announced change to what the
//!   kept values were read from (announcements come through `server::live`, from
//!   whichever process wrote). Values are filed under the version they were asked for
//!   at, so a change simply moves every reader to a new key: nothing read before it is
//!   found again, however a read and a change interleave.
//! - Nothing is kept while the listener is disconnected (announcements may be lost),
//!   and every version moves on when it reconnects.
//! - Readers asking for the same value at once wait for one read (moka's
//!   `try_get_with`): right after a change, 32 clients each reading for themselves took
//!   a dashboard's p99 from 28 to 200 ms (bench/RESULTS.md).
//! - What is not announced is bounded by the TTL the owner chooses.
//! - A value is read from the primary, never a replica: a replica may not yet have
//!   the change whose announcement moved the version on, and what it read would then be
//!   filed under the new version, stale, for everyone (the writer included).
//! - A person who just wrote is answered around the cache until this process has
//!   heard of their write (server::heard), on whichever instance they land.
//! - The scope of a version is a workspace (`Uuid`), or finer (a company of one:
//!   `(Uuid, i64)`) when a workspace's changes are too frequent to void all of it.
//! - A scope that changes many times a second and is read by many (a workspace's
//!   dashboard figures) may *settle*: the first change after a quiet spell moves its
//!   version on at once, and the changes that follow within the settling window are
//!   gathered into one move at its end. Others see such a value at most that window
//!   behind; the person who wrote never does: each value remembers the primary's WAL
//!   position when its read began, and answers only people whose last write came
//!   before it (`ReadContext::sees_own_writes_in`). Anyone else gets a read of their
//!   own, kept for everyone since it is the newest.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use moka::future::Cache;
use sqlx::PgPool;
use uuid::Uuid;

use crate::model::AppError;

/// Scopes whose versions are remembered one by one, at most: past it, every version
/// moves on at once (and the memory is freed), which is always correct.
const MAX_SCOPES: usize = 100_000;

/// Each scope's version (a workspace's, by default): the tick of the last change heard
/// in it, or of the last (re)connection of the listener if that came later.
pub struct Versions<S = Uuid> {
    /// Ticks on every change heard.
    clock: AtomicU64,
    /// Every scope is at least at this version (the listener reconnected: what it may
    /// have missed could concern anyone).
    floor: AtomicU64,
    changed: Mutex<HashMap<S, Epoch>>,
    listening: AtomicBool,
    /// Zero: every change moves its scope on at once. Else the settling window (see
    /// the module's notes).
    settle: Duration,
}

/// One scope's current version, since when it holds, and whether a change heard since
/// then waits for the settling window to end.
#[derive(Clone, Copy)]
struct Epoch {
    version: u64,
    since: Instant,
    pending: bool,
}

impl<S> Default for Versions<S> {
    fn default() -> Self {
        Self::settling(Duration::ZERO)
    }
}

impl<S> Versions<S> {
    /// Versions whose changes within `window` of a move are gathered into the next
    /// (zero: none are).
    pub fn settling(window: Duration) -> Self {
        Self {
            clock: AtomicU64::new(0),
            floor: AtomicU64::new(0),
            changed: Mutex::new(HashMap::new()),
            listening: AtomicBool::new(false),
            settle: window,
        }
    }

    fn settles(&self) -> bool {
        !self.settle.is_zero()
    }
}

impl<S: Hash + Eq> Versions<S> {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::AcqRel) + 1
    }

    fn epoch(&self, now: Instant) -> Epoch {
        Epoch {
            version: self.tick(),
            since: now,
            pending: false,
        }
    }

    /// Scope `scope`'s version, or None while announcements are not heard (nothing may
    /// be kept then).
    fn of(&self, scope: &S) -> Option<u64> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        let version = match changed.get_mut(scope) {
            Some(epoch) => {
                let now = Instant::now();
                if epoch.pending && now.duration_since(epoch.since) >= self.settle {
                    *epoch = self.epoch(now);
                }
                epoch.version
            }
            None => 0,
        };
        Some(version.max(self.floor.load(Ordering::Acquire)))
    }

    /// Something in `scope` changed.
    pub fn forget(&self, scope: S) {
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        if changed.len() >= MAX_SCOPES && !changed.contains_key(&scope) {
            changed.clear();
            self.floor.store(self.tick(), Ordering::Release);
        }
        // Ticked under the lock, so a reader taking the version after this sees it.
        let now = Instant::now();
        match changed.get_mut(&scope) {
            Some(epoch) if now.duration_since(epoch.since) < self.settle => epoch.pending = true,
            _ => {
                changed.insert(scope, self.epoch(now));
            }
        }
    }

    /// Anything anywhere may have changed.
    pub fn forget_all(&self) {
        self.floor.store(self.tick(), Ordering::Release);
    }

    /// Called by the listener: values are kept only while it hears announcements, and
    /// none read before a (re)connection are used again.
    pub fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::Release);
        self.forget_all();
    }
}

impl Versions<Uuid> {
    /// Something in workspace `tenant` changed.
    pub fn forget_tenant(&self, tenant: Uuid) {
        self.forget(tenant);
    }

    /// Applies one announcement whose payload is a workspace id (an unreadable one
    /// voids everything).
    pub fn apply(&self, payload: &str) {
        match Uuid::parse_str(payload.trim()) {
            Ok(tenant) => self.forget_tenant(tenant),
            Err(_) => self.forget_all(),
        }
    }
}

/// How often one cache answered from memory, since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: u64,
}

impl std::ops::Add for CacheStats {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            hits: self.hits + other.hits,
            misses: self.misses + other.misses,
            entries: self.entries + other.entries,
        }
    }
}

/// Where a value is filed: its scope, the scope's version, its own key.
type Filed<S, K> = (S, u64, K);
/// A value and the primary's WAL position when its read began (0: not asked).
type Filled<V> = (u64, Arc<V>);
type Entries<S, K, V> = Cache<Filed<S, K>, Filled<V>>;

/// Values of one kind, per scope (a workspace by default), version and key `K`.
pub struct Kept<K, V, S = Uuid> {
    entries: Option<Entries<S, K, V>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<K, V, S> Kept<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: Hash + Eq + Clone + Send + Sync + 'static,
{
    /// At most `capacity` values, each kept at most `ttl` (zero: nothing kept).
    pub fn new(ttl: Duration, capacity: u64) -> Self {
        Self::built(ttl, Cache::builder().max_capacity(capacity))
    }

    /// Values weighed by `weigh` (say, their approximate bytes), `budget` in all.
    pub fn weighed(ttl: Duration, budget: u64, weigh: fn(&V) -> u32) -> Self {
        Self::built(
            ttl,
            Cache::builder()
                .max_capacity(budget)
                .weigher(move |_key, value: &Filled<V>| weigh(&value.1)),
        )
    }

    fn built(
        ttl: Duration,
        builder: moka::future::CacheBuilder<Filed<S, K>, Filled<V>, Entries<S, K, V>>,
    ) -> Self {
        Self {
            entries: (!ttl.is_zero()).then(|| builder.time_to_live(ttl).build()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Scope `scope`'s value for `key`, kept or read by `load` (which those asking for
    /// it meanwhile wait for; an error is theirs too, and nothing is kept). A value to
    /// be kept is read from the primary (see the module's notes).
    pub async fn through<F>(
        &self,
        versions: &Versions<S>,
        scope: S,
        key: K,
        load: F,
    ) -> Result<Arc<V>, AppError>
    where
        F: Future<Output = Result<V, AppError>>,
    {
        self.kept_or_read(versions, scope, key, None, load).await
    }

    /// As [`Kept::through`], for versions that settle: `primary` tells each value's
    /// WAL position, so that a person is never answered from before their own write.
    pub async fn through_settled<F>(
        &self,
        versions: &Versions<S>,
        scope: S,
        key: K,
        primary: &PgPool,
        load: F,
    ) -> Result<Arc<V>, AppError>
    where
        F: Future<Output = Result<V, AppError>>,
    {
        self.kept_or_read(versions, scope, key, Some(primary), load)
            .await
    }

    async fn kept_or_read<F>(
        &self,
        versions: &Versions<S>,
        scope: S,
        key: K,
        primary: Option<&PgPool>,
        load: F,
    ) -> Result<Arc<V>, AppError>
    where
        F: Future<Output = Result<V, AppError>>,
    {
        let context = super::replicas::current();
        let settles = versions.settles();
        // A person who just wrote, to a process that has not heard of it yet, is
        // answered by a read of their own, not kept (server::heard; their read goes to
        // the primary or a replica that has their write, server::replicas). Settling
        // versions ask each value instead (below).
        let may_answer = match &context {
            None => true,
            Some(context) if settles => !context.wrote(),
            Some(context) => context.caches_may_answer(),
        };
        let (Some(entries), Some(version), true) = (&self.entries, versions.of(&scope), may_answer)
        else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return load.await.map(Arc::new);
        };
        let sees_own_writes = |filled_at: u64| {
            !settles
                || context
                    .as_ref()
                    .is_none_or(|context| context.sees_own_writes_in(filled_at))
        };
        let key = (scope, version, key);
        if let Some((filled_at, found)) = entries.get(&key).await
            && sees_own_writes(filled_at)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(found);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        // Dated only for requests (outside one, nobody's writes are asked about).
        let dated_by = primary.filter(|_| context.is_some());
        let fill = super::replicas::on_primary(async {
            let filled_at = match dated_by {
                // Before the read's snapshot: what it sees includes every commit that
                // returned before this position was taken.
                Some(primary) => super::replicas::position_after_writes(primary)
                    .await
                    .map_err(super::db::internal)?,
                None => 0,
            };
            let filled_at = u64::try_from(filled_at).unwrap_or(0);
            load.await.map(|value| (filled_at, Arc::new(value)))
        });
        if !sees_own_writes(0) {
            // What is kept (or being read) may be from before their write: a read of
            // their own, newer than it, kept for everyone.
            let filled = fill.await?;
            let found = Arc::clone(&filled.1);
            entries.insert(key, filled).await;
            return Ok(found);
        }
        let (_, found) = entries
            .try_get_with(key, fill)
            .await
            .map_err(|error| AppError::clone(&error))?;
        Ok(found)
    }

    /// Drops every value (they could not be found again anyway: this frees the memory).
    pub fn clear(&self) {
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.entries.as_ref().map_or(0, Cache::entry_count),
        }
    }
}
