"""A short end-to-end scenario through the *generated* Python client (openapi-python-client).

.ci/contract.sh generates `peerhub_client` from openapi/openapi.json, checks it and this file
with `mypy --strict`, then runs this against the live contract server loaded with the demo
data (`peerhub demo`):

    python .ci/sdk/scenario.py http://127.0.0.1:PORT

Steps (each one reported; the exit status is 1 if any failed):

  1. a member and a manager log in (POST /v1/auth/login);
  2. the member lists the communities they can see and applies to one
     (201 with ETag and Location; communities already applied to or joined answer 409 and
     the next one is tried);
  3. the member downloads a community's members as CSV (the typed members.csv operation, and
     `?format=csv` on the list) and the rows match
     the JSON roster;
  4. the member reads their profile's ETag and updates it with If-Match (200, new ETag), and
     the stale ETag is then refused (412 stale-version);
  5. the manager reads a community's ETag and updates it with If-Match.

Logins default to the demo data (crates/server/src/demo/people.rs); override with
PEERHUB_SCENARIO_MEMBER, PEERHUB_SCENARIO_MANAGER and PEERHUB_SCENARIO_PASSWORD.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import traceback
import uuid
from collections.abc import Callable
from typing import TypeVar

import httpx
from peerhub_client import AuthenticatedClient, Client
from peerhub_client.api.applications import apply_to_community
from peerhub_client.api.auth import login
from peerhub_client.api.communities import get_community, list_communities, update_community
from peerhub_client.api.community_members import export_community_members_csv, list_community_members
from peerhub_client.api.me import get_me, update_me
from peerhub_client.models import (
    ApplicationView,
    Apply,
    CommunityPage,
    CommunityPatch,
    CommunityView,
    LoginRequest,
    Me,
    MePatch,
    Problem,
    RosterPage,
    TokenPair,
)
from peerhub_client.types import UNSET, Response, Unset

T = TypeVar("T")

MEMBER = os.environ.get("PEERHUB_SCENARIO_MEMBER", "sam.patel@nhs.net")
MANAGER = os.environ.get("PEERHUB_SCENARIO_MANAGER", "maya.okafor@nhs.net")
PASSWORD = os.environ.get("PEERHUB_SCENARIO_PASSWORD", "peerhub-demo-2026")
TIMEOUT = 30.0


class ScenarioError(Exception):
    pass


def describe(resp: Response[T]) -> str:
    parsed = resp.parsed
    if isinstance(parsed, Problem):
        return f"HTTP {int(resp.status_code)} {parsed.code}: {parsed.detail}"
    return f"HTTP {int(resp.status_code)}: {resp.content[:300]!r}"


def expect(resp: Response[T | Problem], status: int, what: str) -> T:
    """The typed body of `resp` when it has `status`; a ScenarioError otherwise."""
    parsed = resp.parsed
    if int(resp.status_code) != status or parsed is None or isinstance(parsed, Problem):
        raise ScenarioError(f"{what}: expected HTTP {status}, got {describe(resp)}")
    return parsed


def header(resp: Response[T], name: str, what: str) -> str:
    value = resp.headers.get(name)
    if not value:
        raise ScenarioError(f"{what}: no {name} header")
    return value


def as_uuid(value: object) -> uuid.UUID:
    """Ids are `str` in the generated models today and `UUID` once the spec says `format: uuid`."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def log_in(base_url: str, email: str) -> AuthenticatedClient:
    anon = Client(base_url=base_url, timeout=_timeout(), raise_on_unexpected_status=True)
    resp = login.sync_detailed(client=anon, body=LoginRequest(email=email, password=PASSWORD))
    tokens = expect(resp, 200, f"log in as {email}")
    assert isinstance(tokens, TokenPair)
    return AuthenticatedClient(
        base_url=base_url,
        token=tokens.access_token,
        timeout=_timeout(),
        raise_on_unexpected_status=True,
    )


def _timeout() -> httpx.Timeout:
    return httpx.Timeout(TIMEOUT)


