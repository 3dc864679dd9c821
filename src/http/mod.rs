//! axum-only edges that are not Leptos pages: health now; OAuth callbacks, webhooks,
//! REST `/api/v1` and `/metrics` as their issues land.

pub mod health;
