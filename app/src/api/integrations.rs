//! Admin → Integrations → Zoho: the connection, its test and mapping preview, "Sync
//! now" / "Full resync", and the runs. Admins only (`ManageUsers` covers integrations).
//! The forms work without JavaScript: the server sends the browser back to the page
//! with the outcome in the query string.

// The connection form's server function takes one argument per field (the plain form
// posts them by name), and the code `#[server]` generates for it repeats them.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{
    AppError, MappingPreview, SyncRequested, SyncRunDetail, SyncRunView, ZohoSettingsView,
};

#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, request, sync};

pub const ZOHO_PAGE: &str = "/admin/integrations/zoho";

#[server(endpoint = "admin/zoho", input = GetUrl)]
pub async fn load_zoho_settings() -> Result<ZohoSettingsView, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    let state = request::state()?;
    let public_url = state.config.public_base()?;
    sync::admin::view(
        &state.pool,
        &viewer,
        &public_url,
        &state.jobs.sync.task.settings,
    )
    .await
}

/// Saves the connection. Empty secrets keep the saved ones; on the first save both
/// are required, and Zoho's notification channel is enabled right after.
#[server(endpoint = "admin/zoho/save")]
pub async fn save_zoho(
    data_centre: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    module: String,
    map_name: String,
    map_trade: String,
    map_skills: String,
    map_company: String,
    map_city: String,
    map_region: String,
    map_email: String,
    map_phone: String,
    map_status: String,
    schedule_minutes: String,
) -> Result<(), AppError> {
    let outcome: Result<(), AppError> = async {
        let viewer = request::require(Capability::ManageUsers)?;
        let state = request::state()?;
        let form = sync::admin::ConnectionForm {
            data_centre,
            client_id,
            client_secret,
            refresh_token,
            module,
            field_map: vec![
                ("name".into(), map_name),
                ("trade".into(), map_trade),
                ("skills".into(), map_skills),
                ("company".into(), map_company),
                ("city".into(), map_city),
                ("region".into(), map_region),
                ("email".into(), map_email),
                ("phone".into(), map_phone),
                ("status".into(), map_status),
            ],
            schedule_minutes,
        };
        let created = sync::admin::save(&state.pool, &viewer, &form).await?;
        if created {
            let public_url = state.config.public_base()?;
            // A channel Zoho refuses is noted on the page and retried by the schedule.
            let _ = sync::schedule::enable_channel(&state.jobs.sync, viewer.tenant_id, &public_url)
                .await;
        }
        Ok(())
    }
    .await;
    super::send_form_back(|| match &outcome {
        Ok(()) => (ZOHO_PAGE.into(), vec![("saved", "1".into())]),
        Err(error) => {
            let mut back = vec![("error", error.to_string())];
            back.extend(crate::components::field_error::field_param("field", error));
            (ZOHO_PAGE.into(), back)
        }
    });
    outcome
}

#[server(endpoint = "admin/zoho/test")]
pub async fn test_zoho() -> Result<(), AppError> {
    let outcome: Result<(), AppError> = async {
        let viewer = request::require(Capability::ManageUsers)?;
        let state = request::state()?;
        sync::admin::test(&state.pool, &viewer, &state.jobs.sync.task.settings).await
    }
    .await;
    super::send_form_back(|| match &outcome {
        Ok(()) => (ZOHO_PAGE.into(), vec![("tested", "1".into())]),
        Err(error) => (ZOHO_PAGE.into(), vec![("error", error.to_string())]),
    });
    outcome
}

#[server(endpoint = "admin/zoho/disconnect")]
pub async fn disconnect_zoho() -> Result<(), AppError> {
    let outcome: Result<(), AppError> = async {
        let viewer = request::require(Capability::ManageUsers)?;
        sync::admin::disconnect(&request::state()?.pool, &viewer).await
    }
    .await;
    super::send_form_back(|| match &outcome {
        Ok(()) => (ZOHO_PAGE.into(), vec![("disconnected", "1".into())]),
        Err(error) => (ZOHO_PAGE.into(), vec![("error", error.to_string())]),
    });
    outcome
}

/// The first records of the module read with the saved mapping.
#[server(endpoint = "admin/zoho/preview", input = GetUrl)]
pub async fn preview_zoho_mapping() -> Result<MappingPreview, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    let state = request::state()?;
    sync::admin::preview(&state.pool, &viewer, &state.jobs.sync.task.settings, None).await
}

/// "Sync now" (`full` empty) or "Full resync" (`full=1`). One run per workspace at a
/// time: when one is under way, this is it (not an error); manual runs once per ten
/// minutes (429 with the wait).
#[server(endpoint = "admin/zoho/sync")]
pub async fn request_sync(full: Option<String>) -> Result<SyncRequested, AppError> {
    let outcome: Result<SyncRequested, AppError> = async {
        let viewer = request::require(Capability::ManageUsers)?;
        let full = match full.as_deref() {
            None | Some("") | Some("0") | Some("false") => false,
            Some("1") | Some("true") | Some("on") => true,
            Some(_) => return Err(AppError::invalid("full", "must be 1 or 0")),
        };
        let state = request::state()?;
        let jobs = &state.jobs.sync;
        let requested = sync::request_run(
            &state.pool,
            jobs,
            sync::Trigger::Manual(&viewer),
            full,
            jobs.task.settings.manual_interval,
        )
        .await?;
        Ok(match requested {
            sync::Requested::Queued { run_id } => SyncRequested::Queued(run_id),
            sync::Requested::AlreadyRunning { run_id } => SyncRequested::AlreadyRunning(run_id),
        })
    }
    .await;
    super::send_form_back(|| match &outcome {
        Ok(SyncRequested::Queued(id)) => (ZOHO_PAGE.into(), vec![("queued", id.to_string())]),
        Ok(SyncRequested::AlreadyRunning(id)) => {
            (ZOHO_PAGE.into(), vec![("running", id.to_string())])
        }
        Err(error) => (ZOHO_PAGE.into(), vec![("error", error.to_string())]),
    });
    outcome
}

#[server(endpoint = "admin/zoho/runs", input = GetUrl)]
pub async fn load_sync_runs() -> Result<Vec<SyncRunView>, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    sync::admin::runs(&request::state()?.pool, &viewer, 30).await
}

#[server(endpoint = "admin/zoho/run", input = GetUrl)]
pub async fn load_sync_run(id: i64) -> Result<SyncRunDetail, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    sync::admin::run(&request::state()?.pool, &viewer, id).await
}
