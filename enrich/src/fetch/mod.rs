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

mod guard;
mod in_words;
mod post;
mod site;

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, LOCATION};
use url::{Host, Url};

use guard::{Guard, GuardError, GuardRefusal, GuardedDns, check_ip};
pub use guard::{forbidden_host_name, forbidden_reason};
pub use post::Reply;

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
        let client = outbound::builder(policy.connect_timeout, policy.request_timeout)
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn sniffs_untyped_markup() {
        assert!(looks_like_markup(b"\xEF\xBB\xBF  \n<!doctype html>"));
        assert!(!looks_like_markup(b"\x89PNG"));
        assert!(!looks_like_markup(b""));
        assert!(is_html_content_type("Text/HTML; charset=utf-8"));
        assert!(is_html_content_type("application/xhtml+xml"));
        assert!(!is_html_content_type("text/plain"));
    }
}
