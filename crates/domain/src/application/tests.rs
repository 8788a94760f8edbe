use chrono::TimeZone;

use super::*;
use crate::eligibility::EligibilityVerdict;

use ApplicationDecision as D;
use ApplicationStatus as S;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
}

fn assessment(verdict: EligibilityVerdict) -> Assessment {
    Assessment {
        verdict,
        checks: vec![Check {
            rule: "regions".into(),
            outcome: if verdict == EligibilityVerdict::Ineligible {
                EligibilityOutcome::NotMet
            } else {
                EligibilityOutcome::Met
            },
            reason: "region is not one of: leeds".into(),
        }],
    }
}

fn terms(verdict: EligibilityVerdict) -> TermsAssessment {
    TermsAssessment {
        number: 1,
        assessment: assessment(verdict),
    }
}

fn state(status: ApplicationStatus) -> DecisionState {
    DecisionState {
        status,
        community: CommunityStatus::Active,
        capacity: 2,
        places_taken: 0,
        terms: Some(terms(EligibilityVerdict::Eligible)),
    }
}

fn req(decision: ApplicationDecision) -> DecisionRequest {
    DecisionRequest::parse(decision, Some("because".into()), None).unwrap()
}

#[test]
fn submit_rules_in_order() {
    let ok = SubmitState {
        community: CommunityStatus::Active,
        has_approved_terms: true,
        is_member: false,
        open_application: None,
    };
    assert_eq!(submit(ok), Ok(S::Pending));
    let e = submit(SubmitState {
        community: CommunityStatus::Proposed,
        has_approved_terms: false,
        ..ok
    })
    .unwrap_err();
    assert_eq!(e, Refusal::CommunityNotActive(CommunityStatus::Proposed));
    assert_eq!(e.code(), "community-not-active");
    assert_eq!(
        e.message(),
        "the community is proposed, and takes applications only while active"
    );
    let e = submit(SubmitState {
        has_approved_terms: false,
        is_member: true,
        ..ok
    })
    .unwrap_err();
    assert_eq!(e.code(), "no-approved-terms");
    assert!(e.message().ends_with("so it cannot take applications"));
    let e = submit(SubmitState {
        is_member: true,
        open_application: Some("a1"),
        ..ok
    })
    .unwrap_err();
    assert_eq!(e.code(), "already-member");
    let e = submit(SubmitState {
        open_application: Some("a1"),
        ..ok
    })
    .unwrap_err();
    assert_eq!(e.code(), "application-open");
    assert_eq!(
        e.message(),
        "you already have an open application to this community (a1)"
    );
    assert_eq!(
        Refusal::ApplicationOpen(None).message(),
        "you already have an open application to this community"
    );
}

#[test]
fn statement_is_optional_and_bounded() {
    assert_eq!(statement(None), Ok(None));
    assert_eq!(statement(Some("  ".into())), Ok(None));
    assert_eq!(statement(Some(" hi ".into())), Ok(Some("hi".into())));
    let e = statement(Some("x".repeat(MAX_STATEMENT_CHARS + 1))).unwrap_err();
    assert_eq!(e.0[0].field, "statement");
}

#[test]
fn rejecting_needs_a_reason() {
    let e = DecisionRequest::parse(D::Reject, Some(" ".into()), None).unwrap_err();
    assert_eq!(e.0[0].field, "reason");
    assert_eq!(e.0[0].code, "required");
    assert_eq!(e.0[0].message, "is required to reject an application");
    assert!(DecisionRequest::parse(D::Approve, None, None).is_ok());
    // A too-long reason is reported alone, not also as missing.
    let e = DecisionRequest::parse(D::Reject, Some("x".repeat(MAX_REASON_CHARS + 1)), None)
        .unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert_eq!(e.0[0].code, "too_long");
    let e = DecisionRequest::parse(D::Approve, None, Some("x".repeat(MAX_REASON_CHARS + 1)))
        .unwrap_err();
    assert_eq!(e.0[0].field, "override_reason");
}

