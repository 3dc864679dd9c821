//! A fake Zoho CRM on a local port: the accounts server's token grant and the CRM API
//! calls the client makes, answered from generated contacts, with the faults a real
//! Zoho has, switched on by the test (or over HTTP, `/_fake/…`, by the browser tests and
//! the benchmark, which run it as the `fake-zoho` binary).

mod data;
pub mod photos;
mod routes;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use url::Url;

pub use data::{Contact, record_id};
use photos::Photos;

use crate::notification::Notification;

/// What the fake starts with.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub contacts: usize,
    /// Added to every API answer (not the token grant).
    pub latency: Duration,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub module: String,
    pub seed: u64,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            contacts: 50,
            latency: Duration::ZERO,
            client_id: "1000.FAKECLIENTID".into(),
            client_secret: "fake-client-secret".into(),
            refresh_token: "1000.fake-refresh-token".into(),
            module: "Contacts".into(),
            seed: 7,
        }
    }
}

/// Faults to answer with. Each burst counts down one API request at a time.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// The next N API requests get 429 with `Retry-After: retry_after_s`.
    pub rate_limit_next: u32,
    pub retry_after_s: u32,
    /// The next N API requests get a 500 (or `server_error_status`).
    pub server_error_next: u32,
    pub server_error_status: Option<u16>,
    /// After N more API requests every access token given so far is invalid.
    pub expire_tokens_after: Option<u32>,
    /// Photos of these records always answer 500.
    pub failing_photos: Vec<String>,
    /// Milliseconds added to every API answer.
    pub latency_ms: Option<u64>,
}

/// What the fake has been asked, for assertions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub grants: u64,
    pub refused_grants: u64,
    pub api_requests: u64,
    pub list_calls: u64,
    pub paged_with_token: u64,
    pub photo_calls: u64,
    pub refused_tokens: u64,
    pub rate_limited: u64,
    pub server_errors: u64,
    pub not_modified: u64,
}

/// A notification channel the client enabled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Channel {
    pub channel_id: String,
    pub token: String,
    pub notify_url: String,
}

pub(crate) struct State {
    pub config: FakeConfig,
    pub url: Url,
    pub contacts: BTreeMap<u128, Contact>,
    pub deleted: Vec<(String, OffsetDateTime)>,
    pub tokens: HashSet<String>,
    pub faults: Faults,
    pub counts: Counts,
    pub channel: Option<Channel>,
    pub page_tokens: HashMap<String, usize>,
    pub clock: OffsetDateTime,
    pub next_index: usize,
    pub photos: Photos,
}

impl State {
    /// Sets fields of a record (Zoho API names → values), as an edit in Zoho would.
    pub fn edit(&mut self, id: &str, fields: &serde_json::Map<String, Value>) -> bool {
        let at = self.tick();
        let Some(contact) = self.contacts.get_mut(&key(id)) else {
            return false;
        };
        for (name, value) in fields {
            contact.fields.insert(name.clone(), value.clone());
        }
        contact.modified = at;
        true
    }

    /// Edits `count` records (every `stride`-th from the start) and, with `photos`,
    /// gives them a new photo: what happens in Zoho between two runs.
    pub fn modify(&mut self, count: usize, photos: bool) -> Vec<String> {
        let state = self;
        let ids: Vec<u128> = state.contacts.keys().copied().collect();
        let stride = (ids.len() / count.max(1)).max(1);
        let mut changed = Vec::new();
        for key in ids.iter().step_by(stride).take(count) {
            let at = state.tick();
            if let Some(contact) = state.contacts.get_mut(key) {
                let city = if contact.fields.get("Mailing_City") == Some(&json!("Leeds")) {
                    "York"
                } else {
                    "Leeds"
                };
                contact.fields.insert("Mailing_City".into(), json!(city));
                if photos {
                    contact.photo_version = Some(contact.photo_version.unwrap_or(0) + 1);
                }
                contact.modified = at;
                changed.push(contact.id.clone());
            }
        }
        changed
    }

    /// Adds `count` new contacts.
    pub fn create(&mut self, count: usize) -> Vec<String> {
        let state = self;
        let mut created = Vec::new();
        for _ in 0..count {
            let at = state.tick();
            let index = state.next_index;
            state.next_index += 1;
            let contact = Contact::generate(index, state.config.seed, at);
            created.push(contact.id.clone());
            state.contacts.insert(key(&contact.id), contact);
        }
        created
    }

    /// Removes records (they move to the deleted list).
    pub fn delete(&mut self, ids: &[String]) -> usize {
        let state = self;
        let mut removed = 0;
        for id in ids {
            if state.contacts.remove(&key(id)).is_some() {
                let at = state.tick();
                state.deleted.push((id.clone(), at));
                removed += 1;
            }
        }
        removed
    }

    /// The fake's clock: each change is a second after the last, so modified times
    /// are distinct and ordered whatever the real clock does during a test.
    pub fn tick(&mut self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(self.clock);
        self.clock = (self.clock + Duration::from_secs(1)).max(now);
        self.clock
    }
}

fn key(id: &str) -> u128 {
    id.parse().unwrap_or(u128::MAX)
}

