//! The optimality certificate (complementary slackness), checked on every
//! call in debug builds.
use super::state::{Dual, Ix, Matcher, NONE};

impl<W: Dual, I: Ix> Matcher<W, I> {
    /// Checks the optimality certificate: non-negative duals and slacks, tight
    /// matched edges, zero dual on single vertices, full blossoms wherever the
    /// blossom dual is positive, and a consistent `mate`.
    pub(super) fn verify_optimum(&self) -> bool {
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
