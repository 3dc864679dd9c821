//! Live updates to the browser as Server-Sent Events.
//!
//! - `/api/cases/{number}/events`: every change to one case the viewer may see. Each
//!   event's id is the audit row's id, so a browser that reconnects (with
//!   `Last-Event-ID`, or `?after=` on its first connection) is first sent what it
//!   missed, read from the audit table, then the live feed; nothing is lost or doubled.
//! - `/api/events`: changes to the cases in the viewer's queue (admins: the tenant's),
//!   for the work table to mark rows that changed since it was loaded.
//! - `/api/notifications/events`: the viewer's own notifications changed (a new one,
//!   some read in another tab), for the bell and the notifications page.
//!
//! Both are scoped on the server: another tenant's changes never reach a stream, and an
//! employee hears only of cases assigned to them (before or after the change).

use std::convert::Infallible;
use std::time::Duration;

use app::model::{AppError, Role, Viewer};
use app::server::AppState;
use app::server::authz::{self, Capability};
use app::server::case_detail;
use app::server::live::{CaseChange, LiveEvent};
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

use super::error_response;

/// At most this many missed events are replayed; a page further behind reloads.
const REPLAY_LIMIT: i64 = 1_000;

#[derive(Deserialize)]
pub struct After {
    after: Option<i64>,
}

pub async fn case_events(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
    Path(number): Path<i32>,
    Query(query): Query<After>,
    headers: HeaderMap,
) -> Response {
    match open_case_stream(state, viewer.map(|v| v.0), number, query, &headers).await {
        Ok(response) => response,
        Err(error) => error_response(error),
    }
}

async fn open_case_stream(
    state: AppState,
    viewer: Option<Viewer>,
    number: i32,
    query: After,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let viewer = authz::require(viewer.as_ref(), Capability::WorkOwnCases)?.clone();
    // Subscribe before reading what was missed, so nothing falls between the two.
    let live = BroadcastStream::new(state.live.subscribe());
    let last_seen = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok())
        .or(query.after);
    let (case_id, missed) =
        case_detail::actions_since(&state.pool, &viewer, number, last_seen, REPLAY_LIMIT + 1)
            .await?;

    let too_far_behind = missed.len() as i64 > REPLAY_LIMIT;
    let replayed_up_to = missed.last().map(|(id, ..)| *id).unwrap_or(0);
    let replay: Vec<Event> = if too_far_behind {
        vec![resync()]
    } else {
        missed
            .into_iter()
            .map(|(id, kind, actor)| change_event(id, case_id, &kind, actor))
            .collect()
    };
    let tenant_id = viewer.tenant_id;
    let live = live.filter_map(move |event| {
        let event = match event {
            Ok(LiveEvent::Changed(change))
                if change.tenant_id == tenant_id
                    && change.case_id == case_id
                    // Already sent from the audit table.
                    && change.action_id > replayed_up_to =>
            {
                Some(announced(&change))
            }
            Ok(
                LiveEvent::Changed(_)
                | LiveEvent::Company(_)
                | LiveEvent::Sync(_)
                | LiveEvent::Notification(_),
            ) => None,
            // Lost notifications (a lagging stream, a listener reconnect): reload.
            Ok(LiveEvent::Resync) | Err(_) => Some(resync()),
        };
        std::future::ready(event)
    });
    Ok(sse(&state, stream::iter(replay).chain(live)))
}

/// The work queue's stream: which of the viewer's cases changed, as they change.
pub async fn queue_events(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
) -> Response {
    let viewer = match authz::require(viewer.as_ref().map(|v| &v.0), Capability::WorkOwnCases) {
        Ok(viewer) => viewer.clone(),
        Err(error) => return error_response(error),
    };
    let live = BroadcastStream::new(state.live.subscribe()).filter_map(move |event| {
        let event = match event {
            Ok(LiveEvent::Changed(change)) if may_hear(&viewer, &change) => {
                Some(announced(&change))
            }
            Ok(
                LiveEvent::Changed(_)
                | LiveEvent::Company(_)
                | LiveEvent::Sync(_)
                | LiveEvent::Notification(_),
            ) => None,
            Ok(LiveEvent::Resync) | Err(_) => Some(resync()),
        };
        std::future::ready(event)
    });
    sse(&state, live)
}

/// Admins hear of every case of their tenant; employees of cases that are, or were
/// until this change, theirs.
fn may_hear(viewer: &Viewer, change: &CaseChange) -> bool {
    change.tenant_id == viewer.tenant_id
        && (viewer.role == Role::Admin || change.assignees.contains(&Some(viewer.user_id)))
}

fn change_event(action_id: i64, case_id: i64, kind: &str, actor: Option<uuid::Uuid>) -> Event {
    Event::default()
        .id(action_id.to_string())
        .event("change")
        .data(
            serde_json::json!({ "case_id": case_id, "action_id": action_id, "kind": kind, "actor_id": actor })
                .to_string(),
        )
}

fn announced(change: &CaseChange) -> Event {
    change_event(
        change.action_id,
        change.case_id,
        &change.kind,
        change.actor_id,
    )
}

fn resync() -> Event {
    Event::default().event("resync").data("{}")
}

