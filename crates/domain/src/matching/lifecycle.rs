//! The consent lifecycle of a match.
//!
//! ```text
//! proposed ──accept (one side)──▶ accepted ──accept (other side)──▶ active ──end (either)──▶ ended
//!    │                               │
//!    ├──decline (either)──▶ declined ◀┘
//!    └──past expires_at───▶ expired  (from proposed or accepted)
//! ```
//!
//! A proposal (from a run or a manager) waits for both participants: in
//! supporter programmes the peer and the supporter. It expires when it is
//! still `proposed` or `accepted` at `expires_at` (the programme's
//! `proposal_days` after it was made). Declined, expired and ended matches
//! are final.
use chrono::{DateTime, Utc};

use super::score::ProgrammeKind;
use crate::closed_set;

closed_set!(
    /// Where a match stands.
    MatchStatus {
        Proposed => "proposed",
        Accepted => "accepted",
        Active => "active",
        Declined => "declined",
        Expired => "expired",
        Ended => "ended",
    }
);

/// Default days a proposal waits for both answers.
pub const DEFAULT_PROPOSAL_DAYS: i32 = 14;
/// Allowed range of a programme's `proposal_days`.
pub const PROPOSAL_DAYS: std::ops::RangeInclusive<i32> = 1..=90;
/// Longest private reason for ending a match.
pub const MAX_END_REASON: usize = 2000;

impl MatchStatus {
    /// Still waiting for an answer.
    pub fn is_pending(self) -> bool {
        matches!(self, MatchStatus::Proposed | MatchStatus::Accepted)
    }

    /// Holds the participants (and a supporter's place): pending or active.
    pub fn is_open(self) -> bool {
        self.is_pending() || self == MatchStatus::Active
    }

    /// The statuses that are [`is_open`](Self::is_open), in declaration
    /// order (for queries on the stored column).
    pub fn open() -> impl Iterator<Item = MatchStatus> {
        Self::ALL.iter().copied().filter(|s| s.is_open())
    }

    /// The statuses that are [`is_pending`](Self::is_pending).
    pub fn pending() -> impl Iterator<Item = MatchStatus> {
        Self::ALL.iter().copied().filter(|s| s.is_pending())
    }

    /// The status as of `now`: a pending proposal past `expires_at` has
    /// expired even before the store has written it.
    pub fn at(self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> MatchStatus {
        if self.is_pending() && now >= expires_at {
            MatchStatus::Expired
        } else {
            self
        }
    }
}

closed_set!(
    /// What a participant asks of a match (`POST /v1/matches/{id}/accept`,
    /// `/decline`, `/end`).
    MatchAnswer { Accept => "accept", Decline => "decline", End => "end" }
);

closed_set!(
    /// A participant's part in a match: in a supporter programme the `peer`
    /// who asked for support and the `supporter`; in a mutual one, two
    /// `member`s.
    MatchRole { Peer => "peer", Supporter => "supporter", Member => "member" }
);

impl MatchRole {
    /// The role of side `a` (the request, or the first request) or side `b`
    /// (the supporter, or the second request) in a programme of `kind`.
    pub fn of(kind: ProgrammeKind, side_a: bool) -> MatchRole {
        match (kind, side_a) {
            (ProgrammeKind::Mutual, _) => MatchRole::Member,
            (ProgrammeKind::Supporter, true) => MatchRole::Peer,
            (ProgrammeKind::Supporter, false) => MatchRole::Supporter,
        }
    }
}

/// Why an answer is refused (HTTP 409, with this code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Accepting twice.
    AlreadyAccepted,
    /// Accept or decline on a match that is no longer a proposal.
    NotPending(MatchStatus),
    /// End on a match that is not active (a proposal is declined instead).
    NotActive(MatchStatus),
    /// Someone other than the two people in the match answers (HTTP 403).
    NotParticipant,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::AlreadyAccepted => "already-accepted",
            Refusal::NotPending(_) => "match-not-pending",
            Refusal::NotActive(_) => "match-not-active",
            Refusal::NotParticipant => "not-participant",
        }
    }

    pub fn message(self) -> String {
        match self {
            Refusal::AlreadyAccepted => "you have already accepted this match".into(),
            Refusal::NotPending(s) => format!(
                "this match is {}; only a proposed match can be accepted or declined",
                s.as_str()
            ),
            Refusal::NotActive(s) => format!(
                "this match is {}; only an active match can be ended (decline a proposal instead)",
                s.as_str()
            ),
            Refusal::NotParticipant => {
                "only the two people in a match can accept, decline or end it".into()
            }
        }
    }
}

impl From<Refusal> for crate::Refusal {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotParticipant => crate::Refusal::forbidden(r.code(), r.message()),
            _ => crate::Refusal::conflict(r.code(), r.message()),
        }
    }
}

