//! The weights and hard constraints of a programme, and their checks.
use serde::{Deserialize, Serialize};

use super::sets::ScoreFeature;
use crate::validation::{Invalid, Violations};

/// Highest value of one weight.
pub const MAX_WEIGHT: i64 = 100;
/// Highest minimum score (six features of at most [`MAX_WEIGHT`] points).
pub const MAX_MIN_SCORE: i64 = 6 * MAX_WEIGHT;

/// Points per feature, each 0..=100. The defaults put experience in common
/// first:
///
/// - `profession` 30: the same profession is the strongest common ground;
/// - `specialties` 20: areas of experience in common (full for 2 or more);
/// - `level` 15: level fit (mutual: same level; supporter: at least as
///   experienced as the peer);
/// - `region` 10: same region, so they can meet in person;
/// - `interests` 10: shared interests (full for 2 or more);
/// - `preferences` 15: the requester's stated preferences met.
///
/// They add up to 100, so a score reads as a percentage with the defaults.
/// Missing fields in JSON take their default; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub profession: i64,
    pub specialties: i64,
    pub level: i64,
    pub region: i64,
    pub interests: i64,
    pub preferences: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            profession: 30,
            specialties: 20,
            level: 15,
            region: 10,
            interests: 10,
            preferences: 15,
        }
    }
}

impl Weights {
    /// `(feature, value)` of every weight, in feature order.
    pub fn fields(&self) -> [(ScoreFeature, i64); 6] {
        [
            (ScoreFeature::Profession, self.profession),
            (ScoreFeature::Specialties, self.specialties),
            (ScoreFeature::Level, self.level),
            (ScoreFeature::Region, self.region),
            (ScoreFeature::Interests, self.interests),
            (ScoreFeature::Preferences, self.preferences),
        ]
    }

    /// The highest score a pair can reach (the sum of the weights).
    pub fn max_score(&self) -> i64 {
        self.fields().iter().map(|(_, v)| v).sum()
    }

    /// Each weight must be within 0..=100 (`weights.<name>`, code
    /// `out_of_range`); and not all of them 0 (`weights`, code `all_zero`),
    /// since then nobody could ever be matched.
    pub fn check(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        for (name, value) in self.fields() {
            if !(0..=MAX_WEIGHT).contains(&value) {
                v.add(
                    &format!("weights.{name}"),
                    Invalid::new(
                        "out_of_range",
                        format!("must be between 0 and {MAX_WEIGHT}"),
                    ),
                );
            }
        }
        if v.is_empty() && self.max_score() == 0 {
            v.add(
                "weights",
                Invalid::new(
                    "all_zero",
                    "at least one weight must be above 0, or no pair could ever be proposed",
                ),
            );
        }
        v.into_result()
    }
}

/// Hard constraints of a programme, and the minimum score of a proposal.
/// All off and 0 by default. Missing fields in JSON take their default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Constraints {
    /// Never pair two people of the same team.
    pub exclude_same_team: bool,
    /// Never pair someone with their line manager.
    pub exclude_line_manager: bool,
    /// Never pair again two people who were matched, or declined, before.
    pub exclude_previous_pairs: bool,
    /// Pairs scoring below this are never proposed (0..=600). Pairs scoring 0
    /// are never proposed by a run either.
    pub min_score: i64,
}

impl Constraints {
    /// `min_score` must be within 0..=600 (`constraints.min_score`, code
    /// `out_of_range`).
    pub fn check(&self) -> Result<(), Violations> {
        if (0..=MAX_MIN_SCORE).contains(&self.min_score) {
            Ok(())
        } else {
            Err(Violations::single(
                "constraints.min_score",
                Invalid::new(
                    "out_of_range",
                    format!("must be between 0 and {MAX_MIN_SCORE}"),
                ),
            ))
        }
    }
}

/// [`Weights::check`], [`Constraints::check`], and a minimum score the weights
/// can reach (`constraints.min_score`, code `unreachable`): all violations of a
/// programme's settings at once.
pub fn check_settings(w: &Weights, c: &Constraints) -> Result<(), Violations> {
    let mut v = Violations::new();
    let weights_ok = match w.check() {
        Ok(()) => true,
        Err(e) => {
            v.0.extend(e.0);
            false
        }
    };
    match c.check() {
        Err(e) => v.0.extend(e.0),
        Ok(()) if weights_ok && c.min_score > w.max_score() => v.add(
            "constraints.min_score",
            Invalid::new(
                "unreachable",
                format!(
                    "must be at most {}, the highest score these weights can give",
                    w.max_score()
                ),
            ),
        ),
        Ok(()) => {}
    }
    v.into_result()
}
