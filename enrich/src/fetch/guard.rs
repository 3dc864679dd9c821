//! The guard: which host names and addresses are never fetched, and the resolver
//! reqwest connects through, which checks every address before handing it over.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use super::Resolver;

/// Resolves names and checks every address; shared by the pre-check in `fetch_page` and
/// by [`GuardedDns`], which reqwest uses to decide where to connect.
pub(super) struct Guard {
    pub(super) resolver: Arc<dyn Resolver>,
    pub(super) allow_loopback: bool,
}

pub(super) enum GuardError {
    Refused(String),
    Dns(io::Error),
}

impl Guard {
    pub(super) async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, GuardError> {
        if let Some(reason) = forbidden_host_name(host, self.allow_loopback) {
            return Err(GuardError::Refused(format!("{host} is {reason}")));
        }
        let addrs = self.resolver.resolve(host).await.map_err(GuardError::Dns)?;
        if addrs.is_empty() {
            return Err(GuardError::Dns(io::Error::new(
                io::ErrorKind::NotFound,
                "no addresses",
            )));
        }
        // Refuse the whole name if ANY address is forbidden, rather than connecting to the
        // allowed ones only: a name that mixes public and private addresses is either
        // misconfigured or an attack (rebinding, or steering a retry onto the private
        // address), and refusing is the only answer that doesn't depend on which address
        // the connector happens to try.
        for ip in &addrs {
            if let Some(reason) = forbidden_reason(*ip, self.allow_loopback) {
                return Err(GuardError::Refused(format!(
                    "{host} resolves to {ip}, {reason}"
                )));
            }
        }
        Ok(addrs)
    }
}

/// The error [`GuardedDns`] hands to reqwest, found again in the error's source chain so
/// that the refusal surfaces as [`FetchError::Refused`](super::FetchError::Refused)
/// rather than a connect error.
#[derive(Debug)]
pub(super) struct GuardRefusal(pub(super) String);

impl fmt::Display for GuardRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for GuardRefusal {}

/// reqwest's DNS resolver: the addresses it returns are the only ones reqwest connects
/// to, and they are returned only after every one of them passed the checks. So even if
/// a name resolved to a public address during the pre-check and to a private one now
/// (DNS rebinding), the connection cannot reach the private one.
///
/// reqwest does not call this for IP-literal URLs; those are checked in
/// `Fetcher::check_target` before every hop instead.
pub(super) struct GuardedDns(pub(super) Arc<Guard>);

impl reqwest::dns::Resolve for GuardedDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            match guard.resolve(&host).await {
                Ok(addrs) => {
                    // Port 0 is replaced by the URL's (or the scheme's default) port.
                    let addrs: reqwest::dns::Addrs =
                        Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
                    Ok(addrs)
                }
                // `.into()` on the value itself, not on a `Box` of it: `Box<T>` is an
                // `Error` too and would be boxed again, hiding it from `downcast_ref`.
                Err(GuardError::Refused(reason)) => Err(GuardRefusal(reason).into()),
                Err(GuardError::Dns(err)) => Err(err.into()),
            }
        })
    }
}

/// Why `host` (a domain name, not an IP literal) is refused by name alone, before any
/// DNS lookup, or `None`. These names either always point inside (`localhost`,
/// `metadata.google.internal`) or are resolved by local mechanisms (mDNS, search
/// domains, split-horizon DNS) that can map them to internal machines; none of them is
/// a company's public website.
pub fn forbidden_host_name(host: &str, allow_loopback: bool) -> Option<&'static str> {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return Some("an empty host name");
    }
    if name == "localhost" {
        return (!allow_loopback).then_some("a loopback host name");
    }
    if name.ends_with(".localhost") {
        return Some("a loopback host name");
    }
    // Single-label names ("intranet", "metadata", "instance-data") are completed with
    // the machine's DNS search domains, i.e. they name internal hosts.
    if !name.contains('.') {
        return Some("a single-label (internal) host name");
    }
    // `.internal`: cloud-internal DNS (metadata.google.internal, *.ec2.internal,
    // *.compute.internal) and ICANN's reserved private TLD; `.local`: mDNS;
    // `.home.arpa`: home networks; `.arpa`: reverse-DNS names, never websites; the rest
    // are private-use TLDs from RFC 6762 appendix G that ICANN will not delegate.
    const SUFFIXES: [&str; 9] = [
        ".internal",
        ".local",
        ".localdomain",
        ".arpa",
        ".lan",
        ".home",
        ".corp",
        ".intranet",
        ".private",
    ];
    SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(suffix))
        .then_some("an internal host name")
}

