//! The workflow of a complaint about the matching process.
//!
//! ```text
//! open ──▶ investigating ──▶ resolved
//!   │            │
//!   │            └─────────▶ dismissed
//!   └──────────────────────▶ dismissed
//! ```
//!
//! Resolved and dismissed complaints are closed: they need an outcome note
//! and cannot change afterwards. Who sees and handles a complaint is
//! [`super::complaint_view`].
use crate::closed_set;

closed_set!(
    /// Where a complaint stands: `open → investigating`, `open → dismissed`,
    /// `investigating → resolved | dismissed`. Resolved and dismissed are
    /// closed.
    ComplaintStatus {
        Open => "open",
        Investigating => "investigating",
        Resolved => "resolved",
        Dismissed => "dismissed",
    }
);

impl ComplaintStatus {
    /// Resolved and dismissed complaints are closed: final.
    pub fn is_closed(self) -> bool {
        matches!(self, ComplaintStatus::Resolved | ComplaintStatus::Dismissed)
    }

    /// Needs an outcome note to enter this status.
    pub fn needs_outcome(self) -> bool {
        self.is_closed()
    }
}

/// Whether `from → to` is allowed: open → investigating, investigating →
/// resolved or dismissed, and open → dismissed (a complaint plainly outside
/// the process can be closed without an investigation). Nothing leaves a
/// closed status and nothing moves to `open`.
pub fn may_move(from: ComplaintStatus, to: ComplaintStatus) -> bool {
    use ComplaintStatus::*;
    matches!(
        (from, to),
        (Open, Investigating)
            | (Investigating, Resolved)
            | (Investigating, Dismissed)
            | (Open, Dismissed)
    )
}

/// Why a change to a complaint was refused. Owns the problem codes and
/// messages (docs/api-guide.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintRefusal {
    /// The caller does not handle complaints in this network (403
    /// `forbidden`).
    NotHandler,
    /// A handler the complaint involves (403 `conflict-of-interest`).
    ConflictOfInterest,
    /// Resolved or dismissed: final (409 `complaint-closed`).
    Closed(ComplaintStatus),
    /// Neither a status nor an outcome was sent (422 `status` `required`).
    NothingToChange,
    /// A move the workflow does not allow (409 `invalid-transition`).
    NotAllowed {
        from: ComplaintStatus,
        to: ComplaintStatus,
    },
    /// A move to the status it already has (409 `invalid-transition`).
    AlreadyThere(ComplaintStatus),
    /// Closing without an outcome note (422 `outcome` `required`).
    OutcomeNeeded(ComplaintStatus),
}

impl ComplaintRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotHandler => "forbidden",
            Self::ConflictOfInterest => "conflict-of-interest",
            Self::Closed(_) => "complaint-closed",
            Self::NotAllowed { .. } | Self::AlreadyThere(_) => "invalid-transition",
            Self::NothingToChange | Self::OutcomeNeeded(_) => "required",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::NotHandler => "complaints are handled by the network's managers".into(),
            Self::ConflictOfInterest => "you made this complaint, it is about you, or it is about a match you are in; another manager (or a platform admin) handles it".into(),
            Self::Closed(s) => format!(
                "this complaint is {}; a closed complaint cannot change",
                s.as_str()
            ),
            Self::NothingToChange => "send status, outcome or both".into(),
            Self::NotAllowed { from, to } => format!(
                "a complaint cannot move from {} to {}; allowed: open → investigating, open → dismissed, investigating → resolved or dismissed",
                from.as_str(),
                to.as_str()
            ),
            Self::AlreadyThere(s) => format!("this complaint is already {}", s.as_str()),
            Self::OutcomeNeeded(s) => format!(
                "an outcome note is needed to mark a complaint {}",
                s.as_str()
            ),
        }
    }
}

impl From<ComplaintRefusal> for crate::Refusal {
    fn from(r: ComplaintRefusal) -> Self {
        match r {
            ComplaintRefusal::NotHandler | ComplaintRefusal::ConflictOfInterest => {
                crate::Refusal::forbidden(r.code(), r.message())
            }
            ComplaintRefusal::NothingToChange => {
                crate::Refusal::invalid("status", r.code(), r.message())
            }
            ComplaintRefusal::OutcomeNeeded(_) => {
                crate::Refusal::invalid("outcome", r.code(), r.message())
            }
            _ => crate::Refusal::conflict(r.code(), r.message()),
        }
    }
}

/// Who may handle a complaint ([`super::complaint_view::handling`]) as a
/// refusal.
pub fn may_handle(h: super::complaint_view::Handling) -> Result<(), ComplaintRefusal> {
    use super::complaint_view::Handling;
    match h {
        Handling::Allowed => Ok(()),
        Handling::NotHandler => Err(ComplaintRefusal::NotHandler),
        Handling::ConflictOfInterest => Err(ComplaintRefusal::ConflictOfInterest),
    }
}

/// A handler's change to a complaint: the status it moves to (`from` when
/// only the outcome note changes). `status` is the requested status,
/// `outcome_sent` whether the request carries an outcome note.
pub fn decide(
    from: ComplaintStatus,
    status: Option<ComplaintStatus>,
    outcome_sent: bool,
) -> Result<ComplaintStatus, ComplaintRefusal> {
    if from.is_closed() {
        return Err(ComplaintRefusal::Closed(from));
    }
    let Some(to) = status else {
        return if outcome_sent {
            Ok(from)
        } else {
            Err(ComplaintRefusal::NothingToChange)
        };
    };
    if to == from {
        return Err(ComplaintRefusal::AlreadyThere(from));
    }
    if !may_move(from, to) {
        return Err(ComplaintRefusal::NotAllowed { from, to });
    }
    Ok(to)
}

