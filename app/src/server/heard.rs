//! Read-your-writes for the caches, on any instance.
//!
//! A cache forgets what changed when the change's announcement reaches its process's
//! listener (server::versioned), a moment after the commit. A person who just wrote
//! and loads the next page at once, perhaps on another instance, could be shown what
//! that cache still holds from before. So each process knows how far it has *heard*:
//! it announces `pg_current_wal_insert_lsn()` on [`CHANNEL`] itself and, when that
//! comes back, every announcement of a transaction committed before that position has
//! come back before it (PostgreSQL delivers notifications in commit order, and a
//! commit at or before the position was queued before this one). A request whose
//! person wrote past what this process has heard (their read-after position:
//! server::replicas) reads around the caches, and asks for a new announcement.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::PgPool;

/// The channel the processes announce their WAL positions on (payload: bytes, decimal).
pub const CHANNEL: &str = "cache_sync";

/// At most one announcement per process this often, however many requests ask.
const AT_MOST_EVERY: Duration = Duration::from_millis(20);

#[derive(Default)]
pub struct Heard {
    /// Every announcement committed before this WAL position has been heard.
    position: AtomicU64,
    wanted: tokio::sync::Notify,
}

impl Heard {
    /// Whether a person whose last write ended at `after` may be answered from the
    /// caches (else: read around them, and a new announcement is asked for).
    pub fn covers(&self, after: u64) -> bool {
        if after <= self.position.load(Ordering::Acquire) {
            return true;
        }
        self.wanted.notify_one();
        false
    }

    /// Applies one announcement from [`CHANNEL`].
    pub fn apply(&self, payload: &str) {
        if let Ok(position) = payload.trim().parse::<u64>() {
            self.position.fetch_max(position, Ordering::AcqRel);
        }
    }

    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Acquire)
    }

    /// Announces the WAL position whenever a request asked for it, until the process
    /// ends. The first is sent at once, so a process that just started catches up.
    pub async fn announce(self: std::sync::Arc<Self>, pool: PgPool) {
        self.wanted.notify_one();
        loop {
            self.wanted.notified().await;
            let sent = sqlx::query(
                "SELECT pg_notify($1, (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text)",
            )
            .bind(CHANNEL)
            .execute(&pool)
            .await;
            if let Err(error) = sent {
                super::connections::lost(&error);
                tracing::debug!(%error, "could not announce the WAL position");
            }
            tokio::time::sleep(AT_MOST_EVERY).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_is_covered_once_heard() {
        let heard = Heard::default();
        assert!(heard.covers(0), "no write: nothing to wait for");
        assert!(!heard.covers(100));
        heard.apply("150");
        assert!(heard.covers(100) && heard.covers(150) && !heard.covers(151));
        heard.apply("120");
        assert_eq!(heard.position(), 150, "never goes back");
        heard.apply("garbage");
        assert_eq!(heard.position(), 150);
    }
}
