//! Building the app (router + state) and serving it until a shutdown signal.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use app::server::{AppState, Config, db};
use app::{App, shell};
use std::net::SocketAddr;

use app::server::rate_limit::Limiter;
use axum::Router;
use axum::http::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use leptos::config::{Env, LeptosOptions, get_configuration};
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::map_request_body::MapRequestBodyLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::http;

/// Leptos' own options, with the address and site root taken from our `Config`.
pub fn leptos_options(config: &Config) -> anyhow::Result<LeptosOptions> {
    let mut options = get_configuration(None)
        .context("invalid LEPTOS_* environment variable")?
        .leptos_options;
    if options.output_name.is_empty() {
        // Built by plain cargo (tests) rather than cargo-leptos.
        options.output_name = "casework".into();
    }
    options.site_root = config.site_root.as_str().into();
    options.site_addr = config.site_addr;
    hashed_file_names(&mut options, &config.site_root)?;
    // Leptos defaults to DEV, which injects cargo-leptos' live-reload socket; only
    // `cargo leptos watch` (which sets LEPTOS_ENV) wants that.
    if std::env::var_os("LEPTOS_ENV").is_none() {
        options.env = Env::PROD;
    }
    Ok(options)
}

/// cargo-leptos (`hash-files`) names the built scripts, styles and wasm modules by
/// their content, so browsers may keep them for a year; the names are in a hash file
/// it writes beside the server binary, where Leptos looks by default. An image that
/// copies the binary and the site to different places finds the copy
/// scripts/site-assets.mjs puts in the site instead. Without either (a test binary,
/// no site built on this machine) the plain names. The stylesheet's name is also
/// noted for the documents written outside the app (components/stylesheet.rs).
fn hashed_file_names(options: &mut LeptosOptions, site_root: &str) -> anyhow::Result<()> {
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())))
        .filter(|path| path.is_file());
    let in_site = std::path::Path::new(site_root).join("hash.txt");
    let hash_file = match beside_binary {
        Some(path) => path,
        None if in_site.is_file() => {
            // Absolute: Leptos joins it onto the binary's directory.
            let in_site = std::path::absolute(&in_site).context("site root")?;
            options.hash_file = in_site.to_string_lossy().into_owned().into();
            in_site
        }
        None => {
            app::components::stylesheet::set_hash(None);
            set_browser_build(options, site_root, None);
            return Ok(());
        }
    };
    options.hash_files = true;
    let hashes = std::fs::read_to_string(&hash_file)
        .with_context(|| format!("reading {}", hash_file.display()))?;
    let css = hashes
        .lines()
        .find_map(|line| line.strip_prefix("css:"))
        .map(str::trim);
    app::components::stylesheet::set_hash(css);
    set_browser_build(options, site_root, Some(&hashes));
    Ok(())
}

/// The names the hydration script fetches (app/src/components/hydration_start.rs).
fn set_browser_build(options: &LeptosOptions, site_root: &str, hashes: Option<&str>) {
    let pkg = std::path::Path::new(site_root).join(options.site_pkg_dir.as_ref());
    app::components::hydration_start::set_build(app::components::hydration_start::Build::read(
        &options.output_name,
        hashes,
        &pkg,
    ));
}

