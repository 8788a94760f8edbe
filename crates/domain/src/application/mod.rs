//! Applications to join a community: submitting, the manager's decision,
//! withdrawing, the wait-list and the place offers made from it
//! (docs/memberships.md). Each rule takes the current state and the request
//! and returns the outcome or a typed [`Refusal`]; the stores load, ask,
//! and write.
use chrono::{DateTime, Duration, Utc};

use crate::community::{
    Admission, ApplicationDecision, ApplicationDecisionOutcome, ApplicationStatus, CommunityStatus,
    admission,
};
use crate::eligibility::{Assessment, Check, EligibilityOutcome, EligibilityVerdict};
use crate::validation::{Invalid, Violations, bounded_text};

pub mod notice;
pub mod policy;

/// How long a wait-listed applicant has to accept an offered place.
pub const OFFER_TTL_DAYS: i64 = 7;
/// Longest application statement, in characters.
pub const MAX_STATEMENT_CHARS: usize = 4000;
/// Longest decision reason or override reason, in characters.
pub const MAX_REASON_CHARS: usize = 4000;

/// Why a request about an application is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Applying to a community that is not active.
    CommunityNotActive(CommunityStatus),
    /// Letting someone into (approving or wait-listing for) a community
    /// that is not active.
    CommunityClosed(CommunityStatus),
    /// Applying to a community with no approved Terms of Reference.
    NoApprovedTerms,
    /// Deciding while the community has no approved Terms of Reference.
    NoTermsToDecideBy,
    /// The applicant is already a member.
    AlreadyMember,
    /// The applicant already has an open application (its id, when known).
    ApplicationOpen(Option<String>),
    /// Deciding on an application that is neither pending nor wait-listed.
    NotPending(ApplicationStatus),
    /// Wait-listing an application already on the wait-list.
    AlreadyWaitlisted,
    /// Withdrawing an application that is no longer open.
    NotOpen(ApplicationStatus),
    /// Answering an offer on an application that has none.
    NotOffered(ApplicationStatus),
    /// Rejecting without a reason.
    ReasonRequired,
    /// Approving or wait-listing an ineligible applicant without an
    /// override; carries the reasons of the checks not met.
    OverrideRequired(Vec<String>),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::CommunityNotActive(_) | Self::CommunityClosed(_) => "community-not-active",
            Self::NoApprovedTerms | Self::NoTermsToDecideBy => "no-approved-terms",
            Self::AlreadyMember => "already-member",
            Self::ApplicationOpen(_) => "application-open",
            Self::NotPending(_) => "application-not-pending",
            Self::AlreadyWaitlisted => "already-waitlisted",
            Self::NotOpen(_) => "application-not-open",
            Self::NotOffered(_) => "application-not-offered",
            Self::ReasonRequired => "required",
            Self::OverrideRequired(_) => "override_required",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::CommunityNotActive(s) => format!(
                "the community is {s}, and takes applications only while active"
            ),
            Self::CommunityClosed(s) => format!("the community is {s}; nobody can join it"),
            Self::NoApprovedTerms => "the community has no approved Terms of Reference yet, so it cannot take applications".into(),
            Self::NoTermsToDecideBy => "the community has no approved Terms of Reference".into(),
            Self::AlreadyMember => "you are already a member of this community".into(),
            Self::ApplicationOpen(None) => {
                "you already have an open application to this community".into()
            }
            Self::ApplicationOpen(Some(id)) => {
                format!("you already have an open application to this community ({id})")
            }
            Self::NotPending(s) => format!(
                "the application is {s}; only pending or wait-listed applications can be decided"
            ),
            Self::AlreadyWaitlisted => "the application is already on the wait-list".into(),
            Self::NotOpen(s) => format!(
                "the application is {s}; only pending, wait-listed or offered applications can be withdrawn"
            ),
            Self::NotOffered(s) => {
                format!("the application is {s}; there is no offer to answer")
            }
            Self::ReasonRequired => "is required to reject an application".into(),
            Self::OverrideRequired(failed) => format!(
                "the applicant is ineligible under the current Terms of Reference ({}); \
                 give an override_reason to approve or wait-list anyway",
                failed.join("; ")
            ),
        }
    }

    /// The field a refusal about the request's input names.
    fn field(&self) -> Option<&'static str> {
        match self {
            Self::ReasonRequired => Some("reason"),
            Self::OverrideRequired(_) => Some("override_reason"),
            _ => None,
        }
    }
}