/// A running fake Zoho.
pub struct FakeZoho {
    pub url: Url,
    state: Arc<Mutex<State>>,
    server: JoinHandle<()>,
}

impl FakeZoho {
    /// Starts on a free local port.
    pub async fn start(config: FakeConfig) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    pub async fn start_on(addr: SocketAddr, config: FakeConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let url = Url::parse(&format!("http://{local}/"))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        // Every contact was last modified a while ago, a minute apart, oldest first.
        let start = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            - Duration::from_secs(86_400 * 30);
        let contacts = (0..config.contacts)
            .map(|i| {
                let contact =
                    Contact::generate(i, config.seed, start + Duration::from_secs(i as u64));
                (key(&contact.id), contact)
            })
            .collect();
        let latency_ms = config.latency.as_millis() as u64;
        let state = Arc::new(Mutex::new(State {
            photos: Photos::generate(config.seed),
            next_index: config.contacts,
            config,
            url: url.clone(),
            contacts,
            deleted: Vec::new(),
            tokens: HashSet::new(),
            faults: Faults {
                latency_ms: Some(latency_ms),
                ..Faults::default()
            },
            counts: Counts::default(),
            channel: None,
            page_tokens: HashMap::new(),
            clock: start + Duration::from_secs(86_400),
        }));
        let app = routes::router(Arc::clone(&state));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "fake zoho stopped");
            }
        });
        Ok(Self { url, state, server })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// The accounts server and the API server are both this fake.
    pub fn accounts_url(&self) -> Url {
        self.url.clone()
    }

    pub fn config(&self) -> FakeConfig {
        self.state().config.clone()
    }

    pub fn counts(&self) -> Counts {
        self.state().counts
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state().faults = faults;
    }

    pub fn faults(&self) -> Faults {
        self.state().faults.clone()
    }

    /// Every record id, in id order.
    pub fn ids(&self) -> Vec<String> {
        self.state()
            .contacts
            .values()
            .map(|c| c.id.clone())
            .collect()
    }

    pub fn contact(&self, id: &str) -> Option<Contact> {
        self.state().contacts.get(&key(id)).cloned()
    }

    /// The photo of a record as the fake serves it.
    pub fn photo_bytes(&self, id: &str) -> Option<Vec<u8>> {
        let state = self.state();
        let contact = state.contacts.get(&key(id))?;
        Some(state.photos.photo(&contact.id, contact.photo_version?))
    }

    pub fn base_photo_sizes(&self) -> Vec<usize> {
        self.state().photos.base_sizes()
    }

    /// Sets fields of a record (Zoho API names → values), as an edit in Zoho would.
    pub fn edit(&self, id: &str, fields: &serde_json::Map<String, Value>) -> bool {
        self.state().edit(id, fields)
    }

    /// Edits `count` records spread over the directory and, with `photos`, gives them
    /// a new photo: what happens in Zoho between two runs.
    pub fn modify(&self, count: usize, photos: bool) -> Vec<String> {
        self.state().modify(count, photos)
    }

    /// Adds `count` new contacts.
    pub fn create(&self, count: usize) -> Vec<String> {
        self.state().create(count)
    }

    /// Removes records (they move to the deleted list).
    pub fn delete(&self, ids: &[String]) -> usize {
        self.state().delete(ids)
    }

    /// Invalidates every access token given so far.
    pub fn expire_tokens(&self) {
        self.state().tokens.clear();
    }

    pub fn channel(&self) -> Option<Channel> {
        self.state().channel.clone()
    }

    /// Posts a Notification API call for `ids` to the enabled channel, as Zoho does
    /// after a change; the receiver's status code.
    pub async fn notify(&self, operation: &str, ids: &[String]) -> Result<u16, String> {
        notify(&self.state, operation, ids, None).await
    }

    /// The same with another token than the channel's (an impostor).
    pub async fn notify_with_token(
        &self,
        operation: &str,
        ids: &[String],
        token: &str,
    ) -> Result<u16, String> {
        notify(&self.state, operation, ids, Some(token)).await
    }

    pub fn stop(&self) {
        self.server.abort();
    }
}

impl Drop for FakeZoho {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) async fn notify(
    state: &Mutex<State>,
    operation: &str,
    ids: &[String],
    token: Option<&str>,
) -> Result<u16, String> {
    let (channel, module, url) = {
        let state = lock(state);
        let channel = state.channel.clone().ok_or("no channel is enabled")?;
        (channel, state.config.module.clone(), state.url.clone())
    };
    let body = Notification {
        server_time: OffsetDateTime::now_utc().unix_timestamp() * 1000,
        module: module.clone(),
        resource_uri: format!("{url}crm/v8/{module}"),
        ids: ids.to_vec(),
        operation: operation.to_string(),
        channel_id: channel.channel_id,
        token: token.unwrap_or(&channel.token).to_string(),
        affected_fields: Vec::new(),
        query_params: json!({}),
    };
    let reply = reqwest::Client::new()
        .post(&channel.notify_url)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("the notify URL did not answer: {e}"))?;
    Ok(reply.status().as_u16())
}
