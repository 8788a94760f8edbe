//! The closed sets of communities, applications, memberships, Terms of
//! Reference and proposals, and the rules that belong to one value alone.
use crate::closed_set as code_enum;
use crate::validation::Invalid;

code_enum!(
    /// Closed groups have a fixed membership; open interest groups are larger.
    CommunityKind { Closed => "closed", Open => "open" }
);
code_enum!(
    /// The unit of a community's meeting cadence (every 1–52 weeks or 1–12
    /// months).
    CadenceUnit { Weeks => "weeks", Months => "months" }
);
code_enum!(
    /// How a community meets.
    DeliveryMode { InPerson => "in_person", Online => "online", Hybrid => "hybrid" }
);
code_enum!(
    /// What the community is organised around (after the CoP literature).
    OrganisedAround { FieldOfPractice => "field_of_practice", SubjectExpertise => "subject_expertise", DomainOfPractice => "domain_of_practice" }
);
code_enum!(
    /// Where a community stands: `proposed → active` by PATCH, archived
    /// with `POST …/archive` (after which it accepts no changes).
    CommunityStatus { Proposed => "proposed", Active => "active", Archived => "archived" }
);
code_enum!(
    /// A member's role in a community. Chair, co-chair and secretary form
    /// the core team; a facilitator (often paid) supports it.
    CommunityRole { Member => "member", Chair => "chair", CoChair => "co_chair", Secretary => "secretary", Facilitator => "facilitator" }
);
code_enum!(
    /// Where an application to join a community stands. `pending`,
    /// `waitlisted` and `offered` are open; the rest are final.
    ApplicationStatus {
        Pending => "pending",
        Waitlisted => "waitlisted",
        Offered => "offered",
        Approved => "approved",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
        Declined => "declined",
        Lapsed => "lapsed",
    }
);
code_enum!(
    /// A manager's decision on a pending or wait-listed application.
    ApplicationDecision { Approve => "approve", Reject => "reject", Waitlist => "waitlist" }
);
code_enum!(
    /// What a decision on an application did: `admitted` (approved; now a
    /// member), `waitlisted_full` (approved, but the community is full),
    /// `waitlisted` (put on the wait-list) or `rejected`.
    ApplicationDecisionOutcome {
        Admitted => "admitted",
        WaitlistedFull => "waitlisted_full",
        Waitlisted => "waitlisted",
        Rejected => "rejected",
    }
);
code_enum!(
    /// Where a community membership stands: `left` (the member left) and
    /// `removed` (by a manager) have ended.
    MembershipStatus { Active => "active", Left => "left", Removed => "removed" }
);
code_enum!(
    /// A version of the Terms of Reference: drafts are approved by a
    /// manager; approving a version supersedes the previously approved one.
    TermsStatus { Draft => "draft", Approved => "approved", Superseded => "superseded" }
);
code_enum!(
    /// Where a proposal for a new community stands.
    ProposalStatus { Pending => "pending", Approved => "approved", Rejected => "rejected" }
);
code_enum!(
    /// A manager's decision on a community proposal.
    ProposalDecision { Approve => "approve", Reject => "reject" }
);
code_enum!(
    /// The representation of a roster export: a JSON page or the whole
    /// roster as an RFC 4180 CSV file.
    ExportFormat { Json => "json", Csv => "csv" }
);

impl CommunityRole {
    /// Chair, co-chair and secretary: the core team (docs/memberships.md).
    pub fn is_core(self) -> bool {
        matches!(self, Self::Chair | Self::CoChair | Self::Secretary)
    }
}

impl CommunityStatus {
    /// The status a new community starts in: `active` unless `proposed` is
    /// asked for. A community cannot be created archived.
    pub fn initial(requested: Option<Self>) -> Result<Self, Invalid> {
        match requested {
            None => Ok(Self::Active),
            Some(s @ (Self::Active | Self::Proposed)) => Ok(s),
            Some(Self::Archived) => {
                Err(Invalid::new("invalid_value", "must be proposed or active"))
            }
        }
    }

    /// A status change asked for by PATCH: `None` when nothing changes,
    /// `proposed → active` is the only move (archiving has its own
    /// operation).
    pub fn change_to(self, to: Self) -> Result<Option<Self>, Invalid> {
        match (self, to) {
            (from, to) if from == to => Ok(None),
            (Self::Proposed, Self::Active) => Ok(Some(Self::Active)),
            (from, to) => Err(Invalid::new(
                "invalid_transition",
                format!("cannot change status from {from} to {to}; archive with POST …/archive"),
            )),
        }
    }
}

impl ApplicationStatus {
    /// Still waiting for something (counts towards "one open application").
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Waitlisted | Self::Offered)
    }
}

impl ApplicationDecision {
    /// A rejection must say why (the reason is sent to the applicant).
    pub fn needs_reason(self) -> bool {
        self == Self::Reject
    }

    /// Approving or wait-listing lets the person in (now or later without
    /// another decision), so an ineligible applicant needs an override.
    pub fn admits(self) -> bool {
        self != Self::Reject
    }
}

impl ProposalDecision {
    /// A rejection must say why (the reason is sent to the proposer).
    pub fn needs_reason(self) -> bool {
        self == Self::Reject
    }

    /// The status the proposal takes.
    pub fn status(self) -> ProposalStatus {
        match self {
            Self::Approve => ProposalStatus::Approved,
            Self::Reject => ProposalStatus::Rejected,
        }
    }
}
