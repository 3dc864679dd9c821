//! Enrichment: what runs one (the engine), who may ask and how much is left (the
//! quota), and where a company's enrichment is (the view). Asking for one is in
//! [`request`]; running it, the job, in [`worker`].
//!
//! The ledger (`enrichment_usage`) has one row per enrichment asked for. The hourly
//! limit counts those rows (a sliding hour, exact across server instances, since it is
//! the database that counts); tokens and cost are added to the row whenever a provider
//! reports real usage, including on a failed attempt.

use std::time::Duration;

use enrich::Step;
use enrich::fetch::{FetchPolicy, Fetcher};
use enrich::openai::{OpenAiClient, OpenAiConfig, PriceTable};
use enrich::provider::Analyser;
use secrecy::ExposeSecret;
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::Config;
use super::authz::{self, Capability};
use super::config::{EnrichProvider, PlanLimits};
use super::db::internal;
use crate::model::{AppError, EnrichmentResult, EnrichmentStatus, EnrichmentView, Quota, Viewer};

mod request;
pub mod worker;

pub use request::{Requested, request, request_outcome};
pub use worker::{ENRICH_QUEUE, EnrichInput, EnrichJobs, EnrichTask};

/// What runs an enrichment: the guarded fetcher and the configured analyser.
pub struct Engine {
    pub fetcher: Fetcher,
    pub analyser: Analyser,
}

impl Engine {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let fetcher = Fetcher::new(FetchPolicy {
            allow_loopback: config.fetch_allow_loopback,
            ..FetchPolicy::default()
        })
        .map_err(|e| format!("the website fetcher: {e}"))?;
        let analyser = match config.enrich_provider {
            EnrichProvider::Heuristic => Analyser::Heuristic,
            EnrichProvider::Openai => {
                let base = url::Url::parse(&config.openai_base_url)
                    .map_err(|e| format!("OPENAI_BASE_URL: {e}"))?;
                let mut openai = OpenAiConfig::new(base, config.openai_model.clone());
                if let Some(key) = &config.openai_api_key {
                    openai = openai.with_api_key(key.expose_secret());
                }
                openai.prices = PriceTable::parse(&config.openai_prices)
                    .map_err(|e| format!("OPENAI_PRICES: {e}"))?;
                openai.timeout = Duration::from_secs(config.openai_timeout_s);
                Analyser::OpenAi(
                    OpenAiClient::new(openai).map_err(|e| format!("OpenAI settings: {e}"))?,
                )
            }
        };
        Ok(Self { fetcher, analyser })
    }
}

/// The viewer's hourly enrichments and the workspace's monthly spend.
pub async fn quota(
    conn: &mut PgConnection,
    viewer: &Viewer,
    limits: &PlanLimits,
) -> Result<Quota, sqlx::Error> {
    let (plan, budget_micros): (String, i64) =
        sqlx::query_as("SELECT plan::text, enrich_budget_micros FROM tenants WHERE id = $1")
            .bind(viewer.tenant_id)
            .fetch_one(&mut *conn)
            .await?;
    let (used, oldest_age_s): (i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*), extract(epoch FROM now() - min(requested_at))::float8
         FROM enrichment_usage
         WHERE tenant_id = $1 AND user_id = $2 AND requested_at > now() - interval '1 hour'",
    )
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .fetch_one(&mut *conn)
    .await?;
    let spent: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(cost_micros), 0)::bigint FROM enrichment_usage
         WHERE tenant_id = $1 AND requested_at >= date_trunc('month', now())",
    )
    .bind(viewer.tenant_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Quota {
        per_hour: limits.for_plan(&plan),
        used_this_hour: used.max(0) as u32,
        frees_in_s: oldest_age_s
            .map(|age| (3600.0 - age).ceil().max(1.0) as u64)
            .unwrap_or(0),
        budget_micros,
        spent_this_month_micros: spent,
        may_enrich: authz::allows(viewer, Capability::UseCompanies),
    })
}

#[derive(sqlx::FromRow)]
struct ViewRow {
    status: EnrichmentStatus,
    step: Option<String>,
    attempts: i32,
    error: Option<String>,
    requested_at: OffsetDateTime,
    requested_by: Option<String>,
    finished_at: Option<OffsetDateTime>,
    summary: Option<String>,
    what_they_do: Option<serde_json::Value>,
    keywords: Option<serde_json::Value>,
    signals: Option<serde_json::Value>,
    sources: Option<serde_json::Value>,
    score: Option<i16>,
    confidence: Option<enrich::Confidence>,
    provider: Option<String>,
    model: Option<String>,
    tokens_in: Option<i64>,
    tokens_out: Option<i64>,
    cost_micros: Option<i64>,
    enriched_at: Option<OffsetDateTime>,
}

/// Where the company's enrichment is, and its last good result.
pub async fn view(
    conn: &mut PgConnection,
    company_id: i64,
) -> Result<Option<EnrichmentView>, AppError> {
    let row: Option<ViewRow> = sqlx::query_as(
        "SELECT e.status, e.step, e.attempts, e.error, e.requested_at, u.display_name AS requested_by,
                e.finished_at, e.summary, e.what_they_do, e.keywords, e.signals, e.sources,
                e.score, e.confidence, e.provider, e.model, e.tokens_in, e.tokens_out,
                e.cost_micros, e.enriched_at
         FROM enrichments e LEFT JOIN users u ON u.id = e.requested_by
         WHERE e.company_id = $1",
    )
    .bind(company_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(row.map(|row| {
        let result = match (row.score, row.confidence, row.enriched_at) {
            (Some(score), Some(confidence), Some(enriched_at)) => {
                let json = |value: Option<serde_json::Value>| value.unwrap_or_default();
                Some(EnrichmentResult {
                    enrichment: enrich::Enrichment {
                        summary: row.summary.unwrap_or_default(),
                        what_they_do: serde_json::from_value(json(row.what_they_do))
                            .unwrap_or_default(),
                        keywords: serde_json::from_value(json(row.keywords)).unwrap_or_default(),
                        signals: serde_json::from_value(json(row.signals)).unwrap_or_default(),
                        score: score.clamp(0, 100) as u8,
                        confidence,
                        sources: serde_json::from_value(json(row.sources)).unwrap_or_default(),
                    },
                    provider: row.provider.unwrap_or_default(),
                    model: row.model,
                    tokens_in: row.tokens_in.unwrap_or(0),
                    tokens_out: row.tokens_out.unwrap_or(0),
                    cost_micros: row.cost_micros.unwrap_or(0),
                    enriched_at,
                })
            }
            _ => None,
        };
        EnrichmentView {
            status: row.status,
            step: row.step.as_deref().and_then(Step::parse),
            attempts: row.attempts,
            error: row.error,
            requested_at: row.requested_at,
            requested_by: row.requested_by,
            finished_at: row.finished_at,
            result,
        }
    }))
}
