//! A community's own status changes: settings changes, `proposed → active`
//! and archiving (docs/memberships.md).
use super::CommunityStatus;

/// Why a change to a community is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Changing the settings or status of an archived community.
    Archived,
    /// Changing the Terms of Reference of an archived community.
    ArchivedTerms,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Archived | Self::ArchivedTerms => "community-archived",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Archived => "an archived community cannot be changed",
            Self::ArchivedTerms => "an archived community cannot change its Terms of Reference",
        }
    }
}

impl From<Refusal> for crate::Refusal {
    fn from(r: Refusal) -> Self {
        crate::Refusal::conflict(r.code(), r.message())
    }
}

/// A change of settings (and maybe status, see
/// [`CommunityStatus::change_to`]): never once archived.
pub fn change(status: CommunityStatus) -> Result<(), Refusal> {
    match status {
        CommunityStatus::Archived => Err(Refusal::Archived),
        _ => Ok(()),
    }
}

/// A change of the Terms of Reference: never once archived.
pub fn change_terms(status: CommunityStatus) -> Result<(), Refusal> {
    match status {
        CommunityStatus::Archived => Err(Refusal::ArchivedTerms),
        _ => Ok(()),
    }
}

/// Archiving: the new status, or `None` when already archived (archiving
/// again changes nothing).
pub fn archive(status: CommunityStatus) -> Option<CommunityStatus> {
    match status {
        CommunityStatus::Archived => None,
        _ => Some(CommunityStatus::Archived),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CommunityStatus as S;

    #[test]
    fn archived_communities_do_not_change() {
        assert_eq!(change(S::Active), Ok(()));
        assert_eq!(change(S::Proposed), Ok(()));
        let e = change(S::Archived).unwrap_err();
        assert_eq!(e.code(), "community-archived");
        assert_eq!(e.message(), "an archived community cannot be changed");
        assert_eq!(change_terms(S::Proposed), Ok(()));
        let e = change_terms(S::Archived).unwrap_err();
        assert_eq!(
            crate::Refusal::from(e),
            crate::Refusal::conflict(
                "community-archived",
                "an archived community cannot change its Terms of Reference"
            )
        );
    }

    #[test]
    fn archiving_is_idempotent() {
        assert_eq!(archive(S::Active), Some(S::Archived));
        assert_eq!(archive(S::Proposed), Some(S::Archived));
        assert_eq!(archive(S::Archived), None);
    }
}
