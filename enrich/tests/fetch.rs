//! The SSRF-guarded fetcher against a real HTTP server on 127.0.0.1.
//!
//! Each test starts its own fixture server and counts the TCP connections it accepts, so
//! "refused without connecting" is checked, not assumed. Host names are served by an
//! injected resolver (`evil.test` → 10.0.0.5, …), never by real DNS.
#![cfg(feature = "engine")]
// Helpers outside `#[test]` functions may unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use enrich::fetch::{FetchError, FetchPolicy, Fetcher, ResolveFuture, Resolver};
use url::Url;

const HUGE: usize = 3 * 1024 * 1024;

struct Fixture {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Fixture {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let listener = listener.tap_io(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let app = Router::new()
            .route("/", get(home))
            .route("/about", get(|| page("About")))
            .route("/pricing", get(|| page("Pricing")))
            .route("/careers", get(|| page("Careers")))
            .route("/blog", get(|| page("Blog")))
            .route("/customers", get(|| page("Customers")))
            .route(
                "/redirect-to-metadata",
                get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }),
            )
            .route(
                "/redirect-to-private",
                get(|| async { found("http://10.0.0.1/") }),
            )
            .route(
                "/redirect-to-evil",
                get(|| async { found("http://evil.test/") }),
            )
            .route(
                "/redirect-to-about",
                get(|| async { Redirect::permanent("/about") }),
            )
            .route(
                "/redirect-to-ftp",
                get(|| async { found("ftp://example.com/") }),
            )
            .route("/loop-a", get(|| async { found("/loop-b") }))
            .route("/loop-b", get(|| async { found("/loop-a") }))
            .route("/huge", get(|| async { Html("x".repeat(HUGE)) }))
            .route("/huge-stream", get(huge_stream))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    page("Slow").await
                }),
            )
            .route(
                "/image",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "image/png")],
                        b"\x89PNG\r\n\x1a\n".to_vec(),
                    )
                }),
            )
            .route(
                "/untyped",
                get(|| async { Response::new(Body::from("\n  <!doctype html><p>untyped</p>")) }),
            )
            .route(
                "/untyped-binary",
                get(|| async { Response::new(Body::from(&b"\x89PNG\r\n"[..])) }),
            )
            .route(
                "/error",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, Html("boom")) }),
            )
            .route(
                "/busy",
                get(|| async { (StatusCode::TOO_MANY_REQUESTS, Html("later")) }),
            )
            .with_state(addr.port());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, connections }
    }

    fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far, after giving any in-flight one time to be accepted.
    async fn connections(&self) -> usize {
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.connections.load(Ordering::SeqCst)
    }
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

async fn page(title: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    ))
}

/// The homepage; which one depends on the Host header, so that one server can play
/// several sites reached through the injected resolver.
async fn home(State(port): State<u16>, headers: HeaderMap) -> Html<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let body = match host {
        // Absolute links to the bare host: the same site as www.
        "www.site.test" => format!(
            r#"<a href="http://site.test:{port}/pricing">Pricing</a>
               <a href="http://site.test:{port}/about">About</a>"#
        ),
        "nolinks.test" => "<p>Nothing to follow here.</p>".to_owned(),
        // A linked about page that fails: skipped, and no fallback to /about.
        "partial.test" => r#"<a href="/about-us-gone">About us</a>
               <a href="/pricing">Pricing</a>"#
            .to_owned(),
        _ => format!(
            r#"<nav>
                <a href="/blog">Blog</a>
                <a href="https://external.example/about">Their about page</a>
                <a href="http://127.0.0.1:{other}/about">Another port</a>
                <a href="/careers">We're hiring</a>
                <a href="/customers">Customers</a>
                <a href="/pricing">Plans &amp; Pricing</a>
                <a href="/about#team">About us</a>
                <a href="/about">About</a>
                <a href="mailto:hello@example.com">Mail</a>
            </nav>"#,
            other = port.wrapping_add(1)
        ),
    };
    Html(format!("<!doctype html><html><body>{body}</body></html>"))
}

