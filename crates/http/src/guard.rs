//! Abuse limits on the credential routes: who the client is (the peer
//! address, or the first untrusted hop of `X-Forwarded-For` when the peer is
//! a trusted proxy) and a per-address rate limit (GCRA from `governor`).
//! See docs/operations.md, "Abuse limits".
use std::net::IpAddr;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, ResponseError, web};
use ipnet::IpNet;

use crate::problem::ApiError;
use crate::state::AppState;

/// The client's address as this server believes it, stored in the request
/// extensions by [`rate_limit`] for audit entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The client address: the TCP peer, unless the peer is a trusted proxy, in
/// which case `X-Forwarded-For` is read from the right and the first address
/// that is not itself a trusted proxy is the client. A malformed entry stops
/// the walk at the last address believed. Nothing a direct client sends in
/// `X-Forwarded-For` is believed.
pub fn client_address<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let mut addr = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&addr) {
        return Some(addr);
    }
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                addr = ip;
                if !is_trusted(&ip) {
                    return Some(ip);
                }
            }
            Err(_) => return Some(addr),
        }
    }
    Some(addr)
}

/// Parses `PEERHUB_TRUSTED_PROXIES`: comma-separated addresses or CIDRs.
pub fn parse_trusted_proxies(raw: &str) -> Result<Vec<IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is not an IP address or CIDR"))
        })
        .collect()
}

/// The routes a caller reaches without credentials and that mint or check
/// them: every POST under `/v1/auth/` but `logout-all` (which needs a
/// bearer token), and accepting an invitation.
pub fn is_limited_route(method: &Method, path: &str) -> bool {
    method == Method::POST
        && ((path.starts_with("/v1/auth/") && path != "/v1/auth/logout-all")
            || (path.starts_with("/v1/invitations/") && path.ends_with("/accept")))
}

/// Records the client address on every request and applies the per-address
/// limit to [`is_limited_route`]s: 429 `rate-limited` with `Retry-After`.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let forwarded: Vec<String> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let ip = client_address(
        req.peer_addr().map(|a| a.ip()),
        forwarded.iter().map(String::as_str),
        &state.settings.guards.trusted_proxies,
    );
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientAddress(ip));
        if is_limited_route(req.method(), req.path())
            && let Err(wait) = state.limiter.check(ip)
        {
            let err = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests to the sign-in routes from this address; wait before trying again (see Retry-After).",
            )
            .with_retry_after(wait.max(1));
            return Ok(req.into_response(err.error_response()));
        }
    }
    next.call(req).await.map(|r| r.map_into_boxed_body())
}

/// The client address recorded for `req`, as text for the audit trail.
pub fn client_address_of(req: &HttpRequest) -> Option<String> {
    req.extensions()
        .get::<ClientAddress>()
        .map(|c| c.0.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn direct_clients_cannot_spoof_forwarded_for() {
        let trusted = parse_trusted_proxies("10.0.0.0/8").unwrap();
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), ["1.2.3.4"], &trusted),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), ["1.2.3.4"], &[]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn trusted_proxies_are_walked_from_the_right() {
        let trusted = parse_trusted_proxies("10.0.0.0/8, 192.168.1.1").unwrap();
        // client forged the left-most entry; the proxies appended the rest
        let xff = ["6.6.6.6, 198.51.100.7", "10.1.2.3"];
        assert_eq!(
            client_address(Some(ip("192.168.1.1")), xff, &trusted),
            Some(ip("198.51.100.7"))
        );
        // only trusted hops: the left-most one believed
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), ["10.0.0.2"], &trusted),
            Some(ip("10.0.0.2"))
        );
        // garbage stops the walk at the last believed address
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), ["nonsense, 10.0.0.3"], &trusted),
            Some(ip("10.0.0.3"))
        );
        assert_eq!(client_address(None, ["1.1.1.1"], &trusted), None);
    }

    #[test]
    fn trusted_proxy_list_parses_or_names_the_bad_entry() {
        assert_eq!(parse_trusted_proxies("").unwrap(), vec![]);
        assert_eq!(parse_trusted_proxies("::1, 10.0.0.0/8").unwrap().len(), 2);
        assert!(
            parse_trusted_proxies("10.0.0.0/8,proxy.local")
                .unwrap_err()
                .contains("proxy.local")
        );
    }

    #[test]
    fn limited_routes() {
        for p in [
            "/v1/auth/login",
            "/v1/auth/register",
            "/v1/auth/verify",
            "/v1/auth/refresh",
            "/v1/auth/password-reset",
            "/v1/auth/password-reset/confirm",
            "/v1/invitations/abc/accept",
        ] {
            assert!(is_limited_route(&Method::POST, p), "{p}");
        }
        assert!(!is_limited_route(&Method::POST, "/v1/auth/logout-all"));
        assert!(!is_limited_route(&Method::GET, "/v1/auth/login"));
        assert!(!is_limited_route(&Method::POST, "/v1/networks"));
    }
}
