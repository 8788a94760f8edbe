#!/usr/bin/env bash
# Contract checks behind `make contract` (and so `make ci` / `.ci/run`):
#
#   1. openapi/openapi.json is a valid OpenAPI 3.1 document (openapi-spec-validator).
#   2. It is what the binary generates (`peerhub openapi`), compared as JSON, so a stale
#      committed copy fails with a hint to run `make openapi`.
#   3. A real server (release build, fresh temp SQLite DB, free port) serves a valid 3.1
#      spec at /openapi.json, and schemathesis, logged in as a freshly created admin,
#      finds no server errors and no response that breaks the spec (schema, content
#      type, status code).
#
# Python tools live in .ci/.venv (pinned in .ci/contract-requirements.txt).
#
# Knobs (environment):
#   PEERHUB_BIN=path                    use this binary instead of building
#                                       `cargo build --release -p peerhub-server`
#   PEERHUB_CONTRACT_MAX_EXAMPLES=30    schemathesis --max-examples (per operation)
#   PEERHUB_CONTRACT_SEED=1729          schemathesis --seed
#   PEERHUB_CONTRACT_WORKERS=2          schemathesis --workers
#   PEERHUB_CONTRACT_TIMEOUT=1200       hard cap (seconds) on the schemathesis run
#   PEERHUB_CONTRACT_ARGS="..."         extra schemathesis args (word-split), e.g.
#                                       "--exclude-path /v1/auth/logout --phases examples,coverage,fuzzing"
#   PEERHUB_CONTRACT_SKIP_DRIFT=1       skip check 2
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
MAX_EXAMPLES=${PEERHUB_CONTRACT_MAX_EXAMPLES:-30}
SEED=${PEERHUB_CONTRACT_SEED:-1729}
WORKERS=${PEERHUB_CONTRACT_WORKERS:-2}
ST_TIMEOUT=${PEERHUB_CONTRACT_TIMEOUT:-1200}
ADMIN_EMAIL='contract-admin@example.org'
ADMIN_PASSWORD='Contract-Check-Passw0rd!'
CHECKS='not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance'

