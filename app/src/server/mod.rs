//! Server only: configuration, the database, and (as issues land) the domain rules and
//! SQL per area. Never compiled into the browser bundle.

pub mod api_keys;
pub mod atomic;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod bulk;
pub mod case_create;
pub mod case_detail;
pub mod case_edit;
pub mod cases;
pub mod comments;
pub mod companies;
pub mod company_edit;
pub mod conditions;
pub mod config;
pub mod contractors;
pub mod dashboard;
pub mod db;
pub mod enrichment;
pub mod generate;
pub mod generate_companies;
pub mod inquiry;
pub mod jobs;
pub mod list_items;
pub mod lists;
pub mod live;
pub mod markdown;
pub mod password;
pub mod queue;
pub mod rate_limit;
pub mod request;
pub mod retry;
pub mod saved_searches;
pub mod seed;
pub mod state;
pub mod storage;
pub mod sync;
pub mod system;
pub mod tenants;
pub mod usage;
pub mod users;
pub mod versioned;

pub use config::Config;
pub use state::AppState;
