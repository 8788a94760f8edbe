#!/usr/bin/env bash
# Read throughput behind `make load`: how many requests per second the release server
# answers on the common reads, as a share of what it answers on /health/live (no database,
# no authentication) in the same run on the same machine. See docs/performance.md.
#
# For each database (SQLite in a temp data dir; PostgreSQL in a fresh database on the
# server .ci/pg.sh finds, dropped at the end):
#   1. `peerhub demo` migrates it and loads the demo data; `peerhub serve` serves it on a
#      free port;
#   2. one login (POST /v1/auth/login: Argon2 and rate-limited, so only once) as the demo
#      network manager gives a bearer token; the community with the most members and one
#      of its meetings are found through the API;
#   3. wrk (-t2 -c16 -d10s --latency, keep-alive) hits /health/live, then each read, one
#      after the other; each is first warmed up for PEERHUB_LOAD_WARMUP (a run that is not
#      counted), because the first uses of a statement on each pooled PostgreSQL
#      connection prepare it and plan it five times before the cached plan is kept: a
#      meeting read's p99 was 40-110 ms in the first second and 6-7 ms after it;
#   4. a table: endpoint, req/s, p99, ratio to /health/live, the target and pass/fail.
#
# Targets (docs/performance.md): single-row reads >= 0.10 of /health/live; list pages of
# 50 and the community calendar feed >= 0.05; p99 < 10 ms for every read. A read that
# answers anything but 200 before the run, or any non-2xx during it, fails.
# Exit status: 1 if any row fails on any database.
#
# Knobs (environment):
#   PEERHUB_BIN=path                 use this binary instead of building it
#   PEERHUB_LOAD_DBS="sqlite postgres"  databases to measure
#   PEERHUB_LOAD_DURATION=10s        wrk -d (10 s: see docs/performance.md on wrk's
#                                    coordinated-omission correction)
#   PEERHUB_LOAD_WARMUP=1s           wrk -d of the uncounted run before each measured one
#   PEERHUB_LOAD_CONNECTIONS=16      wrk -c
#   PEERHUB_LOAD_THREADS=2           wrk -t
#   PEERHUB_LOAD_EMAIL=maya.okafor@nhs.net  demo login used for the reads
#   PEERHUB_REQUIRE_PG=1             no PostgreSQL is a failure (otherwise a loud skip)
# wrk is installed with apt-get when missing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v cargo >/dev/null 2>&1 && [[ -f "${HOME:-/root}/.cargo/env" ]]; then
    # shellcheck disable=SC1091
    . "${HOME:-/root}/.cargo/env"
fi

DBS=${PEERHUB_LOAD_DBS:-sqlite postgres}
DURATION=${PEERHUB_LOAD_DURATION:-10s}
WARMUP=${PEERHUB_LOAD_WARMUP:-1s}
CONNS=${PEERHUB_LOAD_CONNECTIONS:-16}
THREADS=${PEERHUB_LOAD_THREADS:-2}
EMAIL=${PEERHUB_LOAD_EMAIL:-maya.okafor@nhs.net}
DEMO_PASSWORD='peerhub-demo-2026'
P99_LIMIT_MS=10

log() { printf '\n=== load: %s\n' "$*" >&2; }
die() {
    printf 'load: ERROR: %s\n' "$*" >&2
    exit 1
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/peerhub-load.XXXXXX")
SERVER_PID=""
PG_ADMIN_URL=""
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

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk (apt-get)"
    sudo_cmd=()
    [[ "$(id -u)" == 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get install -y -q wrk >&2 ||
        { "${sudo_cmd[@]}" apt-get update -q >&2 && "${sudo_cmd[@]}" apt-get install -y -q wrk >&2; } ||
        die "wrk is needed (Debian package wrk) and apt-get could not install it"
fi
command -v python3 >/dev/null 2>&1 || die "python3 is needed"
command -v curl >/dev/null 2>&1 || die "curl is needed"

if [[ -n "${PEERHUB_BIN:-}" ]]; then
    BIN=$PEERHUB_BIN
else
    log "cargo build --release -p peerhub-server"
    cargo build --release -p peerhub-server >&2 || die "release build failed"
    BIN="$ROOT/target/release/peerhub"
fi
[[ -x "$BIN" ]] || die "no binary at $BIN"

# ---------------------------------------------------------------- server
pg_fresh_db() { # NAME -> URL of a new empty database on stdout
    command -v psql >/dev/null 2>&1 || {
        echo "load: psql is needed to create the PostgreSQL database" >&2
        return 1
    }
    psql -X -q -v ON_ERROR_STOP=1 -d "$PG_ADMIN_URL" -c "CREATE DATABASE \"$1\"" >&2 || return 1
    python3 - "$PG_ADMIN_URL" "$1" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + sys.argv[2], u.query, u.fragment)))
PY
}

