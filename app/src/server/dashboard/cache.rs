//! Each dashboard's figures, remembered per workspace (and person).
//!
//! Why: the counters make a dashboard a dozen index reads, yet at 32 clients those
//! reads were more than half of a dashboard's cost (3.4 ms of PostgreSQL a request for
//! the admin's: bench/RESULTS.md), for figures that change far less often than they
//! are looked at. So each process keeps what it read, and drops it when anything it
//! counts changes:
//! - every change to a case, a company or a sync run is announced already (the live
//!   updates); the changes only a dashboard shows (the WIP limit, "mark as seen", new
//!   companies) are announced on [`CHANNEL`] by their write, in its transaction. Each
//!   process's listener (`server::live`) hears them, whichever instance wrote;
//! - each kind of figures is dropped by what it counts only: a person's own figures
//!   by changes to *their* cases (the announcement names the assignee before and
//!   after), the admin's by any case or sync, the companies' by company edits and
//!   enrichments (not notes). The analyst's own lists are read on each view, so the
//!   companies' figures are one value per workspace, not one per analyst;
//! - the workspace-wide figures *settle* (server::versioned): a workspace whose cases
//!   change forty times a second would otherwise have its admin dashboard read anew
//!   on nearly every view (hit rate 1–7 % under the mixed benchmark). Others see them
//!   at most `DASHBOARD_SETTLE_SECONDS` behind; the person who changed something sees
//!   it on their next page, on any instance;
//! - nothing is remembered while the listener is disconnected (announcements may be
//!   lost), and everything is forgotten when it reconnects;
//! - (the pattern of `server::versioned`) figures are filed under their scope's
//!   version, so a change simply moves every reader to a new key: nothing read before
//!   it is found again, however the load and the change interleave;
//! - the views arriving together after a change wait for one read instead of each
//!   making its own (moka's `try_get_with`): with cases arriving 20 times a second
//!   and 32 clients on the admin's dashboard, every view reading for itself took the
//!   p99 to 200 ms (bench/RESULTS.md);
//! - what is not announced (the job queue's health, the monthly spend between
//!   enrichments: the admin's dashboard) is at most `DASHBOARD_CACHE_SECONDS` old, and
//!   the page says when its figures were read; the others hold nothing unannounced
//!   but the passing of time (the ages of open cases) and are kept `CACHE_SECONDS`.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{AdminDashboard, AnalystDashboard, AppError, EmployeeDashboard, Window};
use crate::server::versioned::{CacheStats, Kept, Versions};

/// The channel the dashboard-only changes are announced on (payload: the workspace
/// id, or `<workspace>:<person>` for what concerns one person's figures only).
pub const CHANNEL: &str = "dashboard_changes";

/// Figures remembered at most, per kind of dashboard.
const CAPACITY: u64 = 20_000;

/// Queues the announcement that workspace `tenant`'s dashboards changed, in the
/// caller's transaction (heard when, and if, it commits).
pub async fn announce(conn: &mut PgConnection, tenant: Uuid) -> Result<(), sqlx::Error> {
    announce_payload(conn, tenant.to_string()).await
}

/// Queues the announcement that person `person`'s own figures changed.
pub async fn announce_person(
    conn: &mut PgConnection,
    tenant: Uuid,
    person: Uuid,
) -> Result<(), sqlx::Error> {
    announce_payload(conn, format!("{tenant}:{person}")).await
}

async fn announce_payload(conn: &mut PgConnection, payload: String) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(conn)
        .await
        .map(drop)
}

/// How long the figures are kept (see the module's notes).
#[derive(Debug, Clone, Copy)]
pub struct Keeping {
    /// The admin's figures (they hold what nobody announces); zero turns every
    /// dashboard's cache off.
    pub unannounced: Duration,
    /// A person's own figures and the companies'.
    pub announced: Duration,
    /// How far behind others' changes the workspace-wide figures may be.
    pub settle: Duration,
}

impl Keeping {
    /// Every kind kept `ttl`, changes shown at once.
    pub fn at_most(ttl: Duration) -> Self {
        Self {
            unannounced: ttl,
            announced: ttl,
            settle: Duration::ZERO,
        }
    }
}

/// How often the dashboards' figures came from memory, since the process started.
pub type FiguresStats = CacheStats;

#[derive(Clone)]
pub struct FiguresCache {
    inner: Arc<Inner>,
}

struct Inner {
    team_versions: Versions,
    team: Kept<Window, AdminDashboard>,
    /// Per (workspace, person).
    mine_versions: Versions<(Uuid, Uuid)>,
    mine: Kept<Window, EmployeeDashboard, (Uuid, Uuid)>,
    /// The part every analyst of a workspace sees alike.
    company_versions: Versions,
    companies: Kept<(), AnalystDashboard>,
}

