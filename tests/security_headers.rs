#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The security headers on every kind of response — a page, a server function, a
//! static file, a 404, a 500, a refusal — checked with the Mozilla HTTP Observatory's
//! rules (https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring),
//! each rule that applies to the response; and compression, pre-compressed files and
//! the per-route body limits.

mod common;

use app::model::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::Reply;
use common::world::World;
use sqlx::PgPool;

const PEOPLE: &[(&str, Role)] = &[
    ("ada@acme.example", Role::Admin),
    ("emil@acme.example", Role::Employee),
];

/// The directives of a Content-Security-Policy, by name.
fn directives(policy: &str) -> Vec<(String, Vec<String>)> {
    policy
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut words = d.split_whitespace().map(str::to_string);
            (words.next().unwrap().to_lowercase(), words.collect())
        })
        .collect()
}

/// Every Observatory rule that applies to this response, as the failures it finds
/// (empty: all pass). `https`: the site is served over https (PUBLIC_URL).
fn observatory(reply: &Reply, https: bool) -> Vec<String> {
    let mut failures = Vec::new();
    let mut fail = |rule: &str, detail: String| failures.push(format!("{rule}: {detail}"));
    // Content Security Policy: implemented, no unsafe-inline or unsafe-eval for
    // scripts, no broad sources, object-src restricted, frames refused.
    let csp = reply.header("content-security-policy");
    let policy = directives(csp);
    let sources = |name: &str| {
        policy
            .iter()
            .find(|(directive, _)| directive == name)
            .map(|(_, sources)| sources.clone())
    };
    match sources("script-src").or_else(|| sources("default-src")) {
        None => fail("csp-not-implemented", csp.to_string()),
        Some(scripts) => {
            for bad in [
                "'unsafe-inline'",
                "'unsafe-eval'",
                "*",
                "http:",
                "https:",
                "data:",
            ] {
                if scripts.iter().any(|s| s == bad) {
                    fail(
                        "csp-implemented-with-unsafe",
                        format!("script-src has {bad}"),
                    );
                }
            }
            if scripts.iter().any(|s| s.starts_with("http://")) {
                fail("csp-implemented-with-insecure-scheme", csp.to_string());
            }
        }
    }
    if sources("default-src").is_none() {
        fail("csp-implemented-but-no-default-src", csp.to_string());
    }
    let objects = sources("object-src").or_else(|| sources("default-src"));
    if objects.is_none_or(|o| o != ["'none'"]) {
        fail("csp-object-src-not-none", csp.to_string());
    }
    if sources("frame-ancestors").is_none_or(|f| f != ["'none'"]) {
        fail("csp-without-frame-ancestors-none", csp.to_string());
    }
    if sources("base-uri").is_none() || sources("form-action").is_none() {
        fail("csp-without-base-uri-or-form-action", csp.to_string());
    }
    // X-Content-Type-Options.
    if reply.header("x-content-type-options") != "nosniff" {
        fail("x-content-type-options-not-implemented", String::new());
    }
    // X-Frame-Options (or frame-ancestors, checked above).
    if !["DENY", "SAMEORIGIN"].contains(&reply.header("x-frame-options")) {
        fail("x-frame-options-not-implemented", String::new());
    }
    // Referrer-Policy: private.
    let referrer = reply.header("referrer-policy");
    if ![
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ]
    .contains(&referrer)
    {
        fail("referrer-policy-unsafe", referrer.to_string());
    }
    // Cross-Origin-Resource-Policy.
    if !["same-origin", "same-site"].contains(&reply.header("cross-origin-resource-policy")) {
        fail("corp-not-implemented", String::new());
    }
    // CORS: content never opened to every origin.
    if reply.header("access-control-allow-origin") == "*" {
        fail(
            "cross-origin-resource-sharing-implemented-with-universal-access",
            String::new(),
        );
    }
    // HSTS, over https: at least six months.
    if https {
        let hsts = reply.header("strict-transport-security");
        let max_age = hsts
            .split(';')
            .find_map(|part| part.trim().strip_prefix("max-age="))
            .and_then(|age| age.parse::<u64>().ok())
            .unwrap_or(0);
        if max_age < 15_768_000 {
            fail("hsts-not-implemented-or-short", hsts.to_string());
        }
    }
    // Cookies: the session cookie Secure (over https), HttpOnly and SameSite.
    for cookie in reply.headers.get_all("set-cookie") {
        let cookie = cookie.to_str().unwrap_or_default().to_lowercase();
        if https && !cookie.contains("; secure") {
            fail("cookies-without-secure-flag", cookie.clone());
        }
        if cookie.starts_with("casework_session=") && !cookie.contains("; httponly") {
            fail("cookies-session-without-httponly-flag", cookie.clone());
        }
        if !cookie.contains("; samesite=") {
            fail("cookies-samesite-flag-invalid", cookie.clone());
        }
    }
    // Subresource integrity: every script is loaded from this origin.
    for script in reply.body.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        if let Some(src) = tag.split("src=\"").nth(1)
            && (src.starts_with("http:") || src.starts_with("//"))
        {
            fail(
                "sri-not-implemented-and-external-scripts-loaded",
                src.to_string(),
            );
        }
    }
    // Other headers this app promises on every response.
    for name in ["permissions-policy", "cross-origin-opener-policy"] {
        if reply.header(name).is_empty() {
            fail("missing", name.to_string());
        }
    }
    failures
}

