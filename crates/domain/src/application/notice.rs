//! The wording of the notices an applicant is sent (docs/memberships.md).
use chrono::{DateTime, Utc};

use super::OFFER_TTL_DAYS;
use crate::community::ApplicationDecisionOutcome;

/// An email's subject and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
}

/// The notice about a decision, with its topic and the reasons it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionNotice {
    pub topic: &'static str,
    pub notice: Notice,
    pub reasons: Vec<String>,
}

/// The applicant's notice about a decision. A rejection lists the
/// reviewer's reason and the eligibility checks not met; other outcomes
/// add the reviewer's reason as a note.
pub fn decided(
    community: &str,
    capacity: i32,
    outcome: ApplicationDecisionOutcome,
    reason: Option<&str>,
    failed_checks: Vec<String>,
) -> DecisionNotice {
    use ApplicationDecisionOutcome as O;
    let mut reasons: Vec<String> = reason.map(str::to_owned).into_iter().collect();
    let (topic, subject, body) = match outcome {
        O::Admitted => (
            "application.approved",
            format!("Welcome to {community}"),
            format!(
                "Your application to join {community} has been approved. You are now a member."
            ),
        ),
        O::WaitlistedFull | O::Waitlisted => (
            "application.waitlisted",
            format!("You are on the wait-list for {community}"),
            format!(
                "{} You are on the wait-list, in order of application. When a place becomes free \
                 it will be offered to you by email, and you will have {OFFER_TTL_DAYS} days to accept it.",
                if outcome == O::WaitlistedFull {
                    format!(
                        "Your application to join {community} has been approved, but the community is full \
                         ({capacity} places)."
                    )
                } else {
                    format!(
                        "Your application to join {community} has been placed on its wait-list."
                    )
                }
            ),
        ),
        O::Rejected => {
            reasons.extend(failed_checks);
            (
                "application.rejected",
                format!("Your application to join {community}"),
                format!(
                    "Your application to join {community} has not been approved. Reasons: {}",
                    reasons.join("; ")
                ),
            )
        }
    };
    let body = if outcome != O::Rejected && !reasons.is_empty() {
        format!("{body} Note from the reviewer: {}", reasons.join("; "))
    } else {
        body
    };
    DecisionNotice {
        topic,
        notice: Notice { subject, body },
        reasons,
    }
}

/// A place is offered to the first person waiting.
pub fn offered(community: &str, application_id: &str, expires: DateTime<Utc>) -> Notice {
    Notice {
        subject: format!("A place is free in {community}"),
        body: format!(
            "A place has become free in {community}, and you are first on its wait-list. \
             Accept it with POST /v1/applications/{application_id}/accept-offer (or decline it with \
             POST /v1/applications/{application_id}/decline-offer) by {} UTC; after that the offer \
             lapses and the place goes to the next person waiting.",
            expires.format("%Y-%m-%d %H:%M")
        ),
    }
}

/// The applicant accepted an offered place.
pub fn offer_accepted(community: &str) -> Notice {
    Notice {
        subject: format!("Welcome to {community}"),
        body: format!("You accepted the place offered in {community}. You are now a member."),
    }
}

/// An offered place was not accepted in time.
pub fn offer_lapsed(community: &str) -> Notice {
    Notice {
        subject: format!("Your offered place in {community} has lapsed"),
        body: format!(
            "The place offered to you in {community} was not accepted within {OFFER_TTL_DAYS} days, \
             so the offer has lapsed and the place has gone to the next person waiting. \
             You are welcome to apply again."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn admitted_welcomes_and_notes_the_reason() {
        let n = decided(
            "Leeds PWPs",
            8,
            ApplicationDecisionOutcome::Admitted,
            Some("welcome"),
            vec!["ignored".into()],
        );
        assert_eq!(n.topic, "application.approved");
        assert_eq!(n.notice.subject, "Welcome to Leeds PWPs");
        assert_eq!(
            n.notice.body,
            "Your application to join Leeds PWPs has been approved. You are now a member. \
             Note from the reviewer: welcome"
        );
        assert_eq!(n.reasons, vec!["welcome".to_owned()]);
    }

    #[test]
    fn waitlisted_full_names_the_capacity() {
        let n = decided(
            "C",
            6,
            ApplicationDecisionOutcome::WaitlistedFull,
            None,
            vec![],
        );
        assert_eq!(n.topic, "application.waitlisted");
        assert_eq!(n.notice.subject, "You are on the wait-list for C");
        assert_eq!(
            n.notice.body,
            "Your application to join C has been approved, but the community is full (6 places). \
             You are on the wait-list, in order of application. When a place becomes free it will \
             be offered to you by email, and you will have 7 days to accept it."
        );
        let n = decided("C", 6, ApplicationDecisionOutcome::Waitlisted, None, vec![]);
        assert!(
            n.notice.body.starts_with(
                "Your application to join C has been placed on its wait-list. You are"
            )
        );
        assert!(n.reasons.is_empty());
    }

    #[test]
    fn rejection_lists_reason_then_failed_checks() {
        let n = decided(
            "C",
            6,
            ApplicationDecisionOutcome::Rejected,
            Some("not a fit"),
            vec!["wrong region".into()],
        );
        assert_eq!(n.topic, "application.rejected");
        assert_eq!(n.notice.subject, "Your application to join C");
        assert_eq!(
            n.notice.body,
            "Your application to join C has not been approved. Reasons: not a fit; wrong region"
        );
        assert_eq!(n.reasons.len(), 2);
    }

    #[test]
    fn offer_notices() {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap();
        let n = offered("C", "app1", at);
        assert_eq!(n.subject, "A place is free in C");
        assert!(n.body.contains("POST /v1/applications/app1/accept-offer"));
        assert!(n.body.contains("POST /v1/applications/app1/decline-offer"));
        assert!(n.body.contains("by 2026-03-04 05:06 UTC;"));
        assert_eq!(offer_accepted("C").subject, "Welcome to C");
        assert_eq!(
            offer_accepted("C").body,
            "You accepted the place offered in C. You are now a member."
        );
        let l = offer_lapsed("C");
        assert_eq!(l.subject, "Your offered place in C has lapsed");
        assert!(l.body.contains("not accepted within 7 days"));
    }
}
