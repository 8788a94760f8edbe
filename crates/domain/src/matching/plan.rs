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
mod tests {
    use super::*;
    use crate::matching::score::test_support::*;
    use crate::matching::score::{Preferences, PreferredMeetingMode, points};
    use proptest::prelude::*;

    fn weights_only_profession() -> Weights {
        Weights {
            profession: 10,
            specialties: 0,
            level: 0,
            region: 0,
            interests: 0,
            preferences: 0,
        }
    }

    fn mutual(requests: Vec<Participant>) -> Input {
        Input {
            kind: ProgrammeKind::Mutual,
            requests,
            supporters: vec![],
            weights: Weights::default(),
            constraints: Constraints::default(),
            previous: BTreeSet::new(),
        }
    }

    fn supporter_input(requests: Vec<Participant>, supporters: Vec<(Participant, usize)>) -> Input {
        Input {
            kind: ProgrammeKind::Supporter,
            supporters,
            ..mutual(requests)
        }
    }

    /// The unmatched and their reason texts, each checked to give its code.
    fn reasons_of(p: &Plan) -> Vec<(&str, &str)> {
        p.unmatched
            .iter()
            .map(|u| {
                assert_eq!(
                    UnmatchedReason::from_text(&u.reason),
                    Some(u.code),
                    "{}",
                    u.reason
                );
                (u.id.as_str(), u.reason.as_str())
            })
            .collect()
    }

    fn ids(p: &Plan) -> Vec<(&str, &str)> {
        p.pairs
            .iter()
            .map(|x| (x.a.as_str(), x.b.as_str()))
            .collect()
    }

    /// What [`weight`] must give, from the people as given, without [`Keyed`].
    fn plain_weight(
        kind: ProgrammeKind,
        a: &Participant,
        b: &Participant,
        input: &Input,
    ) -> Option<i64> {
        let s = points(kind, a, b, &input.weights);
        let c = &input.constraints;
        (excluded(a, b, c, &input.previous).is_none() && s > 0 && s >= c.min_score).then_some(s)
    }

