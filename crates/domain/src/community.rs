//! Communities of Practice: their settings, core-team roles, and the
//! application and membership state machines.

use crate::validation::{Invalid, Violations, bounded_text};

pub mod lifecycle;
pub mod terms;

/// Largest capacity a community may have (open interest groups are ~20;
/// this leaves room for big regional groups while catching typos).
pub const MAX_CAPACITY: i32 = 500;
/// Default capacities a network suggests (closed groups 6–10,
/// open interest groups up to 20).
pub const DEFAULT_CLOSED_CAPACITY: i32 = 10;
pub const DEFAULT_OPEN_CAPACITY: i32 = 20;
/// Longest meeting a cadence may describe, in minutes.
pub const MAX_DURATION_MINUTES: i32 = 12 * 60;
/// Largest cadence interval: every 52 weeks or every 12 months.
pub const MAX_CADENCE_WEEKS: i32 = 52;
pub const MAX_CADENCE_MONTHS: i32 = 12;

// Closed sets are defined with `closed_set!` (see `crate::closed`).
pub(crate) use crate::closed_set as code_enum;

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

    /// What the decision does, given whether the community has a place
    /// (only approval looks at capacity).
    pub fn effect(self, place: Admission) -> (ApplicationDecisionOutcome, ApplicationStatus) {
        match (self, place) {
            (Self::Reject, _) => (
                ApplicationDecisionOutcome::Rejected,
                ApplicationStatus::Rejected,
            ),
            (Self::Waitlist, _) => (
                ApplicationDecisionOutcome::Waitlisted,
                ApplicationStatus::Waitlisted,
            ),
            (Self::Approve, Admission::Admit) => (
                ApplicationDecisionOutcome::Admitted,
                ApplicationStatus::Approved,
            ),
            (Self::Approve, Admission::Waitlist) => (
                ApplicationDecisionOutcome::WaitlistedFull,
                ApplicationStatus::Waitlisted,
            ),
        }
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

/// Capacity rule: 1 to [`MAX_CAPACITY`].
pub fn check_capacity(c: i32) -> Result<i32, Invalid> {
    if (1..=MAX_CAPACITY).contains(&c) {
        Ok(c)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 1 and {MAX_CAPACITY}"),
        ))
    }
}

pub fn check_cadence(every: i32, unit: CadenceUnit) -> Result<i32, Invalid> {
    let max = match unit {
        CadenceUnit::Weeks => MAX_CADENCE_WEEKS,
        CadenceUnit::Months => MAX_CADENCE_MONTHS,
    };
    if (1..=max).contains(&every) {
        Ok(every)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 1 and {max} {}", unit.as_str()),
        ))
    }
}

pub fn check_duration(minutes: i32) -> Result<i32, Invalid> {
    if (1..=MAX_DURATION_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 1 and {MAX_DURATION_MINUTES} minutes"),
        ))
    }
}

/// The settings of a community, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub name: String,
    pub focus: String,
    pub audience: String,
    pub organised_around: OrganisedAround,
    pub kind: CommunityKind,
    pub capacity: i32,
    pub fee_note: Option<String>,
    pub cadence_every: i32,
    pub cadence_unit: CadenceUnit,
    pub duration_minutes: i32,
    pub delivery_mode: DeliveryMode,
}

/// Raw settings as a client sends them (all optional, for create and patch).
#[derive(Debug, Clone, Default)]
pub struct RawSettings {
    pub name: Option<String>,
    pub focus: Option<String>,
    pub audience: Option<String>,
    pub organised_around: Option<OrganisedAround>,
    pub kind: Option<CommunityKind>,
    pub capacity: Option<i32>,
    pub fee_note: Option<Option<String>>,
    pub cadence_every: Option<i32>,
    pub cadence_unit: Option<CadenceUnit>,
    pub duration_minutes: Option<i32>,
    pub delivery_mode: Option<DeliveryMode>,
}

