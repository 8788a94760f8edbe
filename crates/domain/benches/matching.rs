//! Timings of the optimal matching engines (`make bench`; run alone with
//! `cargo bench -p peerhub-domain --bench matching`).
//!
//! - mutual: maximum-weight matching on complete graphs of 1,000 and 2,000
//!   requests with random integer scores 0..=100;
//! - supporter: 200 supporters of capacity 3 × 1,000 requests, every pair
//!   allowed, random scores 0..=100;
//! - NetworkX: the same 1,000-request mutual instance solved by NetworkX's
//!   `max_weight_matching` (through `.ci/optimality.py --bench`, with the
//!   `.ci/.venv` python made by `.ci/optimality.sh` or `.ci/contract.sh`),
//!   reporting the speed ratio and whether the totals are equal.
//!
//! Instances come from a fixed seed. Figures are medians of a few runs and are
//! printed, never asserted. Knobs: `PEERHUB_BENCH_RUNS` (runs per case,
//! default 5 for 1,000 requests and 3 for 2,000), `PEERHUB_BENCH_PYTHON` (the
//! python with networkx), `PEERHUB_BENCH_SKIP_NETWORKX=1`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use peerhub_domain::matching::assignment::max_weight_assignment;
use peerhub_domain::matching::blossom::max_weight_matching;

/// xorshift64*: small, seedable, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A score in `0..=max_score()`.
    fn score(&mut self) -> i64 {
        (self.next() % (max_score() + 1)) as i64
    }
}

fn mutual_instance(n: usize, seed: u64) -> Vec<(usize, usize, i64)> {
    let mut rng = Rng(seed);
    let mut edges = Vec::with_capacity(n * (n - 1) / 2);
    for u in 0..n {
        for v in u + 1..n {
            edges.push((u, v, rng.score()));
        }
    }
    edges
}

/// Highest random score (default 100); larger values make the instances harder.
fn max_score() -> u64 {
    static MAX: OnceLock<u64> = OnceLock::new();
    *MAX.get_or_init(|| {
        std::env::var("PEERHUB_BENCH_MAX_SCORE")
            .ok()
            .and_then(|s| s.parse().ok())
            .filter(|&m: &u64| m < i64::MAX as u64)
            .unwrap_or(100)
    })
}

fn runs(default: usize) -> usize {
    std::env::var("PEERHUB_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(default)
}

/// Runs `f` `runs` times; returns the median duration and the last result.
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed());
        last = Some(out);
    }
    times.sort();
    match last {
        Some(out) => (times[times.len() / 2], out),
        None => unreachable!("runs > 0"),
    }
}

fn matching_total(edges: &[(usize, usize, i64)], mate: &[Option<usize>]) -> (i64, usize) {
    // Complete graph: edge (u, v), u < v, is at index u·n − u(u+1)/2 + v − u − 1.
    let n = mate.len();
    let mut total = 0;
    let mut pairs = 0;
    for (u, m) in mate.iter().enumerate() {
        if let Some(v) = *m
            && u < v
        {
            let k = u * n - u * (u + 1) / 2 + v - u - 1;
            debug_assert_eq!((edges[k].0, edges[k].1), (u, v));
            total += edges[k].2;
            pairs += 1;
        }
    }
    (total, pairs)
}

fn bench_mutual(n: usize, seed: u64, runs: usize) -> (Duration, i64, Vec<(usize, usize, i64)>) {
    let edges = mutual_instance(n, seed);
    let (time, mate) = median(runs, || max_weight_matching(n, &edges));
    let (total, pairs) = matching_total(&edges, &mate);
    println!(
        "mutual     n={n:>5} ({} edges, scores 0..={}): median {:>8.3} s over {runs} runs; total weight {total}, {pairs} pairs",
        edges.len(),
        max_score(),
        time.as_secs_f64(),
    );
    (time, total, edges)
}

