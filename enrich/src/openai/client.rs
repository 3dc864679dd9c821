//! The client: one chat-completions request per analysis, and what a failed one means
//! (rate limited, unavailable, rejected), with the provider's text made safe to log.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use url::Url;

use super::request::{SYSTEM_PROMPT, response_schema, user_message};
use super::text::{cap_chars, collapse_whitespace};
use super::{
    Analysis, OpenAiConfig, OpenAiConfigError, OpenAiError, PageText, REASON_MAX_CHARS, SCHEMA_NAME,
};

/// A chat completion for this schema is a few KB; anything past this is not one.
const MAX_RESPONSE_BYTES: usize = 2 * 1024 * 1024;
/// Of an error body, only enough for a reason.
const MAX_ERROR_BODY_BYTES: usize = 16 * 1024;

/// A chat-completions client for one model. Cheap to clone (the connection pool and the
/// configuration are shared).
#[derive(Clone, Debug)]
pub struct OpenAiClient {
    http: reqwest::Client,
    endpoint: Url,
    /// `Bearer …`, marked sensitive so reqwest never prints it.
    auth: Option<HeaderValue>,
    config: Arc<OpenAiConfig>,
}

impl OpenAiClient {
    pub fn new(config: OpenAiConfig) -> Result<Self, OpenAiConfigError> {
        let endpoint = chat_completions_url(&config.base_url)?;
        if config.model.trim().is_empty() {
            return Err(OpenAiConfigError::NoModel);
        }
        let auth = match &config.api_key {
            Some(key) if !key.expose_secret().trim().is_empty() => {
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {}", key.expose_secret().trim()))
                        .map_err(|_| OpenAiConfigError::ApiKey)?;
                value.set_sensitive(true);
                Some(value)
            }
            _ => None,
        };
        let http = outbound::builder(config.timeout.min(Duration::from_secs(10)), config.timeout)
            .build()
            .map_err(|e| OpenAiConfigError::Client(error_chain(&e)))?;
        Ok(Self {
            http,
            endpoint,
            auth,
            config: Arc::new(config),
        })
    }

    pub fn model(&self) -> &str {
        &self.config.model
    }

    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// Where requests go: `{base_url}/chat/completions`.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Asks the model about a company from its fetched pages, and validates the answer.
    pub async fn analyse(
        &self,
        company_name: &str,
        website: &str,
        pages: &[PageText],
    ) -> Result<Analysis, OpenAiError> {
        let model = self.model();
        let (user_message, chars_sent) =
            user_message(company_name, website, pages, self.config.max_input_chars);
        let body = json!({
            "model": model,
            "temperature": 0,
            "messages": [
                { "role": "system", "content": SYSTEM_PROMPT },
                { "role": "user", "content": user_message },
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": SCHEMA_NAME,
                    "strict": true,
                    "schema": response_schema(),
                },
            },
        });
        tracing::debug!(
            model,
            endpoint = %self.endpoint,
            pages = pages.len(),
            chars_sent,
            "asking the model"
        );
        let started = Instant::now();

        let mut request = self.http.post(self.endpoint.clone()).json(&body);
        if let Some(auth) = &self.auth {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let response = request.send().await.map_err(|e| self.transport_error(&e))?;

        let status = response.status();
        if !status.is_success() {
            let error = self.status_error(response).await;
            tracing::warn!(model, status = status.as_u16(), error = %error, "model call failed");
            return Err(error);
        }

        let bytes = read_capped(response, MAX_RESPONSE_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::Transport(e) => self.transport_error(&e),
                ReadError::TooLarge => OpenAiError::InvalidAnswer {
                    reason: format!(
                        "the response is larger than {} KiB",
                        MAX_RESPONSE_BYTES / 1024
                    ),
                    usage: None,
                },
            })?;

