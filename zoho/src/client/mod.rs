//! The Zoho CRM API client. One per connection (it caches that connection's access
//! token); cheap to share between the tasks of a sync.

mod error;
mod token;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use backon::Retryable;
use bytes::Bytes;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use url::Url;

pub use error::Error;
use token::{Token, TokenCache};

use crate::record::{DeletedRecord, Record, format_time, is_record_id};

/// Records a list call asks for (Zoho's most).
pub const PER_PAGE: u32 = 200;
/// Records reachable with `page` numbers; past them only `page_token` works.
pub const PAGED_LIMIT: u32 = 2000;
/// Ids one read-back by id may name (Zoho's most).
pub const IDS_PER_CALL: usize = 100;
/// The largest photo taken (Zoho's own limit on a record image is 10 MB).
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// The largest JSON answer read: a page of 200 records is a few hundred KB; a server
/// that sends more is refused rather than buffered without end.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Where and as whom to call Zoho.
#[derive(Clone)]
pub struct Settings {
    /// The data centre's accounts server (`https://accounts.zoho.eu`).
    pub accounts_url: Url,
    /// The API server, when it must not be the `api_domain` the token answer names.
    pub api_url: Option<Url>,
    pub client_id: String,
    pub client_secret: SecretString,
    pub refresh_token: SecretString,
    /// The module synced (`Contacts`).
    pub module: String,
    /// The `fields` parameter of list calls (see `FieldMap::api_fields`).
    pub fields: String,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub backoff: outbound::Backoff,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("accounts_url", &self.accounts_url.as_str())
            .field("module", &self.module)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Where a list call starts: a page number within the first 2,000 records, or the
/// token the previous page gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAt {
    Number(u32),
    Token(String),
}

impl PageAt {
    pub const FIRST: PageAt = PageAt::Number(1);
}

/// A list call's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ListAnswer {
    /// 304: nothing modified since the time given.
    NotModified,
    Page {
        records: Vec<Record>,
        /// Records that could not be read (no id, no modified time), with why.
        unreadable: Vec<String>,
        next: Option<PageAt>,
    },
}

/// What a client has done, for the sync's counts and the tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub retries: u64,
    pub grants: u64,
}

pub struct Client {
    http: reqwest::Client,
    settings: Settings,
    tokens: TokenCache,
    requests: AtomicU64,
    retries: AtomicU64,
}

#[derive(Deserialize)]
struct ListBody {
    #[serde(default)]
    data: Vec<Value>,
    #[serde(default)]
    info: Info,
}

#[derive(Deserialize, Default)]
struct Info {
    #[serde(default)]
    more_records: bool,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

#[derive(Deserialize)]
struct DeletedBody {
    #[serde(default)]
    data: Vec<DeletedRecord>,
    #[serde(default)]
    info: Info,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl Client {
    pub fn new(settings: Settings) -> Result<Self, Error> {
        if !crate::mapping::is_api_name(&settings.module) {
            return Err(Error::Protocol(format!(
                "“{}” is not a module API name",
                settings.module
            )));
        }
        let http = outbound::builder(settings.connect_timeout, settings.timeout)
            .build()
            .map_err(|e| Error::Network(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            settings,
            tokens: TokenCache::new(),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            grants: self.tokens.grants(),
        }
    }

    /// Checks the connection: a token is granted and one record can be listed.
    pub async fn test(&self) -> Result<(), Error> {
        let url = |api: &Url| self.module_url(api, &[]);
        self.retrying(|| async {
            self.send(
                Method::GET,
                url,
                |r| r.query(&[("fields", "Modified_Time"), ("per_page", "1")]),
                MAX_ANSWER_BYTES,
            )
            .await
            .map(drop)
        })
        .await
    }

    /// One page of records, modified after `since` when given (an incremental run).
    pub async fn list(
        &self,
        at: &PageAt,
        since: Option<OffsetDateTime>,
    ) -> Result<ListAnswer, Error> {
        let url = |api: &Url| self.module_url(api, &[]);
        let query = self.list_query(at);
        let response = self.get_since(url, &query, since).await?;
        match response {
            Answer::NotModified => Ok(ListAnswer::NotModified),
            Answer::Empty => Ok(ListAnswer::Page {
                records: Vec::new(),
                unreadable: Vec::new(),
                next: None,
            }),
            Answer::Body(bytes) => {
                let body: ListBody = parse(&bytes)?;
                let next = next_page(at, &body.info)?;
                let mut records = Vec::with_capacity(body.data.len());
                let mut unreadable = Vec::new();
                for value in body.data {
                    match Record::from_json(value) {
                        Ok(record) => records.push(record),
                        Err(why) => unreadable.push(why),
                    }
                }
                Ok(ListAnswer::Page {
                    records,
                    unreadable,
                    next,
                })
            }
        }
    }

    /// Records removed in Zoho, after `since` when given: one page, and where the next is.
    pub async fn deleted(
        &self,
        at: &PageAt,
        since: Option<OffsetDateTime>,
    ) -> Result<(Vec<DeletedRecord>, Option<PageAt>), Error> {
        let url = |api: &Url| self.module_url(api, &["deleted"]);
        let mut query = self.page_query(at);
        query.push(("type", "all".into()));
        let answer = self.get_since(url, &query, since).await?;
        match answer {
            Answer::NotModified | Answer::Empty => Ok((Vec::new(), None)),
            Answer::Body(bytes) => {
                let body: DeletedBody = parse(&bytes)?;
                let next = next_page(at, &body.info)?;
                let data = body
                    .data
                    .into_iter()
                    .filter(|d| is_record_id(&d.id))
                    .collect();
                Ok((data, next))
            }
        }
    }

    /// The named records as they are now (a webhook names ids only). Ids Zoho no longer
    /// has are simply absent from the answer.
    pub async fn records(&self, ids: &[String]) -> Result<Vec<Record>, Error> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_CALL) {
            if let Some(bad) = chunk.iter().find(|id| !is_record_id(id)) {
                return Err(Error::Protocol(format!("“{bad}” is not a record id")));
            }
            let query = [
                ("ids", chunk.join(",")),
                ("fields", self.settings.fields.clone()),
            ];
            let url = |api: &Url| self.module_url(api, &[]);
            let answer = self
                .retrying(|| async {
                    self.send(Method::GET, url, |r| r.query(&query), MAX_ANSWER_BYTES)
                        .await
                })
                .await?;
            if let Answer::Body(bytes) = answer {
                let body: ListBody = parse(&bytes)?;
                out.extend(
                    body.data
                        .into_iter()
                        .filter_map(|v| Record::from_json(v).ok()),
                );
            }
        }
        Ok(out)
    }

