//! Account control: a platform admin disabling and re-enabling an account,
//! and a network manager removing someone from a network. Pure rules; the
//! store loads the facts, asks here, and writes the outcome.
use crate::account::{NetworkRole, UserStatus};

/// What a platform admin asks of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Disable,
    Enable,
}

impl AccountAction {
    /// The status the action leads to.
    pub fn target(self) -> UserStatus {
        match self {
            Self::Disable => UserStatus::Disabled,
            Self::Enable => UserStatus::Active,
        }
    }
}

/// What the action does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The status changes to this.
    To(UserStatus),
    /// The account already has the status asked for: nothing changes.
    Unchanged,
}

/// Why an account's status cannot change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRefusal {
    /// An admin may not disable their own account (they would lock
    /// themselves out, possibly leaving no admin at all).
    OwnAccount,
    /// The account has not been verified yet: there is nothing to disable
    /// or enable.
    NotVerified,
    /// The account was erased at its owner's request: erasure is final.
    Erased,
}

impl AccountRefusal {
    /// The problem code (all are 409 Conflict).
    pub fn code(self) -> &'static str {
        match self {
            Self::OwnAccount => "cannot-disable-self",
            Self::NotVerified => "account-not-verified",
            Self::Erased => "account-erased",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::OwnAccount => "you cannot disable your own account; ask another platform admin",
            Self::NotVerified => {
                "the account has not verified its email address yet; only active and disabled accounts can be disabled or enabled"
            }
            Self::Erased => "the account was erased at its owner's request and cannot change",
        }
    }
}

/// Decides a disable or enable. Only `active` ↔ `disabled` moves; asking
/// for the status an account already has changes nothing; pending and
/// erased accounts are refused, and so is disabling oneself.
pub fn account_transition(
    acting_on_self: bool,
    current: UserStatus,
    action: AccountAction,
) -> Result<Transition, AccountRefusal> {
    if acting_on_self && action == AccountAction::Disable {
        return Err(AccountRefusal::OwnAccount);
    }
    match current {
        UserStatus::PendingVerification => Err(AccountRefusal::NotVerified),
        UserStatus::Erased => Err(AccountRefusal::Erased),
        s if s == action.target() => Ok(Transition::Unchanged),
        _ => Ok(Transition::To(action.target())),
    }
}

/// The facts about removing someone from a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    /// The caller names themselves.
    pub own_membership: bool,
    /// The caller is a platform admin.
    pub by_platform_admin: bool,
    /// The person removed is a platform admin.
    pub of_platform_admin: bool,
    /// The person's role in the network.
    pub role: NetworkRole,
    /// How many managers the network has now (the person included).
    pub managers: u64,
}

/// Why a person cannot be removed from a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalRefusal {
    /// Nobody removes themselves this way (409).
    OwnMembership,
    /// Only a platform admin may remove a platform admin (403).
    PlatformAdmin,
    /// The network would be left without a manager (409).
    LastManager,
}

impl RemovalRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::OwnMembership => "cannot-remove-self",
            Self::PlatformAdmin => "platform-admin-only",
            Self::LastManager => "last-manager",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::OwnMembership => "you cannot remove yourself from a network; ask another manager",
            Self::PlatformAdmin => {
                "only a platform admin may remove a platform admin from a network"
            }
            Self::LastManager => "a network must keep at least one manager",
        }
    }

    /// True when the refusal is about the caller's rights (403) rather
    /// than the state of the network (409).
    pub fn is_forbidden(self) -> bool {
        self == Self::PlatformAdmin
    }
}

/// Decides whether a removal may go ahead. Checked in this order: oneself,
/// a platform admin (by someone who is not one), the last manager.
pub fn check_removal(r: Removal) -> Result<(), RemovalRefusal> {
    if r.own_membership {
        return Err(RemovalRefusal::OwnMembership);
    }
    if r.of_platform_admin && !r.by_platform_admin {
        return Err(RemovalRefusal::PlatformAdmin);
    }
    if r.role == NetworkRole::Manager && r.managers <= 1 {
        return Err(RemovalRefusal::LastManager);
    }
    Ok(())
}

impl From<AccountRefusal> for crate::Refusal {
    fn from(r: AccountRefusal) -> Self {
        crate::Refusal::conflict(r.code(), r.message())
    }
}

