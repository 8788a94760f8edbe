#!/usr/bin/env bash
# Optimality check of the matching engines (crates/domain/src/matching/blossom.rs and
# assignment.rs): random instances from a fixed seed, solved by the engine (the
# `matching_oracle` example, release build) and by NetworkX's max_weight_matching /
# SciPy's linear_sum_assignment on the capacity-expanded matrix; every total weight
# must be equal. See .ci/optimality.py.
#
# Python tools live in .ci/.venv (pinned in .ci/contract-requirements.txt, shared
# with .ci/contract.sh).
#
# Knobs (environment):
#   PEERHUB_MATCHING_ORACLE=path   use this oracle binary instead of building
#                                  `cargo build --release -p peerhub-domain --example matching_oracle`
# Extra arguments go to .ci/optimality.py (e.g. --seed 7 --mutual 500 --supporter 200).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v cargo >/dev/null 2>&1 && [[ -f "${HOME:-/root}/.cargo/env" ]]; then
    # shellcheck disable=SC1091
    . "${HOME:-/root}/.cargo/env"
fi

VENV="$ROOT/.ci/.venv"
REQ="$ROOT/.ci/contract-requirements.txt"

log() { printf '\n=== optimality: %s\n' "$*"; }
die() {
    printf 'optimality: ERROR: %s\n' "$*" >&2
    exit 1
}

target_dir() {
    cargo metadata --format-version 1 --no-deps 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null ||
        printf '%s\n' "${CARGO_TARGET_DIR:-$ROOT/target}"
}

log "python tools (.ci/.venv)"
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$REQ" "$VENV/.peerhub-requirements.txt"; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" ||
        die "python3 -m venv failed (on Debian/Ubuntu: apt-get install -y python3-venv)"
    PIP_NO_INPUT=1 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
    cp "$REQ" "$VENV/.peerhub-requirements.txt"
fi
"$VENV/bin/python" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("networkx", "scipy", "numpy")))'

if [[ -n "${PEERHUB_MATCHING_ORACLE:-}" ]]; then
    ORACLE=$PEERHUB_MATCHING_ORACLE
    log "using PEERHUB_MATCHING_ORACLE=$ORACLE"
else
    log "cargo build --release -p peerhub-domain --example matching_oracle"
    cargo build --release -p peerhub-domain --example matching_oracle
    ORACLE="$(target_dir)/release/examples/matching_oracle"
fi
[[ -x "$ORACLE" ]] || die "no executable at $ORACLE"

log "engine vs networkx / scipy"
exec "$VENV/bin/python" "$ROOT/.ci/optimality.py" --oracle "$ORACLE" "$@"
