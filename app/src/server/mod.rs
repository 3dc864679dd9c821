//! Server only: configuration, the database, and (as issues land) the domain rules and
//! SQL per area. Never compiled into the browser bundle.

pub mod auth;
pub mod authz;
pub mod bulk;
pub mod cases;
pub mod config;
pub mod db;
pub mod generate;
pub mod password;
pub mod rate_limit;
pub mod request;
pub mod retry;
pub mod seed;
pub mod state;
pub mod tenants;
pub mod users;

pub use config::Config;
pub use state::AppState;
