//! Configuration of what protects and observes every request: rate limits (per route
//! class, per plan), the Redis that shares them between instances, which proxies may
//! name the client's address, request timeouts and the metrics endpoint.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

use crate::model::Plan;

#[derive(Debug, Clone, clap::Args)]
pub struct Protection {
    /// Rate limits on (`on`) or off (`off`: for benchmarking the app without them, or
    /// behind a proxy that limits instead). Sign-in limits stay on either way.
    #[arg(long, env = "RATE_LIMITS", default_value = "on", value_parser = parse_switch)]
    pub rate_limits: bool,

    /// Reads (GET pages, server-function reads, event streams, exports) per signed-in
    /// person, by the workspace's plan. A rate is `N/s`, `N/min` or `N/h`; the whole
    /// budget may be spent at once, and it refills evenly over the period (GCRA).
    #[arg(long, env = "RATE_LIMIT_READS", default_value = "free=100/min,pro=300/min,enterprise=1000/min", value_parser = parse_plan_rates)]
    pub rate_limit_reads: PlanRates,

    /// Writes (every other method) per signed-in person, by plan.
    #[arg(long, env = "RATE_LIMIT_WRITES", default_value = "free=20/min,pro=60/min,enterprise=200/min", value_parser = parse_plan_rates)]
    pub rate_limit_writes: PlanRates,

    /// Every request of one workspace together, by plan: the ceiling a whole team (or
    /// one runaway script with many sessions) shares.
    #[arg(long, env = "RATE_LIMIT_TENANT", default_value = "free=1000/min,pro=5000/min,enterprise=20000/min", value_parser = parse_plan_rates)]
    pub rate_limit_tenant: PlanRates,

    /// Requests per API key, by the plan of the key's workspace.
    #[arg(long, env = "RATE_LIMIT_API_KEY", default_value = "free=60/min,pro=600/min,enterprise=3000/min", value_parser = parse_plan_rates)]
    pub rate_limit_api_key: PlanRates,

    /// Requests per client IP from people not signed in (the sign-in page, sign-in
    /// itself, anything answered before a session exists).
    #[arg(long, env = "RATE_LIMIT_ANONYMOUS", default_value = "60/min", value_parser = parse_rate)]
    pub rate_limit_anonymous: Rate,

    /// Static files (scripts, styles, the wasm bundle, images) per client IP.
    #[arg(long, env = "RATE_LIMIT_STATIC", default_value = "1200/min", value_parser = parse_rate)]
    pub rate_limit_static: Rate,

    /// Submissions of the public inquiry form per client IP.
    #[arg(long, env = "RATE_LIMIT_FORM", default_value = "5/min", value_parser = parse_rate)]
    pub rate_limit_form: Rate,

    /// The public inquiry form refuses a submission sent back sooner than this many
    /// seconds after its page was opened (people type; programs post at once).
    #[arg(long, env = "INQUIRY_MIN_FILL_SECONDS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(0..=3_600))]
    pub inquiry_min_fill_seconds: u64,

    /// Webhook calls (Zoho's notifications) per workspace they are for.
    #[arg(long, env = "RATE_LIMIT_WEBHOOK", default_value = "600/min", value_parser = parse_rate)]
    pub rate_limit_webhook: Rate,

    /// Redis shared by every instance (e.g. `redis://127.0.0.1:6379`): rate limits are
    /// kept there, so three instances give one budget, not three. Unset: each instance
    /// keeps its own.
    #[arg(long, env = "REDIS_URL", value_parser = parse_redis_url, hide_env_values = true)]
    pub redis_url: Option<SecretString>,

    /// Longest a rate-limit decision waits for Redis, in ms. Past it (or when Redis is
    /// down) the instance decides alone with its in-process limiter ("fails open"),
    /// and tries Redis again a second later.
    #[arg(long, env = "REDIS_TIMEOUT_MS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub redis_timeout_ms: u64,

    /// Proxies whose `X-Forwarded-For` is believed, as addresses or networks
    /// (`10.0.0.0/8,127.0.0.1`). The client is the rightmost address not in this list.
    /// Empty: the client is the TCP peer, whatever the header says.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "", value_parser = parse_networks)]
    pub trusted_proxies: Networks,

    /// Longest a request may take to be answered (event streams: to start), in
    /// seconds; past it the client gets a 503 and the work is dropped.
    #[arg(long, env = "REQUEST_TIMEOUT_S", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub request_timeout_s: u64,

