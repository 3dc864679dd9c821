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
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
