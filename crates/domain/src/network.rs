//! Networks (tenants) and invitations into them.
use chrono::{DateTime, Utc};

use crate::account::parse_domain;
use crate::validation::Invalid;

crate::closed_set!(
    /// Where an invitation into a network stands. `pending` until it is
    /// accepted (`accepted`) or its expiry passes (`expired`, which is
    /// derived from the expiry and never stored).
    InvitationStatus { Pending => "pending", Accepted => "accepted", Expired => "expired" }
);

impl InvitationStatus {
    /// The status clients see at `now`: a pending invitation past its
    /// expiry (at or after `expires_at`) is `expired`.
    pub fn effective(self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        if self == Self::Pending && expires_at <= now {
            Self::Expired
        } else {
            self
        }
    }
}

/// URL-safe network identifier: 2–64 of `a-z`, `0-9` and inner hyphens.
pub fn parse_slug(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let ok = (2..=64).contains(&s.len())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Invalid::new(
            "invalid_slug",
            "must be 2 to 64 characters of a-z, 0-9 and single inner hyphens, e.g. ppn-midlands",
        ))
    }
}

/// Maximum number of allowed email domains per network.
pub const MAX_ALLOWED_DOMAINS: usize = 50;

/// Validates and normalises a network's allowed email domains (deduplicated,
/// lower-cased, order kept).
pub fn parse_allowed_domains(raw: &[String]) -> Result<Vec<String>, Invalid> {
    if raw.len() > MAX_ALLOWED_DOMAINS {
        return Err(Invalid::new(
            "too_many",
            format!("must have at most {MAX_ALLOWED_DOMAINS} domains"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, d) in raw.iter().enumerate() {
        let d =
            parse_domain(d).map_err(|e| Invalid::new(e.code, format!("item {i} {}", e.message)))?;
        if !d.contains('.') {
            return Err(Invalid::new(
                "invalid_domain",
                format!("item {i} must have at least two labels, like nhs.net"),
            ));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_invitations_expire_at_their_expiry() {
        let at = DateTime::parse_from_rfc3339("2026-12-05T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let before = at - chrono::Duration::seconds(1);
        use InvitationStatus::*;
        assert_eq!(Pending.effective(at, before), Pending);
        assert_eq!(Pending.effective(at, at), Expired);
        assert_eq!(Accepted.effective(at, at), Accepted);
        assert_eq!(
            InvitationStatus::parse_field("revoked")
                .unwrap_err()
                .message,
            "must be one of pending, accepted, expired"
        );
    }

    #[test]
    fn slugs() {
        assert!(parse_slug("ppn-midlands").is_ok());
        for bad in ["", "a", "-a", "a-", "a--b", "A-b", "a b", &"a".repeat(65)] {
            assert!(parse_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn domains() {
        let d =
            parse_allowed_domains(&["NHS.net".into(), "nhs.net".into(), "gov.uk".into()]).unwrap();
        assert_eq!(d, vec!["nhs.net", "gov.uk"]);
        assert!(parse_allowed_domains(&["localhost".into()]).is_err());
        assert!(parse_allowed_domains(&["bad domain".into()]).is_err());
    }
}
