//! Escalations: points of a feedback form that need action by governance
//! (docs/governance.md), triaged by the network's managers.
//!
//! ```text
//! raised ──route (to a body, note)──▶ routed ──acknowledge (the body's response)──▶ acknowledged
//!   │                                  │  ▲                                              │
//!   │                                  └──┘ re-route (note)                               │
//!   └──close (note: why it is not for escalation)──▶ closed ◀──close (outcome)───────────┘
//!                                                    ▲
//!                           routed ──close (outcome)─┘
//! ```
//!
//! Every move needs a note (the routing reason, the body's response, the
//! outcome, or why a raised point is not for escalation); `closed` is
//! final. An escalation is overdue while it is not closed and was raised
//! more than the network's `escalation_overdue_days` ago.
use chrono::{DateTime, Duration, Utc};

use super::feedback::parse_text;
use crate::closed_set;
use crate::validation::Invalid;

closed_set!(
    /// Where an escalation stands.
    EscalationStatus {
        Raised => "raised",
        Routed => "routed",
        Acknowledged => "acknowledged",
        Closed => "closed",
    }
);

/// Longest note on a transition, in characters.
pub const MAX_NOTE: usize = 2000;
/// Days after which an open escalation is overdue, unless the network sets
/// its own.
pub const DEFAULT_OVERDUE_DAYS: i32 = 30;
/// Allowed range of a network's `escalation_overdue_days`.
pub const OVERDUE_DAYS: std::ops::RangeInclusive<i32> = 1..=365;

impl EscalationStatus {
    /// The statuses an escalation in this status may move to, in
    /// declaration order.
    pub fn allowed_next(self) -> &'static [EscalationStatus] {
        use EscalationStatus::*;
        match self {
            Raised => &[Routed, Closed],
            Routed => &[Routed, Acknowledged, Closed],
            Acknowledged => &[Closed],
            Closed => &[],
        }
    }
}

/// How a body named by `routed_to` stands in the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyStanding {
    /// No body of the network has this key (or it was removed).
    Unknown,
    /// The body is retired: nothing new is routed to it.
    Retired,
    /// The body takes escalations.
    Active,
}

/// A requested move: the new status, the body (routing only) and the note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub to: EscalationStatus,
    pub routed_to: Option<&'a str>,
    /// How the body named by `routed_to` stands (ignored without one).
    pub body: BodyStanding,
    pub note: Option<&'a str>,
}

/// What a move writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: EscalationStatus,
    /// The body the escalation is routed to after the move (kept from
    /// before unless re-routed).
    pub routed_to: Option<String>,
    /// The note, checked and trimmed.
    pub note: String,
    /// The move closes the escalation.
    pub closes: bool,
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationRefusal {
    /// A move the workflow does not allow (409 `invalid-transition`, naming
    /// the allowed next statuses).
    NotAllowed {
        from: EscalationStatus,
        to: EscalationStatus,
    },
    /// Routing without a body (422 `routed_to` `required`).
    BodyRequired,
    /// A body on a move that is not routing (422 `routed_to`
    /// `not_allowed`).
    BodyNotAllowed,
    /// No such body in the network (422 `routed_to` `unknown_body`).
    UnknownBody,
    /// The body is retired (422 `routed_to` `retired_body`).
    RetiredBody,
    /// The note is missing or invalid (422 `note`).
    Note(Invalid),
    /// A point that is already an escalation (409 `already-escalated`).
    AlreadyEscalated,
}

impl EscalationRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAllowed { .. } => "invalid-transition",
            Self::BodyRequired => "required",
            Self::BodyNotAllowed => "not_allowed",
            Self::UnknownBody => "unknown_body",
            Self::RetiredBody => "retired_body",
            Self::Note(i) => i.code,
            Self::AlreadyEscalated => "already-escalated",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::NotAllowed { from, to } => {
                let next: Vec<&str> = from.allowed_next().iter().map(|s| s.as_str()).collect();
                if next.is_empty() {
                    format!(
                        "an escalation cannot move from {} to {}; a closed escalation is final",
                        from.as_str(),
                        to.as_str()
                    )
                } else {
                    format!(
                        "an escalation cannot move from {} to {}; allowed next: {}",
                        from.as_str(),
                        to.as_str(),
                        next.join(", ")
                    )
                }
            }
            Self::BodyRequired => {
                "routing needs routed_to: the key of one of the network's governance bodies".into()
            }
            Self::BodyNotAllowed => "routed_to is only sent when routing (status routed)".into(),
            Self::UnknownBody => "no governance body of this network has this key".into(),
            Self::RetiredBody => "this governance body is retired; route to another one".into(),
            Self::Note(i) => i.message.clone(),
            Self::AlreadyEscalated => "this point has already been escalated".into(),
        }
    }
}

