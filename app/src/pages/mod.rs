//! One module per page.

mod dashboard;
mod login;
mod not_found;
mod section;

pub use dashboard::Dashboard;
pub use login::Login;
pub use not_found::NotFound;
pub use section::{Area, Section};
