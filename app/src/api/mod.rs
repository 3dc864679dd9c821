//! `#[server]` functions grouped by area. Each one is thin: authenticate, authorise,
//! call `server/`, map the error to `model::AppError` with its HTTP status.

pub mod admin;
pub mod case;
pub mod cases;
pub mod companies;
pub mod company;
pub mod lists;
pub mod saved_searches;