/// Why `ip` must not be connected to, or `None` if it is an ordinary public address.
///
/// Refused: unspecified, loopback (unless `allow_loopback`), private (RFC 1918,
/// `fc00::/7`), link-local (`169.254/16` — cloud metadata lives at 169.254.169.254 —
/// and `fe80::/10`), carrier-grade NAT, `0/8`, `192.0.0/24`, documentation,
/// benchmarking, multicast, reserved and broadcast ranges; IPv6 outside global unicast
/// `2000::/3`; and IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, the
/// deprecated compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) when that
/// IPv4 address is refused, plus Teredo and local-use NAT64, whose targets we can't
/// judge.
pub fn forbidden_reason(ip: IpAddr, allow_loopback: bool) -> Option<String> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4, allow_loopback).map(str::to_owned),
        IpAddr::V6(v6) => forbidden_v6(v6, allow_loopback),
    }
}

/// `Err("10.0.0.5 is a private address")` for a forbidden address.
pub(super) fn check_ip(ip: IpAddr, allow_loopback: bool) -> Result<(), String> {
    match forbidden_reason(ip, allow_loopback) {
        Some(reason) => Err(format!("{ip} is {reason}")),
        None => Ok(()),
    }
}

fn forbidden_v4(ip: Ipv4Addr, allow_loopback: bool) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let reason = match (a, b, c) {
        _ if ip.is_unspecified() => "the unspecified address",
        // "This network": the OS may treat 0.x.x.x as this host.
        (0, _, _) => "in 0.0.0.0/8 (\"this network\")",
        (127, _, _) if allow_loopback => return None,
        (127, _, _) => "a loopback address",
        (10, _, _) | (192, 168, _) => "a private address",
        (172, 16..=31, _) => "a private address",
        (100, 64..=127, _) => "a carrier-grade NAT (shared) address",
        (169, 254, _) => "a link-local address (cloud metadata services live there)",
        (192, 0, 0) => "an IETF protocol-assignment address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (192, 88, 99) => "a 6to4 relay anycast address",
        (198, 18..=19, _) => "a benchmarking address",
        (224..=239, _, _) => "a multicast address",
        _ if ip.is_broadcast() => "the broadcast address",
        (240..=255, _, _) => "a reserved address",
        _ => return None,
    };
    Some(reason)
}

