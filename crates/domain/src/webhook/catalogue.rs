//! The event catalogue: every event type the outbox emits, which is what a
//! webhook subscription may ask for (docs/integrations.md lists them).
//! Emitting an event takes an [`EventType`], so an event cannot be written
//! without being in the catalogue.
use crate::validation::Invalid;

crate::closed_set!(
    /// A kind of event delivered to webhooks.
    EventType {
        ActionStatusChanged => "action.status_changed",
        ApplicationDecided => "application.decided",
        ApplicationLapsed => "application.lapsed",
        ApplicationOfferAccepted => "application.offer_accepted",
        ApplicationOfferDeclined => "application.offer_declined",
        ApplicationOffered => "application.offered",
        ApplicationSubmitted => "application.submitted",
        ApplicationWaitlisted => "application.waitlisted",
        ApplicationWithdrawn => "application.withdrawn",
        BulletinSent => "bulletin.sent",
        CommunityArchived => "community.archived",
        CommunityCreated => "community.created",
        CommunityUpdated => "community.updated",
        ComplaintRaised => "complaint.raised",
        ComplaintStatusChanged => "complaint.status_changed",
        EscalationAcknowledged => "escalation.acknowledged",
        EscalationClosed => "escalation.closed",
        EscalationRaised => "escalation.raised",
        EscalationRouted => "escalation.routed",
        FeedbackSubmitted => "feedback.submitted",
        MatchAccepted => "match.accepted",
        MatchActivated => "match.activated",
        MatchDeclined => "match.declined",
        MatchEnded => "match.ended",
        MatchExpired => "match.expired",
        MatchProposed => "match.proposed",
        MatchingRunCompleted => "matching_run.completed",
        MeetingCancelled => "meeting.cancelled",
        MeetingScheduled => "meeting.scheduled",
        MeetingUpdated => "meeting.updated",
        MembershipApproved => "membership.approved",
        MembershipEnded => "membership.ended",
        MembershipRoleChanged => "membership.role_changed",
        MinutesPublished => "minutes.published",
        NetworkCreated => "network.created",
        NetworkMemberJoined => "network.member_joined",
        NetworkMemberRemoved => "network.member_removed",
        NetworkMemberRoleChanged => "network.member_role_changed",
        NetworkUpdated => "network.updated",
        ProgrammeCreated => "programme.created",
        ProposalDecided => "proposal.decided",
        ProposalSubmitted => "proposal.submitted",
        SafeguardingConcernRaised => "safeguarding.concern_raised",
        TermsApproved => "terms.approved",
        /// The test event `POST /v1/webhooks/{id}/ping` sends; delivered to
        /// that subscription whatever it asked for.
        WebhookPing => "webhook.ping",
    }
);

/// The wildcard: every event type, including ones added later.
pub const ALL_EVENTS: &str = "*";

/// Most entries in a subscription's `event_types`.
pub const MAX_EVENT_TYPES: usize = 50;

