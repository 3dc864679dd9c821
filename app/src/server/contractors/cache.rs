//! The directory's pages, kept per workspace and filter until a contractor of that
//! workspace changes (the pattern of `server::versioned`).
//!
//! Why: contractors change only when a sync writes them, and are looked at by everyone;
//! reading a page was a third of its cost under load (PostgreSQL 0.39 ms of 1.1 ms a
//! page, with sqlx and its tracing spans on top: bench/RESULTS.md).
//!
//! Every write to `contractors` or `zoho_connections` — the sync's, an archive, a
//! photo saved, by any process, even by hand in SQL — is announced on [`CHANNEL`] by a
//! statement trigger (migrations/20261210000001), so nothing here needs the writers'
//! cooperation; the TTL (`DIRECTORY_CACHE_SECONDS`) only bounds memory.

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::model::{AppError, ContractorFilter, DirectoryPage};
use crate::server::versioned::{CacheStats, Kept, Versions};

/// The channel the triggers announce on (payload: the workspace id).
pub const CHANNEL: &str = "contractor_changes";

/// Bytes of pages kept at most, all workspaces together.
const BUDGET: u64 = 64 << 20;

/// A page's approximate size in memory: what the memory bound counts.
fn weigh(page: &DirectoryPage) -> u32 {
    let strings = |values: [&Option<String>; 4]| -> usize {
        values.into_iter().flatten().map(String::len).sum::<usize>()
    };
    let cards: usize = page
        .cards
        .iter()
        .map(|card| {
            192 + card.name.len()
                + strings([&card.trade, &card.city, &card.region, &card.status])
                + card.photo.as_ref().map_or(0, |photo| 96 + photo.hash.len())
        })
        .sum();
    let menus: usize = [&page.trades, &page.cities, &page.statuses]
        .into_iter()
        .flatten()
        .map(|facet| 40 + facet.value.len())
        .sum();
    u32::try_from(256 + cards + menus).unwrap_or(u32::MAX)
}

#[derive(Clone)]
pub struct DirectoryCache {
    inner: Arc<Inner>,
}

struct Inner {
    versions: Versions,
    pages: Kept<ContractorFilter, DirectoryPage>,
}

impl DirectoryCache {
    /// Pages kept at most `ttl` (zero: never kept).
    pub fn new(ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                versions: Versions::default(),
                pages: Kept::weighed(ttl, BUDGET, weigh),
            }),
        }
    }

    /// Workspace `tenant`'s page for `filter`, kept or read by `load`.
    pub async fn page<F>(
        &self,
        tenant: Uuid,
        filter: &ContractorFilter,
        load: F,
    ) -> Result<DirectoryPage, AppError>
    where
        F: Future<Output = Result<DirectoryPage, AppError>>,
    {
        let inner = &self.inner;
        let found = (inner.pages).through(&inner.versions, tenant, filter.clone(), load);
        found.await.map(Arc::unwrap_or_clone)
    }

    /// Applies one announcement from [`CHANNEL`] (an unreadable one voids everything).
    pub fn apply(&self, payload: &str) {
        self.inner.versions.apply(payload);
    }

    /// Called by the listener: pages are kept only while it hears announcements.
    pub fn set_listening(&self, listening: bool) {
        self.inner.versions.set_listening(listening);
        self.inner.pages.clear();
    }

    pub fn stats(&self) -> CacheStats {
        self.inner.pages.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContractorCard, FacetValue, MatchCount};

    fn page(name: &str) -> DirectoryPage {
        DirectoryPage {
            cards: vec![ContractorCard {
                id: 1,
                name: name.into(),
                trade: Some("Electrician".into()),
                city: None,
                region: None,
                status: None,
                archived: false,
                photo: None,
            }]
            .into(),
            count: MatchCount::Exact(1),
            next: None,
            trades: vec![FacetValue {
                value: "Electrician".into(),
                count: 1,
            }],
            cities: Vec::new(),
            statuses: Vec::new(),
            connected: false,
        }
    }

    async fn read(cache: &DirectoryCache, tenant: Uuid, filter: &ContractorFilter) -> String {
        // Named after the reads made before it: a kept page keeps its old name.
        let name = format!("read {}", cache.stats().misses);
        let load = async move { Ok(page(&name)) };
        let found = cache.page(tenant, filter, load).await;
        found
            .map(|page| page.cards[0].name.clone())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn pages_are_kept_per_workspace_and_filter_until_it_changes() {
        let cache = DirectoryCache::new(Duration::from_secs(60));
        let (acme, globex) = (Uuid::new_v4(), Uuid::new_v4());
        let all = ContractorFilter::default();
        let electricians = ContractorFilter {
            trade: "Electrician".into(),
            ..ContractorFilter::default()
        };
        // Not listening yet: every view reads.
        assert_eq!(read(&cache, acme, &all).await, "read 0");
        assert_eq!(read(&cache, acme, &all).await, "read 1");
        cache.set_listening(true);
        assert_eq!(read(&cache, acme, &all).await, "read 2");
        assert_eq!(read(&cache, acme, &all).await, "read 2", "kept");
        assert_eq!(read(&cache, acme, &electricians).await, "read 3");
        assert_eq!(read(&cache, globex, &all).await, "read 4");
        cache.apply(&acme.to_string());
        assert_eq!(read(&cache, acme, &all).await, "read 5", "acme changed");
        assert_eq!(read(&cache, acme, &electricians).await, "read 6");
        assert_eq!(read(&cache, globex, &all).await, "read 4", "globex did not");
        cache.apply("garbled");
        assert_eq!(read(&cache, globex, &all).await, "read 7", "all void");
        assert_eq!(cache.stats().hits, 2);
    }

    #[test]
    fn a_page_weighs_roughly_its_bytes() {
        let small = weigh(&page("Ada"));
        let mut big = page("Ada");
        big.cities = (0..200)
            .map(|n| FacetValue {
                value: format!("City number {n}"),
                count: 1,
            })
            .collect();
        let bigger = weigh(&big);
        assert!(small > 300 && small < 1_000, "{small}");
        assert!(bigger > small + 200 * 50, "{bigger}");
    }
}