    /// A record's photo; `None` when it has none (204, or 404).
    pub async fn photo(&self, id: &str) -> Result<Option<Bytes>, Error> {
        if !is_record_id(id) {
            return Err(Error::Protocol(format!("“{id}” is not a record id")));
        }
        let url = |api: &Url| self.module_url(api, &[id, "photo"]);
        let answer = self
            .retrying(|| async { self.send_photo(url).await })
            .await?;
        Ok(match answer {
            Answer::Body(bytes) => Some(bytes),
            Answer::Empty | Answer::NotModified => None,
        })
    }

    /// Enables (or renews) a notification channel on the module: Zoho will post a
    /// [`crate::Notification`] carrying `token` to `notify_url` for every create, edit
    /// and delete until `expiry` (at most a day ahead).
    pub async fn watch(
        &self,
        channel_id: &str,
        token: &SecretString,
        notify_url: &Url,
        expiry: OffsetDateTime,
    ) -> Result<(), Error> {
        let body = serde_json::json!({
            "watch": [{
                "channel_id": channel_id,
                "events": [format!("{}.all", self.settings.module)],
                "channel_expiry": format_time(expiry),
                "token": token.expose_secret(),
                "notify_url": notify_url.as_str(),
                "return_affected_field_values": false,
            }]
        });
        let url = |api: &Url| Self::api_url(api, &["actions", "watch"]);
        self.retrying(|| async {
            self.send(Method::POST, url, |r| r.json(&body), MAX_ANSWER_BYTES)
                .await
                .map(drop)
        })
        .await
    }

    fn list_query(&self, at: &PageAt) -> Vec<(&'static str, String)> {
        let mut query = self.page_query(at);
        query.push(("fields", self.settings.fields.clone()));
        query
    }

    fn page_query(&self, at: &PageAt) -> Vec<(&'static str, String)> {
        let mut query = vec![("per_page", PER_PAGE.to_string())];
        match at {
            PageAt::Number(n) => query.push(("page", n.to_string())),
            PageAt::Token(token) => query.push(("page_token", token.clone())),
        }
        query
    }

    fn module_url(&self, api: &Url, rest: &[&str]) -> Url {
        let mut segments = vec![self.settings.module.as_str()];
        segments.extend_from_slice(rest);
        Self::api_url(api, &segments)
    }

