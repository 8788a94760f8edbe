//! Networks (tenants) and invitations into them.
use chrono::{DateTime, Utc};

use crate::account::{NetworkRole, parse_domain};
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

/// Why a change to a network, its members or its invitations was refused.
/// Owns the problem codes and messages (docs/api-guide.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkRefusal {
    /// Another network already has this slug (409 `slug-taken`).
    SlugTaken,
    /// The only manager may not step down (409 `last-manager`).
    LastManager,
    /// The only manager of a network may not erase their account (409
    /// `last-manager`).
    LastManagerErasing,
    /// The invitation is accepted or expired (409 `invitation-not-pending`).
    InvitationNotPending(InvitationStatus),
    /// Someone accepted the invitation meanwhile (409
    /// `invitation-not-pending`).
    InvitationUsed,
}

impl NetworkRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::SlugTaken => "slug-taken",
            Self::LastManager | Self::LastManagerErasing => "last-manager",
            Self::InvitationNotPending(_) | Self::InvitationUsed => "invitation-not-pending",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::SlugTaken => "another network already uses this slug".into(),
            Self::LastManager => "a network must keep at least one manager".into(),
            Self::LastManagerErasing => {
                "you are the only manager of a network; make someone else a manager first".into()
            }
            Self::InvitationNotPending(s) => format!("this invitation is {}", s.as_str()),
            Self::InvitationUsed => "this invitation has already been used".into(),
        }
    }
}

impl From<NetworkRefusal> for crate::Refusal {
    fn from(r: NetworkRefusal) -> Self {
        crate::Refusal::conflict(r.code(), r.message())
    }
}

/// What a role change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    /// The member already has the role: nothing to write.
    Unchanged,
    /// The role changes.
    Changed,
}

/// A member's role change from `current` to `to`, given how many managers
/// the network has (`managers`, counting this member when they manage).
/// The last manager cannot step down.
pub fn change_role(
    current: NetworkRole,
    to: NetworkRole,
    managers: u64,
) -> Result<RoleChange, NetworkRefusal> {
    if current == to {
        Ok(RoleChange::Unchanged)
    } else if current == NetworkRole::Manager && managers <= 1 {
        Err(NetworkRefusal::LastManager)
    } else {
        Ok(RoleChange::Changed)
    }
}

/// Whether a manager may erase their account: not while they are the only
/// manager of a network (`managers` counts them).
pub fn may_erase_manager(managers: u64) -> Result<(), NetworkRefusal> {
    if managers <= 1 {
        Err(NetworkRefusal::LastManagerErasing)
    } else {
        Ok(())
    }
}

/// Whether an invitation in `status` (its effective status,
/// [`InvitationStatus::effective`]) may be accepted.
pub fn may_accept(status: InvitationStatus) -> Result<(), NetworkRefusal> {
    if status == InvitationStatus::Pending {
        Ok(())
    } else {
        Err(NetworkRefusal::InvitationNotPending(status))
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
    fn role_changes_keep_a_manager() {
        use NetworkRole::*;
        for &from in NetworkRole::ALL {
            for &to in NetworkRole::ALL {
                for managers in 0..3u64 {
                    let expected = if from == to {
                        Ok(RoleChange::Unchanged)
                    } else if from == Manager && managers <= 1 {
                        Err(NetworkRefusal::LastManager)
                    } else {
                        Ok(RoleChange::Changed)
                    };
                    assert_eq!(
                        change_role(from, to, managers),
                        expected,
                        "{from:?} → {to:?} with {managers}"
                    );
                }
            }
        }
        assert_eq!(change_role(Member, Manager, 1), Ok(RoleChange::Changed));
        assert_eq!(change_role(Manager, Member, 2), Ok(RoleChange::Changed));
        assert_eq!(change_role(Manager, Manager, 1), Ok(RoleChange::Unchanged));
    }

    #[test]
    fn the_last_manager_cannot_erase() {
        assert_eq!(
            may_erase_manager(1),
            Err(NetworkRefusal::LastManagerErasing)
        );
        assert_eq!(may_erase_manager(2), Ok(()));
    }

    #[test]
    fn only_pending_invitations_are_accepted() {
        use InvitationStatus::*;
        assert_eq!(may_accept(Pending), Ok(()));
        assert_eq!(
            may_accept(Accepted),
            Err(NetworkRefusal::InvitationNotPending(Accepted))
        );
        assert_eq!(
            may_accept(Expired),
            Err(NetworkRefusal::InvitationNotPending(Expired))
        );
    }

    #[test]
    fn refusal_codes_and_messages() {
        use crate::Refusal;
        let cases = [
            (
                NetworkRefusal::SlugTaken,
                "slug-taken",
                "another network already uses this slug",
            ),
            (
                NetworkRefusal::LastManager,
                "last-manager",
                "a network must keep at least one manager",
            ),
            (
                NetworkRefusal::LastManagerErasing,
                "last-manager",
                "you are the only manager of a network; make someone else a manager first",
            ),
            (
                NetworkRefusal::InvitationNotPending(InvitationStatus::Expired),
                "invitation-not-pending",
                "this invitation is expired",
            ),
            (
                NetworkRefusal::InvitationUsed,
                "invitation-not-pending",
                "this invitation has already been used",
            ),
        ];
        for (r, code, message) in cases {
            assert_eq!(Refusal::from(r), Refusal::conflict(code, message));
        }
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