start_server() { # DB URL: load the demo data, serve it; sets BASE and SERVER_PID
    local db=$1 url=$2 dir="$TMP/$1" port
    mkdir -p "$dir"
    port=$(free_port)
    BASE="http://127.0.0.1:$port"
    export PEERHUB_DATABASE_URL="$url" PEERHUB_DATA_DIR="$dir" PEERHUB_BIND="127.0.0.1:$port"
    export PEERHUB_ACCESS_TOKEN_TTL_SECS=7200 PEERHUB_LOG=warn
    (cd "$dir" && "$BIN" demo >"$dir/demo.log" 2>&1) || {
        tail -n 40 "$dir/demo.log" >&2
        echo "load: \`peerhub demo\` failed on $db" >&2
        return 1
    }
    (cd "$dir" && exec "$BIN" serve) >"$dir/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            tail -n 40 "$dir/server.log" >&2
            echo "load: the server exited before becoming ready" >&2
            return 1
        fi
        if curl -fsS -o /dev/null --max-time 2 "$BASE/health/ready" 2>/dev/null; then
            return 0
        fi
        sleep 0.5
    done
    tail -n 40 "$dir/server.log" >&2
    echo "load: server not ready after 60 s" >&2
    return 1
}

json_get() { # PATH -> body on stdout (fails on a non-200)
    curl -fsS --max-time 30 -H "Authorization: Bearer $TOKEN" "$BASE$1"
}

login() {
    local body
    body=$(python3 -c 'import json,sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
        "$EMAIL" "$DEMO_PASSWORD")
    curl -fsS --max-time 30 -X POST -H 'Content-Type: application/json' --data "$body" \
        "$BASE/v1/auth/login" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# ---------------------------------------------------------------- wrk
# run_wrk PATH AUTH(0|1) -> "rps p99_ms errors" on stdout
run_wrk() {
    local out hdr=()
    [[ "$2" == 1 ]] && hdr=(-H "Authorization: Bearer $TOKEN")
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "$BASE$1" >/dev/null 2>&1 || true
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$BASE$1" 2>&1) || {
        printf '%s\n' "$out" >&2
        echo "0 0 1"
        return 0
    }
    printf '%s\n' "$out" | python3 -c '
import re, sys
text = sys.stdin.read()
rps = re.search(r"Requests/sec:\s+([0-9.]+)", text)
p99 = re.search(r"^\s*99%\s+([0-9.]+)(us|ms|s)\b", text, re.M)
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errs = re.search(r"Socket errors:.*?(\d+)\s*,\s*write\s+(\d+)\s*,\s*timeout\s+(\d+)", text)
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else 0.0
n = int(bad.group(1)) if bad else 0
if errs:
    n += sum(int(x) for x in errs.groups())
print(f"{float(rps.group(1)) if rps else 0.0:.0f} {ms:.2f} {n}")
'
}

FAILED=0
TABLE=()

