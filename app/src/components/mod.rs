//! View pieces used by several pages.

/// A server-rendered document only (the browser never builds it).
mod announcer;
#[cfg(feature = "ssr")]
pub mod api_reference;
mod app_frame;
mod bulk_bar;
mod case_form;
mod case_lines;
mod case_table;
pub mod chart;
mod comment_thread;
mod company_table;
mod dashboard_panels;
mod enrichment_view;
#[cfg(feature = "ssr")]
pub mod error_document;
mod error_panel;
pub mod escape;
pub mod form_style;
mod html_splice;
pub mod icons;
pub mod instance_now;
mod linked_bars;
mod list_picker;
mod live;
mod load_error;
mod local_store;
mod pager;
mod portrait;
mod queue_view;
mod reading_memo;
mod saved_search_menu;
mod score;
pub mod search_box;
mod series_bars;
pub mod shortcuts;
mod status;
pub mod stylesheet;
mod sync_progress;
pub mod theme_toggle;
pub mod viewer;
mod when;

pub use announcer::{Announcer, announce_changes};
pub use app_frame::{AppFrame, may_open};
pub use bulk_bar::{BulkBar, BulkContext, BulkOutcome};
pub use case_form::{CaseForm, ConflictDialog, FormState, PersonSearch, field_label};
pub use case_lines::{CaseLines, day_bars};
pub use case_table::{CaseTable, Selection, StatusBadge, priority_label, status_label};
pub use comment_thread::{CommentThread, Composer};
pub use company_table::{CompanyTable, RowAction};
pub use dashboard_panels::{BacklogHistory, FiguresAsOf, SpendPanel, WorkPanel};
pub use enrichment_view::EnrichmentPanel;
pub use error_panel::ErrorPanel;
#[cfg(feature = "ssr")]
pub use html_splice::HtmlSplices;
pub use html_splice::{spliced, spliced_text};
pub use linked_bars::{Bar, LinkedBars};
pub use list_picker::{AddOutcome, AddToListBar};
pub use live::{LiveChange, StreamEvent, use_event_stream};
pub use load_error::{AdminRefusal, LoadError};
pub use pager::NextPage;
pub use portrait::{Portrait, cards_html};
pub use queue_view::{AssigneeChoice, Filters, QueueError, Results};
pub use reading_memo::{Reading, once_per_reading, provide_reading};
pub use saved_search_menu::{SaveSearchForm, SavedSearchMenu};
pub use score::{ScoreBadge, score_band};
pub use search_box::SearchBox;
pub use series_bars::{Column, Layout, PALETTE, Series, SeriesBars, series};
pub use shortcuts::ShortcutsHelp;
pub use status::set_response_status;
pub use sync_progress::{SyncProgress, duration_label};
pub use theme_toggle::ThemeToggle;
pub use viewer::{SignedIn, use_viewer};
pub use when::{When, now, relative_label};