impl From<Refusal> for crate::Refusal {
    fn from(r: Refusal) -> Self {
        match r.field() {
            Some(field) => crate::Refusal::invalid(field, r.code(), r.message()),
            None => crate::Refusal::conflict(r.code(), r.message()),
        }
    }
}

/// Optional free text: trimmed, empty means absent, at most `max` chars.
pub fn optional_text(
    v: &mut Violations,
    field: &str,
    raw: Option<String>,
    max: usize,
) -> Option<String> {
    let s = raw?;
    if s.trim().is_empty() {
        return None;
    }
    v.check(field, bounded_text(&s, 1, max))
}

/// Plain-English reasons of the checks that were not met.
pub fn failed_reasons(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c.outcome == EligibilityOutcome::NotMet)
        .map(|c| c.reason.clone())
        .collect()
}

/// The statuses that count as an open application.
pub fn open_statuses() -> Vec<ApplicationStatus> {
    ApplicationStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect()
}

// ------------------------------------------------------------------ submit

/// The statement of a new application: optional, at most
/// [`MAX_STATEMENT_CHARS`].
pub fn statement(raw: Option<String>) -> Result<Option<String>, Violations> {
    let mut v = Violations::new();
    let s = optional_text(&mut v, "statement", raw, MAX_STATEMENT_CHARS);
    v.into_result()?;
    Ok(s)
}

/// What the store knows when someone applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmitState<'a> {
    pub community: CommunityStatus,
    pub has_approved_terms: bool,
    pub is_member: bool,
    /// The id of the applicant's open application there, if any.
    pub open_application: Option<&'a str>,
}

/// May this person apply? A new application starts `pending`.
pub fn submit(s: SubmitState<'_>) -> Result<ApplicationStatus, Refusal> {
    if s.community != CommunityStatus::Active {
        return Err(Refusal::CommunityNotActive(s.community));
    }
    if !s.has_approved_terms {
        return Err(Refusal::NoApprovedTerms);
    }
    if s.is_member {
        return Err(Refusal::AlreadyMember);
    }
    if let Some(id) = s.open_application {
        return Err(Refusal::ApplicationOpen(Some(id.to_owned())));
    }
    Ok(ApplicationStatus::Pending)
}

// ---------------------------------------------------------------- decision

/// A manager's decision, its text validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    pub decision: ApplicationDecision,
    pub reason: Option<String>,
    pub override_reason: Option<String>,
}

impl DecisionRequest {
    /// Validates the reasons: each at most [`MAX_REASON_CHARS`], and a
    /// rejection must give one.
    pub fn parse(
        decision: ApplicationDecision,
        reason: Option<String>,
        override_reason: Option<String>,
    ) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let reason = optional_text(&mut v, "reason", reason, MAX_REASON_CHARS);
        let override_reason =
            optional_text(&mut v, "override_reason", override_reason, MAX_REASON_CHARS);
        if decision.needs_reason() && reason.is_none() && v.is_empty() {
            let r = Refusal::ReasonRequired;
            v.add("reason", Invalid::new(r.code(), r.message()));
        }
        v.into_result()?;
        Ok(Self {
            decision,
            reason,
            override_reason,
        })
    }
}

/// What the store knows when a manager decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionState {
    pub status: ApplicationStatus,
    pub community: CommunityStatus,
    pub capacity: i32,
    /// Places taken: active members plus unexpired offers.
    pub places_taken: u64,
    /// The applicant assessed against the current Terms of Reference
    /// (`None` when the community has none approved).
    pub terms: Option<TermsAssessment>,
}

/// The current Terms of Reference (by number) and the applicant assessed
/// against them: what a decision is made by, and recorded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsAssessment {
    pub number: i32,
    pub assessment: Assessment,
}

/// What a decision does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: ApplicationDecisionOutcome,
    pub status: ApplicationStatus,
    /// The override kept on the application (only decisions that admit
    /// keep one).
    pub override_reason: Option<String>,
    /// The terms and assessment the decision was made by (there is always
    /// one: deciding without approved terms is refused).
    pub terms: TermsAssessment,
}

impl Decision {
    /// The applicant becomes a member now.
    pub fn admits_now(&self) -> bool {
        self.outcome == ApplicationDecisionOutcome::Admitted
    }
}

