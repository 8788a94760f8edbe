//! Explainable scoring of a possible pair, and the hard constraints.
//!
//! Peer support brings together "people who have experiences in common"
//!, with choice and control and inclusive matching. The
//! score of a pair is the sum of integer points over six features, each worth
//! at most its [`Weights`] value (0 to 100 points). Every feature that earns
//! points yields one or more [`Reason`]s in plain words, so a manager can
//! explain any proposal; the score is always the sum of its reasons' points.
//!
//! | feature | full points when | partial points |
//! |---|---|---|
//! | `profession` | both have the same profession (taxonomy code) | — |
//! | `specialties` | 2 or more specialties in common | 1 in common: half (rounded up) |
//! | `level` | mutual: same level; supporter: the supporter is at least as experienced as the peer (trainee < qualified < senior < lead) | mutual, one level apart: half (rounded up) |
//! | `region` | both in the same region and neither wants to meet online only | — |
//! | `interests` | 2 or more shared interests | 1 in common: half (rounded up) |
//! | `preferences` | every preference the requester stated is met | shared out over the stated preferences (see below) |
//!
//! Texts, codes and regions are compared trimmed and case-insensitively.
//!
//! **Stated preferences.** A requester's [`Preferences`] are a list of
//! items: the areas they want to talk about (met when one of them is among the
//! other person's specialties or interests), the other person's profession,
//! their level (exact), how to meet (online: the other does not insist on in
//! person; in person: the other does not insist on online and is in the
//! preferred region, or the requester's own region when none is given; no mode
//! but a region: the other is in that region), and one item per sensitive
//! attribute. A sensitive preference is an item only when the other person has
//! self-declared that attribute (otherwise it is ignored, neither met nor
//! unmet); its reason has [`Reason::private_to`] set to the requester and must
//! be shown to nobody else (see [`visible`]). The `preferences` points of one
//! side are shared out evenly over its items (differing by at most one point,
//! earlier items first) and each met item earns its share. In a supporter
//! programme only the peer's preferences count (supporters state none). In a
//! mutual programme both sides' count: when both stated preferences each side
//! has half of the points (the side that sorts first by user id gets the odd
//! point), otherwise the one side that did has all of them. Mode
//! incompatibility is not a hard constraint: it only costs preference points.
//!
//! The mutual score is symmetric: the participants are put in a canonical
//! order (by user id, then id) first, so `score(a, b) == score(b, a)`,
//! reasons included.
//!
//! One file per concern: the closed sets (`sets`), weights and constraints
//! (`settings`), participants and their preferences (`participant`),
//! reasons (`reasons`), comparing texts (`compare`), preference items
//! (`items`), the score itself (`evaluate`) and the hard constraints
//! (`exclusion`).

mod compare;
mod evaluate;
mod exclusion;
mod items;
mod participant;
mod reasons;
mod sets;
mod settings;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;

pub(crate) use evaluate::Keyed;
pub use evaluate::{points, score};
pub use exclusion::{Exclusion, excluded};
pub use participant::{
    MAX_AREA_LEN, MAX_AREAS, MAX_REGION_LEN, MAX_SENSITIVE_LEN, Participant, Preferences,
    sensitive_map,
};
pub use reasons::{Reason, visible};
pub use sets::{PreferredMeetingMode, ProgrammeKind, ScoreFeature, SensitiveAttribute};
pub use settings::{Constraints, MAX_MIN_SCORE, MAX_WEIGHT, Weights, check_settings};
