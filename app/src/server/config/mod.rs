//! All configuration, from the environment (a `.env` file is loaded in development) or
//! the matching command-line flag. Every default works on a laptop; `casework config`
//! prints what is in force, with secrets hidden.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

pub mod protection;
pub mod replicas;
pub mod sync;
pub mod webhooks;
pub use protection::{PlanRates, Rate};
use sqlx::postgres::PgConnectOptions;

/// The server functions whose form carries a long text or selection, and so
/// `MAX_LARGE_FORM_BODY_KB`.
pub const LARGE_FORM_ROUTES: &[&str] = &[
    "/api/cases/bulk",
    "/api/case/save",
    "/api/case/comment",
    "/api/case/comment/edit",
    "/api/company/save",
    "/api/company/note",
    "/api/company/note/edit",
];

/// The embedded development cluster that `make run` starts (see `scripts/pg.sh`).
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:54329/casework";

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, value_parser = parse_database_url, hide_env_values = true, hide_default_value = true)]
    pub database_url: SecretString,

    /// Most connections requests use at once (the live-updates listener and the
    /// background jobs have their own). Default: twice the machine's cores, at least 4.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = default_pool_size(), value_parser = clap::value_parser!(u32).range(1..=500))]
    pub database_pool_size: u32,

    /// How long a request waits for a free connection before it gets a 503, in ms.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT_MS", default_value_t = 3_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub database_acquire_timeout_ms: u64,

    /// Longest a single SQL statement of a request may run, in ms (0 = no limit).
    /// Migrations are exempt.
    #[arg(long, env = "DATABASE_STATEMENT_TIMEOUT_MS", default_value_t = 10_000)]
    pub database_statement_timeout_ms: u64,

    /// Address the HTTP server listens on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub site_addr: SocketAddr,

    /// Directory of the built site (the wasm bundle, CSS and public files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// Log output: `pretty` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Log filter, e.g. `info` or `info,casework=debug,sqlx=warn`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info,sqlx=warn", value_parser = parse_log_filter)]
    pub log_level: String,

    /// The address people use to reach the app, e.g. `https://casework.example.com`.
    /// Decides whether the session cookie is `Secure`, is an allowed `Origin` for
    /// state-changing requests, and is the base of the OAuth redirect URL. Default:
    /// `http://` + LEPTOS_SITE_ADDR.
    #[arg(long, env = "PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Sign out after this many minutes without a request.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 24 * 60, value_parser = clap::value_parser!(u64).range(5..=525_600))]
    pub session_idle_minutes: u64,

    /// Sign out this many hours after signing in, however active.
    #[arg(long, env = "SESSION_MAX_AGE_HOURS", default_value_t = 14 * 24, value_parser = clap::value_parser!(u64).range(1..=8_760))]
    pub session_max_age_hours: u64,

    /// How long (seconds) a process may remember who a session is signed in as,
    /// instead of reading the session and user rows on every request. Changes to
    /// users, tenants and sessions are announced to every process, which forget at
    /// once; this bounds it if an announcement is lost. 0 turns the cache off.
    #[arg(long, env = "AUTH_CACHE_TTL_S", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=3_600))]
    pub auth_cache_ttl_s: u64,

    /// How long (seconds) a process may show the admin's dashboard figures again
    /// instead of reading them anew. Changes to what they count are announced to every
    /// process; this bounds what is not announced (the job queue's health, the spend
    /// between enrichments). A person's own figures and the companies' figures hold
    /// nothing unannounced and are kept `CACHE_SECONDS`. 0 turns the dashboards' cache
    /// off.
    #[arg(long, env = "DASHBOARD_CACHE_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub dashboard_cache_seconds: u64,

    /// How long (seconds) a workspace's shared dashboard figures (the admin's, the
    /// companies') may lag behind changes *others* make: the first change after a quiet
    /// spell is shown at once, those that follow within this window together at its
    /// end. A person's own changes always show on their next page. 0: every change at
    /// once (each one costs every viewer a fresh read). At most `DASHBOARD_CACHE_SECONDS`.
    #[arg(long, env = "DASHBOARD_SETTLE_SECONDS", default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=60))]
    pub dashboard_settle_seconds: u64,

    /// How long (seconds) a process may show a page of the contractor directory again
    /// instead of reading it anew. Every change to contractors is announced to every
    /// process (by the database itself), which forget at once; this bounds memory and
    /// a lost announcement. 0 turns the cache off.
    #[arg(long, env = "DIRECTORY_CACHE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=3_600))]
    pub directory_cache_seconds: u64,

    /// How long (seconds) a process may keep the people pickers' list and the shared
    /// part of company pages instead of reading them anew. The database announces
    /// every change to people and companies to every process, which forget at once;
    /// this bounds memory and a lost announcement. 0 turns these caches off.
    #[arg(long, env = "CACHE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=3_600))]
    pub cache_seconds: u64,

    /// Web origins (comma-separated, e.g. `https://tools.example.com`) whose pages may
    /// call the REST API (`/api/v1`) from a browser with an API key. Empty: none, the
    /// API answers other servers only. Pages and server functions stay same-origin
    /// whatever this says.
    #[arg(
        long,
        env = "API_CORS_ORIGINS",
        default_value = "",
        value_delimiter = ','
    )]
    pub api_cors_origins: Vec<String>,

    /// Force the session cookie's `Secure` flag on or off (default: on when PUBLIC_URL
    /// is https).
    #[arg(long, env = "SESSION_COOKIE_SECURE")]
    pub session_cookie_secure: Option<bool>,

    /// Sign-in attempts allowed per client IP per minute.
    #[arg(long, env = "LOGIN_ATTEMPTS_PER_IP_PER_MINUTE", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub login_attempts_per_ip_per_minute: u32,

    /// Sign-in attempts allowed per email address per minute.
    #[arg(long, env = "LOGIN_ATTEMPTS_PER_EMAIL_PER_MINUTE", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub login_attempts_per_email_per_minute: u32,

    /// Largest request body accepted by a form or a server function, in KiB: anything
    /// larger is refused with 413 before it is read.
    #[arg(long, env = "MAX_REQUEST_BODY_KB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(16..=1_048_576))]
    pub max_request_body_kb: u64,

    /// The same for the forms that carry a long text (a case's description, a comment,
    /// a company note: 20,000 characters, up to 240 KiB URL-encoded) or a long
    /// selection (a bulk action on 10,000 cases, about 250 KiB).
    #[arg(long, env = "MAX_LARGE_FORM_BODY_KB", default_value_t = 512, value_parser = clap::value_parser!(u64).range(16..=1_048_576))]
    pub max_large_form_body_kb: u64,

    /// Google sign-in: the OAuth client id. Google sign-in is offered only when this
    /// and GOOGLE_CLIENT_SECRET are set.
    #[arg(long, env = "GOOGLE_CLIENT_ID")]
    pub google_client_id: Option<String>,

    #[arg(long, env = "GOOGLE_CLIENT_SECRET", value_parser = parse_secret, hide_env_values = true)]
    pub google_client_secret: Option<SecretString>,

    /// Google's endpoints; point them at a local OIDC mock for tests.
    #[arg(
        long,
        env = "GOOGLE_AUTH_URL",
        default_value = "https://accounts.google.com/o/oauth2/v2/auth"
    )]
    pub google_auth_url: String,

    #[arg(
        long,
        env = "GOOGLE_TOKEN_URL",
        default_value = "https://oauth2.googleapis.com/token"
    )]
    pub google_token_url: String,

    #[arg(
        long,
        env = "GOOGLE_USERINFO_URL",
        default_value = "https://openidconnect.googleapis.com/v1/userinfo"
    )]
    pub google_userinfo_url: String,

    /// After SIGINT/SIGTERM, how long in-flight requests may take to finish, in seconds.
    #[arg(long, env = "SHUTDOWN_GRACE_S", default_value_t = 30)]
    pub shutdown_grace_s: u64,

    /// Background jobs `serve` runs at once in-process (0: none; run `casework worker`
    /// beside it instead).
    #[arg(long, env = "WORKERS", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=64))]
    pub workers: u32,

    /// Who enriches companies: `heuristic` (offline, free) or `openai` (any
    /// OpenAI-compatible chat API, see OPENAI_*).
    #[arg(long, env = "ENRICH_PROVIDER", value_enum, default_value_t = EnrichProvider::Heuristic)]
    pub enrich_provider: EnrichProvider,

    /// Base URL of the OpenAI-compatible API (OpenAI, a local vLLM or Ollama…).
    #[arg(
        long,
        env = "OPENAI_BASE_URL",
        default_value = "https://api.openai.com/v1"
    )]
    pub openai_base_url: String,

    #[arg(long, env = "OPENAI_API_KEY", value_parser = parse_secret, hide_env_values = true)]
    pub openai_api_key: Option<SecretString>,

    #[arg(long, env = "OPENAI_MODEL", default_value = "gpt-4o-mini")]
    pub openai_model: String,

    /// US dollars per million input/output tokens, per model.
    #[arg(
        long,
        env = "OPENAI_PRICES",
        default_value = "gpt-4o-mini=0.15/0.60,gpt-4o=2.50/10.00"
    )]
    pub openai_prices: String,

    /// Longest an OpenAI-compatible call may take, in seconds.
    #[arg(long, env = "OPENAI_TIMEOUT_S", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub openai_timeout_s: u64,

    /// Enrichments each person may ask for per hour, by the tenant's plan.
    #[arg(long, env = "ENRICH_PER_HOUR", default_value = "free=10,pro=100,enterprise=1000", value_parser = parse_plan_limits)]
    pub enrich_per_hour: PlanLimits,

    /// Attempts an enrichment gets before it is marked failed (retries back off
    /// exponentially from ENRICH_RETRY_BASE_MS).
    #[arg(long, env = "ENRICH_MAX_ATTEMPTS", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub enrich_max_attempts: u32,

    #[arg(long, env = "ENRICH_RETRY_BASE_MS", default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(10..=3_600_000))]
    pub enrich_retry_base_ms: u32,

    /// How long a running job may go without a heartbeat before another worker takes
    /// it over (its worker is presumed dead), in seconds.
    #[arg(long, env = "JOB_HEARTBEAT_S", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub job_heartbeat_s: u64,

    /// A job that could have run this many seconds ago and has not makes the instance
    /// not ready (`/api/health/ready` answers 503): its workers are gone or stuck.
    #[arg(long, env = "JOB_STUCK_AFTER_S", default_value_t = 600, value_parser = clap::value_parser!(u64).range(10..=604_800))]
    pub job_stuck_after_s: u64,

    /// Lets enrichment fetch loopback addresses (127.0.0.1, localhost). For tests with a
    /// local fixture site only: it opens the SSRF guard to this machine.
    #[arg(long, env = "FETCH_ALLOW_LOOPBACK", default_value_t = false)]
    pub fetch_allow_loopback: bool,

    #[command(flatten)]
    pub protection: protection::Protection,

    #[command(flatten)]
    pub sync: sync::SyncConfig,

    #[command(flatten)]
    pub webhooks: webhooks::WebhookConfig,

    #[command(flatten)]
    pub replicas: replicas::ReplicaConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnrichProvider {
    Heuristic,
    Openai,
}

