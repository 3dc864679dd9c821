//! What every request handler can reach: the pool, the configuration, the Leptos
//! options. Server functions get it through context; axum handlers through `State`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use super::Config;
use super::rate_limit::LoginLimiter;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub started_at: Instant,
    pub login_limiter: Arc<LoginLimiter>,
    /// The one outbound HTTP client (timeouts set; redirects not followed, as OAuth
    /// token endpoints must not redirect).
    pub http: reqwest::Client,
    /// Case changes heard from Postgres, fanned out to the open event streams.
    pub live: tokio::sync::broadcast::Sender<super::live::LiveEvent>,
    /// Flips to true when the server starts shutting down: long-lived responses (event
    /// streams) end then, instead of holding the shutdown for its whole grace period.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// Background jobs: the queue requests enqueue into, and the workers `serve` runs.
    pub jobs: Arc<super::jobs::Jobs>,
    /// Signed-in viewers by session id, for `AUTH_CACHE_TTL_S`.
    pub viewers: super::auth::ViewerCache,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