/// Decides on a pending or wait-listed application. Approval admits while
/// there is a place and wait-lists otherwise. A wait-listed application is
/// admitted later without another decision, so wait-listing an ineligible
/// one needs the override too.
pub fn decide(s: &DecisionState, r: &DecisionRequest) -> Result<Decision, Refusal> {
    if !matches!(
        s.status,
        ApplicationStatus::Pending | ApplicationStatus::Waitlisted
    ) {
        return Err(Refusal::NotPending(s.status));
    }
    if r.decision == ApplicationDecision::Waitlist && s.status == ApplicationStatus::Waitlisted {
        return Err(Refusal::AlreadyWaitlisted);
    }
    let terms = s.terms.as_ref().ok_or(Refusal::NoTermsToDecideBy)?;
    let assessment = &terms.assessment;
    if r.decision.admits() {
        if assessment.verdict == EligibilityVerdict::Ineligible && r.override_reason.is_none() {
            return Err(Refusal::OverrideRequired(failed_reasons(
                &assessment.checks,
            )));
        }
        if s.community != CommunityStatus::Active {
            return Err(Refusal::CommunityClosed(s.community));
        }
    }
    // Only approval looks at capacity.
    let place = if r.decision == ApplicationDecision::Approve {
        admission(s.capacity, s.places_taken)
    } else {
        Admission::Waitlist
    };
    let (outcome, status) = r.decision.effect(place);
    Ok(Decision {
        outcome,
        status,
        override_reason: if r.decision.admits() {
            r.override_reason.clone()
        } else {
            None
        },
        terms: terms.clone(),
    })
}

// ------------------------------------------------------ applicant actions

/// What withdrawing does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    pub status: ApplicationStatus,
    /// A withdrawn offer frees its place for the next person waiting.
    pub frees_place: bool,
}

/// Withdraws an open application.
pub fn withdraw(status: ApplicationStatus) -> Result<Withdrawal, Refusal> {
    if !status.is_open() {
        return Err(Refusal::NotOpen(status));
    }
    Ok(Withdrawal {
        status: ApplicationStatus::Withdrawn,
        frees_place: status == ApplicationStatus::Offered,
    })
}

/// When an offer made at `now` lapses.
pub fn offer_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(OFFER_TTL_DAYS)
}

/// An offer with no expiry, or one at or past it, has lapsed.
pub fn offer_lapsed(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_none_or(|t| t <= now)
}

/// What the store knows when the applicant accepts an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferState {
    pub status: ApplicationStatus,
    pub expires_at: Option<DateTime<Utc>>,
    pub community: CommunityStatus,
    pub capacity: i32,
    /// Places taken by others: active members plus other unexpired offers.
    pub taken_by_others: u64,
}

/// What accepting an offer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// The applicant becomes a member; the application is `approved`.
    Admitted,
    /// The offer had expired: the application lapses and the place goes to
    /// the next person waiting.
    Lapsed,
    /// No place is free after all (the capacity was lowered, or the
    /// community is no longer active): back on the wait-list, in its
    /// original position.
    BackOnWaitlist,
}

impl Acceptance {
    /// The application's new status.
    pub fn status(self) -> ApplicationStatus {
        match self {
            Self::Admitted => ApplicationStatus::Approved,
            Self::Lapsed => ApplicationStatus::Lapsed,
            Self::BackOnWaitlist => ApplicationStatus::Waitlisted,
        }
    }
}

/// Accepts an offered place at `now`.
pub fn accept_offer(s: OfferState, now: DateTime<Utc>) -> Result<Acceptance, Refusal> {
    if s.status != ApplicationStatus::Offered {
        return Err(Refusal::NotOffered(s.status));
    }
    if offer_lapsed(s.expires_at, now) {
        return Ok(Acceptance::Lapsed);
    }
    if s.community != CommunityStatus::Active
        || admission(s.capacity, s.taken_by_others) == Admission::Waitlist
    {
        return Ok(Acceptance::BackOnWaitlist);
    }
    Ok(Acceptance::Admitted)
}

/// Declines an offered place; the place goes to the next person waiting.
pub fn decline_offer(status: ApplicationStatus) -> Result<ApplicationStatus, Refusal> {
    if status != ApplicationStatus::Offered {
        return Err(Refusal::NotOffered(status));
    }
    Ok(ApplicationStatus::Declined)
}

/// How many places may be offered to the wait-list now: the free places
/// of an active community (none otherwise). The store offers them to the
/// oldest wait-listed applications, one each, making them `offered`.
pub fn places_to_offer(community: CommunityStatus, capacity: i32, places_taken: u64) -> u64 {
    if community != CommunityStatus::Active {
        return 0;
    }
    u64::try_from(capacity.max(0))
        .unwrap_or(0)
        .saturating_sub(places_taken)
}

#[cfg(test)]
mod tests;
