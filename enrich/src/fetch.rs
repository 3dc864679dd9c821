//! The only way the enrichment engine reaches the network: an SSRF-guarded page fetcher.
//!
//! Users type a company's website and a background job fetches it from inside our
//! network, so a hostile URL could otherwise make us read cloud metadata
//! (`http://169.254.169.254/`), internal admin panels (`http://10.0.0.7:8080/`) or our
//! own loopback services, and hand their contents back through the enrichment result.
//! Every fetch therefore goes through these checks, on the URL typed in *and* on every
//! redirect hop:
//!
//! 1. **URL shape** ([`FetchError::BadUrl`]): only `http`/`https`, a host is required,
//!    and no `user:password@` (credentials in URLs leak into logs and let a URL look like
//!    one host while naming another, e.g. `http://example.com@10.0.0.1/`).
//! 2. **IP literals** (`http://10.0.0.1/`, `http://[::ffff:10.0.0.1]/`, and odd spellings
//!    such as `http://2130706433/` or `http://0x7f.1/`, which the `url` crate normalises
//!    to dotted IPv4 like a browser would) are checked directly by [`forbidden_reason`].
//! 3. **Host names** are first checked by name (`localhost`, `*.internal` such as
//!    `metadata.google.internal`, `*.local`, single-label names, …: see
//!    [`forbidden_host_name`]), then resolved, and *every* resolved address is checked.
//!    The resolution that decides where reqwest connects happens inside our
//!    [`reqwest::dns::Resolve`] implementation, which applies the same checks, so there is
//!    no window between "checked" and "connected" for DNS rebinding to exploit.
//! 4. **Redirects** are never followed by reqwest; we follow them ourselves (up to
//!    [`FetchPolicy::max_redirects`]) and run all of the above on each hop.
//! 5. **Limits**: connect timeout, a whole-page timeout (all hops and the body), a body
//!    size cap enforced while streaming, HTML content types only, no proxies from the
//!    environment, no cookies.

use std::collections::HashSet;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, LOCATION};
use url::{Host, Url};

/// One fetched HTML page: where it ended up after redirects, and its text.
#[derive(Clone, Debug)]
pub struct Page {
    /// The final URL, after redirects.
    pub url: url::Url,
    /// The HTML, decoded as UTF-8 (lossily), at most the fetcher's size limit.
    pub html: String,
}

/// Limits and switches for a [`Fetcher`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Allow loopback addresses (127.0.0.0/8, `::1`) and the name `localhost`. Always
    /// `false` in production; tests set it to reach a fixture server on 127.0.0.1.
    pub allow_loopback: bool,
    /// Time allowed to establish a TCP (and TLS) connection. Default 5 s.
    pub connect_timeout: Duration,
    /// Time allowed for one page as a whole: DNS, every redirect hop and the full body.
    /// Default 10 s.
    pub request_timeout: Duration,
    /// Largest body accepted, counted while streaming (`Content-Length` is only used to
    /// refuse early, never trusted to accept). Default 2 MiB.
    pub max_bytes: usize,
    /// Redirect hops followed before giving up. Default 5.
    pub max_redirects: usize,
    /// Pages [`Fetcher::fetch_site`] returns at most, homepage included (the homepage
    /// is fetched even if this is 0). Default 5.
    pub max_pages: usize,
    /// The `User-Agent` header sent with every request.
    pub user_agent: String,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            allow_loopback: false,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            max_bytes: 2 * 1024 * 1024,
            max_redirects: 5,
            max_pages: 5,
            user_agent: "CaseworkBot/0.1 (+enrichment)".to_owned(),
        }
    }
}

/// Why a fetch failed. [`FetchError::is_transient`] tells a job whether retrying later
/// could help.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The SSRF guard refused the URL or one of its redirect hops (a private, loopback,
    /// link-local, metadata… address or host name). Permanent.
    #[error("refused to fetch {url}: {reason}")]
    Refused { url: String, reason: String },
    /// Not something we fetch: not http/https, no host, credentials in the URL, or an
    /// unparsable redirect `Location`. Permanent.
    #[error("bad URL: {0}")]
    BadUrl(String),
    /// The connection or the whole page took longer than the policy allows. Transient.
    #[error("timed out fetching {url}")]
    Timeout { url: String },
    /// DNS failure, connection refused or reset, TLS failure… Transient.
    #[error("could not fetch {url}: {reason}")]
    Connect { url: String, reason: String },
    /// A non-success HTTP status. 5xx, 408 and 429 are transient, the rest permanent.
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    /// The body is larger than [`FetchPolicy::max_bytes`]. Permanent.
    #[error("{url} is larger than the {limit}-byte limit")]
    TooLarge { url: String, limit: usize },
    /// The response is not HTML. Permanent.
    #[error("{url} is not an HTML page (content type {content_type})")]
    NotHtml { url: String, content_type: String },
    /// More redirect hops than [`FetchPolicy::max_redirects`] (or a loop). Permanent.
    #[error("too many redirects fetching {url}")]
    TooManyRedirects { url: String },
    /// The HTTP client could not be built (TLS backend initialisation). Permanent.
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// Whether trying again later might succeed: timeouts, connection/DNS failures and
    /// HTTP 5xx, 408 and 429. Everything else (refusals, bad URLs, 4xx, size, type,
    /// redirect loops) would fail the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Connect { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            FetchError::Refused { .. }
            | FetchError::BadUrl(_)
            | FetchError::TooLarge { .. }
            | FetchError::NotHtml { .. }
            | FetchError::TooManyRedirects { .. }
            | FetchError::Client(_) => false,
        }
    }
}

