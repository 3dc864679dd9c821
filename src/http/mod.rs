//! axum-only edges that are not Leptos pages: health, sign-in/out form posts, CSRF
//! and sign-in guards; OAuth callbacks, webhooks, REST `/api/v1` and `/metrics` as
//! their issues land.

pub mod auth;
pub mod client_ip;
pub mod csrf;
pub mod google;
pub mod guard;
pub mod health;
pub mod server_fn_status;
