//! What an enrichment produces. Stored as JSON beside the company and rendered by the
//! company page, so these types are plain serde and compile into the browser build.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One finished analysis of a company's website.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Enrichment {
    /// Two or three sentences on what the company is.
    pub summary: String,
    /// Short bullets: what they make or do, for whom.
    pub what_they_do: Vec<String>,
    /// The terms that characterise the site, most characteristic first.
    pub keywords: Vec<String>,
    /// What was found on the site, each with the evidence it came from.
    pub signals: Vec<Signal>,
    /// 0–100: how promising the company looks by the rubric (see `heuristic`).
    pub score: u8,
    /// How much evidence the score rests on.
    pub confidence: Confidence,
    /// The pages that were read.
    pub sources: Vec<Source>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(
    feature = "sqlx",
    sqlx(type_name = "enrichment_confidence", rename_all = "lowercase")
)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing found on the site ("Hiring: 12 open roles"), with where it was seen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub kind: SignalKind,
    /// A short human sentence: "Hiring: 12 open roles", "Pricing page with 3 tiers".
    pub label: String,
    pub evidence: Vec<Evidence>,
}

/// The kinds of signal, in the order the company page groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    Hiring,
    Pricing,
    Blog,
    Customers,
    Funding,
    TeamSize,
    Technology,
    Social,
}

impl SignalKind {
    pub const ALL: [SignalKind; 8] = [
        SignalKind::Hiring,
        SignalKind::Pricing,
        SignalKind::Blog,
        SignalKind::Customers,
        SignalKind::Funding,
        SignalKind::TeamSize,
        SignalKind::Technology,
        SignalKind::Social,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::Hiring => "hiring",
            SignalKind::Pricing => "pricing",
            SignalKind::Blog => "blog",
            SignalKind::Customers => "customers",
            SignalKind::Funding => "funding",
            SignalKind::TeamSize => "team_size",
            SignalKind::Technology => "technology",
            SignalKind::Social => "social",
        }
    }

    /// The group heading on the company page.
    pub fn title(self) -> &'static str {
        match self {
            SignalKind::Hiring => "Hiring",
            SignalKind::Pricing => "Pricing",
            SignalKind::Blog => "Recent writing",
            SignalKind::Customers => "Customers",
            SignalKind::Funding => "Funding",
            SignalKind::TeamSize => "Team size",
            SignalKind::Technology => "Technology",
            SignalKind::Social => "Social profiles",
        }
    }
}

/// Where a signal was seen: the page and a short excerpt of it (plain text, ≤ 200 chars).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub url: String,
    pub excerpt: String,
}

/// A page that was read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub url: String,
    pub title: Option<String>,
}

/// What a paid provider call consumed. Cost is in millionths of a US dollar, so sums are
/// exact integers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub model: String,
    pub tokens_in: i64,
    pub tokens_out: i64,
    pub cost_micros: i64,
}

/// The step a running enrichment is on, shown live on the company page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Fetching,
    Extracting,
    Scoring,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Fetching => "fetching",
            Step::Extracting => "extracting",
            Step::Scoring => "scoring",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Step::Fetching, Step::Extracting, Step::Scoring]
            .into_iter()
            .find(|s| s.as_str() == value)
    }

    /// What the company page says while the job is on this step.
    pub fn label(self) -> &'static str {
        match self {
            Step::Fetching => "Fetching the site",
            Step::Extracting => "Extracting",
            Step::Scoring => "Scoring",
        }
    }
}