/// The future a [`Resolver`] returns.
pub type ResolveFuture = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// Turns a host name into addresses. The fetcher checks whatever this returns; it is a
/// trait so tests can map names like `evil.test` to private addresses.
pub trait Resolver: Send + Sync {
    /// Resolves `host` (a domain name, never an IP literal) to its addresses.
    fn resolve(&self, host: &str) -> ResolveFuture;
}

/// The default [`Resolver`]: the system's, through `tokio::net::lookup_host`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve(&self, host: &str) -> ResolveFuture {
        let host = host.to_owned();
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|addr| addr.ip()).collect())
        })
    }
}

/// Fetches pages under a [`FetchPolicy`]. Cheap to clone (one shared connection pool).
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: Arc<FetchPolicy>,
    guard: Arc<Guard>,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// A fetcher resolving names with the system resolver.
    pub fn new(policy: FetchPolicy) -> Result<Self, FetchError> {
        Self::with_resolver(policy, Arc::new(SystemResolver))
    }

    /// A fetcher resolving names with `resolver` (tests inject one that maps e.g.
    /// `evil.test` to 10.0.0.5). Every address it returns is still checked.
    pub fn with_resolver(
        policy: FetchPolicy,
        resolver: Arc<dyn Resolver>,
    ) -> Result<Self, FetchError> {
        let guard = Arc::new(Guard {
            resolver,
            allow_loopback: policy.allow_loopback,
        });
        // The shared defaults (which follow no redirect: we follow them ourselves so that
        // every hop is checked); the timeout is per hop, and `fetch_page` also bounds the
        // page as a whole.
        let client = crate::http_client::builder(policy.connect_timeout, policy.request_timeout)
            // HTTP(S)_PROXY from the environment would send our requests (and the
            // decision where to connect) somewhere our address checks don't see.
            .no_proxy()
            // Where reqwest connects is decided here, after our checks (see `GuardedDns`).
            .dns_resolver(Arc::new(GuardedDns(guard.clone())))
            .user_agent(policy.user_agent.as_str())
            .referer(false)
            .build()
            .map_err(|err| FetchError::Client(error_chain(&err)))?;
        Ok(Self {
            client,
            policy: Arc::new(policy),
            guard,
        })
    }

    /// The policy this fetcher applies.
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Fetches one HTML page, following (and checking) redirects, within
    /// [`FetchPolicy::request_timeout`] for the whole thing.
    pub async fn fetch_page(&self, url: &Url) -> Result<Page, FetchError> {
        match tokio::time::timeout(self.policy.request_timeout, self.fetch_page_inner(url)).await {
            Ok(result) => result,
            Err(_elapsed) => Err(FetchError::Timeout { url: redacted(url) }),
        }
    }

    async fn fetch_page_inner(&self, start: &Url) -> Result<Page, FetchError> {
        let mut url = start.clone();
        url.set_fragment(None);
        let mut redirects = 0usize;
        loop {
            let hop_note = if redirects == 0 {
                String::new()
            } else {
                format!(" (redirected from {})", redacted(start))
            };
            self.check_target(&url, &hop_note).await?;
            tracing::debug!(url = %url, "fetching");

            let response = self
                .client
                .get(url.clone())
                .header(
                    ACCEPT,
                    HeaderValue::from_static("text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"),
                )
                .send()
                .await
                .map_err(|err| request_error(&url, &hop_note, &err))?;

            let status = response.status();
            if is_redirect(status) {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|value| value.to_str().ok());
                let Some(location) = location else {
                    return Err(FetchError::Status {
                        url: redacted(&url),
                        status: status.as_u16(),
                    });
                };
                if redirects >= self.policy.max_redirects {
                    return Err(FetchError::TooManyRedirects {
                        url: redacted(start),
                    });
                }
                let mut next = url.join(location).map_err(|err| {
                    FetchError::BadUrl(format!(
                        "{} redirected to an invalid location ({err})",
                        redacted(&url)
                    ))
                })?;
                next.set_fragment(None);
                url = next;
                redirects += 1;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status {
                    url: redacted(&url),
                    status: status.as_u16(),
                });
            }

            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
            if let Some(content_type) = &content_type
                && !is_html_content_type(content_type)
            {
                return Err(FetchError::NotHtml {
                    url: redacted(&url),
                    content_type: content_type.clone(),
                });
            }

            let body = self.read_body(&url, response).await?;
            // No Content-Type at all: accept it only if it looks like markup.
            if content_type.is_none() && !looks_like_markup(&body) {
                return Err(FetchError::NotHtml {
                    url: redacted(&url),
                    content_type: "(none)".to_owned(),
                });
            }
            return Ok(Page {
                html: String::from_utf8_lossy(&body).into_owned(),
                url,
            });
        }
    }

    /// Streams the body, refusing it as soon as it grows past `max_bytes`.
    async fn read_body(
        &self,
        url: &Url,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, FetchError> {
        let limit = self.policy.max_bytes;
        let too_large = || FetchError::TooLarge {
            url: redacted(url),
            limit,
        };
        // A declared length over the limit lets us stop before reading anything; a
        // smaller (or missing) one proves nothing, so the loop below counts regardless.
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| request_error(url, "", &err))?
        {
            if body.len().saturating_add(chunk.len()) > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Every check that can be made before connecting: URL shape, IP literal or host
    /// name rules, and a resolution of the name whose every address must be allowed.
    ///
    /// The resolution here exists for a clear, early error; the one that decides where
    /// reqwest connects happens again in [`GuardedDns`], with the same checks.
    async fn check_target(&self, url: &Url, hop_note: &str) -> Result<(), FetchError> {
        let refused = |reason: String| FetchError::Refused {
            url: redacted(url),
            reason: format!("{reason}{hop_note}"),
        };
        match check_url(url)? {
            Host::Ipv4(ip) => check_ip(IpAddr::V4(ip), self.policy.allow_loopback).map_err(refused),
            Host::Ipv6(ip) => check_ip(IpAddr::V6(ip), self.policy.allow_loopback).map_err(refused),
            Host::Domain(name) => match self.guard.resolve(name).await {
                Ok(_addrs) => Ok(()),
                Err(GuardError::Refused(reason)) => Err(refused(reason)),
                Err(GuardError::Dns(err)) => Err(FetchError::Connect {
                    url: redacted(url),
                    reason: format!("could not resolve {name}: {err}{hop_note}"),
                }),
            },
        }
    }

    /// The homepage, then up to `max_pages - 1` pages of the same site that matter for
    /// enrichment, in this priority: about, pricing, careers/jobs, blog/news,
    /// customers/case studies.
    ///
    /// Candidates are links on the homepage whose path or text looks like one of those;
    /// a section with no such link falls back to its conventional path (`/about`,
    /// `/pricing`, `/careers`, `/blog`; customers has none). Only the homepage's own site
    /// is followed (`www.` and the bare host count as the same; other subdomains and
    /// other ports do not). A failing secondary page is skipped (logged at debug level);
    /// a failing homepage is the error. Pages come back in fetch order, homepage first,
    /// without duplicates (final URLs compared without fragment).
    pub async fn fetch_site(&self, homepage: &Url) -> Result<Vec<Page>, FetchError> {
        let home = self.fetch_page(homepage).await?;
        let site = home.url.clone();
        let candidates = secondary_candidates(&site, &home.html);

        let mut attempted: HashSet<String> = HashSet::new();
        let mut fetched: HashSet<String> = HashSet::new();
        attempted.insert(page_key(homepage));
        fetched.insert(page_key(&site));
        let mut pages = vec![home];

        for candidate in candidates {
            if pages.len() >= self.policy.max_pages {
                break;
            }
            let key = page_key(&candidate);
            if fetched.contains(&key) || !attempted.insert(key) {
                continue;
            }
            match self.fetch_page(&candidate).await {
                Ok(page) => {
                    if !same_site(&site, &page.url) {
                        tracing::debug!(
                            url = %candidate,
                            final_url = %page.url,
                            "skipping secondary page: redirected off the site"
                        );
                    } else if !fetched.insert(page_key(&page.url)) {
                        tracing::debug!(
                            url = %candidate,
                            final_url = %page.url,
                            "skipping secondary page: already fetched"
                        );
                    } else {
                        pages.push(page);
                    }
                }
                Err(err) => {
                    tracing::debug!(url = %candidate, error = %err, "skipping secondary page");
                }
            }
        }
        Ok(pages)
    }
}

// ---------------------------------------------------------------------------------------
// The guard: names, addresses and the resolver reqwest connects through.

/// Resolves names and checks every address; shared by the pre-check in `fetch_page` and
/// by [`GuardedDns`], which reqwest uses to decide where to connect.
struct Guard {
    resolver: Arc<dyn Resolver>,
    allow_loopback: bool,
}

enum GuardError {
    Refused(String),
    Dns(io::Error),
}

impl Guard {
    async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, GuardError> {
        if let Some(reason) = forbidden_host_name(host, self.allow_loopback) {
            return Err(GuardError::Refused(format!("{host} is {reason}")));
        }
        let addrs = self.resolver.resolve(host).await.map_err(GuardError::Dns)?;
        if addrs.is_empty() {
            return Err(GuardError::Dns(io::Error::new(
                io::ErrorKind::NotFound,
                "no addresses",
            )));
        }
        // Refuse the whole name if ANY address is forbidden, rather than connecting to the
        // allowed ones only: a name that mixes public and private addresses is either
        // misconfigured or an attack (rebinding, or steering a retry onto the private
        // address), and refusing is the only answer that doesn't depend on which address
        // the connector happens to try.
        for ip in &addrs {
            if let Some(reason) = forbidden_reason(*ip, self.allow_loopback) {
                return Err(GuardError::Refused(format!(
                    "{host} resolves to {ip}, {reason}"
                )));
            }
        }
        Ok(addrs)
    }
}

/// The error [`GuardedDns`] hands to reqwest, found again in the error's source chain so
/// that the refusal surfaces as [`FetchError::Refused`] rather than a connect error.
#[derive(Debug)]
struct GuardRefusal(String);

impl fmt::Display for GuardRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for GuardRefusal {}

/// reqwest's DNS resolver: the addresses it returns are the only ones reqwest connects
/// to, and they are returned only after every one of them passed the checks. So even if
/// a name resolved to a public address during the pre-check and to a private one now
/// (DNS rebinding), the connection cannot reach the private one.
///
/// reqwest does not call this for IP-literal URLs; those are checked in
/// `Fetcher::check_target` before every hop instead.
struct GuardedDns(Arc<Guard>);

impl reqwest::dns::Resolve for GuardedDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            match guard.resolve(&host).await {
                Ok(addrs) => {
                    // Port 0 is replaced by the URL's (or the scheme's default) port.
                    let addrs: reqwest::dns::Addrs =
                        Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
                    Ok(addrs)
                }
                // `.into()` on the value itself, not on a `Box` of it: `Box<T>` is an
                // `Error` too and would be boxed again, hiding it from `downcast_ref`.
                Err(GuardError::Refused(reason)) => Err(GuardRefusal(reason).into()),
                Err(GuardError::Dns(err)) => Err(err.into()),
            }
        })
    }
}

