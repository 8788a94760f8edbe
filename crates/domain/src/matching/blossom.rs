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

use std::ops::{Add, AddAssign, Sub, SubAssign};

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

/// Marks "no vertex / no edge / no endpoint / no blossom".
const NONE: usize = usize::MAX;

/// Labels of top-level blossoms (and of vertices inside T-blossoms).
const FREE: u8 = 0;
const S: u8 = 1;
const T: u8 = 2;
/// Breadcrumb bit used while tracing back from two S-vertices.
const CRUMB: u8 = 4;

/// What the input holds: the vertices that have a usable edge (self-loops,
/// out-of-range endpoints and weights `≤ 0` are not usable), numbered
/// compactly in increasing order.
struct Input {
    /// Caller's vertex → compact index (`NONE` if it has no usable edge).
    compact: Vec<usize>,
    /// Compact index → caller's vertex.
    original: Vec<usize>,
    /// Number of usable edges, duplicates included.
    usable: usize,
    max_weight: i64,
}

impl Input {
    fn usable(n: usize, &(u, v, w): &(usize, usize, i64)) -> bool {
        u < n && v < n && u != v && w > 0
    }

    fn new(n: usize, edges: &[(usize, usize, i64)]) -> Self {
        let mut compact = vec![NONE; n];
        let mut usable = 0;
        let mut max_weight = 0;
        for &(u, v, w) in edges.iter().filter(|e| Self::usable(n, e)) {
            compact[u] = 0;
            compact[v] = 0;
            usable += 1;
            max_weight = max_weight.max(w);
        }
        let mut original = Vec::new();
        for (v, slot) in compact.iter_mut().enumerate() {
            if *slot != NONE {
                *slot = original.len();
                original.push(v);
            }
        }
        Input {
            compact,
            original,
            usable,
            max_weight,
        }
    }
}

/// The arithmetic the algorithm needs: `i64` for ordinary weights, `i128`
/// when the weights are so large that doubled duals could overflow `i64`.
trait Dual: Copy + Ord + Add<Output = Self> + Sub<Output = Self> + AddAssign + SubAssign {
    const ZERO: Self;
    fn from_i64(x: i64) -> Self;
    /// Exact half of an even value.
    fn half(self) -> Self;
}

impl Dual for i64 {
    const ZERO: Self = 0;
    fn from_i64(x: i64) -> Self {
        x
    }
    fn half(self) -> Self {
        self / 2
    }
}

impl Dual for i128 {
    const ZERO: Self = 0;
    fn from_i64(x: i64) -> Self {
        i128::from(x)
    }
    fn half(self) -> Self {
        self / 2
    }
}

/// Index type of the large per-edge arrays: `u32` halves their memory (and
/// cache) footprint whenever the instance fits.
trait Ix: Copy {
    /// Only called with values that fit (checked before choosing the type).
    fn new(x: usize) -> Self;
    fn idx(self) -> usize;
}

impl Ix for u32 {
    fn new(x: usize) -> Self {
        debug_assert!(x <= u32::MAX as usize);
        x as u32
    }
    fn idx(self) -> usize {
        self as usize
    }
}

impl Ix for usize {
    fn new(x: usize) -> Self {
        x
    }
    fn idx(self) -> usize {
        self
    }
}

/// One entry of a vertex's adjacency list.
#[derive(Clone, Copy)]
struct Link<W, I> {
    /// The neighbour.
    to: I,
    /// The neighbour's endpoint index (`2k` or `2k + 1` for edge `k`).
    p: I,
    /// Twice the edge weight.
    w2: W,
}

/// The state of the primal-dual algorithm. Naming follows `mwmatching.py`.
///
/// Vertices are `0..nv`; non-trivial blossoms are `nv..2nv`. Edge `k` has the
/// endpoints `2k` and `2k + 1`; `endpoint[p]` is the vertex at endpoint `p`,
/// and `p ^ 1` is the other end of the same edge.
///
/// Unlike the reference, the alternating trees are not all torn down after an
/// augmentation: only the two trees that the augmenting path joined are
/// dissolved, and the search goes on with the others. Least-slack records
/// (`bestedge`, reach marks) that point to a vertex freed since they were
/// made are detected with epoch stamps and recomputed when needed.
struct Matcher<W, I> {
    nv: usize,
    endpoint: Vec<I>,
    /// Twice the weight of each edge.
    w2: Vec<W>,
    /// Adjacency of vertex `v`: `adj[adj_start[v]..adj_start[v + 1]]`.
    adj_start: Vec<usize>,
    adj: Vec<Link<W, I>>,
    /// `mate[v]`: the remote endpoint of `v`'s matched edge, or `NONE`.
    mate: Vec<usize>,
    /// Label of a top-level blossom (FREE, S or T, plus CRUMB while tracing);
    /// for a vertex inside a T-blossom, T iff it is reachable from outside.
    label: Vec<u8>,
    /// The remote endpoint of the edge through which a blossom (or a vertex
    /// inside a T-blossom) got its label, or `NONE`.
    labelend: Vec<usize>,
    /// The alternating tree of a labelled top-level blossom: its root vertex.
    tree: Vec<usize>,
    /// Top-level blossom containing each vertex.
    inblossom: Vec<usize>,
    blossomparent: Vec<usize>,
    /// Sub-blossoms of a non-trivial blossom, starting at the base and going
    /// round the blossom.
    blossomchilds: Vec<Vec<usize>>,
    /// Base vertex of each blossom (`NONE` for an unused blossom number).
    blossombase: Vec<usize>,
    /// `blossomendps[b][i]`: endpoint of `blossomchilds[b][i]` on the edge that
    /// connects it to the next sub-blossom.
    blossomendps: Vec<Vec<usize>>,
    /// Least-slack edge from a free vertex (or an unreached vertex inside a
    /// T-blossom) to an S-vertex, or from a top-level S-blossom to another
    /// S-blossom; `NONE`, or `DIRTY` when it must be recomputed.
    bestedge: Vec<usize>,
    /// Epoch in which `bestedge` was last set.
    beststamp: Vec<u64>,
    /// Epoch in which a vertex's reach mark (`label[v] == T` inside a
    /// T-blossom) was set.
    markstamp: Vec<u64>,
    /// Epoch in which a vertex was last freed by dissolving its tree.
    freed: Vec<u64>,
    /// Number of tree dissolutions so far.
    epoch: u64,
    /// Least-slack edges from a non-trivial S-blossom to neighbouring
    /// S-blossoms, valid only when `has_bestedges[b]`.
    blossombestedges: Vec<Vec<usize>>,
    has_bestedges: Vec<bool>,
    unusedblossoms: Vec<usize>,
    /// `2·u(v)` for vertices, `z(b)` for blossoms.
    dualvar: Vec<W>,
    /// S-vertices whose edges are still to be scanned.
    queue: Vec<usize>,
    /// Single edges to scan from an S-vertex (tight edges found by a dual
    /// change or after a dissolution).
    pending: Vec<(usize, Link<W, I>)>,
    /// Scratch space for `add_blossom`: least-slack edge to each S-blossom.
    bestedgeto: Vec<usize>,
    /// Scratch stacks.
    scratch: Vec<usize>,
    tasks: Vec<(usize, usize)>,
}

/// `bestedge` value of a record that went stale and must be recomputed.
const DIRTY: usize = usize::MAX - 1;

/// Index into a circular list with a possibly negative position (Python's
/// `list[j]` with `-len <= j < len`).
fn wrap(j: isize, len: usize) -> usize {
    // `len` is a Vec length, so it fits in isize.
    j.rem_euclid(len as isize) as usize
}

