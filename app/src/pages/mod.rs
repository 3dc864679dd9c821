//! One module per page.

mod admin_sync_run;
mod admin_system;
mod admin_usage;
mod admin_users;
mod admin_zoho;
mod case;
mod companies;
mod company;
mod contractor;
mod contractors;
mod dashboard;
mod lists;
mod login;
mod new_case;
mod not_found;
mod section;
mod team;
mod work;

pub use admin_sync_run::AdminSyncRun;
pub use admin_system::AdminSystem;
pub use admin_usage::AdminUsage;
pub use admin_users::AdminUsers;
pub use admin_zoho::AdminZoho;
pub use case::CasePage;
pub use companies::Companies;
pub use company::CompanyPage;
pub use contractor::Contractor;
pub use contractors::Contractors;
pub use dashboard::Dashboard;
pub use lists::{ListPage, Lists};
pub use login::Login;
pub use new_case::NewCasePage;
pub use not_found::NotFound;
pub use section::{Area, Section};
pub use team::Team;
pub use work::Work;
