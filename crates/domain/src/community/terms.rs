//! Terms of Reference: drafting, validation and approval
//! (docs/memberships.md). A draft is approved by a manager; approving it
//! supersedes the previously approved version.
use chrono::{Months, NaiveDate};

use super::lifecycle::{self, change_terms};
use super::{CommunityStatus, TermsStatus};
use crate::eligibility::EligibilityRules;
use crate::validation::{Invalid, Violations, bounded_list, bounded_text};

/// Largest number of secretaries a ToR may allow.
pub const MAX_SECRETARIES: i32 = 5;
/// Longest purpose or arrangements text, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Most aims a ToR may list.
pub const MAX_AIMS: usize = 30;
/// Longest aim, in characters.
pub const MAX_AIM_CHARS: usize = 1000;
/// An approved version is due for review this many months on.
pub const REVIEW_AFTER_MONTHS: u32 = 12;

/// A draft as the caller sent it (validated by [`validate_draft`]).
#[derive(Debug, Clone)]
pub struct TermsDraft {
    pub purpose: String,
    pub aims: Vec<String>,
    pub eligibility: EligibilityRules,
    pub meeting_arrangements: String,
    pub chairing_arrangements: String,
    pub notes_arrangements: String,
    pub max_secretaries: Option<i32>,
}

/// Why a change to the Terms of Reference is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The community is archived.
    Community(lifecycle::Refusal),
    /// Approving a version that is not a draft.
    NotDraft { number: i32, status: TermsStatus },
    /// Approving a draft older than an approved version.
    Outdated,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Community(r) => r.code(),
            Self::NotDraft { .. } => "terms-not-draft",
            Self::Outdated => "terms-outdated",
        }
    }

    pub fn message(self) -> String {
        match self {
            Self::Community(r) => r.message().into(),
            Self::NotDraft { number, status } => {
                format!("version {number} is {status}, not a draft")
            }
            Self::Outdated => {
                "a newer version is already approved; draft a new version instead".into()
            }
        }
    }
}

impl From<lifecycle::Refusal> for Refusal {
    fn from(r: lifecycle::Refusal) -> Self {
        Self::Community(r)
    }
}

impl From<Refusal> for crate::Refusal {
    fn from(r: Refusal) -> Self {
        crate::Refusal::conflict(r.code(), r.message())
    }
}

/// Drafting a new version: not in an archived community. A new draft
/// starts as `draft`.
pub fn draft(community: CommunityStatus) -> Result<TermsStatus, Refusal> {
    change_terms(community)?;
    Ok(TermsStatus::Draft)
}

/// What the store knows when a manager approves version `number`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalState {
    pub community: CommunityStatus,
    pub number: i32,
    pub status: TermsStatus,
    /// A later version is already approved.
    pub newer_approved: bool,
}

/// What approving does: the version becomes `approved`, earlier approved
/// versions `superseded`, and review falls due [`REVIEW_AFTER_MONTHS`] on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval {
    pub status: TermsStatus,
    pub earlier_become: TermsStatus,
}

/// Approves a draft. A later approved version wins; approving an older
/// draft afterwards would silently roll the rules back.
pub fn approve(s: ApprovalState) -> Result<Approval, Refusal> {
    change_terms(s.community)?;
    if s.status != TermsStatus::Draft {
        return Err(Refusal::NotDraft {
            number: s.number,
            status: s.status,
        });
    }
    if s.newer_approved {
        return Err(Refusal::Outdated);
    }
    Ok(Approval {
        status: TermsStatus::Approved,
        earlier_become: TermsStatus::Superseded,
    })
}

/// When a version approved on `approved_on` is due for review.
pub fn review_due(approved_on: NaiveDate) -> Option<NaiveDate> {
    approved_on.checked_add_months(Months::new(REVIEW_AFTER_MONTHS))
}