    /// Longest a client may take to send a request's body, in seconds (a client that
    /// trickles a body must not hold a connection for ever).
    /// This instance's name on the admin System page (default: host name and process
    /// id).
    #[arg(long, env = "INSTANCE_NAME")]
    pub instance_name: Option<String>,

    /// Where `/metrics` (Prometheus text) is served on its own, e.g. `127.0.0.1:9464`
    /// (an address only the monitoring network reaches).
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// Serves `/metrics` on the main address too, to requests bearing this token
    /// (`Authorization: Bearer …`). Neither set: no metrics endpoint at all.
    #[arg(long, env = "METRICS_TOKEN", value_parser = parse_token, hide_env_values = true)]
    pub metrics_token: Option<SecretString>,

    #[arg(long, env = "REQUEST_BODY_TIMEOUT_S", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub request_body_timeout_s: u64,
}

impl Protection {
    /// The name this instance writes its minutes under.
    pub fn instance(&self) -> String {
        if let Some(name) = self
            .instance_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            return name.chars().take(64).collect();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|host| host.trim().to_string())
            .filter(|host| !host.is_empty())
            .unwrap_or_else(|| "casework".into());
        format!("{host}:{}", std::process::id())
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_s)
    }

    pub fn request_body_timeout(&self) -> Duration {
        Duration::from_secs(self.request_body_timeout_s)
    }

    pub fn redis_timeout(&self) -> Duration {
        Duration::from_millis(self.redis_timeout_ms)
    }

    /// `KEY=value` lines for `casework config`; Redis' address without its password.
    pub fn describe(&self) -> String {
        let plans = |rates: &PlanRates| {
            Plan::ALL
                .iter()
                .map(|plan| format!("{}={}", plan.as_str(), rates.for_plan(*plan)))
                .collect::<Vec<_>>()
                .join(",")
        };
        let redis = self.redis_url.as_ref().map_or("off".to_string(), |url| {
            url::Url::parse(url.expose_secret()).map_or("(unparseable)".into(), |url| {
                format!(
                    "{}://{}:{} (password hidden)",
                    url.scheme(),
                    url.host_str().unwrap_or(""),
                    url.port().unwrap_or(6379)
                )
            })
        });
        let proxies = self.trusted_proxies.0.iter().map(ToString::to_string);
        [
            format!(
                "RATE_LIMITS={}",
                if self.rate_limits { "on" } else { "off" }
            ),
            format!("RATE_LIMIT_READS={}", plans(&self.rate_limit_reads)),
            format!("RATE_LIMIT_WRITES={}", plans(&self.rate_limit_writes)),
            format!("RATE_LIMIT_TENANT={}", plans(&self.rate_limit_tenant)),
            format!("RATE_LIMIT_API_KEY={}", plans(&self.rate_limit_api_key)),
            format!("RATE_LIMIT_ANONYMOUS={}", self.rate_limit_anonymous),
            format!("RATE_LIMIT_STATIC={}", self.rate_limit_static),
            format!("RATE_LIMIT_FORM={}", self.rate_limit_form),
            format!("RATE_LIMIT_WEBHOOK={}", self.rate_limit_webhook),
            format!("INQUIRY_MIN_FILL_SECONDS={}", self.inquiry_min_fill_seconds),
            format!("REDIS_URL={redis}"),
            format!("REDIS_TIMEOUT_MS={}", self.redis_timeout_ms),
            format!("TRUSTED_PROXIES={}", proxies.collect::<Vec<_>>().join(",")),
            format!("REQUEST_TIMEOUT_S={}", self.request_timeout_s),
            format!(
                "METRICS_ADDR={}",
                self.metrics_addr
                    .map_or("off".into(), |addr| addr.to_string())
            ),
            format!(
                "METRICS_TOKEN={}",
                if self.metrics_token.is_some() {
                    "set (hidden)"
                } else {
                    "off"
                }
            ),
            format!("REQUEST_BODY_TIMEOUT_S={}", self.request_body_timeout_s),
        ]
        .join("\n")
    }
}

/// So many requests per period: the budget GCRA spends and refills evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    pub count: u32,
    pub period: Duration,
}