        let result = self.interpret(&bytes, pages);
        match &result {
            Ok(analysis) => tracing::info!(
                model,
                tokens_in = analysis.usage.tokens_in,
                tokens_out = analysis.usage.tokens_out,
                cost_micros = analysis.usage.cost_micros,
                signals = analysis.enrichment.signals.len(),
                score = analysis.enrichment.score,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "model answered"
            ),
            Err(error) => tracing::warn!(
                model,
                tokens_in = error.usage().map(|u| u.tokens_in),
                tokens_out = error.usage().map(|u| u.tokens_out),
                elapsed_ms = started.elapsed().as_millis() as u64,
                error = %error,
                "model answer rejected"
            ),
        }
        result
    }

    fn transport_error(&self, error: &reqwest::Error) -> OpenAiError {
        let reason = if error.is_timeout() {
            format!("no answer within {:.1}s", self.config.timeout.as_secs_f64())
        } else if error.is_connect() {
            format!(
                "could not connect to {}: {}",
                self.endpoint.host_str().unwrap_or("the provider"),
                error_chain(error)
            )
        } else {
            error_chain(error)
        };
        OpenAiError::Unavailable {
            reason: self.clean_reason(&reason),
        }
    }

    async fn status_error(&self, response: reqwest::Response) -> OpenAiError {
        let status = response.status();
        let retry_after = outbound::retry_after(response.headers(), SystemTime::now());
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // A body we cannot read in time still leaves the status to go by.
        let body = read_capped(response, MAX_ERROR_BODY_BYTES)
            .await
            .unwrap_or_default();
        let detail = ErrorDetail::from_body(&body);
        let reason = self.clean_reason(&detail.message.unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_owned()
        }));

        if status == StatusCode::TOO_MANY_REQUESTS {
            // OpenAI answers 429 for an exhausted balance too: waiting will not fix that.
            if detail.code.as_deref() == Some("insufficient_quota")
                || detail.kind.as_deref() == Some("insufficient_quota")
            {
                return OpenAiError::Rejected {
                    status: status.as_u16(),
                    reason,
                };
            }
            return OpenAiError::RateLimited { retry_after };
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return OpenAiError::Unavailable {
                reason: format!("HTTP {}: {reason}", status.as_u16()),
            };
        }
        if status.is_redirection() {
            return OpenAiError::Rejected {
                status: status.as_u16(),
                reason: format!(
                    "redirected{} (redirects are not followed; check the base URL)",
                    location
                        .map(|l| format!(" to {}", self.clean_reason(&l)))
                        .unwrap_or_default()
                ),
            };
        }
        OpenAiError::Rejected {
            status: status.as_u16(),
            reason,
        }
    }

    /// Provider text made fit for a log line and the database: one line, short, and
    /// never the key even if the provider echoes it.
    pub(super) fn clean_reason(&self, text: &str) -> String {
        let mut text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if let Some(key) = &self.config.api_key {
            let key = key.expose_secret().trim();
            if !key.is_empty() {
                text = text.replace(key, "[REDACTED]");
            }
        }
        cap_chars(&collapse_whitespace(&text), REASON_MAX_CHARS)
    }
}

fn chat_completions_url(base: &Url) -> Result<Url, OpenAiConfigError> {
    let fail = |reason| {
        // Never echo credentials someone put in the URL.
        let mut shown = base.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        OpenAiConfigError::BaseUrl {
            url: shown.to_string(),
            reason,
        }
    };
    if !matches!(base.scheme(), "http" | "https") {
        return Err(fail("it is not http(s)"));
    }
    if !base.username().is_empty() || base.password().is_some() {
        return Err(fail("put credentials in the API key, not the URL"));
    }
    let mut url = base.clone();
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| fail("it cannot have a path"))?
        .pop_if_empty()
        .push("chat")
        .push("completions");
    Ok(url)
}

// ---------------------------------------------------------------------------------------
// Reading responses
// ---------------------------------------------------------------------------------------

enum ReadError {
    Transport(reqwest::Error),
    TooLarge,
}

async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, ReadError> {
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `{"error": {"message", "type", "code"}}`, OpenAI's error shape (vLLM and Ollama use it
/// too); otherwise the body as text.
#[derive(Default)]
struct ErrorDetail {
    message: Option<String>,
    kind: Option<String>,
    code: Option<String>,
}

impl ErrorDetail {
    fn from_body(body: &[u8]) -> Self {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            match value.get("error") {
                Some(Value::String(message)) => {
                    return Self {
                        message: Some(message.clone()),
                        ..Self::default()
                    };
                }
                Some(error @ Value::Object(_)) => {
                    return Self {
                        message: text(error.get("message")),
                        kind: text(error.get("type")),
                        code: text(error.get("code")),
                    };
                }
                _ => {}
            }
        }
        let body = String::from_utf8_lossy(body);
        let body = body.trim();
        Self {
            message: (!body.is_empty()).then(|| body.to_owned()),
            ..Self::default()
        }
    }
}

fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
