//! The plan of a matching run: the best set of pairs over everyone waiting,
//! each with its score and reasons, and why everyone else stays unmatched.
//!
//! A pair is given to the optimal engine only if no hard constraint excludes
//! it ([`excluded`]), its score is above 0 and at least the minimum score. The
//! engine maximises the total score: [`max_weight_matching`] for mutual
//! programmes (any two people waiting), [`max_weight_assignment`] for
//! supporter programmes (each supporter takes at most their free places). The
//! engines' answers are checked again, so a plan never holds a pair that is
//! not allowed, a person twice, or a supporter over capacity.
//!
//! Everyone waiting who is not paired is listed in [`Plan::unmatched`] with
//! the first reason that applies, in plain words:
//!
//! 1. `no candidate: nobody else is waiting` (mutual), `no candidate: no
//!    supporter is available` or `no candidate: no supporter has a free place`
//!    (supporter);
//! 2. `all candidates excluded: same team, line manager` (every candidate is
//!    excluded by a hard constraint; the distinct exclusions are named);
//! 3. `no candidate above the minimum score (N)`, followed by `; the others
//!    are excluded: …` when some were excluded;
//! 4. `candidates were matched with others for a better overall fit`.
//!
//! In supporter programmes only requests are listed as unmatched; supporters
//! with places left after the plan are listed in [`Plan::free_places`].
//!
//! Every pair is scored on copies of the participants whose compared texts
//! are trimmed and lower-cased once (`Keyed`: the same points as
//! [`super::score::points`], compared more quickly); proposals are explained
//! from the participants as given, so their reasons keep the first spelling.
//!
//! Deterministic: participants are sorted by id (then user id) first, so the
//! same people in any order give the same plan; ties are resolved by the
//! engines deterministically.
use std::collections::BTreeSet;

use serde::Serialize;

use super::assignment::max_weight_assignment;
use super::blossom::max_weight_matching;
use super::score::{
    Constraints, Exclusion, Keyed, Participant, ProgrammeKind, Reason, Weights, excluded, score,
};
use crate::closed_set;

closed_set!(
    /// What one side of a run's pair is: a `request` (a peer's, or either
    /// side in a mutual programme) or a `supporter`.
    RunSideKind { Request => "request", Supporter => "supporter" }
);

closed_set!(
    /// Why someone waiting stays unmatched after a run (the first that
    /// applies; see the module docs). The `reason` text next to it says the
    /// same in plain words, with the details.
    UnmatchedReason {
        /// Mutual programmes: nobody else is waiting.
        NobodyElseWaiting => "nobody_else_waiting",
        /// Supporter programmes: no supporter is matchable.
        NoSupporterAvailable => "no_supporter_available",
        /// Supporter programmes: every matchable supporter is full.
        NoFreePlace => "no_free_place",
        /// Every candidate is excluded by a hard constraint.
        AllExcluded => "all_excluded",
        /// No candidate reaches the minimum score (others may be excluded).
        BelowMinimumScore => "below_minimum_score",
        /// Candidates were matched with others for a better overall fit.
        BetterOverallFit => "better_overall_fit",
    }
);

impl UnmatchedReason {
    /// The reason a `reason` text gives (reading run results stored before
    /// the codes were): every text [`plan`] writes starts in one way per
    /// reason.
    pub fn from_text(text: &str) -> Option<Self> {
        const PREFIXES: [(&str, UnmatchedReason); 6] = [
            (
                "no candidate: nobody else is waiting",
                UnmatchedReason::NobodyElseWaiting,
            ),
            (
                "no candidate: no supporter is available",
                UnmatchedReason::NoSupporterAvailable,
            ),
            (
                "no candidate: no supporter has a free place",
                UnmatchedReason::NoFreePlace,
            ),
            ("all candidates excluded", UnmatchedReason::AllExcluded),
            (
                "no candidate above the minimum score",
                UnmatchedReason::BelowMinimumScore,
            ),
            (
                "candidates were matched with others",
                UnmatchedReason::BetterOverallFit,
            ),
        ];
        PREFIXES
            .iter()
            .find(|(prefix, _)| text.starts_with(prefix))
            .map(|(_, r)| *r)
    }
}

/// Everything a run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: ProgrammeKind,
    /// Mutual: everyone waiting; supporter: the peers asking for support.
    pub requests: Vec<Participant>,
    /// Supporter programmes: matchable supporters with their free capacity.
    /// Ignored in mutual programmes.
    pub supporters: Vec<(Participant, usize)>,
    pub weights: Weights,
    pub constraints: Constraints,
    /// Unordered user-id pairs matched or declined before (see [`excluded`]).
    pub previous: BTreeSet<(String, String)>,
}

/// One proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposedPair {
    /// Participant ids. Mutual: `a` sorts before `b`; supporter: `a` is the
    /// request id, `b` the supporter id.
    pub a: String,
    pub b: String,
    pub score: i64,
    /// Their points add up to `score`. Reasons with `private_to` must be shown
    /// to that user only (see [`super::score::visible`]).
    pub reasons: Vec<Reason>,
}