/// A site root with a hashed, pre-compressed script (what a release build and
/// scripts/site-assets.mjs leave), for the static-file responses.
fn site_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let script = "export function hydrate() {}\n".repeat(200);
    std::fs::write(pkg.join("casework.1a2b3c4d5e6f.js"), &script).unwrap();
    std::fs::write(pkg.join("casework.1a2b3c4d5e6f.js.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("casework.css"), "body{}").unwrap();
    dir
}

async fn get(
    state: &app::server::AppState,
    path: &str,
    cookie: Option<&str>,
    accept: &str,
) -> Reply {
    let mut request = Request::get(path).header("accept", accept);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    common::send(state.clone(), request).await
}

#[sqlx::test]
async fn every_kind_of_response_passes_the_observatory_rules(pool: PgPool) {
    let site = site_root();
    let root = site.path().to_str().unwrap().to_string();
    let world = World::build(&pool)
        .tenant("acme", PEOPLE)
        .flags(&[
            "--public-url",
            "https://casework.example",
            "--site-root",
            &root,
        ])
        .done()
        .await;
    let sign_in = common::sign_in(
        &world.state,
        "emil@acme.example",
        common::world::PASSWORD,
        None,
    )
    .await;
    assert_eq!(sign_in.status, StatusCode::SEE_OTHER);
    let emil = sign_in.session_cookie().unwrap();
    let html = "text/html";
    let mut responses = vec![
        ("sign-in redirect", sign_in),
        (
            "anonymous page",
            get(&world.state, "/login", None, html).await,
        ),
        ("page", get(&world.state, "/work", Some(&emil), html).await),
        (
            "server function",
            get(
                &world.state,
                "/api/case/people?query=",
                Some(&emil),
                "application/json",
            )
            .await,
        ),
        (
            "static file",
            get(&world.state, "/pkg/casework.1a2b3c4d5e6f.js", None, "*/*").await,
        ),
        (
            "404",
            get(&world.state, "/no/such/page", Some(&emil), html).await,
        ),
        (
            "refusal",
            get(&world.state, "/work?q=%00", Some(&emil), html).await,
        ),
    ];
    // A 500: the cases table gone from under the app.
    sqlx::query("ALTER TABLE cases RENAME TO cases_gone")
        .execute(&pool)
        .await
        .unwrap();
    let broken = get(
        &world.state,
        "/api/cases/mine?query=",
        Some(&emil),
        "application/json",
    )
    .await;
    assert_eq!(
        broken.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        broken.body
    );
    responses.push(("500", broken));
    let reference = get(&world.state, "/api/docs", None, html).await;
    assert_eq!(reference.status, StatusCode::OK);
    responses.push(("API reference", reference));
    assert_eq!(responses[2].1.status, StatusCode::OK);
    assert_eq!(responses[4].1.status, StatusCode::OK);
    assert_eq!(responses[5].1.status, StatusCode::NOT_FOUND);
    assert_eq!(responses[6].1.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (what, reply) in &responses {
        let failures = observatory(reply, true);
        assert!(failures.is_empty(), "{what}: {failures:#?}");
    }
    // The page's inline scripts carry the nonce its policy names, and no other
    // inline script exists.
    let page = &responses[2].1;
    let nonce = page
        .header("content-security-policy")
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_string();
    assert!(nonce.len() >= 16);
    let inline: Vec<&str> = page
        .body
        .split("<script")
        .skip(1)
        .map(|s| s.split('>').next().unwrap_or_default())
        .filter(|tag| !tag.contains("src="))
        .collect();
    assert!(!inline.is_empty(), "the hydration script is inline");
    for tag in inline {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{tag} has no nonce"
        );
    }
    // A new nonce for every response.
    let again = get(&world.state, "/work", Some(&emil), html).await;
    assert!(!again.header("content-security-policy").contains(&nonce));
    // Hashed static files are immutable; pages are not stored.
    assert_eq!(
        responses[4].1.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(page.header("cache-control"), "no-store");
    // Over plain http, no HSTS (a browser would pin a site that cannot keep it).
    let plain = World::build(&pool).done().await;
    let reply = get(&plain.state, "/login", None, html).await;
    assert!(reply.header("strict-transport-security").is_empty());
    assert!(observatory(&reply, false).is_empty());
}

#[sqlx::test]
async fn responses_are_compressed_as_the_client_asks_and_built_files_come_precompressed(
    pool: PgPool,
) {
    let site = site_root();
    let root = site.path().to_str().unwrap().to_string();
    let world = World::build(&pool)
        .tenant("acme", PEOPLE)
        .flags(&["--site-root", &root])
        .done()
        .await;
    let emil = world.cookie("emil@acme.example").await;
    let ask = |encoding: &'static str, path: &'static str| {
        let state = world.state.clone();
        let emil = emil.clone();
        async move {
            let request = Request::get(path)
                .header("accept", "text/html")
                .header("accept-encoding", encoding)
                .header("cookie", emil);
            let router = casework::startup::router(state);
            let response = tower::ServiceExt::oneshot(router, request.body(Body::empty()).unwrap())
                .await
                .unwrap();
            let encoding = response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string());
            let vary = response
                .headers()
                .get("vary")
                .map(|v| v.to_str().unwrap().to_string());
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
                .await
                .unwrap();
            (encoding, vary, bytes)
        }
    };
    // A page: zstd (a browser that takes it), gzip (one that takes brotli and gzip:
    // brotli costs too much CPU for pages made per request), or nothing, as asked.
    let (encoding, vary, zst) = ask("gzip, deflate, br, zstd", "/work").await;
    assert_eq!(encoding.as_deref(), Some("zstd"));
    assert!(
        vary.unwrap_or_default()
            .to_lowercase()
            .contains("accept-encoding")
    );
    let (encoding, _, gz) = ask("gzip, deflate, br", "/work").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let (encoding, _, plain) = ask("identity", "/work").await;
    assert_eq!(encoding, None);
    assert!(String::from_utf8_lossy(&plain).contains("<!DOCTYPE html>"));
    // At the fastest level (src/startup.rs): well under half the size even for this
    // small page (bench/RESULTS.md has real pages' ratios).
    assert!(
        zst.len() * 2 < plain.len() && gz.len() * 2 < plain.len(),
        "{} {} {}",
        zst.len(),
        gz.len(),
        plain.len()
    );
    let mut unzipped = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
        .unwrap();
    assert_eq!(unzipped.len(), plain.len());
    let unzstd = zstd::decode_all(&zst[..]).unwrap();
    assert_eq!(unzstd.len(), plain.len());
    // A built file with a .br beside it: that file, as it is.
    let (encoding, _, bytes) = ask("br, gzip", "/pkg/casework.1a2b3c4d5e6f.js").await;
    assert_eq!(encoding.as_deref(), Some("br"));
    assert_eq!(&bytes[..], b"brotli bytes");
    // Without one: compressed on the way (gzip asked for, no .gz present).
    let (encoding, _, bytes) = ask("gzip", "/pkg/casework.1a2b3c4d5e6f.js").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(bytes.len() < 1000);
}

#[sqlx::test]
async fn body_limits_follow_the_route(pool: PgPool) {
    let world = World::build(&pool)
        .tenant("acme", PEOPLE)
        .cases("acme", 1, 0)
        .done()
        .await;
    let emil = world.cookie("emil@acme.example").await;
    let number: i64 = sqlx::query_scalar("SELECT number::bigint FROM cases LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    // The longest comment there is, in four-byte characters: 20,000 of them, about
    // 240 KB once URL-encoded, fits the long-text routes.
    let longest = "😀".repeat(app::model::MAX_COMMENT_CHARS);
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/case/comment",
        &[("number", number.to_string()), ("body", longest)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Any other form stops at 64 KiB.
    let reply = common::call_fn(
        &world.state,
        &emil,
        "/api/searches/save",
        &[("name", "x".repeat(70 * 1024)), ("query", String::new())],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains(&format!("\"limit_bytes\":{}", 64 * 1024)),
        "{}",
        reply.body
    );
    let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM saved_searches")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(saved, 0);
}
