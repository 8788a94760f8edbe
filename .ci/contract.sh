#!/usr/bin/env bash
# Contract checks behind `make contract` (and so `make ci` / `.ci/run`):
#
#   1. openapi/openapi.json is a valid OpenAPI 3.1 document (openapi-spec-validator).
#   2. Lint, strict: Redocly CLI (`recommended`, .ci/sdk/redocly.yaml) and Spectral
#      (`spectral:oas`, .ci/sdk/.spectral.yaml). Any error or warning fails the step.
#   3. SDKs: openapi-python-client generates `peerhub_client` with no warning
#      (.ci/sdk/openapi-python-client.yaml) and `mypy --strict` passes on it and on
#      .ci/sdk/scenario.py; openapi-typescript generates types and .ci/sdk/check.ts compiles
#      with `tsc --noEmit --strict`. Generated code goes to .ci/sdk/gen/ (git-ignored).
#   4. It is what the binary generates (`peerhub openapi`), compared as JSON, so a stale
#      committed copy fails with a hint to run `make openapi`.
#   5. For each database (SQLite, then PostgreSQL: a fresh database on the server that
#      .ci/pg.sh finds), `peerhub demo` migrates it and loads the demo data, and a real
#      server (release build, or debug with PEERHUB_CONTRACT_PROFILE=debug; free port) serves it:
#        - the served /openapi.json is a valid 3.1 document;
#        - .ci/sdk/scenario.py drives the *generated* Python client against it (log in,
#          list communities, apply, members as CSV with format=csv, ETag and If-Match);
#        - schemathesis runs twice, logged in (POST /v1/auth/login) as an ordinary member
#          and as a network manager of the demo data, with the ids that person can see
#          harvested into its dictionaries (.ci/sdk/fuzz_reach.py), and finds no server
#          error and no response that breaks the spec (schema, content type, status code);
#        - each run prints its share of 2xx answers and the operations that never got one
#          (from its HAR report), and the end prints the same over all runs.
#
# Every check runs even when an earlier one failed (so one run shows everything that is
# wrong); the table at the end gives each step's result and time, and the exit status is 1
# if any failed. Missing tools or a failed build stop at once; a server that does not start
# fails the checks of that database. Reports (lint counts, JUnit per run, 2xx coverage, server
# logs) are left in <target-dir>/contract/.
#
# Tools: Python ones in .ci/.venv (pinned in .ci/contract-requirements.txt); npm ones in
# .ci/sdk/node_modules, installed with `npm ci` from .ci/sdk/package-lock.json.
#
# Knobs (environment):
#   PEERHUB_BIN=path                    use this binary instead of building
#                                       `cargo build --release -p peerhub-server`
#   PEERHUB_CONTRACT_PROFILE=release    `debug` builds and serves the debug binary
#                                       instead (what `make ci` does, after the tests)
#   PEERHUB_CONTRACT_MAX_EXAMPLES=12    schemathesis --max-examples (per operation, per run)
#   PEERHUB_CONTRACT_SEED=1729          schemathesis --seed
#   PEERHUB_CONTRACT_WORKERS=2          schemathesis --workers
#   PEERHUB_CONTRACT_TIMEOUT=600        hard cap (seconds) on each schemathesis run
#   PEERHUB_CONTRACT_ARGS="..."         extra schemathesis args (word-split), e.g.
#                                       "--exclude-path /v1/auth/logout --phases examples,coverage,fuzzing"
#   PEERHUB_CONTRACT_DBS="sqlite postgres"   the databases to run the live checks on
#   PEERHUB_CONTRACT_ROLES="member manager"  the schemathesis runs on each database
#   PEERHUB_CONTRACT_SKIP_DRIFT=1       skip check 4
#   PEERHUB_REQUIRE_PG=1                no PostgreSQL is a failure (otherwise a loud skip)
# Operations that never get a 2xx in the fuzzing runs, each with its reason: .ci/sdk/never-2xx.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v cargo >/dev/null 2>&1 && [[ -f "${HOME:-/root}/.cargo/env" ]]; then
    # shellcheck disable=SC1091
    . "${HOME:-/root}/.cargo/env"
fi