/// Someone waiting who is not in any proposal, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmatched {
    pub id: String,
    pub code: UnmatchedReason,
    /// The same in plain words, with the details (the exclusions, the
    /// minimum score).
    pub reason: String,
}

/// A supporter with places left after the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreePlaces {
    /// Supporter id.
    pub id: String,
    pub places: usize,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// In the order of `a`'s id.
    pub pairs: Vec<ProposedPair>,
    /// Requests (mutual: people waiting) not in any pair, in id order.
    pub unmatched: Vec<Unmatched>,
    /// The sum of the pairs' scores, which the engine maximised.
    pub total_score: i64,
    /// Supporter programmes: supporters with places left, in id order
    /// (empty for mutual programmes).
    pub free_places: Vec<FreePlaces>,
}

/// Checks one manual pair against the hard constraints and the minimum score.
/// A pair scoring 0 is accepted when the minimum score is 0 (a manager's
/// choice); a run never proposes it.
pub fn check_pair(
    kind: ProgrammeKind,
    a: &Participant,
    b: &Participant,
    w: &Weights,
    c: &Constraints,
    previous: &BTreeSet<(String, String)>,
) -> Result<(i64, Vec<Reason>), Exclusion> {
    if let Some(e) = excluded(a, b, c, previous) {
        return Err(e);
    }
    let (s, reasons) = score(kind, a, b, w);
    if s < c.min_score {
        Err(Exclusion::BelowMinimum)
    } else {
        Ok((s, reasons))
    }
}

/// One person as the engine weighs them: as given, and [`Keyed`] for quicker
/// scoring.
struct Weighed<'a> {
    person: &'a Participant,
    keyed: Keyed,
}

impl<'a> Weighed<'a> {
    fn new(person: &'a Participant) -> Self {
        Self {
            person,
            keyed: Keyed::new(person),
        }
    }
}

/// The engine weight of a pair, or why it is not given to the engine: the
/// same as [`excluded`] and [`super::score::points`] would tell of the people
/// as given.
fn weight(kind: ProgrammeKind, a: &Weighed, b: &Weighed, input: &Input) -> Result<i64, Exclusion> {
    if let Some(e) = excluded(a.person, b.person, &input.constraints, &input.previous) {
        return Err(e);
    }
    let s = Keyed::points(kind, &a.keyed, &b.keyed, &input.weights);
    if s <= 0 || s < input.constraints.min_score {
        Err(Exclusion::BelowMinimum)
    } else {
        Ok(s)
    }
}

/// What happened to one person's candidates.
#[derive(Debug, Clone, Default)]
struct Candidates {
    total: usize,
    excluded: BTreeSet<Exclusion>,
    excluded_count: usize,
    allowed: usize,
}

impl Candidates {
    fn note(&mut self, w: &Result<i64, Exclusion>) {
        self.total += 1;
        match w {
            Ok(_) => self.allowed += 1,
            Err(Exclusion::BelowMinimum) => {}
            Err(e) => {
                self.excluded.insert(*e);
                self.excluded_count += 1;
            }
        }
    }