/// Why `host` (a domain name, not an IP literal) is refused by name alone, before any
/// DNS lookup, or `None`. These names either always point inside (`localhost`,
/// `metadata.google.internal`) or are resolved by local mechanisms (mDNS, search
/// domains, split-horizon DNS) that can map them to internal machines; none of them is
/// a company's public website.
pub fn forbidden_host_name(host: &str, allow_loopback: bool) -> Option<&'static str> {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return Some("an empty host name");
    }
    if name == "localhost" {
        return (!allow_loopback).then_some("a loopback host name");
    }
    if name.ends_with(".localhost") {
        return Some("a loopback host name");
    }
    // Single-label names ("intranet", "metadata", "instance-data") are completed with
    // the machine's DNS search domains, i.e. they name internal hosts.
    if !name.contains('.') {
        return Some("a single-label (internal) host name");
    }
    // `.internal`: cloud-internal DNS (metadata.google.internal, *.ec2.internal,
    // *.compute.internal) and ICANN's reserved private TLD; `.local`: mDNS;
    // `.home.arpa`: home networks; `.arpa`: reverse-DNS names, never websites; the rest
    // are private-use TLDs from RFC 6762 appendix G that ICANN will not delegate.
    const SUFFIXES: [&str; 9] = [
        ".internal",
        ".local",
        ".localdomain",
        ".arpa",
        ".lan",
        ".home",
        ".corp",
        ".intranet",
        ".private",
    ];
    SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(suffix))
        .then_some("an internal host name")
}