/// A per-plan number, e.g. enrichments per person per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    pub free: u32,
    pub pro: u32,
    pub enterprise: u32,
}

impl PlanLimits {
    pub fn for_plan(&self, plan: &str) -> u32 {
        match plan {
            "pro" => self.pro,
            "enterprise" => self.enterprise,
            _ => self.free,
        }
    }
}

fn parse_plan_limits(value: &str) -> Result<PlanLimits, String> {
    let mut limits = PlanLimits {
        free: 10,
        pro: 100,
        enterprise: 1000,
    };
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (plan, number) = entry
            .split_once('=')
            .ok_or_else(|| format!("`{entry}`: expected plan=number, e.g. free=10"))?;
        let number: u32 = number
            .trim()
            .parse()
            .map_err(|_| format!("`{entry}`: {number} is not a whole number"))?;
        match plan.trim() {
            "free" => limits.free = number,
            "pro" => limits.pro = number,
            "enterprise" => limits.enterprise = number,
            other => return Err(format!("`{other}` is not a plan (free, pro, enterprise)")),
        }
    }
    Ok(limits)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Config {
    /// Connection options for request traffic: statement timeout and application name
    /// set on every connection so a runaway query cannot hold a pool slot forever.
    pub fn connect_options(&self) -> Result<PgConnectOptions, sqlx::Error> {
        let mut options = PgConnectOptions::from_str(self.database_url.expose_secret())?
            .application_name("casework");
        if self.database_statement_timeout_ms > 0 {
            let timeout = self.database_statement_timeout_ms.to_string();
            options = options.options([("statement_timeout", timeout.as_str())]);
        }
        Ok(options)
    }

    /// Connection options for migrations and seeding: no statement timeout, because
    /// building an index over a million rows legitimately takes a while.
    pub fn admin_connect_options(&self) -> Result<PgConnectOptions, sqlx::Error> {
        Ok(
            PgConnectOptions::from_str(self.database_url.expose_secret())?
                .application_name("casework-admin"),
        )
    }

    /// The largest request body accepted, in bytes.
    /// The body limit of the route at `path` (see `LARGE_FORM_ROUTES`).
    pub fn max_request_body_bytes(&self, path: &str) -> usize {
        let kb = if LARGE_FORM_ROUTES.contains(&path) {
            self.max_large_form_body_kb
        } else {
            self.max_request_body_kb
        };
        usize::try_from(kb.saturating_mul(1024)).unwrap_or(usize::MAX)
    }

    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.database_acquire_timeout_ms)
    }

    /// PUBLIC_URL without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.site_addr),
        }
    }

    /// PUBLIC_URL as a URL (checked at start-up, so this only fails on a bug).
    pub fn public_base(&self) -> Result<url::Url, crate::model::AppError> {
        url::Url::parse(&self.public_url()).map_err(|_| crate::model::AppError::Internal)
    }

    pub fn cookie_secure(&self) -> bool {
        self.session_cookie_secure
            .unwrap_or_else(|| self.public_url().starts_with("https://"))
    }

    pub fn session_idle(&self) -> time::Duration {
        time::Duration::minutes(self.session_idle_minutes as i64)
    }

    pub fn session_max_age(&self) -> time::Duration {
        time::Duration::hours(self.session_max_age_hours as i64)
    }

    /// How stale a session's "last seen" may get before a request extends it: a tenth
    /// of the idle window, at most five minutes, so idle expiry slides without a
    /// database write on every request.
    pub fn session_touch_interval_s(&self) -> i64 {
        (self.session_idle_minutes as i64 * 6).min(300)
    }

    pub fn google_enabled(&self) -> bool {
        self.google_client_id
            .as_deref()
            .is_some_and(|id| !id.is_empty())
            && self.google_client_secret.is_some()
    }

    /// Where Google sends people back to after they chose an account.
    pub fn google_redirect_url(&self) -> String {
        format!("{}/auth/google/callback", self.public_url())
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_s)
    }

    /// Where the database is, without the password: safe for logs and `casework config`.
    pub fn database_display(&self) -> String {
        match PgConnectOptions::from_str(self.database_url.expose_secret()) {
            Ok(options) => format!(
                "postgres://{}@{}:{}/{}",
                options.get_username(),
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or("")
            ),
            Err(_) => "(unparseable)".to_string(),
        }
    }

    /// The effective configuration as `KEY=value` lines, secrets hidden.
    pub fn describe(&self) -> String {
        [
            format!("DATABASE_URL={} (password hidden)", self.database_display()),
            format!("DATABASE_POOL_SIZE={}", self.database_pool_size),
            format!(
                "DATABASE_ACQUIRE_TIMEOUT_MS={}",
                self.database_acquire_timeout_ms
            ),
            format!(
                "DATABASE_STATEMENT_TIMEOUT_MS={}",
                self.database_statement_timeout_ms
            ),
            format!("DATABASE_READ_URL={}", self.replicas.display()),
            format!(
                "DATABASE_READ_MAX_LAG_MS={}",
                self.replicas.database_read_max_lag_ms
            ),
            format!(
                "DATABASE_READ_CHECK_MS={}",
                self.replicas.database_read_check_ms
            ),
            format!("LEPTOS_SITE_ADDR={}", self.site_addr),
            format!("LEPTOS_SITE_ROOT={}", self.site_root),
            format!(
                "LOG_FORMAT={}",
                format!("{:?}", self.log_format).to_lowercase()
            ),
            format!("LOG_LEVEL={}", self.log_level),
            format!("PUBLIC_URL={}", self.public_url()),
            format!("SESSION_IDLE_MINUTES={}", self.session_idle_minutes),
            format!("SESSION_MAX_AGE_HOURS={}", self.session_max_age_hours),
            format!("SESSION_COOKIE_SECURE={}", self.cookie_secure()),
            format!(
                "LOGIN_ATTEMPTS_PER_IP_PER_MINUTE={}",
                self.login_attempts_per_ip_per_minute
            ),
            format!(
                "LOGIN_ATTEMPTS_PER_EMAIL_PER_MINUTE={}",
                self.login_attempts_per_email_per_minute
            ),
            format!("MAX_REQUEST_BODY_KB={}", self.max_request_body_kb),
            format!("MAX_LARGE_FORM_BODY_KB={}", self.max_large_form_body_kb),
            format!(
                "GOOGLE_SIGN_IN={}",
                if self.google_enabled() {
                    "configured (secret hidden)"
                } else {
                    "off"
                }
            ),
            format!("SHUTDOWN_GRACE_S={}", self.shutdown_grace_s),
            self.protection.describe(),
            self.sync.describe(),
        ]
        .join("\n")
    }
}

