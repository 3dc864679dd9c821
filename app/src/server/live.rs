//! Live updates: every case change is announced with `pg_notify` inside its own
//! transaction (so only committed changes are heard, in commit order), one listener per
//! server process receives them, and a broadcast channel fans them out to the open
//! event streams (`src/http/events.rs`), which pick what each viewer may see.
//!
//! A notification carries, per changed case, the audit row's id: it is the event id a
//! browser resumes from (`Last-Event-ID`), and the audit table is where a resumed stream
//! reads what it missed. Notifications are split to stay well under Postgres' 8000-byte
//! payload limit.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::auth::ViewerCache;
use super::auth::viewer_cache::CHANNEL as AUTH_CHANNEL;
use super::contractors::cache::{CHANNEL as CONTRACTOR_CHANNEL, DirectoryCache};
use super::dashboard::FiguresCache;
use super::dashboard::cache::CHANNEL as DASHBOARD_CHANNEL;

/// The channel every case change is announced on.
pub const CHANNEL: &str = "case_changes";
/// The channel company changes (enrichment progress above all) are announced on.
pub const COMPANY_CHANNEL: &str = "company_changes";
/// The channel sync runs announce their progress on.
pub const SYNC_CHANNEL: &str = "sync_progress";
/// Entries per notification: ~100 bytes each keeps a payload under 6 KB.
const PER_NOTIFICATION: usize = 50;

/// One change to one case, as announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseChange {
    pub tenant_id: Uuid,
    pub case_id: i64,
    /// The `case_actions` row that records it.
    pub action_id: i64,
    pub kind: String,
    pub actor_id: Option<Uuid>,
    /// The assignee before and after (the same when unchanged): who may hear of it
    /// besides admins.
    pub assignees: [Option<Uuid>; 2],
}

/// What the listener broadcasts.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    Changed(CaseChange),
    Company(CompanyChange),
    Sync(SyncChange),
    /// A person's notifications changed (a new one, or some read).
    Notification(NotificationChange),
    /// The listener lost its connection (and so possibly some notifications): every
    /// stream should tell its page to reload what it shows.
    Resync,
}

/// Something about one company changed (its enrichment moved a step, finished or
/// failed; its details were edited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyChange {
    pub tenant_id: Uuid,
    pub company_id: i64,
    pub kind: String,
}

/// Someone's notifications changed (server/notifications.rs announces it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationChange {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
}

/// The kind of a company change that added, edited or removed a note.
pub const NOTE: &str = "note";

/// A sync run moved (a page written, photos saved, finished): its admin page re-reads
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncChange {
    pub tenant_id: Uuid,
    pub run_id: i64,
}

/// Queues a sync progress notification in the caller's transaction.
pub async fn announce_sync(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    run_id: i64,
) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(&SyncChange { tenant_id, run_id })
        .map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(SYNC_CHANNEL)
        .bind(payload)
        .execute(conn)
        .await
        .map(drop)
}

/// Queues a company notification in the caller's transaction.
pub async fn announce_company(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    company_id: i64,
    kind: &str,
) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(&CompanyChange {
        tenant_id,
        company_id,
        kind: kind.to_string(),
    })
    .map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(COMPANY_CHANNEL)
        .bind(payload)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct Payload {
    tenant_id: Uuid,
    actor_id: Option<Uuid>,
    kind: String,
    /// (case id, action id, assignee before, assignee after)
    changes: Vec<(i64, i64, Option<Uuid>, Option<Uuid>)>,
}

/// One changed case, for [`announce`].
pub struct Announced {
    pub case_id: i64,
    pub action_id: i64,
    pub assignee_before: Option<Uuid>,
    pub assignee_after: Option<Uuid>,
}

/// Queues the notifications for `changes` in the caller's transaction: they are
/// delivered if, and when, it commits. Every case write passes here, so this is also
/// where a new assignee is notified (server/notifications.rs).
pub async fn announce(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    actor_id: Option<Uuid>,
    kind: &str,
    changes: &[Announced],
) -> Result<(), sqlx::Error> {
    for group in changes.chunks(PER_NOTIFICATION) {
        let payload = Payload {
            tenant_id,
            actor_id,
            kind: kind.to_string(),
            changes: group
                .iter()
                .map(|c| (c.case_id, c.action_id, c.assignee_before, c.assignee_after))
                .collect(),
        };
        let payload = serde_json::to_string(&payload).map_err(|e| sqlx::Error::Encode(e.into()))?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&mut *conn)
            .await?;
    }
    super::notifications::assignments(conn, tenant_id, actor_id, changes).await
}

/// The sender half the listener feeds; subscribe to hear changes.
pub fn channel() -> broadcast::Sender<LiveEvent> {
    // Big enough for a 10,000-case bulk action to pass through a slow stream without
    // it lagging (a lagging stream resyncs; it never blocks the listener).
    broadcast::channel(16_384).0
}

/// What each process keeps in memory and must forget when told: trusted only while
/// the listener hears the announcements.
#[derive(Clone)]
pub struct Caches {
    pub viewers: ViewerCache,
    pub figures: FiguresCache,
    pub directory: DirectoryCache,
    pub kept: super::caches::Caches,
    pub heard: std::sync::Arc<super::heard::Heard>,
}

impl Caches {
    fn set_listening(&self, listening: bool) {
        self.viewers.set_listening(listening);
        self.figures.set_listening(listening);
        self.directory.set_listening(listening);
        self.kept.set_listening(listening);
    }
}