impl RawSettings {
    /// Merges onto `base` (None for a create) and validates the result.
    /// A create without a capacity gets the kind's default.
    pub fn apply(
        self,
        base: Option<&Settings>,
        field_prefix: &str,
    ) -> Result<Settings, Violations> {
        let mut v = Violations::new();
        let f = |name: &str| format!("{field_prefix}{name}");
        let required = |v: &mut Violations, name: &str| {
            v.add(&f(name), Invalid::new("required", "is required"))
        };
        let text = |v: &mut Violations,
                    name: &str,
                    raw: Option<String>,
                    current: Option<&String>,
                    max: usize|
         -> Option<String> {
            match (raw, current) {
                (Some(s), _) => v.check(&f(name), bounded_text(&s, 1, max)),
                (None, Some(c)) => Some(c.clone()),
                (None, None) => {
                    required(v, name);
                    None
                }
            }
        };
        let name = text(&mut v, "name", self.name, base.map(|b| &b.name), 200);
        let focus = text(&mut v, "focus", self.focus, base.map(|b| &b.focus), 4000);
        let audience = text(
            &mut v,
            "audience",
            self.audience,
            base.map(|b| &b.audience),
            4000,
        );
        let organised_around = match (self.organised_around, base) {
            (Some(o), _) => Some(o),
            (None, Some(b)) => Some(b.organised_around),
            (None, None) => Some(OrganisedAround::FieldOfPractice),
        };
        let kind = match (self.kind, base) {
            (Some(k), _) => Some(k),
            (None, Some(b)) => Some(b.kind),
            (None, None) => {
                required(&mut v, "kind");
                None
            }
        };
        let capacity = match (self.capacity, base, kind) {
            (Some(c), _, _) => v.check(&f("capacity"), check_capacity(c)),
            (None, Some(b), _) => Some(b.capacity),
            (None, None, Some(CommunityKind::Closed)) => Some(DEFAULT_CLOSED_CAPACITY),
            (None, None, Some(CommunityKind::Open)) => Some(DEFAULT_OPEN_CAPACITY),
            (None, None, None) => None,
        };
        let fee_note = match (self.fee_note, base) {
            (Some(Some(s)), _) => v.check(&f("fee_note"), bounded_text(&s, 1, 500)).map(Some),
            (Some(None), _) => Some(None),
            (None, Some(b)) => Some(b.fee_note.clone()),
            (None, None) => Some(None),
        };
        let cadence_unit = match (self.cadence_unit, base) {
            (Some(u), _) => Some(u),
            (None, Some(b)) => Some(b.cadence_unit),
            (None, None) => {
                required(&mut v, "cadence.unit");
                None
            }
        };
        let cadence_every = match (self.cadence_every, base, cadence_unit) {
            (Some(e), _, Some(u)) => v.check(&f("cadence.every"), check_cadence(e, u)),
            (None, Some(b), Some(u)) => {
                v.check(&f("cadence.every"), check_cadence(b.cadence_every, u))
            }
            (None, None, _) => {
                required(&mut v, "cadence.every");
                None
            }
            (_, _, None) => None,
        };
        let duration_minutes = match (self.duration_minutes, base) {
            (Some(d), _) => v.check(&f("duration_minutes"), check_duration(d)),
            (None, Some(b)) => Some(b.duration_minutes),
            (None, None) => {
                required(&mut v, "duration_minutes");
                None
            }
        };
        let delivery_mode = match (self.delivery_mode, base) {
            (Some(m), _) => Some(m),
            (None, Some(b)) => Some(b.delivery_mode),
            (None, None) => Some(DeliveryMode::Online),
        };
        match (
            name,
            focus,
            audience,
            organised_around,
            kind,
            capacity,
            fee_note,
            cadence_every,
            cadence_unit,
            duration_minutes,
            delivery_mode,
        ) {
            (
                Some(name),
                Some(focus),
                Some(audience),
                Some(organised_around),
                Some(kind),
                Some(capacity),
                Some(fee_note),
                Some(cadence_every),
                Some(cadence_unit),
                Some(duration_minutes),
                Some(delivery_mode),
            ) if v.is_empty() => Ok(Settings {
                name,
                focus,
                audience,
                organised_around,
                kind,
                capacity,
                fee_note,
                cadence_every,
                cadence_unit,
                duration_minutes,
                delivery_mode,
            }),
            _ => Err(v),
        }
    }
}

/// What approving an application does, given the community's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// There is a place: the applicant becomes a member.
    Admit,
    /// The community is full: the application joins the wait-list.
    Waitlist,
}

