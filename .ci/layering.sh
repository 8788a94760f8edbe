#!/usr/bin/env bash
# Layering check (part of `make lint`): the pure domain crate must not depend, directly
# or transitively, on the persistence or HTTP frameworks.
#
#   bash .ci/layering.sh [PACKAGE [FORBIDDEN...]]
#   default: peerhub-domain sea-orm actix-web
#
# `cargo tree -p PKG -i DEP` prints the inverted tree (PKG <- ... <- DEP) when DEP is in
# PKG's graph, and fails with "package ID specification `DEP` did not match any
# packages" when it is not. So: that error = OK, a printed tree = violation, any other
# error = failure of the check itself. All targets and normal/build/dev edges count.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

pkg=${1:-peerhub-domain}
if [[ $# -gt 1 ]]; then
    shift
    forbidden=("$@")
else
    forbidden=(sea-orm actix-web)
fi

# (cargo tree silently widens to the whole workspace for an unknown -p, so check first)
if ! cargo pkgid --quiet "$pkg" >/dev/null; then
    echo "layering: package $pkg not found in the workspace" >&2
    exit 1
fi

status=0
for dep in "${forbidden[@]}"; do
    out=$(cargo tree --quiet -p "$pkg" -i "$dep" --target all -e normal,build,dev 2>&1) && rc=0 || rc=$?
    if [[ $rc == 0 && -n "$out" ]]; then
        echo "layering: VIOLATION: $pkg depends on $dep:" >&2
        printf '%s\n' "$out" >&2
        status=1
    elif [[ $rc != 0 ]] && grep -q "did not match any packages" <<<"$out"; then
        echo "layering: ok: $pkg does not depend on $dep"
    else
        echo "layering: cargo tree failed unexpectedly (rc=$rc) for $pkg -i $dep:" >&2
        printf '%s\n' "$out" >&2
        status=1
    fi
done
exit "$status"
