//! The hard constraints: why a pair may not be proposed.
use std::collections::BTreeSet;

use super::compare::{same, trim};
use super::participant::Participant;
use super::settings::Constraints;

/// Why a pair may not be proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exclusion {
    SameTeam,
    LineManager,
    PreviousPair,
    BelowMinimum,
    SamePerson,
}

impl Exclusion {
    /// In plain words, e.g. "same team".
    pub fn text(self) -> &'static str {
        match self {
            Self::SameTeam => "same team",
            Self::LineManager => "line manager",
            Self::PreviousPair => "paired before",
            Self::BelowMinimum => "below the minimum score",
            Self::SamePerson => "same person",
        }
    }

    /// A stable code, e.g. `same_team` (for API errors).
    pub fn code(self) -> &'static str {
        match self {
            Self::SameTeam => "same_team",
            Self::LineManager => "line_manager",
            Self::PreviousPair => "previous_pair",
            Self::BelowMinimum => "below_minimum",
            Self::SamePerson => "same_person",
        }
    }
}

/// Hard constraints (not the minimum score): `previous` holds unordered
/// user-id pairs (either order) that were matched or declined before.
///
/// Checked in this order: the same person (same user or same id; always,
/// whatever the constraints), the same team (both have a team and it is the
/// same, case-insensitively), line manager (either is the other's), paired
/// before. Each but the first applies only if its constraint is on.
pub fn excluded(
    a: &Participant,
    b: &Participant,
    c: &Constraints,
    previous: &BTreeSet<(String, String)>,
) -> Option<Exclusion> {
    if a.user_id == b.user_id || a.id == b.id {
        return Some(Exclusion::SamePerson);
    }
    if c.exclude_same_team && same::<false>(&a.team, &b.team) {
        return Some(Exclusion::SameTeam);
    }
    let manages = |m: &Participant, x: &Participant| {
        x.line_manager_id
            .as_deref()
            .is_some_and(|l| trim(l) == trim(&m.user_id))
    };
    if c.exclude_line_manager && (manages(a, b) || manages(b, a)) {
        return Some(Exclusion::LineManager);
    }
    if c.exclude_previous_pairs && !previous.is_empty() {
        let ab = (a.user_id.clone(), b.user_id.clone());
        let ba = (b.user_id.clone(), a.user_id.clone());
        if previous.contains(&ab) || previous.contains(&ba) {
            return Some(Exclusion::PreviousPair);
        }
    }
    None
}