async fn huge_stream() -> Response {
    let chunk = vec![b'x'; 64 * 1024];
    let chunks = (0..HUGE / chunk.len()).map(move |_| Ok::<_, io::Error>(chunk.clone()));
    let mut response = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, "text/html".parse().unwrap());
    response
}

/// Maps test names to addresses; anything else fails to resolve. Counts its calls.
struct MapResolver {
    map: HashMap<String, Vec<IpAddr>>,
    calls: AtomicUsize,
}

impl MapResolver {
    fn new(entries: &[(&str, &[&str])]) -> Arc<Self> {
        let map = entries
            .iter()
            .map(|(name, addrs)| {
                let addrs = addrs.iter().map(|a| a.parse().unwrap()).collect();
                ((*name).to_owned(), addrs)
            })
            .collect();
        Arc::new(Self {
            map,
            calls: AtomicUsize::new(0),
        })
    }
}

impl Resolver for MapResolver {
    fn resolve(&self, host: &str) -> ResolveFuture {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let result =
            self.map.get(host).cloned().ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, format!("no such host {host}"))
            });
        Box::pin(async move { result })
    }
}

/// Answers a public address first and loopback afterwards: DNS rebinding.
struct RebindingResolver {
    calls: AtomicUsize,
}

impl Resolver for RebindingResolver {
    fn resolve(&self, _host: &str) -> ResolveFuture {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let ip: IpAddr = if call == 0 {
            "93.184.216.34".parse().unwrap()
        } else {
            "127.0.0.1".parse().unwrap()
        };
        Box::pin(async move { Ok(vec![ip]) })
    }
}

fn policy(allow_loopback: bool) -> FetchPolicy {
    FetchPolicy {
        allow_loopback,
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        ..FetchPolicy::default()
    }
}

fn test_resolver() -> Arc<MapResolver> {
    MapResolver::new(&[
        ("evil.test", &["10.0.0.5"]),
        ("mixed.test", &["93.184.216.34", "10.0.0.5"]),
        ("mixed-loopback.test", &["93.184.216.34", "127.0.0.1"]),
        ("loopback.test", &["127.0.0.1"]),
        ("www.site.test", &["127.0.0.1"]),
        ("site.test", &["127.0.0.1"]),
        ("nolinks.test", &["127.0.0.1"]),
        ("partial.test", &["127.0.0.1"]),
    ])
}

fn fetcher(allow_loopback: bool) -> Fetcher {
    Fetcher::with_resolver(policy(allow_loopback), test_resolver()).unwrap()
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[track_caller]
fn assert_refused(result: Result<enrich::fetch::Page, FetchError>, mentions: &str) {
    match result {
        Err(err @ FetchError::Refused { .. }) => {
            assert!(!err.is_transient());
            assert!(
                err.to_string().contains(mentions),
                "expected the refusal to mention {mentions:?}: {err}"
            );
        }
        other => panic!("expected Refused mentioning {mentions:?}, got {other:?}"),
    }
}

fn paths(pages: &[enrich::fetch::Page]) -> Vec<String> {
    pages.iter().map(|p| p.url.path().to_owned()).collect()
}

#[tokio::test]
async fn fetch_refuses_loopback_without_connecting() {
    let fixture = Fixture::start().await;
    let fetcher = Fetcher::new(policy(false)).unwrap();
    let port = fixture.port();
    for target in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://LOCALHOST.:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0x7f.1:{port}/"),
    ] {
        assert_refused(fetcher.fetch_page(&url(&target)).await, "loopback");
    }
    assert!(fetcher.fetch_site(&fixture.url("/")).await.is_err());
    assert_eq!(fixture.connections().await, 0);
}