/// The state every handler sees. The pool is lazy: building it never waits on the
/// database.
pub fn state(config: Config) -> anyhow::Result<AppState> {
    // Installed once per process, before anything counts.
    http::metrics::recorder();
    // API_CORS_ORIGINS must be origins: refuse to start otherwise.
    let _ = http::api::cors::layer(&config)?;
    let jobs = Arc::new(app::server::jobs::Jobs::new(&config).map_err(anyhow::Error::msg)?);
    let rollup = Arc::new(app::server::system::rollup::Rollup::new(
        config.protection.instance(),
    ));
    let viewers = app::server::auth::ViewerCache::new(std::time::Duration::from_secs(
        config.auth_cache_ttl_s,
    ));
    let figures = app::server::dashboard::FiguresCache::new(app::server::dashboard::Keeping {
        unannounced: std::time::Duration::from_secs(config.dashboard_cache_seconds),
        announced: std::time::Duration::from_secs(config.cache_seconds),
        settle: std::time::Duration::from_secs(config.dashboard_settle_seconds),
    });
    let directory = app::server::contractors::cache::DirectoryCache::new(
        std::time::Duration::from_secs(config.directory_cache_seconds),
    );
    let caches =
        app::server::caches::Caches::new(std::time::Duration::from_secs(config.cache_seconds));
    let read_pools = db::read_pools(&config).context("invalid DATABASE_READ_URL")?;
    let replicas = (!read_pools.is_empty()).then(|| {
        Arc::new(app::server::replicas::Replicas::new(
            read_pools,
            config.replicas.max_lag(),
        ))
    });
    Ok(app::server::state::Shared {
        leptos_options: leptos_options(&config)?,
        pool: db::request_pool(&config).context("invalid DATABASE_URL")?,
        limiter: Arc::new(Limiter::new(&config).map_err(anyhow::Error::msg)?),
        http: outbound::builder(
            std::time::Duration::from_secs(5),
            std::time::Duration::from_secs(15),
        )
        .build()
        .context("cannot build the HTTP client")?,
        config: Arc::new(config),
        started_at: Instant::now(),
        live: app::server::live::channel(),
        storage: jobs.sync.task.storage.clone(),
        jobs,
        stopping: tokio::sync::watch::channel(false).0,
        figures,
        directory,
        caches,
        heard: Arc::default(),
        viewers,
        rollup,
        replicas,
    }
    .into())
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            // The nonce the Content-Security-Policy of this response names (made by
            // the security-headers layer), for the inline hydration script.
            let nonce = use_context::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned());
            if let Some(nonce) = nonce {
                provide_context(nonce);
            }
        }
    };
    let render = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), render)
        .route_layer(from_fn(http::guard::require_sign_in))
        // Inside render_to_end, so a page's body is drained in the task that renders it.
        .route_layer(from_fn(http::html_splice::html_splice))
        .route_layer(from_fn(http::render_to_end::render_to_end));
    let config = &state.config;
    let sessions = SessionManagerLayer::new(PostgresStore::new(state.pool.clone()))
        .with_name("casework_session")
        .with_http_only(true)
        // Lax, not Strict: Strict drops the cookie on the redirect back from Google.
        .with_same_site(SameSite::Lax)
        .with_secure(config.cookie_secure())
        .with_expiry(Expiry::OnInactivity(config.session_idle()));
    Router::new()
        .route("/api/health", get(http::health::health))
        .route("/api/health/live", get(http::health::live))
        .route("/api/health/ready", get(http::health::ready))
        .route("/metrics", get(http::metrics::metrics_with_token))
        .route("/auth/login", post(http::auth::sign_in_with_password))
        .route("/auth/logout", post(http::auth::sign_out_and_leave))
        .route("/auth/google/start", get(http::google::start))
        .route("/auth/google/callback", get(http::google::callback))
        .route("/api/events", get(http::events::queue_events))
        .route(
            "/api/notifications/events",
            get(http::events::notification_events),
        )
        .route("/api/cases/{number}/events", get(http::events::case_events))
        .route(
            "/api/companies/{id}/events",
            get(http::events::company_events),
        )
        .route("/companies.csv", get(http::export::companies_csv))
        .route("/work.csv", get(http::export::my_cases_csv))
        .route("/cases.csv", get(http::export::team_cases_csv))
        .route(
            http::imports::UPLOAD_PATH,
            post(http::imports::upload).layer(axum::extract::DefaultBodyLimit::max(
                http::imports::UPLOAD_BODY_BYTES,
            )),
        )
        .route("/imports/{id}/errors.csv", get(http::imports::error_report))
        .route(
            "/contractors/{id}/photo/{size}",
            get(http::contractor_photo::photo),
        )
        .route("/webhooks/zoho/{tenant}", post(http::zoho_webhook::receive))
        .route("/api/sync/events", get(http::events::sync_events))
        .nest(http::api::PREFIX, http::api::router(&state))
        .route(http::api_reference::PATH, get(http::api_reference::page))
        // The build's scripts, styles and wasm, with the .br / .gz files written beside
        // them at build time (scripts/site-assets.mjs) sent when the browser takes them.
        .nest_service(
            "/pkg",
            ServeDir::new(format!("{}/pkg", state.config.site_root))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .merge(pages)
        // After routing, where the route's template is known, for the request metrics.
        .route_layer(from_fn(http::metrics::tag_route))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(
            // Outermost first: every request gets an id before it is traced; a panic
            // anywhere below becomes a 500 instead of a dropped connection; bad input
            // and cross-site writes are refused before a session is even loaded; then the
            // session and the viewer it names are resolved once for everything below.
            ServiceBuilder::new()
                // Outermost, so every answer (a refusal, a panic's 500, a file) has them.
                .layer(from_fn_with_state(
                    state.clone(),
                    http::security_headers::secure,
                ))
                // zstd where the client takes it, else gzip, both at level 1, for
                // everything but event streams and images (built files come with their
                // brotli, compressed once at build time). Not brotli: on a 60 KB page its
                // encoder took 350 µs at any level (its set-up) and 780 µs at level 4, a
                // quarter of the server's CPU under the mixed benchmark, for output no
                // smaller than zstd-1's at 60 µs; gzip-1 takes 145 µs for 12 % more
                // bytes (bench/RESULTS.md, "Compressing pages").
                .layer(
                    CompressionLayer::new()
                        .no_br()
                        .quality(CompressionLevel::Precise(1)),
                )
                .layer(from_fn(http::request_id::keep_only_sane))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                // Around everything below (refusals, timeouts and panics count too), in
                // the request's span (its log line carries the request id).
                .layer(from_fn_with_state(state.clone(), http::metrics::count))
                .layer(CatchPanicLayer::new())
                .layer(from_fn_with_state(state.clone(), http::deadline::deadline))
                .layer(RequestBodyTimeoutLayer::new(
                    state.config.protection.request_body_timeout(),
                ))
                .layer(MapRequestBodyLayer::new(axum::body::Body::new))
                .layer(from_fn(http::server_fn_status::error_status))
                // A body over the limit or text with a control character is refused
                // before anything reads it (413 / 422).
                .layer(from_fn_with_state(
                    state.clone(),
                    http::input_guard::guard_input,
                ))
                .layer(from_fn_with_state(state.clone(), http::csrf::verify_origin))
                .layer(sessions)
                .layer(from_fn_with_state(
                    state.clone(),
                    http::guard::resolve_viewer,
                ))
                // The REST API's key, in place of any session (before the limiter, which
                // budgets by the key and its workspace's plan).
                .layer(from_fn_with_state(
                    state.clone(),
                    http::api::caller::resolve_key,
                ))
                // Per person and plan, so after the viewer; before anything does work.
                .layer(from_fn_with_state(state.clone(), http::rate_limit::limit))
                // Which database a request reads from (a replica when fresh enough).
                .layer(from_fn_with_state(
                    state.clone(),
                    http::read_after::route_reads,
                )),
        )
        .with_state(state)
}

fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}

/// `casework serve`: migrate, then serve until SIGINT/SIGTERM, then let in-flight
/// requests finish (for at most the configured grace period).
pub async fn serve(config: Config) -> anyhow::Result<()> {
    migrate(&config).await?;
    let grace = config.shutdown_grace();
    let state = state(config)?;
    let listener = TcpListener::bind(state.config.site_addr)
        .await
        .with_context(|| format!("could not listen on {}", state.config.site_addr))?;
    tracing::info!(addr = %listener.local_addr()?, "serving http://{}", listener.local_addr()?);
    tokio::spawn(delete_expired_sessions(state.pool.clone()));
    if let Some(addr) = state.config.protection.metrics_addr {
        serve_metrics(addr, state.clone()).await?;
    }
    let rollups = tokio::spawn(http::metrics::write_minutes(state.clone()));
    let last_minute = state.clone();
    start_live_updates(&state);
    start_replica_monitor(&state);
    let stop_workers = CancellationToken::new();
    if state.config.workers > 0 {
        state
            .jobs
            .spawn_workers(state.config.workers as usize, stop_workers.clone());
        spawn_schedule(&state, stop_workers.clone());
    }
    let stopping = state.stopping.clone();
    let signal = async move {
        shutdown_signal().await;
        stopping.send_replace(true);
        // Workers stop taking jobs; the ones running finish (or are taken over by
        // another worker once their heartbeat stops).
        stop_workers.cancel();
    };
    serve_until(listener, router(state), signal, grace).await?;
    // The minute in progress, so the System page does not lose the last requests.
    rollups.abort();
    http::metrics::write_minute(&last_minute).await;
    tracing::info!("shutdown complete");
    Ok(())
}

/// Checks the read replicas' replay positions until the server stops (reads use a
/// replica only once it has been seen fresh).
pub fn start_replica_monitor(state: &AppState) {
    if let Some(replicas) = &state.replicas {
        tokio::spawn(replicas.clone().monitor(
            state.pool.clone(),
            state.config.replicas.check_every(),
            state.stopping.subscribe(),
        ));
    }
}