impl From<EscalationRefusal> for crate::Refusal {
    fn from(r: EscalationRefusal) -> Self {
        match &r {
            EscalationRefusal::NotAllowed { from, .. } => crate::Refusal::transition(
                r.code(),
                r.message(),
                from.allowed_next().iter().map(|s| s.as_str()).collect(),
            ),
            EscalationRefusal::AlreadyEscalated => crate::Refusal::conflict(r.code(), r.message()),
            EscalationRefusal::Note(_) => crate::Refusal::invalid("note", r.code(), r.message()),
            _ => crate::Refusal::invalid("routed_to", r.code(), r.message()),
        }
    }
}

/// The move from `current` that `request` asks for: the transition must be
/// allowed ([`EscalationStatus::allowed_next`]), routing names an active
/// body and nothing else names one, and every move carries a note of 1–
/// [`MAX_NOTE`] characters.
pub fn next(
    current: EscalationStatus,
    current_body: Option<&str>,
    request: &Request<'_>,
) -> Result<Outcome, EscalationRefusal> {
    use EscalationStatus::*;
    if !current.allowed_next().contains(&request.to) {
        return Err(EscalationRefusal::NotAllowed {
            from: current,
            to: request.to,
        });
    }
    let routed_to = if request.to == Routed {
        let key = request.routed_to.ok_or(EscalationRefusal::BodyRequired)?;
        match request.body {
            BodyStanding::Unknown => return Err(EscalationRefusal::UnknownBody),
            BodyStanding::Retired => return Err(EscalationRefusal::RetiredBody),
            BodyStanding::Active => Some(key.to_owned()),
        }
    } else {
        if request.routed_to.is_some() {
            return Err(EscalationRefusal::BodyNotAllowed);
        }
        current_body.map(str::to_owned)
    };
    let note = parse_text(request.note.unwrap_or(""), MAX_NOTE).map_err(EscalationRefusal::Note)?;
    Ok(Outcome {
        status: request.to,
        routed_to,
        note,
        closes: request.to == Closed,
    })
}

/// Overdue: not closed, and raised more than `overdue_days` days before
/// `now`.
pub fn is_overdue(
    status: EscalationStatus,
    raised_at: DateTime<Utc>,
    overdue_days: i32,
    now: DateTime<Utc>,
) -> bool {
    status != EscalationStatus::Closed && now - raised_at > Duration::days(i64::from(overdue_days))
}

/// The latest `raised_at` that is overdue at `now` (for list queries: an
/// open escalation raised before this instant is overdue).
pub fn overdue_before(overdue_days: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(i64::from(overdue_days))
}

/// A network's `escalation_overdue_days`: a whole number in
/// [`OVERDUE_DAYS`].
pub fn parse_overdue_days(days: i32) -> Result<i32, Invalid> {
    if OVERDUE_DAYS.contains(&days) {
        Ok(days)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!(
                "must be between {} and {}",
                OVERDUE_DAYS.start(),
                OVERDUE_DAYS.end()
            ),
        ))
    }
}

/// A notice's subject and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
}

/// The one email each manager gets when a form raises escalations:
/// `community` and `meeting_date` say where from, `points` lists the
/// raised points as (escalation id, kind, text).
pub fn raised_notice(
    community: &str,
    meeting_date: &str,
    points: &[(String, &str, String)],
) -> Notice {
    let list: Vec<String> = points
        .iter()
        .map(|(id, kind, text)| format!("- [{kind}] {text}\n  (escalation {id})"))
        .collect();
    Notice {
        subject: format!(
            "{} escalation{} raised by {community}",
            points.len(),
            if points.len() == 1 { "" } else { "s" }
        ),
        body: format!(
            "The feedback form of the {community} meeting on {meeting_date} raised these escalations:\n\n{}\n\nTriage them with GET /v1/escalations?status=raised and PATCH /v1/escalations/{{id}}.",
            list.join("\n")
        ),
    }
}

