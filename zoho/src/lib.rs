//! Zoho CRM, as the contractor directory needs it.
//!
//! - [`client`]: the API client. The refresh-token grant against the accounts server
//!   (on the `api_domain` its answer names), the access token cached and refreshed once
//!   when Zoho calls it invalid, record lists 200 a page (`page` for the first 2,000,
//!   `page_token` past them), `If-Modified-Since` for incremental runs, the deleted
//!   records, photos, and notification channels. Every call retried with exponential
//!   backoff and full jitter on 429 / 5xx / timeouts, honouring `Retry-After`.
//! - [`mapping`]: which Zoho field fills which contractor field (configurable).
//! - [`notification`]: the body of a Notification API call, as Zoho posts it.
//! - `fake` (feature `fake`): a fake Zoho speaking the same protocol, with the faults a
//!   real one has (bursts of 429 and 5xx, tokens expiring mid-run, a photo that always
//!   fails, latency), for tests, the demo and the benchmark.

pub mod client;
pub mod mapping;
pub mod notification;
pub mod record;

#[cfg(feature = "fake")]
pub mod fake;

pub use client::{Client, Error, ListAnswer, PageAt, Settings};
pub use mapping::{ContractorFields, FieldMap};
pub use notification::Notification;
pub use record::{DeletedRecord, Record};

/// Zoho's data centres: code, name, accounts server, and the CRM web app (for links to
/// a record). The API server comes from the token answer's `api_domain`.
pub const DATA_CENTRES: &[(&str, &str, &str, &str)] = &[
    (
        "us",
        "United States",
        "https://accounts.zoho.com",
        "https://crm.zoho.com",
    ),
    (
        "eu",
        "Europe",
        "https://accounts.zoho.eu",
        "https://crm.zoho.eu",
    ),
    (
        "in",
        "India",
        "https://accounts.zoho.in",
        "https://crm.zoho.in",
    ),
    (
        "au",
        "Australia",
        "https://accounts.zoho.com.au",
        "https://crm.zoho.com.au",
    ),
    (
        "jp",
        "Japan",
        "https://accounts.zoho.jp",
        "https://crm.zoho.jp",
    ),
    (
        "ca",
        "Canada",
        "https://accounts.zohocloud.ca",
        "https://crm.zohocloud.ca",
    ),
    (
        "sa",
        "Saudi Arabia",
        "https://accounts.zoho.sa",
        "https://crm.zoho.sa",
    ),
    (
        "cn",
        "China",
        "https://accounts.zoho.com.cn",
        "https://crm.zoho.com.cn",
    ),
];

/// The accounts server of a data centre code (`us`, `eu`, …).
pub fn accounts_url(data_centre: &str) -> Option<&'static str> {
    DATA_CENTRES
        .iter()
        .find(|dc| dc.0 == data_centre)
        .map(|dc| dc.2)
}

/// The CRM web app of a data centre, for links to a record.
pub fn crm_web_url(data_centre: &str) -> Option<&'static str> {
    DATA_CENTRES
        .iter()
        .find(|dc| dc.0 == data_centre)
        .map(|dc| dc.3)
}
