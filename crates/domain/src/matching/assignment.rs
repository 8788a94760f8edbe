//! Maximum-weight assignment of requests to supporters with capacities.
//!
//! # Algorithm
//!
//! Capacity expansion plus the Hungarian algorithm. Supporter `s` becomes
//! `capacities[s]` identical *slots* (never more than the number of requests
//! it could usefully take), and the slots and the requests form a rectangular
//! assignment problem with gain `w(s, r)` for an allowed pair of positive
//! weight and `0` otherwise. The shorter side is assigned completely by the
//! Hungarian method (Kuhn–Munkres) in its shortest-augmenting-path form with
//! row and column potentials, one row at a time, O(rows² · columns); pairs of
//! gain `0` are then dropped. Because every gain is `≥ 0`, padding with zero-gain
//! pairs never changes the optimum, so the result is a maximum-weight
//! assignment among all that respect the capacities and the allowed pairs.
//!
//! Supporters and requests without any allowed pair of positive weight are
//! left out before the expansion. Arithmetic is exact: `i64`, or `i128` when
//! the weights are so large that the potentials could overflow `i64`.
//!
//! The result is deterministic: the same input always gives the same
//! assignment (the weight function is called at most once per pair, in
//! supporter-major order).

use std::ops::{Add, AddAssign, Sub, SubAssign};

/// For each request, the supporter it is assigned to, if any. `weight(s, r)`
/// is `None` when the pair is not allowed.
///
/// Each request gets at most one supporter, supporter `s` at most
/// `capacities[s]` requests, and the total weight of the chosen pairs is as
/// large as possible. A pair of weight `≤ 0` is never chosen (it cannot add
/// anything), so requests may stay unassigned.
pub fn max_weight_assignment(
    capacities: &[usize],
    requests: usize,
    weight: impl Fn(usize, usize) -> Option<i64>,
) -> Vec<Option<usize>> {
    let mut assigned = vec![None; requests];
    if requests == 0 {
        return assigned;
    }

    // Positive allowed weights; everything else gains nothing.
    let mut supporters = Vec::new(); // (supporter, useful slots, gains over all requests)
    let mut wanted = vec![false; requests];
    for (s, &capacity) in capacities.iter().enumerate() {
        if capacity == 0 {
            continue;
        }
        let gains: Vec<i64> = (0..requests)
            .map(|r| weight(s, r).filter(|&w| w > 0).unwrap_or(0))
            .collect();
        let useful = gains.iter().filter(|&&g| g > 0).count();
        if useful == 0 {
            continue;
        }
        for (r, &g) in gains.iter().enumerate() {
            wanted[r] |= g > 0;
        }
        supporters.push((s, capacity.min(useful), gains));
    }
    let reqs: Vec<usize> = (0..requests).filter(|&r| wanted[r]).collect();
    if supporters.is_empty() {
        return assigned;
    }

    // Compact gain table: supporter kind × request kind.
    let ns = supporters.len();
    let nr = reqs.len();
    let mut gain = vec![0i64; ns * nr];
    for (si, (_, _, gains)) in supporters.iter().enumerate() {
        for (ri, &r) in reqs.iter().enumerate() {
            gain[si * nr + ri] = gains[r];
        }
    }
    let owner: Vec<usize> = supporters
        .iter()
        .enumerate()
        .flat_map(|(si, &(_, slots, _))| std::iter::repeat_n(si, slots))
        .collect();
    let max_gain = gain.iter().copied().max().unwrap_or(0);

    let slots = owner.len();
    // Pairs (supporter kind, request kind) chosen with a positive gain.
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    if slots <= nr {
        // Rows are slots, columns are requests.
        let columns = solve(slots, nr, max_gain, |i, j| gain[owner[i] * nr + j]);
        for (i, j) in columns.into_iter().enumerate() {
            chosen.push((owner[i], j));
        }
    } else {
        // More slots than requests: rows are requests, columns are slots.
        let mut by_request = vec![0i64; nr * ns];
        for si in 0..ns {
            for ri in 0..nr {
                by_request[ri * ns + si] = gain[si * nr + ri];
            }
        }
        let columns = solve(nr, slots, max_gain, |i, j| by_request[i * ns + owner[j]]);
        for (i, j) in columns.into_iter().enumerate() {
            if let Some(&si) = owner.get(j) {
                chosen.push((si, i));
            }
        }
    }
    for (si, ri) in chosen {
        if gain.get(si * nr + ri).is_some_and(|&g| g > 0) {
            assigned[reqs[ri]] = Some(supporters[si].0);
        }
    }
    assigned
}