/// The status after `answer` by one side, given the effective status
/// ([`MatchStatus::at`]) and whether this side and the other side have
/// already accepted.
pub fn next(
    status: MatchStatus,
    answer: MatchAnswer,
    mine_accepted: bool,
    other_accepted: bool,
) -> Result<MatchStatus, Refusal> {
    match answer {
        MatchAnswer::Accept | MatchAnswer::Decline if !status.is_pending() => {
            Err(Refusal::NotPending(status))
        }
        MatchAnswer::Accept if mine_accepted => Err(Refusal::AlreadyAccepted),
        MatchAnswer::Accept if other_accepted => Ok(MatchStatus::Active),
        MatchAnswer::Accept => Ok(MatchStatus::Accepted),
        MatchAnswer::Decline => Ok(MatchStatus::Declined),
        MatchAnswer::End if status != MatchStatus::Active => Err(Refusal::NotActive(status)),
        MatchAnswer::End => Ok(MatchStatus::Ended),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn both_accept_makes_it_active() {
        let s = next(MatchStatus::Proposed, MatchAnswer::Accept, false, false);
        assert_eq!(s, Ok(MatchStatus::Accepted));
        let s = next(MatchStatus::Accepted, MatchAnswer::Accept, false, true);
        assert_eq!(s, Ok(MatchStatus::Active));
    }

    #[test]
    fn accepting_twice_is_refused() {
        let r = next(MatchStatus::Accepted, MatchAnswer::Accept, true, false);
        assert_eq!(r, Err(Refusal::AlreadyAccepted));
        assert_eq!(Refusal::AlreadyAccepted.code(), "already-accepted");
    }

    #[test]
    fn either_side_declines_a_pending_match() {
        for s in [MatchStatus::Proposed, MatchStatus::Accepted] {
            for (mine, other) in [(false, false), (true, false), (false, true)] {
                assert_eq!(
                    next(s, MatchAnswer::Decline, mine, other),
                    Ok(MatchStatus::Declined)
                );
            }
        }
    }

    #[test]
    fn final_states_refuse_every_answer() {
        for s in [
            MatchStatus::Declined,
            MatchStatus::Expired,
            MatchStatus::Ended,
        ] {
            assert_eq!(
                next(s, MatchAnswer::Accept, false, false),
                Err(Refusal::NotPending(s))
            );
            assert_eq!(
                next(s, MatchAnswer::Decline, false, false),
                Err(Refusal::NotPending(s))
            );
            assert_eq!(
                next(s, MatchAnswer::End, true, true),
                Err(Refusal::NotActive(s))
            );
        }
    }

    #[test]
    fn only_active_matches_end_and_active_ones_cannot_be_declined() {
        assert_eq!(
            next(MatchStatus::Active, MatchAnswer::End, true, true),
            Ok(MatchStatus::Ended)
        );
        assert_eq!(
            next(MatchStatus::Proposed, MatchAnswer::End, false, false),
            Err(Refusal::NotActive(MatchStatus::Proposed))
        );
        assert_eq!(
            next(MatchStatus::Active, MatchAnswer::Decline, true, true),
            Err(Refusal::NotPending(MatchStatus::Active))
        );
    }

    #[test]
    fn roles_follow_the_programme_kind_and_side() {
        assert_eq!(
            MatchRole::of(ProgrammeKind::Supporter, true),
            MatchRole::Peer
        );
        assert_eq!(
            MatchRole::of(ProgrammeKind::Supporter, false),
            MatchRole::Supporter
        );
        for side_a in [true, false] {
            assert_eq!(
                MatchRole::of(ProgrammeKind::Mutual, side_a),
                MatchRole::Member
            );
        }
    }

    #[test]
    fn pending_matches_expire_at_their_deadline() {
        let t = Utc::now();
        let at = t + Duration::days(1);
        assert_eq!(MatchStatus::Proposed.at(at, t), MatchStatus::Proposed);
        assert_eq!(MatchStatus::Accepted.at(at, at), MatchStatus::Expired);
        assert_eq!(
            MatchStatus::Active.at(at, at + Duration::days(3)),
            MatchStatus::Active
        );
        assert!(MatchStatus::Active.is_open());
        assert!(!MatchStatus::Ended.is_open());
    }

    #[test]
    fn open_and_pending_statuses_follow_their_rules() {
        let open: Vec<_> = MatchStatus::open().map(MatchStatus::as_str).collect();
        assert_eq!(open, ["proposed", "accepted", "active"]);
        let pending: Vec<_> = MatchStatus::pending().map(MatchStatus::as_str).collect();
        assert_eq!(pending, ["proposed", "accepted"]);
    }

    #[test]
    fn refusals_are_conflicts_but_strangers_are_forbidden() {
        let crate::Refusal::Forbidden { code, .. } = crate::Refusal::from(Refusal::NotParticipant)
        else {
            panic!("not forbidden");
        };
        assert_eq!(code, "not-participant");
        let crate::Refusal::Conflict { code, message } =
            crate::Refusal::from(Refusal::NotPending(MatchStatus::Expired))
        else {
            panic!("not a conflict");
        };
        assert_eq!(code, "match-not-pending");
        assert_eq!(
            message,
            "this match is expired; only a proposed match can be accepted or declined"
        );
    }
}