impl From<RemovalRefusal> for crate::Refusal {
    fn from(r: RemovalRefusal) -> Self {
        if r.is_forbidden() {
            crate::Refusal::forbidden(r.code(), r.message())
        } else {
            crate::Refusal::conflict(r.code(), r.message())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountAction::*;
    use UserStatus::*;

    #[test]
    fn disable_and_enable_move_between_active_and_disabled() {
        assert_eq!(
            account_transition(false, Active, Disable),
            Ok(Transition::To(Disabled))
        );
        assert_eq!(
            account_transition(false, Disabled, Enable),
            Ok(Transition::To(Active))
        );
    }

    #[test]
    fn asking_for_the_current_status_changes_nothing() {
        assert_eq!(
            account_transition(false, Disabled, Disable),
            Ok(Transition::Unchanged)
        );
        assert_eq!(
            account_transition(false, Active, Enable),
            Ok(Transition::Unchanged)
        );
        // Enabling oneself is harmless (a disabled admin cannot call).
        assert_eq!(
            account_transition(true, Active, Enable),
            Ok(Transition::Unchanged)
        );
    }

    #[test]
    fn pending_and_erased_accounts_are_refused() {
        for action in [Disable, Enable] {
            assert_eq!(
                account_transition(false, PendingVerification, action),
                Err(AccountRefusal::NotVerified)
            );
            assert_eq!(
                account_transition(false, Erased, action),
                Err(AccountRefusal::Erased)
            );
        }
    }

    #[test]
    fn nobody_disables_themselves() {
        for s in [Active, Disabled, PendingVerification, Erased] {
            assert_eq!(
                account_transition(true, s, Disable),
                Err(AccountRefusal::OwnAccount)
            );
        }
    }

    #[test]
    fn refusal_codes_are_distinct_kebab_case() {
        let codes = [
            AccountRefusal::OwnAccount.code(),
            AccountRefusal::NotVerified.code(),
            AccountRefusal::Erased.code(),
            RemovalRefusal::OwnMembership.code(),
            RemovalRefusal::PlatformAdmin.code(),
            RemovalRefusal::LastManager.code(),
        ];
        for (i, c) in codes.iter().enumerate() {
            assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'));
            assert!(!codes[i + 1..].contains(c), "{c} repeated");
        }
    }

    fn removal() -> Removal {
        Removal {
            own_membership: false,
            by_platform_admin: false,
            of_platform_admin: false,
            role: NetworkRole::Member,
            managers: 1,
        }
    }

    #[test]
    fn a_manager_removes_a_member_or_another_manager() {
        assert_eq!(check_removal(removal()), Ok(()));
        let other_manager = Removal {
            role: NetworkRole::Manager,
            managers: 2,
            ..removal()
        };
        assert_eq!(check_removal(other_manager), Ok(()));
    }

    #[test]
    fn nobody_removes_themselves() {
        let r = Removal {
            own_membership: true,
            by_platform_admin: true,
            ..removal()
        };
        assert_eq!(check_removal(r), Err(RemovalRefusal::OwnMembership));
    }

    #[test]
    fn only_a_platform_admin_removes_a_platform_admin() {
        let r = Removal {
            of_platform_admin: true,
            ..removal()
        };
        assert_eq!(check_removal(r), Err(RemovalRefusal::PlatformAdmin));
        assert!(RemovalRefusal::PlatformAdmin.is_forbidden());
        let by_admin = Removal {
            by_platform_admin: true,
            ..r
        };
        assert_eq!(check_removal(by_admin), Ok(()));
    }

    #[test]
    fn the_last_manager_stays() {
        let r = Removal {
            by_platform_admin: true,
            role: NetworkRole::Manager,
            managers: 1,
            ..removal()
        };
        assert_eq!(check_removal(r), Err(RemovalRefusal::LastManager));
        assert!(!RemovalRefusal::LastManager.is_forbidden());
    }

    #[test]
    fn refusals_keep_their_kinds() {
        use crate::Refusal;
        assert!(matches!(
            Refusal::from(RemovalRefusal::PlatformAdmin),
            Refusal::Forbidden {
                code: "platform-admin-only",
                ..
            }
        ));
        assert!(matches!(
            Refusal::from(RemovalRefusal::LastManager),
            Refusal::Conflict {
                code: "last-manager",
                ..
            }
        ));
        assert!(matches!(
            Refusal::from(RemovalRefusal::OwnMembership),
            Refusal::Conflict {
                code: "cannot-remove-self",
                ..
            }
        ));
        for r in [
            AccountRefusal::OwnAccount,
            AccountRefusal::NotVerified,
            AccountRefusal::Erased,
        ] {
            assert_eq!(Refusal::from(r), Refusal::conflict(r.code(), r.message()));
        }
    }
}