SPEC="$ROOT/openapi/openapi.json"
VENV="$ROOT/.ci/.venv"
REQ="$ROOT/.ci/contract-requirements.txt"
SDK="$ROOT/.ci/sdk"
GEN="$SDK/gen"
NODE_BIN="$SDK/node_modules/.bin"
MAX_EXAMPLES=${PEERHUB_CONTRACT_MAX_EXAMPLES:-12}
SEED=${PEERHUB_CONTRACT_SEED:-1729}
WORKERS=${PEERHUB_CONTRACT_WORKERS:-2}
ST_TIMEOUT=${PEERHUB_CONTRACT_TIMEOUT:-600}
DBS=${PEERHUB_CONTRACT_DBS:-sqlite postgres}
ROLES=${PEERHUB_CONTRACT_ROLES:-member manager}
CHECKS='not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance'
# The demo logins (crates/server/src/demo/people.rs) that the runs use.
DEMO_PASSWORD='peerhub-demo-2026'
declare -A ROLE_EMAIL=(
    [member]='sam.patel@nhs.net'      # PPN Midlands member (network role: member)
    [manager]='maya.okafor@nhs.net'   # PPN Midlands manager
)
# Operations no run calls, and why (the end-to-end tests cover them):
#   eraseMe    erasing the account the run is logged in as turns every later call into a 401;
#   logoutAll  refuses every access token issued before it, the run's own included (same).
EXCLUDED_OPS=(eraseMe logoutAll)

# Quiet, offline-friendly npm tools: no telemetry, no update checks.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true SCARF_ANALYTICS=false
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