/// Maximum-gain assignment of every row to a distinct column (`rows ≤
/// columns`), choosing exact arithmetic wide enough for the potentials.
fn solve(
    rows: usize,
    columns: usize,
    max_gain: i64,
    gain: impl Fn(usize, usize) -> i64,
) -> Vec<usize> {
    // Potentials stay within a few times rows · max_gain; keep a wide margin.
    let bound = i128::from(max_gain).saturating_mul(4 * (rows as i128 + columns as i128 + 2));
    if bound <= i128::from(i64::MAX) {
        hungarian::<i64>(rows, columns, |i, j| -gain(i, j))
    } else {
        hungarian::<i128>(rows, columns, |i, j| -i128::from(gain(i, j)))
    }
}

trait Cost: Copy + Ord + Add<Output = Self> + Sub<Output = Self> + AddAssign + SubAssign {
    const ZERO: Self;
    const INFINITY: Self;
}

impl Cost for i64 {
    const ZERO: Self = 0;
    const INFINITY: Self = i64::MAX;
}

impl Cost for i128 {
    const ZERO: Self = 0;
    const INFINITY: Self = i128::MAX;
}

/// Minimum-cost assignment of each of `n` rows to a distinct one of `m ≥ n`
/// columns; returns the column of each row. Shortest augmenting paths with
/// row potentials `u` and column potentials `v` (reduced costs
/// `cost(i, j) − u[i] − v[j]` stay `≥ 0`), one row added per phase.
/// Index 0 of the column arrays is a sentinel; rows and columns are 1-based
/// inside.
fn hungarian<W: Cost>(n: usize, m: usize, cost: impl Fn(usize, usize) -> W) -> Vec<usize> {
    debug_assert!(n <= m);
    if n == 0 || n > m {
        return Vec::new();
    }
    let mut u = vec![W::ZERO; n + 1];
    let mut v = vec![W::ZERO; m + 1];
    // row_of[j]: the row (1-based) assigned to column j, 0 if none.
    let mut row_of = vec![0usize; m + 1];
    // way[j]: the previous column on the shortest path to column j.
    let mut way = vec![0usize; m + 1];
    let mut minv = vec![W::INFINITY; m + 1];
    let mut used = vec![false; m + 1];
    for i in 1..=n {
        row_of[0] = i;
        let mut j0 = 0;
        minv.fill(W::INFINITY);
        used.fill(false);
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let mut delta = W::INFINITY;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            if j1 == 0 {
                // Unreachable with n ≤ m; never loop forever.
                debug_assert!(false, "no free column");
                break;
            }
            for j in 0..=m {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        // Flip the path back to the sentinel.
        while j0 != 0 {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
        }
    }
    let mut column = vec![0usize; n];
    for j in 1..=m {
        if row_of[j] != 0 {
            column[row_of[j] - 1] = j - 1;
        }
    }
    column
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Table = Vec<Vec<Option<i64>>>;

    fn run(capacities: &[usize], table: &Table, requests: usize) -> Vec<Option<usize>> {
        max_weight_assignment(capacities, requests, |s, r| table[s][r])
    }

    /// Best total over *all* assignments of allowed pairs (non-positive ones
    /// included) that respect the capacities, by exhaustive search.
    fn brute_force(capacities: &[usize], table: &Table, requests: usize) -> i128 {
        fn go(r: usize, left: &mut [usize], table: &Table, requests: usize) -> i128 {
            if r == requests {
                return 0;
            }
            let mut best = go(r + 1, left, table, requests);
            for s in 0..left.len() {
                if let (true, Some(w)) = (left[s] > 0, table[s][r]) {
                    left[s] -= 1;
                    best = best.max(i128::from(w) + go(r + 1, left, table, requests));
                    left[s] += 1;
                }
            }
            best
        }
        go(0, &mut capacities.to_vec(), table, requests)
    }

    /// Checks that the result respects capacities and uses only allowed pairs
    /// of positive weight; returns its total.
    fn checked_total(
        capacities: &[usize],
        table: &Table,
        requests: usize,
        got: &[Option<usize>],
    ) -> i128 {
        assert_eq!(got.len(), requests);
        let mut load = vec![0usize; capacities.len()];
        let mut total = 0i128;
        for (r, s) in got.iter().enumerate() {
            if let Some(s) = *s {
                assert!(s < capacities.len(), "unknown supporter {s}");
                let w = table[s][r].unwrap_or_else(|| panic!("pair ({s}, {r}) is not allowed"));
                assert!(w > 0, "pair ({s}, {r}) of weight {w} taken");
                load[s] += 1;
                assert!(load[s] <= capacities[s], "supporter {s} over capacity");
                total += i128::from(w);
            }
        }
        total
    }

    fn assert_optimal(capacities: &[usize], table: &Table, requests: usize) {
        let got = run(capacities, table, requests);
        let total = checked_total(capacities, table, requests, &got);
        assert_eq!(
            total,
            brute_force(capacities, table, requests),
            "capacities={capacities:?} table={table:?} got={got:?}"
        );
        assert_eq!(got, run(capacities, table, requests), "not deterministic");
    }

    #[test]
    fn empty_inputs() {
        assert!(max_weight_assignment(&[], 0, |_, _| Some(1)).is_empty());
        assert_eq!(max_weight_assignment(&[], 3, |_, _| Some(1)), vec![None; 3]);
        assert!(max_weight_assignment(&[2, 1], 0, |_, _| Some(1)).is_empty());
        assert_eq!(
            max_weight_assignment(&[0, 0], 2, |_, _| Some(9)),
            vec![None; 2]
        );
        assert_eq!(max_weight_assignment(&[3], 2, |_, _| None), vec![None; 2]);
    }

    #[test]
    fn non_positive_pairs_stay_unassigned() {
        let got = max_weight_assignment(&[5], 4, |_, r| Some([3, 0, -2, 1][r]));
        assert_eq!(got, vec![Some(0), None, None, Some(0)]);
    }

    #[test]
    fn capacity_is_respected_and_weight_maximised() {
        // Supporter 0 is everyone's favourite but takes two; supporter 1 takes
        // the request where losing 0 costs least.
        let table: Table = vec![
            vec![Some(10), Some(9), Some(8)],
            vec![Some(7), Some(1), Some(6)],
        ];
        let got = run(&[2, 1], &table, 3);
        assert_eq!(got, vec![Some(0), Some(0), Some(1)]);
        assert_optimal(&[2, 1], &table, 3);
    }

    #[test]
    fn more_slots_than_requests() {
        let table: Table = vec![
            vec![Some(1), Some(5)],
            vec![Some(4), None],
            vec![None, Some(2)],
        ];
        assert_eq!(run(&[3, 3, 3], &table, 2), vec![Some(1), Some(0)]);
        assert_optimal(&[3, 3, 3], &table, 2);
        assert_eq!(
            max_weight_assignment(&[usize::MAX], 2, |_, _| Some(1)),
            vec![Some(0); 2]
        );
    }

    #[test]
    fn huge_weights_use_wide_arithmetic() {
        let big = i64::MAX;
        let table: Table = vec![
            vec![Some(big), Some(big - 1), Some(1)],
            vec![Some(big - 3), Some(big), None],
        ];
        assert_optimal(&[1, 1], &table, 3);
        assert_optimal(&[2, 1], &table, 3);
    }

    /// Tiny deterministic generator (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn random_small_instances_match_brute_force() {
        let mut rng = Rng(0xa551_9e00_0000_0001);
        for round in 0..3000u64 {
            let ns = rng.below(5) as usize;
            let requests = rng.below(8) as usize;
            let capacities: Vec<usize> = (0..ns).map(|_| 1 + rng.below(3) as usize).collect();
            let (lo, hi) = [(1, 3), (-2, 4), (1, 1_000_000), (-5, 1)][(round % 4) as usize];
            let allowed_pct = [40, 80, 100][(round % 3) as usize];
            let table: Table = (0..ns)
                .map(|_| {
                    (0..requests)
                        .map(|_| {
                            (rng.below(100) < allowed_pct)
                                .then(|| lo + rng.below((hi - lo + 1) as u64) as i64)
                        })
                        .collect()
                })
                .collect();
            assert_optimal(&capacities, &table, requests);
        }
    }

    #[test]
    fn deterministic_on_a_dense_instance() {
        let mut rng = Rng(99);
        let table: Table = (0..20)
            .map(|_| (0..70).map(|_| Some(rng.below(4) as i64)).collect())
            .collect();
        let first = run(&[3; 20], &table, 70);
        for _ in 0..3 {
            assert_eq!(run(&[3; 20], &table, 70), first);
        }
    }

    fn small_instance(
        weights: std::ops::RangeInclusive<i64>,
    ) -> impl Strategy<Value = (Vec<usize>, Table, usize)> {
        (0usize..=4, 0usize..=7).prop_flat_map(move |(ns, requests)| {
            let cell = prop::option::weighted(0.75, weights.clone());
            (
                prop::collection::vec(1usize..=3, ns),
                prop::collection::vec(prop::collection::vec(cell, requests), ns),
                Just(requests),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn optimal_with_tied_small_weights((caps, table, requests) in small_instance(-2..=3)) {
            assert_optimal(&caps, &table, requests);
        }

        #[test]
        fn optimal_with_wide_weights((caps, table, requests) in small_instance(-1_000..=1_000_000)) {
            assert_optimal(&caps, &table, requests);
        }
    }
}
