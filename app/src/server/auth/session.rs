//! The session record (tower-sessions, stored in Postgres).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use super::viewer_cache::announce_session_ended;
use crate::model::AppError;
use crate::server::AppState;

pub(super) const KEY: &str = "signed_in";

/// What a session remembers about its sign-in. `epoch` is the user's `session_epoch`
/// at sign-in: bumping it in the database revokes every session begun before.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: Uuid,
    pub epoch: i32,
    /// Unix seconds: when they signed in (absolute expiry counts from here)...
    pub at: i64,
    /// ...and when the session was last extended (idle expiry counts from here).
    pub seen: i64,
}

/// Signs `user_id` in on this session. The session id is cycled first, so an id an
/// attacker planted before sign-in (session fixation) is worthless after it.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    user_id: Uuid,
    epoch: i32,
) -> Result<(), AppError> {
    let before = session.id();
    session.cycle_id().await.map_err(internal)?;
    // Whoever the old id was signed in as, it is nobody now, in every process.
    if let Some(before) = before {
        announce_session_ended(&state.pool, &state.viewers, before).await;
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    session
        .insert(
            KEY,
            SignedIn {
                user_id,
                epoch,
                at: now,
                seen: now,
            },
        )
        .await
        .map_err(internal)
}

/// Ends the session: the row is deleted, the cookie cleared, and every process forgets
/// who it was signed in as.
pub async fn sign_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    let id = session.id();
    session.flush().await.map_err(internal)?;
    if let Some(id) = id {
        announce_session_ended(&state.pool, &state.viewers, id).await;
    }
    Ok(())
}

fn internal(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store error");
    AppError::Unavailable
}
