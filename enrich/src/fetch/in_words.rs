//! What went wrong fetching a company's website, said for the person who asked for the
//! enrichment: what failed and what they can do, not the resolver's or the HTTP
//! client's wording ("failed to lookup address information: Name or service not
//! known"). The technical text still goes to the logs with the job.

use super::FetchError;

impl FetchError {
    /// The failure in plain words, with what to do about it.
    pub fn in_words(&self) -> String {
        match self {
            FetchError::Refused { url, .. } => format!(
                "The website {} was refused: its address leads to a private or internal network, \
                 which enrichment never visits. Check the company's website address.",
                host(url)
            ),
            FetchError::BadUrl(_) => "The website address is not one enrichment can visit: it \
                must be a public http:// or https:// address. Correct it and try again."
                .to_string(),
            FetchError::Timeout { url } => format!(
                "The website {} took too long to answer. It may be slow or down; \
                 enrichment tries again by itself, or try later.",
                host(url)
            ),
            FetchError::Connect { url, reason } if unknown_name(reason) => format!(
                "The website {} could not be found: no such domain. Check the company's \
                 website address.",
                host(url)
            ),
            FetchError::Connect { url, .. } => format!(
                "Could not connect to the website {}: it refused or dropped the connection. \
                 It may be down; try again later.",
                host(url)
            ),
            FetchError::Status { url, status } => match status {
                404 | 410 => format!(
                    "The website {} answered that the page does not exist (HTTP {status}). \
                     Check the company's website address.",
                    host(url)
                ),
                401 | 403 => format!(
                    "The website {} refused to be read (HTTP {status}): it does not let \
                     robots in. Enrichment cannot read it.",
                    host(url)
                ),
                429 => format!(
                    "The website {} asked for fewer visits (HTTP 429). Enrichment tries again \
                     later by itself.",
                    host(url)
                ),
                500..=599 => format!(
                    "The website {} had an error of its own (HTTP {status}). It may be down; \
                     try again later.",
                    host(url)
                ),
                _ => format!(
                    "The website {} answered with an error (HTTP {status}).",
                    host(url)
                ),
            },
            FetchError::TooLarge { url, limit } => format!(
                "The website {}'s page is too large to read (over {} MB).",
                host(url),
                limit / 1_000_000
            ),
            FetchError::NotHtml { url, content_type } => format!(
                "The website {} is not a web page (it sends {content_type}). Check the \
                 company's website address.",
                host(url)
            ),
            FetchError::TooManyRedirects { url } => format!(
                "The website {} sends visitors round in circles (too many redirects). Check \
                 the company's website address.",
                host(url)
            ),
            FetchError::Client(_) => {
                "Enrichment could not start its web client. This is on our side: tell an \
                 administrator."
                    .to_string()
            }
        }
    }
}

/// The host of a (redacted) URL, or the URL when it has none.
fn host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|parsed| parsed.host_str().map(str::to_string))
        .unwrap_or_else(|| url.to_string())
}

/// Whether a connection failure was the name not resolving.
fn unknown_name(reason: &str) -> bool {
    let reason = reason.to_lowercase();
    [
        "lookup address",
        "name or service not known",
        "no such host",
        "nxdomain",
        "dns",
    ]
    .iter()
    .any(|sign| reason.contains(sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_as_words_with_what_to_do() {
        let dns = FetchError::Connect {
            url: "https://nosuch.example/".into(),
            reason: "dns error: failed to lookup address information: Name or service not known"
                .into(),
        };
        let said = dns.in_words();
        assert!(said.contains("nosuch.example could not be found"), "{said}");
        assert!(!said.contains("lookup"), "{said}");
        let down = FetchError::Status {
            url: "https://acme.example/about".into(),
            status: 503,
        };
        assert!(down.in_words().contains("HTTP 503"));
        assert!(down.in_words().contains("acme.example"));
        let refused = FetchError::Refused {
            url: "http://10.0.0.1/".into(),
            reason: "private address".into(),
        };
        assert!(refused.in_words().contains("refused"));
        assert!(refused.in_words().contains("private or internal network"));
    }
}
