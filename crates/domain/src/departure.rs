//! What happens to a person's open matches, requests and supporter places
//! when they leave: erased at their own request, or removed from a network
//! by a manager. One rule for both; the stores load the open matches, ask
//! here, and write the outcome.
use crate::account::UserStatus;
use crate::account::notice::{Notice, reason_line};
use crate::matching::lifecycle::MatchStatus;
use crate::matching::request::MatchRequestStatus;
use crate::matching::supporter::SupporterStatus;

/// Why the person leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// Erased at their own request (every network at once).
    Erased,
    /// Removed from one network by a manager or a platform admin.
    RemovedFromNetwork,
}

impl Departure {
    /// How the closing is named in events (`how`).
    pub fn how(self) -> &'static str {
        match self {
            Self::Erased => "erased",
            Self::RemovedFromNetwork => "removed_from_network",
        }
    }
}

/// How one open match closes when a participant leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closure {
    /// `Ended` (was active), `Declined` (was pending) or `Expired` (was
    /// already past its time).
    pub to: MatchStatus,
    /// The leaver is named as who declined or ended it (`by`).
    pub by_leaver: bool,
    /// The other participant is emailed (unless erased, see
    /// [`tells_other`]).
    pub tell_other: bool,
}

/// Closes an open match whose participant leaves, from its current
/// (effective) status: an active match ends and a pending proposal is
/// declined on the leaver's behalf; one already past its time expires.
/// On erasure the leaver is named even for an expiry and nobody is
/// emailed; on removal an expiry names nobody, and the other participant
/// is told of an ending or a withdrawn proposal.
pub fn close_match(current: MatchStatus, why: Departure) -> Closure {
    let to = match current {
        MatchStatus::Active => MatchStatus::Ended,
        s if s.is_pending() => MatchStatus::Declined,
        _ => MatchStatus::Expired,
    };
    match why {
        Departure::Erased => Closure {
            to,
            by_leaver: true,
            tell_other: false,
        },
        Departure::RemovedFromNetwork => {
            let expired = to == MatchStatus::Expired;
            Closure {
                to,
                by_leaver: !expired,
                tell_other: !expired,
            }
        }
    }
}

/// Whether the other participant of a closed match gets an email: when
/// the closure tells them and they have not been erased.
pub fn tells_other(c: Closure, other: UserStatus) -> bool {
    c.tell_other && other != UserStatus::Erased
}

/// What the leaver's open match requests become.
pub const REQUESTS_BECOME: MatchRequestStatus = MatchRequestStatus::Withdrawn;

/// What the leaver's supporter places become (those not already paused).
pub const SUPPORTER_PLACES_BECOME: SupporterStatus = SupporterStatus::Paused;

/// To the other participant of a match closed by a removal from
/// `network`: `to` is `Ended` (was active) or `Declined` (a proposal
/// withdrawn).
pub fn match_closed(
    to: MatchStatus,
    leaver: &str,
    programme: &str,
    programme_id: &str,
    network: &str,
) -> Notice {
    if to == MatchStatus::Ended {
        Notice {
            subject: format!("Your match in {programme} has ended"),
            body: format!(
                "Your match with {leaver} in {programme} has ended because they are no longer a member of {network}. \
                 You can ask to be matched again with POST /v1/programmes/{programme_id}/requests."
            ),
        }
    } else {
        Notice {
            subject: format!("A proposed match in {programme} has been withdrawn"),
            body: format!(
                "The match proposed to you with {leaver} in {programme} has been withdrawn because they are no \
                 longer a member of {network}. Your request is waiting for the next match."
            ),
        }
    }
}

/// What a removal from a network ended, for the person's notice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ended<'a> {
    /// Names of the communities whose membership ended.
    pub communities: &'a [String],
    /// Open applications withdrawn.
    pub applications: usize,
    /// Open matches closed.
    pub matches: usize,
    /// Open match requests withdrawn.
    pub requests: usize,
}