    /// Best total over every matching of the allowed pairs (tiny inputs).
    fn brute_mutual(input: &Input) -> i64 {
        let people = sorted(&input.requests);
        let n = people.len();
        let mut w = vec![vec![None; n]; n];
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    w[i][j] = plain_weight(ProgrammeKind::Mutual, people[i], people[j], input);
                }
            }
        }
        fn best(used: &mut Vec<bool>, w: &[Vec<Option<i64>>]) -> i64 {
            let Some(i) = used.iter().position(|u| !u) else {
                return 0;
            };
            used[i] = true;
            // i stays single...
            let mut top = best(used, w);
            // ...or pairs with a later j.
            for j in i + 1..used.len() {
                if let (false, Some(x)) = (used[j], w[i][j]) {
                    used[j] = true;
                    top = top.max(x + best(used, w));
                    used[j] = false;
                }
            }
            used[i] = false;
            top
        }
        best(&mut vec![false; n], &w)
    }

    /// Best total over every assignment within capacities (tiny inputs).
    fn brute_supporter(input: &Input) -> i64 {
        let requests = sorted(&input.requests);
        let w: Vec<Vec<Option<i64>>> = requests
            .iter()
            .map(|r| {
                input
                    .supporters
                    .iter()
                    .map(|(s, _)| plain_weight(ProgrammeKind::Supporter, r, s, input))
                    .collect()
            })
            .collect();
        let mut left: Vec<usize> = input.supporters.iter().map(|(_, c)| *c).collect();
        fn best(r: usize, w: &[Vec<Option<i64>>], left: &mut [usize]) -> i64 {
            if r == w.len() {
                return 0;
            }
            let mut top = best(r + 1, w, left);
            for s in 0..left.len() {
                if let (true, Some(x)) = (left[s] > 0, w[r][s]) {
                    left[s] -= 1;
                    top = top.max(x + best(r + 1, w, left));
                    left[s] += 1;
                }
            }
            top
        }
        best(0, &w, &mut left)
    }

    /// Every invariant a plan must keep, whatever the engine.
    fn check_invariants(input: &Input, p: &Plan) -> Result<(), TestCaseError> {
        let c = &input.constraints;
        let by_id = |id: &str, l: &[Participant]| l.iter().find(|x| x.id == id).cloned().unwrap();
        let mut seen = BTreeSet::new();
        for x in &p.pairs {
            let a = by_id(&x.a, &input.requests);
            let b = match input.kind {
                ProgrammeKind::Mutual => by_id(&x.b, &input.requests),
                ProgrammeKind::Supporter => input
                    .supporters
                    .iter()
                    .find(|(s, _)| s.id == x.b)
                    .map(|(s, _)| s.clone())
                    .unwrap(),
            };
            prop_assert_eq!(excluded(&a, &b, c, &input.previous), None);
            prop_assert!(x.score > 0 && x.score >= c.min_score);
            prop_assert_eq!(x.score, x.reasons.iter().map(|r| r.points).sum::<i64>());
            prop_assert_eq!(
                check_pair(input.kind, &a, &b, &input.weights, c, &input.previous),
                Ok((x.score, x.reasons.clone()))
            );
            prop_assert!(seen.insert(x.a.clone()), "{} twice", x.a);
            if input.kind == ProgrammeKind::Mutual {
                prop_assert!(x.a < x.b);
                prop_assert!(seen.insert(x.b.clone()), "{} twice", x.b);
            }
        }
        if input.kind == ProgrammeKind::Supporter {
            for (s, capacity) in &input.supporters {
                let taken = p.pairs.iter().filter(|x| x.b == s.id).count();
                prop_assert!(taken <= *capacity);
                let free = p
                    .free_places
                    .iter()
                    .find(|f| f.id == s.id)
                    .map(|f| f.places);
                prop_assert_eq!(free.unwrap_or(0), capacity - taken);
            }
        } else {
            prop_assert!(p.free_places.is_empty());
        }
        for u in &p.unmatched {
            prop_assert!(!u.reason.is_empty());
            prop_assert_eq!(UnmatchedReason::from_text(&u.reason), Some(u.code));
            prop_assert!(seen.insert(u.id.clone()), "{} twice", u.id);
        }
        // Every request is in exactly one pair or unmatched.
        let all: BTreeSet<String> = input.requests.iter().map(|r| r.id.clone()).collect();
        prop_assert_eq!(seen, all);
        prop_assert_eq!(p.total_score, p.pairs.iter().map(|x| x.score).sum::<i64>());
        let ordered: Vec<_> = p.pairs.iter().map(|x| x.a.clone()).collect();
        let mut sorted_ids = ordered.clone();
        sorted_ids.sort();
        prop_assert_eq!(ordered, sorted_ids);
        Ok(())
    }

    /// Sorts `v` by the permutation in `keys` (proptest shuffling).
    fn shuffled<T: Clone>(v: &[T], keys: &[u32]) -> Vec<T> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by_key(|&i| (keys.get(i).copied().unwrap_or(0), std::cmp::Reverse(i)));
        idx.into_iter().map(|i| v[i].clone()).collect()
    }

    /// A greedy choice of the best pair is not optimal: A–B 60, A–C 40,
    /// B–D 40, and C–D, A–D, B–C score 0. Greedy takes A–B and strands C and
    /// D (total 60); the optimum is A–C + B–D (80).
    fn greedy_trap() -> Input {
        let w = Weights {
            profession: 0,
            specialties: 40,
            level: 0,
            region: 0,
            interests: 60,
            preferences: 0,
        };
        let p = |n: usize, s: &[&str], i: &[&str]| Participant {
            specialties: strings(s),
            interests: strings(i),
            ..person(n)
        };
        Input {
            weights: w,
            ..mutual(vec![
                p(1, &["anxiety", "grief"], &["running", "music"]), // A
                p(2, &["trauma", "burnout"], &["running", "music"]), // B
                p(3, &["anxiety", "grief"], &["chess"]),            // C
                p(4, &["trauma", "burnout"], &["films"]),           // D
            ])
        }
    }

    #[test]
    fn greedy_trap_scores_by_hand() {
        let input = greedy_trap();
        let s = |i: usize, j: usize| {
            score(
                ProgrammeKind::Mutual,
                &input.requests[i],
                &input.requests[j],
                &input.weights,
            )
            .0
        };
        // A–B: 2 shared interests (60); A–C, B–D: 2 shared specialties (40).
        assert_eq!((s(0, 1), s(0, 2), s(1, 3)), (60, 40, 40));
        assert_eq!((s(2, 3), s(0, 3), s(1, 2)), (0, 0, 0));
        assert_eq!(brute_mutual(&input), 80);
    }

    #[test]
    fn greedy_trap_plan_is_optimal() {
        let p = plan(&greedy_trap());
        assert_eq!(ids(&p), vec![("r1", "r3"), ("r2", "r4")]);
        assert_eq!(p.total_score, 80);
        assert!(p.unmatched.is_empty());
        assert_eq!(
            texts(&p.pairs[0].reasons),
            vec!["2 shared specialties (anxiety, grief): +40"]
        );
    }

    /// Three PWPs: X–Y 45 (profession 40 + 1 shared interest 5), X–Z 40,
    /// Y–Z 40; with min_score 45 only X–Y is
    /// allowed and Z is told why.
    fn three_with_minimum() -> Input {
        let w = Weights {
            profession: 40,
            specialties: 0,
            level: 0,
            region: 0,
            interests: 10,
            preferences: 0,
        };
        let p = |n: usize, i: &[&str]| Participant {
            profession: Some("PWP".into()),
            interests: strings(i),
            ..person(n)
        };
        Input {
            weights: w,
            constraints: Constraints {
                min_score: 45,
                ..Default::default()
            },
            ..mutual(vec![p(1, &["running"]), p(2, &["running"]), p(3, &[])])
        }
    }

    #[test]
    fn hand_checked_minimum_score_plan() {
        let input = three_with_minimum();
        assert_eq!(brute_mutual(&input), 45);
        let p = plan(&input);
        assert_eq!(
            reasons_of(&p)
                .iter()
                .filter(|(id, _)| *id == "r3")
                .collect::<Vec<_>>(),
            vec![&("r3", "no candidate above the minimum score (45)")]
        );
    }

    #[test]
    fn hand_checked_minimum_score_plan_is_optimal() {
        let input = three_with_minimum();
        let p = plan(&input);
        assert_eq!(ids(&p), vec![("r1", "r2")]);
        assert_eq!(p.total_score, 45);
        assert_eq!(
            texts(&p.pairs[0].reasons),
            vec![
                "same profession (PWP): +40",
                "1 shared interest (running): +5"
            ]
        );
        assert_eq!(
            reasons_of(&p),
            vec![("r3", "no candidate above the minimum score (45)")]
        );
    }

    fn texts(r: &[Reason]) -> Vec<&str> {
        r.iter().map(|r| r.text.as_str()).collect()
    }

    #[test]
    fn nobody_else_waiting() {
        let p = plan(&mutual(vec![person(1)]));
        assert_eq!(
            reasons_of(&p),
            vec![("r1", "no candidate: nobody else is waiting")]
        );
        assert_eq!(plan(&mutual(vec![])).unmatched, vec![]);
    }

    /// r1 is in r2's team and managed by r3: every candidate is excluded.
    fn excluded_everywhere() -> Input {
        let pwp = |n: usize, team: &str| Participant {
            profession: Some("PWP".into()),
            team: Some(team.into()),
            ..person(n)
        };
        let managed = Participant {
            line_manager_id: Some("u3".into()),
            ..pwp(1, "north")
        };
        Input {
            constraints: Constraints {
                exclude_same_team: true,
                exclude_line_manager: true,
                ..Default::default()
            },
            ..mutual(vec![managed, pwp(2, "North "), pwp(3, "south")])
        }
    }

    #[test]
    fn all_candidates_excluded_names_each_exclusion() {
        let input = excluded_everywhere();
        let p = plan(&input);
        assert_eq!(
            reasons_of(&p)[0],
            ("r1", "all candidates excluded: same team, line manager")
        );
        let only_teams = Input {
            requests: input.requests[..2].to_vec(),
            ..input.clone()
        };
        assert_eq!(
            reasons_of(&plan(&only_teams)),
            vec![
                ("r1", "all candidates excluded: same team"),
                ("r2", "all candidates excluded: same team")
            ]
        );
        let previous = Input {
            requests: vec![person(1), person(2)],
            constraints: Constraints {
                exclude_previous_pairs: true,
                ..Default::default()
            },
            previous: [("u2".to_owned(), "u1".to_owned())].into(),
            ..input.clone()
        };
        assert_eq!(
            reasons_of(&plan(&previous))[0],
            ("r1", "all candidates excluded: paired before")
        );
    }

    #[test]
    fn the_allowed_pair_is_proposed_around_exclusions() {
        let p = plan(&excluded_everywhere());
        assert_eq!(ids(&p), vec![("r2", "r3")]);
        assert_eq!(p.unmatched.len(), 1);
    }

    #[test]
    fn excluded_and_below_minimum_reasons_after_matching() {
        // r2–r3 is the only allowed pair: r1 is excluded from r2 and scores
        // nothing with r3.
        let pwp = |n: usize, team: &str| Participant {
            profession: Some("PWP".into()),
            team: Some(team.into()),
            ..person(n)
        };
        let r1 = Participant {
            profession: Some("CAP".into()),
            ..pwp(1, "north")
        };
        let input = Input {
            constraints: Constraints {
                exclude_same_team: true,
                ..Default::default()
            },
            ..mutual(vec![r1, pwp(2, "north"), pwp(3, "south")])
        };
        let p = plan(&input);
        assert_eq!(
            reasons_of(&p)
                .into_iter()
                .filter(|(id, _)| *id == "r1")
                .collect::<Vec<_>>(),
            vec![(
                "r1",
                "no candidate above the minimum score (0); the others are excluded: same team"
            )]
        );
    }

    #[test]
    fn odd_one_out_was_matched_with_others() {
        let p = plan(&Input {
            weights: weights_only_profession(),
            ..mutual(
                (1..=3)
                    .map(|n| Participant {
                        profession: Some("PWP".into()),
                        ..person(n)
                    })
                    .collect(),
            )
        });
        assert_eq!(p.pairs.len(), 1);
        assert_eq!(p.total_score, 10);
        assert_eq!(p.unmatched.len(), 1);
        assert_eq!(
            p.unmatched[0].reason,
            "candidates were matched with others for a better overall fit"
        );
    }

    #[test]
    fn supporter_programme_respects_capacity_and_lists_free_places() {
        let peer = |n: usize, level: &str| Participant {
            profession: Some("PWP".into()),
            level: Some(level.into()),
            ..person(n)
        };
        let supporter = |n: usize, level: &str| Participant {
            id: format!("s{n}"),
            ..peer(n, level)
        };
        // s10 (lead) can take 2; s11 (qualified) 1; s12 has no place.
        let input = supporter_input(
            vec![
                peer(1, "senior"),
                peer(2, "trainee"),
                peer(3, "lead"),
                peer(4, "senior"),
            ],
            vec![
                (supporter(10, "lead"), 2),
                (supporter(11, "qualified"), 1),
                (supporter(12, "lead"), 0),
            ],
        );
        // Seniors and the lead need s10 for the level points (45 vs 30).
        // Best: s10 takes two of r1/r3/r4 (45 each), s11 takes r2 (45) → 135,
        // and the third senior/lead could only get s11 (30) which is taken.
        assert_eq!(brute_supporter(&input), 135);
        let p = plan(&input);
        assert_eq!(p.total_score, 135);
        assert_eq!(p.pairs.len(), 3);
        assert!(p.pairs.iter().any(|x| x.a == "r2" && x.b == "s11"));
        assert_eq!(p.unmatched.len(), 1);
        assert_eq!(
            p.unmatched[0].reason,
            "candidates were matched with others for a better overall fit"
        );
        assert_eq!(p.free_places, vec![]);
        let r2 = p.pairs.iter().find(|x| x.a == "r2").unwrap();
        assert_eq!(
            texts(&r2.reasons),
            vec![
                "same profession (PWP): +30",
                "supporter is at least as experienced (qualified ≥ trainee): +15"
            ]
        );
    }

    #[test]
    fn supporter_programme_without_places() {
        let none = supporter_input(vec![person(1)], vec![]);
        assert_eq!(
            reasons_of(&plan(&none)),
            vec![("r1", "no candidate: no supporter is available")]
        );
        let full = supporter_input(vec![person(1)], vec![(person(9), 0)]);
        let p = plan(&full);
        assert_eq!(
            reasons_of(&p),
            vec![("r1", "no candidate: no supporter has a free place")]
        );
        assert_eq!(p.free_places, vec![]);
        // Nothing in common: unmatched, and the supporter's place stays free.
        let idle = supporter_input(vec![person(1)], vec![(person(9), 2)]);
        let p = plan(&idle);
        assert_eq!(
            reasons_of(&p),
            vec![("r1", "no candidate above the minimum score (0)")]
        );
        assert_eq!(
            p.free_places,
            vec![FreePlaces {
                id: "r9".into(),
                places: 2
            }]
        );
        // The supporter is the requester's line manager.
        let managed = Participant {
            profession: Some("PWP".into()),
            line_manager_id: Some("u9".into()),
            ..person(1)
        };
        let boss = Participant {
            profession: Some("PWP".into()),
            ..person(9)
        };
        let mut lm = supporter_input(vec![managed], vec![(boss, 1)]);
        lm.constraints.exclude_line_manager = true;
        assert_eq!(
            reasons_of(&plan(&lm)),
            vec![("r1", "all candidates excluded: line manager")]
        );
        lm.constraints.exclude_line_manager = false;
        assert_eq!(plan(&lm).pairs.len(), 1);
    }

    #[test]
    fn check_pair_reports_the_first_exclusion_or_the_minimum() {
        let w = Weights::default();
        let pwp = |n: usize| Participant {
            profession: Some("PWP".into()),
            team: Some("t".into()),
            ..person(n)
        };
        let none = BTreeSet::new();
        let c = Constraints {
            exclude_same_team: true,
            min_score: 31,
            ..Default::default()
        };
        assert_eq!(
            check_pair(ProgrammeKind::Mutual, &pwp(1), &pwp(2), &w, &c, &none),
            Err(Exclusion::SameTeam)
        );
        let other = Participant {
            team: None,
            ..pwp(2)
        };
        assert_eq!(
            check_pair(ProgrammeKind::Mutual, &pwp(1), &other, &w, &c, &none),
            Err(Exclusion::BelowMinimum)
        );
        let c30 = Constraints {
            min_score: 30,
            ..c.clone()
        };
        let (s, r) = check_pair(ProgrammeKind::Mutual, &pwp(1), &other, &w, &c30, &none).unwrap();
        assert_eq!((s, texts(&r)), (30, vec!["same profession (PWP): +30"]));
        // A manager may pair two people with nothing in common if the
        // minimum is 0; a run never would.
        assert_eq!(
            check_pair(
                ProgrammeKind::Mutual,
                &person(1),
                &person(2),
                &w,
                &Constraints::default(),
                &none
            ),
            Ok((0, vec![]))
        );
        assert_eq!(
            check_pair(
                ProgrammeKind::Mutual,
                &person(1),
                &person(1),
                &w,
                &Constraints::default(),
                &none
            ),
            Err(Exclusion::SamePerson)
        );
    }

    #[test]
    fn private_reasons_travel_with_the_pair() {
        let w = Weights {
            preferences: 20,
            ..weights_only_profession()
        };
        let peer = Participant {
            profession: Some("PWP".into()),
            preferences: Preferences {
                mode: Some(PreferredMeetingMode::Online),
                sensitive: [("gender".to_owned(), "woman".to_owned())].into(),
                ..Default::default()
            },
            ..person(1)
        };
        let supporter = Participant {
            id: "s1".into(),
            profession: Some("PWP".into()),
            sensitive: [("gender".to_owned(), "Woman".to_owned())].into(),
            ..person(2)
        };
        let p = plan(&Input {
            weights: w,
            ..supporter_input(vec![peer], vec![(supporter, 1)])
        });
        assert_eq!(p.pairs.len(), 1);
        let pair = &p.pairs[0];
        assert_eq!(pair.score, 30);
        let (shown, reasons) = crate::matching::score::visible(&pair.reasons, None);
        assert_eq!(shown, 20);
        assert_eq!(
            texts(&reasons),
            vec!["same profession (PWP): +10", "both can meet online: +10"]
        );
        let (mine, _) = crate::matching::score::visible(&pair.reasons, Some("u1"));
        assert_eq!(mine, 30);
    }

    fn any_input(supporter: bool) -> impl Strategy<Value = Input> {
        (
            participants(0, 0..=7),
            participants(20, 0..=3),
            proptest::collection::vec(0..=2usize, 3),
            weights(),
            constraints(),
            previous(),
        )
            .prop_map(
                move |(requests, sups, caps, weights, constraints, previous)| {
                    let supporters = sups
                        .into_iter()
                        .zip(caps)
                        .map(|(mut s, c)| {
                            s.id = format!("s{}", s.id);
                            (s, c)
                        })
                        .collect();
                    Input {
                        kind: if supporter {
                            ProgrammeKind::Supporter
                        } else {
                            ProgrammeKind::Mutual
                        },
                        requests,
                        supporters: if supporter { supporters } else { vec![] },
                        weights,
                        constraints,
                        previous,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn mutual_plans_keep_every_invariant(input in any_input(false)) {
            let p = plan(&input);
            check_invariants(&input, &p)?;
        }

        #[test]
        fn supporter_plans_keep_every_invariant(input in any_input(true)) {
            let p = plan(&input);
            check_invariants(&input, &p)?;
        }

        #[test]
        fn plans_are_deterministic_whatever_the_input_order(
            input in any_input(false).prop_union(any_input(true)),
            keys in proptest::collection::vec(any::<u32>(), 10),
        ) {
            let p = plan(&input);
            prop_assert_eq!(&plan(&input), &p);
            let reordered = Input {
                requests: shuffled(&input.requests, &keys),
                supporters: shuffled(&input.supporters, &keys),
                ..input.clone()
            };
            prop_assert_eq!(plan(&reordered), p);
        }

        #[test]
        fn the_engine_weighs_the_people_as_given(
            input in any_input(false).prop_union(any_input(true)),
        ) {
            let people: Vec<&Participant> = input
                .requests
                .iter()
                .chain(input.supporters.iter().map(|(s, _)| s))
                .collect();
            for a in &people {
                for b in &people {
                    let (wa, wb) = (Weighed::new(a), Weighed::new(b));
                    prop_assert_eq!(
                        weight(input.kind, &wa, &wb, &input).ok(),
                        plain_weight(input.kind, a, b, &input)
                    );
                }
            }
        }

        #[test]
        fn mutual_plans_are_optimal(input in any_input(false)) {
            prop_assert_eq!(plan(&input).total_score, brute_mutual(&input));
        }

        #[test]
        fn supporter_plans_are_optimal(input in any_input(true)) {
            prop_assert_eq!(plan(&input).total_score, brute_supporter(&input));
        }
    }
}
