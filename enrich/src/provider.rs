//! The analysers behind one interface, and what a failure means for the job running
//! them: try again later (and when), or give up with a reason.
//!
//! A job runs the pipeline step by step so it can report each one: fetch the site
//! ([`crate::fetch::Fetcher::fetch_site`]), extract ([`crate::extract::extract`]), then
//! [`Analyser::analyse`].

use std::time::Duration;

use crate::extract::Document;
use crate::fetch::FetchError;
use crate::heuristic;
use crate::openai::{OpenAiClient, OpenAiError, PageText};
use crate::{Enrichment, Usage};

/// Who turns the extracted pages into an enrichment.
#[derive(Clone, Debug)]
pub enum Analyser {
    /// Offline, free and deterministic (the default).
    Heuristic,
    /// Any OpenAI-compatible chat API.
    OpenAi(OpenAiClient),
}

/// A finished analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub enrichment: Enrichment,
    pub provider: &'static str,
    pub model: Option<String>,
    /// What a paid provider consumed (None for the heuristic).
    pub usage: Option<Usage>,
}

/// Why an enrichment did not finish, and whether trying again can help.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Failure {
    /// Something outside us is down or busy (a site timing out, a provider's 5xx or
    /// 429): the job is tried again later, no sooner than `retry_after` when given.
    #[error("{reason}")]
    Retry {
        reason: String,
        retry_after: Option<Duration>,
        usage: Option<Usage>,
    },
    /// Trying again would give the same answer (a refused address, a 404, an answer
    /// that fails validation).
    #[error("{reason}")]
    Fatal {
        reason: String,
        usage: Option<Usage>,
    },
}

impl Failure {
    /// Tokens a provider really spent on the failed call: they are paid for anyway.
    pub fn usage(&self) -> Option<&Usage> {
        match self {
            Failure::Retry { usage, .. } | Failure::Fatal { usage, .. } => usage.as_ref(),
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, Failure::Retry { .. })
    }
}

impl From<FetchError> for Failure {
    fn from(error: FetchError) -> Self {
        // In words for the person (the technical text is in the job's log line).
        tracing::info!(%error, "enrichment could not read the website");
        let reason = error.in_words();
        if error.is_transient() {
            Failure::Retry {
                reason,
                retry_after: None,
                usage: None,
            }
        } else {
            Failure::Fatal {
                reason,
                usage: None,
            }
        }
    }
}

impl From<OpenAiError> for Failure {
    fn from(error: OpenAiError) -> Self {
        let usage = error.usage().cloned();
        let retry_after = error.retry_after();
        let reason = format!("The AI provider: {error}");
        if error.is_transient() {
            Failure::Retry {
                reason,
                retry_after,
                usage,
            }
        } else {
            Failure::Fatal { reason, usage }
        }
    }
}

impl Analyser {
    /// The provider's name as recorded in the usage ledger.
    pub fn provider(&self) -> &'static str {
        match self {
            Analyser::Heuristic => "heuristic",
            Analyser::OpenAi(_) => "openai",
        }
    }

    pub fn model(&self) -> Option<String> {
        match self {
            Analyser::Heuristic => None,
            Analyser::OpenAi(client) => Some(client.model().to_string()),
        }
    }

    /// Analyses the extracted pages. `today` (year, month, day) dates the heuristic's
    /// "recent" signals, so the same pages on the same day give the same result.
    pub async fn analyse(
        &self,
        company_name: &str,
        website: &str,
        docs: &[Document],
        today: heuristic::Today,
    ) -> Result<Outcome, Failure> {
        if docs.is_empty() {
            return Err(Failure::Fatal {
                reason: "The website had no readable pages.".into(),
                usage: None,
            });
        }
        match self {
            Analyser::Heuristic => Ok(Outcome {
                enrichment: heuristic::analyse(company_name, docs, today),
                provider: self.provider(),
                model: None,
                usage: None,
            }),
            Analyser::OpenAi(client) => {
                let pages: Vec<PageText> = docs
                    .iter()
                    .map(|doc| PageText {
                        url: doc.url.to_string(),
                        title: doc.title.clone(),
                        text: doc.text.clone(),
                    })
                    .collect();
                let analysis = client.analyse(company_name, website, &pages).await?;
                Ok(Outcome {
                    enrichment: analysis.enrichment,
                    provider: self.provider(),
                    model: Some(client.model().to_string()),
                    usage: Some(analysis.usage),
                })
            }
        }
    }
}