/// Why `ip` must not be connected to, or `None` if it is an ordinary public address.
///
/// Refused: unspecified, loopback (unless `allow_loopback`), private (RFC 1918,
/// `fc00::/7`), link-local (`169.254/16` — cloud metadata lives at 169.254.169.254 —
/// and `fe80::/10`), carrier-grade NAT, `0/8`, `192.0.0/24`, documentation,
/// benchmarking, multicast, reserved and broadcast ranges; IPv6 outside global unicast
/// `2000::/3`; and IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, the
/// deprecated compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) when that
/// IPv4 address is refused, plus Teredo and local-use NAT64, whose targets we can't
/// judge.
pub fn forbidden_reason(ip: IpAddr, allow_loopback: bool) -> Option<String> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4, allow_loopback).map(str::to_owned),
        IpAddr::V6(v6) => forbidden_v6(v6, allow_loopback),
    }
}

/// `Err("10.0.0.5 is a private address")` for a forbidden address.
fn check_ip(ip: IpAddr, allow_loopback: bool) -> Result<(), String> {
    match forbidden_reason(ip, allow_loopback) {
        Some(reason) => Err(format!("{ip} is {reason}")),
        None => Ok(()),
    }
}

fn forbidden_v4(ip: Ipv4Addr, allow_loopback: bool) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let reason = match (a, b, c) {
        _ if ip.is_unspecified() => "the unspecified address",
        // "This network": the OS may treat 0.x.x.x as this host.
        (0, _, _) => "in 0.0.0.0/8 (\"this network\")",
        (127, _, _) if allow_loopback => return None,
        (127, _, _) => "a loopback address",
        (10, _, _) | (192, 168, _) => "a private address",
        (172, 16..=31, _) => "a private address",
        (100, 64..=127, _) => "a carrier-grade NAT (shared) address",
        (169, 254, _) => "a link-local address (cloud metadata services live there)",
        (192, 0, 0) => "an IETF protocol-assignment address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (192, 88, 99) => "a 6to4 relay anycast address",
        (198, 18..=19, _) => "a benchmarking address",
        (224..=239, _, _) => "a multicast address",
        _ if ip.is_broadcast() => "the broadcast address",
        (240..=255, _, _) => "a reserved address",
        _ => return None,
    };
    Some(reason)
}

