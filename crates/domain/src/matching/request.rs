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

/// Longest availability note on a request.
pub const MAX_AVAILABILITY: usize = 1000;

/// Why a request is refused (HTTP 409, with this code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestRefusal {
    /// The person already has an open request in the programme.
    AlreadyRequested,
    /// Withdrawing a request that is closed or withdrawn.
    Closed(MatchRequestStatus),
    /// Withdrawing a request in an active match (end the match instead).
    InActiveMatch,
    /// Pairing (by hand) a request that is not waiting.
    NotWaiting {
        id: String,
        status: MatchRequestStatus,
    },
}

impl RequestRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyRequested => "already-requested",
            Self::Closed(_) => "request-closed",
            Self::InActiveMatch => "request-in-active-match",
            Self::NotWaiting { .. } => "request-not-waiting",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::AlreadyRequested => "you already have an open request in this programme; withdraw it first to make a new one".into(),
            Self::Closed(s) => format!("this request is already {s}"),
            Self::InActiveMatch => {
                "this request is in an active match; end the match instead".into()
            }
            Self::NotWaiting { id, status } => format!(
                "request {id} is {status}; only a waiting request can be paired"
            ),
        }
    }
}

impl From<RequestRefusal> for crate::Refusal {
    fn from(r: RequestRefusal) -> Self {
        crate::Refusal::conflict(r.code(), r.message())
    }
}

/// Whether a request can be paired now (only a waiting one can).
pub fn check_waiting(id: &str, status: MatchRequestStatus) -> Result<(), RequestRefusal> {
    if status == MatchRequestStatus::Waiting {
        Ok(())
    } else {
        Err(RequestRefusal::NotWaiting {
            id: id.to_owned(),
            status,
        })
    }
}

/// Withdrawing a request of `status` whose open match (if it has one) has
/// the effective status `open_match`: refused when the request is no
/// longer open or its match is active; otherwise the status its pending
/// match closes with (`declined` on the owner's behalf, or `expired` when
/// its deadline has passed), if it has one.
pub fn withdraw(
    status: MatchRequestStatus,
    open_match: Option<MatchStatus>,
) -> Result<Option<MatchStatus>, RequestRefusal> {
    if !status.is_open() {
        return Err(RequestRefusal::Closed(status));
    }
    match open_match {
        _ if status != MatchRequestStatus::Matched => Ok(None),
        None => Ok(None),
        Some(MatchStatus::Active) => Err(RequestRefusal::InActiveMatch),
        Some(s) if s.is_pending() => Ok(Some(MatchStatus::Declined)),
        Some(_) => Ok(Some(MatchStatus::Expired)),
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

    #[test]
    fn a_waiting_request_withdraws_without_touching_a_match() {
        assert_eq!(withdraw(Waiting, None), Ok(None));
    }

    #[test]
    fn withdrawing_declines_a_pending_proposal_and_writes_an_expiry() {
        for s in [MatchStatus::Proposed, MatchStatus::Accepted] {
            assert_eq!(withdraw(Matched, Some(s)), Ok(Some(MatchStatus::Declined)));
        }
        assert_eq!(
            withdraw(Matched, Some(MatchStatus::Expired)),
            Ok(Some(MatchStatus::Expired))
        );
        assert_eq!(withdraw(Matched, None), Ok(None));
    }

    #[test]
    fn a_request_in_an_active_match_or_closed_is_not_withdrawn() {
        let r = withdraw(Matched, Some(MatchStatus::Active)).unwrap_err();
        assert_eq!(r, RequestRefusal::InActiveMatch);
        assert_eq!(r.code(), "request-in-active-match");
        for s in [Closed, Withdrawn] {
            let r = withdraw(s, None).unwrap_err();
            assert_eq!(r, RequestRefusal::Closed(s));
            assert_eq!(r.code(), "request-closed");
            assert_eq!(r.message(), format!("this request is already {s}"));
        }
    }

    #[test]
    fn only_waiting_requests_are_paired() {
        assert_eq!(check_waiting("r1", Waiting), Ok(()));
        let r = check_waiting("r1", Matched).unwrap_err();
        assert_eq!(r.code(), "request-not-waiting");
        assert_eq!(
            r.message(),
            "request r1 is matched; only a waiting request can be paired"
        );
        let crate::Refusal::Conflict { code, .. } =
            crate::Refusal::from(RequestRefusal::AlreadyRequested)
        else {
            panic!("not a conflict");
        };
        assert_eq!(code, "already-requested");
    }
}
