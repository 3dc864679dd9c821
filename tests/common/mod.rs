//! Shared test helpers: a `Config` for a given database, the URL of a `#[sqlx::test]`
//! database, and a way to call the real router.
#![allow(dead_code)] // each test binary uses a different subset

use app::server::{AppState, Config};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use sqlx::PgPool;
use tower::ServiceExt;

/// Parses a config the way the binary does, from flags.
pub fn config(database_url: &str, extra: &[&str]) -> Config {
    let args = [
        "casework",
        "--database-url",
        database_url,
        "--site-root",
        "target/site",
    ]
    .into_iter()
    .chain(extra.iter().copied());
    match casework::cli::Cli::try_parse_from(args) {
        Ok(cli) => cli.config,
        Err(error) => panic!("test config rejected: {error}"),
    }
}

/// The connection URL of the per-test database `#[sqlx::test]` made: the server's
/// DATABASE_URL with this database's name.
pub fn database_url(pool: &PgPool) -> String {
    let server = std::env::var("DATABASE_URL").unwrap_or_default();
    let mut url = match url::Url::parse(&server) {
        Ok(url) => url,
        Err(error) => panic!("DATABASE_URL {server:?}: {error}"),
    };
    let options = pool.connect_options();
    url.set_path(&format!(
        "/{}",
        options.get_database().unwrap_or("postgres")
    ));
    url.to_string()
}

pub fn state(config: Config) -> AppState {
    match casework::startup::state(config) {
        Ok(state) => state,
        Err(error) => panic!("{error:#}"),
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

/// A GET through the full router, middleware included, without a socket.
pub async fn get(state: AppState, path: &str) -> Reply {
    send(state, Request::get(path)).await
}

pub async fn send(state: AppState, request: axum::http::request::Builder) -> Reply {
    let router = casework::startup::router(state);
    let request = match request.body(Body::empty()) {
        Ok(request) => request,
        Err(error) => panic!("{error}"),
    };
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(error) => match error {},
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = match axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(error) => panic!("{error}"),
    };
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}
