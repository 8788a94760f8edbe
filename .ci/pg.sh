#!/usr/bin/env bash
# Find (or start) a PostgreSQL server for the postgres end-to-end tests.
#
# Usage:
#   source .ci/pg.sh      # exports PEERHUB_TEST_DATABASE_URL; returns non-zero if none
#   url=$(bash .ci/pg.sh) # prints the URL on stdout; exits non-zero (and prints
#                         # nothing) if no PostgreSQL can be had
#
# Order of preference:
#   1. $PEERHUB_TEST_DATABASE_URL, if already set (used as is).
#   2. A server answering on 127.0.0.1:5432  -> postgres://postgres@127.0.0.1:5432/postgres
#   3. As root, with /etc/postgresql present: start the system cluster(s) with
#      pg_ctlcluster, then re-check 127.0.0.1:5432.
#   4. A throwaway cluster (initdb + pg_ctl) in a mktemp dir on a free port, trust auth,
#      listening on 127.0.0.1 only, unix socket inside the temp dir. It is stopped and
#      removed when the caller exits: when sourced, via an EXIT trap in the caller's
#      shell (chained after any EXIT trap already set); when executed, via a small
#      watcher that waits for the calling process to exit.
#
# Knobs (environment):
#   PEERHUB_PG_FORCE_TEMP=1  skip 1-3 and always start a throwaway cluster (used to test
#                            that path; also handy when 5432 holds something unsuitable).
#   PEERHUB_PG_NONE=1        pretend no PostgreSQL can be had (to test the skip path of
#                            .ci/test.sh).
#   PEERHUB_PG_QUIET=1       no progress messages on stderr.
#
# All diagnostics go to stderr; stdout carries only the URL (executed mode).
# When sourcing from a script running under `set -e`, test it: `if source .ci/pg.sh; then`.

_peerhub_pg_log() {
    if [[ "${PEERHUB_PG_QUIET:-}" != 1 ]]; then
        printf 'pg.sh: %s\n' "$*" >&2
    fi
}

# _peerhub_pg_ready HOST PORT: does a PostgreSQL server answer there?
_peerhub_pg_ready() {
    local host=$1 port=$2
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$host" -p "$port" -t 3 >/dev/null 2>&1
    else
        # No client tools: settle for an open TCP port.
        (exec 3<>"/dev/tcp/$host/$port") >/dev/null 2>&1
    fi
}

# _peerhub_pg_usable URL: can we actually log in and run a query (when psql exists)?
_peerhub_pg_usable() {
    local url=$1
    if command -v psql >/dev/null 2>&1; then
        PGCONNECT_TIMEOUT=5 psql -X -q -At -d "$url" -c 'select 1' >/dev/null 2>&1
    else
        return 0
    fi
}

# _peerhub_pg_bindir: directory holding initdb and pg_ctl (prints it), newest version first.
_peerhub_pg_bindir() {
    local d
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4 -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
            printf '%s\n' "$d"
            return 0
        fi
    done
    return 1
}

# _peerhub_pg_free_port: print a TCP port that is free on 127.0.0.1.
_peerhub_pg_free_port() {
    local p
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return 0
    fi
    for p in $(seq 54329 54429); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") >/dev/null 2>&1; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    return 1
}

