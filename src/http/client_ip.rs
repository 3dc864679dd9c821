//! The client's IP address, for per-IP limits and the logs: the TCP peer, unless the
//! peer is one of `TRUSTED_PROXIES`, whose `X-Forwarded-For` is then read from the
//! right (each proxy appends the address it heard from) past every trusted hop. The
//! header is never believed from anyone else: a client can write anything in it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use app::server::config::protection::Networks;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

/// Resolved once per request by the rate limiter, which stores it in the request's
/// extensions for the handlers below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Set by the rate limiter for every request that reached a handler; the peer
        // is the fallback for a router built without it.
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or_else(|| Self(peer(&parts.extensions))))
    }
}

/// The TCP peer (only in-process test requests have none).
pub fn peer(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Who the client is, given the peer and the trusted proxies.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &Networks) -> IpAddr {
    if trusted.is_empty() || !trusted.contains(peer) {
        return peer;
    }
    let mut client = peer;
    // Every X-Forwarded-For line, in order, as one list; read from its end.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !trusted.contains(address) {
                    break;
                }
            }
            // Garbage a trusted proxy passed on: what is left of it cannot be believed.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append("x-forwarded-for", line.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let trusted = Networks(vec!["10.0.0.0/8".parse().unwrap()]);
        let spoofed = headers(&["1.2.3.4"]);
        // From an untrusted peer the header is ignored.
        assert_eq!(
            resolve(ip("203.0.113.9"), &spoofed, &trusted),
            ip("203.0.113.9")
        );
        // Nothing trusted: the peer, always.
        assert_eq!(
            resolve(ip("10.0.0.1"), &spoofed, &Networks::default()),
            ip("10.0.0.1")
        );
        // Through a trusted proxy: the address it heard from.
        assert_eq!(resolve(ip("10.0.0.1"), &spoofed, &trusted), ip("1.2.3.4"));
    }

    #[test]
    fn reads_from_the_right_past_every_trusted_hop() {
        let trusted = Networks(vec!["10.0.0.0/8".parse().unwrap()]);
        // The client wrote "6.6.6.6" itself; 198.51.100.7 is who the first proxy saw.
        let chain = headers(&["6.6.6.6, 198.51.100.7", "10.1.1.1"]);
        assert_eq!(
            resolve(ip("10.0.0.1"), &chain, &trusted),
            ip("198.51.100.7")
        );
        // Every hop trusted: the leftmost one.
        let internal = headers(&["10.9.9.9, 10.1.1.1"]);
        assert_eq!(resolve(ip("10.0.0.1"), &internal, &trusted), ip("10.9.9.9"));
        // Garbage stops the walk at the last address that could be believed.
        let garbage = headers(&["1.2.3.4, not-an-ip, 10.1.1.1"]);
        assert_eq!(resolve(ip("10.0.0.1"), &garbage, &trusted), ip("10.1.1.1"));
        // No header: the peer.
        assert_eq!(
            resolve(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
    }
}