def all_communities(client: AuthenticatedClient) -> list[CommunityView]:
    items: list[CommunityView] = []
    cursor: str | Unset = UNSET
    while True:
        page = expect(list_communities.sync_detailed(client=client, limit=200, cursor=cursor), 200, "list communities")
        assert isinstance(page, CommunityPage)
        items.extend(page.items)
        if not isinstance(page.next_cursor, str) or not page.next_cursor:
            return items
        cursor = page.next_cursor


def roster_user_ids(client: AuthenticatedClient, community: CommunityView) -> set[str]:
    ids: set[str] = set()
    cursor: str | Unset = UNSET
    while True:
        resp = list_community_members.sync_detailed(as_uuid(community.id), client=client, limit=200, cursor=cursor)
        page = expect(resp, 200, f"JSON roster of {community.name!r}")
        assert isinstance(page, RosterPage)
        ids.update(str(e.user_id) for e in page.items)
        if not isinstance(page.next_cursor, str) or not page.next_cursor:
            return ids
        cursor = page.next_cursor


def step_apply(member: AuthenticatedClient, communities: list[CommunityView]) -> str:
    tried: list[str] = []
    for c in sorted(communities, key=lambda c: c.name):
        if str(c.status) != "active":
            continue
        resp = apply_to_community.sync_detailed(
            as_uuid(c.id),
            client=member,
            body=Apply(statement="Applying through the generated Python client."),
            idempotency_key=str(uuid.uuid4()),
        )
        if int(resp.status_code) == 409:
            tried.append(f"{c.name} (409)")
            continue
        app = expect(resp, 201, f"apply to {c.name!r}")
        assert isinstance(app, ApplicationView)
        etag = header(resp, "ETag", "apply")
        location = header(resp, "Location", "apply")
        if str(app.id) not in location:
            raise ScenarioError(f"apply: Location {location!r} does not name application {app.id}")
        return f"applied to {c.name!r}: application {app.id}, status {app.status}, ETag {etag}"
    raise ScenarioError(f"apply: no active community accepted an application (tried: {', '.join(tried) or 'none'})")


def step_csv(member: AuthenticatedClient, communities: list[CommunityView]) -> str:
    with_members = [c for c in communities if c.member_count > 0]
    if not with_members:
        raise ScenarioError("CSV: no community with members is visible to the member")
    community = max(with_members, key=lambda c: c.member_count)
    expected = roster_user_ids(member, community)
    # The typed download: GET /v1/communities/{id}/members.csv answers only text/csv, so the
    # generated function returns the file as `str`.
    resp = export_community_members_csv.sync_detailed(as_uuid(community.id), client=member)
    ctype = resp.headers.get("content-type", "")
    if resp.status_code != 200 or not ctype.startswith("text/csv") or not isinstance(resp.parsed, str):
        raise ScenarioError(
            f"CSV: GET /v1/communities/{{id}}/members.csv answered HTTP {resp.status_code} "
            f"with Content-Type {ctype!r} and a {type(resp.parsed).__name__}, not a text/csv string"
        )
    disposition = resp.headers.get("content-disposition", "")
    if not disposition.startswith("attachment"):
        raise ScenarioError(f"CSV: Content-Disposition {disposition!r} is not an attachment")
    text: str = resp.parsed
    # and the negotiated form of the list answers the same file
    http = member.get_httpx_client()
    negotiated = http.get(f"/v1/communities/{community.id}/members", params={"format": "csv"})
    if negotiated.status_code != 200 or negotiated.text != text:
        raise ScenarioError("CSV: ?format=csv and members.csv answer different files")
    rows = list(csv.DictReader(io.StringIO(text)))
    got = {row.get("user_id", "") for row in rows}
    if got != expected:
        raise ScenarioError(f"CSV: {len(got)} user ids in the CSV, {len(expected)} in the JSON roster, and they differ")
    return f"{len(rows)} CSV rows for {community.name!r}, the same people as the JSON roster"