fn forbidden_v6(ip: Ipv6Addr, allow_loopback: bool) -> Option<String> {
    let segments = ip.segments();
    let embedded_tail = Ipv4Addr::from(((segments[6] as u32) << 16) | segments[7] as u32);
    let reason = if ip.is_unspecified() {
        "the unspecified address".to_owned()
    } else if ip.is_loopback() {
        if allow_loopback {
            return None;
        }
        "a loopback address".to_owned()
    } else if let Some(v4) = ip.to_ipv4_mapped() {
        // ::ffff:a.b.c.d — the OS connects to the IPv4 address itself.
        let reason = forbidden_v4(v4, allow_loopback)?;
        format!("an IPv4-mapped form of {v4}, {reason}")
    } else if segments[..6].iter().all(|s| *s == 0) {
        // ::a.b.c.d (deprecated IPv4-compatible); some stacks still route it as IPv4.
        "a deprecated IPv4-compatible address".to_owned()
    } else if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 well-known prefix: a translator forwards to the embedded IPv4 address.
        // A public embedded address is a legitimate route on IPv6-only networks.
        let reason = forbidden_v4(embedded_tail, false)?;
        format!("a NAT64 form of {embedded_tail}, {reason}")
    } else if segments[0] == 0x64 && segments[1] == 0xff9b && segments[2] == 1 {
        "a local-use NAT64 address".to_owned()
    } else if segments[0] == 0x2002 {
        // 6to4: the relay forwards to the IPv4 address in bits 16..48.
        let v4 = Ipv4Addr::from(((segments[1] as u32) << 16) | segments[2] as u32);
        let reason = forbidden_v4(v4, false)?;
        format!("a 6to4 form of {v4}, {reason}")
    } else if segments[0] == 0x2001 && segments[1] == 0 {
        // Teredo embeds an obfuscated client address we'd rather not reason about.
        "a Teredo tunnelling address".to_owned()
    } else if segments[0] == 0x2001 && segments[1] < 0x200 {
        "an IETF protocol-assignment address".to_owned()
    } else if (segments[0] == 0x2001 && segments[1] == 0x0db8)
        || (segments[0] == 0x3fff && segments[1] & 0xf000 == 0)
    {
        // 2001:db8::/32 and 3fff::/20.
        "a documentation address".to_owned()
    } else if segments[0] & 0xfe00 == 0xfc00 {
        "a private (unique local) address".to_owned()
    } else if segments[0] & 0xffc0 == 0xfe80 {
        "a link-local address".to_owned()
    } else if segments[0] & 0xffc0 == 0xfec0 {
        "a site-local address".to_owned()
    } else if segments[0] & 0xff00 == 0xff00 {
        "a multicast address".to_owned()
    } else if segments[0] & 0xe000 != 0x2000 {
        // Everything a website can live on is global unicast, 2000::/3; the rest is
        // reserved, discard-only (100::/64), SRv6 (5f00::/16) and so on.
        "not a global unicast address".to_owned()
    } else {
        return None;
    };
    Some(reason)
}

// ---------------------------------------------------------------------------------------
// Helpers.

/// The URL's host, if it is a URL we fetch at all.
fn check_url(url: &Url) -> Result<Host<&str>, FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::BadUrl(format!(
            "{}: only http and https URLs are fetched",
            redacted(url)
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::BadUrl(format!(
            "{}: URLs with credentials (user:password@) are not fetched",
            redacted(url)
        )));
    }
    url.host()
        .ok_or_else(|| FetchError::BadUrl(format!("{}: no host", redacted(url))))
}

/// The URL for messages and logs, without any credentials in it.
fn redacted(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut clean = url.clone();
    // Both only fail for URLs that cannot have credentials in the first place.
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.to_string()
}

/// Maps a reqwest error, recognising our own refusal inside it.
fn request_error(url: &Url, hop_note: &str, err: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<GuardRefusal>() {
            return FetchError::Refused {
                url: redacted(url),
                reason: format!("{}{hop_note}", refusal.0),
            };
        }
        source = current.source();
    }
    if err.is_timeout() {
        FetchError::Timeout { url: redacted(url) }
    } else {
        FetchError::Connect {
            url: redacted(url),
            reason: error_chain(err),
        }
    }
}

