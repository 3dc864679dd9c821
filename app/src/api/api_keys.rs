//! Admin → API keys: list, make (the secret shown once), revoke. Each function: the
//! viewer must be allowed to manage users; then one call into `server::api_keys`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{ApiKeysPage, AppError, MadeApiKey};

#[cfg(feature = "ssr")]
use crate::model::NewApiKey;
#[cfg(feature = "ssr")]
use crate::server::{api_keys, authz::Capability, request};

/// Where a key made by a plain form post waits, in its maker's session, for the page
/// that shows it once (never in a URL).
#[cfg(feature = "ssr")]
const JUST_MADE: &str = "api_key_just_made";

/// The workspace's keys, and the key the viewer made just now (shown once).
#[server(endpoint = "admin/api-keys", input = GetUrl)]
pub async fn list_api_keys() -> Result<ApiKeysPage, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    let keys = api_keys::list(&request::state()?.pool, &viewer).await?;
    let just_made = match request::session() {
        Some(session) => session
            .remove::<MadeApiKey>(JUST_MADE)
            .await
            .unwrap_or_default(),
        None => None,
    };
    Ok(ApiKeysPage { keys, just_made })
}

/// Makes a key. `scopes`: the checked boxes (`scopes[]`; none checked sends none);
/// `expires_on`: a date or empty.
#[server(endpoint = "admin/api-keys/create")]
pub async fn create_api_key(
    name: String,
    scopes: Option<Vec<String>>,
    expires_on: String,
) -> Result<MadeApiKey, AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageUsers)?;
        let today = time::OffsetDateTime::now_utc().date();
        let scopes = scopes.clone().unwrap_or_default();
        let new = NewApiKey::parse(&name, &scopes, &expires_on, today)?;
        api_keys::create(&request::state()?.pool, &viewer, &new).await
    }
    .await;
    if request::is_plain_form_post() {
        match &outcome {
            Ok(made) => {
                if let Some(session) = request::session() {
                    session.insert(JUST_MADE, made).await.map_err(|error| {
                        tracing::error!(%error, "could not keep the new key for its page");
                        AppError::Internal
                    })?;
                }
                leptos_axum::redirect("/admin/api-keys");
            }
            Err(error) => {
                let mut back = vec![("error", error.to_string()), ("name", name.clone())];
                back.extend(crate::components::field_error::field_param("field", error));
                leptos_axum::redirect(&super::with_query("/admin/api-keys", &back))
            }
        }
    }
    outcome
}

#[server(endpoint = "admin/api-keys/revoke")]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageUsers)?;
        api_keys::revoke(&request::state()?.pool, &viewer, id).await
    }
    .await;
    super::send_form_back(|| match &outcome {
        Ok(()) => ("/admin/api-keys".to_string(), vec![]),
        Err(error) => (
            "/admin/api-keys".to_string(),
            vec![("error", error.to_string())],
        ),
    });
    outcome
}
