//! Checking a subscription's fields, all at once: the domain's rules for
//! the URL, event filter and description, then, for a URL that passes
//! them, a lookup of its host: every address it resolves to must be
//! public (unless the operator allows private targets), and it must
//! resolve at all. The delivery worker checks the addresses again before
//! every attempt (a name can be re-pointed later).
use std::time::Duration;

use peerhub_domain::Violations;
use peerhub_domain::validation::Invalid;
use peerhub_domain::webhook::address::{check_address, parse_url};
use peerhub_domain::webhook::{EventFilter, parse_description};

/// How long the host lookup may take.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// Checks `raw` as a subscription URL and resolves its host, adding any
/// violation under `url`. Returns the URL as stored.
pub async fn url(v: &mut Violations, raw: Option<&str>, allow_private: bool) -> Option<String> {
    let Some(raw) = raw else {
        v.add("url", Invalid::new("required", "must not be empty"));
        return None;
    };
    let parsed = v.check("url", parse_url(raw, allow_private))?;
    match resolves_publicly(&parsed, allow_private).await {
        Ok(()) => Some(parsed.to_string()),
        Err(e) => {
            v.add("url", e);
            None
        }
    }
}

/// Resolves the URL's host: `url_unresolvable` when it has no address
/// (or the lookup times out), `address_not_public` when any address is
/// not public.
async fn resolves_publicly(url: &url::Url, allow_private: bool) -> Result<(), Invalid> {
    let host = url
        .host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
        .ok_or_else(|| Invalid::new("invalid_url", "must have a host"))?;
    let port = url.port_or_known_default().unwrap_or(443);
    let unresolvable = || {
        Invalid::new(
            "url_unresolvable",
            "the host name does not resolve to any address",
        )
    };
    let addrs: Vec<std::net::IpAddr> = match tokio::time::timeout(
        LOOKUP_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(it)) => it.map(|a| a.ip()).collect(),
        Ok(Err(_)) | Err(_) => return Err(unresolvable()),
    };
    if addrs.is_empty() {
        return Err(unresolvable());
    }
    for ip in addrs {
        check_address(ip, allow_private)?;
    }
    Ok(())
}

/// Checks `events`, adding any violation under `events`.
pub fn events(v: &mut Violations, raw: Option<&[String]>) -> Option<EventFilter> {
    v.check("events", EventFilter::parse(raw.unwrap_or(&[])))
}

/// Checks a description, adding any violation under `description`.
pub fn description(v: &mut Violations, raw: &str) -> Option<String> {
    v.check("description", parse_description(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn literal_inside_addresses_are_refused_without_the_setting() {
        let mut v = Violations::new();
        assert_eq!(url(&mut v, Some("https://10.0.0.1/h"), false).await, None);
        assert_eq!(v.0[0].code, "address_not_public");
        let mut v = Violations::new();
        assert_eq!(
            url(&mut v, Some("http://127.0.0.1:9/h"), true)
                .await
                .as_deref(),
            Some("http://127.0.0.1:9/h")
        );
        assert!(v.is_empty());
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_refused() {
        let mut v = Violations::new();
        assert_eq!(
            url(&mut v, Some("https://nothing.invalid/h"), false).await,
            None
        );
        assert_eq!(v.0[0].code, "url_unresolvable");
        let mut v = Violations::new();
        assert_eq!(url(&mut v, None, false).await, None);
        assert_eq!(v.0[0].code, "required");
    }
}