impl FiguresCache {
    pub fn new(keeping: Keeping) -> Self {
        let off = keeping.unannounced.is_zero();
        let announced = if off {
            Duration::ZERO
        } else {
            keeping.announced
        };
        let settle = keeping.settle.min(keeping.unannounced);
        Self {
            inner: Arc::new(Inner {
                team_versions: Versions::settling(settle),
                team: Kept::new(keeping.unannounced, CAPACITY),
                mine_versions: Versions::default(),
                mine: Kept::new(announced, CAPACITY),
                company_versions: Versions::settling(settle),
                companies: Kept::new(announced, CAPACITY),
            }),
        }
    }

    /// The admin's figures for `window`, remembered or read by `load` (`primary`: the
    /// primary's pool, which dates each read for the people who just wrote).
    pub async fn team<F>(
        &self,
        tenant: Uuid,
        window: Window,
        primary: &PgPool,
        load: F,
    ) -> Result<AdminDashboard, AppError>
    where
        F: Future<Output = Result<AdminDashboard, AppError>>,
    {
        let inner = &self.inner;
        let found =
            (inner.team).through_settled(&inner.team_versions, tenant, window, primary, load);
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
        let found = (inner.mine).through(&inner.mine_versions, (tenant, person), window, load);
        found.await.map(Arc::unwrap_or_clone)
    }

    /// The companies' figures every analyst of workspace `tenant` sees alike (their
    /// own lists are not among them).
    pub async fn companies<F>(
        &self,
        tenant: Uuid,
        primary: &PgPool,
        load: F,
    ) -> Result<AnalystDashboard, AppError>
    where
        F: Future<Output = Result<AnalystDashboard, AppError>>,
    {
        let inner = &self.inner;
        let found =
            (inner.companies).through_settled(&inner.company_versions, tenant, (), primary, load);
        found.await.map(Arc::unwrap_or_clone)
    }

    /// Cases of workspace `tenant` changed, held before or after by `people` (None:
    /// nobody).
    pub fn cases_changed(&self, tenant: Uuid, people: impl IntoIterator<Item = Option<Uuid>>) {
        self.inner.team_versions.forget(tenant);
        let mut forgotten = std::collections::HashSet::new();
        for person in people.into_iter().flatten() {
            if forgotten.insert(person) {
                self.inner.mine_versions.forget((tenant, person));
            }
        }
    }

    /// A company of workspace `tenant` changed in what the dashboards count (its
    /// details or its enrichment).
    pub fn companies_changed(&self, tenant: Uuid) {
        self.inner.company_versions.forget(tenant);
    }

    /// A directory sync of workspace `tenant` moved (the admin's figures show it).
    pub fn sync_changed(&self, tenant: Uuid) {
        self.inner.team_versions.forget(tenant);
    }

    /// Something in workspace `tenant` changed: none of its figures read before are
    /// used again.
    pub fn forget_tenant(&self, tenant: Uuid) {
        let inner = &self.inner;
        inner.team_versions.forget(tenant);
        inner.company_versions.forget(tenant);
        // People's own figures are kept per person: all of them move on.
        inner.mine_versions.forget_all();
    }

    /// Applies one announcement from [`CHANNEL`] (an unreadable one voids everything).
    pub fn apply(&self, payload: &str) {
        let payload = payload.trim();
        let parsed = match payload.split_once(':') {
            Some((tenant, person)) => Uuid::parse_str(tenant)
                .ok()
                .zip(Uuid::parse_str(person).ok())
                .map(|(tenant, person)| (tenant, Some(person))),
            None => Uuid::parse_str(payload).ok().map(|tenant| (tenant, None)),
        };
        match parsed {
            Some((tenant, Some(person))) => self.inner.mine_versions.forget((tenant, person)),
            Some((tenant, None)) => self.forget_tenant(tenant),
            None => self.forget_all(),
        }
    }

    pub fn forget_all(&self) {
        let inner = &self.inner;
        inner.team_versions.forget_all();
        inner.mine_versions.forget_all();
        inner.company_versions.forget_all();
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
        let inner = &self.inner;
        inner.team_versions.set_listening(listening);
        inner.mine_versions.set_listening(listening);
        inner.company_versions.set_listening(listening);
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
        let cache = FiguresCache::new(Keeping::at_most(Duration::from_secs(60)));
        cache.set_listening(true);
        cache
    }

    /// A pool nothing here connects with: outside a request nobody needs a read dated.
    fn primary() -> PgPool {
        sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:9/none")
            .unwrap()
    }

    /// Reads `tenant`'s figures through the cache; `true` when they were read anew.
    async fn read(cache: &FiguresCache, tenant: Uuid) -> bool {
        let before = cache.stats().misses;
        let load = async { Ok(figures()) };
        assert!(cache.companies(tenant, &primary(), load).await.is_ok());
        cache.stats().misses > before
    }

