//! A company website for enrichment tests: the checked-in fixture pages of
//! `enrich/tests/fixtures/sites/<site>/`, served on 127.0.0.1 (`/` is `index.html`,
//! `/about` is `about.html`). It can be switched to answer 500s or to hang, to exercise
//! retries and a worker dying mid-job.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Normal = 0,
    /// Every page answers 500 (a site that is down: transient).
    Failing = 1,
    /// The homepage never answers (until the mode changes).
    Hanging = 2,
}

pub struct FixtureSite {
    pub addr: SocketAddr,
    mode: Arc<AtomicU8>,
    pub homepage_hits: Arc<AtomicUsize>,
}

impl FixtureSite {
    pub async fn start(site: &str) -> Self {
        // This run's manifest directory, not the build's: the shared build cache hands
        // a clone at another path binaries with the first clone's path compiled in.
        let manifest =
            std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
        let dir = std::path::Path::new(&manifest)
            .join("enrich/tests/fixtures/sites")
            .join(site);
        assert!(dir.is_dir(), "no fixture site {site}");
        let shared = Shared {
            dir,
            mode: Arc::new(AtomicU8::new(Mode::Normal as u8)),
            homepage_hits: Arc::new(AtomicUsize::new(0)),
        };
        let router = axum::Router::new()
            .route("/", get(homepage))
            .route("/{*path}", get(page))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            addr,
            mode: shared.mode,
            homepage_hits: shared.homepage_hits,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
}

#[derive(Clone)]
struct Shared {
    dir: std::path::PathBuf,
    mode: Arc<AtomicU8>,
    homepage_hits: Arc<AtomicUsize>,
}

impl Shared {
    fn mode(&self) -> u8 {
        self.mode.load(Ordering::SeqCst)
    }
}

async fn homepage(State(site): State<Shared>) -> Response {
    site.homepage_hits.fetch_add(1, Ordering::SeqCst);
    while site.mode() == Mode::Hanging as u8 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    serve(&site, "index").await
}

async fn page(State(site): State<Shared>, Path(path): Path<String>) -> Response {
    serve(&site, path.trim_end_matches('/')).await
}

async fn serve(site: &Shared, name: &str) -> Response {
    if site.mode() == Mode::Failing as u8 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
    }
    // Only plain page names: never a path outside the fixture directory.
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read_to_string(site.dir.join(format!("{name}.html"))).await {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