/// Validates a draft (field names as the API spells them); an unset
/// secretary limit becomes 1.
pub fn validate_draft(d: TermsDraft) -> Result<TermsDraft, Violations> {
    let mut v = Violations::new();
    let purpose = v.check("purpose", bounded_text(&d.purpose, 1, MAX_TEXT_CHARS));
    let aims = v.check("aims", bounded_list(&d.aims, MAX_AIMS, MAX_AIM_CHARS));
    let eligibility = match d.eligibility.validate("eligibility") {
        Ok(e) => Some(e),
        Err(errs) => {
            v.0.extend(errs.0);
            None
        }
    };
    let meeting = v.check(
        "meeting_arrangements",
        bounded_text(&d.meeting_arrangements, 1, MAX_TEXT_CHARS),
    );
    let chairing = v.check(
        "chairing_arrangements",
        bounded_text(&d.chairing_arrangements, 1, MAX_TEXT_CHARS),
    );
    let notes = v.check(
        "notes_arrangements",
        bounded_text(&d.notes_arrangements, 1, MAX_TEXT_CHARS),
    );
    let max_secretaries = match d.max_secretaries {
        Some(n) if !(1..=MAX_SECRETARIES).contains(&n) => {
            v.add(
                "max_secretaries",
                Invalid::new(
                    "out_of_range",
                    format!("must be between 1 and {MAX_SECRETARIES}"),
                ),
            );
            None
        }
        other => Some(other.unwrap_or(crate::membership::DEFAULT_MAX_SECRETARIES)),
    };
    match (
        purpose,
        aims,
        eligibility,
        meeting,
        chairing,
        notes,
        max_secretaries,
    ) {
        (
            Some(purpose),
            Some(aims),
            Some(eligibility),
            Some(meeting_arrangements),
            Some(chairing_arrangements),
            Some(notes_arrangements),
            Some(m),
        ) if v.is_empty() => Ok(TermsDraft {
            purpose,
            aims,
            eligibility,
            meeting_arrangements,
            chairing_arrangements,
            notes_arrangements,
            max_secretaries: Some(m),
        }),
        _ => Err(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TermsStatus as T;

    fn state(status: TermsStatus) -> ApprovalState {
        ApprovalState {
            community: CommunityStatus::Active,
            number: 2,
            status,
            newer_approved: false,
        }
    }

    #[test]
    fn drafting() {
        assert_eq!(draft(CommunityStatus::Active), Ok(T::Draft));
        assert_eq!(draft(CommunityStatus::Proposed), Ok(T::Draft));
        let e = draft(CommunityStatus::Archived).unwrap_err();
        assert_eq!(e.code(), "community-archived");
        assert_eq!(
            e.message(),
            "an archived community cannot change its Terms of Reference"
        );
    }

    #[test]
    fn approving_a_draft_supersedes_the_earlier() {
        assert_eq!(
            approve(state(T::Draft)),
            Ok(Approval {
                status: T::Approved,
                earlier_become: T::Superseded
            })
        );
    }

    #[test]
    fn only_a_current_draft_is_approved() {
        for s in [T::Approved, T::Superseded] {
            let e = approve(state(s)).unwrap_err();
            assert_eq!(e.code(), "terms-not-draft");
            assert_eq!(e.message(), format!("version 2 is {s}, not a draft"));
        }
        let e = approve(ApprovalState {
            newer_approved: true,
            ..state(T::Draft)
        })
        .unwrap_err();
        assert_eq!(e.code(), "terms-outdated");
        assert_eq!(
            e.message(),
            "a newer version is already approved; draft a new version instead"
        );
    }

    #[test]
    fn an_archived_community_approves_nothing() {
        let e = approve(ApprovalState {
            community: CommunityStatus::Archived,
            ..state(T::Draft)
        })
        .unwrap_err();
        assert_eq!(e.code(), "community-archived");
    }

    #[test]
    fn review_falls_due_a_year_on() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert_eq!(review_due(d), NaiveDate::from_ymd_opt(2027, 2, 28));
    }

    fn raw() -> TermsDraft {
        TermsDraft {
            purpose: " Grow ".into(),
            aims: vec!["share".into()],
            eligibility: EligibilityRules::default(),
            meeting_arrangements: "monthly".into(),
            chairing_arrangements: "rotating".into(),
            notes_arrangements: "secretary".into(),
            max_secretaries: None,
        }
    }

    #[test]
    fn drafts_are_validated() {
        let d = validate_draft(raw()).unwrap();
        assert_eq!(d.purpose, "Grow");
        assert_eq!(d.max_secretaries, Some(1));
        let e = validate_draft(TermsDraft {
            purpose: " ".into(),
            max_secretaries: Some(MAX_SECRETARIES + 1),
            ..raw()
        })
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, vec!["purpose", "max_secretaries"]);
        assert_eq!(e.0[1].message, "must be between 1 and 5");
    }
}
