//! Admin → Webhooks: list endpoints and deliveries, register an endpoint (its secret
//! shown once), turn one on or off, delete it, resend a delivery. Each function: the
//! viewer must be allowed to manage users (as for API keys); then one call into
//! `server::webhooks`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, MadeWebhook, WebhooksPage};

#[cfg(feature = "ssr")]
use crate::model::NewWebhook;
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, request, webhooks};

/// Where an endpoint registered by a plain form post waits, in its maker's session,
/// for the page that shows its secret once (never in a URL).
#[cfg(feature = "ssr")]
const JUST_MADE: &str = "webhook_just_made";

#[cfg(feature = "ssr")]
const PAGE: &str = "/admin/webhooks";

/// The endpoints, the latest deliveries (of endpoint `endpoint` when given), and the
/// endpoint the viewer registered just now.
#[server(endpoint = "admin/webhooks", input = GetUrl)]
pub async fn list_webhooks(endpoint: Option<i64>) -> Result<WebhooksPage, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    let (endpoints, deliveries) =
        webhooks::overview(&request::state()?.pool, &viewer, endpoint).await?;
    let just_made = match request::session() {
        Some(session) => session
            .remove::<MadeWebhook>(JUST_MADE)
            .await
            .unwrap_or_default(),
        None => None,
    };
    Ok(WebhooksPage {
        endpoints,
        deliveries,
        just_made,
    })
}

/// Registers an endpoint. `events`: the checked boxes (`events[]`; none checked sends
/// none).
#[server(endpoint = "admin/webhooks/create")]
pub async fn create_webhook(
    url: String,
    description: String,
    events: Option<Vec<String>>,
) -> Result<MadeWebhook, AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageUsers)?;
        let new = NewWebhook::parse(&url, &description, &events.clone().unwrap_or_default())?;
        let state = request::state()?;
        webhooks::create(
            &state.pool,
            &state.jobs.webhooks.task.fetcher,
            &viewer,
            &new,
        )
        .await
    }
    .await;
    if request::is_plain_form_post() {
        match &outcome {
            Ok(made) => {
                if let Some(session) = request::session() {
                    session.insert(JUST_MADE, made).await.map_err(|error| {
                        tracing::error!(%error, "could not keep the new endpoint for its page");
                        AppError::Internal
                    })?;
                }
                leptos_axum::redirect(PAGE);
            }
            Err(error) => {
                let mut back = vec![
                    ("error", error.to_string()),
                    ("url", url.clone()),
                    ("description", description.clone()),
                ];
                back.extend(crate::components::field_error::field_param("field", error));
                leptos_axum::redirect(&super::with_query(PAGE, &back))
            }
        }
    }
    outcome
}

/// Turns endpoint `id` on (`enabled` = "true") or off.
#[server(endpoint = "admin/webhooks/enable")]
pub async fn enable_webhook(id: i64, enabled: String) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageUsers)?;
        let enabled = match enabled.as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(AppError::invalid("enabled", "must be true or false")),
        };
        webhooks::set_enabled(&request::state()?.pool, &viewer, id, enabled).await
    }
    .await;
    back(&outcome);
    outcome
}

#[server(endpoint = "admin/webhooks/delete")]
pub async fn delete_webhook(id: i64) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageUsers)?;
        webhooks::delete(&request::state()?.pool, &viewer, id).await
    }
    .await;
    back(&outcome);
    outcome
}

/// Sends delivery `id` again.
#[server(endpoint = "admin/webhooks/resend")]
pub async fn resend_delivery(id: i64) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageUsers)?;
        webhooks::resend(&request::state()?.pool, &viewer, id).await
    }
    .await;
    back(&outcome);
    outcome
}

/// A plain form post goes back to the page, with the error if there was one.
#[cfg(feature = "ssr")]
fn back(outcome: &Result<(), AppError>) {
    super::send_form_back(|| match outcome {
        Ok(()) => (PAGE.to_string(), vec![]),
        Err(error) => (PAGE.to_string(), vec![("error", error.to_string())]),
    });
}