# _peerhub_pg_start_system: as root, try to start the Debian system cluster(s).
_peerhub_pg_start_system() {
    local d v _
    [[ "$(id -u)" == 0 && -d /etc/postgresql ]] || return 1
    command -v pg_ctlcluster >/dev/null 2>&1 || return 1
    for d in /etc/postgresql/*/main; do
        [[ -d "$d" ]] || continue
        v=$(basename "$(dirname "$d")")
        _peerhub_pg_log "starting system cluster $v/main"
        pg_ctlcluster --skip-systemctl-redirect "$v" main start >&2 || true
    done
    for _ in $(seq 1 15); do
        _peerhub_pg_ready 127.0.0.1 5432 && return 0
        sleep 1
    done
    return 1
}

# _peerhub_pg_start_temp: start a throwaway cluster. On success sets
# _PEERHUB_PG_TEMP_DIR, _PEERHUB_PG_TEMP_URL, _PEERHUB_PG_TEMP_STOP (a shell command).
_peerhub_pg_start_temp() {
    local bindir port dir as_user=() run_user="" runuser_bin opts
    bindir=$(_peerhub_pg_bindir) || { _peerhub_pg_log "no initdb/pg_ctl found"; return 1; }
    port=$(_peerhub_pg_free_port) || { _peerhub_pg_log "no free port"; return 1; }
    dir=$(mktemp -d "${TMPDIR:-/tmp}/peerhub-pg.XXXXXX") || return 1
    chmod 755 "$dir"
    if [[ "$(id -u)" == 0 ]]; then
        # initdb/postgres refuse to run as root: use the postgres account (or nobody).
        if id postgres >/dev/null 2>&1; then
            run_user=postgres
        elif id nobody >/dev/null 2>&1; then
            run_user=nobody
        else
            _peerhub_pg_log "running as root and no postgres/nobody user to run initdb as"
            rm -rf "$dir"
            return 1
        fi
        chown "$run_user" "$dir"
        runuser_bin=$(PATH="$PATH:/usr/sbin:/sbin" command -v runuser 2>/dev/null || true)
        if [[ -n "$runuser_bin" ]]; then
            as_user=("$runuser_bin" -u "$run_user" --)
        else
            # shellcheck disable=SC2016 # expanded by the inner shell
            as_user=(su -s /bin/sh "$run_user" -c 'exec "$0" "$@"' --)
        fi
    fi
    _peerhub_pg_log "starting throwaway cluster in $dir on 127.0.0.1:$port ($bindir)"
    opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    if ! (cd "$dir" && "${as_user[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1); then
        _peerhub_pg_log "initdb failed:"
        cat "$dir/initdb.log" >&2 2>/dev/null || true
        rm -rf "$dir"
        return 1
    fi
    if ! (cd "$dir" && "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null 2>&1); then
        _peerhub_pg_log "pg_ctl start failed:"
        cat "$dir/server.log" >&2 2>/dev/null || true
        (cd "$dir" && "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1) || true
        rm -rf "$dir"
        return 1
    fi
    _PEERHUB_PG_TEMP_DIR=$dir
    _PEERHUB_PG_TEMP_URL="postgres://postgres@127.0.0.1:$port/postgres"
    # A self-contained command (no functions needed) so it also works in a watcher.
    _PEERHUB_PG_TEMP_STOP="cd / && $(printf '%q ' "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop) >/dev/null 2>&1; rm -rf $(printf '%q' "$dir")"
    return 0
}

# _peerhub_pg_find: print the URL to use; non-zero if none.
_peerhub_pg_find() {
    local url=postgres://postgres@127.0.0.1:5432/postgres
    _PEERHUB_PG_TEMP_STOP=""
    if [[ "${PEERHUB_PG_NONE:-}" == 1 ]]; then
        _peerhub_pg_log "PEERHUB_PG_NONE=1: pretending no PostgreSQL is available"
        return 1
    fi
    if [[ "${PEERHUB_PG_FORCE_TEMP:-}" != 1 ]]; then
        if [[ -n "${PEERHUB_TEST_DATABASE_URL:-}" ]]; then
            if ! _peerhub_pg_usable "$PEERHUB_TEST_DATABASE_URL"; then
                _peerhub_pg_log "warning: PEERHUB_TEST_DATABASE_URL is set but does not answer; using it anyway"
            fi
            printf '%s\n' "$PEERHUB_TEST_DATABASE_URL"
            return 0
        fi
        if _peerhub_pg_ready 127.0.0.1 5432 && _peerhub_pg_usable "$url"; then
            printf '%s\n' "$url"
            return 0
        fi
        if _peerhub_pg_start_system && _peerhub_pg_usable "$url"; then
            printf '%s\n' "$url"
            return 0
        fi
    fi
    return 2 # caller tries the throwaway cluster (needs to run in the caller's shell)
}

# Public entry point when sourced: exports PEERHUB_TEST_DATABASE_URL.
peerhub_pg_setup() {
    local url rc old
    # (written so that a caller's `set -e` cannot abort us half-way)
    url=$(_peerhub_pg_find) && rc=0 || rc=$?
    if [[ $rc == 0 && -n "$url" ]]; then
        export PEERHUB_TEST_DATABASE_URL="$url"
        return 0
    fi
    [[ $rc == 2 ]] || return 1
    _peerhub_pg_start_temp || return 1
    export PEERHUB_TEST_DATABASE_URL="$_PEERHUB_PG_TEMP_URL"
    export PEERHUB_PG_TEMP_DIR="$_PEERHUB_PG_TEMP_DIR"
    # Chain onto any EXIT trap the caller already has.
    old=$(trap -p EXIT)
    if [[ -n "$old" ]]; then
        old=${old#trap -- }
        old=${old% EXIT}
        eval "old=$old"
        # shellcheck disable=SC2064
        trap "$old
$_PEERHUB_PG_TEMP_STOP" EXIT
    else
        # shellcheck disable=SC2064
        trap "$_PEERHUB_PG_TEMP_STOP" EXIT
    fi
    return 0
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced.
    peerhub_pg_setup
else
    # Executed.
    set -u
    _url=$(_peerhub_pg_find) && _rc=0 || _rc=$?
    if [[ $_rc == 0 && -n "$_url" ]]; then
        printf '%s\n' "$_url"
        exit 0
    fi
    [[ $_rc == 2 ]] || exit 1
    _peerhub_pg_start_temp || exit 1
    # Stop the cluster when our caller (the parent process) exits.
    _caller=$PPID
    # shellcheck disable=SC2016 # expanded by the watcher shell
    nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; eval "$2"' \
        peerhub-pg-watch "$_caller" "$_PEERHUB_PG_TEMP_STOP" </dev/null >/dev/null 2>&1 &
    _peerhub_pg_log "throwaway cluster will be removed when process $_caller exits"
    printf '%s\n' "$_PEERHUB_PG_TEMP_URL"
    exit 0
fi
