//! The reasons of a score in plain words, who may see them, and the
//! accumulator that adds up a pair's points.
use serde::{Deserialize, Serialize};

use super::sets::ScoreFeature;

/// One feature's contribution to a score, in plain words. Stored with a
/// match (and in a run's result) in this form, and read back as it is: the
/// privacy rule ([`visible`]) applies to stored reasons too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The weight it comes from.
    pub feature: ScoreFeature,
    /// Always above 0.
    pub points: i64,
    /// E.g. `same profession (PWP): +30`.
    pub text: String,
    /// Set when it reveals a sensitive preference: shown only to the
    /// requester (this user id) whose preference it was.
    #[serde(default)]
    pub private_to: Option<String>,
}

impl Reason {
    /// Whether `viewer` (a user id; `None` for a manager or anyone else) may
    /// see this reason.
    pub fn visible_to(&self, viewer: Option<&str>) -> bool {
        match &self.private_to {
            None => true,
            Some(owner) => viewer == Some(owner.as_str()),
        }
    }
}

/// The reasons `viewer` may see and the sum of their points: what to show a
/// manager (`None`) or a participant instead of the full score, so that a
/// private preference cannot be told from the numbers either.
pub fn visible(reasons: &[Reason], viewer: Option<&str>) -> (i64, Vec<Reason>) {
    let shown: Vec<Reason> = reasons
        .iter()
        .filter(|r| r.visible_to(viewer))
        .cloned()
        .collect();
    (shown.iter().map(|r| r.points).sum(), shown)
}

/// The points of a pair, and their reasons when `explain` is on (texts are
/// only built then: a run scores every pair but explains only its proposals).
pub(super) struct Reasons {
    pub(super) explain: bool,
    pub(super) total: i64,
    pub(super) list: Vec<Reason>,
}

impl Reasons {
    pub(super) fn add(
        &mut self,
        feature: ScoreFeature,
        points: i64,
        what: impl FnOnce() -> String,
        private_to: Option<&str>,
    ) {
        if points > 0 {
            self.total += points;
            if self.explain {
                self.list.push(Reason {
                    feature,
                    points,
                    text: format!("{}: +{points}", what()),
                    private_to: private_to.map(str::to_owned),
                });
            }
        }
    }
}
