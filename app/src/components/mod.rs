//! View pieces used by several pages.

mod app_frame;
mod bulk_bar;
mod case_table;
mod error_panel;
pub mod icons;
mod status;
pub mod theme_toggle;
pub mod viewer;

pub use app_frame::AppFrame;
pub use bulk_bar::{BulkBar, BulkContext, BulkOutcome};
pub use case_table::{CaseTable, Selection, StatusBadge, priority_label, status_label};
pub use error_panel::ErrorPanel;
pub use status::set_response_status;
pub use theme_toggle::ThemeToggle;
pub use viewer::{SignedIn, use_viewer};
