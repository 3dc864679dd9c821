//! Outbound webhooks as the admin page shows and registers them: the events an
//! endpoint may subscribe to, an endpoint, and the log of its deliveries.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AppError;

/// What a receiver can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WebhookEvent {
    CaseCreated,
    CaseUpdated,
    CaseCommented,
    CompanyEnriched,
    ContractorSynced,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 5] = [
        WebhookEvent::CaseCreated,
        WebhookEvent::CaseUpdated,
        WebhookEvent::CaseCommented,
        WebhookEvent::CompanyEnriched,
        WebhookEvent::ContractorSynced,
    ];

    /// As stored, and as the payload's `type` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::CaseCreated => "case.created",
            WebhookEvent::CaseUpdated => "case.updated",
            WebhookEvent::CaseCommented => "case.commented",
            WebhookEvent::CompanyEnriched => "company.enriched",
            WebhookEvent::ContractorSynced => "contractor.synced",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            WebhookEvent::CaseCreated => "A case is created",
            WebhookEvent::CaseUpdated => "A case changes (status, priority, assignee, fields)",
            WebhookEvent::CaseCommented => "A case gets a comment",
            WebhookEvent::CompanyEnriched => "A company's enrichment finishes",
            WebhookEvent::ContractorSynced => "The CRM sync adds or changes a contractor",
        }
    }
}

/// Longest endpoint URL and description.
pub const MAX_WEBHOOK_URL_CHARS: usize = 2000;
pub const MAX_WEBHOOK_DESCRIPTION_CHARS: usize = 200;

/// A receiver as the admin page lists it (its secret only right after it is made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: Vec<WebhookEvent>,
    pub enabled: bool,
    pub created_at: OffsetDateTime,
    /// Deliveries delivered / given up / still trying, over the endpoint's log.
    pub delivered: i64,
    pub failed: i64,
    pub pending: i64,
}

/// Where one delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    /// Written with its event, not yet handed to a job.
    New,
    /// A job will attempt it.
    Queued,
    /// An attempt failed; the next is due.
    Retrying,
    Delivered,
    /// Every attempt failed (or the receiver can never be reached).
    Failed,
}

impl DeliveryState {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "new" => Self::New,
            "queued" => Self::Queued,
            "retrying" => Self::Retrying,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::New | Self::Queued => "Sending",
            Self::Retrying => "Retrying",
            Self::Delivered => "Delivered",
            Self::Failed => "Failed",
        }
    }
}

/// One event sent (or being sent) to one endpoint, as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: i64,
    pub endpoint_id: i64,
    pub endpoint_url: String,
    pub event_id: String,
    pub event_type: String,
    pub created_at: OffsetDateTime,
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub last_attempt_at: Option<OffsetDateTime>,
    pub response_status: Option<i16>,
    pub latency_ms: Option<i32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

/// The admin page: the endpoints, the latest deliveries, and the secret of the endpoint
/// registered just now (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksPage {
    pub endpoints: Vec<WebhookEndpoint>,
    pub deliveries: Vec<WebhookDelivery>,
    pub just_made: Option<MadeWebhook>,
}

/// An endpoint just registered: the one time the page shows its signing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MadeWebhook {
    pub id: i64,
    pub url: String,
    pub secret: String,
}

/// A new endpoint as the form sends it, checked (where the URL leads is checked by the
/// server, which can resolve it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: url::Url,
    pub description: String,
    pub events: Vec<WebhookEvent>,
}

impl NewWebhook {
    pub fn parse(url: &str, description: &str, events: &[String]) -> Result<Self, AppError> {
        let text = url.trim();
        if text.is_empty() {
            return Err(AppError::invalid(
                "url",
                "is required: where should events be sent?",
            ));
        }
        if text.chars().count() > MAX_WEBHOOK_URL_CHARS {
            return Err(AppError::invalid(
                "url",
                format!("must be at most {MAX_WEBHOOK_URL_CHARS} characters"),
            ));
        }
        let parsed = url::Url::parse(text).map_err(|_| {
            AppError::invalid(
                "url",
                "is not a web address: write it whole, like https://example.com/hooks",
            )
        })?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
            return Err(AppError::invalid(
                "url",
                "must be an http or https address with a host",
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(AppError::invalid(
                "url",
                "must not carry a user name or password: receivers verify the signature instead",
            ));
        }
        let description = description.trim();
        if description.chars().count() > MAX_WEBHOOK_DESCRIPTION_CHARS {
            return Err(AppError::invalid(
                "description",
                format!("must be at most {MAX_WEBHOOK_DESCRIPTION_CHARS} characters"),
            ));
        }
        if description.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "description",
                "must not contain control characters",
            ));
        }
        let mut chosen = Vec::new();
        for text in events {
            let event = WebhookEvent::parse(text.trim()).ok_or_else(|| {
                AppError::invalid("events", format!("has an unknown event: {text:?}"))
            })?;
            if !chosen.contains(&event) {
                chosen.push(event);
            }
        }
        if chosen.is_empty() {
            return Err(AppError::invalid("events", "choose at least one event"));
        }
        chosen.sort();
        Ok(Self {
            url: parsed,
            description: description.to_string(),
            events: chosen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_endpoint_needs_a_web_address_and_a_known_event() {
        let made = NewWebhook::parse(
            " https://hooks.example.com/casework ",
            " CRM ",
            &events(&["case.updated", "case.created", "case.created"]),
        )
        .unwrap();
        assert_eq!(made.url.as_str(), "https://hooks.example.com/casework");
        assert_eq!(made.description, "CRM");
        assert_eq!(
            made.events,
            [WebhookEvent::CaseCreated, WebhookEvent::CaseUpdated]
        );

        let refused = |url: &str, description: &str, list: &[&str]| match NewWebhook::parse(
            url,
            description,
            &events(list),
        ) {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let ok = ["case.created"];
        assert_eq!(refused("", "", &ok), "url");
        assert_eq!(refused("hooks.example.com", "", &ok), "url");
        assert_eq!(refused("ftp://hooks.example.com/", "", &ok), "url");
        assert_eq!(refused("file:///etc/passwd", "", &ok), "url");
        assert_eq!(refused("https://u:p@hooks.example.com/", "", &ok), "url");
        let long = format!("https://example.com/{}", "a".repeat(2000));
        assert_eq!(refused(&long, "", &ok), "url");
        assert_eq!(
            refused("https://example.com/", &"d".repeat(201), &ok),
            "description"
        );
        assert_eq!(
            refused("https://example.com/", "a\u{1b}b", &ok),
            "description"
        );
        assert_eq!(refused("https://example.com/", "", &[]), "events");
        assert_eq!(
            refused("https://example.com/", "", &["case.deleted"]),
            "events"
        );
    }

    #[test]
    fn every_event_reads_back_from_its_name() {
        for event in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(event.as_str()), Some(event));
        }
        for state in ["new", "queued", "retrying", "delivered", "failed"] {
            assert!(DeliveryState::parse(state).is_some());
        }
        assert_eq!(DeliveryState::parse("lost"), None);
    }
}