/// The email a governance body's contact gets when an escalation is routed
/// to it.
pub fn routed_notice(
    body_name: &str,
    community: &str,
    kind: &str,
    text: &str,
    note: &str,
    escalation_id: &str,
) -> Notice {
    Notice {
        subject: format!("Escalation from {community} routed to {body_name}"),
        body: format!(
            "An escalation from {community} has been routed to {body_name}.\n\n[{kind}] {text}\n\nWhy it was routed to you:\n{note}\n\nEscalation {escalation_id}. Please send your response to the network's managers."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EscalationStatus::*;

    fn req(
        to: EscalationStatus,
        routed_to: Option<&'static str>,
        note: Option<&'static str>,
    ) -> Request<'static> {
        Request {
            to,
            routed_to,
            body: if routed_to.is_some() {
                BodyStanding::Active
            } else {
                BodyStanding::Unknown
            },
            note,
        }
    }

    /// The request that is valid for moving to `to` (if the move is allowed).
    fn good(to: EscalationStatus) -> Request<'static> {
        match to {
            Routed => req(to, Some("workforce_council"), Some("for the council")),
            _ => req(to, None, Some("a note")),
        }
    }

    #[test]
    fn every_pair_of_statuses() {
        let allowed = [
            (Raised, Routed),
            (Raised, Closed),
            (Routed, Routed),
            (Routed, Acknowledged),
            (Routed, Closed),
            (Acknowledged, Closed),
        ];
        for from in EscalationStatus::ALL {
            for to in EscalationStatus::ALL {
                let body = (*from != Raised).then_some("network_chair");
                let r = next(*from, body, &good(*to));
                if allowed.contains(&(*from, *to)) {
                    let o = r.unwrap_or_else(|e| panic!("{from} → {to}: {e:?}"));
                    assert_eq!(o.status, *to);
                    assert_eq!(o.closes, *to == Closed);
                    let want_body = if *to == Routed {
                        Some("workforce_council")
                    } else {
                        body
                    };
                    assert_eq!(o.routed_to.as_deref(), want_body, "{from} → {to}");
                } else {
                    assert_eq!(
                        r,
                        Err(EscalationRefusal::NotAllowed {
                            from: *from,
                            to: *to
                        }),
                        "{from} → {to}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_allowed_next_statuses_are_named() {
        assert_eq!(Raised.allowed_next(), [Routed, Closed]);
        assert_eq!(Routed.allowed_next(), [Routed, Acknowledged, Closed]);
        assert_eq!(Acknowledged.allowed_next(), [Closed]);
        assert!(Closed.allowed_next().is_empty());
        let r = EscalationRefusal::NotAllowed {
            from: Raised,
            to: Acknowledged,
        };
        assert_eq!(r.code(), "invalid-transition");
        assert_eq!(
            r.message(),
            "an escalation cannot move from raised to acknowledged; allowed next: routed, closed"
        );
        let crate::Refusal::Transition { code, allowed, .. } = crate::Refusal::from(r) else {
            panic!("not a transition refusal");
        };
        assert_eq!(code, "invalid-transition");
        assert_eq!(allowed, ["routed", "closed"]);
        let closed = EscalationRefusal::NotAllowed {
            from: Closed,
            to: Routed,
        };
        assert!(closed.message().contains("final"), "{}", closed.message());
    }

    #[test]
    fn every_move_needs_a_note() {
        for (from, to) in [
            (Raised, Routed),
            (Raised, Closed),
            (Routed, Acknowledged),
            (Acknowledged, Closed),
        ] {
            let mut r = good(to);
            r.note = None;
            let e = next(from, Some("b"), &r).unwrap_err();
            assert_eq!(e.code(), "required", "{from} → {to}");
            r.note = Some("  ");
            assert_eq!(next(from, Some("b"), &r).unwrap_err().code(), "required");
            r.note = Some("zero\u{200b}width");
            assert_eq!(
                next(from, Some("b"), &r).unwrap_err().code(),
                "invisible_characters"
            );
            let long = "n".repeat(MAX_NOTE + 1);
            let r = Request {
                note: Some(&long),
                ..good(to)
            };
            assert_eq!(next(from, Some("b"), &r).unwrap_err().code(), "too_long");
        }
        let o = next(
            Raised,
            None,
            &req(Closed, None, Some(" not for escalation: resolved locally ")),
        )
        .unwrap();
        assert_eq!(o.note, "not for escalation: resolved locally");
        let crate::Refusal::Invalid(v) =
            crate::Refusal::from(EscalationRefusal::Note(Invalid::new("required", "x")))
        else {
            panic!("not invalid");
        };
        assert_eq!(v.0[0].field, "note");
    }

    #[test]
    fn routing_names_an_active_body_and_only_routing_does() {
        let mut r = good(Routed);
        r.routed_to = None;
        assert_eq!(next(Raised, None, &r), Err(EscalationRefusal::BodyRequired));
        let mut r = good(Routed);
        r.body = BodyStanding::Unknown;
        assert_eq!(next(Raised, None, &r), Err(EscalationRefusal::UnknownBody));
        r.body = BodyStanding::Retired;
        assert_eq!(
            next(Routed, Some("a"), &r),
            Err(EscalationRefusal::RetiredBody)
        );
        let r = req(Closed, Some("workforce_council"), Some("done"));
        assert_eq!(
            next(Routed, Some("a"), &r),
            Err(EscalationRefusal::BodyNotAllowed)
        );
        let crate::Refusal::Invalid(v) = crate::Refusal::from(EscalationRefusal::RetiredBody)
        else {
            panic!("not invalid");
        };
        assert_eq!(
            (v.0[0].field.as_str(), v.0[0].code.as_str()),
            ("routed_to", "retired_body")
        );
        // Re-routing replaces the body; acknowledging keeps it.
        let o = next(Routed, Some("a"), &good(Routed)).unwrap();
        assert_eq!(o.routed_to.as_deref(), Some("workforce_council"));
        let o = next(Routed, Some("a"), &good(Acknowledged)).unwrap();
        assert_eq!(o.routed_to.as_deref(), Some("a"));
    }

    #[test]
    fn overdue_after_the_networks_days_until_closed() {
        let now = Utc::now();
        let raised = now - Duration::days(30);
        assert!(!is_overdue(Raised, raised, 30, now));
        assert!(is_overdue(Raised, raised - Duration::seconds(1), 30, now));
        assert!(is_overdue(Routed, now - Duration::days(2), 1, now));
        assert!(is_overdue(
            Acknowledged,
            now - Duration::days(400),
            365,
            now
        ));
        assert!(!is_overdue(Closed, now - Duration::days(400), 1, now));
        assert_eq!(overdue_before(30, now), raised);
    }

    #[test]
    fn overdue_days_are_bounded() {
        assert_eq!(parse_overdue_days(1), Ok(1));
        assert_eq!(parse_overdue_days(365), Ok(365));
        assert_eq!(parse_overdue_days(0).unwrap_err().code, "out_of_range");
        assert_eq!(parse_overdue_days(366).unwrap_err().code, "out_of_range");
        assert!(OVERDUE_DAYS.contains(&DEFAULT_OVERDUE_DAYS));
    }

    #[test]
    fn notices_list_the_points() {
        let n = raised_notice(
            "CoP Perinatal",
            "2026-11-20",
            &[
                ("e1".into(), "alert", "Waiting lists grow".into()),
                ("e2".into(), "advise", "Fund supervision".into()),
            ],
        );
        assert_eq!(n.subject, "2 escalations raised by CoP Perinatal");
        assert!(
            n.body
                .contains("- [alert] Waiting lists grow\n  (escalation e1)"),
            "{}",
            n.body
        );
        assert!(n.body.contains("on 2026-11-20"));
        let one = raised_notice("C", "d", &[("e".into(), "alert", "t".into())]);
        assert_eq!(one.subject, "1 escalation raised by C");
        let r = routed_notice("Workforce council", "C", "alert", "t", "why", "e9");
        assert_eq!(r.subject, "Escalation from C routed to Workforce council");
        assert!(r.body.contains("why") && r.body.contains("e9"));
    }
}