#[test]
fn only_pending_or_waitlisted_can_be_decided() {
    for s in [
        S::Offered,
        S::Approved,
        S::Rejected,
        S::Withdrawn,
        S::Declined,
        S::Lapsed,
    ] {
        let e = decide(&state(s), &req(D::Approve)).unwrap_err();
        assert_eq!(e, Refusal::NotPending(s));
        assert_eq!(e.code(), "application-not-pending");
        assert_eq!(
            e.message(),
            format!(
                "the application is {s}; only pending or wait-listed applications can be decided"
            )
        );
    }
    let e = decide(&state(S::Waitlisted), &req(D::Waitlist)).unwrap_err();
    assert_eq!(e, Refusal::AlreadyWaitlisted);
    assert_eq!(e.code(), "already-waitlisted");
}

#[test]
fn deciding_needs_approved_terms() {
    let s = DecisionState {
        terms: None,
        ..state(S::Pending)
    };
    let e = decide(&s, &req(D::Reject)).unwrap_err();
    assert_eq!(e.code(), "no-approved-terms");
    assert_eq!(
        e.message(),
        "the community has no approved Terms of Reference"
    );
}

#[test]
fn ineligible_needs_an_override_to_admit() {
    let s = DecisionState {
        terms: Some(terms(EligibilityVerdict::Ineligible)),
        ..state(S::Pending)
    };
    for d in [D::Approve, D::Waitlist] {
        let e = decide(&s, &req(d)).unwrap_err();
        assert_eq!(e.code(), "override_required");
        assert!(e.message().contains("(region is not one of: leeds)"));
        let crate::Refusal::Invalid(v) = crate::Refusal::from(e) else {
            panic!("not invalid")
        };
        assert_eq!(v.0[0].field, "override_reason");
    }
    // Rejecting an ineligible applicant needs no override.
    assert!(decide(&s, &req(D::Reject)).is_ok());
    let r = DecisionRequest::parse(D::Approve, None, Some("known to us".into())).unwrap();
    let d = decide(&s, &r).unwrap();
    assert_eq!(d.override_reason.as_deref(), Some("known to us"));
}

#[test]
fn only_an_active_community_admits() {
    for c in [CommunityStatus::Proposed, CommunityStatus::Archived] {
        let s = DecisionState {
            community: c,
            ..state(S::Pending)
        };
        let e = decide(&s, &req(D::Approve)).unwrap_err();
        assert_eq!(e, Refusal::CommunityClosed(c));
        assert_eq!(e.code(), "community-not-active");
        assert_eq!(
            e.message(),
            format!("the community is {c}; nobody can join it")
        );
        assert!(decide(&s, &req(D::Waitlist)).is_err());
        assert!(decide(&s, &req(D::Reject)).is_ok());
    }
}

#[test]
fn decision_transitions() {
    use ApplicationDecisionOutcome as O;
    let d = decide(&state(S::Pending), &req(D::Approve)).unwrap();
    assert_eq!((d.outcome, d.status), (O::Admitted, S::Approved));
    assert!(d.admits_now());
    let full = DecisionState {
        places_taken: 2,
        ..state(S::Waitlisted)
    };
    let d = decide(&full, &req(D::Approve)).unwrap();
    assert_eq!((d.outcome, d.status), (O::WaitlistedFull, S::Waitlisted));
    assert!(!d.admits_now());
    let d = decide(&state(S::Pending), &req(D::Waitlist)).unwrap();
    assert_eq!((d.outcome, d.status), (O::Waitlisted, S::Waitlisted));
    let r = DecisionRequest::parse(D::Reject, Some("no".into()), Some("x".into())).unwrap();
    let d = decide(&state(S::Waitlisted), &r).unwrap();
    assert_eq!((d.outcome, d.status), (O::Rejected, S::Rejected));
    assert_eq!(d.override_reason, None, "a rejection keeps no override");
}

#[test]
fn withdraw_transitions() {
    assert_eq!(
        withdraw(S::Pending),
        Ok(Withdrawal {
            status: S::Withdrawn,
            frees_place: false
        })
    );
    assert!(!withdraw(S::Waitlisted).unwrap().frees_place);
    assert!(withdraw(S::Offered).unwrap().frees_place);
    for s in [
        S::Approved,
        S::Rejected,
        S::Withdrawn,
        S::Declined,
        S::Lapsed,
    ] {
        let e = withdraw(s).unwrap_err();
        assert_eq!(e.code(), "application-not-open");
        assert_eq!(
            e.message(),
            format!(
                "the application is {s}; only pending, wait-listed or offered applications can be withdrawn"
            )
        );
    }
}

