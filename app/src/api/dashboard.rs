//! The dashboards: each role's figures, and "mark as seen" for the employee's list of
//! cases changed by others.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AdminDashboard, AnalystDashboard, AppError, EmployeeDashboard};

#[cfg(feature = "ssr")]
use super::send_form_back;
#[cfg(feature = "ssr")]
use crate::model::Window;
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, dashboard, request};

/// The signed-in person's own cases (employees and admins), for the window in `query`
/// (`range=7|30|90`).
#[server(endpoint = "dashboard/mine", input = GetUrl)]
pub async fn my_dashboard(query: String) -> Result<EmployeeDashboard, AppError> {
    let viewer = request::require(Capability::WorkOwnCases)?;
    let window = Window::from_query_string(&query)?;
    let state = request::state()?;
    let load = dashboard::employee(&state.pool, &viewer, window);
    state
        .figures
        .mine(viewer.tenant_id, viewer.user_id, window, load)
        .await
}

/// Starts the "changed by others" list again from now.
#[server(endpoint = "dashboard/seen")]
pub async fn mark_cases_seen() -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::WorkOwnCases)?;
        dashboard::mark_seen(&request::state()?.pool, &viewer).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(()) => ("/".to_string(), vec![]),
        Err(error) => ("/".to_string(), vec![("error", error.to_string())]),
    });
    outcome
}

/// The workspace's cases (admins), for the window in `query`.
#[server(endpoint = "dashboard/team", input = GetUrl)]
pub async fn team_dashboard(query: String) -> Result<AdminDashboard, AppError> {
    let viewer = request::require(Capability::ManageAllCases)?;
    let window = Window::from_query_string(&query)?;
    let state = request::state()?;
    let load = dashboard::admin(&state.pool, &viewer, window);
    let figures = &state.figures;
    figures
        .team(viewer.tenant_id, window, &state.pool, load)
        .await
}

/// The workspace's companies: scores, sectors and stages, recent enrichments, the
/// viewer's own lists (analysts, and whoever may use companies).
#[server(endpoint = "dashboard/companies", input = GetUrl)]
pub async fn companies_dashboard() -> Result<AnalystDashboard, AppError> {
    let viewer = request::require(Capability::UseCompanies)?;
    let state = request::state()?;
    let load = dashboard::analyst(&state.pool, &viewer);
    let figures = &state.figures;
    let mut shared = figures
        .companies(viewer.tenant_id, &state.pool, load)
        .await?;
    shared.own_lists = dashboard::own_lists(&state.pool, &viewer).await?;
    Ok(shared)
}

/// Sets the work-in-progress limit per person (empty: no limit).
#[server(endpoint = "dashboard/wip-limit")]
pub async fn set_wip_limit(wip_limit: String) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageAllCases)?;
        let limit = match wip_limit.trim() {
            "" => None,
            text => Some(text.parse::<i32>().map_err(|_| {
                AppError::invalid("wip_limit", "must be a whole number of cases, or empty")
            })?),
        };
        dashboard::set_wip_limit(&request::state()?.pool, &viewer, limit).await
    }
    .await;
    send_form_back(|| match &outcome {
        Ok(()) => ("/".to_string(), vec![]),
        Err(error) => ("/".to_string(), vec![("wip_error", error.to_string())]),
    });
    outcome
}
