//! Plain serde types shared by the server and the browser. Nothing here touches the
//! database or the DOM, so it compiles into both builds.

mod api_keys;
mod bulk;
mod capability;
mod case_detail;
mod cases;
mod companies;
mod company_dashboard;
mod company_detail;
mod contractors;
mod dashboard;
mod day_range;
mod error;
pub mod field_words;
mod identity;
mod imports;
mod inquiry;
mod integrations;
mod lists;
mod new_case;
mod notifications;
mod page_data;
mod plain_text;
mod search;
mod system;
mod text;
mod theme;
mod timestamps;
mod usage;
mod users;
mod viewer;
mod webhooks;

pub use api_keys::{
    ApiKeySummary, ApiKeysPage, ApiScope, MAX_API_KEY_NAME_CHARS, MadeApiKey, NewApiKey,
};
pub use bulk::{BULK_LIMIT, BulkChange, BulkReport, BulkTarget, SeenCase};
pub use capability::{Capability, allows};
pub use case_detail::{
    ActivityEntry, CaseDetail, CaseFields, CaseRecord, Comment, ConflictState, MAX_COMMENT_CHARS,
};
pub use cases::{
    Assignee, CaseFilter, CasePage, CasePriority, CaseRow, CaseSort, CaseStatus, Cursor,
    MatchCount, TeamPage, group_thousands,
};
pub use companies::{
    CompanyCursor, CompanyFilter, CompanyPage, CompanyRow, CompanySort, CompanyStage, Confidence,
    EnrichmentStatus, NewCompany, Website, bounded_text,
};
pub use company_dashboard::{
    AnalystDashboard, CompanyLine, OwnList, SECTOR_ROWS, SectorCell, SectorRow, score_band_range,
};
pub use company_detail::{
    CompanyDetail, CompanyNote, CompanyRecord, Enrichment, EnrichmentResult, EnrichmentView,
    ListRef, Quota, Step, format_usd,
};
pub use contractors::{
    ContractorCard, ContractorCursor, ContractorDetail, ContractorFilter, DirectoryPage,
    FacetValue, MAX_CONTRACTOR_FILTER_CHARS, PhotoRef, initials,
};
pub use dashboard::{
    AGE_BUCKETS, AdminDashboard, BacklogDay, CaseLine, DayFigure, EmployeeDashboard, LOAD_LINES,
    LoadLine, SpendFigures, SyncLine, Window, WorkHealth, age_bucket_days,
};
pub use day_range::DayRange;
pub use error::AppError;
pub use identity::{Email, Plan, Role, TenantSlug};
pub use imports::{
    ImportField, ImportKind, ImportRowError, ImportStatus, ImportView, MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS, Mapping, auto_match, parse_mapping,
};
pub use inquiry::{
    Inquiry, InquiryAssignment, InquiryPerson, InquirySettings, InquirySettingsChange,
    MAX_INQUIRY_DAILY_CAP, MAX_INQUIRY_INTRO_CHARS, MAX_INQUIRY_MESSAGE_CHARS, PublicInquiryForm,
    inquiry_error_text,
};
pub use integrations::{
    MappingPreview, SyncRequested, SyncRunDetail, SyncRunError, SyncRunView, SyncStatus,
    ZohoSettingsView,
};
pub use lists::{
    AddReport, CompanyList, EnrichAllReport, ListDetail, ListsOverview, MAX_ADD_AT_ONCE,
    MAX_LIST_NAME_CHARS, MAX_LISTS, MAX_SAVED_QUERY_CHARS, MAX_SAVED_SEARCHES, SavedSearch,
    list_error_text, parse_checkbox, parse_id, parse_name, require_confirm,
};
pub use new_case::{CaseSource, NewCase};
pub use notifications::{
    BELL_ITEMS, EXCERPT_CHARS, Inbox, Mentionable, NOTIFICATIONS_PER_PAGE, Notification,
    NotificationKind, NotificationSettings, excerpt, mentioned,
};
pub use page_data::QueuePageData;
pub use plain_text::markdown_glimpse;
pub use search::{
    HitKind, MAX_QUERY_CHARS, Match, SearchHit, SearchQuery, SearchResults, search_pages,
};
pub use system::{
    BUCKETS_MS, CacheRow, InstanceFigures, InstanceNow, MinutePoint, QueueRow, ReplicaRow,
    RouteFigures, SlowRow, SystemReport, WINDOWS, merge as merge_histograms, quantile,
};
pub use text::{check_text, refused_control};
pub use theme::Theme;
pub use timestamps::{format_timestamp, push_date, push_machine_time, push_timestamp};
pub use usage::{UsageReport, UsageRow, parse_dollars, parse_month};
pub use users::{UserAuditEntry, UserSummary, UsersPage};
pub use viewer::Viewer;
pub use webhooks::{
    DeliveryState, MAX_WEBHOOK_DESCRIPTION_CHARS, MAX_WEBHOOK_URL_CHARS, MadeWebhook, NewWebhook,
    WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhooksPage,
};