    fn exclusions(&self) -> String {
        self.excluded
            .iter()
            .map(|e| e.text())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Reasons 2 to 4 of the module docs (there is at least one candidate).
    fn reason(&self, min_score: i64) -> (UnmatchedReason, String) {
        if self.excluded_count == self.total {
            (
                UnmatchedReason::AllExcluded,
                format!("all candidates excluded: {}", self.exclusions()),
            )
        } else if self.allowed == 0 {
            let mut r = format!("no candidate above the minimum score ({min_score})");
            if self.excluded_count > 0 {
                r.push_str("; the others are excluded: ");
                r.push_str(&self.exclusions());
            }
            (UnmatchedReason::BelowMinimumScore, r)
        } else {
            (
                UnmatchedReason::BetterOverallFit,
                "candidates were matched with others for a better overall fit".to_owned(),
            )
        }
    }
}

fn left_out(id: &str, (code, reason): (UnmatchedReason, String)) -> Unmatched {
    Unmatched {
        id: id.to_owned(),
        code,
        reason,
    }
}

fn sorted(people: &[Participant]) -> Vec<&Participant> {
    let mut v: Vec<&Participant> = people.iter().collect();
    v.sort_by(|x, y| (&x.id, &x.user_id).cmp(&(&y.id, &y.user_id)));
    v
}

fn pair(kind: ProgrammeKind, a: &Participant, b: &Participant, w: &Weights) -> ProposedPair {
    let (score, reasons) = score(kind, a, b, w);
    ProposedPair {
        a: a.id.clone(),
        b: b.id.clone(),
        score,
        reasons,
    }
}

/// Scores every allowed pair, runs the optimal engine, explains who stays
/// unmatched. Deterministic: participants are sorted by id first; ties are
/// resolved by the engine deterministically. See the module docs.
pub fn plan(input: &Input) -> Plan {
    let (pairs, unmatched, free_places) = match input.kind {
        ProgrammeKind::Mutual => {
            let (p, u) = plan_mutual(input);
            (p, u, Vec::new())
        }
        ProgrammeKind::Supporter => plan_supporter(input),
    };
    Plan {
        total_score: pairs.iter().map(|p| p.score).sum(),
        pairs,
        unmatched,
        free_places,
    }
}

fn plan_mutual(input: &Input) -> (Vec<ProposedPair>, Vec<Unmatched>) {
    let kind = ProgrammeKind::Mutual;
    let people = sorted(&input.requests);
    let weighed: Vec<Weighed> = people.iter().map(|p| Weighed::new(p)).collect();
    let n = people.len();
    let mut candidates = vec![Candidates::default(); n];
    // In (i, j) order: the allowed pairs, found again by binary search.
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let w = weight(kind, &weighed[i], &weighed[j], input);
            candidates[i].note(&w);
            candidates[j].note(&w);
            if let Ok(w) = w {
                edges.push((i, j, w));
            }
        }
    }
    let allowed = |i: usize, j: usize| {
        edges
            .binary_search_by(|&(x, y, _)| (x, y).cmp(&(i, j)))
            .is_ok()
    };
    let mate = max_weight_matching(n, &edges);
    let mut paired = vec![false; n];
    let mut pairs = Vec::new();
    for i in 0..n {
        // Only symmetric answers on allowed edges, each person once.
        let Some(j) = mate.get(i).copied().flatten() else {
            continue;
        };
        if i < j
            && j < n
            && mate.get(j).copied().flatten() == Some(i)
            && allowed(i, j)
            && !paired[i]
            && !paired[j]
        {
            paired[i] = true;
            paired[j] = true;
            pairs.push(pair(kind, people[i], people[j], &input.weights));
        }
    }
    let unmatched = (0..n)
        .filter(|&i| !paired[i])
        .map(|i| {
            let why = if n == 1 {
                (
                    UnmatchedReason::NobodyElseWaiting,
                    "no candidate: nobody else is waiting".to_owned(),
                )
            } else {
                candidates[i].reason(input.constraints.min_score)
            };
            left_out(&people[i].id, why)
        })
        .collect();
    (pairs, unmatched)
}

fn plan_supporter(input: &Input) -> (Vec<ProposedPair>, Vec<Unmatched>, Vec<FreePlaces>) {
    let kind = ProgrammeKind::Supporter;
    let requests = sorted(&input.requests);
    let mut supporters: Vec<(&Participant, usize)> =
        input.supporters.iter().map(|(p, c)| (p, *c)).collect();
    supporters.sort_by(|(x, _), (y, _)| (&x.id, &x.user_id).cmp(&(&y.id, &y.user_id)));
    let capacities: Vec<usize> = supporters.iter().map(|(_, c)| *c).collect();
    let weighed_requests: Vec<Weighed> = requests.iter().map(|p| Weighed::new(p)).collect();
    // Supporters without a free place are never weighed.
    let weighed_supporters: Vec<Option<Weighed>> = supporters
        .iter()
        .map(|(p, c)| (*c > 0).then(|| Weighed::new(p)))
        .collect();

    let mut candidates = vec![Candidates::default(); requests.len()];
    // weights[s][r]
    let mut weights = vec![vec![None; requests.len()]; supporters.len()];
    for (r, request) in weighed_requests.iter().enumerate() {
        for (s, supporter) in weighed_supporters.iter().enumerate() {
            let Some(supporter) = supporter else {
                continue;
            };
            let w = weight(kind, request, supporter, input);
            candidates[r].note(&w);
            weights[s][r] = w.ok();
        }
    }
    let assigned = max_weight_assignment(&capacities, requests.len(), |s, r| {
        weights.get(s).and_then(|row| row.get(r).copied().flatten())
    });

    let mut used = vec![0usize; supporters.len()];
    let mut pairs = Vec::new();
    let mut left = Vec::new();
    for (r, request) in requests.iter().enumerate() {
        // Only allowed pairs within capacity.
        let chosen = assigned.get(r).copied().flatten().filter(|&s| {
            s < supporters.len() && weights[s][r].is_some() && used[s] < capacities[s]
        });
        match chosen {
            Some(s) => {
                used[s] += 1;
                pairs.push(pair(kind, request, supporters[s].0, &input.weights));
            }
            None => {
                let why = if supporters.is_empty() {
                    (
                        UnmatchedReason::NoSupporterAvailable,
                        "no candidate: no supporter is available".to_owned(),
                    )
                } else if capacities.iter().all(|&c| c == 0) {
                    (
                        UnmatchedReason::NoFreePlace,
                        "no candidate: no supporter has a free place".to_owned(),
                    )
                } else {
                    candidates[r].reason(input.constraints.min_score)
                };
                left.push(left_out(&request.id, why));
            }
        }
    }
    let free_places = supporters
        .iter()
        .zip(&used)
        .filter(|((_, capacity), used)| capacity > used)
        .map(|((supporter, capacity), used)| FreePlaces {
            id: supporter.id.clone(),
            places: capacity - used,
        })
        .collect();
    (pairs, left, free_places)
}

#[cfg(test)]
mod tests;