/// Listens for case changes until the process ends, reconnecting after a lost
/// connection (and telling streams to resync, since notifications sent meanwhile are
/// gone).
///
/// It also hears the announcements that keep the viewer cache honest, and tells the
/// cache whether it can be trusted (only while this listener is connected).
pub async fn listen(pool: PgPool, sender: broadcast::Sender<LiveEvent>, caches: Caches) {
    let mut backoff = std::time::Duration::from_millis(250);
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(error) = listener
                    .listen_all([
                        CHANNEL,
                        COMPANY_CHANNEL,
                        SYNC_CHANNEL,
                        AUTH_CHANNEL,
                        DASHBOARD_CHANNEL,
                        CONTRACTOR_CHANNEL,
                        super::caches::PEOPLE_CHANNEL,
                        super::caches::COMPANY_CHANNEL,
                        super::heard::CHANNEL,
                        super::notifications::CHANNEL,
                    ])
                    .await
                {
                    tracing::warn!(%error, "could not LISTEN for case changes");
                } else {
                    backoff = std::time::Duration::from_millis(250);
                    caches.set_listening(true);
                    let _ = sender.send(LiveEvent::Resync);
                    receive(&mut listener, &sender, &caches).await;
                }
            }
            Err(error) => tracing::warn!(%error, "live updates: cannot reach the database"),
        }
        caches.set_listening(false);
        let _ = sender.send(LiveEvent::Resync);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(std::time::Duration::from_secs(10));
    }
}

async fn receive(
    listener: &mut PgListener,
    sender: &broadcast::Sender<LiveEvent>,
    caches: &Caches,
) {
    let Caches {
        viewers,
        figures,
        directory,
        kept,
        heard,
    } = caches;
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) if notification.channel() == AUTH_CHANNEL => {
                viewers.apply(notification.payload());
            }
            Ok(Some(notification)) if notification.channel() == DASHBOARD_CHANNEL => {
                figures.apply(notification.payload());
            }
            Ok(Some(notification)) if notification.channel() == CONTRACTOR_CHANNEL => {
                directory.apply(notification.payload());
            }
            Ok(Some(notification)) if notification.channel() == super::heard::CHANNEL => {
                heard.apply(notification.payload());
            }
            Ok(Some(notification)) if notification.channel() == super::caches::PEOPLE_CHANNEL => {
                kept.apply_people(notification.payload());
            }
            Ok(Some(notification)) if notification.channel() == super::caches::COMPANY_CHANNEL => {
                kept.apply_company(notification.payload());
            }
            Ok(Some(notification)) if notification.channel() == super::notifications::CHANNEL => {
                kept.apply_notifications(notification.payload());
                let parsed = notification.payload().split_once(':').and_then(|(t, u)| {
                    Some(NotificationChange {
                        tenant_id: Uuid::parse_str(t).ok()?,
                        user_id: Uuid::parse_str(u).ok()?,
                    })
                });
                match parsed {
                    Some(change) => {
                        let _ = sender.send(LiveEvent::Notification(change));
                    }
                    // Whose it was is unknown: every stream reloads.
                    None => {
                        let _ = sender.send(LiveEvent::Resync);
                    }
                }
            }
            Ok(Some(notification)) if notification.channel() == SYNC_CHANNEL => {
                match serde_json::from_str::<SyncChange>(notification.payload()) {
                    Ok(change) => {
                        figures.sync_changed(change.tenant_id);
                        let _ = sender.send(LiveEvent::Sync(change));
                    }
                    Err(_) => figures.forget_all(),
                }
            }
            Ok(Some(notification)) if notification.channel() == COMPANY_CHANNEL => {
                match serde_json::from_str::<CompanyChange>(notification.payload()) {
                    Ok(change) => {
                        // Notes are on no dashboard.
                        if change.kind != NOTE {
                            figures.companies_changed(change.tenant_id);
                        }
                        let _ = sender.send(LiveEvent::Company(change));
                    }
                    Err(_) => {
                        figures.forget_all();
                        tracing::warn!(
                            payload = notification.payload(),
                            "unreadable company notification"
                        )
                    }
                }
            }
            Ok(Some(notification)) => {
                let Ok(payload) = serde_json::from_str::<Payload>(notification.payload()) else {
                    figures.forget_all();
                    tracing::warn!(
                        payload = notification.payload(),
                        "unreadable case notification"
                    );
                    continue;
                };
                let held = payload.changes.iter().flat_map(|c| [c.2, c.3]);
                figures.cases_changed(payload.tenant_id, held);
                for (case_id, action_id, before, after) in payload.changes {
                    // No receivers is fine: nobody is looking.
                    let _ = sender.send(LiveEvent::Changed(CaseChange {
                        tenant_id: payload.tenant_id,
                        case_id,
                        action_id,
                        kind: payload.kind.clone(),
                        actor_id: payload.actor_id,
                        assignees: [before, after],
                    }));
                }
            }
            // The connection dropped, and what was sent meanwhile is lost: start over
            // (the caller resyncs the streams and stops trusting the viewer cache
            // until it listens again).
            Ok(None) => {
                super::connections::suspect();
                return;
            }
            Err(error) => {
                // Very likely the first to know the database went away.
                super::connections::lost(&error);
                tracing::warn!(%error, "live updates: listener failed");
                return;
            }
        }
    }
}
