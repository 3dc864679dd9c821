//! One module per page.

mod admin_system;
mod admin_usage;
mod admin_users;
mod case;
mod companies;
mod company;
mod dashboard;
mod lists;
mod login;
mod not_found;
mod section;
mod team;
mod work;

pub use admin_system::AdminSystem;
pub use admin_usage::AdminUsage;
pub use admin_users::AdminUsers;
pub use case::CasePage;
pub use companies::Companies;
pub use company::CompanyPage;
pub use dashboard::Dashboard;
pub use lists::{ListPage, Lists};
pub use login::Login;
pub use not_found::NotFound;
pub use section::{Area, Section};
pub use team::Team;
pub use work::Work;
