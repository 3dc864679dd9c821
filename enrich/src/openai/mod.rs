//! The OpenAI-compatible provider: any chat-completions API (OpenAI itself, a local vLLM
//! or Ollama) asked to answer in a strict JSON schema, whose answer we validate again.
//!
//! - One request per analysis, no retries here: the job queue retries, so a 429 or a 5xx
//!   comes back promptly as [`OpenAiError::RateLimited`] / [`OpenAiError::Unavailable`].
//! - The page text is untrusted. It is sent as JSON strings inside a clearly delimited
//!   block (a JSON string cannot contain a raw newline, so the delimiter lines cannot be
//!   forged by the page), and the system prompt tells the model to treat it as data only.
//! - The answer is validated with strict serde structs (`deny_unknown_fields`) plus explicit
//!   checks: whatever the schema forbids (a score of 140, an unknown signal kind, 7 bullets)
//!   rejects the answer; what the schema cannot express (lengths of strings, stray
//!   whitespace, which URLs are real pages) is normalised — strings are trimmed and capped,
//!   and evidence pointing at a page we did not read is dropped and logged.
//! - Tokens are recorded even when the answer is rejected, since they were paid for.
//! - The API key is a [`SecretString`]: `Debug` never shows it, it is sent as a sensitive
//!   header, and it is scrubbed from any error text the provider echoes back.

mod answer;
mod client;
mod prices;
mod request;
mod text;

use std::ops::RangeInclusive;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::types::{Enrichment, Usage};

pub use client::OpenAiClient;
pub use outbound::{parse_http_date, parse_retry_after};
pub use prices::{ModelPrice, PriceTable, PriceTableError};
pub use request::response_schema;

/// OpenAI's own API.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// The whole request, connecting to the last byte of the answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Page text sent per analysis, over all pages.
pub const DEFAULT_MAX_INPUT_CHARS: usize = 24_000;
/// The `json_schema.name` of the response format.
pub const SCHEMA_NAME: &str = "company_enrichment";

/// Limits of the answer. Counts are in the schema (a violation rejects the answer); string
/// lengths are not expressible in strict mode, so longer strings are cut to these.
pub const SUMMARY_MAX_CHARS: usize = 1000;
pub const BULLET_MAX_CHARS: usize = 200;
pub const KEYWORD_MAX_CHARS: usize = 80;
pub const LABEL_MAX_CHARS: usize = 200;
pub const EXCERPT_MAX_CHARS: usize = 300;
pub const WHAT_THEY_DO_ITEMS: RangeInclusive<usize> = 1..=6;
pub const KEYWORD_ITEMS: RangeInclusive<usize> = 1..=15;
pub const MAX_SIGNALS: usize = 20;
pub const EVIDENCE_ITEMS: RangeInclusive<usize> = 1..=5;

/// Provider text (an error's reason, a dropped URL) kept for logs and the database.
const REASON_MAX_CHARS: usize = 300;

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

/// Where and how to ask. `Debug` shows everything but the key.
#[derive(Clone, Debug)]
pub struct OpenAiConfig {
    /// e.g. `https://api.openai.com/v1`; requests go to `{base_url}/chat/completions`.
    pub base_url: Url,
    /// Sent as `Authorization: Bearer …` when set (a local server may need none).
    pub api_key: Option<SecretString>,
    /// e.g. `gpt-4o-mini`; also the key into [`OpenAiConfig::prices`].
    pub model: String,
    /// The whole request; past it the call fails as [`OpenAiError::Unavailable`].
    pub timeout: Duration,
    pub prices: PriceTable,
    /// Page text sent per analysis, over all pages, split fairly between them.
    pub max_input_chars: usize,
}

impl OpenAiConfig {
    /// A configuration with the defaults: no key, no prices, 60 s, 24 000 characters.
    pub fn new(base_url: Url, model: impl Into<String>) -> Self {
        Self {
            base_url,
            api_key: None,
            model: model.into(),
            timeout: DEFAULT_TIMEOUT,
            prices: PriceTable::default(),
            max_input_chars: DEFAULT_MAX_INPUT_CHARS,
        }
    }

    /// Sets the key; an empty or blank key means none.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        let key: String = key.into();
        self.api_key = if key.trim().is_empty() {
            None
        } else {
            Some(SecretString::from(key))
        };
        self
    }
}

/// Why a configuration cannot make a client. Never contains the key.
#[derive(Debug, thiserror::Error)]
pub enum OpenAiConfigError {
    #[error("the model API base URL {url} is not usable: {reason}")]
    BaseUrl { url: String, reason: &'static str },
    #[error("the model API key contains characters that cannot be sent in a header")]
    ApiKey,
    #[error("no model name is configured")]
    NoModel,
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

// ---------------------------------------------------------------------------------------
// Inputs, outputs, errors
// ---------------------------------------------------------------------------------------

/// One fetched page, as readable text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageText {
    pub url: String,
    pub title: Option<String>,
    pub text: String,
}

/// A validated answer and what it cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// `sources` are the pages given, in order.
    pub enrichment: Enrichment,
    pub usage: Usage,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenAiError {
    /// HTTP 429: try again later, after `retry_after` if the provider said.
    #[error("the model provider is rate limiting us{}", match .retry_after {
        Some(after) => format!(" (retry after {}s)", after.as_secs()),
        None => String::new(),
    })]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, 408, a timeout or a connection error: try again later.
    #[error("the model provider is unavailable: {reason}")]
    Unavailable { reason: String },
    /// Any other 4xx (a bad key, a bad request, an exhausted quota): retrying will not help.
    #[error("the model provider rejected the request (HTTP {status}): {reason}")]
    Rejected { status: u16, reason: String },
    /// The provider answered, but not with a valid analysis. Permanent; tokens were spent.
    #[error("the model's answer was not usable: {reason}")]
    InvalidAnswer {
        reason: String,
        usage: Option<Usage>,
    },
}

impl OpenAiError {
    /// Whether the job should be retried later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            OpenAiError::RateLimited { .. } | OpenAiError::Unavailable { .. }
        )
    }

    /// How long the provider asked us to wait, for a 429 that said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            OpenAiError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// What the failed call consumed, when the provider reported it.
    pub fn usage(&self) -> Option<&Usage> {
        match self {
            OpenAiError::InvalidAnswer { usage, .. } => usage.as_ref(),
            _ => None,
        }
    }
}
