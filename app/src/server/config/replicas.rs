//! Configuration of read replicas (server/replicas.rs says how reads are routed).

use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::PgConnectOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct ReplicaConfig {
    /// PostgreSQL streaming replicas of DATABASE_URL to read from (comma-separated
    /// URLs). Unset: everything is read from the primary.
    #[arg(long, env = "DATABASE_READ_URL", value_delimiter = ',', value_parser = super::parse_database_url, hide_env_values = true)]
    pub database_read_url: Vec<SecretString>,

    /// A replica further behind the primary than this (in milliseconds of the primary's
    /// writes) is not read from until it catches up.
    #[arg(long, env = "DATABASE_READ_MAX_LAG_MS", default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub database_read_max_lag_ms: u64,

    /// How often each replica's replay position is checked, in milliseconds.
    #[arg(long, env = "DATABASE_READ_CHECK_MS", default_value_t = 250, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub database_read_check_ms: u64,
}

impl ReplicaConfig {
    pub fn max_lag(&self) -> Duration {
        Duration::from_millis(self.database_read_max_lag_ms)
    }

    pub fn check_every(&self) -> Duration {
        Duration::from_millis(self.database_read_check_ms)
    }

    /// The replicas' hosts and ports (no passwords), for `casework config`.
    pub fn display(&self) -> String {
        match self.replicas(0) {
            Ok(replicas) if replicas.is_empty() => "(none: reads from the primary)".into(),
            Ok(replicas) => replicas
                .into_iter()
                .map(|(name, _)| name)
                .collect::<Vec<_>>()
                .join(","),
            Err(_) => "(unparseable)".into(),
        }
    }

    /// Each replica's connection options (application name and statement timeout as
    /// the primary's) and its `host:port` for logs.
    pub fn replicas(
        &self,
        statement_timeout_ms: u64,
    ) -> Result<Vec<(String, PgConnectOptions)>, sqlx::Error> {
        self.database_read_url
            .iter()
            .map(|url| {
                let mut options = PgConnectOptions::from_str(url.expose_secret())?
                    .application_name("casework-read");
                if statement_timeout_ms > 0 {
                    let timeout = statement_timeout_ms.to_string();
                    options = options.options([("statement_timeout", timeout.as_str())]);
                }
                let name = format!("{}:{}", options.get_host(), options.get_port());
                Ok((name, options))
            })
            .collect()
    }
}