/// "outer: inner: innermost", skipping repeats, for messages.
fn error_chain(err: &dyn StdError) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&dyn StdError> = Some(err);
    while let Some(current) = source {
        let text = current.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = current.source();
    }
    parts.join(": ")
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

fn is_html_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "text/html" || essence == "application/xhtml+xml"
}

/// Whether an untyped body starts (after a BOM and whitespace) with `<`.
fn looks_like_markup(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'<')
}

/// The URL without fragment, for duplicate detection.
fn page_key(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

/// Same site: the same host once a leading `www.` is ignored, and the same explicit
/// port (`Url::port` is `None` for the scheme's default, so http and https of one host
/// match). A full registrable-domain comparison would need the public suffix list; we
/// deliberately stay narrower (other subdomains are other sites).
fn same_site(a: &Url, b: &Url) -> bool {
    fn bare(host: &str) -> &str {
        let host = host.trim_end_matches('.');
        host.strip_prefix("www.").unwrap_or(host)
    }
    match (a.host_str(), b.host_str()) {
        (Some(ha), Some(hb)) => bare(ha).eq_ignore_ascii_case(bare(hb)) && a.port() == b.port(),
        _ => false,
    }
}

/// The sections worth reading besides the homepage, in priority order.
struct Section {
    name: &'static str,
    /// Matched against path segments and link text, as lowercase words joined by `-`.
    keywords: &'static [&'static str],
    /// Tried when the homepage links to nothing matching.
    fallback: Option<&'static str>,
}

const SECTIONS: [Section; 5] = [
    Section {
        name: "about",
        keywords: &["about", "about-us", "company", "who-we-are", "our-story"],
        fallback: Some("/about"),
    },
    Section {
        name: "pricing",
        keywords: &["pricing", "prices", "price", "plans"],
        fallback: Some("/pricing"),
    },
    Section {
        name: "careers",
        keywords: &[
            "careers",
            "career",
            "jobs",
            "job",
            "join-us",
            "hiring",
            "work-with-us",
            "vacancies",
            "open-positions",
        ],
        fallback: Some("/careers"),
    },
    Section {
        name: "blog",
        keywords: &["blog", "news", "newsroom", "press"],
        fallback: Some("/blog"),
    },
    Section {
        name: "customers",
        keywords: &[
            "customers",
            "customer-stories",
            "case-studies",
            "case-study",
            "success-stories",
            "clients",
            "testimonials",
        ],
        fallback: None,
    },
];

/// The secondary pages to try, best first: per section, the best matching same-site
/// link on the homepage, or the section's conventional path.
fn secondary_candidates(site: &Url, html: &str) -> Vec<Url> {
    let links: Vec<(Url, String)> = extract_links(html)
        .into_iter()
        .filter_map(|(href, text)| {
            let mut url = site.join(href.trim()).ok()?;
            url.set_fragment(None);
            let wanted = matches!(url.scheme(), "http" | "https")
                && same_site(site, &url)
                && page_key(&url) != page_key(site);
            wanted.then_some((url, text))
        })
        .collect();

    let mut candidates = Vec::new();
    for section in &SECTIONS {
        // Best link: a path match beats a text-only match, then fewer path segments
        // (the section's index rather than one post), then document order.
        let best = links
            .iter()
            .enumerate()
            .filter_map(|(index, (url, text))| {
                let path_match = url
                    .path_segments()
                    .into_iter()
                    .flatten()
                    .any(|segment| has_keyword(segment, section.keywords));
                let text_match = has_keyword(text, section.keywords);
                let depth = url
                    .path_segments()
                    .map_or(0, |s| s.filter(|segment| !segment.is_empty()).count());
                (path_match || text_match).then_some(((!path_match, depth, index), url))
            })
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, url)| url.clone());
        match best {
            Some(url) => candidates.push(url),
            None => {
                if let Some(url) = section.fallback.and_then(|path| site.join(path).ok()) {
                    tracing::trace!(section = section.name, url = %url, "no link; trying the usual path");
                    candidates.push(url);
                }
            }
        }
    }
    candidates
}

/// Whether `text`, as lowercase alphanumeric words, contains one of the (hyphen-joined)
/// keyword phrases as whole words: "Plans & Pricing" has "pricing", "/about-us" has
/// "about", "/aboutface" has nothing.
fn has_keyword(text: &str, keywords: &[&str]) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return false;
    }
    let joined = format!("-{}-", words.join("-"));
    keywords
        .iter()
        .any(|keyword| joined.contains(&format!("-{keyword}-")))
}

/// Anchors considered on a homepage at most; real navigation is far smaller.
const MAX_LINKS: usize = 1000;

