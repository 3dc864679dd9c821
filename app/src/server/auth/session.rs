//! The session record (tower-sessions, stored in Postgres).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use crate::model::AppError;

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
pub async fn sign_in(session: &Session, user_id: Uuid, epoch: i32) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
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

/// Ends the session: the row is deleted and the cookie cleared.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(internal)
}

fn internal(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store error");
    AppError::Unavailable
}
