//! Who may do what, decided in one place.
//!
//! Reads of another network's data answer "not found" (the network is
//! hidden), so ids cannot be probed across tenants; a member who lacks the
//! role for an action in their own network is told "forbidden".
use crate::account::{ApiTokenScope, NetworkRole};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub is_platform_admin: bool,
    /// `None` for a person's session; `Some(scopes)` for an API token, which
    /// acts for its owner but only in operations that accept one of them.
    pub token_scopes: Option<Vec<ApiTokenScope>>,
}

impl Principal {
    pub fn is_token(&self) -> bool {
        self.token_scopes.is_some()
    }
}

/// The network role an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Member,
    Manager,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Answer 404: the caller must not learn the thing exists.
    Hidden,
    /// Answer 403: the caller may see it but not do this.
    Denied,
    /// Answer 403: an API token without the scope the operation accepts.
    MissingScope,
}

/// Decides a network-level action. `role` is the caller's role in that
/// network, if any; `accepts` is the token scope the operation accepts
/// (`None` = people only).
pub fn decide(
    principal: &Principal,
    role: Option<NetworkRole>,
    need: Need,
    accepts: Option<ApiTokenScope>,
) -> Decision {
    // Visibility first, so a token without the scope cannot tell a network
    // its owner is not in from one that does not exist.
    let by_role = if principal.is_platform_admin {
        Decision::Allow
    } else {
        match (role, need) {
            (None, _) => Decision::Hidden,
            (Some(_), Need::Member) => Decision::Allow,
            (Some(NetworkRole::Manager), Need::Manager) => Decision::Allow,
            (Some(NetworkRole::Member), Need::Manager) => Decision::Denied,
        }
    };
    if by_role == Decision::Hidden {
        return by_role;
    }
    if let Some(scopes) = &principal.token_scopes {
        match accepts {
            Some(s) if scopes.contains(&s) => {}
            _ => return Decision::MissingScope,
        }
    }
    by_role
}

/// Decides an action on one's own account (`/v1/me`, API tokens): people
/// only, unless the operation accepts a scope the token has.
pub fn decide_self(principal: &Principal, accepts: Option<ApiTokenScope>) -> Decision {
    match (&principal.token_scopes, accepts) {
        (None, _) => Decision::Allow,
        (Some(scopes), Some(s)) if scopes.contains(&s) => Decision::Allow,
        _ => Decision::MissingScope,
    }
}

/// Why access was refused (403s). Owns the problem codes and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessRefusal {
    /// The caller's network role does not allow the action.
    RoleTooLow,
    /// An API token without the scope the operation accepts.
    MissingScope,
    /// Only a platform admin may do this.
    NotPlatformAdmin,
}

impl AccessRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::RoleTooLow | Self::NotPlatformAdmin => "forbidden",
            Self::MissingScope => "insufficient-scope",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::RoleTooLow => "your role in this network does not allow this action",
            Self::MissingScope => {
                "this API token does not have a scope that this operation accepts"
            }
            Self::NotPlatformAdmin => "only a platform admin may do this",
        }
    }
}

impl From<AccessRefusal> for crate::Refusal {
    fn from(r: AccessRefusal) -> Self {
        crate::Refusal::forbidden(r.code(), r.message())
    }
}

