//! (being written: the SSRF-guarded fetcher)

/// One fetched HTML page: where it ended up after redirects, and its text.
#[derive(Clone, Debug)]
pub struct Page {
    /// The final URL, after redirects.
    pub url: url::Url,
    /// The HTML, decoded as UTF-8 (lossily), at most the fetcher's size limit.
    pub html: String,
}
