"""Helpers that let Schemathesis reach the code behind the 404s, and measure how far it got.

Used by .ci/contract.sh; standard library only.

  fuzz_reach.py config --spec SPEC --base URL --token TOKEN --out schemathesis.toml
      Walks the API as the caller (list operations first, then the lists under each id it
      found, three rounds) and writes a Schemathesis config whose dictionaries hold the real
      ids the caller can see: path parameters (`/v1/communities/{id}`, `{user_id}`,
      `{version}`), `*_id` query parameters and top-level `*_id` body fields then take a real
      id most of the time (PROBABILITY) and a generated value otherwise, so fuzzing gets past
      "404 not found" into the handlers. The caller's own user id is left out, so a run
      cannot demote or remove the account it is logged in as.

  fuzz_reach.py summary --spec SPEC --label NAME --har FILE [--json OUT]
      Reads the HAR that `schemathesis run --report har` wrote, matches every request to its
      operation and prints the share of 2xx answers and the operations that never got one.

  fuzz_reach.py total --spec SPEC JSON...
      Combines several `summary --json` outputs: the overall 2xx share and the operations
      that no run got a 2xx from.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PROBABILITY = 0.9
MAX_PER_DICTIONARY = 40

# `*_id` fields of list items and bodies, by the collection whose ids they hold.
FIELD_RESOURCE = {
    "network_id": "networks",
    "community_id": "communities",
    "user_id": "users",
    "about_user_id": "users",
    "line_manager_id": "users",
    "requester_id": "users",
    "programme_id": "programmes",
    "match_id": "matches",
    "meeting_id": "meetings",
    "series_id": "meeting-series",
    "application_id": "applications",
    "supporter_id": "supporters",
    "run_id": "matching-runs",
    "proposal_id": "community-proposals",
    "action_id": "actions",
    "complaint_id": "complaints",
    "concern_id": "safeguarding-concerns",
    "note_id": "notes",
}
# The collection named by the last literal segment of a nested list path, where it differs.
SEGMENT_RESOURCE = {
    "requests": "match-requests",
    "concerns": "safeguarding-concerns",
    "members": "users",
    "review-queue": "applications",
}
NON_ID_PARAMS = {"token", "secret"}  # secrets in the path: nothing to harvest


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                out.append((method.upper(), path, op))
    return out


def path_params(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def resource_of_param(path: str, name: str) -> str | None:
    """The collection whose ids fill path parameter `name` of `path`."""
    if name in NON_ID_PARAMS:
        return None
    if name == "id":
        segments = path.split("/")
        i = segments.index("{id}")
        return segments[i - 1] if i > 0 else None
    if name == "version":
        return "versions"
    if name.endswith("_id"):
        return FIELD_RESOURCE.get(name)
    return None


class Harvest:
    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token
        self.ids: dict[str, dict[str, None]] = defaultdict(dict)  # ordered sets
        self.calls = 0

    def add(self, resource: str | None, value: object) -> None:
        if resource and isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
            self.ids[resource][str(value) if isinstance(value, str) else value] = None  # type: ignore[index]

    def get(self, path: str, query: dict[str, str]) -> Any:
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        req = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        )
        self.calls += 1
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                if not resp.headers.get("content-type", "").startswith("application/json"):
                    return None
                return json.load(resp)
        except (urllib.error.URLError, ValueError, TimeoutError):
            return None

    def absorb(self, resource: str | None, body: Any) -> None:
        if not isinstance(body, dict):
            return
        items = body.get("items")
        for item in items if isinstance(items, list) else [body]:
            if not isinstance(item, dict):
                continue
            if resource == "versions":
                self.add("versions", item.get("version"))
            elif resource == "users":
                self.add("users", item.get("user_id", item.get("id")))
            else:
                self.add(resource, item.get("id"))
            for key, value in item.items():
                self.add(FIELD_RESOURCE.get(key), value)
                if key == "user" and isinstance(value, dict):
                    self.add("users", value.get("id"))


def list_resource(path: str) -> str | None:
    last = [s for s in path.split("/") if s and not s.startswith("{")][-1]
    if last == "versions":
        return "versions"
    return SEGMENT_RESOURCE.get(last, last)


def cmd_config(args: argparse.Namespace) -> int:
    spec = json.load(open(args.spec, encoding="utf-8"))
    h = Harvest(args.base, args.token)
    me = h.get("/v1/me", {})
    own_id = me.get("id") if isinstance(me, dict) else None
    lists = []
    for method, path, op in operations(spec):
        if method != "GET" or path.endswith(".ics") or path in ("/metrics", "/v1/me/export"):
            continue
        params = op.get("parameters", [])
        required_query = [p["name"] for p in params if p.get("in") == "query" and p.get("required")]
        if required_query and not all(FIELD_RESOURCE.get(n) for n in required_query):
            continue
        has_limit = any(p.get("name") == "limit" and p.get("in") == "query" for p in params)
        lists.append((path, path_params(path), required_query, has_limit))
    done: set[str] = set()
    for _ in range(3):
        before = sum(len(v) for v in h.ids.values())
        for path, pparams, required_query, has_limit in lists:
            choices: list[dict[str, str]] = [{}]
            for name in pparams + required_query:
                res = resource_of_param(path, name) if name in pparams else FIELD_RESOURCE.get(name)
                values = list(h.ids.get(res, {}))[:3] if res else []
                choices = [dict(c, **{name: str(v)}) for c in choices for v in values]
            for choice in choices:
                url = path
                query = {"limit": "200"} if has_limit else {}
                for name, value in choice.items():
                    if name in pparams:
                        url = url.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
                    else:
                        query[name] = value
                key = url + "?" + urllib.parse.urlencode(query)
                if key in done:
                    continue
                done.add(key)
                h.absorb(list_resource(path) if not path.endswith("}") else None, h.get(url, query))
        if sum(len(v) for v in h.ids.values()) == before:
            break
    if own_id is not None:
        h.ids.get("users", {}).pop(own_id, None)

    lines = [
        "# Written by .ci/sdk/fuzz_reach.py for one contract run: the ids this caller can see.",
        f"# {h.calls} GET requests harvested them.",
        "",
    ]
    dictionaries = {name: list(values)[:MAX_PER_DICTIONARY] for name, values in sorted(h.ids.items()) if values}
    # Global bindings: `*_id` query parameters and top-level body fields.
    global_bindings: dict[str, str] = {}
    for _, _path, op in operations(spec):
        for p in op.get("parameters", []):
            res = FIELD_RESOURCE.get(p.get("name", ""))
            if p.get("in") == "query" and res in dictionaries:
                global_bindings[f"query.{p['name']}"] = res
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        for field in _body_fields(spec, body):
            res = FIELD_RESOURCE.get(field)
            if res in dictionaries:
                global_bindings[f"body.{field}"] = res
    if global_bindings:
        lines.append("[parameters]")
        for key, res in sorted(global_bindings.items()):
            lines.append(f"{json.dumps(key)} = {{ dictionary = {json.dumps(res)}, probability = {PROBABILITY} }}")
        lines.append("")
    for name, values in dictionaries.items():
        lines.append(f"[dictionaries.{json.dumps(name)}]")
        lines.append("values = [" + ", ".join(json.dumps(v) for v in values) + "]")
        lines.append("")
    bound = 0
    for path in spec.get("paths", {}):
        bindings = {}
        for name in path_params(path):
            res = resource_of_param(path, name)
            if res in dictionaries:
                bindings[f"path.{name}"] = res
        if not bindings:
            continue
        bound += 1
        lines.append("[[operations]]")
        lines.append(f"include-path = {json.dumps(path)}")
        inner = ", ".join(
            f"{json.dumps(k)} = {{ dictionary = {json.dumps(v)}, probability = {PROBABILITY} }}"
            for k, v in bindings.items()
        )
        lines.append(f"parameters = {{ {inner} }}")
        lines.append("")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    counts = ", ".join(f"{k} {len(v)}" for k, v in dictionaries.items())
    print(f"fuzz_reach: {h.calls} GETs; ids: {counts or 'none'}; {bound} paths and {len(global_bindings)} fields bound")
    return 0


def _body_fields(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> list[str]:
    if depth > 3 or not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref.startswith("#/components/schemas/"):
            return _body_fields(spec, spec["components"]["schemas"].get(ref.rsplit("/", 1)[1], {}), depth + 1)
        return []
    fields = list(schema.get("properties", {}))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            fields += _body_fields(spec, sub, depth + 1)
    return fields


def _matchers(spec: dict[str, Any]) -> list[tuple[str, re.Pattern[str], str]]:
    out = []
    for method, path, _ in operations(spec):
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        rx = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        out.append((method, rx, f"{method} {path}", literal))
    # Prefer the most literal template (`/v1/me/memberships` before `/v1/me/{x}`).
    out.sort(key=lambda m: -m[3])
    return [(m, rx, label) for m, rx, label, _ in out]


def cmd_summary(args: argparse.Namespace) -> int:
    spec = json.load(open(args.spec, encoding="utf-8"))
    matchers = _matchers(spec)
    counts: dict[str, list[int]] = {f"{m} {p}": [0, 0] for m, p, _ in operations(spec)}
    statuses: dict[str, int] = defaultdict(int)
    unmatched = 0
    with open(args.har, encoding="utf-8") as f:
        har = json.load(f)
    for entry in har.get("log", {}).get("entries", []):
        method = entry.get("request", {}).get("method", "").upper()
        path = urllib.parse.urlsplit(entry.get("request", {}).get("url", "")).path
        status = int(entry.get("response", {}).get("status", 0) or 0)
        label = next((lbl for m, rx, lbl in matchers if m == method and rx.match(path)), None)
        if label is None:
            unmatched += 1
            continue
        counts[label][0] += 1
        if 200 <= status < 300:
            counts[label][1] += 1
        statuses[f"{status // 100}xx" if status else "none"] += 1
    report(args.label, counts, statuses, unmatched, args.excluded or [])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"label": args.label, "counts": counts, "statuses": statuses, "unmatched": unmatched}, f)
    return 0


def report(
    label: str, counts: dict[str, list[int]], statuses: dict[str, int], unmatched: int, excluded: list[str]
) -> None:
    total = sum(c[0] for c in counts.values())
    ok = sum(c[1] for c in counts.values())
    tested = [k for k, c in counts.items() if c[0] > 0]
    reached = [k for k in tested if counts[k][1] > 0]
    never = sorted((k for k in counts if counts[k][1] == 0), key=lambda k: k.split(" ", 1)[::-1])
    share = 100.0 * ok / total if total else 0.0
    by_class = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
    print(f"--- {label}: {ok} of {total} answers were 2xx ({share:.1f}%); by class: {by_class or 'none'}")
    print(f"--- {label}: {len(reached)} of {len(counts)} operations got a 2xx ({len(tested)} were called)")
    if unmatched:
        print(f"--- {label}: {unmatched} more requests used a method the path does not have (405 probes), not counted")
    print(f"--- {label}: {len(never)} operations never got a 2xx:")
    for k in never:
        n = counts[k][0]
        why = "left out of the run" if k in excluded else "never called"
        print(f"      {k}  ({n} calls)" if n else f"      {k}  ({why})")


def cmd_total(args: argparse.Namespace) -> int:
    counts: dict[str, list[int]] = {}
    statuses: dict[str, int] = defaultdict(int)
    unmatched = 0
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for k, (n, ok) in data["counts"].items():
            c = counts.setdefault(k, [0, 0])
            c[0] += n
            c[1] += ok
        for k, v in data["statuses"].items():
            statuses[k] += v
        unmatched += data["unmatched"]
    report(args.label, counts, statuses, unmatched, args.excluded or [])
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("config")
    c.add_argument("--spec", required=True)
    c.add_argument("--base", required=True)
    c.add_argument("--token", required=True)
    c.add_argument("--out", required=True)
    s = sub.add_parser("summary")
    s.add_argument("--spec", required=True)
    s.add_argument("--label", required=True)
    s.add_argument("--har", required=True)
    s.add_argument("--json")
    s.add_argument("--excluded", action="append", help="an operation label left out of the run on purpose")
    t = sub.add_parser("total")
    t.add_argument("--label", default="all runs")
    t.add_argument("--excluded", action="append")
    t.add_argument("files", nargs="+")
    args = ap.parse_args()
    return {"config": cmd_config, "summary": cmd_summary, "total": cmd_total}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
