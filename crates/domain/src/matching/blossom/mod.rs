//! Maximum-weight matching on a general (non-bipartite) graph.
//!
//! # Algorithm
//!
//! Edmonds' blossom algorithm in its primal-dual form, O(n³), following
//! Galil, "Efficient Algorithms for Finding Maximum Matching in Graphs" (ACM
//! Computing Surveys, 1986), as laid out by Joris van Rantwijk's
//! `mwmatching.py` (the code behind NetworkX's `max_weight_matching`).
//!
//! Every vertex `v` has a dual `u(v)` and every non-trivial blossom `B` a dual
//! `z(B)`; an edge's slack is `u(i) + u(j) + Σ z(B ∋ i, j) − w(i, j) ≥ 0`.
//! Alternating trees grow from every single vertex along zero-slack (tight)
//! edges, with S (outer) and T (inner) labels; an odd cycle of S-vertices
//! closed by a tight edge is shrunk into a blossom, and a tight edge between
//! two trees is an augmenting path: the matching grows by one edge. When no
//! tight edge lets the search go on, the duals change by the largest `δ` that
//! keeps every slack non-negative: `δ1` (the single vertices' dual reaches
//! zero: no augmentation can gain weight, the matching is optimal), `δ2` (an
//! edge from an S-vertex to a free vertex becomes tight), `δ3` (an edge
//! between two S-blossoms becomes tight) or `δ4` (a T-blossom's dual reaches
//! zero: it is expanded). The final duals certify optimality (complementary
//! slackness); debug builds check that certificate on every call.
//!
//! Vertex duals are stored doubled, as in van Rantwijk's code, so with integer
//! weights every quantity stays an integer and the result is exact.
//!
//! The reference starts every stage afresh, rescanning the edges of every
//! single vertex after each augmentation: O(n³) edge visits on a dense graph.
//! Here, as in van Rantwijk's later `maximum-weight-matching`, only the two
//! trees that the augmenting path joined are dissolved; the other trees keep
//! their labels and the search goes on. Least-slack records and reach marks
//! made by a vertex that has since been freed are recognised by epoch stamps
//! and recomputed from the adjacency lists when they are next needed. On a
//! complete graph of 2,000 vertices this takes a fraction of a second.
//!
//! # Representation
//!
//! Index-based arrays throughout: a compressed adjacency list with the
//! doubled weight inline, edge `k` with endpoints `2k` and `2k + 1`,
//! blossoms numbered `n..2n` (for the `n` vertices that have a usable edge).
//! Recursive steps of the reference (blossom leaves, augmenting through
//! nested blossoms, expanding nested blossoms) use explicit stacks, so deep
//! nesting cannot overflow the call stack. Instances that fit (fewer than
//! 2³¹ edges, weights up to `i64::MAX / 16`, i.e. all realistic ones) use
//! `u32` indices and `i64` arithmetic; anything larger switches to `usize`
//! and `i128`, so no input overflows.
//!
//! # Input handling
//!
//! Self-loops, edges with an endpoint `≥ n`, and edges of weight `≤ 0` (never
//! worth taking: dropping one never lowers the total) are ignored; of duplicate
//! edges the heaviest is kept. Only vertices with a usable edge take part, so
//! a large `n` with few edges costs little more than the `n`-long result.
//!
//! The result is deterministic: the same input (in the same order) always
//! gives the same matching; nothing depends on hashing, addresses or time.
//!
//! # Files
//!
//! `state` holds the input, the arrays and the small accessors; `blossoms`
//! shrinks, expands and augments through blossoms; `search` is the main
//! loop (tree growth, augmentation, dual changes); `certificate` checks the
//! final duals.

mod blossoms;
mod certificate;
mod search;
mod state;
#[cfg(test)]
mod tests;

use state::{Input, Matcher};

/// Computes a maximum-weight matching of the undirected graph on vertices
/// `0..n` with the given weighted edges.
///
/// `mate[v]` is the vertex matched to `v`, if any (`mate[mate[v]] == v`). The
/// matching maximises the total weight of its edges; it is not required to
/// have maximum cardinality. Self-loops, out-of-range vertices and edges of
/// weight `≤ 0` are ignored; of duplicate edges the heaviest counts.
pub fn max_weight_matching(n: usize, edges: &[(usize, usize, i64)]) -> Vec<Option<usize>> {
    let mut mate = vec![None; n];
    let input = Input::new(n, edges);
    if input.usable == 0 {
        return mate;
    }
    // Compact `u32` indices and `i64` arithmetic for every realistic input;
    // `usize` and `i128` beyond that.
    let narrow = input.original.len() < u32::MAX as usize
        && input.usable < (u32::MAX / 2) as usize
        && input.max_weight <= i64::MAX / 16;
    let pairs = if narrow {
        Matcher::<i64, u32>::new(&input, edges).pairs()
    } else {
        Matcher::<i128, usize>::new(&input, edges).pairs()
    };
    for (a, b) in pairs {
        let (va, vb) = (input.original[a], input.original[b]);
        mate[va] = Some(vb);
        mate[vb] = Some(va);
    }
    mate
}
