//! Signed-in viewers remembered by session id for a short while, so a page does not
//! read the session row and the user row again on every request (two queries and two
//! pool round trips of a page's seven; bench/RESULTS.md).
//!
//! A remembered viewer must never outlive what it was built from, so:
//! - Every change to who a session is (a user's role, activity, session epoch, name,
//!   email or tenant; a tenant's name) is announced by database triggers on
//!   [`CHANNEL`], and each process's listener (`server::live`) drops the entries it
//!   concerns. A session that ends (sign-out, revocation, a new sign-in) is announced by
//!   the app on the same channel.
//! - The cache is used only while that listener is connected: when it is not (not yet
//!   started, or reconnecting, so announcements may be lost), every request reads the
//!   database, and the cache is emptied whenever the listener (re)connects.
//! - A load that began before an invalidation does not store what it read (a
//!   generation counter), so a change racing a request cannot be papered over.
//! - Entries expire after `AUTH_CACHE_TTL_S` whatever happens (0 turns caching off).

use crate::server::versioned::CacheStats;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;
use tower_sessions::session::Id;
use uuid::Uuid;

use super::session::SignedIn;
use crate::model::Viewer;

/// The channel changes to sessions, users and tenants are announced on.
pub const CHANNEL: &str = "auth_changes";

/// Most sessions remembered at once (a few hundred bytes each).
const CAPACITY: u64 = 100_000;

/// What one request's sign-in check produced.
#[derive(Debug)]
pub struct Remembered {
    pub viewer: Viewer,
    pub signed_in: SignedIn,
}

