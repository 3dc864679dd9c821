//! Configuration of outbound webhooks: how long a receiver has to answer, and how many
//! attempts a delivery gets, how far apart.

use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct WebhookConfig {
    /// Attempts a delivery gets before it is marked failed. With the default base,
    /// 10 attempts span about a day (5 s, 20 s, 80 s, … each wait four times the last,
    /// at most 10 hours).
    #[arg(long, env = "WEBHOOK_MAX_ATTEMPTS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub webhook_max_attempts: u32,

    /// The wait after a delivery's first failed attempt, in milliseconds.
    #[arg(long, env = "WEBHOOK_RETRY_BASE_MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_retry_base_ms: u64,

    /// Longest a receiver may take to answer one delivery, in seconds.
    #[arg(long, env = "WEBHOOK_TIMEOUT_S", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub webhook_timeout_s: u64,
}

/// The longest wait between two attempts.
pub const LONGEST_WAIT: Duration = Duration::from_secs(10 * 3600);

impl WebhookConfig {
    /// The wait after failed attempt `attempt` (1-based): the base, times four per
    /// attempt since, at most [`LONGEST_WAIT`].
    pub fn wait_after(&self, attempt: u32) -> Duration {
        let factor = 4u64.saturating_pow(attempt.saturating_sub(1));
        Duration::from_millis(self.webhook_retry_base_ms.saturating_mul(factor)).min(LONGEST_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_backs_off_to_about_a_day() {
        let config = WebhookConfig {
            webhook_max_attempts: 10,
            webhook_retry_base_ms: 5_000,
            webhook_timeout_s: 15,
        };
        let waits: Vec<u64> = (1..10).map(|n| config.wait_after(n).as_secs()).collect();
        assert_eq!(waits, [5, 20, 80, 320, 1280, 5120, 20480, 36000, 36000]);
        let total: u64 = waits.iter().sum();
        assert!((24 * 3600..30 * 3600).contains(&total), "{total} s");
        assert_eq!(config.wait_after(60), LONGEST_WAIT);
    }
}
