//! Posting to a URL someone else chose (outbound webhooks), behind the same guard as
//! fetching a company's site: the URL's shape, its host name and every address it
//! resolves to are checked before connecting, and reqwest connects only to addresses
//! the guard passed. A redirect is an answer, never followed: a receiver that moved
//! must be registered again, and following one would be a way around the guard.

use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use url::Url;

use super::{FetchError, Fetcher, redacted, request_error};

/// What a receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// The start of its body (at most the bytes asked for, lossily decoded).
    pub excerpt: String,
    /// From sending the request to the end of the excerpt.
    pub latency: Duration,
}

impl Fetcher {
    /// Checks what can be checked of `url` before anything is sent: its shape, and that
    /// its host and every address it resolves to are allowed. For registering a URL,
    /// so a refused one is refused at once rather than at its first delivery.
    pub async fn check(&self, url: &Url) -> Result<(), FetchError> {
        self.check_target(url, "").await
    }

    /// POSTs `body` as JSON to `url` with `headers`, within the policy's request
    /// timeout, and reads at most `excerpt_bytes` of the answer.
    pub async fn post_json(
        &self,
        url: &Url,
        headers: HeaderMap,
        body: Vec<u8>,
        excerpt_bytes: usize,
    ) -> Result<Reply, FetchError> {
        self.check_target(url, "").await?;
        let started = Instant::now();
        let send = async {
            let mut response = self
                .client
                .post(url.clone())
                .headers(headers)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body)
                .send()
                .await
                .map_err(|err| request_error(url, "", &err))?;
            let status = response.status().as_u16();
            let mut excerpt = Vec::new();
            while excerpt.len() < excerpt_bytes {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        let room = excerpt_bytes - excerpt.len();
                        excerpt.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    }
                    // The status is the answer; a body cut short is only a shorter excerpt.
                    Ok(None) | Err(_) => break,
                }
            }
            Ok(Reply {
                status,
                excerpt: String::from_utf8_lossy(&excerpt).into_owned(),
                latency: started.elapsed(),
            })
        };
        match tokio::time::timeout(self.policy.request_timeout, send).await {
            Ok(result) => result,
            Err(_elapsed) => Err(FetchError::Timeout { url: redacted(url) }),
        }
    }
}
