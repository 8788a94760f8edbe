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

#[cfg(test)]
mod tests {
    use super::ComplaintStatus::*;
    use super::*;

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
