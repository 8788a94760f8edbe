// Typed use of the TypeScript types that openapi-typescript generates from openapi/openapi.json.
// .ci/contract.sh generates them into .ci/sdk/gen/peerhub.ts and compiles this file with
// `tsc --noEmit --strict -p .ci/sdk/tsconfig.json`: it fails when an operation, a field, a
// parameter or a content type that front ends rely on disappears or changes type. It is
// compiled only, never run (the Python scenario, .ci/sdk/scenario.py, runs against a server).
import type { components, operations } from "./gen/peerhub";

type Problem = components["schemas"]["Problem"];
type Body<Op> = Op extends { requestBody?: infer B }
    ? NonNullable<B> extends { content: { "application/json": infer J } }
        ? J
        : never
    : never;

export type LoginRequest = Body<operations["login"]>;
export type TokenPair = operations["login"]["responses"][200]["content"]["application/json"];
export type CommunityPage = operations["listCommunities"]["responses"][200]["content"]["application/json"];
export type CommunityView = CommunityPage["items"][number];
export type ApplyRequest = Body<operations["applyToCommunity"]>;
export type ApplicationView = operations["applyToCommunity"]["responses"][201]["content"]["application/json"];
export type RosterQuery = NonNullable<operations["listCommunityMembers"]["parameters"]["query"]>;
export type RosterPage = operations["listCommunityMembers"]["responses"][200]["content"]["application/json"];
export type RosterCsv = operations["listCommunityMembers"]["responses"][200]["content"]["text/csv"];
export type RosterCsvFile = operations["exportCommunityMembersCsv"]["responses"][200]["content"]["text/csv"];
export type Me = operations["getMe"]["responses"][200]["content"]["application/json"];
export type MePatch = Body<operations["updateMe"]>;
export type IfMatch = NonNullable<NonNullable<operations["updateMe"]["parameters"]["header"]>["If-Match"]>;

export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly problem: Problem | undefined,
    ) {
        super(problem ? `${status} ${problem.code}: ${problem.detail}` : `HTTP ${status}`);
    }
}

async function call(base: string, path: string, init: RequestInit & { token?: string }): Promise<Response> {
    const headers = new Headers(init.headers);
    if (init.token !== undefined) headers.set("Authorization", `Bearer ${init.token}`);
    if (init.body !== undefined) headers.set("Content-Type", "application/json");
    const res = await fetch(new URL(path, base), { ...init, headers });
    if (!res.ok) {
        const isProblem = res.headers.get("content-type")?.startsWith("application/problem+json") ?? false;
        throw new ApiError(res.status, isProblem ? ((await res.json()) as Problem) : undefined);
    }
    return res;
}

export async function login(base: string, body: LoginRequest): Promise<TokenPair> {
    const res = await call(base, "/v1/auth/login", { method: "POST", body: JSON.stringify(body) });
    return (await res.json()) as TokenPair;
}

export async function listCommunities(base: string, token: string): Promise<CommunityView[]> {
    const items: CommunityView[] = [];
    let cursor: string | null | undefined;
    do {
        const q = new URLSearchParams({ limit: "200" });
        if (cursor) q.set("cursor", cursor);
        const page = (await (await call(base, `/v1/communities?${q}`, { token })).json()) as CommunityPage;
        items.push(...page.items);
        cursor = page.next_cursor;
    } while (cursor);
    return items;
}

export async function apply(
    base: string,
    token: string,
    community: CommunityView,
    body: ApplyRequest,
): Promise<{ application: ApplicationView; etag: string | null }> {
    const res = await call(base, `/v1/communities/${community.id}/applications`, {
        method: "POST",
        token,
        body: JSON.stringify(body),
    });
    return { application: (await res.json()) as ApplicationView, etag: res.headers.get("ETag") };
}

// The roster as CSV, asked for with the `format` query parameter (typed from the spec).
export async function membersCsv(base: string, token: string, community: CommunityView): Promise<RosterCsv> {
    const query: RosterQuery = { format: "csv" };
    const res = await call(base, `/v1/communities/${community.id}/members?format=${query.format}`, { token });
    const csv: RosterCsv & RosterCsvFile = await res.text();
    return csv;
}

export async function membersJson(base: string, token: string, community: CommunityView): Promise<RosterPage> {
    const query: RosterQuery = { limit: 200 };
    const res = await call(base, `/v1/communities/${community.id}/members?limit=${query.limit}`, { token });
    return (await res.json()) as RosterPage;
}

export async function updateMe(
    base: string,
    token: string,
    patch: MePatch,
    ifMatch: IfMatch,
): Promise<{ me: Me; etag: string | null }> {
    const res = await call(base, "/v1/me", {
        method: "PATCH",
        token,
        body: JSON.stringify(patch),
        headers: { "If-Match": ifMatch },
    });
    return { me: (await res.json()) as Me, etag: res.headers.get("ETag") };
}

// The same walk as the Python scenario, for the type checker: every value below is typed from
// the generated `operations`, so a renamed field or a changed type fails `tsc`.
export async function scenario(base: string, email: string, password: string): Promise<string[]> {
    const { access_token: token, expires_in } = await login(base, { email, password });
    const communities = await listCommunities(base, token);
    const open: CommunityView | undefined = communities.find((c) => c.status === "active");
    if (!open) return [];
    const { application } = await apply(base, token, open, { statement: "Applying through typed fetch." });
    const roster = await membersJson(base, token, open);
    const csv = await membersCsv(base, token, open);
    const me = (await (await call(base, "/v1/me", { token })).json()) as Me;
    const { me: updated } = await updateMe(base, token, { job_title: "Lead psychologist" }, `"${me.version}"`);
    const firstMember: string | undefined = roster.items[0]?.email;
    return [
        `token valid for ${expires_in} s`,
        `application ${application.id} is ${application.status}`,
        `${csv.split("\n").length - 1} CSV lines, first member ${firstMember ?? "none"}`,
        `profile version ${updated.version}`,
    ];
}
