//! The people pickers' list and the shared part of company pages, kept until they
//! change (the pattern of `server::versioned`), and every cache's figures in one place
//! for `/metrics` and the System page.
//!
//! Why these: the assignee list is on every work-queue page and every case page, and
//! changes when someone joins, leaves or is renamed; a company page is read by every
//! analyst of the workspace and changes when someone edits it, notes it or enriches it.
//! Both are announced by triggers (migrations/20261213000001), so every process hears
//! of a change made anywhere; a lost announcement is bounded by the TTL
//! (`CACHE_SECONDS`). Tenant settings and plan, and what a role may do, travel with the
//! viewer (server::auth::viewer_cache); dashboards and the directory have their own.

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::model::{AppError, Assignee, CompanyNote, CompanyRecord, EnrichmentView};
use crate::server::versioned::{CacheStats, Kept, Versions};

/// The channel people changes are announced on (payload: the workspace id).
pub const PEOPLE_CHANNEL: &str = "people_changes";
/// The channel company changes are announced on (payload: `<workspace>:<company>`, or
/// `<workspace>:*` for many at once).
pub const COMPANY_CHANNEL: &str = "company_cache";

/// Workspaces whose people are kept at most.
const PEOPLE_CAPACITY: u64 = 10_000;
/// Companies kept at most (their pages' shared part: a few KB each).
const COMPANY_CAPACITY: u64 = 20_000;
/// People whose unread notification count is kept at most (the bell on every page).
const UNREAD_CAPACITY: u64 = 100_000;

/// What every viewer of a company page sees alike (their lists and their quota are
/// read for them).
#[derive(Debug, Clone)]
pub struct CompanyShared {
    pub company: CompanyRecord,
    pub notes: Vec<CompanyNote>,
    pub enrichment: Option<EnrichmentView>,
}

#[derive(Clone)]
pub struct Caches {
    inner: Arc<Inner>,
}

struct Inner {
    people_versions: Versions,
    people: Kept<(), Vec<Assignee>>,
    company_versions: Versions<(Uuid, i64)>,
    companies: Kept<(), CompanyShared, (Uuid, i64)>,
    unread_versions: Versions<(Uuid, Uuid)>,
    unread: Kept<(), i64, (Uuid, Uuid)>,
}

impl Caches {
    /// Values kept at most `ttl` (zero: never kept).
    pub fn new(ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                people_versions: Versions::default(),
                people: Kept::new(ttl, PEOPLE_CAPACITY),
                company_versions: Versions::default(),
                companies: Kept::new(ttl, COMPANY_CAPACITY),
                unread_versions: Versions::default(),
                unread: Kept::new(ttl, UNREAD_CAPACITY),
            }),
        }
    }

    /// Workspace `tenant`'s assignable people, kept or read by `load`.
    pub async fn people<F>(&self, tenant: Uuid, load: F) -> Result<Vec<Assignee>, AppError>
    where
        F: Future<Output = Result<Vec<Assignee>, AppError>>,
    {
        let inner = &self.inner;
        let found = inner
            .people
            .through(&inner.people_versions, tenant, (), load);
        found.await.map(Arc::unwrap_or_clone)
    }

    /// Company `id` of workspace `tenant`, kept or read by `load`.
    pub async fn company<F>(
        &self,
        tenant: Uuid,
        id: i64,
        load: F,
    ) -> Result<Arc<CompanyShared>, AppError>
    where
        F: Future<Output = Result<CompanyShared, AppError>>,
    {
        let inner = &self.inner;
        (inner.companies)
            .through(&inner.company_versions, (tenant, id), (), load)
            .await
    }

    /// Person `user`'s unread notifications in workspace `tenant`, kept or read by
    /// `load`.
    pub async fn unread<F>(&self, tenant: Uuid, user: Uuid, load: F) -> Result<i64, AppError>
    where
        F: Future<Output = Result<i64, AppError>>,
    {
        let inner = &self.inner;
        let found = inner
            .unread
            .through(&inner.unread_versions, (tenant, user), (), load);
        found.await.map(|count| *count)
    }

    /// Applies an announcement from `server::notifications::CHANNEL`
    /// (`<workspace>:<person>`; an unreadable one voids every count).
    pub fn apply_notifications(&self, payload: &str) {
        let parsed = payload.trim().split_once(':').and_then(|(tenant, user)| {
            Some((Uuid::parse_str(tenant).ok()?, Uuid::parse_str(user).ok()?))
        });
        match parsed {
            Some(scope) => self.inner.unread_versions.forget(scope),
            None => self.inner.unread_versions.forget_all(),
        }
    }

    /// Applies an announcement from [`PEOPLE_CHANNEL`]. Names appear on company pages
    /// too (notes, who asked for an enrichment): those are read again as well.
    pub fn apply_people(&self, payload: &str) {
        self.inner.people_versions.apply(payload);
        self.inner.company_versions.forget_all();
    }

    /// Applies an announcement from [`COMPANY_CHANNEL`] (an unreadable one, or one for
    /// many companies, voids every company).
    pub fn apply_company(&self, payload: &str) {
        apply_company(&self.inner.company_versions, payload);
    }

    /// Called by the listener: values are kept only while it hears announcements.
    pub fn set_listening(&self, listening: bool) {
        let inner = &self.inner;
        inner.people_versions.set_listening(listening);
        inner.company_versions.set_listening(listening);
        inner.unread_versions.set_listening(listening);
        inner.people.clear();
        inner.companies.clear();
        inner.unread.clear();
    }

    pub fn people_stats(&self) -> CacheStats {
        self.inner.people.stats()
    }

    pub fn company_stats(&self) -> CacheStats {
        self.inner.companies.stats()
    }

    pub fn unread_stats(&self) -> CacheStats {
        self.inner.unread.stats()
    }
}

