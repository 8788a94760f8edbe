//! Unit tests of the community rules and closed sets.
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
    assert!(D::Reject.needs_reason() && !D::Approve.needs_reason() && !D::Waitlist.needs_reason());
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