impl EventType {
    /// One line for the catalogue (docs and the OpenAPI `webhooks` section).
    pub fn summary(self) -> &'static str {
        use EventType::*;
        match self {
            ActionStatusChanged => "An action from minutes changed status.",
            ApplicationDecided => "A CoP application was approved or declined.",
            ApplicationLapsed => "An offer of a place lapsed unanswered.",
            ApplicationOfferAccepted => "An applicant accepted the place offered.",
            ApplicationOfferDeclined => "An applicant declined the place offered.",
            ApplicationOffered => "A waitlisted applicant was offered a place.",
            ApplicationSubmitted => "Someone applied to join a CoP.",
            ApplicationWaitlisted => "An application was put on the waiting list.",
            ApplicationWithdrawn => "An application was withdrawn.",
            BulletinSent => "The network bulletin was emailed to members.",
            CommunityArchived => "A CoP was archived.",
            CommunityCreated => "A CoP was created.",
            CommunityUpdated => "A CoP's details changed.",
            ComplaintRaised => "A complaint was raised (no complaint text).",
            ComplaintStatusChanged => "A complaint moved to a new status.",
            EscalationAcknowledged => "A governance body acknowledged an escalation.",
            EscalationClosed => "An escalation was closed.",
            EscalationRaised => "A feedback point was escalated.",
            EscalationRouted => "An escalation was routed to a governance body.",
            FeedbackSubmitted => "A post-meeting feedback form was filed.",
            MatchAccepted => "One side accepted a proposed peer-support match.",
            MatchActivated => "Both sides accepted: the match is active.",
            MatchDeclined => "A side declined a proposed match.",
            MatchEnded => "An active match ended.",
            MatchExpired => "A proposed match expired unanswered.",
            MatchProposed => "A match was proposed.",
            MatchingRunCompleted => "A matching run finished.",
            MeetingCancelled => "A meeting was cancelled.",
            MeetingScheduled => "A meeting was scheduled.",
            MeetingUpdated => "A meeting's time, place or agenda changed.",
            MembershipApproved => "Someone became a CoP member.",
            MembershipEnded => "A CoP membership ended.",
            MembershipRoleChanged => "A CoP member's role changed.",
            MinutesPublished => "Chair-approved minutes were published.",
            NetworkCreated => "A network was created.",
            NetworkMemberJoined => "Someone joined the network.",
            NetworkMemberRemoved => "Someone left or was removed from the network.",
            NetworkMemberRoleChanged => "A network member's role changed.",
            NetworkUpdated => "The network's settings changed.",
            ProgrammeCreated => "A peer-support programme was created.",
            ProposalDecided => "A CoP proposal was approved or declined.",
            ProposalSubmitted => "A CoP proposal was submitted.",
            SafeguardingConcernRaised => {
                "A safeguarding concern was raised (identifiers and time only)."
            }
            TermsApproved => "A CoP's Terms of Reference version was approved.",
            WebhookPing => "A test event sent on request.",
        }
    }

    /// Fields of the stored event that are never sent to a webhook. A
    /// safeguarding concern goes out as identifiers and a time only: who
    /// raised it, its lead and its category stay inside PeerHub.
    pub fn withheld_fields(self) -> &'static [&'static str] {
        match self {
            EventType::SafeguardingConcernRaised => {
                &["category", "raised_by", "lead_id", "programme_name"]
            }
            _ => &[],
        }
    }

    /// May a subscription ask for it by name? The ping goes only to the
    /// subscription pinged.
    pub fn subscribable(self) -> bool {
        self != EventType::WebhookPing
    }
}

/// What a subscription receives: every event, or the listed types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Only(Vec<EventType>),
}

impl EventFilter {
    /// Parses `event_types`: `["*"]`, or 1–[`MAX_EVENT_TYPES`] distinct
    /// catalogue types (duplicates are folded). `*` cannot be combined.
    pub fn parse(raw: &[String]) -> Result<Self, Invalid> {
        if raw.is_empty() {
            return Err(Invalid::new(
                "required",
                "must list at least one event type, or \"*\" for all",
            ));
        }
        if raw.len() > MAX_EVENT_TYPES {
            return Err(Invalid::new(
                "too_many",
                format!("must have at most {MAX_EVENT_TYPES} items"),
            ));
        }
        if raw.iter().any(|r| r.trim() == ALL_EVENTS) {
            return if raw.len() == 1 {
                Ok(EventFilter::All)
            } else {
                Err(Invalid::new(
                    "invalid_value",
                    "\"*\" means every event type and cannot be combined with others",
                ))
            };
        }
        let mut out: Vec<EventType> = Vec::with_capacity(raw.len());
        for (i, r) in raw.iter().enumerate() {
            let t = EventType::parse(r.trim())
                .filter(|t| t.subscribable())
                .ok_or_else(|| {
                    Invalid::new(
                        "unknown_event_type",
                        format!(
                            "item {i} is not an event type; allowed: *, {}",
                            subscribable_codes().join(", ")
                        ),
                    )
                })?;
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out.sort();
        Ok(EventFilter::Only(out))
    }

    /// Does this filter want `t`?
    pub fn wants(&self, t: EventType) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Only(ts) => ts.contains(&t),
        }
    }

    /// The stored and wire form: `["*"]` or the type codes.
    pub fn codes(&self) -> Vec<String> {
        match self {
            EventFilter::All => vec![ALL_EVENTS.to_owned()],
            EventFilter::Only(ts) => ts.iter().map(|t| t.as_str().to_owned()).collect(),
        }
    }
}

