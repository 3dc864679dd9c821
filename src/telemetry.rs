//! Logging: human-readable in development, one JSON object per line in production.

use app::server::Config;
use app::server::config::LogFormat;
use tracing_subscriber::EnvFilter;

pub fn init(config: &Config) {
    // `LOG_LEVEL` was validated when the config was parsed; the fallback only guards
    // against a filter that parses there but not here.
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // try_init: a second call (tests start several apps in one process) is a no-op.
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