#[derive(Clone)]
pub struct ViewerCache {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` when caching is turned off.
    entries: Option<Cache<Id, Arc<Remembered>>>,
    /// Whether announcements are being heard right now.
    listening: AtomicBool,
    /// Bumped by every invalidation.
    generation: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ViewerCache {
    pub fn new(ttl: Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build()
        });
        Self {
            inner: Arc::new(Inner {
                entries,
                listening: AtomicBool::new(false),
                generation: AtomicU64::new(0),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            }),
        }
    }

    /// The viewer remembered for session `id`, if caching is on and trustworthy now.
    pub fn get(&self, id: &Id) -> Option<Arc<Remembered>> {
        let entries = self.usable()?;
        let found = entries.get(id);
        let counter = if found.is_some() {
            &self.inner.hits
        } else {
            &self.inner.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Read before loading from the database; pass to [`Self::remember`] after.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// Remembers what a load starting at `generation` read, unless something was
    /// invalidated meanwhile (then what it read may already be stale).
    pub fn remember(&self, id: Id, generation: u64, remembered: Remembered) {
        let Some(entries) = self.usable() else {
            return;
        };
        if self.generation() == generation {
            entries.insert(id, Arc::new(remembered));
            // An invalidation may have slipped in between the check and the insert.
            if self.generation() != generation {
                entries.invalidate(&id);
            }
        }
    }

    /// Applies one announcement from [`CHANNEL`]; unreadable ones empty the cache (the
    /// safe reading of "something changed").
    pub fn apply(&self, payload: &str) {
        let parsed = payload
            .split_once(':')
            .and_then(|(kind, value)| match kind {
                "user" => Uuid::parse_str(value).ok().map(Change::User),
                "tenant" => Uuid::parse_str(value).ok().map(Change::Tenant),
                "session" => Id::from_str(value).ok().map(Change::Session),
                _ => None,
            });
        match parsed {
            Some(Change::User(user)) => self.forget_where(|r| r.viewer.user_id == user),
            Some(Change::Tenant(tenant)) => self.forget_where(|r| r.viewer.tenant_id == tenant),
            Some(Change::Session(id)) => self.forget_session(&id),
            None => {
                tracing::warn!(payload, "unreadable auth change; forgetting every viewer");
                self.forget_all();
            }
        }
    }

    pub fn forget_session(&self, id: &Id) {
        self.bump();
        if let Some(entries) = &self.inner.entries {
            entries.invalidate(id);
        }
    }

    pub fn forget_all(&self) {
        self.bump();
        if let Some(entries) = &self.inner.entries {
            entries.invalidate_all();
        }
    }

    /// Called by the listener: `true` once it is hearing announcements, `false` when
    /// it may have missed some. Either way nothing remembered before is trusted.
    /// Whether the live-updates listener is connected and listening (so a change made
    /// now will be announced).
    pub fn is_listening(&self) -> bool {
        self.inner.listening.load(Ordering::Acquire)
    }

    pub fn set_listening(&self, listening: bool) {
        self.inner.listening.store(listening, Ordering::Release);
        self.forget_all();
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.inner.hits.load(Ordering::Relaxed),
            misses: self.inner.misses.load(Ordering::Relaxed),
            entries: self.inner.entries.as_ref().map_or(0, Cache::entry_count),
        }
    }

    fn usable(&self) -> Option<&Cache<Id, Arc<Remembered>>> {
        self.inner
            .entries
            .as_ref()
            .filter(|_| self.inner.listening.load(Ordering::Acquire))
    }

    fn bump(&self) {
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn forget_where(&self, matches: impl Fn(&Remembered) -> bool) {
        self.bump();
        let Some(entries) = &self.inner.entries else {
            return;
        };
        // A walk over every entry: changes to users are rare next to page loads.
        for (id, remembered) in entries.iter() {
            if matches(&remembered) {
                entries.invalidate(id.as_ref());
            }
        }
    }
}

enum Change {
    User(Uuid),
    Tenant(Uuid),
    Session(Id),
}

/// Announces to every process that session `id` has ended (the caller has deleted or
/// replaced it), and forgets it here at once.
pub async fn announce_session_ended(pool: &sqlx::PgPool, viewers: &ViewerCache, id: Id) {
    viewers.forget_session(&id);
    let sent = sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(format!("session:{id}"))
        .execute(pool)
        .await;
    if let Err(error) = sent {
        // Other processes keep it at most AUTH_CACHE_TTL_S; say so.
        tracing::warn!(%error, "could not announce an ended session");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn remembered(user: Uuid, tenant: Uuid) -> Remembered {
        Remembered {
            viewer: Viewer {
                user_id: user,
                tenant_id: tenant,
                role: Role::Employee,
                email: "e@x.test".into(),
                display_name: "E".into(),
                tenant_name: "X".into(),
                employees_may_enrich: false,
                plan: crate::model::Plan::Free,
                api_scopes: Vec::new(),
            },
            signed_in: SignedIn {
                user_id: user,
                epoch: 0,
                at: 0,
                seen: 0,
            },
        }
    }

    #[test]
    fn nothing_is_trusted_unless_announcements_are_heard() {
        let cache = ViewerCache::new(Duration::from_secs(60));
        let (id, user, tenant) = (Id::default(), Uuid::new_v4(), Uuid::new_v4());
        cache.remember(id, cache.generation(), remembered(user, tenant));
        assert!(cache.get(&id).is_none(), "not listening: nothing stored");
        cache.set_listening(true);
        cache.remember(id, cache.generation(), remembered(user, tenant));
        assert!(cache.get(&id).is_some());
        cache.set_listening(false);
        assert!(cache.get(&id).is_none());
        cache.set_listening(true);
        assert!(cache.get(&id).is_none(), "a reconnect starts empty");
    }

    #[test]
    fn announcements_drop_what_they_concern_and_only_that() {
        let cache = ViewerCache::new(Duration::from_secs(60));
        cache.set_listening(true);
        let (tenant, other_tenant) = (Uuid::new_v4(), Uuid::new_v4());
        let (ada, bo, cy) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let ids: Vec<Id> = (1..=4).map(Id).collect();
        let fill = |cache: &ViewerCache| {
            cache.remember(ids[0], cache.generation(), remembered(ada, tenant));
            cache.remember(ids[1], cache.generation(), remembered(ada, tenant));
            cache.remember(ids[2], cache.generation(), remembered(bo, tenant));
            cache.remember(ids[3], cache.generation(), remembered(cy, other_tenant));
        };
        let present = |cache: &ViewerCache| -> Vec<bool> {
            ids.iter().map(|id| cache.get(id).is_some()).collect()
        };
        fill(&cache);
        cache.apply(&format!("user:{ada}"));
        assert_eq!(present(&cache), [false, false, true, true]);
        fill(&cache);
        cache.apply(&format!("tenant:{tenant}"));
        assert_eq!(present(&cache), [false, false, false, true]);
        fill(&cache);
        cache.apply(&format!("session:{}", ids[2]));
        assert_eq!(present(&cache), [true, true, false, true]);
        cache.apply("garbage");
        assert_eq!(present(&cache), [false, false, false, false]);
    }

    #[test]
    fn a_load_overtaken_by_an_invalidation_is_not_stored() {
        let cache = ViewerCache::new(Duration::from_secs(60));
        cache.set_listening(true);
        let (id, user) = (Id::default(), Uuid::new_v4());
        let before = cache.generation();
        cache.apply(&format!("user:{}", Uuid::new_v4()));
        cache.remember(id, before, remembered(user, Uuid::new_v4()));
        assert!(cache.get(&id).is_none());
    }

    #[test]
    fn a_zero_ttl_turns_caching_off() {
        let cache = ViewerCache::new(Duration::ZERO);
        cache.set_listening(true);
        let id = Id::default();
        cache.remember(
            id,
            cache.generation(),
            remembered(Uuid::new_v4(), Uuid::new_v4()),
        );
        assert!(cache.get(&id).is_none());
        assert_eq!(cache.stats(), CacheStats::default());
    }
}
