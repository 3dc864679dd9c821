//! Admin → Users. Each function: the viewer must be allowed to manage users; then one
//! call into `server::users`. (Errors get their HTTP status from the server's
//! server-function middleware.)

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, Role, UsersPage};

#[cfg(feature = "ssr")]
use crate::server::{authz::Capability, request, users};

#[server(endpoint = "admin/users")]
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
