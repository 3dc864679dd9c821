//! Each dashboard's figures, remembered for a few seconds per workspace (and person).
//!
//! Why: the counters make a dashboard a dozen index reads, yet at 32 clients those
//! reads were more than half of a dashboard's cost (3.4 ms of PostgreSQL a request for
//! the admin's: bench/RESULTS.md), for figures that change far less often than they
//! are looked at. So each process keeps what it read, and drops it as soon as
//! anything it counts changes:
//! - every change to a case, a company or a sync run is announced already (the live
//!   updates); the changes only a dashboard shows (the WIP limit, "mark as seen", lists,
//!   new companies) are announced on [`CHANNEL`] by their write, in its transaction.
//!   Each process's listener (`server::live`) hears them and forgets the workspace's
//!   figures, whichever instance wrote;
//! - nothing is remembered while that listener is disconnected (announcements may be
//!   lost), and everything is forgotten when it reconnects;
//! - (the pattern of `server::versioned`) figures are filed under the workspace's version (the tick of its last change),
//!   so a change simply moves every reader to a new key: nothing read before it is
//!   found again, however the load and the change interleave;
//! - the views arriving together after a change wait for one read instead of each
//!   making its own (moka's `try_get_with`): with cases arriving 20 times a second
//!   and 32 clients on the admin's dashboard, every view reading for itself took the
//!   p99 to 200 ms (bench/RESULTS.md);
//! - what is not announced (the job queue's health, the monthly spend between
//!   enrichments) is at most `DASHBOARD_CACHE_SECONDS` old, and the page says when its
//!   figures were read.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::{AdminDashboard, AnalystDashboard, AppError, EmployeeDashboard, Window};
use crate::server::versioned::{CacheStats, Kept, Versions};

/// The channel the dashboard-only changes are announced on (payload: the workspace id).
pub const CHANNEL: &str = "dashboard_changes";

/// Figures remembered at most, per kind of dashboard.
const CAPACITY: u64 = 20_000;

/// Queues the announcement that workspace `tenant`'s dashboards changed, in the
/// caller's transaction (heard when, and if, it commits).
pub async fn announce(conn: &mut PgConnection, tenant: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(tenant.to_string())
        .execute(conn)
        .await
        .map(drop)
}

/// How often the dashboards' figures came from memory, since the process started.
pub type FiguresStats = CacheStats;

#[derive(Clone)]
pub struct FiguresCache {
    inner: Arc<Inner>,
}

struct Inner {
    versions: Versions,
    team: Kept<Window, AdminDashboard>,
    /// Per person.
    mine: Kept<(Uuid, Window), EmployeeDashboard>,
    /// Per person (their own lists).
    companies: Kept<Uuid, AnalystDashboard>,
}

