//! Runs the matching engines on instances read as JSON lines from stdin and
//! prints one JSON line per instance: `{"total": T, "pairs": K}`, the total
//! weight and the number of pairs of the engine's result. `.ci/optimality.sh`
//! compares the totals with NetworkX and SciPy.
//!
//! Input, one instance per line:
//!
//! - `{"kind":"mutual","n":N,"edges":[[u,v,w],...]}`: maximum-weight matching
//!   ([`max_weight_matching`]);
//! - `{"kind":"supporter","capacities":[c,...],"requests":R,"weights":[[s,r,w],...]}`:
//!   maximum-weight assignment ([`max_weight_assignment`]); pairs not listed are
//!   not allowed (of a pair listed twice, the heavier weight counts).
//!
//! The result is checked before it is printed (a matching with symmetric
//! mates over listed edges of positive weight; an assignment over listed
//! pairs of positive weight within the capacities); a broken result or a
//! malformed line ends the run with exit status 2.
//!
//! `cargo run --release -p peerhub-domain --example matching_oracle < instances.jsonl`

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use peerhub_domain::matching::assignment::max_weight_assignment;
use peerhub_domain::matching::blossom::max_weight_matching;
use serde_json::Value;

fn index(v: &Value, what: &str) -> Result<usize, String> {
    v.as_u64()
        .and_then(|x| usize::try_from(x).ok())
        .ok_or_else(|| format!("{what} must be a non-negative integer, got {v}"))
}

fn triples(v: &Value, what: &str) -> Result<Vec<(usize, usize, i64)>, String> {
    let items = v
        .as_array()
        .ok_or_else(|| format!("{what} must be an array"))?;
    items
        .iter()
        .map(|t| match t.as_array().map(Vec::as_slice) {
            Some([a, b, w]) => Ok((
                index(a, what)?,
                index(b, what)?,
                w.as_i64()
                    .ok_or_else(|| format!("{what}: weight must be an integer, got {w}"))?,
            )),
            _ => Err(format!("{what}: each item must be [a, b, weight], got {t}")),
        })
        .collect()
}

/// Total weight and pair count of a mutual matching, after checking it.
fn mutual(instance: &Value) -> Result<(i128, usize), String> {
    let n = index(&instance["n"], "n")?;
    let edges = triples(&instance["edges"], "edges")?;
    let mate = max_weight_matching(n, &edges);
    let mut heaviest: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    for &(u, v, w) in &edges {
        if u < n && v < n && u != v {
            let key = (u.min(v), u.max(v));
            let entry = heaviest.entry(key).or_insert(w);
            *entry = (*entry).max(w);
        }
    }
    if mate.len() != n {
        return Err(format!("mate has length {}, expected {n}", mate.len()));
    }
    let (mut total, mut pairs) = (0i128, 0usize);
    for (u, m) in mate.iter().enumerate() {
        let Some(v) = *m else { continue };
        if v >= n || mate[v] != Some(u) {
            return Err(format!("mates of {u} and {v} are not symmetric"));
        }
        if u < v {
            match heaviest.get(&(u, v)) {
                Some(&w) if w > 0 => {
                    total += i128::from(w);
                    pairs += 1;
                }
                other => {
                    return Err(format!(
                        "matched {u}-{v}, which is not a positive edge ({other:?})"
                    ));
                }
            }
        }
    }
    Ok((total, pairs))
}

/// Total weight and pair count of a supporter assignment, after checking it.
fn supporter(instance: &Value) -> Result<(i128, usize), String> {
    let capacities: Vec<usize> = instance["capacities"]
        .as_array()
        .ok_or("capacities must be an array")?
        .iter()
        .map(|c| index(c, "capacities"))
        .collect::<Result<_, _>>()?;
    let requests = index(&instance["requests"], "requests")?;
    let mut table: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    for (s, r, w) in triples(&instance["weights"], "weights")? {
        let entry = table.entry((s, r)).or_insert(w);
        *entry = (*entry).max(w);
    }
    let assigned = max_weight_assignment(&capacities, requests, |s, r| table.get(&(s, r)).copied());
    if assigned.len() != requests {
        return Err(format!(
            "result has length {}, expected {requests}",
            assigned.len()
        ));
    }
    let mut load = vec![0usize; capacities.len()];
    let (mut total, mut pairs) = (0i128, 0usize);
    for (r, s) in assigned.iter().enumerate() {
        let Some(s) = *s else { continue };
        if s >= capacities.len() {
            return Err(format!("request {r} assigned to unknown supporter {s}"));
        }
        load[s] += 1;
        if load[s] > capacities[s] {
            return Err(format!("supporter {s} over its capacity {}", capacities[s]));
        }
        match table.get(&(s, r)) {
            Some(&w) if w > 0 => {
                total += i128::from(w);
                pairs += 1;
            }
            other => {
                return Err(format!(
                    "assigned ({s}, {r}), which is not a positive pair ({other:?})"
                ));
            }
        }
    }
    Ok((total, pairs))
}

fn run() -> Result<(), String> {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    for (number, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| format!("reading stdin: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", number + 1);
        let instance: Value = serde_json::from_str(&line).map_err(|e| at(e.to_string()))?;
        let (total, pairs) = match instance["kind"].as_str() {
            Some("mutual") => mutual(&instance),
            Some("supporter") => supporter(&instance),
            _ => Err(format!("unknown kind {}", instance["kind"])),
        }
        .map_err(at)?;
        writeln!(out, "{{\"total\": {total}, \"pairs\": {pairs}}}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("matching_oracle: {e}");
            ExitCode::from(2)
        }
    }
}