fn apply_company(versions: &Versions<(Uuid, i64)>, payload: &str) {
    let parsed = payload
        .trim()
        .split_once(':')
        .and_then(|(tenant, id)| Some((Uuid::parse_str(tenant).ok()?, id.parse::<i64>().ok()?)));
    match parsed {
        Some(scope) => versions.forget(scope),
        None => versions.forget_all(),
    }
}

/// Every cache of this process, by the name `/metrics` and the System page give it.
pub fn all(state: &super::AppState) -> Vec<(&'static str, CacheStats)> {
    vec![
        ("viewers", state.viewers.stats()),
        ("people", state.caches.people_stats()),
        ("companies", state.caches.company_stats()),
        ("unread", state.caches.unread_stats()),
        ("dashboards", state.figures.stats()),
        ("directory", state.directory.stats()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str) -> Vec<Assignee> {
        vec![Assignee {
            id: Uuid::nil(),
            display_name: name.into(),
        }]
    }

    async fn read(caches: &Caches, tenant: Uuid) -> String {
        let name = format!("read {}", caches.people_stats().misses);
        let found = caches
            .people(tenant, async move { Ok(person(&name)) })
            .await;
        found.map(|p| p[0].display_name.clone()).unwrap_or_default()
    }

    #[tokio::test]
    async fn people_are_kept_per_workspace_until_it_changes() {
        let caches = Caches::new(Duration::from_secs(60));
        let (acme, globex) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(read(&caches, acme).await, "read 0", "not listening: read");
        caches.set_listening(true);
        assert_eq!(read(&caches, acme).await, "read 1");
        assert_eq!(read(&caches, acme).await, "read 1", "kept");
        assert_eq!(read(&caches, globex).await, "read 2");
        caches.apply_people(&acme.to_string());
        assert_eq!(read(&caches, acme).await, "read 3", "acme changed");
        assert_eq!(read(&caches, globex).await, "read 2", "globex did not");
        caches.set_listening(false);
        caches.set_listening(true);
        assert_eq!(
            read(&caches, globex).await,
            "read 4",
            "reconnected: all void"
        );
    }

    #[tokio::test]
    async fn a_person_who_wrote_is_answered_around_what_was_not_heard_yet() {
        use crate::server::heard::Heard;
        use crate::server::replicas::{ReadContext, scope};
        let caches = Caches::new(Duration::from_secs(60));
        caches.set_listening(true);
        let tenant = Uuid::new_v4();
        assert_eq!(read(&caches, tenant).await, "read 0");
        assert_eq!(read(&caches, tenant).await, "read 0", "kept");
        let heard = Arc::new(Heard::default());
        heard.apply("100");
        let wrote_at = |after| ReadContext::new(None, Arc::clone(&heard), after);
        // Their write (at 150) is past what this process heard (100): read for them.
        assert_eq!(scope(wrote_at(150), read(&caches, tenant)).await, "read 1");
        // ...and not kept for anyone.
        assert_eq!(read(&caches, tenant).await, "read 0");
        // A write already heard of: the cache answers.
        assert_eq!(scope(wrote_at(90), read(&caches, tenant)).await, "read 0");
        heard.apply("150");
        assert_eq!(scope(wrote_at(150), read(&caches, tenant)).await, "read 0");
        // A request that wrote reads around the cache for the rest of it.
        let writing = wrote_at(0);
        writing.mark_wrote();
        assert_eq!(scope(writing, read(&caches, tenant)).await, "read 2");
    }

    #[tokio::test]
    async fn companies_are_kept_one_by_one() {
        let versions: Versions<(Uuid, i64)> = Versions::default();
        let kept: Kept<(), String, (Uuid, i64)> = Kept::new(Duration::from_secs(60), 100);
        versions.set_listening(true);
        let tenant = Uuid::new_v4();
        let read = |id: i64| {
            let name = format!("{id}: read {}", kept.stats().misses);
            let found = kept.through(&versions, (tenant, id), (), async move { Ok(name) });
            async move { found.await.map(|v| v.to_string()).unwrap_or_default() }
        };
        assert_eq!(read(1).await, "1: read 0");
        assert_eq!(read(2).await, "2: read 1");
        assert_eq!(read(1).await, "1: read 0", "kept");
        apply_company(&versions, &format!("{tenant}:1"));
        assert_eq!(read(1).await, "1: read 2", "1 changed");
        assert_eq!(read(2).await, "2: read 1", "2 did not");
        apply_company(&versions, &format!("{tenant}:*"));
        assert_eq!(read(2).await, "2: read 3", "many changed: all void");
        apply_company(&versions, "garbage");
        assert_eq!(read(1).await, "1: read 4", "unreadable: all void");
        assert_eq!(read(1).await, "1: read 4");
    }
}