# measure DB: the whole run against the server at BASE
measure() {
    local db=$1 health communities cid meeting_id rows=() row path kind target rps p99 errs ratio ok
    TOKEN=$(login) || {
        echo "load: login as $EMAIL failed on $db" >&2
        return 1
    }
    # The community with the most members, and one of its meetings.
    communities=$(json_get "/v1/communities?limit=100") || return 1
    cid=$(printf '%s' "$communities" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(max(items, key=lambda c: c["member_count"])["id"])')
    meeting_id=$(json_get "/v1/meetings?community_id=$cid&limit=1" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])') || {
        echo "load: community $cid has no meeting on $db" >&2
        return 1
    }
    read -r rps p99 errs < <(run_wrk /health/live 0)
    health=$rps
    TABLE+=("$(printf '%-8s %-44s %8s %8s %6s %8s  %s' "$db" "/health/live" "$rps" "$p99" "1.00" "-" "base")")
    # kind: one = single-row read, list = a page of 50 or the calendar feed
    rows=(
        "one /v1/me"
        "one /v1/communities/$cid"
        "one /v1/meetings/$meeting_id"
        "list /v1/communities/$cid/members?limit=50"
        "list /v1/communities/$cid/calendar.ics"
        "list /v1/communities?limit=50"
        "list /v1/meetings?community_id=$cid&limit=50"
    )
    for row in "${rows[@]}"; do
        kind=${row%% *}
        path=${row#* }
        if [[ "$kind" == one ]]; then target=0.10; else target=0.05; fi
        if ! json_get "$path" >/dev/null; then
            TABLE+=("$(printf '%-8s %-44s %8s %8s %6s %8s  %s' "$db" "${path//$cid/\{cop\}}" - - - "$target" "FAIL (not 200)")")
            FAILED=$((FAILED + 1))
            continue
        fi
        read -r rps p99 errs < <(run_wrk "$path" 1)
        ratio=$(python3 -c "print(f'{$rps / max($health, 1):.3f}')")
        ok=$(python3 -c "print('pass' if $rps / max($health, 1) >= $target and $p99 < $P99_LIMIT_MS and $errs == 0 else 'FAIL')")
        [[ "$ok" == pass ]] || FAILED=$((FAILED + 1))
        [[ "$errs" == 0 ]] || ok="$ok ($errs errors)"
        path=${path//$cid/\{cop\}}
        path=${path//$meeting_id/\{meeting\}}
        TABLE+=("$(printf '%-8s %-44s %8s %8s %6s %8s  %s' "$db" "$path" "$rps" "$p99" "$ratio" ">=$target" "$ok")")
    done
}

for db in $DBS; do
    case "$db" in
    sqlite)
        url="sqlite://$TMP/sqlite/peerhub.db?mode=rwc"
        mkdir -p "$TMP/sqlite"
        ;;
    postgres)
        # shellcheck disable=SC1091
        if ! source "$ROOT/.ci/pg.sh"; then
            if [[ "${PEERHUB_REQUIRE_PG:-}" == 1 ]]; then
                die "no PostgreSQL available (PEERHUB_REQUIRE_PG=1)"
            fi
            log "SKIPPED postgres: no PostgreSQL available"
            TABLE+=("$(printf '%-8s %s' postgres 'SKIPPED: no PostgreSQL available')")
            continue
        fi
        PG_ADMIN_URL=$PEERHUB_TEST_DATABASE_URL
        name="peerhub_load_$$"
        url=$(pg_fresh_db "$name") || die "could not create database $name"
        PG_DATABASES+=("$name")
        ;;
    *) die "unknown database $db (sqlite or postgres)" ;;
    esac
    log "$db: demo data, serve"
    start_server "$db" "$url" || die "the $db server did not start"
    log "$db: wrk -t$THREADS -c$CONNS -d$DURATION --latency"
    measure "$db" || { FAILED=$((FAILED + 1)); TABLE+=("$(printf '%-8s %s' "$db" 'FAILED: could not set up the run')"); }
    stop_server
done

printf '\nwrk -t%s -c%s -d%s --latency; p99 limit %s ms; ratio = req/s / req/s of /health/live\n' \
    "$THREADS" "$CONNS" "$DURATION" "$P99_LIMIT_MS"
printf '%-8s %-44s %8s %8s %6s %8s  %s\n' db endpoint "req/s" "p99(ms)" ratio target result
printf '%s\n' "${TABLE[@]}"
if [[ $FAILED -gt 0 ]]; then
    printf '\nload: %d row(s) below target\n' "$FAILED"
    exit 1
fi
printf '\nload: every read met its target\n'