/// The response: the events, a comment every 15 s so proxies keep the connection, and
/// an end when the server shuts down (so an open page never holds up a restart).
fn sse(state: &AppState, events: impl Stream<Item = Event> + Send + 'static) -> Response {
    let stopping = WatchStream::new(state.stopping.subscribe())
        .filter(|stopping| std::future::ready(*stopping))
        .into_future();
    // Counted while open: the guard goes with the stream when the client leaves.
    let open = OpenStream::new(state.rollup.clone());
    let events = events
        .map(move |event| {
            let _counted = &open;
            Ok::<_, Infallible>(event)
        })
        .take_until(stopping);
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// One open event stream in `casework_sse_streams_open`, for as long as it lives.
/// (And in this instance's figures for the System page.)
struct OpenStream(std::sync::Arc<app::server::system::rollup::Rollup>);

impl OpenStream {
    fn new(rollup: std::sync::Arc<app::server::system::rollup::Rollup>) -> Self {
        metrics::gauge!("casework_sse_streams_open").increment(1.0);
        rollup
            .sse_open
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self(rollup)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("casework_sse_streams_open").decrement(1.0);
        self.0
            .sse_open
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `/api/companies/{id}/events`: one company's changes (its enrichment moving through
/// queued → running (step) → done / failed), for its page to reload what changed. No
/// replay: the page reloads the whole enrichment on every event and on reconnecting.
pub async fn company_events(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
    Path(id): Path<i64>,
) -> Response {
    let viewer = viewer.map(|v| v.0);
    let viewer = match authz::require(viewer.as_ref(), Capability::UseCompanies) {
        Ok(viewer) => viewer.clone(),
        Err(error) => return error_response(error),
    };
    let live = BroadcastStream::new(state.live.subscribe());
    // The company must be one of the viewer's workspace.
    match app::server::companies::exists(&state.pool, &viewer, id).await {
        Ok(true) => {}
        Ok(false) => return error_response(AppError::NotFound),
        Err(error) => return error_response(error),
    }
    let tenant_id = viewer.tenant_id;
    let live = live.filter_map(move |event| {
        let event =
            match event {
                Ok(LiveEvent::Company(change))
                    if change.tenant_id == tenant_id && change.company_id == id =>
                {
                    Some(Event::default().event("company").data(
                        serde_json::json!({ "company_id": id, "kind": change.kind }).to_string(),
                    ))
                }
                Ok(
                    LiveEvent::Company(_)
                    | LiveEvent::Changed(_)
                    | LiveEvent::Sync(_)
                    | LiveEvent::Notification(_),
                ) => None,
                Ok(LiveEvent::Resync) | Err(_) => Some(resync()),
            };
        std::future::ready(event)
    });
    sse(&state, live)
}

/// `/api/sync/events`: the workspace's sync runs moving on (a page written, photos
/// saved, finished), for the admin pages to re-read the runs. Admins only.
pub async fn sync_events(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
) -> Response {
    let viewer = viewer.map(|v| v.0);
    let viewer = match authz::require(viewer.as_ref(), Capability::ManageUsers) {
        Ok(viewer) => viewer.clone(),
        Err(error) => return error_response(error),
    };
    let tenant_id = viewer.tenant_id;
    let live = BroadcastStream::new(state.live.subscribe()).filter_map(move |event| {
        let event = match event {
            Ok(LiveEvent::Sync(change)) if change.tenant_id == tenant_id => Some(
                Event::default()
                    .event("sync")
                    .data(serde_json::json!({ "run_id": change.run_id }).to_string()),
            ),
            Ok(
                LiveEvent::Sync(_)
                | LiveEvent::Notification(_)
                | LiveEvent::Company(_)
                | LiveEvent::Changed(_),
            ) => None,
            Ok(LiveEvent::Resync) | Err(_) => Some(resync()),
        };
        std::future::ready(event)
    });
    sse(&state, live)
}

/// `/api/notifications/events`: the viewer's notifications changed (a new one arrived,
/// or some were read, perhaps in another tab or on another device): the bell and the
/// notifications page read them again. Only the person's own; every person, no API
/// keys.
pub async fn notification_events(
    State(state): State<AppState>,
    viewer: Option<Extension<Viewer>>,
) -> Response {
    let viewer = viewer.map(|v| v.0);
    let viewer = match authz::require(viewer.as_ref(), Capability::Notifications) {
        Ok(viewer) => viewer.clone(),
        Err(error) => return error_response(error),
    };
    let (tenant_id, user_id) = (viewer.tenant_id, viewer.user_id);
    let live = BroadcastStream::new(state.live.subscribe()).filter_map(move |event| {
        let event = match event {
            Ok(LiveEvent::Notification(change))
                if change.tenant_id == tenant_id && change.user_id == user_id =>
            {
                Some(Event::default().event("notification").data("{}"))
            }
            Ok(
                LiveEvent::Notification(_)
                | LiveEvent::Sync(_)
                | LiveEvent::Company(_)
                | LiveEvent::Changed(_),
            ) => None,
            Ok(LiveEvent::Resync) | Err(_) => Some(resync()),
        };
        std::future::ready(event)
    });
    sse(&state, live)
}