impl Rate {
    /// The time one request's worth of budget takes to refill.
    pub fn interval(&self) -> Duration {
        self.period / self.count.max(1)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "s",
            3600 => "h",
            _ => "min",
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// One rate per plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanRates {
    pub free: Rate,
    pub pro: Rate,
    pub enterprise: Rate,
}

impl PlanRates {
    pub fn for_plan(&self, plan: Plan) -> Rate {
        match plan {
            Plan::Free => self.free,
            Plan::Pro => self.pro,
            Plan::Enterprise => self.enterprise,
        }
    }
}

pub fn parse_rate(value: &str) -> Result<Rate, String> {
    let value = value.trim();
    let (count, unit) = value.split_once('/').unwrap_or((value, "min"));
    let count: u32 = count
        .trim()
        .parse()
        .map_err(|_| format!("`{value}`: expected N/s, N/min or N/h (N a whole number)"))?;
    if count == 0 || count > 10_000_000 {
        return Err(format!("`{value}`: N must be between 1 and 10,000,000"));
    }
    let period = match unit.trim() {
        "s" | "sec" | "second" => Duration::from_secs(1),
        "m" | "min" | "minute" => Duration::from_secs(60),
        "h" | "hour" => Duration::from_secs(3600),
        other => return Err(format!("`{other}`: the period is s, min or h")),
    };
    Ok(Rate { count, period })
}

/// `free=100/min,pro=300/min,enterprise=1000/min`; a plan left out keeps the rate of
/// the plan before it (so `free=5/s` alone sets all three).
pub fn parse_plan_rates(value: &str) -> Result<PlanRates, String> {
    let mut rates: [Option<Rate>; 3] = [None; 3];
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (plan, rate) = entry
            .split_once('=')
            .ok_or_else(|| format!("`{entry}`: expected plan=rate, e.g. free=100/min"))?;
        let index = Plan::ALL
            .iter()
            .position(|p| p.as_str() == plan.trim())
            .ok_or_else(|| format!("`{}` is not a plan (free, pro, enterprise)", plan.trim()))?;
        rates[index] = Some(parse_rate(rate)?);
    }
    let free = rates[0].ok_or("the free plan's rate is required (free=N/min)")?;
    let pro = rates[1].unwrap_or(free);
    let enterprise = rates[2].unwrap_or(pro);
    Ok(PlanRates {
        free,
        pro,
        enterprise,
    })
}

fn parse_switch(value: &str) -> Result<bool, String> {
    match value.trim() {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        other => Err(format!("`{other}`: expected on or off")),
    }
}

fn parse_token(value: &str) -> Result<SecretString, String> {
    if value.trim().len() < 16 {
        return Err("use at least 16 characters (a random token, not a word)".into());
    }
    Ok(SecretString::from(value.trim().to_string()))
}

fn parse_redis_url(value: &str) -> Result<SecretString, String> {
    let url = url::Url::parse(value.trim()).map_err(|error| format!("not a URL: {error}"))?;
    if !matches!(url.scheme(), "redis" | "rediss" | "unix" | "redis+unix") {
        return Err("expected redis://host:port (or rediss:// for TLS)".into());
    }
    Ok(SecretString::from(value.trim().to_string()))
}

/// Addresses and networks, e.g. the proxies trusted to say who the client is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(pub Vec<IpNet>);

impl Networks {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn parse_networks(value: &str) -> Result<Networks, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            IpNet::from_str(entry)
                .or_else(|_| std::net::IpAddr::from_str(entry).map(IpNet::from))
                .map_err(|_| format!("`{entry}` is not an address or a network (10.0.0.0/8)"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Networks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_written_and_refuse_nonsense() {
        let rate = parse_rate("100/min").unwrap();
        assert_eq!(rate.interval(), Duration::from_millis(600));
        assert_eq!(rate.to_string(), "100/min");
        assert_eq!(
            parse_rate("5/s").map(|r| r.period),
            Ok(Duration::from_secs(1))
        );
        assert_eq!(
            parse_rate("7").map(|r| r.period),
            Ok(Duration::from_secs(60))
        );
        for bad in ["0/min", "-1/min", "ten/min", "5/fortnight", "", "5/"] {
            assert!(parse_rate(bad).is_err(), "{bad} was accepted");
        }
        let rates = parse_plan_rates("free=2/s,enterprise=9/h").unwrap();
        assert_eq!(rates.for_plan(Plan::Pro), rates.free);
        assert_eq!(rates.for_plan(Plan::Enterprise).count, 9);
        assert!(parse_plan_rates("pro=1/s").is_err(), "free is required");
        assert!(parse_plan_rates("gold=1/s").is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let networks = parse_networks("10.0.0.0/8, 127.0.0.1,::1").unwrap();
        assert!(networks.contains("10.2.3.4".parse().unwrap()));
        assert!(networks.contains("127.0.0.1".parse().unwrap()));
        assert!(networks.contains("::1".parse().unwrap()));
        assert!(!networks.contains("192.168.0.1".parse().unwrap()));
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("proxy.example").is_err());
        assert_eq!(parse_networks(""), Ok(Networks::default()));
    }
}