fn bench_supporter(supporters: usize, capacity: usize, requests: usize, seed: u64, runs: usize) {
    let mut rng = Rng(seed);
    let scores: Vec<i64> = (0..supporters * requests).map(|_| rng.score()).collect();
    let capacities = vec![capacity; supporters];
    let (time, assigned) = median(runs, || {
        max_weight_assignment(&capacities, requests, |s, r| Some(scores[s * requests + r]))
    });
    let total: i64 = assigned
        .iter()
        .enumerate()
        .filter_map(|(r, s)| s.map(|s| scores[s * requests + r]))
        .sum();
    let pairs = assigned.iter().filter(|s| s.is_some()).count();
    println!(
        "supporter  {supporters} supporters × capacity {capacity} × {requests} requests (scores 0..={}): median {:>8.3} s over {runs} runs; total weight {total}, {pairs} pairs",
        max_score(),
        time.as_secs_f64(),
    );
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bench_networkx(n: usize, edges: &[(usize, usize, i64)], ours: Duration, our_total: i64) {
    if std::env::var("PEERHUB_BENCH_SKIP_NETWORKX").is_ok_and(|v| v == "1") {
        println!("networkx   skipped (PEERHUB_BENCH_SKIP_NETWORKX=1)");
        return;
    }
    let root = repo_root();
    let python = std::env::var_os("PEERHUB_BENCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".ci/.venv/bin/python"));
    let script = root.join(".ci/optimality.py");
    if !python.exists() || !script.exists() {
        println!(
            "networkx   skipped ({} not found: run .ci/optimality.sh once to create it)",
            python.display()
        );
        return;
    }
    let file = std::env::temp_dir().join(format!(
        "peerhub-matching-bench-{}.json",
        std::process::id()
    ));
    let instance = serde_json::json!({ "kind": "mutual", "n": n, "edges": edges });
    if let Err(e) = std::fs::write(&file, instance.to_string()) {
        println!("networkx   skipped (cannot write {}: {e})", file.display());
        return;
    }
    println!(
        "networkx   n={n:>5}: running max_weight_matching on the same instance (this takes a while)..."
    );
    let output = Command::new(&python)
        .arg(&script)
        .arg("--bench")
        .arg(&file)
        .output();
    let _ = std::fs::remove_file(&file);
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "networkx   skipped (python failed: {})",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            println!("networkx   skipped (cannot run {}: {e})", python.display());
            return;
        }
    };
    let parsed: Option<(f64, i64)> = serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .ok()
        .and_then(|v| Some((v.get("seconds")?.as_f64()?, v.get("total")?.as_i64()?)));
    let Some((seconds, total)) = parsed else {
        println!(
            "networkx   skipped (unexpected output: {})",
            String::from_utf8_lossy(&output.stdout).trim()
        );
        return;
    };
    let ratio = seconds / ours.as_secs_f64().max(1e-9);
    println!(
        "networkx   n={n:>5}: {seconds:>8.3} s, total weight {total}; engine is {ratio:.0}× faster; totals {}",
        if total == our_total {
            "equal"
        } else {
            "DIFFER"
        }
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // only check that everything runs, on small instances.
    let quick = !std::env::args().any(|a| a == "--bench");
    if quick {
        let (time, total, edges) = bench_mutual(60, 1, 1);
        bench_supporter(5, 3, 40, 3, 1);
        let _ = (time, total, edges);
        return;
    }
    let (time_1k, total_1k, edges_1k) = bench_mutual(1_000, 0x9e37_79b9_7f4a_7c15, runs(5));
    let (time_2k, _, edges_2k) = bench_mutual(2_000, 0xd1b5_4a32_d192_ed03, runs(3));
    drop(edges_2k);
    bench_supporter(200, 3, 1_000, 0x94d0_49bb_1331_11eb, runs(5));
    bench_networkx(1_000, &edges_1k, time_1k, total_1k);
    println!(
        "targets    mutual 2,000 < 2 s: {}; see above for supporter < 1 s and NetworkX ≥ 50×",
        if time_2k.as_secs_f64() < 2.0 {
            "met"
        } else {
            "MISSED"
        }
    );
}
