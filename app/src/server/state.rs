//! What every request handler can reach: the pool, the configuration, the Leptos
//! options. Server functions get it through context; axum handlers through `State`.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use super::Config;
use super::rate_limit::Limiter;

/// One `Arc` around everything: axum clones the state into every `from_fn_with_state`
/// layer and the Leptos context on each request, and a clone of the bare struct was
/// some twenty atomic increments (and as many decrements on drop) on counters both
/// cores share — about 2 % of a queue page's CPU under load (perf). Fields are reached
/// through `Deref`, so `state.pool` reads as before.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub started_at: Instant,
    /// Every rate limit (route classes, plans, sign-in), shared through Redis when set.
    pub limiter: Arc<Limiter>,
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
    /// Files (contractor photos), shared by every instance.
    pub storage: super::storage::Storage,
    /// Signed-in viewers by session id, for `AUTH_CACHE_TTL_S`.
    pub viewers: super::auth::ViewerCache,
    /// The dashboards' figures, for `DASHBOARD_CACHE_SECONDS`.
    pub figures: super::dashboard::FiguresCache,
    /// The contractor directory's pages, for `DIRECTORY_CACHE_SECONDS`.
    pub directory: super::contractors::cache::DirectoryCache,
    /// The people pickers' list and company pages (server::caches).
    pub caches: super::caches::Caches,
    /// How far this process has heard announcements (server::heard).
    pub heard: Arc<super::heard::Heard>,
    /// What this instance served, minute by minute, for the admin System page.
    pub rollup: Arc<super::system::rollup::Rollup>,
    /// The read replicas (`DATABASE_READ_URL`), when there are any.
    pub replicas: Option<Arc<super::replicas::Replicas>>,
}

impl From<Shared> for AppState {
    fn from(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