#[tokio::test]
async fn fetch_refuses_forbidden_ip_literals() {
    let fetcher = fetcher(true); // even with loopback allowed
    for (target, mentions) in [
        ("http://10.0.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:10.0.0.1]/", "10.0.0.1"),
        ("http://[fd00:ec2::254]/", "unique local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("https://192.168.0.1:8443/admin", "private"),
        ("http://100.100.100.200/", "carrier-grade"),
        ("http://224.0.0.1/", "multicast"),
        ("http://255.255.255.255/", "broadcast"),
    ] {
        assert_refused(fetcher.fetch_page(&url(target)).await, mentions);
    }
    let strict = fetcher_strict();
    assert_refused(strict.fetch_page(&url("http://[::1]/")).await, "loopback");
    assert_refused(
        strict.fetch_page(&url("http://2130706433/")).await,
        "127.0.0.1",
    );
}

fn fetcher_strict() -> Fetcher {
    fetcher(false)
}

#[tokio::test]
async fn fetch_refuses_internal_names_before_dns() {
    let resolver = test_resolver();
    let fetcher = Fetcher::with_resolver(policy(false), resolver.clone()).unwrap();
    for target in [
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://instance-data/latest/",
        "http://printer.local/",
        "http://intranet/",
        "http://localhost/",
        "http://app.localhost/",
        "http://router.home.arpa/",
    ] {
        assert_refused(fetcher.fetch_page(&url(target)).await, "host name");
    }
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn fetch_refuses_names_resolving_to_private_addresses() {
    let fetcher = fetcher(false);
    assert_refused(
        fetcher.fetch_page(&url("http://evil.test/")).await,
        "evil.test resolves to 10.0.0.5, a private address",
    );
    // One bad address is enough, even next to a public one.
    assert_refused(
        fetcher.fetch_page(&url("https://mixed.test/")).await,
        "10.0.0.5",
    );
}

#[tokio::test]
async fn fetch_refuses_mixed_answers_without_connecting() {
    let fixture = Fixture::start().await;
    let fetcher = fetcher(false);
    let port = fixture.port();
    for target in [
        format!("http://loopback.test:{port}/"),
        format!("http://mixed-loopback.test:{port}/"),
    ] {
        assert_refused(fetcher.fetch_page(&url(&target)).await, "127.0.0.1");
    }
    assert_eq!(fixture.connections().await, 0);
}

#[tokio::test]
async fn fetch_dns_rebinding_is_caught_where_reqwest_connects() {
    let fixture = Fixture::start().await;
    let resolver = Arc::new(RebindingResolver {
        calls: AtomicUsize::new(0),
    });
    let fetcher = Fetcher::with_resolver(policy(false), resolver.clone()).unwrap();
    let target = url(&format!("http://rebind.example:{}/", fixture.port()));
    // The pre-check sees 93.184.216.34; the resolution reqwest connects with sees
    // 127.0.0.1 and must refuse it.
    assert_refused(
        fetcher.fetch_page(&target).await,
        "rebind.example resolves to 127.0.0.1, a loopback address",
    );
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 2);
    assert_eq!(fixture.connections().await, 0);
}

#[tokio::test]
async fn fetches_the_site_in_priority_order() {
    let fixture = Fixture::start().await;
    let pages = fetcher(true).fetch_site(&fixture.url("/")).await.unwrap();
    assert_eq!(
        paths(&pages),
        vec!["/", "/about", "/pricing", "/careers", "/blog"]
    );
    for page in &pages {
        assert_eq!(page.url.host_str(), Some("127.0.0.1"));
        assert_eq!(page.url.port(), Some(fixture.port()));
        assert_eq!(page.url.fragment(), None);
    }
    assert!(pages[1].html.contains("<h1>About</h1>"));

    // A sixth page is allowed: customers comes next.
    let roomy = FetchPolicy {
        max_pages: 10,
        ..policy(true)
    };
    let fetcher = Fetcher::with_resolver(roomy, test_resolver()).unwrap();
    let pages = fetcher.fetch_site(&fixture.url("/")).await.unwrap();
    assert_eq!(
        paths(&pages),
        vec!["/", "/about", "/pricing", "/careers", "/blog", "/customers"]
    );

    let single = FetchPolicy {
        max_pages: 1,
        ..policy(true)
    };
    let fetcher = Fetcher::with_resolver(single, test_resolver()).unwrap();
    let pages = fetcher.fetch_site(&fixture.url("/")).await.unwrap();
    assert_eq!(paths(&pages), vec!["/"]);
}

#[tokio::test]
async fn fetch_www_and_bare_host_are_one_site() {
    let fixture = Fixture::start().await;
    let port = fixture.port();
    let home = url(&format!("http://www.site.test:{port}/"));
    let pages = fetcher(true).fetch_site(&home).await.unwrap();
    let urls: Vec<String> = pages.iter().map(|p| p.url.to_string()).collect();
    assert_eq!(
        urls,
        vec![
            format!("http://www.site.test:{port}/"),
            format!("http://site.test:{port}/about"),
            format!("http://site.test:{port}/pricing"),
            format!("http://www.site.test:{port}/careers"),
            format!("http://www.site.test:{port}/blog"),
        ]
    );
}

#[tokio::test]
async fn fetch_falls_back_to_conventional_paths_and_skips_failures() {
    let fixture = Fixture::start().await;
    let port = fixture.port();
    let fetcher = fetcher(true);

    let pages = fetcher
        .fetch_site(&url(&format!("http://nolinks.test:{port}/")))
        .await
        .unwrap();
    assert_eq!(
        paths(&pages),
        vec!["/", "/about", "/pricing", "/careers", "/blog"]
    );

    // The linked about page 404s: skipped, and not replaced by /about.
    let pages = fetcher
        .fetch_site(&url(&format!("http://partial.test:{port}/")))
        .await
        .unwrap();
    assert_eq!(paths(&pages), vec!["/", "/pricing", "/careers", "/blog"]);
}

#[tokio::test]
async fn fetch_site_fails_when_the_homepage_fails() {
    let fixture = Fixture::start().await;
    let fetcher = fetcher(true);
    let err = fetcher
        .fetch_site(&fixture.url("/error"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 500, .. }),
        "{err:?}"
    );
    let err = fetcher
        .fetch_site(&url("http://evil.test/"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Refused { .. }), "{err:?}");
}