log() { printf '\n=== contract: %s\n' "$*"; }
die() {
    printf 'contract: ERROR: %s\n' "$*" >&2
    exit 1
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/peerhub-contract.XXXXXX")
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

target_dir() {
    cargo metadata --format-version 1 --no-deps 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null ||
        printf '%s\n' "${CARGO_TARGET_DIR:-$ROOT/target}"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- python tools
log "python tools (.ci/.venv)"
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$REQ" "$VENV/.peerhub-requirements.txt"; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" ||
        die "python3 -m venv failed (on Debian/Ubuntu: apt-get install -y python3-venv)"
    PIP_NO_INPUT=1 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
    cp "$REQ" "$VENV/.peerhub-requirements.txt"
fi
echo "openapi-spec-validator $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))'), $("$VENV/bin/schemathesis" --version)"

# ---------------------------------------------------------------- 1. committed spec
log "validate openapi/openapi.json as OpenAPI 3.1"
[[ -f "$SPEC" ]] || die "openapi/openapi.json is missing (generate it with: make openapi)"
"$VENV/bin/openapi-spec-validator" --schema 3.1 "$SPEC"

# ---------------------------------------------------------------- build
if [[ -n "${PEERHUB_BIN:-}" ]]; then
    BIN=$PEERHUB_BIN
    log "using PEERHUB_BIN=$BIN"
else
    log "cargo build --release -p peerhub-server"
    cargo build --release -p peerhub-server
    BIN="$(target_dir)/release/peerhub"
fi
[[ -x "$BIN" ]] || die "no executable at $BIN"

# ---------------------------------------------------------------- 2. drift
if [[ "${PEERHUB_CONTRACT_SKIP_DRIFT:-}" == 1 ]]; then
    log "drift check skipped (PEERHUB_CONTRACT_SKIP_DRIFT=1)"
else
    log "openapi/openapi.json matches \`peerhub openapi\`"
    (cd "$TMP" && PEERHUB_DATA_DIR="$TMP/drift" PEERHUB_DATABASE_URL="sqlite://$TMP/drift.db?mode=rwc" \
        "$BIN" openapi >"$TMP/generated.json") || die "\`peerhub openapi\` failed"
    if ! python3 - "$SPEC" "$TMP/generated.json" <<'PY'
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
    then
        die "openapi/openapi.json is stale: regenerate it with \`make openapi\` and commit it"
    fi
    echo "up to date"
fi

# ---------------------------------------------------------------- 3. live server
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
export PEERHUB_DATABASE_URL="sqlite://$TMP/peerhub.db?mode=rwc"
export PEERHUB_DATA_DIR="$TMP"
export PEERHUB_BIND="127.0.0.1:$PORT"

log "start server on $BASE (fresh SQLite in $TMP)"
(cd "$TMP" && exec "$BIN" serve) >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 1 120); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        cat "$TMP/server.log" >&2
        die "server exited before becoming ready"
    fi
    if curl -fsS -o /dev/null --max-time 2 "$BASE/health/ready" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.5
done
if [[ $ready != 1 ]]; then
    cat "$TMP/server.log" >&2
    die "server not ready after 60 s"
fi
echo "ready"

log "create admin $ADMIN_EMAIL and log in"
(cd "$TMP" && "$BIN" admin create --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD") ||
    die "\`peerhub admin create\` failed"
login_body=$(python3 -c 'import json,sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
    "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
login_resp=$(curl -sS --max-time 30 -X POST -H 'Content-Type: application/json' \
    --data "$login_body" -w '\n%{http_code}' "$BASE/v1/auth/login") || die "login request failed"
login_code=${login_resp##*$'\n'}
[[ "$login_code" == 200 ]] || die "login returned HTTP $login_code: ${login_resp%$'\n'*}"
TOKEN=$(printf '%s' "${login_resp%$'\n'*}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') ||
    die "no access_token in the login response"
echo "got an access token"

log "validate the served /openapi.json as OpenAPI 3.1"
curl -fsS --max-time 30 "$BASE/openapi.json" -o "$TMP/served.json" || die "GET /openapi.json failed"
"$VENV/bin/openapi-spec-validator" --schema 3.1 "$TMP/served.json"

REPORT_DIR="$(target_dir)/contract"
mkdir -p "$REPORT_DIR"
# shellcheck disable=SC2206 # deliberate word splitting of a knob
EXTRA=(${PEERHUB_CONTRACT_ARGS:-})
ST_CMD=(
    "$VENV/bin/schemathesis" run "$BASE/openapi.json"
    --url "$BASE"
    --checks "$CHECKS"
    --header "Authorization: Bearer $TOKEN"
    --max-examples "$MAX_EXAMPLES"
    --seed "$SEED"
    --workers "$WORKERS"
    --request-timeout 10
    --generation-database none
    --report junit
    --report-junit-path "$REPORT_DIR/schemathesis-junit.xml"
    # Erasing the account the run is logged in as would turn every later
    # call into a 401; the end-to-end tests cover it instead.
    --exclude-operation-id eraseMe
    "${EXTRA[@]}"
)
log "schemathesis (checks: $CHECKS; max-examples $MAX_EXAMPLES; seed $SEED; workers $WORKERS)"
st_rc=0
(cd "$TMP" && timeout --kill-after=30 "$ST_TIMEOUT" "${ST_CMD[@]}") || st_rc=$?
if [[ $st_rc == 124 || $st_rc == 137 ]]; then
    echo "contract: schemathesis did not finish within ${ST_TIMEOUT}s" >&2
fi
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "contract: the server died during the run; its log:" >&2
    tail -n 100 "$TMP/server.log" >&2
    [[ $st_rc != 0 ]] || st_rc=1
fi
if [[ $st_rc != 0 ]]; then
    echo "contract: last server log lines:" >&2
    tail -n 40 "$TMP/server.log" >&2 || true
fi

log "stop server"
cleanup
SERVER_PID=""
trap - EXIT
echo "contract: schemathesis exit status $st_rc"
exit "$st_rc"
