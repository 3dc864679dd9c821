//! CORS for the REST API alone (`API_CORS_ORIGINS`): pages of the origins configured
//! may call `/api/v1` from a browser with an API key (which they send themselves: no
//! cookies are allowed with it, and the API reads none). Preflights are answered here;
//! pages and server functions send no CORS headers, so they stay same-origin.

use app::server::Config;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub fn layer(config: &Config) -> anyhow::Result<CorsLayer> {
    let origins = origins(&config.api_cors_origins)?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(std::time::Duration::from_secs(600)))
}

/// The configured origins, each `scheme://host[:port]` exactly (a browser's `Origin`
/// is compared byte for byte).
fn origins(configured: &[String]) -> anyhow::Result<Vec<HeaderValue>> {
    configured
        .iter()
        .map(|origin| origin.trim())
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let url = url::Url::parse(origin)
                .map_err(|_| anyhow::anyhow!("API_CORS_ORIGINS: {origin:?} is not an origin such as https://tools.example.com"))?;
            let exact = url.origin().ascii_serialization();
            if !matches!(url.scheme(), "http" | "https") || exact != origin.trim_end_matches('/') {
                anyhow::bail!(
                    "API_CORS_ORIGINS: {origin:?} is not an origin (scheme, host and port only, e.g. https://tools.example.com)"
                );
            }
            HeaderValue::from_str(&exact).map_err(anyhow::Error::from)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::origins;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        let good = origins(&[
            "https://tools.example.com".into(),
            " http://localhost:5173 ".into(),
            String::new(),
        ])
        .unwrap_or_default();
        assert_eq!(good, ["https://tools.example.com", "http://localhost:5173"]);
        for bad in [
            "tools.example.com",
            "https://x.example/path",
            "ftp://x.example",
            "*",
        ] {
            assert!(origins(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
