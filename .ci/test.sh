#!/usr/bin/env bash
# Test runner behind `make test` (and so `make ci` / `.ci/run`).
#
#   bash .ci/test.sh [extra cargo-nextest args...]
#
# Runs every test of the workspace (domain unit tests, crate tests, and the end-to-end
# crate, whose tests come in pairs `...::sqlite` / `...::postgres`) with cargo-nextest,
# in parallel, without stopping at the first failure.
#
# PostgreSQL comes from .ci/pg.sh (PEERHUB_TEST_DATABASE_URL if set, else the local
# server on 127.0.0.1:5432, else the system cluster, else a throwaway cluster). If none
# can be had, the `::postgres` tests are excluded with a filterset (nextest counts them
# as skipped) and a loud banner says so — unless PEERHUB_REQUIRE_PG=1, which makes that
# a hard failure instead.
#
# Ends with a plain line `tests: N passed, N failed, N skipped`, also saved to
# <target-dir>/nextest/ci/peerhub-summary.txt for .ci/run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v cargo >/dev/null 2>&1 && [[ -f "${HOME:-/root}/.cargo/env" ]]; then
    # shellcheck disable=SC1091
    . "${HOME:-/root}/.cargo/env"
fi

if ! cargo nextest --version >/dev/null 2>&1; then
    echo "test.sh: cargo-nextest missing; installing it from crates.io" >&2
    cargo install cargo-nextest --locked
fi

PG_FILTER='test(/::postgres$/)'
COMMON_ARGS=(
    --workspace
    --tool-config-file "peerhub-ci:$ROOT/.ci/nextest.toml"
    --profile ci
)
RUN_ARGS=("${COMMON_ARGS[@]}" --no-fail-fast)

target_dir() {
    cargo metadata --format-version 1 --no-deps 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null ||
        printf '%s\n' "${CARGO_TARGET_DIR:-$ROOT/target}"
}

# Print the URL without any password in it.
redact() {
    printf '%s\n' "$1" | sed -E 's#(://[^:/@]+):[^@/]*@#\1:***@#'
}

banner() {
    local n=$1 bar
    bar='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    {
        echo
        printf '%s\n' "$bar" "$bar" "$bar"
        echo "!!!"
        echo "!!!   PostgreSQL unavailable: $n postgres tests SKIPPED, not passed"
        echo "!!!"
        echo "!!!   (.ci/pg.sh found no server: set PEERHUB_TEST_DATABASE_URL, or start one;"
        echo "!!!    PEERHUB_REQUIRE_PG=1 turns this into a failure)"
        echo "!!!"
        printf '%s\n' "$bar" "$bar" "$bar"
        echo
    } >&2
}

# summary: print `tests: N passed, N failed, N skipped` from nextest's JUnit report;
# skipped = tests in the workspace that did not run: #[ignore]d ones (the JUnit
# report leaves them out, and a plain `nextest list` hides them, so the count
# lists with --run-ignored all) and any a filterset left out — the same count as
# the `N skipped` of nextest's own summary line.
summary() {
    local junit total out
    junit="$(target_dir)/nextest/ci/junit.xml"
    [[ -f "$junit" ]] || return 0
    total=$(cargo nextest list "${COMMON_ARGS[@]}" --run-ignored all --message-format oneline 2>/dev/null | grep -c . || true)
    out=$(python3 - "$junit" "${total:-0}" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
tests = int(root.get("tests", 0))
failed = int(root.get("failures", 0)) + int(root.get("errors", 0))
skipped = max(int(sys.argv[2]) - tests, int(root.get("skipped", 0) or 0))
print(f"tests: {tests - failed} passed, {failed} failed, {skipped} skipped")
PY
) || return 0
    printf '%s\n' "$out"
    printf '%s\n' "$out" >"$(dirname "$junit")/peerhub-summary.txt"
}

# Start from a clean slate so a stale report is never summarised.
rm -f "$(target_dir)/nextest/ci/junit.xml" "$(target_dir)/nextest/ci/peerhub-summary.txt"

rc=0
# shellcheck source=.ci/pg.sh
if source "$ROOT/.ci/pg.sh"; then
    echo "test.sh: PostgreSQL for the postgres tests: $(redact "$PEERHUB_TEST_DATABASE_URL")" >&2
    export PEERHUB_TEST_DATABASE_URL
    # Databases left behind by earlier runs whose tests failed (a passing
    # test drops its own); the template is rebuilt on demand.
    if command -v psql >/dev/null 2>&1; then
        psql -X "$PEERHUB_TEST_DATABASE_URL" -Atqc \
            "SELECT datname FROM pg_database WHERE datname LIKE 'peerhub\_test\_%' OR datname LIKE 'peerhub\_tmpl\_%'" 2>/dev/null |
            while read -r db; do
                psql -X "$PEERHUB_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
            done
    fi
    cargo nextest run "${RUN_ARGS[@]}" "$@" || rc=$?
    summary
else
    unset PEERHUB_TEST_DATABASE_URL
    if [[ "${PEERHUB_REQUIRE_PG:-}" == 1 ]]; then
        echo "test.sh: PEERHUB_REQUIRE_PG=1 but no PostgreSQL could be found or started" >&2
        exit 1
    fi
    # Count the tests we are about to leave out (this also builds the test binaries).
    if pg_list=$(cargo nextest list "${COMMON_ARGS[@]}" -E "$PG_FILTER" --message-format oneline); then
        n_pg=$(printf '%s' "$pg_list" | grep -c . || true)
    else
        n_pg='?'
    fi
    banner "$n_pg"
    cargo nextest run "${RUN_ARGS[@]}" -E "not $PG_FILTER" "$@" || rc=$?
    banner "$n_pg"
    summary
fi
exit "$rc"