/// Capacity decision: closed and open groups alike never exceed capacity;
/// `active_members` counts current members (core team included).
pub fn admission(capacity: i32, active_members: u64) -> Admission {
    if active_members < u64::try_from(capacity.max(0)).unwrap_or(0) {
        Admission::Admit
    } else {
        Admission::Waitlist
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closed::ClosedSet;

    fn raw() -> RawSettings {
        RawSettings {
            name: Some("Psychological Practitioners".into()),
            focus: Some("Professional growth".into()),
            audience: Some("PWP, CYWP, EMHP, MHWP".into()),
            kind: Some(CommunityKind::Closed),
            cadence_every: Some(3),
            cadence_unit: Some(CadenceUnit::Months),
            duration_minutes: Some(120),
            ..Default::default()
        }
    }

    #[test]
    fn create_defaults_capacity_by_kind() {
        let s = raw().apply(None, "").unwrap();
        assert_eq!(s.capacity, DEFAULT_CLOSED_CAPACITY);
        let s = RawSettings {
            kind: Some(CommunityKind::Open),
            ..raw()
        }
        .apply(None, "")
        .unwrap();
        assert_eq!(s.capacity, DEFAULT_OPEN_CAPACITY);
    }

    #[test]
    fn rejects_bad_values_by_field() {
        let e = RawSettings {
            capacity: Some(0),
            cadence_every: Some(0),
            duration_minutes: Some(13 * 60),
            ..raw()
        }
        .apply(None, "")
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["capacity", "cadence.every", "duration_minutes"]
        );
        assert!(
            RawSettings {
                capacity: Some(MAX_CAPACITY + 1),
                ..raw()
            }
            .apply(None, "")
            .is_err()
        );
        assert!(
            RawSettings {
                cadence_every: Some(13),
                ..raw()
            }
            .apply(None, "")
            .is_err()
        );
        let missing = RawSettings::default().apply(None, "").unwrap_err();
        assert!(
            missing
                .0
                .iter()
                .any(|x| x.field == "name" && x.code == "required")
        );
    }

    #[test]
    fn patch_keeps_unset_fields() {
        let base = raw().apply(None, "").unwrap();
        let s = RawSettings {
            capacity: Some(8),
            ..Default::default()
        }
        .apply(Some(&base), "")
        .unwrap();
        assert_eq!(s.capacity, 8);
        assert_eq!(s.name, base.name);
        // changing the unit revalidates the kept interval
        let monthly = RawSettings {
            cadence_every: Some(12),
            ..Default::default()
        }
        .apply(Some(&base), "")
        .unwrap();
        assert!(
            RawSettings {
                cadence_unit: Some(CadenceUnit::Weeks),
                ..Default::default()
            }
            .apply(Some(&monthly), "")
            .is_ok()
        );
    }

    #[test]
    fn admission_never_exceeds_capacity() {
        assert_eq!(admission(10, 9), Admission::Admit);
        assert_eq!(admission(10, 10), Admission::Waitlist);
        assert_eq!(admission(10, 11), Admission::Waitlist);
        assert_eq!(admission(0, 0), Admission::Waitlist);
    }

    #[test]
    fn defaults_on_create() {
        let s = raw().apply(None, "").unwrap();
        assert_eq!(s.organised_around, OrganisedAround::FieldOfPractice);
        assert_eq!(s.delivery_mode, DeliveryMode::Online);
        let e = RawSettings {
            kind: None,
            ..raw()
        }
        .apply(None, "")
        .unwrap_err();
        assert_eq!(e.0[0].field, "kind");
        assert_eq!(e.0[0].code, "required");
    }

    #[test]
    fn roles_and_statuses() {
        use CommunityRole as R;
        assert!(R::Chair.is_core() && R::CoChair.is_core() && R::Secretary.is_core());
        assert!(!R::Member.is_core() && !R::Facilitator.is_core());
        assert!(ApplicationStatus::Offered.is_open());
        assert!(!ApplicationStatus::Withdrawn.is_open());
        let open: Vec<_> = ApplicationStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(open, vec!["pending", "waitlisted", "offered"]);
        assert_eq!(R::parse("co_chair"), Some(R::CoChair));
        assert!(
            CommunityKind::parse_field("x")
                .unwrap_err()
                .message
                .contains("closed, open")
        );
        assert_eq!(ExportFormat::allowed(), "json, csv");
    }

    #[test]
    fn community_status_rules() {
        use CommunityStatus as S;
        assert_eq!(S::initial(None), Ok(S::Active));
        assert_eq!(S::initial(Some(S::Proposed)), Ok(S::Proposed));
        let e = S::initial(Some(S::Archived)).unwrap_err();
        assert_eq!(e.code, "invalid_value");
        assert_eq!(e.message, "must be proposed or active");
        assert_eq!(S::Proposed.change_to(S::Active), Ok(Some(S::Active)));
        assert_eq!(S::Active.change_to(S::Active), Ok(None));
        assert_eq!(S::Proposed.change_to(S::Proposed), Ok(None));
        for (from, to) in [
            (S::Active, S::Proposed),
            (S::Active, S::Archived),
            (S::Proposed, S::Archived),
        ] {
            let e = from.change_to(to).unwrap_err();
            assert_eq!(e.code, "invalid_transition");
            assert!(e.message.contains("POST …/archive"), "{}", e.message);
        }
    }

    #[test]
    fn application_decisions() {
        use ApplicationDecision as D;
        use ApplicationDecisionOutcome as O;
        use ApplicationStatus as S;
        assert!(
            D::Reject.needs_reason() && !D::Approve.needs_reason() && !D::Waitlist.needs_reason()
        );
        assert!(D::Approve.admits() && D::Waitlist.admits() && !D::Reject.admits());
        assert_eq!(
            D::Approve.effect(Admission::Admit),
            (O::Admitted, S::Approved)
        );
        assert_eq!(
            D::Approve.effect(Admission::Waitlist),
            (O::WaitlistedFull, S::Waitlisted)
        );
        for place in [Admission::Admit, Admission::Waitlist] {
            assert_eq!(D::Waitlist.effect(place), (O::Waitlisted, S::Waitlisted));
            assert_eq!(D::Reject.effect(place), (O::Rejected, S::Rejected));
        }
        assert_eq!(
            serde_json::from_str::<D>("\"waitlist\"").unwrap(),
            D::Waitlist
        );
        assert_eq!(O::WaitlistedFull.as_str(), "waitlisted_full");
    }

    #[test]
    fn proposal_decisions() {
        assert!(ProposalDecision::Reject.needs_reason());
        assert!(!ProposalDecision::Approve.needs_reason());
        assert_eq!(ProposalDecision::Approve.status(), ProposalStatus::Approved);
        assert_eq!(ProposalDecision::Reject.status(), ProposalStatus::Rejected);
        assert_eq!(
            TermsStatus::parse("superseded"),
            Some(TermsStatus::Superseded)
        );
    }
}
