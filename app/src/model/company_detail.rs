//! One company as its page shows it: the details, the enrichment (the run in progress
//! and the last good result), and what the viewer has left of their enrichment quota.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{CompanyStage, EnrichmentStatus};
pub use enrich::{Enrichment, Step};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CompanyRecord {
    pub id: i64,
    pub name: String,
    pub website: String,
    pub website_url: String,
    pub sector: String,
    pub stage: Option<CompanyStage>,
    pub location: String,
    pub version: i32,
    pub added_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Where the latest enrichment run is, and the last good result (kept when a newer run
/// fails).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentView {
    pub status: EnrichmentStatus,
    pub step: Option<Step>,
    pub attempts: i32,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub requested_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub result: Option<EnrichmentResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentResult {
    pub enrichment: Enrichment,
    pub provider: String,
    pub model: Option<String>,
    pub tokens_in: i64,
    pub tokens_out: i64,
    pub cost_micros: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub enriched_at: OffsetDateTime,
}

/// What the viewer may still spend: their hourly enrichments, and the workspace's
/// monthly budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub per_hour: u32,
    pub used_this_hour: u32,
    /// Seconds until the oldest enrichment of the hour drops out (0 if none).
    pub frees_in_s: u64,
    pub budget_micros: i64,
    pub spent_this_month_micros: i64,
    /// May this person enrich at all (role, and the tenant's setting for employees)?
    pub may_enrich: bool,
}

impl Quota {
    pub fn remaining(&self) -> u32 {
        self.per_hour.saturating_sub(self.used_this_hour)
    }

    /// Spent share of the monthly budget, in percent (100 when there is no budget).
    pub fn budget_percent(&self) -> u32 {
        if self.budget_micros <= 0 {
            return 100;
        }
        ((self.spent_this_month_micros.max(0) as f64 / self.budget_micros as f64) * 100.0).floor()
            as u32
    }
}

/// "$0.0042", "$12.50": micro-dollars as a person reads them.
pub fn format_usd(micros: i64) -> String {
    let dollars = micros as f64 / 1_000_000.0;
    if micros != 0 && micros.abs() < 10_000 {
        format!("${dollars:.4}")
    } else {
        format!("${dollars:.2}")
    }
}

/// A list a company is on, as its page links to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ListRef {
    pub id: i64,
    pub name: String,
    pub shared: bool,
}

/// A note on a company (versioned: an edit from a stale version is refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CompanyNote {
    pub id: i64,
    pub body: String,
    /// The body's Markdown as safe HTML (server::markdown, as for comments).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub body_html: String,
    pub version: i32,
    pub author_id: Option<uuid::Uuid>,
    pub author: Option<String>,
    /// Who last edited it, when not its author.
    pub edited_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyDetail {
    pub company: CompanyRecord,
    pub notes: Vec<CompanyNote>,
    /// The lists it is on that the viewer can see (shared ones and their own).
    pub lists: Vec<ListRef>,
    pub enrichment: Option<EnrichmentView>,
    pub quota: Quota,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_budget_read_right() {
        assert_eq!(format_usd(12_500_000), "$12.50");
        assert_eq!(format_usd(4_200), "$0.0042");
        assert_eq!(format_usd(0), "$0.00");
        let quota = Quota {
            per_hour: 10,
            used_this_hour: 12,
            frees_in_s: 0,
            budget_micros: 50_000_000,
            spent_this_month_micros: 40_000_000,
            may_enrich: true,
        };
        assert_eq!(quota.remaining(), 0);
        assert_eq!(quota.budget_percent(), 80);
    }
}
