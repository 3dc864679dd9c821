#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! SIGTERM lets in-flight requests finish: a large download started before the signal
//! arrives whole, and the process then exits cleanly.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;

const BIN: &str = env!("CARGO_BIN_EXE_casework");
const FILE_SIZE: usize = 32 * 1024 * 1024;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|error| panic!("{error}"))
}

fn wait_until_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream
                .write_all(b"GET /api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            if reply.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not become healthy");
}

#[sqlx::test(migrations = false)]
async fn sigterm_finishes_in_flight_requests_then_exits(pool: PgPool) {
    let site = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let content: Vec<u8> = (0..FILE_SIZE).map(|i| (i % 251) as u8).collect();
    std::fs::write(site.path().join("big.bin"), &content).unwrap_or_else(|error| panic!("{error}"));
    let port = free_port();
    let url = common::database_url(&pool);
    let mut server = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", site.path())
        .env("LOG_LEVEL", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{error}"));

    let body = tokio::task::spawn_blocking(move || {
        wait_until_healthy(port);
        let mut stream =
            TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|error| panic!("{error}"));
        let _ = stream.write_all(b"GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        // Read just the start so the server is mid-response, then ask it to stop.
        let mut first = vec![0u8; 64 * 1024];
        let got = stream
            .read(&mut first)
            .unwrap_or_else(|error| panic!("{error}"));
        let _ = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status();
        // New connections are no longer served once shutdown has begun: tried until
        // one is refused (the signal takes a moment to arrive), for at most 10 s.
        let served = || {
            TcpStream::connect(("127.0.0.1", port)).is_ok_and(|mut s| {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.write_all(b"GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n");
                let mut buf = [0u8; 16];
                matches!(s.read(&mut buf), Ok(n) if n > 0)
            })
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        let refused = loop {
            if !served() {
                break true;
            }
            if Instant::now() > deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        let status = server.wait().unwrap_or_else(|error| panic!("{error}"));
        let mut log = String::new();
        if let Some(mut stderr) = server.stderr.take() {
            let _ = stderr.read_to_string(&mut log);
        }
        (first[..got].to_vec(), rest, refused, status, log)
    })
    .await
    .unwrap_or_else(|error| panic!("{error}"));

    let (first, rest, refused, status, log) = body;
    let response = [first, rest].concat();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&response[..split]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        response.len() - split,
        FILE_SIZE,
        "the in-flight download was cut short"
    );
    assert!(
        response[split..] == content[..],
        "the download arrived corrupted"
    );
    assert!(refused, "a new request was served after SIGTERM");
    assert!(status.success(), "exit status {status:?}; log:\n{log}");
    assert!(log.contains("shutdown complete"), "{log}");
}
