//! Where a webhook may point. By default only `https` URLs whose host
//! resolves to public addresses: loopback, private, link-local (cloud
//! metadata), shared, documentation and other special ranges are refused
//! when a subscription is saved and again before every delivery, so a name
//! that later resolves to an inside address (DNS rebinding) is still
//! refused. The operator setting `PEERHUB_WEBHOOK_ALLOW_PRIVATE`
//! (development and tests only) allows `http` and any address.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::validation::Invalid;

/// Longest webhook URL.
pub const MAX_URL: usize = 2_048;

/// Parses a subscription's URL: absolute, `https` (or `http` when private
/// targets are allowed), with a host, without user name or password (they
/// would be stored and shown in clear), without a fragment, and, when its
/// host is an address literal, a public one.
pub fn parse_url(raw: &str, allow_private: bool) -> Result<Url, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Invalid::new("required", "must not be empty"));
    }
    if raw.chars().count() > MAX_URL {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {MAX_URL} characters"),
        ));
    }
    let url =
        Url::parse(raw).map_err(|e| Invalid::new("invalid_url", format!("is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => {
            return Err(Invalid::new(
                "https_required",
                "must use https (http is allowed only with PEERHUB_WEBHOOK_ALLOW_PRIVATE, for development)",
            ));
        }
        _ => return Err(Invalid::new("https_required", "must be an https URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Invalid::new(
            "credentials_in_url",
            "must not contain a user name or password; verify the webhook-signature header instead",
        ));
    }
    if url.fragment().is_some() {
        return Err(Invalid::new("invalid_url", "must not have a #fragment"));
    }
    let literal = match url.host() {
        None => return Err(Invalid::new("invalid_url", "must have a host")),
        Some(Host::Ipv4(a)) => Some(IpAddr::V4(a)),
        Some(Host::Ipv6(a)) => Some(IpAddr::V6(a)),
        Some(Host::Domain(d)) => {
            if !allow_private && is_local_name(d) {
                return Err(not_public());
            }
            None
        }
    };
    if let Some(ip) = literal {
        check_address(ip, allow_private)?;
    }
    Ok(url)
}

/// Refuses an address a webhook may not be sent to.
pub fn check_address(ip: IpAddr, allow_private: bool) -> Result<(), Invalid> {
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(not_public())
    }
}

fn not_public() -> Invalid {
    Invalid::new(
        "address_not_public",
        "must resolve to a public internet address (loopback, private, link-local and metadata addresses are refused)",
    )
}

/// Names that are local by definition, refused before any lookup.
fn is_local_name(d: &str) -> bool {
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost"
        || d.ends_with(".localhost")
        || d.ends_with(".local")
        || d.ends_with(".internal")
        || d == "metadata"
}

/// Is `ip` a globally routable unicast address?
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let o = a.octets();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (18..20).contains(&o[1]))
        || o[0] >= 240)
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = a.segments();
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its low bits.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let [_, _, _, _, _, _, hi, lo] = s;
        return is_public_v4(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        ));
    }
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments, Teredo
        || s[0] == 0x2002 // 6to4 relays embed any IPv4 address
        || s[0..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible ::a.b.c.d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn inside_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "192.0.0.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "2002:7f00:1::1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(ip(a)), "{a}");
        }
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "2a00:1450:4009:81f::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(a)), "{a}");
        }
    }

    #[test]
    fn urls_must_be_https_and_public() {
        assert!(parse_url("https://hooks.example.org/peerhub", false).is_ok());
        assert_eq!(
            parse_url("http://hooks.example.org/", false)
                .unwrap_err()
                .code,
            "https_required"
        );
        assert_eq!(
            parse_url("ftp://hooks.example.org/", true)
                .unwrap_err()
                .code,
            "https_required"
        );
        assert_eq!(
            parse_url("https://127.0.0.1/", false).unwrap_err().code,
            "address_not_public"
        );
        assert_eq!(
            parse_url("https://[::1]:8443/", false).unwrap_err().code,
            "address_not_public"
        );
        assert_eq!(
            parse_url("https://169.254.169.254/latest", false)
                .unwrap_err()
                .code,
            "address_not_public"
        );
        assert_eq!(
            parse_url("https://localhost/", false).unwrap_err().code,
            "address_not_public"
        );
        assert_eq!(
            parse_url("https://db.internal./", false).unwrap_err().code,
            "address_not_public"
        );
        assert_eq!(
            parse_url("https://u:p@hooks.example.org/", false)
                .unwrap_err()
                .code,
            "credentials_in_url"
        );
        assert_eq!(
            parse_url("https://hooks.example.org/#x", false)
                .unwrap_err()
                .code,
            "invalid_url"
        );
        assert_eq!(
            parse_url("not a url", false).unwrap_err().code,
            "invalid_url"
        );
        assert_eq!(parse_url(" ", false).unwrap_err().code, "required");
        let long = format!("https://hooks.example.org/{}", "a".repeat(MAX_URL));
        assert_eq!(parse_url(&long, false).unwrap_err().code, "too_long");
    }

    #[test]
    fn the_development_setting_allows_local_receivers() {
        assert!(parse_url("http://127.0.0.1:9000/hooks", true).is_ok());
        assert!(parse_url("http://localhost:9000/", true).is_ok());
        assert!(check_address(ip("10.0.0.1"), true).is_ok());
        assert!(check_address(ip("10.0.0.1"), false).is_err());
    }
}