log() { printf '\n=== contract: %s\n' "$*"; }
die() {
    printf 'contract: ERROR: %s\n' "$*" >&2
    exit 1
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/peerhub-contract.XXXXXX")
SERVER_PID=""
PG_ADMIN_URL=""
PG_URL=""
PG_DATABASES=()
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
cleanup() {
    stop_server
    local db
    for db in "${PG_DATABASES[@]}"; do
        psql -X -q -d "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

target_dir() {
    cargo metadata --format-version 1 --no-deps 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null ||
        printf '%s\n' "${CARGO_TARGET_DIR:-$ROOT/target}"
}

# server_log FILE: its last warnings and errors, without colour codes (the whole log is
# copied to <target-dir>/contract/server-DB.log).
server_log() {
    local lines
    lines=$(sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E ' (WARN|ERROR) ' | tail -n 30) || true
    if [[ -n "$lines" ]]; then
        printf '%s\n' "$lines"
    else
        echo "(no warnings or errors in $1)"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- step bookkeeping
# step NAME CMD...: runs CMD (a function that returns non-zero on failure), times it and
# records the result; a failure does not stop the script.
STEP_LINES=()
FAILED=0
step() {
    local name=$1 t0=$SECONDS rc=0
    shift
    log "$name"
    "$@" || rc=$?
    if [[ $rc == 0 ]]; then
        STEP_LINES+=("$(printf '%-6s %5ss  %s' ok $((SECONDS - t0)) "$name")")
    else
        STEP_LINES+=("$(printf '%-6s %5ss  %s' FAILED $((SECONDS - t0)) "$name")")
        FAILED=$((FAILED + 1))
        echo "contract: FAILED: $name"
    fi
    return 0
}
skip_step() {
    STEP_LINES+=("$(printf '%-6s %5s   %s' skip - "$1")")
}
CONTRACT_T0=$SECONDS

# ---------------------------------------------------------------- python tools
log "python tools (.ci/.venv)"
t0=$SECONDS
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$REQ" "$VENV/.peerhub-requirements.txt"; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" ||
        die "python3 -m venv failed (on Debian/Ubuntu: apt-get install -y python3-venv)"
    PIP_NO_INPUT=1 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" ||
        die "pip install -r .ci/contract-requirements.txt failed"
    cp "$REQ" "$VENV/.peerhub-requirements.txt"
fi
"$VENV/bin/python" - <<'PY'
import importlib.metadata as m
names = ["openapi-spec-validator", "schemathesis", "openapi-python-client", "mypy", "ruff"]
print(", ".join(f"{n} {m.version(n)}" for n in names))
PY
STEP_LINES+=("$(printf '%-6s %5ss  %s' ok $((SECONDS - t0)) 'python tools (.ci/.venv)')")

# ---------------------------------------------------------------- npm tools
log "npm tools (.ci/sdk: npm ci)"
t0=$SECONDS
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    die "node and npm are needed (.ci/run installs Debian's nodejs and npm when they are missing)"
if ! cmp -s "$SDK/package-lock.json" "$SDK/node_modules/.peerhub-package-lock.json"; then
    # --ignore-scripts: none of these tools needs an install script (the only one in the tree
    # is a telemetry ping).
    (cd "$SDK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
        die "npm ci in .ci/sdk failed"
    cp "$SDK/package-lock.json" "$SDK/node_modules/.peerhub-package-lock.json"
fi
echo "node $(node --version), npm $(npm --version); redocly $("$NODE_BIN/redocly" --version 2>/dev/null | tail -n 1)," \
    "spectral $("$NODE_BIN/spectral" --version), openapi-typescript $(node -p 'require("'"$SDK"'/node_modules/openapi-typescript/package.json").version'), $("$NODE_BIN/tsc" --version | sed "s/^Version /typescript /")"
STEP_LINES+=("$(printf '%-6s %5ss  %s' ok $((SECONDS - t0)) 'npm tools (.ci/sdk)')")

[[ -f "$SPEC" ]] || die "openapi/openapi.json is missing (generate it with: make openapi)"

# ---------------------------------------------------------------- 1. valid 3.1
validate_spec() {
    "$VENV/bin/openapi-spec-validator" --schema 3.1 "$1"
}
step "openapi/openapi.json is valid OpenAPI 3.1" validate_spec "$SPEC"

# ---------------------------------------------------------------- 2. lint
REPORT_DIR="$(target_dir)/contract"
mkdir -p "$REPORT_DIR"

# lint_report TOOL JSON: print the findings and their counts by rule (also saved to
# <target>/contract/lint-TOOL.txt); non-zero when there is any error or warning.
lint_report() {
    "$VENV/bin/python" - "$1" "$2" "$REPORT_DIR/lint-$1.txt" <<'PY'
import collections, json, sys
tool, path, out = sys.argv[1:4]
try:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
except (OSError, ValueError) as e:
    print(f"{tool}: no JSON report ({e})")
    sys.exit(2)
rows = []  # (severity, rule, line, where, message)
if tool == "redocly":
    for p in data.get("problems", []):
        loc = (p.get("location") or [{}])[0]
        line = loc.get("start", {}).get("line", 0)
        rows.append((p.get("severity", "?"), p.get("ruleId", "?"), line, loc.get("pointer", ""), p.get("message", "")))
else:  # spectral
    names = {0: "error", 1: "warning", 2: "info", 3: "hint"}
    for p in data:
        line = p.get("range", {}).get("start", {}).get("line", -1) + 1
        where = "#/" + "/".join(str(s).replace("~", "~0").replace("/", "~1") for s in p.get("path", []))
        rows.append((names.get(p.get("severity"), "?"), p.get("code", "?"), line, where, p.get("message", "")))
rank = {"error": 0, "warn": 1, "warning": 1}
rows.sort(key=lambda r: (rank.get(r[0], 2), r[1], r[2]))
SHOW = 40
for sev, rule, line, where, msg in rows[:SHOW]:
    print(f"  {sev:<7} {rule:<34} line {line} {where}: {msg}"[:240])
if len(rows) > SHOW:
    print(f"  ... and {len(rows) - SHOW} more")
by_rule = collections.Counter((sev if sev != "warn" else "warning", rule) for sev, rule, *_ in rows)
n_err = sum(1 for r in rows if rank.get(r[0]) == 0)
n_warn = sum(1 for r in rows if rank.get(r[0]) == 1)
lines = [f"{tool}: {n_err} error(s), {n_warn} warning(s), {len(rows)} problem(s) in all"]
lines += [f"  {n:>4}  {sev:<8} {rule}" for (sev, rule), n in sorted(by_rule.items(), key=lambda kv: (rank.get(kv[0][0], 2), -kv[1], kv[0][1]))]
print("\n".join(lines))
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
sys.exit(1 if n_err or n_warn else 0)
PY
}

lint_redocly() {
    # Exit status of redocly itself: 1 on errors only, so the JSON report decides.
    "$NODE_BIN/redocly" lint "$SPEC" --config "$SDK/redocly.yaml" --format=json --max-problems 100000 \
        >"$TMP/redocly.json" 2>"$TMP/redocly.err" || true
    local rc=0
    lint_report redocly "$TMP/redocly.json" || rc=$?
    if [[ $rc == 2 ]]; then # no report: show what redocly said (without Node.js notices)
        grep -v '[║╔╚]' "$TMP/redocly.err" | sed '/^[[:space:]]*$/d' | tail -n 20 >&2 || true
    fi
    return "$rc"
}
lint_spectral() {
    "$NODE_BIN/spectral" lint "$SPEC" --ruleset "$SDK/.spectral.yaml" --fail-severity=warn --format=json \
        --quiet >"$TMP/spectral.json" 2>"$TMP/spectral.err" || true
    local rc=0
    lint_report spectral "$TMP/spectral.json" || rc=$?
    if [[ $rc == 2 ]]; then
        tail -n 20 "$TMP/spectral.err" >&2 || true
    fi
    return "$rc"
}
step "lint: Redocly CLI, recommended ruleset (errors and warnings fail)" lint_redocly
step "lint: Spectral, spectral:oas (errors and warnings fail)" lint_spectral

# ---------------------------------------------------------------- 3. SDKs
sdk_python() {
    rm -rf "$GEN/python"
    mkdir -p "$GEN/python"
    # The post-hooks (ruff) run from PATH.
    (cd "$GEN/python" && PATH="$VENV/bin:$PATH" "$VENV/bin/openapi-python-client" generate \
        --path "$SPEC" --meta none --config "$SDK/openapi-python-client.yaml" \
        --output-path "$GEN/python/peerhub_client" --fail-on-warning) || return 1
    echo "generated $(find "$GEN/python/peerhub_client" -name '*.py' | wc -l) modules in .ci/sdk/gen/python/peerhub_client"
    (cd "$GEN/python" && MYPYPATH="$GEN/python" "$VENV/bin/mypy" --strict --cache-dir "$GEN/.mypy_cache" \
        peerhub_client "$SDK/scenario.py" "$SDK/fuzz_reach.py")
}
sdk_typescript() {
    rm -f "$GEN/peerhub.ts"
    mkdir -p "$GEN"
    "$NODE_BIN/openapi-typescript" "$SPEC" --output "$GEN/peerhub.ts" || return 1
    "$NODE_BIN/tsc" --noEmit --strict -p "$SDK/tsconfig.json" && echo "check.ts compiles (tsc --noEmit --strict)"
}
step "SDK: Python (openapi-python-client, no warning; mypy --strict)" sdk_python
step "SDK: TypeScript (openapi-typescript; tsc --noEmit --strict on check.ts)" sdk_typescript

# ---------------------------------------------------------------- build
if [[ -n "${PEERHUB_BIN:-}" ]]; then
    BIN=$PEERHUB_BIN
    log "using PEERHUB_BIN=$BIN"
elif [[ "${PEERHUB_CONTRACT_PROFILE:-release}" == debug ]]; then
    # `make ci` runs after the tests, whose build already holds every dependency in the
    # dev profile: linking the debug binary takes seconds where a release build takes
    # minutes on two cores, and the contract checks behaviour, not speed.
    log "cargo build -p peerhub-server (PEERHUB_CONTRACT_PROFILE=debug)"
    t0=$SECONDS
    cargo build -p peerhub-server || die "debug build failed"
    BIN="$(target_dir)/debug/peerhub"
    STEP_LINES+=("$(printf '%-6s %5ss  %s' ok $((SECONDS - t0)) 'cargo build -p peerhub-server')")
else
    log "cargo build --release -p peerhub-server"
    t0=$SECONDS
    cargo build --release -p peerhub-server || die "release build failed"
    BIN="$(target_dir)/release/peerhub"
    STEP_LINES+=("$(printf '%-6s %5ss  %s' ok $((SECONDS - t0)) 'cargo build --release -p peerhub-server')")
fi
[[ -x "$BIN" ]] || die "no executable at $BIN"

# ---------------------------------------------------------------- 4. drift
drift() {
    (cd "$TMP" && PEERHUB_DATA_DIR="$TMP/drift" PEERHUB_DATABASE_URL="sqlite://$TMP/drift.db?mode=rwc" \
        "$BIN" openapi >"$TMP/generated.json") || {
        echo "\`peerhub openapi\` failed"
        return 1
    }
    if ! python3 - "$SPEC" "$TMP/generated.json" <<'PY'; then
import difflib, json, sys
with open(sys.argv[1]) as a, open(sys.argv[2]) as b:
    committed, generated = json.load(a), json.load(b)
if committed == generated:
    sys.exit(0)
norm = lambda d: json.dumps(d, indent=2, sort_keys=True).splitlines()
diff = list(difflib.unified_diff(norm(committed), norm(generated), "openapi/openapi.json (committed)",
                                 "peerhub openapi (generated)", lineterm="", n=2))
sys.stderr.write("\n".join(diff[:80]) + ("\n... (%d more diff lines)\n" % (len(diff) - 80) if len(diff) > 80 else "\n"))
sys.exit(1)
PY
        echo "contract: openapi/openapi.json is stale: regenerate it with \`make openapi\` and commit it" >&2
        return 1
    fi
    echo "up to date"
}
if [[ "${PEERHUB_CONTRACT_SKIP_DRIFT:-}" == 1 ]]; then
    skip_step "openapi/openapi.json matches \`peerhub openapi\` (PEERHUB_CONTRACT_SKIP_DRIFT=1)"
else
    step "openapi/openapi.json matches \`peerhub openapi\`" drift
fi

# ---------------------------------------------------------------- 5. live servers
# pg_fresh_db NAME: create an empty database NAME on the PostgreSQL server .ci/pg.sh found
# (dropped on exit) and set PG_URL to its URL.
pg_fresh_db() {
    command -v psql >/dev/null 2>&1 || {
        echo "contract: psql is needed to create the PostgreSQL database" >&2
        return 1
    }
    psql -X -q -v ON_ERROR_STOP=1 -d "$PG_ADMIN_URL" -c "CREATE DATABASE \"$1\"" || return 1
    PG_DATABASES+=("$1")
    PG_URL=$(python3 - "$PG_ADMIN_URL" "$1" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + sys.argv[2], u.query, u.fragment)))
PY
)
}

login_token() { # BASE EMAIL -> access token on stdout
    local body resp code
    body=$(python3 -c 'import json,sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
        "$2" "$DEMO_PASSWORD")
    resp=$(curl -sS --max-time 30 -X POST -H 'Content-Type: application/json' \
        --data "$body" -w '\n%{http_code}' "$1/v1/auth/login") || return 1
    code=${resp##*$'\n'}
    if [[ "$code" != 200 ]]; then
        echo "contract: login as $2 returned HTTP $code: ${resp%$'\n'*}" >&2
        return 1
    fi
    printf '%s' "${resp%$'\n'*}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# start_server DB URL: load the demo data into URL, then serve it; sets BASE and SERVER_PID.
start_server() {
    local db=$1 url=$2 dir="$TMP/$1" port
    mkdir -p "$dir"
    port=$(free_port)
    BASE="http://127.0.0.1:$port"
    export PEERHUB_DATABASE_URL="$url" PEERHUB_DATA_DIR="$dir" PEERHUB_BIND="127.0.0.1:$port"
    # Tokens outlive the runs (the default is 15 minutes).
    export PEERHUB_ACCESS_TOKEN_TTL_SECS=7200
    (cd "$dir" && "$BIN" demo >"$dir/demo.log" 2>&1) || {
        tail -n 40 "$dir/demo.log" >&2
        echo "contract: \`peerhub demo\` failed on $db" >&2
        return 1
    }
    grep -c '@' "$dir/demo.log" | sed 's/^/demo logins loaded: /'
    (cd "$dir" && exec "$BIN" serve) >"$dir/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            sed "s/\x1b\[[0-9;]*m//g" "$dir/server.log" | tail -n 60 >&2
            echo "contract: the server exited before becoming ready" >&2
            return 1
        fi
        if curl -fsS -o /dev/null --max-time 2 "$BASE/health/ready" 2>/dev/null; then
            echo "serving $db on $BASE"
            return 0
        fi
        sleep 0.5
    done
    sed "s/\x1b\[[0-9;]*m//g" "$dir/server.log" | tail -n 60 >&2
    echo "contract: server not ready after 60 s" >&2
    return 1
}

served_spec() {
    curl -fsS --max-time 30 "$BASE/openapi.json" -o "$TMP/$1/served.json" || return 1
    "$VENV/bin/openapi-spec-validator" --schema 3.1 "$TMP/$1/served.json"
}

scenario() {
    [[ -d "$GEN/python/peerhub_client" ]] || {
        echo "no generated client (see the SDK step above)"
        return 1
    }
    PYTHONPATH="$GEN/python" PEERHUB_SCENARIO_PASSWORD="$DEMO_PASSWORD" \
        PEERHUB_SCENARIO_MEMBER="${ROLE_EMAIL[member]}" PEERHUB_SCENARIO_MANAGER="${ROLE_EMAIL[manager]}" \
        "$VENV/bin/python" "$SDK/scenario.py" "$BASE"
}

# fuzz DB ROLE TOKEN: one schemathesis run; its coverage goes to $TMP/DB/ROLE.coverage.json.
COVERAGE_FILES=()
EXCLUDED_LABELS=()
fuzz() {
    local db=$1 role=$2 token=$3 dir="$TMP/$1" st_rc=0 op
    local excl=()
    for op in "${EXCLUDED_OPS[@]}"; do
        excl+=(--exclude-operation-id "$op")
    done
    "$VENV/bin/python" "$SDK/fuzz_reach.py" config --spec "$dir/served.json" --base "$BASE" \
        --token "$token" --out "$dir/$role.toml" || return 1
    # shellcheck disable=SC2206 # deliberate word splitting of a knob
    local extra=(${PEERHUB_CONTRACT_ARGS:-})
    local cmd=(
        "$VENV/bin/schemathesis" --config-file "$dir/$role.toml" run "$BASE/openapi.json"
        --url "$BASE"
        --checks "$CHECKS"
        --header "Authorization: Bearer $token"
        --max-examples "$MAX_EXAMPLES"
        --seed "$SEED"
        --workers "$WORKERS"
        --request-timeout 10
        --generation-database none
        --report junit,har
        --report-junit-path "$REPORT_DIR/schemathesis-$db-$role-junit.xml"
        --report-har-path "$dir/$role.har"
        "${excl[@]}"
        "${extra[@]}"
    )
    echo "schemathesis as $role (${ROLE_EMAIL[$role]}): checks $CHECKS; max-examples $MAX_EXAMPLES; seed $SEED; workers $WORKERS"
    (cd "$dir" && timeout --kill-after=30 "$ST_TIMEOUT" "${cmd[@]}") 2>&1 | tee "$dir/$role.out" ||
        st_rc=${PIPESTATUS[0]}
    # Schemathesis (through Hypothesis) has crashed inside itself, not on a response
    # (`AST constructor recursion depth mismatch` with several workers): run it once
    # more. A real failure fails again; a crash of the tool does not fail the contract.
    if [[ $st_rc != 0 && $st_rc != 124 && $st_rc != 137 ]] &&
        grep -qE 'AST constructor recursion depth mismatch|Traceback \(most recent call last\)|INTERNAL ERROR' "$dir/$role.out"; then
        # The crash is a race between Schemathesis' worker threads (a shared cache in
        # Hypothesis' source inspection), so the second run uses one worker.
        echo "contract: schemathesis crashed inside itself (see above); running it once more with one worker" >&2
        local again=() i
        for ((i = 0; i < ${#cmd[@]}; i++)); do
            again+=("${cmd[i]}")
            if [[ ${cmd[i]} == --workers ]]; then
                again+=(1)
                i=$((i + 1))
            fi
        done
        st_rc=0
        (cd "$dir" && timeout --kill-after=30 "$ST_TIMEOUT" "${again[@]}") || st_rc=$?
    fi
    if [[ $st_rc == 124 || $st_rc == 137 ]]; then
        echo "contract: schemathesis did not finish within ${ST_TIMEOUT}s" >&2
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "contract: the server died during the run; its log:" >&2
        sed "s/\x1b\[[0-9;]*m//g" "$dir/server.log" | tail -n 60 >&2
        [[ $st_rc != 0 ]] || st_rc=1
    fi
    if [[ -f "$dir/$role.har" ]]; then
        mapfile -t EXCLUDED_LABELS < <(python3 - "$dir/served.json" "${EXCLUDED_OPS[@]}" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
for op_id in sys.argv[2:]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == op_id:
                print(f"--excluded={method.upper()} {path}")
PY
)
        "$VENV/bin/python" "$SDK/fuzz_reach.py" summary --spec "$dir/served.json" --label "$db, $role" \
            --har "$dir/$role.har" --json "$dir/$role.coverage.json" "${EXCLUDED_LABELS[@]}" |
            tee "$REPORT_DIR/coverage-$db-$role.txt" || true
        COVERAGE_FILES+=("$dir/$role.coverage.json")
    fi
    if [[ $st_rc != 0 ]]; then
        echo "contract: the server's last warnings and errors:" >&2
        server_log "$dir/server.log" >&2
    fi
    return "$st_rc"
}

PG_STATE=""
for db in $DBS; do
    case $db in
        sqlite) url="sqlite://$TMP/$db/peerhub.db?mode=rwc" ;;
        postgres)
            if [[ -z "$PG_STATE" ]]; then
                # shellcheck source=.ci/pg.sh disable=SC1091
                if source "$ROOT/.ci/pg.sh"; then
                    PG_ADMIN_URL=$PEERHUB_TEST_DATABASE_URL
                    PG_STATE=ok
                else
                    PG_STATE=none
                fi
            fi
            if [[ $PG_STATE != ok ]]; then
                if [[ "${PEERHUB_REQUIRE_PG:-}" == 1 ]]; then
                    step "PostgreSQL for the live checks" false
                else
                    printf '\n!!!\n!!!   PostgreSQL unavailable: the live contract checks on PostgreSQL are SKIPPED\n!!!\n'
                    skip_step "live checks on PostgreSQL (no PostgreSQL)"
                fi
                continue
            fi
            if ! pg_fresh_db "peerhub_contract_$$_${RANDOM}"; then
                step "PostgreSQL: create a fresh database" false
                continue
            fi
            url=$PG_URL
            ;;
        *) die "unknown database in PEERHUB_CONTRACT_DBS: $db" ;;
    esac
    log "$db: peerhub demo, then serve"
    t0=$SECONDS
    if ! start_server "$db" "$url"; then
        stop_server
        STEP_LINES+=("$(printf '%-6s %5ss  %s' FAILED $((SECONDS - t0)) "$db: demo data and server start")")
        FAILED=$((FAILED + 1))
        continue
    fi
    STEP_LINES+=("$(printf '%-6s %5ss  %s' ok $((SECONDS - t0)) "$db: demo data and server start")")
    step "$db: served /openapi.json is valid OpenAPI 3.1" served_spec "$db"
    step "$db: scenario through the generated Python client" scenario
    # Log every role in before any run: a run's fuzzing of /v1/auth/login can set off the
    # sign-in rate limit for this client address.
    declare -A TOKENS=()
    for role in $ROLES; do
        TOKENS[$role]=$(login_token "$BASE" "${ROLE_EMAIL[$role]}") || TOKENS[$role]=""
    done
    for role in $ROLES; do
        if [[ -z "${TOKENS[$role]}" ]]; then
            step "$db: schemathesis as $role" false
            continue
        fi
        step "$db: schemathesis as $role" fuzz "$db" "$role" "${TOKENS[$role]}"
    done
    unset TOKENS
    stop_server
    sed 's/\x1b\[[0-9;]*m//g' "$TMP/$db/server.log" >"$REPORT_DIR/server-$db.log" 2>/dev/null || true
done

if ((${#COVERAGE_FILES[@]} > 1)); then
    log "2xx answers over all runs"
    "$VENV/bin/python" "$SDK/fuzz_reach.py" total --label "all runs" "${EXCLUDED_LABELS[@]}" "${COVERAGE_FILES[@]}" |
        tee "$REPORT_DIR/coverage-all.txt" || true
fi

log "summary (reports in ${REPORT_DIR#"$ROOT"/})"
printf '%s\n' "${STEP_LINES[@]}"
printf 'contract: %d step(s) failed; %ss in all\n' "$FAILED" $((SECONDS - CONTRACT_T0))
[[ $FAILED == 0 ]]
