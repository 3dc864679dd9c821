//! Configuration of the CRM sync and the files it stores: where objects live, how runs
//! reach Zoho (the accounts and API servers can be pointed elsewhere: a proxy, or the
//! fake Zoho in tests and the demo), and how hard a run pushes.

use std::time::Duration;

use url::Url;

use crate::server::sync::SyncSettings;

#[derive(Debug, Clone, clap::Args)]
pub struct SyncConfig {
    /// Where files (contractor photos) are stored: a directory (`file:///var/lib/casework`
    /// or a relative path), or `s3://bucket/prefix` for any S3-compatible store, with
    /// AWS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the
    /// environment. Every instance must use the same store.
    #[arg(long, env = "STORAGE_URL", default_value = ".data/objects")]
    pub storage_url: String,

    /// Zoho's accounts server for every tenant, instead of the one of the data centre
    /// each admin picks (a proxy, or the fake Zoho of the demo and the tests).
    #[arg(long, env = "ZOHO_ACCOUNTS_URL", value_parser = parse_http_url)]
    pub zoho_accounts_url: Option<Url>,

    /// Zoho's API server, instead of the `api_domain` the token answer names.
    #[arg(long, env = "ZOHO_API_URL", value_parser = parse_http_url)]
    pub zoho_api_url: Option<Url>,

    /// Photos a sync downloads at once.
    #[arg(long, env = "ZOHO_PHOTO_PARALLELISM", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub zoho_photo_parallelism: u32,

    /// Longest one call to Zoho may take, in seconds (retried after).
    #[arg(long, env = "ZOHO_TIMEOUT_S", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub zoho_timeout_s: u64,

    /// Attempts each call to Zoho gets (429, 5xx and timeouts are retried with
    /// exponential backoff and full jitter, honouring Retry-After).
    #[arg(long, env = "ZOHO_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub zoho_attempts: u32,

    /// The first retry's wait, in ms (doubling after, up to 10 s).
    #[arg(long, env = "ZOHO_RETRY_BASE_MS", default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub zoho_retry_base_ms: u64,

    /// Seconds between two manual syncs of one workspace (seed 000: ten minutes).
    #[arg(long, env = "SYNC_MANUAL_INTERVAL_S", default_value_t = 600, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub sync_manual_interval_s: u64,

    /// How often the schedule looks for runs due and channels to renew, in seconds.
    #[arg(long, env = "SYNC_SCHEDULE_TICK_S", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub sync_schedule_tick_s: u64,
}

fn parse_http_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http(s) URL".into());
    }
    Ok(url)
}

impl SyncConfig {
    pub fn settings(&self) -> SyncSettings {
        SyncSettings {
            accounts_url: self.zoho_accounts_url.clone(),
            api_url: self.zoho_api_url.clone(),
            photo_parallelism: self.zoho_photo_parallelism as usize,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(self.zoho_timeout_s),
            backoff: outbound::Backoff {
                attempts: self.zoho_attempts as usize,
                base: Duration::from_millis(self.zoho_retry_base_ms),
                ..outbound::Backoff::default()
            },
            manual_interval: Duration::from_secs(self.sync_manual_interval_s),
        }
    }

    pub fn describe(&self) -> String {
        let url = |u: &Option<Url>| {
            u.as_ref()
                .map_or("(the data centre's)".to_string(), Url::to_string)
        };
        [
            format!(
                "STORAGE_URL={}",
                self.storage_url.split('@').next_back().unwrap_or_default()
            ),
            format!("ZOHO_ACCOUNTS_URL={}", url(&self.zoho_accounts_url)),
            format!("ZOHO_API_URL={}", url(&self.zoho_api_url)),
            format!("ZOHO_PHOTO_PARALLELISM={}", self.zoho_photo_parallelism),
            format!("ZOHO_TIMEOUT_S={}", self.zoho_timeout_s),
            format!("ZOHO_ATTEMPTS={}", self.zoho_attempts),
            format!("ZOHO_RETRY_BASE_MS={}", self.zoho_retry_base_ms),
            format!("SYNC_MANUAL_INTERVAL_S={}", self.sync_manual_interval_s),
            format!("SYNC_SCHEDULE_TICK_S={}", self.sync_schedule_tick_s),
        ]
        .join("\n")
    }
}
