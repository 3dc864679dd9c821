//! Logging: human-readable in development, one JSON object per line in production,
//! with secrets scrubbed from every line at the writer, whatever logged them: email
//! addresses, bearer tokens and API keys, session cookies, and anything written as a
//! password, secret or token field. A log line is read by more people than the data
//! it mentions, so nothing that signs in or names a person may reach it.

use std::io::{self, Write};
use std::sync::LazyLock;

use app::server::Config;
use app::server::config::LogFormat;
use regex::Regex;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

pub fn init(config: &Config) {
    init_with(config, Redacting(io::stderr));
}

/// Logging into `writer` (tests read their own logs back through this).
pub fn init_with<W>(config: &Config, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // `LOG_LEVEL` was validated when the config was parsed; the fallback only guards
    // against a filter that parses there but not here.
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
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

/// Wraps a writer maker so every line is scrubbed before it is written.
pub struct Redacting<M>(pub M);

impl<'w, M: MakeWriter<'w>> MakeWriter<'w> for Redacting<M> {
    type Writer = Scrubbed<M::Writer>;

    fn make_writer(&'w self) -> Self::Writer {
        Scrubbed {
            inner: self.0.make_writer(),
            line: Vec::new(),
        }
    }
}

/// Collects one event's output and writes it scrubbed when the event is done.
pub struct Scrubbed<W: Write> {
    inner: W,
    line: Vec<u8>,
}

impl<W: Write> Write for Scrubbed<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let text = String::from_utf8_lossy(&self.line);
        let clean = redact(&text);
        self.line.clear();
        self.inner.write_all(clean.as_bytes())?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Scrubbed<W> {
    fn drop(&mut self) {
        if !self.line.is_empty() {
            let _ = self.flush();
        }
    }
}

/// Each pattern and what stands in its place, most specific first.
static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // A named secret, as JSON (`"password":"…"`) or as key=value.
        (
            r#"(?i)(\\?"?(?:password|passwd|secret|client_secret|token|access_token|refresh_token|api_key|apikey|authorization|cookie)\\?"?\s*[:=]\s*)(\\?"[^"\\]*\\?"|[^\s,&}]+)"#,
            "${1}[redacted]",
        ),
        (r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+", "Bearer [redacted]"),
        (r"casework_session=[^;\s\x22\\]+", "casework_session=[redacted]"),
        (r"\bcw_(?:live|test)_[A-Za-z0-9_]+", "[api key]"),
        (
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            "[email]",
        ),
    ]
    .into_iter()
    .filter_map(|(pattern, replacement)| Some((Regex::new(pattern).ok()?, replacement)))
    .collect()
});

pub fn redact(line: &str) -> String {
    let mut text = std::borrow::Cow::Borrowed(line);
    for (pattern, replacement) in PATTERNS.iter() {
        if let std::borrow::Cow::Owned(changed) = pattern.replace_all(&text, *replacement) {
            text = std::borrow::Cow::Owned(changed);
        }
    }
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_a_line() {
        let line = r#"{"message":"sign in","email":"ada@acme.example","password":"hunter2 two","headers":"cookie: casework_session=abc123; theme=dark","authorization":"Bearer sk-live-XYZ","key":"cw_live_abcdef123"}"#;
        let clean = redact(line);
        for secret in [
            "ada@acme.example",
            "hunter2",
            "abc123",
            "sk-live-XYZ",
            "cw_live_abcdef123",
        ] {
            assert!(!clean.contains(secret), "{secret} left in {clean}");
        }
        assert!(clean.contains(r#""message":"sign in""#), "{clean}");
        let pretty = redact("user ada@acme.example signed in password=hunter2 token=t0k3n");
        assert_eq!(
            pretty,
            "user [email] signed in password=[redacted] token=[redacted]"
        );
        // Ordinary text is left alone.
        assert_eq!(redact("GET /work 200 in 3 ms"), "GET /work 200 in 3 ms");
    }
}