/// `casework worker`: migrate, then run background jobs only (no HTTP) until
/// SIGINT/SIGTERM; running jobs get their timeout to finish.
pub async fn work(config: Config) -> anyhow::Result<()> {
    migrate(&config).await?;
    let concurrency = config.workers.max(1) as usize;
    let state = state(config)?;
    let stop = CancellationToken::new();
    let signal = {
        let stop = stop.clone();
        async move {
            shutdown_signal().await;
            tracing::info!("stopping: finishing running jobs");
            stop.cancel();
        }
    };
    tokio::spawn(signal);
    spawn_schedule(&state, stop.clone());
    tracing::info!(concurrency, "worker running");
    let mut backoff = std::time::Duration::from_millis(500);
    while !stop.is_cancelled() {
        match state.jobs.run_workers(concurrency, stop.clone()).await {
            Ok(()) => break,
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(std::time::Duration::from_secs(30));
            }
        }
    }
    tracing::info!("worker stopped");
    Ok(())
}

/// Scheduled sync runs and notification-channel renewals, until `stop`.
fn spawn_schedule(state: &AppState, stop: CancellationToken) {
    let Ok(public_url) = state.config.public_base() else {
        tracing::error!("PUBLIC_URL is not a URL: no sync schedule");
        return;
    };
    let every = std::time::Duration::from_secs(state.config.sync.sync_schedule_tick_s);
    tokio::spawn(app::server::sync::schedule::run(
        Arc::clone(&state.jobs.sync),
        public_url,
        every,
        stop,
    ));
}

/// Serves until `signal` resolves, then waits for open requests up to `grace`.
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    signal: impl Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) -> anyhow::Result<()> {
    let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
    let signal = async move {
        signal.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stopping_tx.send(true);
    };
    // Pages are streamed in several writes. With Nagle's algorithm each write after the
    // first waits for the client to acknowledge the one before, and a client that
    // delays its acknowledgements (40 ms and more on Linux) held pages read after a
    // pause for 80–100 ms at any load (bench/RESULTS.md, "Mixed load").
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY on a connection");
        }
    });
    // Peer addresses feed the per-IP sign-in limits.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(signal);
    let deadline = async move {
        let _ = stopping_rx.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result.context("server error"),
        () = deadline => {
            tracing::warn!(grace_s = grace.as_secs(), "grace period over; exiting with requests still open");
            Ok(())
        }
    }
}

/// The router of `METRICS_ADDR`: `/metrics` and nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(http::metrics::metrics_open))
        .with_state(state)
}

/// `/metrics` alone on its own address, for the monitoring network.
async fn serve_metrics(addr: SocketAddr, state: AppState) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("could not listen on METRICS_ADDR {addr}"))?;
    tracing::info!(%addr, "metrics at http://{addr}/metrics");
    let metrics = metrics_router(state);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, metrics).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    Ok(())
}

/// Listens for case changes and feeds the event streams (in `serve`; tests that watch
/// streams start it themselves).
pub fn start_live_updates(state: &AppState) {
    let pool = match db::listener_pool(&state.config) {
        Ok(pool) => pool,
        // Unreachable in practice: the request pool was built from the same URL.
        Err(error) => {
            tracing::error!(%error, "live updates: invalid DATABASE_URL");
            return;
        }
    };
    let caches = app::server::live::Caches {
        viewers: state.viewers.clone(),
        figures: state.figures.clone(),
        directory: state.directory.clone(),
        kept: state.caches.clone(),
        heard: Arc::clone(&state.heard),
    };
    tokio::spawn(app::server::live::listen(pool, state.live.clone(), caches));
    // What tells the caches how far the listener has heard (server::heard).
    tokio::spawn(Arc::clone(&state.heard).announce(state.pool.clone()));
}

/// Expired sessions are deleted every minute (they are refused when read anyway; this
/// keeps the table small). A failed sweep is logged and retried on the next tick.
async fn delete_expired_sessions(pool: sqlx::PgPool) {
    let store = PostgresStore::new(pool);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(%error, "could not delete expired sessions");
        }
    }
}

pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let pool = db::admin_pool(config).await.with_context(|| {
        format!(
            "could not connect to the database at {} (for the embedded one, run `make db`)",
            config.database_display()
        )
    })?;
    db::migrate(&pool).await.context("migrations failed")?;
    pool.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