    fn api_url(api: &Url, rest: &[&str]) -> Url {
        let mut url = api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["crm", "v8"]).extend(rest);
        }
        url
    }

    /// Runs `call` with the backoff's retries on transient failures.
    async fn retrying<T, F, Fut>(&self, call: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let backoff = self.settings.backoff;
        call.retry(backoff.schedule())
            .when(Error::is_transient)
            .adjust(move |error, step| backoff.wait(step, error.retry_after()))
            .notify(|error, wait| {
                self.retries.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%error, wait_ms = wait.as_millis() as u64, "zoho call retried");
            })
            .await
    }

    /// A GET with `query`, changes after `since` only when given (`If-Modified-Since`:
    /// Zoho answers 304 when there are none), retried like every call.
    async fn get_since(
        &self,
        url: impl Fn(&Url) -> Url,
        query: &[(&'static str, String)],
        since: Option<OffsetDateTime>,
    ) -> Result<Answer, Error> {
        self.retrying(|| async {
            self.send(
                Method::GET,
                &url,
                |r| {
                    let r = r.query(query);
                    match since {
                        Some(since) => r.header("If-Modified-Since", format_time(since)),
                        None => r,
                    }
                },
                MAX_ANSWER_BYTES,
            )
            .await
        })
        .await
    }

    /// One call with the cached token; when Zoho calls the token invalid, one more with
    /// a fresh one. The answer's body is read up to `limit` bytes.
    async fn send(
        &self,
        method: Method,
        url: impl Fn(&Url) -> Url,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
        limit: usize,
    ) -> Result<Answer, Error> {
        let token = self.tokens.get(&self.http, &self.settings).await?;
        match self.once(&method, &url, &build, &token, limit).await {
            Err(Error::Unauthorized) => {
                let fresh = self
                    .tokens
                    .refused(&token, &self.http, &self.settings)
                    .await?;
                self.once(&method, &url, &build, &fresh, limit).await
            }
            other => other,
        }
    }

    /// A photo: 404 (like 204) means the record has none.
    async fn send_photo(&self, url: impl Fn(&Url) -> Url) -> Result<Answer, Error> {
        match self.send(Method::GET, url, |r| r, MAX_PHOTO_BYTES).await {
            Err(Error::Api { status: 404, .. }) => Ok(Answer::Empty),
            other => other,
        }
    }

    async fn once(
        &self,
        method: &Method,
        url: &impl Fn(&Url) -> Url,
        build: &impl Fn(RequestBuilder) -> RequestBuilder,
        token: &Token,
        limit: usize,
    ) -> Result<Answer, Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let request = self.http.request(method.clone(), url(&token.api)).header(
            "Authorization",
            format!("Zoho-oauthtoken {}", token.value.expose_secret()),
        );
        let response = build(request)
            .send()
            .await
            .map_err(|e| Error::from_reqwest(&e))?;
        answer(response, limit).await
    }
}

/// A successful call's answer.
enum Answer {
    NotModified,
    /// 204: nothing (an empty module, a record without a photo).
    Empty,
    Body(Bytes),
}

async fn answer(mut response: Response, limit: usize) -> Result<Answer, Error> {
    let status = response.status();
    match status {
        StatusCode::NOT_MODIFIED => return Ok(Answer::NotModified),
        StatusCode::NO_CONTENT => return Ok(Answer::Empty),
        StatusCode::TOO_MANY_REQUESTS => {
            let retry_after = outbound::retry_after(response.headers(), SystemTime::now());
            return Err(Error::RateLimited { retry_after });
        }
        s if s.is_server_error() => return Err(Error::Server { status: s.as_u16() }),
        _ => {}
    }
    let limit = if status.is_success() {
        limit
    } else {
        64 * 1024
    };
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(Error::Protocol(format!(
            "an answer over {} KB",
            limit / 1024
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::from_reqwest(&e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(Error::Protocol(format!(
                "an answer over {} KB",
                limit / 1024
            )));
        }
        body.extend_from_slice(&chunk);
    }
    if status.is_success() {
        return Ok(Answer::Body(Bytes::from(body)));
    }
    let error: ErrorBody = serde_json::from_slice(&body).unwrap_or(ErrorBody {
        code: String::new(),
        message: String::new(),
    });
    if status == StatusCode::UNAUTHORIZED
        && matches!(
            error.code.as_str(),
            "INVALID_TOKEN" | "AUTHENTICATION_FAILURE" | ""
        )
    {
        return Err(Error::Unauthorized);
    }
    Err(Error::Api {
        status: status.as_u16(),
        code: error.code.chars().take(60).collect(),
        message: error.message.chars().take(200).collect(),
    })
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::Protocol(format!("not the JSON expected: {e}")))
}

/// Where the page after `at` starts: the next number while it stays within the first
/// 2,000 records, else the token Zoho gave.
fn next_page(at: &PageAt, info: &Info) -> Result<Option<PageAt>, Error> {
    if !info.more_records {
        return Ok(None);
    }
    if let PageAt::Number(n) = at {
        let page = info.page.unwrap_or(*n);
        if (page + 1) * PER_PAGE <= PAGED_LIMIT {
            return Ok(Some(PageAt::Number(page + 1)));
        }
    }
    match &info.next_page_token {
        Some(token) if !token.is_empty() => Ok(Some(PageAt::Token(token.clone()))),
        _ => Err(Error::Protocol(
            "more records, but no page token to reach them".into(),
        )),
    }
}