/// Parses instead of validating (zero2prod): a bad URL stops the process at start-up
/// with a message naming the variable, not at the first request.
/// PostgreSQL does the most work with about two queries running per core; past that,
/// more connections only make its backends take turns on the cores, and the slowest
/// requests wait longest. Queued in the pool instead, requests go in order: on the
/// 2-core benchmark machine 4 connections served the queue page faster than 10 with a
/// p99 a quarter lower (bench/RESULTS.md). The cores are this machine's: right when the
/// database shares it; set `DATABASE_POOL_SIZE` for a database with cores of its own.
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(4, 500)
}

pub(super) fn parse_database_url(value: &str) -> Result<SecretString, String> {
    const EXPECTED: &str = "expected postgres://user:password@host:port/database";
    // sqlx's parser ignores the scheme (it accepts mysql://…), so check it here.
    if !(value.starts_with("postgres://") || value.starts_with("postgresql://")) {
        return Err(format!("not a PostgreSQL URL ({EXPECTED})"));
    }
    PgConnectOptions::from_str(value)
        .map_err(|_| format!("not a valid PostgreSQL URL ({EXPECTED})"))?;
    Ok(SecretString::from(value.to_string()))
}

fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_string()))
}

fn parse_public_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains('/') || host.contains(char::is_whitespace) {
        return Err("must be a scheme and host only, e.g. https://casework.example.com".into());
    }
    Ok(value.to_string())
}