/// Entering `to` needs an outcome note; `has_outcome` says whether the
/// complaint will have one (sent now or recorded before).
pub fn check_outcome(to: ComplaintStatus, has_outcome: bool) -> Result<(), ComplaintRefusal> {
    if to.needs_outcome() && !has_outcome {
        Err(ComplaintRefusal::OutcomeNeeded(to))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ComplaintStatus::*;
    use super::*;

    #[test]
    fn decide_every_transition() {
        for &from in ComplaintStatus::ALL {
            for &to in ComplaintStatus::ALL {
                let got = decide(from, Some(to), false);
                let expected = if from.is_closed() {
                    Err(ComplaintRefusal::Closed(from))
                } else if to == from {
                    Err(ComplaintRefusal::AlreadyThere(from))
                } else if may_move(from, to) {
                    Ok(to)
                } else {
                    Err(ComplaintRefusal::NotAllowed { from, to })
                };
                assert_eq!(got, expected, "{from:?} → {to:?}");
            }
        }
        assert_eq!(decide(Open, Some(Investigating), true), Ok(Investigating));
        assert_eq!(decide(Investigating, Some(Resolved), true), Ok(Resolved));
        assert_eq!(decide(Open, Some(Dismissed), false), Ok(Dismissed));
    }

    #[test]
    fn an_outcome_alone_keeps_the_status_until_closed() {
        assert_eq!(decide(Open, None, true), Ok(Open));
        assert_eq!(decide(Investigating, None, true), Ok(Investigating));
        assert_eq!(
            decide(Open, None, false),
            Err(ComplaintRefusal::NothingToChange)
        );
        assert_eq!(
            decide(Resolved, None, true),
            Err(ComplaintRefusal::Closed(Resolved))
        );
        assert_eq!(
            decide(Dismissed, None, false),
            Err(ComplaintRefusal::Closed(Dismissed))
        );
    }

    #[test]
    fn closing_needs_an_outcome() {
        assert_eq!(
            check_outcome(Resolved, false),
            Err(ComplaintRefusal::OutcomeNeeded(Resolved))
        );
        assert_eq!(
            check_outcome(Dismissed, false),
            Err(ComplaintRefusal::OutcomeNeeded(Dismissed))
        );
        assert_eq!(check_outcome(Resolved, true), Ok(()));
        assert_eq!(check_outcome(Investigating, false), Ok(()));
        assert_eq!(check_outcome(Open, false), Ok(()));
    }

    #[test]
    fn handling_refusals() {
        use super::super::complaint_view::Handling;
        assert_eq!(may_handle(Handling::Allowed), Ok(()));
        assert_eq!(
            may_handle(Handling::NotHandler),
            Err(ComplaintRefusal::NotHandler)
        );
        assert_eq!(
            may_handle(Handling::ConflictOfInterest),
            Err(ComplaintRefusal::ConflictOfInterest)
        );
    }

    #[test]
    fn refusals_keep_their_codes_and_kinds() {
        use crate::Refusal;
        assert!(matches!(
            Refusal::from(ComplaintRefusal::NotHandler),
            Refusal::Forbidden {
                code: "forbidden",
                ..
            }
        ));
        assert!(matches!(
            Refusal::from(ComplaintRefusal::ConflictOfInterest),
            Refusal::Forbidden {
                code: "conflict-of-interest",
                ..
            }
        ));
        assert_eq!(
            Refusal::from(ComplaintRefusal::Closed(Resolved)),
            Refusal::conflict(
                "complaint-closed",
                "this complaint is resolved; a closed complaint cannot change"
            )
        );
        assert_eq!(
            Refusal::from(ComplaintRefusal::AlreadyThere(Open)),
            Refusal::conflict("invalid-transition", "this complaint is already open")
        );
        assert!(matches!(
            Refusal::from(ComplaintRefusal::NotAllowed { from: Open, to: Resolved }),
            Refusal::Conflict { code: "invalid-transition", ref message } if message.starts_with("a complaint cannot move from open to resolved")
        ));
        assert!(matches!(
            Refusal::from(ComplaintRefusal::OutcomeNeeded(Dismissed)),
            Refusal::Invalid(_)
        ));
        assert!(matches!(
            Refusal::from(ComplaintRefusal::NothingToChange),
            Refusal::Invalid(_)
        ));
    }

    #[test]
    fn the_workflow() {
        let allowed = [
            (Open, Investigating),
            (Open, Dismissed),
            (Investigating, Resolved),
            (Investigating, Dismissed),
        ];
        for &from in ComplaintStatus::ALL {
            for &to in ComplaintStatus::ALL {
                assert_eq!(
                    may_move(from, to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        assert!(
            !may_move(Open, Resolved),
            "resolving needs an investigation"
        );
        assert!(Resolved.is_closed() && Dismissed.is_closed());
        assert!(!Open.is_closed() && !Investigating.is_closed());
    }

    #[test]
    fn statuses_parse() {
        for &s in ComplaintStatus::ALL {
            assert_eq!(ComplaintStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ComplaintStatus::parse_field(" open ").ok(), Some(Open));
        assert_eq!(
            ComplaintStatus::parse_field("closed").map_err(|e| e.code),
            Err("invalid_value")
        );
    }
}