impl FiguresCache {
    /// Figures kept at most `ttl` (zero: never kept).
    pub fn new(ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                versions: Versions::default(),
                team: Kept::new(ttl, CAPACITY),
                mine: Kept::new(ttl, CAPACITY),
                companies: Kept::new(ttl, CAPACITY),
            }),
        }
    }

    /// The admin's figures for `window`, remembered or read by `load`.
    pub async fn team<F>(
        &self,
        tenant: Uuid,
        window: Window,
        load: F,
    ) -> Result<AdminDashboard, AppError>
    where
        F: Future<Output = Result<AdminDashboard, AppError>>,
    {
        let inner = &self.inner;
        let found = inner.team.through(&inner.versions, tenant, window, load);
        found.await.map(Arc::unwrap_or_clone)
    }

    /// Person `person`'s own figures for `window`.
    pub async fn mine<F>(
        &self,
        tenant: Uuid,
        person: Uuid,
        window: Window,
        load: F,
    ) -> Result<EmployeeDashboard, AppError>
    where
        F: Future<Output = Result<EmployeeDashboard, AppError>>,
    {
        let inner = &self.inner;
        let found = (inner.mine).through(&inner.versions, tenant, (person, window), load);
        found.await.map(Arc::unwrap_or_clone)
    }

    /// The companies' figures as person `person` sees them (their own lists).
    pub async fn companies<F>(
        &self,
        tenant: Uuid,
        person: Uuid,
        load: F,
    ) -> Result<AnalystDashboard, AppError>
    where
        F: Future<Output = Result<AnalystDashboard, AppError>>,
    {
        let inner = &self.inner;
        let found = (inner.companies).through(&inner.versions, tenant, person, load);
        found.await.map(Arc::unwrap_or_clone)
    }

    /// Something in workspace `tenant` changed: its figures read before are not used
    /// again.
    pub fn forget_tenant(&self, tenant: Uuid) {
        self.inner.versions.forget_tenant(tenant);
    }

    /// Applies one announcement from [`CHANNEL`] (an unreadable one voids everything).
    pub fn apply(&self, payload: &str) {
        match Uuid::parse_str(payload.trim()) {
            Ok(tenant) => self.forget_tenant(tenant),
            Err(_) => self.forget_all(),
        }
    }

    pub fn forget_all(&self) {
        self.inner.versions.forget_all();
        self.clear();
    }

    fn clear(&self) {
        self.inner.team.clear();
        self.inner.mine.clear();
        self.inner.companies.clear();
    }

    /// Called by the listener: figures are kept only while it hears announcements, and
    /// none read before a (re)connection are used again.
    pub fn set_listening(&self, listening: bool) {
        self.inner.versions.set_listening(listening);
        self.clear();
    }

    pub fn stats(&self) -> FiguresStats {
        let inner = &self.inner;
        inner.team.stats() + inner.mine.stats() + inner.companies.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn figures() -> AnalystDashboard {
        AnalystDashboard {
            read_at: time::OffsetDateTime::UNIX_EPOCH,
            reading: 0,
            companies: 0,
            bands: Vec::new(),
            unscored: 0,
            stages: Vec::new(),
            sectors: Vec::new(),
            other_sectors: 0,
            recently_enriched: Vec::new(),
            biggest_changes: Vec::new(),
            own_lists: Vec::new(),
        }
    }

    fn cache() -> FiguresCache {
        let cache = FiguresCache::new(Duration::from_secs(60));
        cache.set_listening(true);
        cache
    }

    /// Reads `tenant`'s figures through the cache; `true` when they were read anew.
    async fn read(cache: &FiguresCache, tenant: Uuid) -> bool {
        let before = cache.stats().misses;
        let load = async { Ok(figures()) };
        assert!(cache.companies(tenant, tenant, load).await.is_ok());
        cache.stats().misses > before
    }

    #[tokio::test]
    async fn kept_until_its_workspace_changes_and_only_its_own() {
        let cache = cache();
        let (acme, globex) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(read(&cache, acme).await);
        assert!(read(&cache, globex).await);
        assert!(!read(&cache, acme).await, "kept");
        cache.apply(&acme.to_string());
        assert!(read(&cache, acme).await, "acme changed");
        assert!(!read(&cache, globex).await, "globex did not");
        cache.apply("not a workspace");
        assert!(read(&cache, globex).await, "unreadable: everything goes");
    }

    #[tokio::test]
    async fn a_load_overtaken_by_a_change_is_not_kept() {
        let cache = cache();
        let tenant = Uuid::new_v4();
        let load = async {
            // The change lands while the figures are being read.
            cache.forget_tenant(tenant);
            Ok(figures())
        };
        assert!(cache.companies(tenant, tenant, load).await.is_ok());
        assert!(
            read(&cache, tenant).await,
            "what raced a change was not kept"
        );
        assert!(!read(&cache, tenant).await);
    }

    #[tokio::test]
    async fn views_asking_at_once_wait_for_one_read() {
        let cache = cache();
        let tenant = Uuid::new_v4();
        let reads = AtomicU64::new(0);
        let view = || async {
            let load = async {
                reads.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(figures())
            };
            cache.companies(tenant, tenant, load).await.is_ok()
        };
        let answers = futures::future::join_all((0..16).map(|_| view())).await;
        assert!(answers.into_iter().all(|ok| ok));
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        // After a change, again one read for everyone.
        cache.forget_tenant(tenant);
        futures::future::join_all((0..16).map(|_| view())).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn nothing_is_trusted_unless_announcements_are_heard() {
        let cache = FiguresCache::new(Duration::from_secs(60));
        let tenant = Uuid::new_v4();
        assert!(read(&cache, tenant).await);
        assert!(read(&cache, tenant).await, "not listening: nothing kept");
        cache.set_listening(true);
        assert!(read(&cache, tenant).await);
        assert!(!read(&cache, tenant).await);
        cache.set_listening(false);
        assert!(read(&cache, tenant).await);
        cache.set_listening(true);
        assert!(read(&cache, tenant).await, "a reconnect starts empty");
    }

    #[tokio::test]
    async fn errors_are_not_kept_and_a_zero_ttl_keeps_nothing() {
        let cache = cache();
        let tenant = Uuid::new_v4();
        let failed = cache
            .companies(tenant, tenant, async { Err(AppError::Unavailable) })
            .await;
        assert!(failed.is_err());
        assert!(read(&cache, tenant).await);
        let off = FiguresCache::new(Duration::ZERO);
        off.set_listening(true);
        assert!(read(&off, tenant).await);
        assert!(read(&off, tenant).await);
        assert_eq!(off.stats().entries, 0);
    }
}
