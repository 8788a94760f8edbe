//! Blossoms: finding the base of a new one, shrinking an odd cycle into
//! a blossom, expanding one, relabelling an expanded T-blossom, and
//! augmenting through nested blossoms (explicit stacks, no recursion).
use super::state::{CRUMB, Dual, FREE, Ix, Matcher, NONE, S, T, wrap};

impl<W: Dual, I: Ix> Matcher<W, I> {
    /// Traces back from S-vertices `v` and `w` (joined by a tight edge) to find
    /// either the base of a new blossom or an augmenting path (`NONE`).
    pub(super) fn scan_blossom(&mut self, v: usize, w: usize) -> usize {
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
    pub(super) fn add_blossom(&mut self, base: usize, k: usize) {
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
    pub(super) fn consider_best_edge_to(
        &mut self,
        b: usize,
        bj: usize,
        e: usize,
        touched: &mut Vec<usize>,
    ) {
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
    pub(super) fn expand_blossom(&mut self, b0: usize, endstage: bool) {
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
    pub(super) fn is_reached(&mut self, v: usize) -> bool {
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
    pub(super) fn relabel_expanded_t_blossom(&mut self, b: usize, childs: &[usize]) {
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
    pub(super) fn augment_blossom(&mut self, b0: usize, v0: usize) {
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
}