    /// Reads `person`'s own figures; `true` when they were read anew.
    async fn read_mine(cache: &FiguresCache, tenant: Uuid, person: Uuid) -> bool {
        let before = cache.stats().misses;
        let load = async { Ok(own_figures()) };
        assert!(
            cache
                .mine(tenant, person, Window::default(), load)
                .await
                .is_ok()
        );
        cache.stats().misses > before
    }

    fn own_figures() -> EmployeeDashboard {
        EmployeeDashboard {
            window: Window::default(),
            read_at: time::OffsetDateTime::UNIX_EPOCH,
            reading: 0,
            today: time::OffsetDateTime::UNIX_EPOCH.date(),
            open_by_status: Vec::new(),
            by_age: Vec::new(),
            oldest: Vec::new(),
            changed_by_others: Vec::new(),
            seen_at: None,
            closed_per_day: Vec::new(),
        }
    }

    #[tokio::test]
    async fn each_kind_is_dropped_by_what_it_counts_only() {
        let cache = cache();
        let tenant = Uuid::new_v4();
        let (ada, bo, cy) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        for person in [ada, bo, cy] {
            assert!(read_mine(&cache, tenant, person).await);
        }
        assert!(read(&cache, tenant).await);
        // A case moved from Ada to Bo: their figures go; Cy's and the companies' stay.
        cache.cases_changed(tenant, [Some(ada), Some(bo)]);
        assert!(read_mine(&cache, tenant, ada).await, "ada's case left her");
        assert!(read_mine(&cache, tenant, bo).await, "bo's case arrived");
        assert!(
            !read_mine(&cache, tenant, cy).await,
            "cy's cases did not change"
        );
        assert!(!read(&cache, tenant).await, "cases are not companies");
        // An unassigned case: nobody's own figures.
        cache.cases_changed(tenant, [None, None]);
        assert!(!read_mine(&cache, tenant, ada).await);
        // A company: the companies' figures only.
        cache.companies_changed(tenant);
        assert!(read(&cache, tenant).await);
        assert!(!read_mine(&cache, tenant, cy).await);
        // "Mark as seen" for Cy, announced for her alone.
        cache.apply(&format!("{tenant}:{cy}"));
        assert!(read_mine(&cache, tenant, cy).await);
        assert!(!read_mine(&cache, tenant, bo).await);
        assert!(!read(&cache, tenant).await);
        // A workspace-wide announcement: everything.
        cache.apply(&tenant.to_string());
        assert!(read_mine(&cache, tenant, bo).await && read(&cache, tenant).await);
        cache.apply(&format!("{tenant}:garbage"));
        assert!(read(&cache, tenant).await, "unreadable: everything goes");
    }

    #[tokio::test]
    async fn workspace_figures_settle_while_changes_keep_coming() {
        let cache = FiguresCache::new(Keeping {
            unannounced: Duration::from_secs(60),
            announced: Duration::from_secs(60),
            settle: Duration::from_millis(300),
        });
        cache.set_listening(true);
        let tenant = Uuid::new_v4();
        assert!(read(&cache, tenant).await);
        assert!(!read(&cache, tenant).await);
        // After a quiet spell, the first change shows at once...
        tokio::time::sleep(Duration::from_millis(350)).await;
        cache.companies_changed(tenant);
        assert!(read(&cache, tenant).await, "first change: at once");
        // ...those right after it are gathered to the window's end.
        cache.companies_changed(tenant);
        cache.companies_changed(tenant);
        assert!(!read(&cache, tenant).await, "within the window: kept");
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(read(&cache, tenant).await, "window over: read anew");
        assert!(!read(&cache, tenant).await);
        // A person's own figures never settle.
        let ada = Uuid::new_v4();
        assert!(read_mine(&cache, tenant, ada).await);
        cache.cases_changed(tenant, [Some(ada)]);
        cache.cases_changed(tenant, [Some(ada)]);
        assert!(read_mine(&cache, tenant, ada).await);
        cache.cases_changed(tenant, [Some(ada)]);
        assert!(read_mine(&cache, tenant, ada).await);
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
        assert!(cache.companies(tenant, &primary(), load).await.is_ok());
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
            cache.companies(tenant, &primary(), load).await.is_ok()
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
        let cache = FiguresCache::new(Keeping::at_most(Duration::from_secs(60)));
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
            .companies(tenant, &primary(), async { Err(AppError::Unavailable) })
            .await;
        assert!(failed.is_err());
        assert!(read(&cache, tenant).await);
        let off = FiguresCache::new(Keeping::at_most(Duration::ZERO));
        off.set_listening(true);
        assert!(read(&off, tenant).await);
        assert!(read(&off, tenant).await);
        assert_eq!(off.stats().entries, 0);
    }
}