#[tokio::test]
async fn fetch_checks_every_redirect_hop() {
    let fixture = Fixture::start().await;
    let fetcher = fetcher(true);

    assert_refused(
        fetcher
            .fetch_page(&fixture.url("/redirect-to-metadata"))
            .await,
        "169.254.169.254 is a link-local address",
    );
    assert_refused(
        fetcher
            .fetch_page(&fixture.url("/redirect-to-private"))
            .await,
        "10.0.0.1 is a private address",
    );
    assert_refused(
        fetcher.fetch_page(&fixture.url("/redirect-to-evil")).await,
        "evil.test resolves to 10.0.0.5",
    );
    let err = fetcher
        .fetch_page(&fixture.url("/redirect-to-metadata"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("redirected from"), "{err}");

    let err = fetcher
        .fetch_page(&fixture.url("/redirect-to-ftp"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::BadUrl(_)), "{err:?}");

    let page = fetcher
        .fetch_page(&fixture.url("/redirect-to-about"))
        .await
        .unwrap();
    assert_eq!(page.url, fixture.url("/about"));
    assert!(page.html.contains("About"));

    let err = fetcher
        .fetch_page(&fixture.url("/loop-a"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::TooManyRedirects { .. }),
        "{err:?}"
    );
    assert!(!err.is_transient());

    let no_redirects = FetchPolicy {
        max_redirects: 0,
        ..policy(true)
    };
    let fetcher = Fetcher::with_resolver(no_redirects, test_resolver()).unwrap();
    let err = fetcher
        .fetch_page(&fixture.url("/redirect-to-about"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::TooManyRedirects { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn fetch_enforces_size_type_and_time_limits() {
    let fixture = Fixture::start().await;
    let fetcher = fetcher(true);

    for path in ["/huge", "/huge-stream"] {
        let err = fetcher.fetch_page(&fixture.url(path)).await.unwrap_err();
        assert!(
            matches!(err, FetchError::TooLarge { limit, .. } if limit == 2 * 1024 * 1024),
            "{path}: {err:?}"
        );
        assert!(!err.is_transient());
    }

    let err = fetcher
        .fetch_page(&fixture.url("/image"))
        .await
        .unwrap_err();
    match &err {
        FetchError::NotHtml { content_type, .. } => assert_eq!(content_type, "image/png"),
        other => panic!("expected NotHtml, got {other:?}"),
    }
    assert!(!err.is_transient());

    let page = fetcher.fetch_page(&fixture.url("/untyped")).await.unwrap();
    assert!(page.html.contains("untyped"));
    let err = fetcher
        .fetch_page(&fixture.url("/untyped-binary"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::NotHtml { .. }), "{err:?}");

    let impatient = FetchPolicy {
        request_timeout: Duration::from_millis(300),
        ..policy(true)
    };
    let fetcher = Fetcher::with_resolver(impatient, test_resolver()).unwrap();
    // `/slow` answers a good page after 5 s: only the 300 ms timeout makes this an error.
    let err = fetcher.fetch_page(&fixture.url("/slow")).await.unwrap_err();
    assert!(matches!(err, FetchError::Timeout { .. }), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn fetch_classifies_statuses() {
    let fixture = Fixture::start().await;
    let fetcher = fetcher(true);

    let err = fetcher
        .fetch_page(&fixture.url("/error"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 500, .. }),
        "{err:?}"
    );
    assert!(err.is_transient());

    let err = fetcher
        .fetch_page(&fixture.url("/missing"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 404, .. }),
        "{err:?}"
    );
    assert!(!err.is_transient());

    let err = fetcher.fetch_page(&fixture.url("/busy")).await.unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 429, .. }),
        "{err:?}"
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn fetch_rejects_bad_urls() {
    let fixture = Fixture::start().await;
    let fetcher = fetcher(true);
    let port = fixture.port();
    for target in [
        "ftp://example.com/".to_owned(),
        "file:///etc/passwd".to_owned(),
        "data:text/html,<p>hi</p>".to_owned(),
        "http://user:pw@example.com/".to_owned(),
        format!("http://user:pw@127.0.0.1:{port}/"),
        format!("http://admin@127.0.0.1:{port}/"),
    ] {
        let err = fetcher.fetch_page(&url(&target)).await.unwrap_err();
        assert!(matches!(err, FetchError::BadUrl(_)), "{target}: {err:?}");
        assert!(!err.is_transient());
        assert!(!err.to_string().contains("pw"), "credentials leaked: {err}");
    }
    assert_eq!(fixture.connections().await, 0);
}

#[tokio::test]
async fn fetch_dns_failures_and_refused_connections_are_transient() {
    let fetcher = fetcher(true);
    let err = fetcher
        .fetch_page(&url("http://unknown.test/"))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
    assert!(err.is_transient());

    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = fetcher
        .fetch_page(&url(&format!("http://127.0.0.1:{port}/")))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn fetch_localhost_is_reachable_when_loopback_is_allowed() {
    let fixture = Fixture::start().await;
    let fetcher = Fetcher::new(policy(true)).unwrap();
    let target = url(&format!("http://localhost:{}/about", fixture.port()));
    let page = fetcher.fetch_page(&target).await.unwrap();
    assert!(page.html.contains("About"));
}
