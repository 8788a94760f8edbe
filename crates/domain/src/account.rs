//! People, credentials and roles.
use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

/// A normalised (trimmed, lower-cased) email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Accepts `local@domain` with a dotted domain of letters, digits and
    /// hyphens. Deliberately stricter than RFC 5322: no quoted local parts,
    /// no IP literals, no spaces.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_lowercase();
        let bad = || {
            Invalid::new(
                "invalid_email",
                "must be an email address like name@nhs.net",
            )
        };
        if s.is_empty() {
            return Err(Invalid::new("required", "must not be empty"));
        }
        if s.len() > Self::MAX_LEN {
            return Err(Invalid::new("too_long", "must be at most 254 characters"));
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        {
            return Err(bad());
        }
        parse_domain(domain).map_err(|_| bad())?;
        if !domain.contains('.') {
            return Err(bad());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates a DNS domain name (lower-cased): labels of letters, digits
/// and inner hyphens, 1–63 characters each, 253 at most in all.
pub fn parse_domain(raw: &str) -> Result<String, Invalid> {
    let d = raw.trim().trim_end_matches('.').to_lowercase();
    let bad = || Invalid::new("invalid_domain", "must be a domain name like nhs.net");
    if d.is_empty() || d.len() > 253 {
        return Err(bad());
    }
    for label in d.split('.') {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(bad());
        }
    }
    Ok(d)
}

/// True when `email`'s domain is `allowed` itself or a subdomain of it:
/// `nhs.net` allows `x@nhs.net` and `x@trust.nhs.net`, not `x@evilnhs.net`.
pub fn domain_allowed(email: &Email, allowed: &[String]) -> bool {
    let domain = email.domain();
    allowed.iter().any(|a| {
        let a = a.trim().trim_end_matches('.').to_ascii_lowercase();
        !a.is_empty()
            && (domain == a
                || (domain.len() > a.len()
                    && domain.ends_with(&a)
                    && domain.as_bytes()[domain.len() - a.len() - 1] == b'.'))
    })
}

/// The password rule, stated to users verbatim in errors and docs.
pub const PASSWORD_RULE: &str = "must be 12 to 128 characters, not all the same character, and not the same as the email address";

/// Checks a new password against [`PASSWORD_RULE`].
pub fn check_password(password: &str, email: Option<&str>) -> Result<(), Invalid> {
    let n = password.chars().count();
    let weak = || Invalid::new("weak_password", PASSWORD_RULE);
    if !(12..=128).contains(&n) {
        return Err(weak());
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(weak());
    }
    if let Some(e) = email
        && (password.eq_ignore_ascii_case(e)
            || e.split('@')
                .next()
                .is_some_and(|l| password.eq_ignore_ascii_case(l)))
    {
        return Err(weak());
    }
    Ok(())
}

/// Display names: 1–100 characters, no control characters.
pub fn parse_display_name(raw: &str) -> Result<String, Invalid> {
    crate::validation::bounded_text(raw, 1, 100)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    PendingVerification,
    Active,
    Disabled,
    /// Erased at the person's request: pseudonymised, cannot log in.
    Erased,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingVerification => "pending_verification",
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Erased => "erased",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending_verification" => Some(Self::PendingVerification),
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            "erased" => Some(Self::Erased),
            _ => None,
        }
    }
}

/// A person's role within one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkRole {
    Member,
    Manager,
}

impl NetworkRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Manager => "manager",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Self::Member),
            "manager" => Some(Self::Manager),
            _ => None,
        }
    }
}

/// What an API token may do. Tokens act for their owner, limited to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "memberships:read")]
    MembershipsRead,
    #[serde(rename = "reports:read")]
    ReportsRead,
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "networks:read")]
    NetworksRead,
    #[serde(rename = "metrics:read")]
    MetricsRead,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::MembershipsRead,
        Scope::ReportsRead,
        Scope::UsersRead,
        Scope::NetworksRead,
        Scope::MetricsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MembershipsRead => "memberships:read",
            Self::ReportsRead => "reports:read",
            Self::UsersRead => "users:read",
            Self::NetworksRead => "networks:read",
            Self::MetricsRead => "metrics:read",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_normalises_and_rejects_garbage() {
        assert_eq!(
            Email::parse(" A.B@NHS.net ").unwrap().as_str(),
            "a.b@nhs.net"
        );
        for bad in [
            "",
            "x",
            "x@",
            "@nhs.net",
            "x@nhs",
            "a b@nhs.net",
            "x@-a.net",
            "a..b@nhs.net",
            "x@nhs..net",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@nhs.net", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().code, "too_long");
    }

    #[test]
    fn domain_match_is_exact_or_subdomain() {
        let allowed = vec!["nhs.net".to_owned(), "Gov.UK".to_owned()];
        let ok = |e: &str| domain_allowed(&Email::parse(e).unwrap(), &allowed);
        assert!(ok("x@nhs.net"));
        assert!(ok("X@NHS.NET"));
        assert!(ok("x@trust.nhs.net"));
        assert!(ok("x@dept.gov.uk"));
        assert!(!ok("x@evilnhs.net"));
        assert!(!ok("x@nhs.net.evil.com"));
        assert!(!ok("x@gmail.com"));
        assert!(!domain_allowed(&Email::parse("x@nhs.net").unwrap(), &[]));
    }

    #[test]
    fn password_rule() {
        assert!(check_password("short", None).is_err());
        assert!(check_password("aaaaaaaaaaaaaaaa", None).is_err());
        assert!(check_password("correct horse battery", None).is_ok());
        assert!(check_password("someone@nhs.net", Some("someone@nhs.net")).is_err());
        assert!(check_password("firstname.lastname", Some("firstname.lastname@nhs.net")).is_err());
        assert!(check_password(&"ab".repeat(65), None).is_err());
    }

    #[test]
    fn scopes_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("admin"), None);
    }
}