impl<W: Dual, I: Ix> Matcher<W, I> {
    /// Deduplicates the usable edges (keeping the heaviest of each pair) and
    /// builds the adjacency arrays.
    fn new(input: &Input, edges: &[(usize, usize, i64)]) -> Self {
        let nv = input.original.len();
        let compact = &input.compact;
        let n = compact.len();

        // Bucket the usable edges by their smaller endpoint (counting sort)...
        let mut start = vec![0usize; nv + 1];
        for &(u, v, _) in edges.iter().filter(|e| Input::usable(n, e)) {
            start[compact[u].min(compact[v]) + 1] += 1;
        }
        for i in 0..nv {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut far = vec![I::new(0); input.usable];
        let mut weight = vec![0i64; input.usable];
        for &(u, v, w) in edges.iter().filter(|e| Input::usable(n, e)) {
            let (a, b) = (compact[u], compact[v]);
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            far[fill[lo]] = I::new(hi);
            weight[fill[lo]] = w;
            fill[lo] += 1;
        }
        drop(fill);

        // ...then merge duplicates within each bucket: `seen[b] == a` means
        // edge (a, b) already exists, with index `index[b]`.
        let mut endpoint: Vec<I> = Vec::with_capacity(2 * input.usable);
        let mut w2: Vec<W> = Vec::with_capacity(input.usable);
        let mut degree = vec![0usize; nv + 1];
        let mut seen = vec![NONE; nv];
        let mut index = vec![0usize; nv];
        for a in 0..nv {
            for slot in start[a]..start[a + 1] {
                let (b, w) = (far[slot].idx(), W::from_i64(weight[slot]));
                if seen[b] == a {
                    let k = index[b];
                    w2[k] = w2[k].max(w + w);
                } else {
                    seen[b] = a;
                    index[b] = w2.len();
                    endpoint.push(I::new(a));
                    endpoint.push(I::new(b));
                    w2.push(w + w);
                    degree[a + 1] += 1;
                    degree[b + 1] += 1;
                }
            }
        }
        drop((far, weight, seen, index, start));

        // Adjacency lists, in edge order.
        let mut adj_start = degree;
        for i in 0..nv {
            adj_start[i + 1] += adj_start[i];
        }
        let mut fill = adj_start.clone();
        let placeholder = Link {
            to: I::new(0),
            p: I::new(0),
            w2: W::ZERO,
        };
        let mut adj = vec![placeholder; 2 * w2.len()];
        for (k, &wk) in w2.iter().enumerate() {
            let (a, b) = (endpoint[2 * k].idx(), endpoint[2 * k + 1].idx());
            adj[fill[a]] = Link {
                to: I::new(b),
                p: I::new(2 * k + 1),
                w2: wk,
            };
            fill[a] += 1;
            adj[fill[b]] = Link {
                to: I::new(a),
                p: I::new(2 * k),
                w2: wk,
            };
            fill[b] += 1;
        }

        let max_weight = W::from_i64(input.max_weight);
        let mut dualvar = vec![max_weight; nv];
        dualvar.resize(2 * nv, W::ZERO);
        let mut blossombase: Vec<usize> = (0..nv).collect();
        blossombase.resize(2 * nv, NONE);

        Matcher {
            nv,
            endpoint,
            w2,
            adj_start,
            adj,
            mate: vec![NONE; nv],
            label: vec![FREE; 2 * nv],
            labelend: vec![NONE; 2 * nv],
            tree: vec![NONE; 2 * nv],
            inblossom: (0..nv).collect(),
            blossomparent: vec![NONE; 2 * nv],
            blossomchilds: vec![Vec::new(); 2 * nv],
            blossombase,
            blossomendps: vec![Vec::new(); 2 * nv],
            bestedge: vec![NONE; 2 * nv],
            beststamp: vec![0; 2 * nv],
            markstamp: vec![0; nv],
            freed: vec![0; nv],
            epoch: 0,
            blossombestedges: vec![Vec::new(); 2 * nv],
            has_bestedges: vec![false; 2 * nv],
            unusedblossoms: (nv..2 * nv).rev().collect(),
            dualvar,
            queue: Vec::new(),
            pending: Vec::new(),
            bestedgeto: vec![NONE; 2 * nv],
            scratch: Vec::new(),
            tasks: Vec::new(),
        }
    }

    /// The vertex at endpoint `p`.
    fn end(&self, p: usize) -> usize {
        self.endpoint[p].idx()
    }

    /// Twice the slack of edge `k` (not valid for edges inside a blossom).
    fn slack(&self, k: usize) -> W {
        self.dualvar[self.end(2 * k)] + self.dualvar[self.end(2 * k + 1)] - self.w2[k]
    }

    fn is_s_vertex(&self, v: usize) -> bool {
        self.label[self.inblossom[v]] == S
    }

    /// Whether S-vertex `s` has stayed an S-vertex since epoch `stamp`.
    fn s_since(&self, s: usize, stamp: u64) -> bool {
        self.freed[s] <= stamp && self.is_s_vertex(s)
    }

    /// Appends the vertices of blossom `b` to `out`, in blossom order.
    fn leaves_into(&self, b: usize, out: &mut Vec<usize>) {
        if b < self.nv {
            out.push(b);
            return;
        }
        let mut stack = vec![b];
        while let Some(x) = stack.pop() {
            if x < self.nv {
                out.push(x);
            } else {
                stack.extend(self.blossomchilds[x].iter().rev());
            }
        }
    }

    fn set_bestedge(&mut self, x: usize, e: usize) {
        self.bestedge[x] = e;
        self.beststamp[x] = self.epoch;
    }

    /// Labels the top-level blossom containing `w` with `t` in alternating
    /// tree `tree`, reached through the edge with remote endpoint `p`. A
    /// T-blossom's mate becomes S.
    fn assign_label(&mut self, w: usize, t: u8, p: usize, tree: usize) {
        let (mut w, mut t, mut p) = (w, t, p);
        loop {
            let b = self.inblossom[w];
            debug_assert!(self.label[w] == FREE && self.label[b] == FREE);
            self.label[w] = t;
            self.label[b] = t;
            self.labelend[w] = p;
            self.labelend[b] = p;
            self.tree[b] = tree;
            self.bestedge[w] = NONE;
            self.bestedge[b] = NONE;
            if t == S {
                // b became an S-blossom: its vertices are to be scanned.
                let mut queue = std::mem::take(&mut self.queue);
                self.leaves_into(b, &mut queue);
                self.queue = queue;
                return;
            }
            // b became a T-blossom: its base's mate becomes an S-vertex.
            let mate = self.mate[self.blossombase[b]];
            debug_assert!(mate != NONE);
            if mate == NONE {
                return;
            }
            (w, t, p) = (self.end(mate), S, mate ^ 1);
        }
    }

    /// Traces back from S-vertices `v` and `w` (joined by a tight edge) to find
    /// either the base of a new blossom or an augmenting path (`NONE`).
    fn scan_blossom(&mut self, v: usize, w: usize) -> usize {
        let mut path = std::mem::take(&mut self.scratch);
        path.clear();
        let mut base = NONE;
        let (mut v, mut w) = (v, w);
        while v != NONE {
            let b = self.inblossom[v];
            if self.label[b] & CRUMB != 0 {
                base = self.blossombase[b];
                break;
            }
            debug_assert_eq!(self.label[b], S);
            path.push(b);
            self.label[b] = S | CRUMB;
            if self.labelend[b] == NONE {
                // The base of b is single: this path ends here.
                v = NONE;
            } else {
                // Step back through b's mate (a T-blossom) to the S-blossom
                // that labelled it.
                let t = self.inblossom[self.end(self.labelend[b])];
                debug_assert_eq!(self.label[t], T);
                v = self.end(self.labelend[t]);
            }
            if w != NONE {
                std::mem::swap(&mut v, &mut w);
            }
        }
        for &b in &path {
            self.label[b] = S;
        }
        self.scratch = path;
        base
    }

    /// Builds a new S-blossom with the given base from the cycle closed by edge
    /// `k` between two S-vertices; its T-vertices become S and are queued.
    fn add_blossom(&mut self, base: usize, k: usize) {
        let (mut v, mut w) = (self.end(2 * k), self.end(2 * k + 1));
        let bb = self.inblossom[base];
        let mut bv = self.inblossom[v];
        let mut bw = self.inblossom[w];
        let Some(b) = self.unusedblossoms.pop() else {
            debug_assert!(false, "out of blossom numbers");
            return;
        };
        self.blossombase[b] = base;
        self.blossomparent[b] = NONE;
        self.blossomparent[bb] = b;

        let mut path = std::mem::take(&mut self.blossomchilds[b]);
        let mut endps = std::mem::take(&mut self.blossomendps[b]);
        path.clear();
        endps.clear();
        // Trace back from v to the base.
        while bv != bb {
            self.blossomparent[bv] = b;
            path.push(bv);
            endps.push(self.labelend[bv]);
            v = self.end(self.labelend[bv]);
            bv = self.inblossom[v];
        }
        path.push(bb);
        path.reverse();
        endps.reverse();
        endps.push(2 * k);
        // Trace back from w to the base.
        while bw != bb {
            self.blossomparent[bw] = b;
            path.push(bw);
            endps.push(self.labelend[bw] ^ 1);
            w = self.end(self.labelend[bw]);
            bw = self.inblossom[w];
        }
        self.blossomchilds[b] = path;
        self.blossomendps[b] = endps;

        debug_assert_eq!(self.label[bb], S);
        self.label[b] = S;
        self.labelend[b] = self.labelend[bb];
        self.tree[b] = self.tree[bb];
        self.dualvar[b] = W::ZERO;

        // Relabel the vertices: former T-vertices become S and get scanned.
        let mut leaves = std::mem::take(&mut self.scratch);
        leaves.clear();
        self.leaves_into(b, &mut leaves);
        for &x in &leaves {
            if self.label[self.inblossom[x]] == T {
                self.queue.push(x);
            }
            self.inblossom[x] = b;
        }

        // Least-slack edges from the new blossom to each neighbouring
        // S-blossom, gathered from the sub-blossoms' lists or their vertices.
        let mut touched: Vec<usize> = Vec::new();
        for ci in 0..self.blossomchilds[b].len() {
            let sub = self.blossomchilds[b][ci];
            if self.has_bestedges[sub] {
                let list = std::mem::take(&mut self.blossombestedges[sub]);
                for &e in &list {
                    let (i, j) = (self.end(2 * e), self.end(2 * e + 1));
                    let far = if self.inblossom[j] == b { i } else { j };
                    self.consider_best_edge_to(b, self.inblossom[far], e, &mut touched);
                }
                self.blossombestedges[sub] = list;
            } else {
                leaves.clear();
                self.leaves_into(sub, &mut leaves);
                for &x in &leaves {
                    for idx in self.adj_start[x]..self.adj_start[x + 1] {
                        let arc = self.adj[idx];
                        self.consider_best_edge_to(
                            b,
                            self.inblossom[arc.to.idx()],
                            arc.p.idx() >> 1,
                            &mut touched,
                        );
                    }
                }
            }
            self.has_bestedges[sub] = false;
            self.blossombestedges[sub].clear();
            self.bestedge[sub] = NONE;
        }
        self.scratch = leaves;

        let mut list = std::mem::take(&mut self.blossombestedges[b]);
        list.clear();
        let mut best = NONE;
        let mut best_slack = W::ZERO;
        for &bj in &touched {
            let e = self.bestedgeto[bj];
            self.bestedgeto[bj] = NONE;
            list.push(e);
            let s = self.slack(e);
            if best == NONE || s < best_slack {
                best = e;
                best_slack = s;
            }
        }
        self.blossombestedges[b] = list;
        self.has_bestedges[b] = true;
        self.set_bestedge(b, best);
    }

    /// Records edge `e` from blossom `b` to top-level blossom `bj` as the
    /// least-slack one so far, if `bj` is another S-blossom.
    fn consider_best_edge_to(&mut self, b: usize, bj: usize, e: usize, touched: &mut Vec<usize>) {
        if bj == b || self.label[bj] != S {
            return;
        }
        let current = self.bestedgeto[bj];
        if current == NONE {
            touched.push(bj);
            self.bestedgeto[bj] = e;
        } else if self.slack(e) < self.slack(current) {
            self.bestedgeto[bj] = e;
        }
    }

    /// Expands top-level blossom `b0` into its sub-blossoms. When its tree
    /// was just dissolved (`endstage`, the reference's end of a stage),
    /// zero-dual sub-blossoms are expanded too; when a T-blossom's dual
    /// reaches zero during the search, its sub-blossoms are relabelled so that
    /// the alternating tree stays consistent.
    fn expand_blossom(&mut self, b0: usize, endstage: bool) {
        let mut stack = vec![b0];
        let mut leaves = Vec::new();
        while let Some(b) = stack.pop() {
            let childs = std::mem::take(&mut self.blossomchilds[b]);
            for &s in &childs {
                self.blossomparent[s] = NONE;
                if s < self.nv {
                    self.inblossom[s] = s;
                } else if endstage && self.dualvar[s] == W::ZERO {
                    stack.push(s);
                } else {
                    leaves.clear();
                    self.leaves_into(s, &mut leaves);
                    for &x in &leaves {
                        self.inblossom[x] = s;
                    }
                }
            }
            if !endstage && self.label[b] == T {
                self.relabel_expanded_t_blossom(b, &childs);
            }
            // Recycle the blossom number.
            let mut childs = childs;
            childs.clear();
            self.blossomchilds[b] = childs;
            self.blossomendps[b].clear();
            self.label[b] = FREE;
            self.labelend[b] = NONE;
            self.tree[b] = NONE;
            self.blossombase[b] = NONE;
            self.blossombestedges[b].clear();
            self.has_bestedges[b] = false;
            self.bestedge[b] = NONE;
            self.unusedblossoms.push(b);
        }
    }

    /// Whether vertex `v` inside a T-blossom is reached by a tight edge from an
    /// S-vertex; repairs a reach mark made by a vertex freed since (then `v`
    /// is unreached unless another S-vertex reaches it).
    fn is_reached(&mut self, v: usize) -> bool {
        if self.label[v] == FREE {
            return false;
        }
        let s = self.end(self.labelend[v]);
        if self.s_since(s, self.markstamp[v]) {
            return true;
        }
        // Stale mark: look for another tight edge from an S-vertex, keeping
        // the least-slack one otherwise.
        self.label[v] = FREE;
        self.labelend[v] = NONE;
        let mut best = NONE;
        let mut best_slack = W::ZERO;
        for idx in self.adj_start[v]..self.adj_start[v + 1] {
            let arc = self.adj[idx];
            if self.inblossom[arc.to.idx()] == self.inblossom[v] || !self.is_s_vertex(arc.to.idx())
            {
                continue;
            }
            let s = self.dualvar[v] + self.dualvar[arc.to.idx()] - arc.w2;
            if s <= W::ZERO {
                self.label[v] = T;
                self.labelend[v] = arc.p.idx();
                self.markstamp[v] = self.epoch;
                return true;
            }
            if best == NONE || s < best_slack {
                best = arc.p.idx() >> 1;
                best_slack = s;
            }
        }
        self.set_bestedge(v, best);
        false
    }

    /// After T-blossom `b` (with sub-blossoms `childs`) was taken apart during
    /// the search: relabel the sub-blossoms on the even-length path from the one
    /// through which `b` was reached to its base (alternately T and S), and
    /// label T any other sub-blossom already reachable from an S-vertex.
    fn relabel_expanded_t_blossom(&mut self, b: usize, childs: &[usize]) {
        let len = childs.len();
        debug_assert!(self.labelend[b] != NONE);
        if self.labelend[b] == NONE || len == 0 {
            return;
        }
        let tree = self.tree[b];
        let entrychild = self.inblossom[self.end(self.labelend[b] ^ 1)];
        let Some(start) = childs.iter().position(|&c| c == entrychild) else {
            debug_assert!(false, "entry child not found");
            return;
        };
        // Go round the blossom in the direction that reaches the base through
        // an even number of steps.
        let (mut j, jstep, endptrick): (isize, isize, usize) = if start & 1 == 1 {
            (start as isize - len as isize, 1, 0)
        } else {
            (start as isize, -1, 1)
        };
        let endps = std::mem::take(&mut self.blossomendps[b]);
        let endp = |j: isize| endps[wrap(j - endptrick as isize, len)];
        let mut p = self.labelend[b];
        while j != 0 {
            // Relabel the T-sub-blossom (its mate, the next one, becomes S).
            let (t_entry, s_entry) = (self.end(p ^ 1), self.end(endp(j) ^ endptrick ^ 1));
            self.label[t_entry] = FREE;
            self.label[s_entry] = FREE;
            self.assign_label(t_entry, T, p, tree);
            j += jstep;
            p = endp(j) ^ endptrick;
            j += jstep;
        }
        // The base sub-blossom becomes T without passing the label on to its
        // mate (outside b, already S).
        let bv = childs[wrap(j, len)];
        let x = self.end(p ^ 1);
        self.label[x] = T;
        self.label[bv] = T;
        self.labelend[x] = p;
        self.labelend[bv] = p;
        self.tree[bv] = tree;
        self.bestedge[bv] = NONE;
        // The other sub-blossoms, from the base back to the entry child: label
        // T those that contain a vertex reached from outside.
        j += jstep;
        let mut leaves = Vec::new();
        while childs[wrap(j, len)] != entrychild {
            let bv = childs[wrap(j, len)];
            j += jstep;
            if self.label[bv] == S {
                // Became S through one of its neighbours already.
                continue;
            }
            leaves.clear();
            self.leaves_into(bv, &mut leaves);
            let mut reached = NONE;
            for &v in &leaves {
                if self.is_reached(v) {
                    reached = v;
                    break;
                }
            }
            if reached != NONE {
                let v = reached;
                debug_assert_eq!(self.inblossom[v], bv);
                self.label[v] = FREE;
                let base_mate = self.mate[self.blossombase[bv]];
                if base_mate != NONE {
                    let outside = self.end(base_mate);
                    self.label[outside] = FREE;
                }
                let reacher = self.end(self.labelend[v]);
                let reacher_tree = self.tree[self.inblossom[reacher]];
                self.assign_label(v, T, self.labelend[v], reacher_tree);
            }
        }
        self.blossomendps[b] = endps;
    }

    /// Swaps matched and unmatched edges along the even-length alternating path
    /// inside blossom `b0` from vertex `v0` to the base; `v0` becomes the base.
    fn augment_blossom(&mut self, b0: usize, v0: usize) {
        let mut tasks = std::mem::take(&mut self.tasks);
        tasks.clear();
        tasks.push((b0, v0));
        // Each task only touches the inside of its own blossom, so nested
        // blossoms can be handled in any order.
        while let Some((b, v)) = tasks.pop() {
            let mut t = v;
            while self.blossomparent[t] != b {
                t = self.blossomparent[t];
            }
            if t >= self.nv {
                tasks.push((t, v));
            }
            let len = self.blossomchilds[b].len();
            let Some(i) = self.blossomchilds[b].iter().position(|&c| c == t) else {
                debug_assert!(false, "sub-blossom not found");
                continue;
            };
            let (mut j, jstep, endptrick): (isize, isize, usize) = if i & 1 == 1 {
                (i as isize - len as isize, 1, 0)
            } else {
                (i as isize, -1, 1)
            };
            while j != 0 {
                j += jstep;
                let t = self.blossomchilds[b][wrap(j, len)];
                let p = self.blossomendps[b][wrap(j - endptrick as isize, len)] ^ endptrick;
                if t >= self.nv {
                    tasks.push((t, self.end(p)));
                }
                j += jstep;
                let t = self.blossomchilds[b][wrap(j, len)];
                if t >= self.nv {
                    tasks.push((t, self.end(p ^ 1)));
                }
                let (x, y) = (self.end(p), self.end(p ^ 1));
                self.mate[x] = p ^ 1;
                self.mate[y] = p;
            }
            self.blossomchilds[b].rotate_left(i);
            self.blossomendps[b].rotate_left(i);
            self.blossombase[b] = v;
        }
        self.tasks = tasks;
    }

    /// Augments the matching along the path through edge `k` (between two
    /// S-vertices of different trees) back to both trees' single roots.
    fn augment_matching(&mut self, k: usize) {
        let (v, w) = (self.end(2 * k), self.end(2 * k + 1));
        for (s0, p0) in [(v, 2 * k + 1), (w, 2 * k)] {
            let (mut s, mut p) = (s0, p0);
            loop {
                let bs = self.inblossom[s];
                debug_assert_eq!(self.label[bs], S);
                if bs >= self.nv {
                    self.augment_blossom(bs, s);
                }
                self.mate[s] = p;
                if self.labelend[bs] == NONE {
                    // Reached the single root.
                    break;
                }
                let t = self.end(self.labelend[bs]);
                let bt = self.inblossom[t];
                debug_assert_eq!(self.label[bt], T);
                let lt = self.labelend[bt];
                s = self.end(lt);
                let j = self.end(lt ^ 1);
                if bt >= self.nv {
                    self.augment_blossom(bt, j);
                }
                self.mate[j] = lt;
                p = lt ^ 1;
            }
        }
    }

    /// Removes the labels of the alternating trees rooted at `ta` and `tb`
    /// (just joined by an augmenting path), expands their zero-dual
    /// S-blossoms as the reference does at the end of a stage, and reconnects
    /// the freed vertices to the remaining trees: least-slack edges for the
    /// next dual change, and tight edges queued for scanning.
    fn dissolve_trees(&mut self, ta: usize, tb: usize) {
        self.epoch += 1;
        let nv = self.nv;
        let mut dissolved = Vec::new();
        for b in 0..2 * nv {
            let top = if b < nv {
                self.blossomparent[b] == NONE
            } else {
                self.blossombase[b] != NONE && self.blossomparent[b] == NONE
            };
            if top && self.label[b] != FREE && (self.tree[b] == ta || self.tree[b] == tb) {
                dissolved.push(b);
            }
        }
        let mut freed = Vec::new();
        let mut stack = Vec::new();
        for &b in &dissolved {
            let was_s = self.label[b] == S;
            stack.push(b);
            while let Some(x) = stack.pop() {
                self.label[x] = FREE;
                self.labelend[x] = NONE;
                self.tree[x] = NONE;
                self.bestedge[x] = NONE;
                if x < nv {
                    self.freed[x] = self.epoch;
                    freed.push(x);
                } else {
                    self.has_bestedges[x] = false;
                    self.blossombestedges[x].clear();
                    stack.extend(self.blossomchilds[x].iter().copied());
                }
            }
            if was_s && b >= nv && self.dualvar[b] == W::ZERO {
                self.expand_blossom(b, true);
            }
        }
        for &x in &freed {
            let bx = self.inblossom[x];
            let mut best = NONE;
            let mut best_slack = W::ZERO;
            let mut tight = None;
            for idx in self.adj_start[x]..self.adj_start[x + 1] {
                let arc = self.adj[idx];
                let y = arc.to.idx();
                if self.inblossom[y] == bx || !self.is_s_vertex(y) {
                    continue;
                }
                let s = self.dualvar[x] + self.dualvar[y] - arc.w2;
                if best == NONE || s < best_slack {
                    best = arc.p.idx() >> 1;
                    best_slack = s;
                    if s <= W::ZERO && tight.is_none() {
                        // Scan this edge from the S side.
                        tight = Some((
                            y,
                            Link {
                                to: I::new(x),
                                p: I::new(arc.p.idx() ^ 1),
                                w2: arc.w2,
                            },
                        ));
                    }
                }
            }
            self.set_bestedge(x, best);
            if let Some(work) = tight {
                self.pending.push(work);
            }
        }
    }

    /// Handles edge `arc` out of S-vertex `v`: extends a tree, makes a
    /// blossom or augments along a tight edge; otherwise records it as a
    /// least-slack candidate.
    fn scan_edge(&mut self, v: usize, arc: Link<W, I>) {
        let w = arc.to.idx();
        let bv = self.inblossom[v];
        let bw = self.inblossom[w];
        if bv == bw {
            // Internal to a blossom.
            return;
        }
        let k = arc.p.idx() >> 1;
        let kslack = self.dualvar[v] + self.dualvar[w] - arc.w2;
        if kslack <= W::ZERO {
            // Tight edge: it can extend the search.
            match self.label[bw] {
                FREE => self.assign_label(w, T, arc.p.idx() ^ 1, self.tree[bv]),
                S => {
                    let base = self.scan_blossom(v, w);
                    if base != NONE {
                        self.add_blossom(base, k);
                    } else {
                        let (ta, tb) = (self.tree[bv], self.tree[bw]);
                        self.augment_matching(k);
                        self.dissolve_trees(ta, tb);
                    }
                }
                _ => {
                    if self.label[w] == FREE {
                        // w is inside a T-blossom and now reachable.
                        self.label[w] = T;
                        self.labelend[w] = arc.p.idx() ^ 1;
                        self.markstamp[w] = self.epoch;
                    }
                }
            }
        } else if self.label[bw] == S {
            self.offer_bestedge(bv, k, kslack, v);
        } else if self.label[w] == FREE {
            self.offer_bestedge(w, k, kslack, w);
        }
    }

    /// Offers edge `k` (slack `kslack`) as least-slack record of `x`: a
    /// top-level S-blossom, or a vertex outside S-blossoms; `side` is the end
    /// of `k` inside `x`.
    fn offer_bestedge(&mut self, x: usize, k: usize, kslack: W, side: usize) {
        let current = self.bestedge[x];
        if current == DIRTY {
            return;
        }
        if current == NONE {
            self.set_bestedge(x, k);
        } else if !self.best_is_fresh(x, side) {
            self.bestedge[x] = DIRTY;
        } else if kslack < self.slack(current) {
            self.set_bestedge(x, k);
        }
    }

    /// Whether `bestedge[x]` (not NONE or DIRTY) still joins `x` to an
    /// S-vertex that has stayed S since the record was made; `side` is a
    /// vertex of `x` (`x` itself for a vertex).
    fn best_is_fresh(&self, x: usize, side: usize) -> bool {
        if self.beststamp[x] == self.epoch {
            // No vertex was freed since the record was made.
            return true;
        }
        let e = self.bestedge[x];
        let (i, j) = (self.end(2 * e), self.end(2 * e + 1));
        let far = if x < self.nv {
            if i == side { j } else { i }
        } else if self.inblossom[i] == x {
            j
        } else {
            i
        };
        self.inblossom[far] != self.inblossom[side] && self.s_since(far, self.beststamp[x])
    }

    /// Recomputes `bestedge[b]` for top-level S-blossom (or S-vertex) `b` from
    /// all edges of its vertices.
    fn recompute_s_best(&mut self, b: usize) {
        let mut leaves = std::mem::take(&mut self.scratch);
        leaves.clear();
        self.leaves_into(b, &mut leaves);
        let mut best = NONE;
        let mut best_slack = W::ZERO;
        for &x in &leaves {
            for idx in self.adj_start[x]..self.adj_start[x + 1] {
                let arc = self.adj[idx];
                let by = self.inblossom[arc.to.idx()];
                if by == b || self.label[by] != S {
                    continue;
                }
                let s = self.dualvar[x] + self.dualvar[arc.to.idx()] - arc.w2;
                if best == NONE || s < best_slack {
                    best = arc.p.idx() >> 1;
                    best_slack = s;
                }
            }
        }
        self.scratch = leaves;
        self.set_bestedge(b, best);
    }

    /// Recomputes `bestedge[v]` for a vertex outside S-blossoms.
    fn recompute_free_best(&mut self, v: usize) {
        let bv = self.inblossom[v];
        let mut best = NONE;
        let mut best_slack = W::ZERO;
        for idx in self.adj_start[v]..self.adj_start[v + 1] {
            let arc = self.adj[idx];
            let by = self.inblossom[arc.to.idx()];
            if by == bv || self.label[by] != S {
                continue;
            }
            let s = self.dualvar[v] + self.dualvar[arc.to.idx()] - arc.w2;
            if best == NONE || s < best_slack {
                best = arc.p.idx() >> 1;
                best_slack = s;
            }
        }
        self.set_bestedge(v, best);
    }

    /// Queues the scan of edge `e` from its end `s` (an S-vertex).
    fn push_edge(&mut self, e: usize, s: usize) {
        let (p_s, p_other) = if self.end(2 * e) == s {
            (2 * e, 2 * e + 1)
        } else {
            (2 * e + 1, 2 * e)
        };
        let link = Link {
            to: I::new(self.end(p_other)),
            p: I::new(p_other),
            w2: self.w2[e],
        };
        debug_assert_eq!(self.end(p_s), s);
        self.pending.push((s, link));
    }

    /// Runs the algorithm and returns the matched pairs `(v, w)`, `v < w`.
    fn pairs(mut self) -> Vec<(usize, usize)> {
        self.run();
        debug_assert!(self.verify_optimum(), "dual certificate failed");
        (0..self.nv)
            .filter_map(|v| {
                let p = self.mate[v];
                (p != NONE && v < self.end(p)).then(|| (v, self.end(p)))
            })
            .collect()
    }

    /// The main loop: grow the trees, augment, change the duals, until no
    /// augmenting path can add weight.
    fn run(&mut self) {
        let nv = self.nv;
        for v in 0..nv {
            if self.mate[v] == NONE && self.label[self.inblossom[v]] == FREE {
                self.assign_label(v, S, NONE, v);
            }
        }
        // Each dual change makes progress; this bound is never reached and
        // only guards against looping forever on a broken invariant.
        let max_dual_changes = (nv + 2).saturating_mul(nv + 2).saturating_mul(4);
        for _ in 0..max_dual_changes {
            // Grow the trees along tight edges (augmenting when two meet).
            loop {
                if let Some((y, arc)) = self.pending.pop() {
                    if self.is_s_vertex(y) {
                        self.scan_edge(y, arc);
                    }
                } else if let Some(v) = self.queue.pop() {
                    if !self.is_s_vertex(v) {
                        continue;
                    }
                    let epoch = self.epoch;
                    for idx in self.adj_start[v]..self.adj_start[v + 1] {
                        let arc = self.adj[idx];
                        self.scan_edge(v, arc);
                        if self.epoch != epoch && !self.is_s_vertex(v) {
                            // Its tree was dissolved by an augmentation.
                            break;
                        }
                    }
                } else {
                    break;
                }
            }

            // No tight edge left to use: change the duals.
            // delta1: the least vertex dual (all single vertices share it).
            let mut delta = self.dualvar[..nv].iter().copied().min().unwrap_or(W::ZERO);
            let mut action = Action::Optimum;
            // delta2: least slack of an edge from an S-vertex to a free vertex.
            for v in 0..nv {
                if self.bestedge[v] == NONE || self.label[self.inblossom[v]] != FREE {
                    continue;
                }
                if self.bestedge[v] == DIRTY || !self.best_is_fresh(v, v) {
                    self.recompute_free_best(v);
                }
                let e = self.bestedge[v];
                if e != NONE {
                    let d = self.slack(e);
                    if d < delta {
                        delta = d;
                        action = Action::TightenToFree(e);
                    }
                }
            }
            // delta3: half the least slack of an edge between S-blossoms.
            for b in 0..2 * nv {
                if self.bestedge[b] == NONE || self.blossomparent[b] != NONE || self.label[b] != S {
                    continue;
                }
                if self.bestedge[b] == DIRTY || !self.best_is_fresh(b, self.blossombase[b]) {
                    self.recompute_s_best(b);
                }
                let e = self.bestedge[b];
                if e != NONE {
                    let d = self.slack(e).half();
                    if d < delta {
                        delta = d;
                        action = Action::TightenBetweenS(e);
                    }
                }
            }
            // delta4: least dual of a T-blossom.
            for b in nv..2 * nv {
                if self.blossombase[b] != NONE
                    && self.blossomparent[b] == NONE
                    && self.label[b] == T
                    && self.dualvar[b] < delta
                {
                    delta = self.dualvar[b];
                    action = Action::Expand(b);
                }
            }

            for v in 0..nv {
                match self.label[self.inblossom[v]] {
                    S => self.dualvar[v] -= delta,
                    T => self.dualvar[v] += delta,
                    _ => {}
                }
            }
            for b in nv..2 * nv {
                if self.blossombase[b] != NONE && self.blossomparent[b] == NONE {
                    match self.label[b] {
                        S => self.dualvar[b] += delta,
                        T => self.dualvar[b] -= delta,
                        _ => {}
                    }
                }
            }

            match action {
                Action::Optimum => return,
                Action::TightenToFree(e) => {
                    let i = self.end(2 * e);
                    let s = if self.is_s_vertex(i) {
                        i
                    } else {
                        self.end(2 * e + 1)
                    };
                    debug_assert!(self.is_s_vertex(s));
                    self.push_edge(e, s);
                }
                Action::TightenBetweenS(e) => {
                    let i = self.end(2 * e);
                    debug_assert!(self.is_s_vertex(i));
                    self.push_edge(e, i);
                }
                Action::Expand(b) => self.expand_blossom(b, false),
            }
        }
        debug_assert!(false, "no convergence");
    }

    /// Checks the optimality certificate: non-negative duals and slacks, tight
    /// matched edges, zero dual on single vertices, full blossoms wherever the
    /// blossom dual is positive, and a consistent `mate`.
    fn verify_optimum(&self) -> bool {
        let nv = self.nv;
        if self.dualvar.iter().any(|&d| d < W::ZERO) {
            return false;
        }
        let ancestors = |v: usize| {
            let mut chain = vec![v];
            while let Some(&last) = chain.last() {
                let parent = self.blossomparent[last];
                if parent == NONE {
                    break;
                }
                chain.push(parent);
            }
            chain.reverse();
            chain
        };
        for k in 0..self.w2.len() {
            let (i, j) = (self.end(2 * k), self.end(2 * k + 1));
            let mut s = self.slack(k);
            for (bi, bj) in ancestors(i).into_iter().zip(ancestors(j)) {
                if bi != bj {
                    break;
                }
                s += self.dualvar[bi] + self.dualvar[bi];
            }
            if s < W::ZERO {
                return false;
            }
            let mi = self.mate[i] != NONE && self.mate[i] >> 1 == k;
            let mj = self.mate[j] != NONE && self.mate[j] >> 1 == k;
            if mi != mj || (mi && s != W::ZERO) {
                return false;
            }
        }
        for v in 0..nv {
            let p = self.mate[v];
            if p == NONE {
                if self.dualvar[v] != W::ZERO {
                    return false;
                }
            } else if self.mate[self.end(p)] != (p ^ 1) {
                return false;
            }
        }
        for b in nv..2 * nv {
            if self.blossombase[b] != NONE && self.dualvar[b] > W::ZERO {
                let endps = &self.blossomendps[b];
                if endps.len() % 2 != 1 {
                    return false;
                }
                for &p in endps.iter().skip(1).step_by(2) {
                    if self.mate[self.end(p)] != (p ^ 1) || self.mate[self.end(p ^ 1)] != p {
                        return false;
                    }
                }
            }
        }
        true
    }
}

/// What to do after a dual change.
#[derive(Clone, Copy)]
enum Action {
    /// delta1: no augmenting path can add weight; the matching is optimal.
    Optimum,
    /// delta2: this edge from an S-vertex to a free vertex became tight.
    TightenToFree(usize),
    /// delta3: this edge between two S-blossoms became tight.
    TightenBetweenS(usize),
    /// delta4: this T-blossom's dual reached zero; expand it.
    Expand(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Edges = Vec<(usize, usize, i64)>;

    /// Heaviest weight of each usable pair, as the engine reads the input
    /// (`None`: no edge, a self-loop or an out-of-range vertex).
    fn weight_table(n: usize, edges: &[(usize, usize, i64)]) -> Vec<Vec<Option<i64>>> {
        let mut w = vec![vec![None; n]; n];
        for &(u, v, x) in edges {
            if u < n && v < n && u != v {
                let best = w[u][v].map_or(x, |y: i64| y.max(x));
                w[u][v] = Some(best);
                w[v][u] = Some(best);
            }
        }
        w
    }

    /// Maximum total weight over *all* matchings (any edge may be taken,
    /// negative ones included), by dynamic programming over vertex subsets.
    fn brute_force(n: usize, edges: &[(usize, usize, i64)]) -> i128 {
        assert!(n <= 16);
        let w = weight_table(n, edges);
        let mut best = vec![0i128; 1 << n];
        for mask in 1usize..(1 << n) {
            let i = mask.trailing_zeros() as usize;
            let rest = mask & !(1 << i);
            let mut b = best[rest];
            for j in 0..n {
                if rest & (1 << j) != 0
                    && let Some(x) = w[i][j]
                {
                    b = b.max(i128::from(x) + best[rest & !(1 << j)]);
                }
            }
            best[mask] = b;
        }
        best[(1 << n) - 1]
    }

    /// Checks that `mate` is a matching of the graph using only usable edges
    /// of positive weight, and returns its total weight.
    fn checked_total(n: usize, edges: &[(usize, usize, i64)], mate: &[Option<usize>]) -> i128 {
        assert_eq!(mate.len(), n);
        let w = weight_table(n, edges);
        let mut total = 0i128;
        for (v, m) in mate.iter().enumerate() {
            if let Some(u) = *m {
                assert!(u < n && u != v, "bad mate {u} for {v}");
                assert_eq!(mate[u], Some(v), "mate not symmetric at {v}");
                let x = w[v][u].unwrap_or_else(|| panic!("{v}-{u} is not an edge"));
                assert!(x > 0, "took edge {v}-{u} of weight {x}");
                if v < u {
                    total += i128::from(x);
                }
            }
        }
        total
    }

    fn assert_optimal(n: usize, edges: &[(usize, usize, i64)]) {
        let mate = max_weight_matching(n, edges);
        let total = checked_total(n, edges, &mate);
        assert_eq!(
            total,
            brute_force(n, edges),
            "n={n} edges={edges:?} mate={mate:?}"
        );
        assert_eq!(mate, max_weight_matching(n, edges), "not deterministic");
    }

    /// Runs the engine and checks its dual certificate explicitly.
    fn certified(n: usize, edges: &[(usize, usize, i64)]) -> bool {
        let input = Input::new(n, edges);
        if input.usable == 0 {
            return true;
        }
        let mut narrow = Matcher::<i64, u32>::new(&input, edges);
        narrow.run();
        let mut wide = Matcher::<i128, usize>::new(&input, edges);
        wide.run();
        narrow.verify_optimum() && wide.verify_optimum() && narrow.mate == wide.mate
    }

    /// Tiny deterministic generator (xorshift64*), so tests need no RNG crate.
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

    fn random_graph(rng: &mut Rng, n: usize, density_pct: u64, lo: i64, hi: i64) -> Edges {
        let mut edges = Vec::new();
        for u in 0..n {
            for v in u + 1..n {
                if rng.below(100) < density_pct {
                    let span = (hi - lo + 1) as u64;
                    edges.push((u, v, lo + rng.below(span) as i64));
                }
            }
        }
        edges
    }

    #[test]
    fn empty_inputs() {
        assert!(max_weight_matching(0, &[]).is_empty());
        assert_eq!(max_weight_matching(3, &[]), vec![None; 3]);
        // Edges that cannot be used on an empty vertex set.
        assert!(max_weight_matching(0, &[(0, 1, 5), (0, 0, 3)]).is_empty());
    }

    #[test]
    fn single_edge() {
        assert_eq!(max_weight_matching(2, &[(0, 1, 1)]), vec![Some(1), Some(0)]);
        assert_eq!(
            max_weight_matching(3, &[(2, 0, 7)]),
            vec![Some(2), None, Some(0)]
        );
    }

    #[test]
    fn ignores_self_loops_out_of_range_and_non_positive_edges() {
        let edges = [
            (0, 0, 100),
            (1, 5, 100),
            (7, 8, 3),
            (0, 1, 0),
            (1, 2, -4),
            (2, 3, 2),
        ];
        assert_eq!(
            max_weight_matching(4, &edges),
            vec![None, None, Some(3), Some(2)]
        );
        assert_eq!(max_weight_matching(2, &[(0, 1, -1)]), vec![None, None]);
        assert_eq!(max_weight_matching(1, &[(0, 0, 9)]), vec![None]);
        assert_eq!(
            max_weight_matching(2, &[(0, usize::MAX, 9)]),
            vec![None, None]
        );
    }

    #[test]
    fn duplicate_edges_keep_the_heaviest() {
        // 0-1 appears with 1 and (reversed) 5: 5 beats the path 1-2 (3).
        let edges = [(0, 1, 1), (1, 2, 3), (1, 0, 5), (0, 1, 2)];
        assert_eq!(max_weight_matching(3, &edges), vec![Some(1), Some(0), None]);
    }

    #[test]
    fn weight_not_cardinality() {
        // Path 0-1-2-3 with a heavy middle: one edge (11) beats two (5 + 5).
        assert_eq!(
            max_weight_matching(4, &[(0, 1, 5), (1, 2, 11), (2, 3, 5)]),
            vec![None, Some(2), Some(1), None]
        );
        // With a lighter middle, the two outer edges win.
        assert_eq!(
            max_weight_matching(4, &[(0, 1, 5), (1, 2, 9), (2, 3, 5)]),
            vec![Some(1), Some(0), Some(3), Some(2)]
        );
    }

    #[test]
    fn huge_weights_use_wide_arithmetic() {
        let big = i64::MAX - 1;
        let edges = [
            (0, 1, big),
            (1, 2, big),
            (2, 3, big),
            (3, 0, big - 7),
            (0, 2, big / 2),
        ];
        assert_optimal(4, &edges);
        let edges = [
            (0, 1, i64::MAX),
            (1, 2, i64::MAX),
            (2, 0, i64::MAX),
            (2, 3, 1),
        ];
        assert_optimal(4, &edges);
        assert_eq!(
            max_weight_matching(2, &[(0, 1, i64::MAX)]),
            vec![Some(1), Some(0)]
        );
    }

    /// Graphs (1-based, as in the classic mwmatching.py test suite) that steer
    /// the algorithm through specific blossom operations: S-blossoms,
    /// relabelling as T, nested blossoms, expansion in the middle of a stage
    /// and at its end, and least-slack edge bookkeeping after an expansion.
    #[test]
    #[rustfmt::skip]
    fn blossom_scenarios() {
        let scenarios: &[&[(usize, usize, i64)]] = &[
            // S-blossom used for augmentation.
            &[(1, 2, 8), (1, 3, 9), (2, 3, 10), (3, 4, 7)],
            &[(1, 2, 8), (1, 3, 9), (2, 3, 10), (3, 4, 7), (1, 6, 5), (4, 5, 6)],
            // S-blossom relabelled as T, then used for augmentation.
            &[(1, 2, 9), (1, 3, 8), (2, 3, 10), (1, 4, 5), (4, 5, 4), (1, 6, 3)],
            &[(1, 2, 9), (1, 3, 8), (2, 3, 10), (1, 4, 5), (4, 5, 3), (1, 6, 4)],
            &[(1, 2, 9), (1, 3, 8), (2, 3, 10), (1, 4, 5), (4, 5, 3), (3, 6, 4)],
            // Nested S-blossom.
            &[(1, 2, 9), (1, 3, 9), (2, 3, 10), (2, 4, 8), (3, 5, 8), (4, 5, 10), (5, 6, 6)],
            // S-blossom relabelled as S, then nested.
            &[(1, 2, 10), (1, 7, 10), (2, 3, 12), (3, 4, 20), (3, 5, 20), (4, 5, 25), (5, 6, 10), (6, 7, 10),
                (7, 8, 8)],
            // Nested S-blossom, augmented, expanded recursively.
            &[(1, 2, 8), (1, 3, 8), (2, 3, 10), (2, 4, 12), (3, 5, 12), (4, 5, 14), (4, 6, 12), (5, 7, 12),
                (6, 7, 14), (7, 8, 12)],
            // S-blossom relabelled as T, expanded.
            &[(1, 2, 23), (1, 5, 22), (1, 6, 15), (2, 3, 25), (3, 4, 22), (4, 5, 25), (4, 8, 14), (5, 7, 13)],
            // Nested S-blossom relabelled as T, expanded.
            &[(1, 2, 19), (1, 3, 20), (1, 8, 8), (2, 3, 25), (2, 4, 18), (3, 5, 18), (4, 5, 13), (4, 7, 7),
                (5, 6, 7)],
            // Blossom relabelled as T in more than one way, expanded, augmented.
            &[(1, 2, 45), (1, 5, 45), (2, 3, 50), (3, 4, 45), (4, 5, 50), (1, 6, 30), (3, 9, 35), (4, 8, 35),
                (5, 7, 26), (9, 10, 5)],
            &[(1, 2, 45), (1, 5, 45), (2, 3, 50), (3, 4, 45), (4, 5, 50), (1, 6, 30), (3, 9, 35), (4, 8, 26),
                (5, 7, 40), (9, 10, 5)],
            // Expansion that creates a new least-slack S-to-free edge.
            &[(1, 2, 45), (1, 5, 45), (2, 3, 50), (3, 4, 45), (4, 5, 50), (1, 6, 30), (3, 9, 35), (4, 8, 28),
                (5, 7, 26), (9, 10, 5)],
            // Nested blossom relabelled as T; the inner one ends up on the path.
            &[(1, 2, 45), (1, 7, 45), (2, 3, 50), (3, 4, 45), (4, 5, 95), (4, 6, 94), (5, 6, 94), (6, 7, 50),
                (1, 8, 30), (3, 11, 35), (5, 9, 36), (7, 10, 26), (11, 12, 5)],
            // Nested S-blossom relabelled as S, expanded recursively.
            &[(1, 2, 40), (1, 3, 40), (2, 3, 60), (2, 4, 55), (3, 5, 55), (4, 5, 50), (1, 8, 15), (5, 7, 30),
                (7, 6, 10), (8, 10, 10), (4, 9, 30)],
            // Negative weights are never taken.
            &[(1, 2, 2), (1, 3, -2), (2, 3, 1), (2, 4, -1), (3, 4, -6)],
        ];
        for edges in scenarios {
            let n = edges
                .iter()
                .map(|&(u, v, _)| u.max(v) + 1)
                .max()
                .unwrap_or(0);
            assert_optimal(n, edges);
            assert!(certified(n, edges));
        }
    }

    /// Graphs on which a reach mark inside a T-blossom of a surviving tree
    /// goes stale (the S-vertex that made it was freed by an augmentation)
    /// before the T-blossom is expanded; found by random search.
    #[test]
    #[rustfmt::skip]
    fn stale_reach_marks_after_dissolving_trees() {
        let scenarios: &[&[(usize, usize, i64)]] = &[
            &[(0, 1, 5), (0, 2, 2), (0, 3, 10), (0, 4, 9), (0, 5, 6), (0, 6, 3), (0, 7, 1), (0, 8, 4),
                (0, 9, 6), (1, 2, 10), (1, 3, 2), (1, 4, 3), (1, 5, 4), (1, 6, 3), (1, 7, 1), (1, 8, 3),
                (1, 9, 9), (2, 3, 5), (2, 4, 2), (2, 5, 4), (2, 6, 6), (2, 7, 7), (2, 8, 7), (2, 9, 10),
                (3, 4, 10), (3, 5, 6), (3, 6, 4), (3, 7, 9), (3, 8, 1), (3, 9, 2), (4, 5, 8), (4, 6, 4),
                (4, 7, 7), (4, 8, 5), (4, 9, 8), (5, 6, 4), (5, 7, 4), (5, 8, 7), (5, 9, 4), (6, 7, 2),
                (6, 8, 5), (6, 9, 4), (7, 8, 8), (7, 9, 7), (8, 9, 2)],
            &[(0, 1, 2), (0, 4, 1), (0, 6, 2), (0, 8, 3), (1, 4, 3), (1, 6, 3), (2, 4, 2), (2, 6, 2),
                (3, 4, 2), (4, 5, 1), (4, 6, 3), (5, 6, 2), (5, 7, 2), (6, 7, 1), (6, 8, 2)],
            &[(0, 3, 1), (0, 6, 2), (0, 8, 1), (1, 7, 2), (1, 8, 2), (2, 3, 2), (2, 7, 3), (2, 8, 3),
                (3, 4, 2), (3, 5, 1), (3, 8, 1), (5, 6, 1), (5, 7, 2), (5, 8, 2), (6, 8, 1), (7, 8, 3)],
        ];
        for edges in scenarios {
            assert_optimal(10, edges);
            assert!(certified(10, edges));
        }
    }

    #[test]
    fn random_medium_graphs_carry_a_dual_certificate() {
        let mut rng = Rng(12345);
        for round in 0..20_000u64 {
            let n = 6 + rng.below(11) as usize;
            let density = [20, 35, 50, 70, 100][(round % 5) as usize];
            let (lo, hi) = [(1, 3), (1, 10), (1, 100), (5, 8)][(round % 4) as usize];
            let edges = random_graph(&mut rng, n, density, lo, hi);
            assert!(certified(n, &edges), "n={n} edges={edges:?}");
        }
    }

    /// Long randomized run, for after changing the algorithm:
    /// `cargo test --release -p peerhub-domain blossom::tests::stress -- --ignored`
    /// (`PEERHUB_MATCHING_STRESS` instances, default 300,000).
    #[test]
    #[ignore = "long; run explicitly after changing the algorithm"]
    fn stress_random_graphs_carry_a_dual_certificate() {
        let rounds: u64 = std::env::var("PEERHUB_MATCHING_STRESS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(300_000);
        let mut rng = Rng(0x57e5_5000_0000_0001);
        for round in 0..rounds {
            let n = if round % 50 == 0 {
                30 + rng.below(90) as usize
            } else {
                4 + rng.below(20) as usize
            };
            let density = [10, 25, 45, 70, 100][(round % 5) as usize];
            let (lo, hi) = [(1, 2), (1, 4), (1, 30), (1, 1_000_000), (-3, 6)]
                [(round % 5 + round / 5 % 5) as usize % 5];
            let edges = random_graph(&mut rng, n, density, lo, hi);
            assert!(certified(n, &edges), "round {round}: n={n} edges={edges:?}");
            if n <= 12 {
                assert_optimal(n, &edges);
            }
        }
    }

    #[test]
    fn random_small_graphs_match_brute_force() {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        for round in 0..6000u64 {
            let n = 1 + rng.below(10) as usize;
            let density = [15, 35, 60, 90, 100][(round % 5) as usize];
            let (lo, hi) = match round % 4 {
                0 => (1, 3),
                1 => (-2, 4),
                2 => (1, 1_000_000),
                _ => (0, 12),
            };
            let edges = random_graph(&mut rng, n, density, lo, hi);
            assert_optimal(n, &edges);
        }
    }

    #[test]
    fn random_larger_graphs_carry_a_dual_certificate() {
        let mut rng = Rng(0x0bad_cafe_f00d_0042);
        for round in 0..60u64 {
            let n = 20 + rng.below(60) as usize;
            let density = [5, 20, 50, 100][(round % 4) as usize];
            let (lo, hi) = if round % 2 == 0 { (1, 3) } else { (1, 10_000) };
            let edges = random_graph(&mut rng, n, density, lo, hi);
            assert!(certified(n, &edges), "round {round}: n={n} edges={edges:?}");
            let mate = max_weight_matching(n, &edges);
            checked_total(n, &edges, &mate);
        }
    }

    #[test]
    fn deterministic_on_a_dense_graph() {
        let mut rng = Rng(7);
        let edges = random_graph(&mut rng, 120, 100, 0, 5);
        let first = max_weight_matching(120, &edges);
        for _ in 0..3 {
            assert_eq!(max_weight_matching(120, &edges), first);
        }
    }

    #[test]
    fn sparse_vertices_in_a_large_range() {
        let n = 1_000_000;
        let edges = [
            (999_999, 3, 4),
            (3, 500_000, 5),
            (500_000, 7, 4),
            (7, 999_999, 1),
        ];
        let mate = max_weight_matching(n, &edges);
        assert_eq!(mate[999_999], Some(3));
        assert_eq!(mate[3], Some(999_999));
        assert_eq!(mate[500_000], Some(7));
        assert_eq!(mate[7], Some(500_000));
        assert_eq!(mate.iter().filter(|m| m.is_some()).count(), 4);
    }

    fn small_instance(
        weights: std::ops::RangeInclusive<i64>,
    ) -> impl Strategy<Value = (usize, Edges)> {
        (0usize..=10).prop_flat_map(move |n| {
            // Endpoints up to n + 1, so some edges are out of range or loops.
            let vertex = 0..n + 2;
            (
                Just(n),
                prop::collection::vec((vertex.clone(), vertex, weights.clone()), 0..=45),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn optimal_with_tied_small_weights((n, edges) in small_instance(-2..=4)) {
            assert_optimal(n, &edges);
        }

        #[test]
        fn optimal_with_wide_weights((n, edges) in small_instance(-1_000..=1_000_000)) {
            assert_optimal(n, &edges);
        }

        #[test]
        fn optimal_on_complete_graphs_with_ties(n in 0usize..=10, seed in any::<u64>()) {
            let mut rng = Rng(seed | 1);
            let edges = random_graph(&mut rng, n, 100, 1, 3);
            assert_optimal(n, &edges);
        }
    }
}