fn forbidden_v6(ip: Ipv6Addr, allow_loopback: bool) -> Option<String> {
    let segments = ip.segments();
    let embedded_tail = Ipv4Addr::from(((segments[6] as u32) << 16) | segments[7] as u32);
    let reason = if ip.is_unspecified() {
        "the unspecified address".to_owned()
    } else if ip.is_loopback() {
        if allow_loopback {
            return None;
        }
        "a loopback address".to_owned()
    } else if let Some(v4) = ip.to_ipv4_mapped() {
        // ::ffff:a.b.c.d — the OS connects to the IPv4 address itself.
        let reason = forbidden_v4(v4, allow_loopback)?;
        format!("an IPv4-mapped form of {v4}, {reason}")
    } else if segments[..6].iter().all(|s| *s == 0) {
        // ::a.b.c.d (deprecated IPv4-compatible); some stacks still route it as IPv4.
        "a deprecated IPv4-compatible address".to_owned()
    } else if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 well-known prefix: a translator forwards to the embedded IPv4 address.
        // A public embedded address is a legitimate route on IPv6-only networks.
        let reason = forbidden_v4(embedded_tail, false)?;
        format!("a NAT64 form of {embedded_tail}, {reason}")
    } else if segments[0] == 0x64 && segments[1] == 0xff9b && segments[2] == 1 {
        "a local-use NAT64 address".to_owned()
    } else if segments[0] == 0x2002 {
        // 6to4: the relay forwards to the IPv4 address in bits 16..48.
        let v4 = Ipv4Addr::from(((segments[1] as u32) << 16) | segments[2] as u32);
        let reason = forbidden_v4(v4, false)?;
        format!("a 6to4 form of {v4}, {reason}")
    } else if segments[0] == 0x2001 && segments[1] == 0 {
        // Teredo embeds an obfuscated client address we'd rather not reason about.
        "a Teredo tunnelling address".to_owned()
    } else if segments[0] == 0x2001 && segments[1] < 0x200 {
        "an IETF protocol-assignment address".to_owned()
    } else if (segments[0] == 0x2001 && segments[1] == 0x0db8)
        || (segments[0] == 0x3fff && segments[1] & 0xf000 == 0)
    {
        // 2001:db8::/32 and 3fff::/20.
        "a documentation address".to_owned()
    } else if segments[0] & 0xfe00 == 0xfc00 {
        "a private (unique local) address".to_owned()
    } else if segments[0] & 0xffc0 == 0xfe80 {
        "a link-local address".to_owned()
    } else if segments[0] & 0xffc0 == 0xfec0 {
        "a site-local address".to_owned()
    } else if segments[0] & 0xff00 == 0xff00 {
        "a multicast address".to_owned()
    } else if segments[0] & 0xe000 != 0x2000 {
        // Everything a website can live on is global unicast, 2000::/3; the rest is
        // reserved, discard-only (100::/64), SRv6 (5f00::/16) and so on.
        "not a global unicast address".to_owned()
    } else {
        return None;
    };
    Some(reason)
}

#[cfg(test)]
mod tests {
    use url::{Host, Url};

    use super::*;

    fn v4(s: &str) -> IpAddr {
        IpAddr::V4(s.parse().unwrap())
    }

