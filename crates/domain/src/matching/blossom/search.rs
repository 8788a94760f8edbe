//! The search: augmenting along a path, dissolving the two trees it
//! joined, scanning edges and keeping least-slack records fresh, and the
//! main loop with its dual changes.
use super::state::{DIRTY, Dual, FREE, Ix, Link, Matcher, NONE, S, T};

impl<W: Dual, I: Ix> Matcher<W, I> {
    /// Augments the matching along the path through edge `k` (between two
    /// S-vertices of different trees) back to both trees' single roots.
    pub(super) fn augment_matching(&mut self, k: usize) {
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
    pub(super) fn dissolve_trees(&mut self, ta: usize, tb: usize) {
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
    pub(super) fn scan_edge(&mut self, v: usize, arc: Link<W, I>) {
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
    pub(super) fn offer_bestedge(&mut self, x: usize, k: usize, kslack: W, side: usize) {
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
    pub(super) fn best_is_fresh(&self, x: usize, side: usize) -> bool {
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
    pub(super) fn recompute_s_best(&mut self, b: usize) {
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
    pub(super) fn recompute_free_best(&mut self, v: usize) {
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
    pub(super) fn push_edge(&mut self, e: usize, s: usize) {
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
    pub(super) fn pairs(mut self) -> Vec<(usize, usize)> {
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
    pub(super) fn run(&mut self) {
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
