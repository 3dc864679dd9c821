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

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use moka::future::Cache;
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
    changed: Mutex<HashMap<S, u64>>,
    listening: AtomicBool,
}

impl<S> Default for Versions<S> {
    fn default() -> Self {
        Self {
            clock: AtomicU64::new(0),
            floor: AtomicU64::new(0),
            changed: Mutex::new(HashMap::new()),
            listening: AtomicBool::new(false),
        }
    }
}

impl<S: Hash + Eq> Versions<S> {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Scope `scope`'s version, or None while announcements are not heard (nothing may
    /// be kept then).
    fn of(&self, scope: &S) -> Option<u64> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let changed = self
            .changed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(scope)
            .copied()
            .unwrap_or(0);
        Some(changed.max(self.floor.load(Ordering::Acquire)))
    }

    /// Something in `scope` changed.
    pub fn forget(&self, scope: S) {
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        if changed.len() >= MAX_SCOPES {
            changed.clear();
            self.floor.store(self.tick(), Ordering::Release);
        }
        // Ticked under the lock, so a reader taking the version after this sees it.
        changed.insert(scope, self.tick());
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
type Entries<S, K, V> = Cache<Filed<S, K>, Arc<V>>;

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
                .weigher(move |_key, value: &Arc<V>| weigh(value)),
        )
    }

    fn built(
        ttl: Duration,
        builder: moka::future::CacheBuilder<Filed<S, K>, Arc<V>, Entries<S, K, V>>,
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
        // A person who just wrote, to a process that has not heard of it yet, is
        // answered by a read of their own, not kept (server::heard; their read goes to
        // the primary or a replica that has their write, server::replicas).
        let may_answer = super::replicas::current().is_none_or(|c| c.caches_may_answer());
        let (Some(entries), Some(version), true) = (&self.entries, versions.of(&scope), may_answer)
        else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return load.await.map(Arc::new);
        };
        let key = (scope, version, key);
        if let Some(found) = entries.get(&key).await {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(found);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let load = super::replicas::on_primary(load);
        entries
            .try_get_with(key, async { load.await.map(Arc::new) })
            .await
            .map_err(|error| AppError::clone(&error))
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
