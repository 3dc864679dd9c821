//! Admin → Users, and Admin → Usage. Each function: the viewer must be allowed to manage users; then one
//! call into `server::users`. (Errors get their HTTP status from the server's
//! server-function middleware.)

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use uuid::Uuid;

use crate::model::{AppError, Role, SystemReport, UsageReport, UsersPage};

#[cfg(feature = "ssr")]
use crate::model::{parse_dollars, parse_month};
#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, request, usage, users};

/// Whether the viewer may open the admin section (its landing page asks).
#[server(endpoint = "admin/access", input = GetUrl)]
pub async fn admin_access() -> Result<(), AppError> {
    request::require(Capability::ManageUsers).map(|_| ())
}

#[server(endpoint = "admin/users", input = GetUrl)]
pub async fn list_users(q: String) -> Result<UsersPage, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    users::page(&request::state()?.pool, &viewer, &q).await
}

#[server(endpoint = "admin/users/add")]
pub async fn add_user(
    email: String,
    display_name: String,
    role: Role,
    password: String,
) -> Result<(), AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    let input = users::NewUserInput {
        email,
        display_name,
        role,
        password,
    };
    users::add(&request::state()?.pool, &viewer, input)
        .await
        .map(|_| ())
}

#[server(endpoint = "admin/users/role")]
pub async fn change_user_role(user_id: Uuid, role: Role) -> Result<(), AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    users::change_role(&request::state()?.pool, &viewer, user_id, role).await
}

#[server(endpoint = "admin/users/active")]
pub async fn set_user_active(user_id: Uuid, active: bool) -> Result<(), AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    users::set_active(&request::state()?.pool, &viewer, user_id, active).await
}

/// Admin → Usage for `month` (`2026-11`; empty: this month).
#[server(endpoint = "admin/usage", input = GetUrl)]
pub async fn load_usage(month: String) -> Result<UsageReport, AppError> {
    let viewer = request::require(Capability::ManageUsers)?;
    let month = if month.trim().is_empty() {
        let today = time::OffsetDateTime::now_utc().date();
        (today.year(), u8::from(today.month()))
    } else {
        parse_month(&month)
            .ok_or_else(|| AppError::invalid("month", "must be a month like 2026-11"))?
    };
    usage::report(&request::state()?.pool, &viewer, month).await
}

/// The workspace's enrichment settings: the monthly budget in dollars, and whether
/// employees may enrich. A plain form: without JavaScript it comes back to the page.
#[server(endpoint = "admin/usage/settings")]
pub async fn save_enrichment_settings(
    budget: String,
    employees_may_enrich: Option<String>,
) -> Result<(), AppError> {
    let outcome = async {
        let viewer = request::require(Capability::ManageUsers)?;
        let budget = parse_dollars(&budget).ok_or_else(|| {
            AppError::invalid("budget", "must be an amount in dollars, like 50 or 12.50")
        })?;
        let allowed = match employees_may_enrich.as_deref() {
            None | Some("") | Some("false") => false,
            Some("true") | Some("on") => true,
            Some(_) => {
                return Err(AppError::invalid(
                    "employees_may_enrich",
                    "must be on or off",
                ));
            }
        };
        usage::save_settings(&request::state()?.pool, &viewer, budget, allowed).await
    }
    .await;
    super::send_form_back(|| match &outcome {
        Ok(()) => ("/admin/usage".into(), vec![("saved", "1".into())]),
        Err(error) => {
            let mut back = vec![("error", error.to_string())];
            back.extend(crate::components::field_error::field_param("field", error));
            ("/admin/usage".into(), back)
        }
    });
    outcome
}

/// Admin → System over the last `window` minutes (5 or 60; empty: 5).
#[server(endpoint = "admin/system", input = GetUrl)]
pub async fn load_system(window: String) -> Result<SystemReport, AppError> {
    let viewer = request::require(Capability::ViewSystemHealth)?;
    let minutes = match window.trim() {
        "" => 5,
        value => value
            .parse::<u32>()
            .ok()
            .filter(|minutes| crate::model::WINDOWS.iter().any(|(m, _)| m == minutes))
            .ok_or_else(|| AppError::invalid("window", "must be 5 or 60 (minutes)"))?,
    };
    let state = request::state()?;
    let mut report = crate::server::system::report::report(&state.pool, &viewer, minutes).await?;
    report.now = crate::server::system::instance_now(&state);
    Ok(report)
}
