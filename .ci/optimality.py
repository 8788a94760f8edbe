#!/usr/bin/env python3
"""Optimality check of the matching engines against reference optimisers.

Generates random instances from a fixed seed and compares the engine's total
weight (crates/domain/examples/matching_oracle.rs) with:

- mutual: NetworkX ``max_weight_matching(G, maxcardinality=False)`` on random
  graphs with 2..60 vertices, densities from sparse to complete, weights both
  wide-range integers and heavily tied (e.g. {1, 2, 3}), some with zero and
  negative weights;
- supporter: SciPy ``linear_sum_assignment(maximize=True)`` on the
  capacity-expanded matrix (one row per supporter slot, capacities 1..3, at
  most 60 rows and 60 columns), where a disallowed pair or a pair of weight
  <= 0 counts 0, so it contributes nothing.

Every total must be equal; otherwise the first differing instance is printed
and the exit status is 1. Run it through .ci/optimality.sh, which builds the
oracle and provides the Python packages.

``--bench FILE`` instead times NetworkX on one mutual instance (JSON as the
oracle reads it) and prints ``{"seconds": S, "total": T, "pairs": K}``; the
engine's benchmark (crates/domain/benches/matching.rs) uses it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

DEFAULT_ORACLE = "target/release/examples/matching_oracle"


def weight_draw(rng: random.Random, mode: str) -> int:
    if mode == "tied":
        return rng.choice((1, 2, 3))
    if mode == "binary":
        return rng.choice((1, 2))
    if mode == "small":
        return rng.randint(0, 12)
    if mode == "signed":
        return rng.randint(-3, 5)
    if mode == "score":
        return rng.randint(0, 100)
    return rng.randint(1, 1_000_000)  # "wide"


MODES = ("wide", "tied", "binary", "small", "signed", "score")


def mutual_instance(rng: random.Random, index: int) -> dict:
    n = rng.randint(2, 60)
    # Cycle through densities so that sparse and complete graphs both occur.
    density = (0.05, 0.15, 0.3, 0.6, 1.0)[index % 5]
    mode = MODES[(index // 5) % len(MODES)]
    edges = []
    for u in range(n):
        for v in range(u + 1, n):
            if rng.random() < density:
                a, b = (u, v) if rng.random() < 0.5 else (v, u)
                edges.append([a, b, weight_draw(rng, mode)])
    rng.shuffle(edges)
    return {"kind": "mutual", "n": n, "edges": edges}


def supporter_instance(rng: random.Random, index: int) -> dict:
    while True:
        supporters = rng.randint(1, 20)
        capacities = [rng.randint(1, 3) for _ in range(supporters)]
        requests = rng.randint(1, 60)
        if sum(capacities) <= 60:
            break
    allowed = (0.2, 0.5, 0.8, 1.0)[index % 4]
    mode = MODES[(index // 4) % len(MODES)]
    weights = []
    for s in range(supporters):
        for r in range(requests):
            if rng.random() < allowed:
                weights.append([s, r, weight_draw(rng, mode)])
    rng.shuffle(weights)
    return {"kind": "supporter", "capacities": capacities, "requests": requests, "weights": weights}


def networkx_total(instance: dict) -> tuple[int, int]:
    g = nx.Graph()
    g.add_nodes_from(range(instance["n"]))
    for u, v, w in instance["edges"]:
        g.add_edge(u, v, weight=w)
    matching = nx.max_weight_matching(g, maxcardinality=False, weight="weight")
    return sum(g[u][v]["weight"] for u, v in matching), len(matching)


def scipy_total(instance: dict) -> int:
    capacities = instance["capacities"]
    requests = instance["requests"]
    gain = np.zeros((len(capacities), requests), dtype=np.int64)
    for s, r, w in instance["weights"]:
        gain[s, r] = max(gain[s, r], w, 0)
    # One row per supporter slot.
    expanded = np.repeat(gain, capacities, axis=0)
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    return int(expanded[rows, cols].sum())


def run_oracle(oracle: str, instances: list[dict]) -> list[dict]:
    payload = "".join(json.dumps(i, separators=(",", ":")) + "\n" for i in instances)
    proc = subprocess.run([oracle], input=payload, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.exit(f"optimality: {oracle} failed with exit status {proc.returncode}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if len(lines) != len(instances):
        sys.exit(f"optimality: {oracle} answered {len(lines)} lines for {len(instances)} instances")
    return [json.loads(line) for line in lines]


def bench(path: str) -> None:
    with open(path) as f:
        instance = json.load(f)
    start = time.perf_counter()
    total, pairs = networkx_total(instance)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "total": total, "pairs": pairs}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--oracle", default=os.environ.get("PEERHUB_MATCHING_ORACLE", DEFAULT_ORACLE),
                        help="matching_oracle executable (default: $PEERHUB_MATCHING_ORACLE or %(default)s)")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--mutual", type=int, default=240, help="number of mutual instances")
    parser.add_argument("--supporter", type=int, default=120, help="number of supporter instances")
    parser.add_argument("--bench", metavar="FILE", help="time NetworkX on one mutual instance and exit")
    args = parser.parse_args()

    if args.bench:
        bench(args.bench)
        return

    rng = random.Random(args.seed)
    instances = [mutual_instance(rng, i) for i in range(args.mutual)]
    instances += [supporter_instance(rng, i) for i in range(args.supporter)]

    start = time.perf_counter()
    answers = run_oracle(args.oracle, instances)
    engine_seconds = time.perf_counter() - start

    start = time.perf_counter()
    for number, (instance, answer) in enumerate(zip(instances, answers)):
        if instance["kind"] == "mutual":
            expected, reference = networkx_total(instance)[0], "networkx max_weight_matching"
        else:
            expected, reference = scipy_total(instance), "scipy linear_sum_assignment"
        if answer["total"] != expected:
            print(f"optimality: instance {number} ({instance['kind']}) differs: "
                  f"engine total {answer['total']} ({answer['pairs']} pairs), {reference} total {expected}",
                  file=sys.stderr)
            print(json.dumps(instance, separators=(",", ":")), file=sys.stderr)
            sys.exit(1)
    reference_seconds = time.perf_counter() - start

    print(f"optimality: {len(instances)} instances, all totals equal "
          f"(mutual {args.mutual}, supporter {args.supporter}; seed {args.seed}; "
          f"engine {engine_seconds:.2f} s, references {reference_seconds:.2f} s)")


if __name__ == "__main__":
    main()