fn parse_log_filter(value: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(value)
        .map(|_| value.to_string())
        .map_err(|error| format!("expected directives like `info` or `info,sqlx=warn`: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Parses flags only: clap reads the environment for anything not given, so each
    /// test passes every value it asserts on explicitly.
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Cli::try_parse_from(std::iter::once("casework").chain(args.iter().copied()))
            .map(|cli| cli.config)
    }

    #[test]
    fn accepts_a_full_configuration() {
        let config = parse(&[
            "--database-url=postgres://app:s3cret@db.internal:6543/casework_prod",
            "--database-pool-size=32",
            "--site-addr=0.0.0.0:8080",
            "--site-root=/srv/site",
            "--log-format=json",
            "--log-level=info,casework=debug",
            "--database-statement-timeout-ms=2500",
        ])
        .map_err(|e| e.to_string());
        let config = match config {
            Ok(config) => config,
            Err(error) => panic!("{error}"),
        };
        assert_eq!(config.database_pool_size, 32);
        assert_eq!(config.site_addr.to_string(), "0.0.0.0:8080");
        assert_eq!(config.site_root, "/srv/site");
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.log_level, "info,casework=debug");
        assert_eq!(
            config.database_display(),
            "postgres://app@db.internal:6543/casework_prod"
        );
    }

    #[test]
    fn cookies_are_secure_exactly_when_served_over_https() {
        let plain =
            parse(&["--site-addr=127.0.0.1:3000"]).map(|c| (c.public_url(), c.cookie_secure()));
        assert_eq!(
            plain.ok(),
            Some(("http://127.0.0.1:3000".to_string(), false))
        );
        let https = parse(&["--public-url=https://cw.example.com/"])
            .map(|c| (c.public_url(), c.cookie_secure()));
        assert_eq!(
            https.ok(),
            Some(("https://cw.example.com".to_string(), true))
        );
        let forced = parse(&["--session-cookie-secure=true"]).map(|c| c.cookie_secure());
        assert_eq!(forced.ok(), Some(true));
    }

    #[test]
    fn secrets_never_print() {
        let config =
            parse(&["--database-url=postgres://app:hunter2@db/x"]).map_err(|e| e.to_string());
        let Ok(config) = config else {
            panic!("{config:?}")
        };
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(!config.describe().contains("hunter2"));
        assert!(
            config
                .describe()
                .contains("DATABASE_URL=postgres://app@db:5432/x")
        );
    }

    #[test]
    fn refuses_bad_values_with_a_message_naming_the_setting() {
        let cases: [(&[&str], &str); 7] = [
            (&["--public-url=casework.example.com"], "--public-url"),
            (&["--public-url=https://x.example/app"], "--public-url"),
            (&["--database-url=mysql://x"], "--database-url"),
            (&["--database-pool-size=0"], "--database-pool-size"),
            (&["--site-addr=localhost"], "--site-addr"),
            (&["--log-format=xml"], "--log-format"),
            (&["--log-level=info,sqlx=loud"], "--log-level"),
        ];
        for (args, setting) in cases {
            match parse(args) {
                Ok(_) => panic!("{args:?} was accepted"),
                Err(error) => {
                    let message = error.to_string();
                    assert!(message.contains(setting), "{args:?}: {message}");
                }
            }
        }
    }

    #[test]
    fn request_connections_get_a_statement_timeout_and_migrations_do_not() {
        let config = parse(&[
            "--database-url=postgres://app@db/x",
            "--database-statement-timeout-ms=1234",
        ]);
        let Ok(config) = config else {
            panic!("rejected")
        };
        let request = format!("{:?}", config.connect_options().ok());
        let admin = format!("{:?}", config.admin_connect_options().ok());
        assert!(request.contains("statement_timeout=1234"), "{request}");
        assert!(!admin.contains("statement_timeout"), "{admin}");
    }
}
