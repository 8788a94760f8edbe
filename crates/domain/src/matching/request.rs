//! Requests to be matched, and what happens to them as their match moves.
//!
//! ```text
//! waiting ──proposed──▶ matched ──match declined or expired──▶ waiting
//!    │                     └──────match ended──────────────▶ closed
//!    └──withdrawn (also from matched, declining a pending proposal)──▶ withdrawn
//! ```
use super::lifecycle::MatchStatus;
use crate::closed_set;

closed_set!(
    /// Where a request stands: `waiting` (in the next run), `matched` (in an
    /// open match), `closed` (its match ended) or `withdrawn`.
    MatchRequestStatus {
        Waiting => "waiting",
        Matched => "matched",
        Closed => "closed",
        Withdrawn => "withdrawn",
    }
);

impl MatchRequestStatus {
    /// Counts as the person's one open request in its programme.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Waiting | Self::Matched)
    }

    /// The status of a match's requests once the match reaches `to`:
    /// matched while it is proposed, accepted or active; waiting again
    /// after a decline or an expiry; closed when it ended.
    pub fn after_match(to: MatchStatus) -> Self {
        match to {
            MatchStatus::Proposed | MatchStatus::Accepted | MatchStatus::Active => Self::Matched,
            MatchStatus::Declined | MatchStatus::Expired => Self::Waiting,
            MatchStatus::Ended => Self::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MatchRequestStatus::*;
    use super::*;

    #[test]
    fn requests_follow_their_match() {
        assert_eq!(
            MatchRequestStatus::after_match(MatchStatus::Proposed),
            Matched
        );
        assert_eq!(
            MatchRequestStatus::after_match(MatchStatus::Active),
            Matched
        );
        assert_eq!(
            MatchRequestStatus::after_match(MatchStatus::Declined),
            Waiting
        );
        assert_eq!(
            MatchRequestStatus::after_match(MatchStatus::Expired),
            Waiting
        );
        assert_eq!(MatchRequestStatus::after_match(MatchStatus::Ended), Closed);
    }

    #[test]
    fn waiting_and_matched_requests_are_open() {
        let open: Vec<_> = MatchRequestStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(open, [&Waiting, &Matched]);
        assert_eq!(
            MatchRequestStatus::parse_field("lost").unwrap_err().message,
            "must be one of waiting, matched, closed, withdrawn"
        );
    }
}