/// To the person removed from `network`, with the manager's `reason`.
pub fn removed(network: &str, reason: Option<&str>, ended: &Ended<'_>) -> Notice {
    let mut body = format!(
        "A manager has removed you from {network}.{}",
        reason_line(reason)
    );
    if !ended.communities.is_empty() {
        body.push_str(&format!(
            " Your membership of {} has ended.",
            ended.communities.join(", ")
        ));
    }
    if ended.applications > 0 {
        body.push_str(&format!(
            " Your open applications to its communities ({}) were withdrawn.",
            ended.applications
        ));
    }
    if ended.matches > 0 || ended.requests > 0 {
        body.push_str(" Your open matches and match requests in its programmes were closed.");
    }
    body.push_str(
        " Your PeerHub account itself is not affected, nor are any other networks you \
         belong to. If you think this is a mistake, contact the network's managers.",
    );
    Notice {
        subject: format!("You have been removed from {network}"),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MatchStatus as S;

    #[test]
    fn erasure_closes_every_open_match_in_the_leavers_name() {
        for (from, to) in [
            (S::Active, S::Ended),
            (S::Proposed, S::Declined),
            (S::Accepted, S::Declined),
            (S::Expired, S::Expired),
        ] {
            assert_eq!(
                close_match(from, Departure::Erased),
                Closure {
                    to,
                    by_leaver: true,
                    tell_other: false
                },
                "{from:?}"
            );
        }
        assert_eq!(Departure::Erased.how(), "erased");
    }

    #[test]
    fn removal_tells_the_other_participant_unless_expired() {
        for (from, to) in [
            (S::Active, S::Ended),
            (S::Proposed, S::Declined),
            (S::Accepted, S::Declined),
        ] {
            assert_eq!(
                close_match(from, Departure::RemovedFromNetwork),
                Closure {
                    to,
                    by_leaver: true,
                    tell_other: true
                },
                "{from:?}"
            );
        }
        assert_eq!(
            close_match(S::Expired, Departure::RemovedFromNetwork),
            Closure {
                to: S::Expired,
                by_leaver: false,
                tell_other: false
            }
        );
        assert_eq!(Departure::RemovedFromNetwork.how(), "removed_from_network");
        let c = close_match(S::Active, Departure::RemovedFromNetwork);
        assert!(tells_other(c, UserStatus::Active));
        assert!(tells_other(c, UserStatus::Disabled));
        assert!(!tells_other(c, UserStatus::Erased));
        assert!(!tells_other(
            close_match(S::Active, Departure::Erased),
            UserStatus::Active
        ));
    }

    #[test]
    fn requests_are_withdrawn_and_supporter_places_paused() {
        assert_eq!(REQUESTS_BECOME, MatchRequestStatus::Withdrawn);
        assert_eq!(SUPPORTER_PLACES_BECOME, SupporterStatus::Paused);
    }

    #[test]
    fn match_closed_notices() {
        let n = match_closed(S::Ended, "Sam", "Buddies", "p1", "PPN");
        assert_eq!(n.subject, "Your match in Buddies has ended");
        assert_eq!(
            n.body,
            "Your match with Sam in Buddies has ended because they are no longer a member of PPN. You can ask to be matched again with POST /v1/programmes/p1/requests."
        );
        let n = match_closed(S::Declined, "Sam", "Buddies", "p1", "PPN");
        assert_eq!(n.subject, "A proposed match in Buddies has been withdrawn");
        assert_eq!(
            n.body,
            "The match proposed to you with Sam in Buddies has been withdrawn because they are no longer a member of PPN. Your request is waiting for the next match."
        );
    }

    #[test]
    fn removal_notice_lists_what_ended() {
        let n = removed("PPN", None, &Ended::default());
        assert_eq!(n.subject, "You have been removed from PPN");
        assert_eq!(
            n.body,
            "A manager has removed you from PPN. Your PeerHub account itself is not affected, nor are any other networks you belong to. If you think this is a mistake, contact the network's managers."
        );
        let communities = ["A".to_owned(), "B".to_owned()];
        let n = removed(
            "PPN",
            Some("left the trust"),
            &Ended {
                communities: &communities,
                applications: 2,
                matches: 0,
                requests: 1,
            },
        );
        assert_eq!(
            n.body,
            "A manager has removed you from PPN. Reason given: left the trust. Your membership of A, B has ended. Your open applications to its communities (2) were withdrawn. Your open matches and match requests in its programmes were closed. Your PeerHub account itself is not affected, nor are any other networks you belong to. If you think this is a mistake, contact the network's managers."
        );
    }
}
