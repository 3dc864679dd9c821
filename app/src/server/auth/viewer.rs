//! Resolving the `Viewer` once per request: a middleware reads the session, checks it
//! against the user's row, and puts the `Viewer` into the request's extensions, where
//! pages and server functions find it.

use axum::http::request::Parts;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use super::session::{KEY, SignedIn, sign_out};
use super::viewer_cache::Remembered;
use crate::model::{AppError, Plan, Role, Viewer};
use crate::server::{AppState, db};

#[derive(sqlx::FromRow)]
struct SessionUser {
    tenant_id: Uuid,
    tenant_name: String,
    employees_may_enrich: bool,
    plan: Plan,
    email: String,
    display_name: String,
    role: Role,
    active: bool,
    session_epoch: i32,
}

/// The viewer of the request these parts belong to (server functions and SSR pages
/// reach the parts through Leptos' context).
pub fn viewer_from_parts(parts: &Parts) -> Option<Viewer> {
    parts.extensions.get::<Viewer>().cloned()
}

/// The request's viewer: `None` when no one is signed in (or the session ended), an
/// error when the database could not say (503: a person is not signed out because the
/// database restarted; src/http/guard.rs answers it).
pub async fn resolve(state: &AppState, session: &Session) -> Result<Option<Viewer>, AppError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let settings = &state.config;
    // No cookie: no session row to read, no query.
    let Some(id) = session.id() else {
        return Ok(None);
    };
    if let Some(hit) = state.viewers.get(&id)
        && !past_max_age(&hit.signed_in, now, settings.session_max_age())
        && now - hit.signed_in.seen <= settings.session_touch_interval_s()
    {
        return Ok(Some(hit.viewer.clone()));
    }
    // Otherwise read it all (and end or extend the session as below).
    let generation = state.viewers.generation();
    let mut loaded = session.get(KEY).await;
    if matches!(
        loaded,
        Err(tower_sessions::session::Error::Store(
            tower_sessions::session_store::Error::Backend(_)
        ))
    ) {
        // Its connection may have been one the database dropped (a restart): once
        // more, on a connection checked first (super::super::connections).
        crate::server::connections::suspect();
        loaded = session.get(KEY).await;
    }
    let mut signed_in: SignedIn = match loaded {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(None),
        // The session store is the database: when it cannot be read the person is
        // still signed in, only not now.
        Err(tower_sessions::session::Error::Store(
            tower_sessions::session_store::Error::Backend(error),
        )) => {
            tracing::warn!(%error, "the session could not be read");
            return Err(AppError::Unavailable);
        }
        // A record that does not read as one of ours: not a sign-in.
        Err(error) => {
            revoke(state, session, &format!("unreadable session: {error}")).await;
            return Ok(None);
        }
    };
    if past_max_age(&signed_in, now, settings.session_max_age()) {
        revoke(state, session, "absolute session lifetime reached").await;
        return Ok(None);
    }
    let user = crate::server::connections::read(|| {
        sqlx::query_as::<_, SessionUser>(
            "SELECT tenant_id, tenant_name, employees_may_enrich, plan, email, display_name, role,
                    active, session_epoch
             FROM auth_session_user($1)",
        )
        .bind(signed_in.user_id)
        .fetch_optional(&state.pool)
    })
    .await;
    let user = match user.map_err(db::internal)? {
        Some(user) => user,
        None => {
            revoke(state, session, "user no longer exists").await;
            return Ok(None);
        }
    };
    // An API key's identity has no sessions (it cannot sign in); one would be forged.
    if !user.active || user.session_epoch != signed_in.epoch || user.role == Role::Service {
        revoke(state, session, "user deactivated or sessions revoked").await;
        return Ok(None);
    }
    // Sliding idle expiry without a write per request: extend the session (which
    // saves it and pushes its expiry out) at most every few minutes.
    if now - signed_in.seen > settings.session_touch_interval_s() {
        signed_in.seen = now;
        if let Err(error) = session.insert(KEY, &signed_in).await {
            tracing::warn!(%error, "could not extend the session");
        }
    }
    let viewer = Viewer {
        user_id: signed_in.user_id,
        tenant_id: user.tenant_id,
        role: user.role,
        email: user.email,
        display_name: user.display_name,
        tenant_name: user.tenant_name,
        employees_may_enrich: user.employees_may_enrich,
        plan: user.plan,
        api_scopes: Vec::new(),
    };
    state.viewers.remember(
        id,
        generation,
        Remembered {
            viewer: viewer.clone(),
            signed_in,
        },
    );
    Ok(Some(viewer))
}

/// Absolute expiry: however active, a sign-in ends `max_age` after it began.
fn past_max_age(signed_in: &SignedIn, now: i64, max_age: time::Duration) -> bool {
    now - signed_in.at > max_age.whole_seconds()
}

async fn revoke(state: &AppState, session: &Session, why: &str) {
    tracing::info!(why, "session ended");
    if let Err(error) = sign_out(state, session).await {
        tracing::warn!(%error, "could not delete the ended session");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_ends_at_its_absolute_age_however_active() {
        let at = 1_000_000;
        let signed_in = SignedIn {
            user_id: Uuid::nil(),
            epoch: 0,
            at,
            seen: at + 3_000,
        };
        let max_age = time::Duration::hours(1);
        assert!(!past_max_age(&signed_in, at + 3_600, max_age));
        assert!(past_max_age(&signed_in, at + 3_601, max_age));
    }
}
