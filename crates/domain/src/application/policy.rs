//! Who may see and act on an application (docs/memberships.md). An
//! application is private: anyone who may not see it (another network, or
//! a member who is neither the applicant nor on the core team) is told it
//! does not exist. Someone who may see it but not do this is forbidden. API
//! tokens are refused once visibility is settled: no scope covers
//! applications.
use crate::access::Decision;

/// What the caller wants to do with one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationNeed {
    /// See it: the applicant, the community's core team, managers.
    Read,
    /// Decide on it: managers.
    Decide,
    /// Act as the applicant (withdraw, accept or decline an offer).
    Applicant,
}

/// Why the caller may not do this with an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessRefusal {
    /// The caller may not know it exists (404 `application`).
    Hidden,
    /// An API token: no scope covers applications.
    TokenScope,
    /// Only the applicant may do this.
    NotApplicant,
    /// Only a manager may decide.
    NotManager,
}

impl From<AccessRefusal> for crate::Refusal {
    fn from(r: AccessRefusal) -> Self {
        match r {
            AccessRefusal::Hidden => crate::Refusal::NotFound("application"),
            AccessRefusal::TokenScope => crate::Refusal::forbidden(
                "insufficient-scope",
                "this API token does not have a scope that this operation accepts",
            ),
            AccessRefusal::NotApplicant => {
                crate::Refusal::forbidden("forbidden", "only the applicant may do this")
            }
            AccessRefusal::NotManager => crate::Refusal::forbidden(
                "forbidden",
                "only a manager of the network may decide on applications",
            ),
        }
    }
}

/// What the store knows about the caller, decided by role as the person
/// (tokens aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The community-access decision for the core team.
    pub as_core: Decision,
    /// The community-access decision for a manager is `Allow`.
    pub is_manager: bool,
    pub is_applicant: bool,
    pub is_token: bool,
}

/// May the caller do `need` with the application?
pub fn authorize(c: Caller, need: ApplicationNeed) -> Result<(), AccessRefusal> {
    let visible = match c.as_core {
        Decision::Hidden => false,
        Decision::Allow => true,
        _ => c.is_applicant,
    };
    if !visible {
        return Err(AccessRefusal::Hidden);
    }
    if c.is_token {
        return Err(AccessRefusal::TokenScope);
    }
    match need {
        ApplicationNeed::Read => Ok(()),
        ApplicationNeed::Decide if c.is_manager => Ok(()),
        ApplicationNeed::Decide => Err(AccessRefusal::NotManager),
        ApplicationNeed::Applicant if c.is_applicant => Ok(()),
        ApplicationNeed::Applicant => Err(AccessRefusal::NotApplicant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationNeed as N;

    fn caller(as_core: Decision) -> Caller {
        Caller {
            as_core,
            is_manager: false,
            is_applicant: false,
            is_token: false,
        }
    }

    #[test]
    fn invisible_applications_are_hidden_even_to_tokens() {
        let c = Caller {
            is_token: true,
            ..caller(Decision::Hidden)
        };
        assert_eq!(authorize(c, N::Read), Err(AccessRefusal::Hidden));
        assert_eq!(
            crate::Refusal::from(AccessRefusal::Hidden),
            crate::Refusal::NotFound("application")
        );
    }

    #[test]
    fn the_applicant_sees_and_acts_on_their_own() {
        let me = Caller {
            is_applicant: true,
            ..caller(Decision::Denied)
        };
        assert_eq!(authorize(me, N::Read), Ok(()));
        assert_eq!(authorize(me, N::Applicant), Ok(()));
        assert_eq!(authorize(me, N::Decide), Err(AccessRefusal::NotManager));
        let other = caller(Decision::Denied);
        assert_eq!(authorize(other, N::Read), Err(AccessRefusal::Hidden));
    }

    #[test]
    fn core_team_reads_and_managers_decide() {
        let core = caller(Decision::Allow);
        assert_eq!(authorize(core, N::Read), Ok(()));
        assert_eq!(authorize(core, N::Decide), Err(AccessRefusal::NotManager));
        assert_eq!(
            authorize(core, N::Applicant),
            Err(AccessRefusal::NotApplicant)
        );
        let manager = Caller {
            is_manager: true,
            ..core
        };
        assert_eq!(authorize(manager, N::Decide), Ok(()));
    }

    #[test]
    fn tokens_are_refused_once_visible() {
        let token = Caller {
            is_token: true,
            is_manager: true,
            ..caller(Decision::Allow)
        };
        for need in [N::Read, N::Decide, N::Applicant] {
            assert_eq!(authorize(token, need), Err(AccessRefusal::TokenScope));
        }
        let crate::Refusal::Forbidden { code, .. } = AccessRefusal::TokenScope.into() else {
            panic!("not forbidden")
        };
        assert_eq!(code, "insufficient-scope");
    }
}
