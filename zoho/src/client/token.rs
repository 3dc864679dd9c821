//! The access token: granted from the refresh token by the accounts server, cached,
//! and replaced once when Zoho calls it invalid. Calls made in parallel (photos) that
//! meet an expired token together cause one grant, not one each: each knows the
//! generation of the token it used, and only the first to report it replaces it.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::{Error, Settings};

/// An access token and the API server it is good for.
#[derive(Clone)]
pub struct Token {
    pub value: SecretString,
    pub api: Url,
    pub generation: u64,
    expires: Instant,
}

/// The accounts server's answer. Zoho answers a refused grant with 200 and an `error`.
#[derive(Deserialize)]
struct Grant {
    access_token: Option<String>,
    api_domain: Option<String>,
    expires_in: Option<u64>,
    error: Option<String>,
}

/// Tokens are replaced this long before Zoho's stated expiry, so a call does not set
/// off with one that lapses in flight.
const EARLY: Duration = Duration::from_secs(60);

pub struct TokenCache {
    current: tokio::sync::Mutex<Option<Token>>,
    generations: std::sync::atomic::AtomicU64,
}

impl TokenCache {
    pub fn new() -> Self {
        Self {
            current: tokio::sync::Mutex::new(None),
            generations: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many grants this cache has made.
    pub fn grants(&self) -> u64 {
        self.generations.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A token to call with: the cached one while it is fresh, else a new grant.
    pub async fn get(&self, http: &reqwest::Client, settings: &Settings) -> Result<Token, Error> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref().filter(|t| t.expires > Instant::now()) {
            return Ok(token.clone());
        }
        let token = self.grant(http, settings).await?;
        *current = Some(token.clone());
        Ok(token)
    }

    /// Zoho refused `used`: replace it unless another call already has.
    pub async fn refused(
        &self,
        used: &Token,
        http: &reqwest::Client,
        settings: &Settings,
    ) -> Result<Token, Error> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref().filter(|t| t.generation != used.generation) {
            return Ok(token.clone());
        }
        let token = self.grant(http, settings).await?;
        *current = Some(token.clone());
        Ok(token)
    }

    async fn grant(&self, http: &reqwest::Client, settings: &Settings) -> Result<Token, Error> {
        let mut url = settings.accounts_url.clone();
        url.set_path("/oauth/v2/token");
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", settings.client_id.as_str()),
            ("client_secret", settings.client_secret.expose_secret()),
            ("refresh_token", settings.refresh_token.expose_secret()),
        ];
        let response = http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| Error::from_reqwest(&e))?;
        let status = response.status();
        if status.as_u16() == 429 {
            let retry_after =
                outbound::retry_after(response.headers(), std::time::SystemTime::now());
            return Err(Error::RateLimited { retry_after });
        }
        if status.is_server_error() {
            return Err(Error::Server {
                status: status.as_u16(),
            });
        }
        let grant: Grant = response
            .json()
            .await
            .map_err(|_| Error::Protocol(format!("the token answer ({status}) is not JSON")))?;
        if let Some(error) = grant.error {
            return Err(Error::Credentials(short_code(&error)));
        }
        let (Some(value), true) = (grant.access_token, status.is_success()) else {
            return Err(Error::Protocol(format!(
                "the token answer ({status}) has no access token"
            )));
        };
        let api = match &settings.api_url {
            Some(url) => url.clone(),
            None => api_domain(grant.api_domain.as_deref(), &settings.accounts_url)?,
        };
        let lifetime = Duration::from_secs(grant.expires_in.unwrap_or(3600));
        let generation = self
            .generations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        tracing::debug!(generation, "zoho access token granted");
        Ok(Token {
            value: SecretString::from(value),
            api,
            generation,
            expires: Instant::now() + lifetime.saturating_sub(EARLY).max(Duration::from_secs(1)),
        })
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

/// The API server the grant names. It must be https, unless the accounts server itself
/// is plain http (a fake on this machine): an answer cannot downgrade us.
fn api_domain(given: Option<&str>, accounts: &Url) -> Result<Url, Error> {
    let given =
        given.ok_or_else(|| Error::Protocol("the token answer names no api_domain".into()))?;
    let url =
        Url::parse(given).map_err(|_| Error::Protocol("the api_domain is not a URL".into()))?;
    let secure = url.scheme() == "https" || accounts.scheme() == "http";
    if !secure || url.host_str().is_none() || url.cannot_be_a_base() {
        return Err(Error::Protocol("the api_domain is not an https URL".into()));
    }
    Ok(url)
}

/// An error code from an answer, kept short and plain (it reaches logs and the page).
fn short_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(60)
        .collect()
}
