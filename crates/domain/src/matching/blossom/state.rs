//! The state of the search: the compact input, the dual and index types,
//! the adjacency arrays, labels, blossoms and least-slack records, and the
//! small accessors every step uses.
use std::ops::{Add, AddAssign, Sub, SubAssign};

/// Marks "no vertex / no edge / no endpoint / no blossom".
pub(super) const NONE: usize = usize::MAX;

/// Labels of top-level blossoms (and of vertices inside T-blossoms).
pub(super) const FREE: u8 = 0;
pub(super) const S: u8 = 1;
pub(super) const T: u8 = 2;
/// Breadcrumb bit used while tracing back from two S-vertices.
pub(super) const CRUMB: u8 = 4;

/// What the input holds: the vertices that have a usable edge (self-loops,
/// out-of-range endpoints and weights `≤ 0` are not usable), numbered
/// compactly in increasing order.
pub(super) struct Input {
    /// Caller's vertex → compact index (`NONE` if it has no usable edge).
    pub(super) compact: Vec<usize>,
    /// Compact index → caller's vertex.
    pub(super) original: Vec<usize>,
    /// Number of usable edges, duplicates included.
    pub(super) usable: usize,
    pub(super) max_weight: i64,
}

impl Input {
    pub(super) fn usable(n: usize, &(u, v, w): &(usize, usize, i64)) -> bool {
        u < n && v < n && u != v && w > 0
    }

    pub(super) fn new(n: usize, edges: &[(usize, usize, i64)]) -> Self {
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
pub(super) trait Dual:
    Copy + Ord + Add<Output = Self> + Sub<Output = Self> + AddAssign + SubAssign
{
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
pub(super) trait Ix: Copy {
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
pub(super) struct Link<W, I> {
    /// The neighbour.
    pub(super) to: I,
    /// The neighbour's endpoint index (`2k` or `2k + 1` for edge `k`).
    pub(super) p: I,
    /// Twice the edge weight.
    pub(super) w2: W,
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
pub(super) struct Matcher<W, I> {
    pub(super) nv: usize,
    pub(super) endpoint: Vec<I>,
    /// Twice the weight of each edge.
    pub(super) w2: Vec<W>,
    /// Adjacency of vertex `v`: `adj[adj_start[v]..adj_start[v + 1]]`.
    pub(super) adj_start: Vec<usize>,
    pub(super) adj: Vec<Link<W, I>>,
    /// `mate[v]`: the remote endpoint of `v`'s matched edge, or `NONE`.
    pub(super) mate: Vec<usize>,
    /// Label of a top-level blossom (FREE, S or T, plus CRUMB while tracing);
    /// for a vertex inside a T-blossom, T iff it is reachable from outside.
    pub(super) label: Vec<u8>,
    /// The remote endpoint of the edge through which a blossom (or a vertex
    /// inside a T-blossom) got its label, or `NONE`.
    pub(super) labelend: Vec<usize>,
    /// The alternating tree of a labelled top-level blossom: its root vertex.
    pub(super) tree: Vec<usize>,
    /// Top-level blossom containing each vertex.
    pub(super) inblossom: Vec<usize>,
    pub(super) blossomparent: Vec<usize>,
    /// Sub-blossoms of a non-trivial blossom, starting at the base and going
    /// round the blossom.
    pub(super) blossomchilds: Vec<Vec<usize>>,
    /// Base vertex of each blossom (`NONE` for an unused blossom number).
    pub(super) blossombase: Vec<usize>,
    /// `blossomendps[b][i]`: endpoint of `blossomchilds[b][i]` on the edge that
    /// connects it to the next sub-blossom.
    pub(super) blossomendps: Vec<Vec<usize>>,
    /// Least-slack edge from a free vertex (or an unreached vertex inside a
    /// T-blossom) to an S-vertex, or from a top-level S-blossom to another
    /// S-blossom; `NONE`, or `DIRTY` when it must be recomputed.
    pub(super) bestedge: Vec<usize>,
    /// Epoch in which `bestedge` was last set.
    pub(super) beststamp: Vec<u64>,
    /// Epoch in which a vertex's reach mark (`label[v] == T` inside a
    /// T-blossom) was set.
    pub(super) markstamp: Vec<u64>,
    /// Epoch in which a vertex was last freed by dissolving its tree.
    pub(super) freed: Vec<u64>,
    /// Number of tree dissolutions so far.
    pub(super) epoch: u64,
    /// Least-slack edges from a non-trivial S-blossom to neighbouring
    /// S-blossoms, valid only when `has_bestedges[b]`.
    pub(super) blossombestedges: Vec<Vec<usize>>,
    pub(super) has_bestedges: Vec<bool>,
    pub(super) unusedblossoms: Vec<usize>,
    /// `2·u(v)` for vertices, `z(b)` for blossoms.
    pub(super) dualvar: Vec<W>,
    /// S-vertices whose edges are still to be scanned.
    pub(super) queue: Vec<usize>,
    /// Single edges to scan from an S-vertex (tight edges found by a dual
    /// change or after a dissolution).
    pub(super) pending: Vec<(usize, Link<W, I>)>,
    /// Scratch space for `add_blossom`: least-slack edge to each S-blossom.
    pub(super) bestedgeto: Vec<usize>,
    /// Scratch stacks.
    pub(super) scratch: Vec<usize>,
    pub(super) tasks: Vec<(usize, usize)>,
}

/// `bestedge` value of a record that went stale and must be recomputed.
pub(super) const DIRTY: usize = usize::MAX - 1;

/// Index into a circular list with a possibly negative position (Python's
/// `list[j]` with `-len <= j < len`).
pub(super) fn wrap(j: isize, len: usize) -> usize {
    // `len` is a Vec length, so it fits in isize.
    j.rem_euclid(len as isize) as usize
}

impl<W: Dual, I: Ix> Matcher<W, I> {
    /// Deduplicates the usable edges (keeping the heaviest of each pair) and
    /// builds the adjacency arrays.
    pub(super) fn new(input: &Input, edges: &[(usize, usize, i64)]) -> Self {
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
    pub(super) fn end(&self, p: usize) -> usize {
        self.endpoint[p].idx()
    }

    /// Twice the slack of edge `k` (not valid for edges inside a blossom).
    pub(super) fn slack(&self, k: usize) -> W {
        self.dualvar[self.end(2 * k)] + self.dualvar[self.end(2 * k + 1)] - self.w2[k]
    }

    pub(super) fn is_s_vertex(&self, v: usize) -> bool {
        self.label[self.inblossom[v]] == S
    }

    /// Whether S-vertex `s` has stayed an S-vertex since epoch `stamp`.
    pub(super) fn s_since(&self, s: usize, stamp: u64) -> bool {
        self.freed[s] <= stamp && self.is_s_vertex(s)
    }

    /// Appends the vertices of blossom `b` to `out`, in blossom order.
    pub(super) fn leaves_into(&self, b: usize, out: &mut Vec<usize>) {
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

    pub(super) fn set_bestedge(&mut self, x: usize, e: usize) {
        self.bestedge[x] = e;
        self.beststamp[x] = self.epoch;
    }

    /// Labels the top-level blossom containing `w` with `t` in alternating
    /// tree `tree`, reached through the edge with remote endpoint `p`. A
    /// T-blossom's mate becomes S.
    pub(super) fn assign_label(&mut self, w: usize, t: u8, p: usize, tree: usize) {
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
}