/// The codes a subscription may name.
pub fn subscribable_codes() -> Vec<&'static str> {
    EventType::ALL
        .iter()
        .filter(|t| t.subscribable())
        .map(|t| t.as_str())
        .collect()
}

/// The body a webhook receives: `{type, timestamp, data}` (Standard
/// Webhooks), with the withheld fields of `t` removed from `data`.
pub fn body(
    t: EventType,
    timestamp: chrono::DateTime<chrono::Utc>,
    mut data: serde_json::Value,
) -> serde_json::Value {
    if let Some(obj) = data.as_object_mut() {
        for f in t.withheld_fields() {
            obj.remove(*f);
        }
    }
    serde_json::json!({
        "type": t.as_str(),
        "timestamp": timestamp.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn filters_parse_strictly() {
        assert_eq!(EventFilter::parse(&s(&["*"])), Ok(EventFilter::All));
        assert_eq!(
            EventFilter::parse(&s(&[
                "meeting.scheduled",
                " meeting.scheduled",
                "bulletin.sent"
            ])),
            Ok(EventFilter::Only(vec![
                EventType::BulletinSent,
                EventType::MeetingScheduled
            ]))
        );
        assert_eq!(EventFilter::parse(&[]).unwrap_err().code, "required");
        assert_eq!(
            EventFilter::parse(&s(&["*", "meeting.scheduled"]))
                .unwrap_err()
                .code,
            "invalid_value"
        );
        let e = EventFilter::parse(&s(&["meeting.moved"])).unwrap_err();
        assert_eq!(e.code, "unknown_event_type");
        assert!(e.message.contains("meeting.scheduled"));
        assert_eq!(
            EventFilter::parse(&s(&["webhook.ping"])).unwrap_err().code,
            "unknown_event_type"
        );
        let many: Vec<String> = (0..=MAX_EVENT_TYPES).map(|_| "x".to_owned()).collect();
        assert_eq!(EventFilter::parse(&many).unwrap_err().code, "too_many");
    }

    #[test]
    fn filters_want_what_they_name() {
        let f = EventFilter::Only(vec![EventType::MeetingScheduled]);
        assert!(f.wants(EventType::MeetingScheduled));
        assert!(!f.wants(EventType::MeetingCancelled));
        assert!(EventFilter::All.wants(EventType::MeetingCancelled));
        assert_eq!(f.codes(), vec!["meeting.scheduled"]);
        assert_eq!(EventFilter::All.codes(), vec!["*"]);
    }

    #[test]
    fn every_type_has_a_summary_and_a_dotted_code() {
        for t in EventType::ALL {
            assert!(t.summary().ends_with('.'), "{t:?}");
            assert!(t.as_str().contains('.'), "{t:?}");
        }
    }

    #[test]
    fn concern_bodies_carry_identifiers_only() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let b = body(
            EventType::SafeguardingConcernRaised,
            at,
            serde_json::json!({"concern_id": "c", "category": "neglect", "raised_by": "u", "lead_id": "l", "programme_name": "P"}),
        );
        assert_eq!(
            b,
            serde_json::json!({"type": "safeguarding.concern_raised", "timestamp": "2026-12-06T10:00:00.000Z", "data": {"concern_id": "c"}})
        );
        let b = body(EventType::MeetingScheduled, at, serde_json::json!({"a": 1}));
        assert_eq!(b["data"], serde_json::json!({"a": 1}));
    }
}