fn offer(expires_in_hours: Option<i64>) -> OfferState {
    OfferState {
        status: S::Offered,
        expires_at: expires_in_hours.map(|h| now() + Duration::hours(h)),
        community: CommunityStatus::Active,
        capacity: 3,
        taken_by_others: 2,
    }
}

#[test]
fn accepting_an_offer() {
    assert_eq!(
        accept_offer(offer(Some(1)), now()),
        Ok(Acceptance::Admitted)
    );
    assert_eq!(Acceptance::Admitted.status(), S::Approved);
    assert_eq!(accept_offer(offer(Some(0)), now()), Ok(Acceptance::Lapsed));
    assert_eq!(accept_offer(offer(Some(-1)), now()), Ok(Acceptance::Lapsed));
    assert_eq!(accept_offer(offer(None), now()), Ok(Acceptance::Lapsed));
    assert_eq!(Acceptance::Lapsed.status(), S::Lapsed);
    let full = OfferState {
        taken_by_others: 3,
        ..offer(Some(1))
    };
    assert_eq!(accept_offer(full, now()), Ok(Acceptance::BackOnWaitlist));
    assert_eq!(Acceptance::BackOnWaitlist.status(), S::Waitlisted);
    let archived = OfferState {
        community: CommunityStatus::Archived,
        ..offer(Some(1))
    };
    assert_eq!(
        accept_offer(archived, now()),
        Ok(Acceptance::BackOnWaitlist)
    );
    let e = accept_offer(
        OfferState {
            status: S::Pending,
            ..offer(Some(1))
        },
        now(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "application-not-offered");
    assert_eq!(
        e.message(),
        "the application is pending; there is no offer to answer"
    );
}

#[test]
fn declining_an_offer() {
    assert_eq!(decline_offer(S::Offered), Ok(S::Declined));
    for s in [S::Pending, S::Waitlisted, S::Approved, S::Lapsed] {
        assert_eq!(decline_offer(s), Err(Refusal::NotOffered(s)));
    }
}

#[test]
fn offers_expire_after_the_ttl() {
    assert_eq!(offer_expiry(now()), now() + Duration::days(OFFER_TTL_DAYS));
    assert!(!offer_lapsed(Some(offer_expiry(now())), now()));
    assert!(offer_lapsed(Some(now()), now()));
}

#[test]
fn free_places_go_to_the_wait_list_only_while_active() {
    assert_eq!(places_to_offer(CommunityStatus::Active, 5, 3), 2);
    assert_eq!(places_to_offer(CommunityStatus::Active, 5, 5), 0);
    assert_eq!(places_to_offer(CommunityStatus::Active, 5, 7), 0);
    assert_eq!(places_to_offer(CommunityStatus::Active, 0, 0), 0);
    assert_eq!(places_to_offer(CommunityStatus::Proposed, 5, 0), 0);
    assert_eq!(places_to_offer(CommunityStatus::Archived, 5, 0), 0);
}

#[test]
fn refusals_map_to_conflicts() {
    let r: crate::Refusal = Refusal::AlreadyMember.into();
    assert_eq!(
        r,
        crate::Refusal::conflict(
            "already-member",
            "you are already a member of this community"
        )
    );
    assert_eq!(open_statuses(), vec![S::Pending, S::Waitlisted, S::Offered]);
}

#[test]
fn a_decision_carries_the_terms_it_was_made_by() {
    let mut s = state(S::Pending);
    s.terms = Some(TermsAssessment {
        number: 3,
        assessment: assessment(EligibilityVerdict::NeedsReview),
    });
    for d in [D::Approve, D::Waitlist, D::Reject] {
        let made = decide(&s, &req(d)).unwrap();
        assert_eq!(made.terms, s.terms.clone().unwrap());
    }
}