impl Decision {
    /// The refusal a decision stands for; `what` names the thing hidden
    /// by [`Decision::Hidden`] (404).
    pub fn into_result(self, what: &'static str) -> Result<(), crate::Refusal> {
        match self {
            Decision::Allow => Ok(()),
            Decision::Hidden => Err(crate::Refusal::NotFound(what)),
            Decision::Denied => Err(AccessRefusal::RoleTooLow.into()),
            Decision::MissingScope => Err(AccessRefusal::MissingScope.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_become_refusals() {
        use crate::Refusal;
        assert_eq!(Decision::Allow.into_result("network"), Ok(()));
        assert_eq!(
            Decision::Hidden.into_result("network"),
            Err(Refusal::NotFound("network"))
        );
        assert_eq!(
            Decision::Denied.into_result("network"),
            Err(Refusal::forbidden(
                "forbidden",
                "your role in this network does not allow this action"
            ))
        );
        assert_eq!(
            Decision::MissingScope.into_result("account"),
            Err(Refusal::forbidden(
                "insufficient-scope",
                "this API token does not have a scope that this operation accepts"
            ))
        );
        assert_eq!(
            Refusal::from(AccessRefusal::NotPlatformAdmin),
            Refusal::forbidden("forbidden", "only a platform admin may do this")
        );
    }

    fn person(admin: bool) -> Principal {
        Principal {
            user_id: "u".into(),
            is_platform_admin: admin,
            token_scopes: None,
        }
    }

    #[test]
    fn roles() {
        let p = person(false);
        assert_eq!(decide(&p, None, Need::Member, None), Decision::Hidden);
        assert_eq!(
            decide(&p, Some(NetworkRole::Member), Need::Member, None),
            Decision::Allow
        );
        assert_eq!(
            decide(&p, Some(NetworkRole::Member), Need::Manager, None),
            Decision::Denied
        );
        assert_eq!(
            decide(&p, Some(NetworkRole::Manager), Need::Manager, None),
            Decision::Allow
        );
        assert_eq!(
            decide(&person(true), None, Need::Manager, None),
            Decision::Allow
        );
    }

    #[test]
    fn tokens_need_the_scope() {
        let t = Principal {
            user_id: "u".into(),
            is_platform_admin: false,
            token_scopes: Some(vec![ApiTokenScope::UsersRead]),
        };
        let m = Some(NetworkRole::Manager);
        assert_eq!(decide(&t, m, Need::Manager, None), Decision::MissingScope);
        assert_eq!(
            decide(&t, m, Need::Manager, Some(ApiTokenScope::ReportsRead)),
            Decision::MissingScope
        );
        assert_eq!(
            decide(&t, m, Need::Manager, Some(ApiTokenScope::UsersRead)),
            Decision::Allow
        );
        // a token never exceeds its owner's role
        assert_eq!(
            decide(
                &t,
                Some(NetworkRole::Member),
                Need::Manager,
                Some(ApiTokenScope::UsersRead)
            ),
            Decision::Denied
        );
        assert_eq!(decide_self(&t, None), Decision::MissingScope);
        assert_eq!(decide_self(&person(false), None), Decision::Allow);
        // visibility is decided before scope: no probing of other networks
        assert_eq!(
            decide(&t, None, Need::Member, Some(ApiTokenScope::ReportsRead)),
            Decision::Hidden
        );
    }
}

/// What a community-level action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommunityNeed {
    /// Any member of the community's network.
    NetworkMember,
    /// The community's core team (chair, co-chair, secretary) or a manager.
    Core,
    /// A current member of the community (any role) or a manager.
    Member,
    /// A manager of the community's network.
    Manager,
}

/// Decides a community-level action from the caller's network role and
/// their role in the community (if an active member).
pub fn decide_community(
    principal: &Principal,
    network_role: Option<NetworkRole>,
    community_role: Option<crate::community::CommunityRole>,
    need: CommunityNeed,
    accepts: Option<ApiTokenScope>,
) -> Decision {
    let network_need = match need {
        CommunityNeed::Manager => Need::Manager,
        _ => Need::Member,
    };
    let base = decide(principal, network_role, network_need, accepts);
    if base != Decision::Allow {
        return base;
    }
    let is_manager = principal.is_platform_admin || network_role == Some(NetworkRole::Manager);
    let allowed = match need {
        CommunityNeed::NetworkMember | CommunityNeed::Manager => true,
        CommunityNeed::Core => is_manager || community_role.is_some_and(|r| r.is_core()),
        CommunityNeed::Member => is_manager || community_role.is_some(),
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Denied
    }
}

#[cfg(test)]
mod community_tests {
    use super::*;
    use crate::community::CommunityRole;

    #[test]
    fn core_team_or_manager() {
        let p = Principal {
            user_id: "u".into(),
            is_platform_admin: false,
            token_scopes: None,
        };
        let m = Some(NetworkRole::Member);
        assert_eq!(
            decide_community(&p, m, None, CommunityNeed::Core, None),
            Decision::Denied
        );
        assert_eq!(
            decide_community(
                &p,
                m,
                Some(CommunityRole::Member),
                CommunityNeed::Core,
                None
            ),
            Decision::Denied
        );
        assert_eq!(
            decide_community(
                &p,
                m,
                Some(CommunityRole::Secretary),
                CommunityNeed::Core,
                None
            ),
            Decision::Allow
        );
        assert_eq!(
            decide_community(
                &p,
                Some(NetworkRole::Manager),
                None,
                CommunityNeed::Core,
                None
            ),
            Decision::Allow
        );
        assert_eq!(
            decide_community(
                &p,
                None,
                Some(CommunityRole::Chair),
                CommunityNeed::Core,
                None
            ),
            Decision::Hidden
        );
        assert_eq!(
            decide_community(
                &p,
                m,
                Some(CommunityRole::Chair),
                CommunityNeed::Manager,
                None
            ),
            Decision::Denied
        );
        assert_eq!(
            decide_community(&p, m, None, CommunityNeed::NetworkMember, None),
            Decision::Allow
        );
        assert_eq!(
            decide_community(&p, m, None, CommunityNeed::Member, None),
            Decision::Denied
        );
        assert_eq!(
            decide_community(
                &p,
                m,
                Some(CommunityRole::Facilitator),
                CommunityNeed::Member,
                None
            ),
            Decision::Allow
        );
        assert_eq!(
            decide_community(
                &p,
                Some(NetworkRole::Manager),
                None,
                CommunityNeed::Member,
                None
            ),
            Decision::Allow
        );
        assert_eq!(
            decide_community(
                &p,
                None,
                Some(CommunityRole::Member),
                CommunityNeed::Member,
                None
            ),
            Decision::Hidden
        );
    }
}
