//! View pieces used by several pages.

mod app_frame;
mod error_panel;
pub mod icons;
mod status;
pub mod theme_toggle;
pub mod viewer;

pub use app_frame::AppFrame;
pub use error_panel::ErrorPanel;
pub use status::set_response_status;
pub use theme_toggle::ThemeToggle;
pub use viewer::{SignedIn, use_viewer};