/// `(href, text)` of the `<a href>` elements in `html`, in document order, with the
/// text's whitespace collapsed.
fn extract_links(html: &str) -> Vec<(String, String)> {
    let Ok(selector) = scraper::Selector::parse("a[href]") else {
        return Vec::new();
    };
    let document = scraper::Html::parse_document(html);
    document
        .select(&selector)
        .take(MAX_LINKS)
        .filter_map(|anchor| {
            let href = anchor.value().attr("href")?.to_owned();
            let text: String = anchor.text().collect();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            Some((href, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        IpAddr::V4(s.parse().unwrap())
    }

    #[test]
    fn classifies_addresses() {
        // (address, forbidden without loopback allowed, forbidden with it)
        let table: &[(&str, bool, bool)] = &[
            // Public.
            ("93.184.216.34", false, false),
            ("8.8.8.8", false, false),
            ("1.1.1.1", false, false),
            ("172.15.255.255", false, false),
            ("172.32.0.1", false, false),
            ("100.63.255.255", false, false),
            ("100.128.0.1", false, false),
            ("192.169.0.1", false, false),
            ("198.17.255.255", false, false),
            ("198.20.0.1", false, false),
            ("223.255.255.255", false, false),
            ("2606:4700::1", false, false),
            ("2a00:1450:4001:80b::200e", false, false),
            ("2001:4860:4860::8888", false, false),
            ("64:ff9b::5db8:d822", false, false), // NAT64 of 93.184.216.34
            ("2002:5db8:d822::1", false, false),  // 6to4 of 93.184.216.34
            // Loopback: only with allow_loopback.
            ("127.0.0.1", true, false),
            ("127.255.255.254", true, false),
            ("::1", true, false),
            ("::ffff:127.0.0.1", true, false),
            // Always forbidden.
            ("0.0.0.0", true, true),
            ("0.1.2.3", true, true),
            ("10.0.0.1", true, true),
            ("10.255.255.255", true, true),
            ("172.16.0.1", true, true),
            ("172.31.255.255", true, true),
            ("192.168.1.1", true, true),
            ("100.64.0.1", true, true),
            ("100.127.255.255", true, true),
            ("169.254.169.254", true, true),
            ("169.254.0.1", true, true),
            ("192.0.0.170", true, true),
            ("192.0.2.1", true, true),
            ("198.51.100.7", true, true),
            ("203.0.113.9", true, true),
            ("192.88.99.1", true, true),
            ("198.18.0.1", true, true),
            ("198.19.255.255", true, true),
            ("224.0.0.1", true, true),
            ("239.255.255.250", true, true),
            ("240.0.0.1", true, true),
            ("255.255.255.255", true, true),
            ("::", true, true),
            ("::ffff:10.0.0.1", true, true),
            ("::ffff:169.254.169.254", true, true),
            ("::ffff:0.0.0.0", true, true),
            ("::10.0.0.1", true, true),
            ("::127.0.0.1", true, true),
            ("64:ff9b::a00:1", true, true),       // NAT64 of 10.0.0.1
            ("64:ff9b::7f00:1", true, true),      // NAT64 of 127.0.0.1
            ("64:ff9b:1::5db8:d822", true, true), // local-use NAT64
            ("2002:a00:1::1", true, true),        // 6to4 of 10.0.0.1
            ("2002:a9fe:a9fe::1", true, true),    // 6to4 of 169.254.169.254
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", true, true), // Teredo
            ("2001:2::1", true, true),
            ("2001:db8::1", true, true),
            ("3fff::1", true, true),
            ("3fff:fff::1", true, true),
            ("3fff:1000::1", false, false),
            ("fc00::1", true, true),
            ("fd00:ec2::254", true, true), // AWS IPv6 metadata
            ("fe80::1", true, true),
            ("febf::1", true, true),
            ("fec0::1", true, true),
            ("ff02::1", true, true),
            ("100::1", true, true),
            ("5f00::1", true, true),
            ("4000::1", true, true),
        ];
        for (addr, strict, relaxed) in table {
            let ip: IpAddr = addr.parse().unwrap();
            assert_eq!(
                forbidden_reason(ip, false).is_some(),
                *strict,
                "{addr} without loopback: {:?}",
                forbidden_reason(ip, false)
            );
            assert_eq!(
                forbidden_reason(ip, true).is_some(),
                *relaxed,
                "{addr} with loopback: {:?}",
                forbidden_reason(ip, true)
            );
        }
    }

    #[test]
    fn reasons_are_readable() {
        assert_eq!(
            check_ip(v4("10.0.0.5"), false).unwrap_err(),
            "10.0.0.5 is a private address"
        );
        assert!(
            check_ip(v4("169.254.169.254"), false)
                .unwrap_err()
                .contains("link-local")
        );
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        let reason = check_ip(mapped, false).unwrap_err();
        assert!(
            reason.contains("10.0.0.1") && reason.contains("private"),
            "{reason}"
        );
    }

    #[test]
    fn url_crate_normalises_odd_ipv4_spellings() {
        for odd in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
        ] {
            let url = Url::parse(odd).unwrap();
            assert_eq!(url.host(), Some(Host::Ipv4(Ipv4Addr::LOCALHOST)), "{odd}");
        }
    }

    #[test]
    fn refuses_names() {
        for name in [
            "localhost",
            "LOCALHOST.",
            "foo.localhost",
            "metadata.google.internal",
            "ip-10-0-0-1.ec2.internal",
            "printer.local",
            "intranet",
            "metadata",
            "router.home.arpa",
            "1.0.0.10.in-addr.arpa",
            "nas.lan",
        ] {
            assert!(forbidden_host_name(name, false).is_some(), "{name}");
        }
        assert_eq!(forbidden_host_name("localhost", true), None);
        assert!(forbidden_host_name("foo.localhost", true).is_some());
        for name in ["example.com", "www.example.co.uk", "evil.test", "local.com"] {
            assert_eq!(forbidden_host_name(name, false), None, "{name}");
        }
    }

    #[test]
    fn classifies_transience() {
        let url = || "http://example.com/".to_owned();
        let transient = [
            FetchError::Timeout { url: url() },
            FetchError::Connect {
                url: url(),
                reason: "refused".into(),
            },
            FetchError::Status {
                url: url(),
                status: 500,
            },
            FetchError::Status {
                url: url(),
                status: 503,
            },
            FetchError::Status {
                url: url(),
                status: 429,
            },
        ];
        for err in transient {
            assert!(err.is_transient(), "{err}");
        }
        let permanent = [
            FetchError::Refused {
                url: url(),
                reason: "private".into(),
            },
            FetchError::BadUrl(url()),
            FetchError::Status {
                url: url(),
                status: 404,
            },
            FetchError::Status {
                url: url(),
                status: 403,
            },
            FetchError::TooLarge {
                url: url(),
                limit: 1,
            },
            FetchError::NotHtml {
                url: url(),
                content_type: "image/png".into(),
            },
            FetchError::TooManyRedirects { url: url() },
            FetchError::Client("tls".into()),
        ];
        for err in permanent {
            assert!(!err.is_transient(), "{err}");
        }
    }

    #[test]
    fn extracts_links() {
        let html = r#"<html><body>
            <abbr title="x">A</abbr>
            <A HREF="/about-us" class=nav>About <b>us</b></A>
            <a class="x" href='/pricing?plan=a&amp;b=1'>Plans &amp; Pricing</a>
            <a href=/jobs>We&#39;re hiring</a>
            <a name="anchor">no href</a>
            <a data-x="a > b" href="/blog">Blog</a>
            <a href="https://other.example/">Other</a>
        </body></html>"#;
        let links = extract_links(html);
        assert_eq!(
            links,
            vec![
                ("/about-us".to_owned(), "About us".to_owned()),
                (
                    "/pricing?plan=a&b=1".to_owned(),
                    "Plans & Pricing".to_owned()
                ),
                ("/jobs".to_owned(), "We're hiring".to_owned()),
                ("/blog".to_owned(), "Blog".to_owned()),
                ("https://other.example/".to_owned(), "Other".to_owned()),
            ]
        );
    }

    #[test]
    fn picks_candidates_in_priority_order() {
        let site = Url::parse("https://www.example.com/").unwrap();
        let html = r##"
            <a href="/blog/2024/some-post">A post</a>
            <a href="/blog">Blog</a>
            <a href="https://example.com/company/team">Team</a>
            <a href="https://blog.example.com/">Blog elsewhere</a>
            <a href="/aboutface">Not about</a>
            <a href="#top">Top</a>
            <a href="/">Home</a>
            <a href="/customers">Customers</a>
            <a href="mailto:hi@example.com">Pricing by mail</a>
        "##;
        let got: Vec<String> = secondary_candidates(&site, html)
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            got,
            vec![
                "https://example.com/company/team",
                "https://www.example.com/pricing",
                "https://www.example.com/careers",
                "https://www.example.com/blog",
                "https://www.example.com/customers",
            ]
        );
    }

    #[test]
    fn same_site_rules() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_site(&u("https://www.a.com/"), &u("http://a.com/x")));
        assert!(same_site(
            &u("http://127.0.0.1:8080/"),
            &u("http://127.0.0.1:8080/x")
        ));
        assert!(!same_site(
            &u("http://127.0.0.1:8080/"),
            &u("http://127.0.0.1:9090/")
        ));
        assert!(!same_site(&u("https://a.com/"), &u("https://blog.a.com/")));
        assert!(!same_site(
            &u("https://a.com/"),
            &u("https://a.com.evil.net/")
        ));
    }

    #[test]
    fn sniffs_untyped_markup() {
        assert!(looks_like_markup(b"\xEF\xBB\xBF  \n<!doctype html>"));
        assert!(!looks_like_markup(b"\x89PNG"));
        assert!(!looks_like_markup(b""));
        assert!(is_html_content_type("Text/HTML; charset=utf-8"));
        assert!(is_html_content_type("application/xhtml+xml"));
        assert!(!is_html_content_type("text/plain"));
    }
}
