//! What can go wrong talking to Zoho, and which of it is worth another try.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The accounts server refused the grant (`invalid_code`, `invalid_client`, …): the
    /// client id, secret or refresh token is wrong or revoked. Not retried.
    #[error("Zoho refused the connection's credentials ({0})")]
    Credentials(String),
    /// The API refused a fresh access token too.
    #[error("Zoho refused the access token, also after refreshing it")]
    Unauthorized,
    /// 429, with how long Zoho asked us to wait.
    #[error("Zoho is limiting our requests{}", .retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx.
    #[error("Zoho answered with a server error ({status})")]
    Server { status: u16 },
    #[error("Zoho did not answer in time")]
    Timeout,
    #[error("could not reach Zoho ({0})")]
    Network(String),
    /// A 4xx with Zoho's error document (`INVALID_MODULE`, `INVALID_DATA`, …).
    #[error("Zoho refused the request: {code} ({message})")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// An answer that does not follow the protocol (or is too large to take).
    #[error("Zoho sent an answer we cannot read ({0})")]
    Protocol(String),
}

impl Error {
    /// Worth another try after a wait: rate limits, server errors, timeouts and
    /// connections that failed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. } | Error::Server { .. } | Error::Timeout | Error::Network(_)
        )
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    pub(super) fn from_reqwest(error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            Error::Timeout
        } else if error.is_decode() {
            Error::Protocol(error.to_string())
        } else {
            // The URL is ours and carries no secret (tokens travel in headers).
            Error::Network(error.without_url_string())
        }
    }
}

trait WithoutUrl {
    fn without_url_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_string(&self) -> String {
        let kind = if self.is_connect() {
            "connection failed"
        } else if self.is_request() {
            "request failed"
        } else if self.is_body() {
            "answer cut short"
        } else {
            "transport error"
        };
        kind.to_string()
    }
}
