//! Tests of the plan: helpers (brute-force optima, invariants) and the
//! property tests; the hand-checked scenarios are in `scenarios`.
use super::*;
use crate::matching::score::test_support::*;
use crate::matching::score::{Preferences, PreferredMeetingMode, points};
use proptest::prelude::*;

mod scenarios;

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
