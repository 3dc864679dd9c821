//! One company: read it, and ask for its enrichment.

use leptos::prelude::*;

use crate::model::{AppError, CompanyDetail, EnrichmentView, Quota};

#[cfg(feature = "ssr")]
use crate::server::{companies, enrichment, request};

/// The company page's data: details, enrichment, and the viewer's quota.
#[server(endpoint = "company/detail")]
pub async fn load_company(id: i64) -> Result<CompanyDetail, AppError> {
    let state = request::state()?;
    let viewer = companies::require_access(&state.pool, request::viewer()).await?;
    companies::detail(&state.pool, &viewer, id, &state.config.enrich_per_hour).await
}

/// Just the enrichment and the quota: what the page reloads when the live stream says
/// the enrichment moved.
#[server(endpoint = "company/enrichment")]
pub async fn enrichment_status(id: i64) -> Result<(Option<EnrichmentView>, Quota), AppError> {
    let state = request::state()?;
    let viewer = companies::require_access(&state.pool, request::viewer()).await?;
    let detail = companies::detail(&state.pool, &viewer, id, &state.config.enrich_per_hour).await?;
    Ok((detail.enrichment, detail.quota))
}

/// Queues an enrichment of the company and returns at once. Without JavaScript the
/// browser goes back to the company page (with the error, if refused).
#[server(endpoint = "company/enrich")]
pub async fn request_enrichment(id: i64) -> Result<(), AppError> {
    let outcome = async {
        let state = request::state()?;
        let viewer = request::viewer().ok_or(AppError::Unauthenticated)?;
        enrichment::request(
            &state.pool,
            &state.jobs,
            &viewer,
            id,
            &state.config.enrich_per_hour,
        )
        .await
    }
    .await;
    if request::is_plain_form_post() {
        let path = match &outcome {
            Ok(()) => format!("/companies/{id}"),
            Err(error) => format!(
                "/companies/{id}?{}",
                serde_urlencoded::to_string([("error", error.to_string())]).unwrap_or_default()
            ),
        };
        leptos_axum::redirect(&path);
    }
    outcome
}