def step_me_if_match(member: AuthenticatedClient) -> str:
    got = get_me.sync_detailed(client=member)
    me = expect(got, 200, "GET /v1/me")
    assert isinstance(me, Me)
    etag = header(got, "ETag", "GET /v1/me")
    if etag.strip('W/"') != str(me.version):
        raise ScenarioError(f"GET /v1/me: ETag {etag} does not match version {me.version}")
    patch = MePatch(job_title=f"Senior PWP (scenario {uuid.uuid4().hex[:6]})")
    changed = update_me.sync_detailed(client=member, body=patch, if_match=etag)
    updated = expect(changed, 200, "PATCH /v1/me with If-Match")
    assert isinstance(updated, Me)
    new_etag = header(changed, "ETag", "PATCH /v1/me")
    if updated.version != me.version + 1 or new_etag == etag:
        raise ScenarioError(f"PATCH /v1/me: version {me.version} -> {updated.version}, ETag {etag} -> {new_etag}")
    stale = update_me.sync_detailed(client=member, body=MePatch(job_title="stale"), if_match=etag)
    problem = stale.parsed
    if int(stale.status_code) != 412 or not isinstance(problem, Problem) or problem.code != "stale-version":
        raise ScenarioError(f"PATCH /v1/me with a stale If-Match: expected 412 stale-version, got {describe(stale)}")
    return f"profile ETag {etag} -> {new_etag}; the stale ETag gets 412 stale-version"


def step_community_if_match(manager: AuthenticatedClient) -> str:
    communities = [c for c in all_communities(manager) if str(c.status) == "active"]
    if not communities:
        raise ScenarioError("manager: no active community visible")
    target = sorted(communities, key=lambda c: c.name)[0]
    got = get_community.sync_detailed(as_uuid(target.id), client=manager)
    community = expect(got, 200, f"GET community {target.name!r}")
    assert isinstance(community, CommunityView)
    etag = header(got, "ETag", "GET community")
    changed = update_community.sync_detailed(
        as_uuid(community.id),
        client=manager,
        body=CommunityPatch(duration_minutes=community.duration_minutes + 15),
        if_match=etag,
    )
    updated = expect(changed, 200, f"PATCH community {community.name!r} with If-Match")
    assert isinstance(updated, CommunityView)
    new_etag = header(changed, "ETag", "PATCH community")
    if updated.duration_minutes != community.duration_minutes + 15 or updated.version != community.version + 1:
        raise ScenarioError(f"PATCH community: the change did not stick (version {updated.version})")
    return f"community {community.name!r} updated with If-Match {etag} -> ETag {new_etag}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: scenario.py BASE_URL", file=sys.stderr)
        return 2
    base_url = argv[1].rstrip("/")
    try:
        member = log_in(base_url, MEMBER)
        manager = log_in(base_url, MANAGER)
        communities = all_communities(member)
    except Exception as e:  # noqa: BLE001 - reported, and nothing else can run
        print(f"scenario: FAILED before the steps: {e}")
        return 1
    print(f"scenario: logged in as {MEMBER} (member) and {MANAGER} (manager); {len(communities)} communities visible")
    steps: list[tuple[str, Callable[[], str]]] = [
        ("apply to a community", lambda: step_apply(member, communities)),
        ("members as CSV (members.csv)", lambda: step_csv(member, communities)),
        ("profile ETag and If-Match", lambda: step_me_if_match(member)),
        ("community ETag and If-Match (manager)", lambda: step_community_if_match(manager)),
    ]
    failed = 0
    for name, run in steps:
        try:
            print(f"scenario: ok     {name}: {run()}")
        except ScenarioError as e:
            failed += 1
            print(f"scenario: FAILED {name}: {e}")
        except Exception:  # noqa: BLE001 - a crash in the generated client is a finding too
            failed += 1
            print(f"scenario: FAILED {name}: unexpected error")
            traceback.print_exc(file=sys.stdout)
    print(f"scenario: {len(steps) - failed} of {len(steps)} steps passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