    #[test]
    fn classifies_addresses() {
        // (address, forbidden without loopback allowed, forbidden with it)
        let table: &[(&str, bool, bool)] = &[
            // Public.
            ("93.184.216.34", false, false),
            ("8.8.8.8", false, false),
            ("1.1.1.1", false, false),
            ("172.15.255.255", false, false),
            ("172.32.0.1", false, false),
            ("100.63.255.255", false, false),
            ("100.128.0.1", false, false),
            ("192.169.0.1", false, false),
            ("198.17.255.255", false, false),
            ("198.20.0.1", false, false),
            ("223.255.255.255", false, false),
            ("2606:4700::1", false, false),
            ("2a00:1450:4001:80b::200e", false, false),
            ("2001:4860:4860::8888", false, false),
            ("64:ff9b::5db8:d822", false, false), // NAT64 of 93.184.216.34
            ("2002:5db8:d822::1", false, false),  // 6to4 of 93.184.216.34
            // Loopback: only with allow_loopback.
            ("127.0.0.1", true, false),
            ("127.255.255.254", true, false),
            ("::1", true, false),
            ("::ffff:127.0.0.1", true, false),
            // Always forbidden.
            ("0.0.0.0", true, true),
            ("0.1.2.3", true, true),
            ("10.0.0.1", true, true),
            ("10.255.255.255", true, true),
            ("172.16.0.1", true, true),
            ("172.31.255.255", true, true),
            ("192.168.1.1", true, true),
            ("100.64.0.1", true, true),
            ("100.127.255.255", true, true),
            ("169.254.169.254", true, true),
            ("169.254.0.1", true, true),
            ("192.0.0.170", true, true),
            ("192.0.2.1", true, true),
            ("198.51.100.7", true, true),
            ("203.0.113.9", true, true),
            ("192.88.99.1", true, true),
            ("198.18.0.1", true, true),
            ("198.19.255.255", true, true),
            ("224.0.0.1", true, true),
            ("239.255.255.250", true, true),
            ("240.0.0.1", true, true),
            ("255.255.255.255", true, true),
            ("::", true, true),
            ("::ffff:10.0.0.1", true, true),
            ("::ffff:169.254.169.254", true, true),
            ("::ffff:0.0.0.0", true, true),
            ("::10.0.0.1", true, true),
            ("::127.0.0.1", true, true),
            ("64:ff9b::a00:1", true, true),       // NAT64 of 10.0.0.1
            ("64:ff9b::7f00:1", true, true),      // NAT64 of 127.0.0.1
            ("64:ff9b:1::5db8:d822", true, true), // local-use NAT64
            ("2002:a00:1::1", true, true),        // 6to4 of 10.0.0.1
            ("2002:a9fe:a9fe::1", true, true),    // 6to4 of 169.254.169.254
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", true, true), // Teredo
            ("2001:2::1", true, true),
            ("2001:db8::1", true, true),
            ("3fff::1", true, true),
            ("3fff:fff::1", true, true),
            ("3fff:1000::1", false, false),
            ("fc00::1", true, true),
            ("fd00:ec2::254", true, true), // AWS IPv6 metadata
            ("fe80::1", true, true),
            ("febf::1", true, true),
            ("fec0::1", true, true),
            ("ff02::1", true, true),
            ("100::1", true, true),
            ("5f00::1", true, true),
            ("4000::1", true, true),
        ];
        for (addr, strict, relaxed) in table {
            let ip: IpAddr = addr.parse().unwrap();
            assert_eq!(
                forbidden_reason(ip, false).is_some(),
                *strict,
                "{addr} without loopback: {:?}",
                forbidden_reason(ip, false)
            );
            assert_eq!(
                forbidden_reason(ip, true).is_some(),
                *relaxed,
                "{addr} with loopback: {:?}",
                forbidden_reason(ip, true)
            );
        }
    }

    #[test]
    fn reasons_are_readable() {
        assert_eq!(
            check_ip(v4("10.0.0.5"), false).unwrap_err(),
            "10.0.0.5 is a private address"
        );
        assert!(
            check_ip(v4("169.254.169.254"), false)
                .unwrap_err()
                .contains("link-local")
        );
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        let reason = check_ip(mapped, false).unwrap_err();
        assert!(
            reason.contains("10.0.0.1") && reason.contains("private"),
            "{reason}"
        );
    }

    #[test]
    fn url_crate_normalises_odd_ipv4_spellings() {
        for odd in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
        ] {
            let url = Url::parse(odd).unwrap();
            assert_eq!(url.host(), Some(Host::Ipv4(Ipv4Addr::LOCALHOST)), "{odd}");
        }
    }

    #[test]
    fn refuses_names() {
        for name in [
            "localhost",
            "LOCALHOST.",
            "foo.localhost",
            "metadata.google.internal",
            "ip-10-0-0-1.ec2.internal",
            "printer.local",
            "intranet",
            "metadata",
            "router.home.arpa",
            "1.0.0.10.in-addr.arpa",
            "nas.lan",
        ] {
            assert!(forbidden_host_name(name, false).is_some(), "{name}");
        }
        assert_eq!(forbidden_host_name("localhost", true), None);
        assert!(forbidden_host_name("foo.localhost", true).is_some());
        for name in ["example.com", "www.example.co.uk", "evil.test", "local.com"] {
            assert_eq!(forbidden_host_name(name, false), None, "{name}");
        }
    }
}
