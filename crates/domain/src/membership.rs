//! Community memberships: leaving, removal, and core-team roles
//! (docs/memberships.md). Each rule takes the current state and the
//! request and returns the outcome or a typed [`Refusal`].
use crate::community::{CommunityRole, CommunityStatus, MembershipStatus};

/// Longest removal reason, in characters.
pub const MAX_REMOVAL_REASON_CHARS: usize = 1000;
/// Secretaries a community may have when its Terms of Reference do not
/// say.
pub const DEFAULT_MAX_SECRETARIES: i32 = 1;

/// Why a membership change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Adding someone who is already an active member.
    AlreadyMember,
    /// Changing a role in an archived community.
    CommunityArchived,
    /// Naming another secretary past the Terms of Reference's limit.
    SecretaryLimit { have: u64, max: i32 },
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::AlreadyMember => "already-member",
            Self::CommunityArchived => "community-archived",
            Self::SecretaryLimit { .. } => "secretary-limit",
        }
    }

    pub fn message(self) -> String {
        match self {
            Self::AlreadyMember => "this person is already a member of the community".into(),
            Self::CommunityArchived => "an archived community's roles cannot be changed".into(),
            Self::SecretaryLimit { have, max } => format!(
                "this community already has {have} secretar{}; its Terms of Reference allow at most {max}. Change an existing secretary's role first.",
                if have == 1 { "y" } else { "ies" }
            ),
        }
    }
}

impl From<Refusal> for crate::Refusal {
    fn from(r: Refusal) -> Self {
        crate::Refusal::conflict(r.code(), r.message())
    }
}

/// Leaving (oneself) or removing (a manager) a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    Leave,
    Remove,
}

/// How a membership ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Through the community: the member leaves or a manager removes them.
    Departure(Departure),
    /// As part of a wider removal (such as from the network).
    Wider,
}

impl Ending {
    /// The membership's status afterwards. Only an active membership ends:
    /// the store ends the person's active membership, and when there is
    /// none the answer is 404 (an ended one cannot be told from none), so
    /// there is no "already ended" refusal. The freed place goes to the
    /// wait-list.
    pub fn status(self) -> MembershipStatus {
        match self {
            Self::Departure(Departure::Leave) => MembershipStatus::Left,
            Self::Departure(Departure::Remove) | Self::Wider => MembershipStatus::Removed,
        }
    }

    /// The audit action recorded.
    pub fn audit(self) -> &'static str {
        match self {
            Self::Departure(Departure::Leave) => "membership.left",
            _ => "membership.removed",
        }
    }

    /// Only a manager's removal through the community emails the person
    /// here (a wider removal sends one notice for everything it ended).
    pub fn notifies(self) -> bool {
        self == Self::Departure(Departure::Remove)
    }
}

/// What the store knows when a manager changes someone's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleState {
    pub community: CommunityStatus,
    pub current: CommunityRole,
    /// Active secretaries now.
    pub secretaries: u64,
    /// The current Terms of Reference's limit, if any are approved.
    pub max_secretaries: Option<i32>,
}

/// Changes a member's role: `None` when it is already that role (even in
/// an archived community); never in an archived community; never past the
/// secretary limit.
pub fn change_role(s: RoleState, to: CommunityRole) -> Result<Option<CommunityRole>, Refusal> {
    if s.current == to {
        return Ok(None);
    }
    if s.community == CommunityStatus::Archived {
        return Err(Refusal::CommunityArchived);
    }
    if to == CommunityRole::Secretary {
        let max = s.max_secretaries.unwrap_or(DEFAULT_MAX_SECRETARIES);
        if s.secretaries >= u64::try_from(max.max(0)).unwrap_or(0) {
            return Err(Refusal::SecretaryLimit {
                have: s.secretaries,
                max,
            });
        }
    }
    Ok(Some(to))
}

/// The notices a member is sent.
pub mod notice {
    pub use crate::application::notice::Notice;

    /// A manager removed the person (with the reason, when given).
    pub fn removed(community: &str, reason: Option<&str>) -> Notice {
        Notice {
            subject: format!("Your membership of {community} has ended"),
            body: match reason {
                Some(r) => format!("A manager has removed you from {community}. Reason: {r}"),
                None => format!("A manager has removed you from {community}."),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CommunityRole as R;

    #[test]
    fn endings() {
        let leave = Ending::Departure(Departure::Leave);
        let remove = Ending::Departure(Departure::Remove);
        assert_eq!(leave.status(), MembershipStatus::Left);
        assert_eq!(remove.status(), MembershipStatus::Removed);
        assert_eq!(Ending::Wider.status(), MembershipStatus::Removed);
        assert_eq!(leave.audit(), "membership.left");
        assert_eq!(remove.audit(), "membership.removed");
        assert_eq!(Ending::Wider.audit(), "membership.removed");
        assert!(remove.notifies() && !leave.notifies() && !Ending::Wider.notifies());
    }

    fn role(current: CommunityRole) -> RoleState {
        RoleState {
            community: CommunityStatus::Active,
            current,
            secretaries: 0,
            max_secretaries: None,
        }
    }

    #[test]
    fn role_changes() {
        assert_eq!(change_role(role(R::Member), R::Chair), Ok(Some(R::Chair)));
        assert_eq!(change_role(role(R::Chair), R::Chair), Ok(None));
        let archived = RoleState {
            community: CommunityStatus::Archived,
            ..role(R::Member)
        };
        assert_eq!(change_role(archived, R::Member), Ok(None));
        let e = change_role(archived, R::Chair).unwrap_err();
        assert_eq!(e.code(), "community-archived");
        assert_eq!(
            e.message(),
            "an archived community's roles cannot be changed"
        );
    }

    #[test]
    fn secretary_limit() {
        assert_eq!(
            change_role(role(R::Member), R::Secretary),
            Ok(Some(R::Secretary))
        );
        let one = RoleState {
            secretaries: 1,
            ..role(R::Member)
        };
        let e = change_role(one, R::Secretary).unwrap_err();
        assert_eq!(e, Refusal::SecretaryLimit { have: 1, max: 1 });
        assert_eq!(
            e.message(),
            "this community already has 1 secretary; its Terms of Reference allow at most 1. Change an existing secretary's role first."
        );
        let two = RoleState {
            secretaries: 2,
            max_secretaries: Some(3),
            ..role(R::Member)
        };
        assert_eq!(change_role(two, R::Secretary), Ok(Some(R::Secretary)));
        let three = RoleState {
            secretaries: 3,
            ..two
        };
        assert!(
            change_role(three, R::Secretary)
                .unwrap_err()
                .message()
                .contains("has 3 secretaries")
        );
    }

    #[test]
    fn already_member_and_removal_notice() {
        let r: crate::Refusal = Refusal::AlreadyMember.into();
        assert_eq!(
            r,
            crate::Refusal::conflict(
                "already-member",
                "this person is already a member of the community"
            )
        );
        let n = notice::removed("C", Some("spam"));
        assert_eq!(n.subject, "Your membership of C has ended");
        assert_eq!(n.body, "A manager has removed you from C. Reason: spam");
        assert_eq!(
            notice::removed("C", None).body,
            "A manager has removed you from C."
        );
    }
}
