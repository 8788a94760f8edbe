//! The OpenAPI 3.1 document, generated from the handlers.
use std::collections::BTreeSet;

use actix_web::http::Method;
use peerhub_domain::account::ApiTokenScope;
use utoipa::OpenApi;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::info::ContactBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{Content, OpenApi as OpenApiDoc, Ref, RefOr, Required};

use crate::guard::is_limited_route;
use crate::middleware::idempotency_exempt;
use crate::problem::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "PeerHub API",
        description = "PeerHub is the backend that professional peer-support networks in health and social care run on: networks, accounts and access, Communities of Practice, meetings and minutes, matching and governance reporting.\n\nConventions (see docs/api-guide.md): errors are RFC 9457 `application/problem+json` (the shared responses in `components/responses`); lists use cursor pagination (`limit`, `cursor`, `next_cursor`, `Link: rel=\"next\"`); versioned resources carry an `ETag` and their writes honour `If-Match`; every POST except the credential routes (`/v1/auth/*`, accepting an invitation) honours `Idempotency-Key`; every response carries `X-Request-Id`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    tags(
        (name = "health", description = "Liveness, readiness and metrics"),
        (name = "reference", description = "Taxonomies and codes"),
        (name = "auth", description = "Registration, verification, login and tokens"),
        (name = "me", description = "My own account"),
        (name = "api-tokens", description = "Scoped API tokens for integrations"),
        (name = "invitations", description = "Joining a network by invitation"),
        (name = "users", description = "Looking people up"),
        (name = "networks", description = "Networks (tenants), their settings and people"),
        (name = "communities", description = "Communities of Practice and their Terms of Reference"),
        (name = "applications", description = "Applying to a community, the review queue, decisions, the wait-list"),
        (name = "community-members", description = "Members and core team of a community; exports for integrations"),
        (name = "proposals", description = "Proposing a new community"),
        (name = "meetings", description = "Meetings and series, agenda, RSVP and attendance"),
        (name = "minutes", description = "Minutes (notes with actions), their approval, and tracked actions"),
        (name = "calendars", description = "iCalendar (RFC 5545) feeds per meeting, per community and per person"),
        (name = "programmes", description = "Matching programmes (peer exchange and 1:1 peer support): settings, supporters, requests and matching runs"),
        (name = "matches", description = "Matches and their consent lifecycle, sessions, feedback and the programme evaluation"),
        (name = "notes", description = "Private notes: readable by their author only"),
        (name = "safeguarding", description = "Safeguarding concerns raised to a programme's safeguarding lead"),
        (name = "complaints", description = "Complaints about the matching process, a match or a member"),
        (name = "governance", description = "Governance reporting: the governance bodies a network reports to"),
        (name = "audit", description = "The audit trail: who changed what, read-only"),
        (name = "webhooks", description = "Webhook subscriptions: events sent to a network's receivers, signed (Standard Webhooks), with their deliveries"),
    ),
    components(schemas(Problem, FieldError))
)]
pub struct ApiDoc;

/// The shared problem responses (`components/responses`): status, name and
/// what it means. Every problem response of every operation is a `$ref` to
/// one of these.
pub const PROBLEM_RESPONSES: [(&str, &str, &str); 13] = [
    (
        "400",
        "BadRequest",
        "The request could not be parsed (`malformed-json`, `invalid-query-parameter`, `invalid-path-parameter`, `invalid-if-match`, `invalid-idempotency-key`).",
    ),
    (
        "401",
        "Unauthorized",
        "No valid credential (`authentication-required`, `invalid-token`). Carries `WWW-Authenticate: Bearer realm=\"peerhub\"`.",
    ),
    (
        "403",
        "Forbidden",
        "Authenticated but not allowed: the role is missing (`forbidden`), or an API token lacks a scope this operation accepts (`insufficient-scope`).",
    ),
    (
        "404",
        "NotFound",
        "No such resource, or one you cannot see (`not-found`): resources of networks you are not in answer 404, never 403.",
    ),
    (
        "406",
        "NotAcceptable",
        "The `Accept` header allows none of the media types this resource is offered in (`not-acceptable`); the detail names those offered.",
    ),
    (
        "409",
        "Conflict",
        "The resource's state does not allow this, or a request with the same `Idempotency-Key` is still running (`idempotency-key-in-progress`, with `Retry-After`).",
    ),
    (
        "412",
        "PreconditionFailed",
        "`If-Match` does not match the current version (`stale-version`): fetch the resource again and retry.",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The body is larger than the server's limit (`payload-too-large`; 65,536 bytes by default).",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not JSON (`unsupported-media-type`): send `Content-Type: application/json`.",
    ),
    (
        "422",
        "ValidationFailed",
        "The request parsed but breaks a rule (`validation-failed`, with `errors[{field, code, message}]`), or its `Idempotency-Key` was used with another body (`idempotency-key-reused`).",
    ),
    (
        "429",
        "TooManyRequests",
        "Too many requests (`rate-limited`, `too-many-attempts`): wait `Retry-After` seconds.",
    ),
    (
        "500",
        "InternalError",
        "An unexpected server error (`internal-error`); the `request_id` identifies it in the logs.",
    ),
    (
        "503",
        "ServiceUnavailable",
        "The database is unreachable (`database-unavailable`) or the server is at a bound (`busy`): retry after `Retry-After` seconds.",
    ),
];

/// Names in `components/headers`.
pub mod headers {
    pub const LINK: &str = "Link";
    pub const REQUEST_ID: &str = "X-Request-Id";
    pub const ETAG: &str = "ETag";
    pub const IDEMPOTENT_REPLAYED: &str = "Idempotent-Replayed";
    pub const RETRY_AFTER: &str = "Retry-After";
}

/// The `components/parameters` entry for `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_PARAM: &str = "Idempotency-Key";

/// Content type of problem documents.
const PROBLEM_JSON: &str = "application/problem+json";

/// Whether the idempotency middleware honours `Idempotency-Key` on this
/// operation: every POST except the credential routes. The same predicate
/// as the middleware, so the contract cannot drift from the code.
pub fn honours_idempotency_key(method: &Method, path: &str) -> bool {
    *method == Method::POST && !idempotency_exempt(path)
}

fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn header(schema: impl Into<RefOr<Schema>>, description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

/// A reference; an OpenAPI 3.1 Reference Object may carry a `description`
/// that overrides the component's.
fn reference(location: String, description: Option<String>) -> Ref {
    let mut r = Ref::new(location);
    r.description = description.unwrap_or_default();
    r
}

fn header_ref(name: &str, description: Option<String>) -> RefOr<Header> {
    RefOr::Ref(reference(
        format!("#/components/headers/{name}"),
        description,
    ))
}

fn response_ref(name: &str, description: Option<String>) -> RefOr<Response> {
    RefOr::Ref(reference(
        format!("#/components/responses/{name}"),
        description,
    ))
}

/// `components/headers`, `components/parameters`, `components/responses`
/// and the two security schemes.
fn add_components(doc: &mut OpenApiDoc) {
    let c = doc.components.get_or_insert_with(Default::default);
    let h = &mut c.headers;
    h.insert(
        headers::LINK.into(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(string_schema()))
                .description(Some(
                    "RFC 8288 link to the next page, `<…?cursor=…>; rel=\"next\"` (the absolute URL starts with `PEERHUB_PUBLIC_BASE_URL` and keeps the other query parameters). Sent only when there is a next page, with the same cursor as `next_cursor`.",
                ))
                .example(Some(serde_json::json!(
                    "<https://peerhub.example/v1/networks?limit=50&cursor=eyJhIjoiMDE5M2E2ZjIifQ>; rel=\"next\""
                )))
                .build(),
        ),
    );
    h.insert(
        headers::REQUEST_ID.into(),
        RefOr::T(header(
            string_schema().min_length(Some(1)).max_length(Some(128)),
            "The request id: the caller's own `X-Request-Id` when it is 1 to 128 visible ASCII characters, otherwise a new UUID v7. Problem documents repeat it as `request_id`, and the server logs it.",
        )),
    );
    h.insert(
        headers::ETAG.into(),
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(string_schema()))
                .description(Some(
                    "The resource's version as a strong entity tag. Send it back in `If-Match` to change the resource only if nobody else has (412 `stale-version` otherwise).",
                ))
                .example(Some(serde_json::json!("\"3\"")))
                .build(),
        ),
    );
    h.insert(
        headers::IDEMPOTENT_REPLAYED.into(),
        RefOr::T(header(
            string_schema().enum_values(Some(["true"])),
            "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key` (same caller, method and path), replayed without running the operation again; absent otherwise. Stored 4xx answers are replayed with it too.",
        )),
    );
    h.insert(
        headers::RETRY_AFTER.into(),
        RefOr::T(header(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
            "Seconds to wait before retrying.",
        )),
    );

    c.parameters.insert(
        IDEMPOTENCY_KEY_PARAM.into(),
        RefOr::T(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes this POST safe to retry. The first answer for a key (status, body, `Location`, `ETag`; not 5xx or 429) is kept for 24 hours and replayed, with `Idempotent-Replayed: true`, to repeats by the same caller to the same path. The same key with another body is 422 `idempotency-key-reused`; a repeat while the first is still running is 409 `idempotency-key-in-progress`. 1 to 255 visible ASCII characters; a UUID is a good choice.",
                ))
                .schema(Some(
                    string_schema()
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some("^[!-~]+$")),
                ))
                .build(),
        ),
    );

    for (status, name, description) in PROBLEM_RESPONSES {
        let mut r = ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                Content::new(Some(Ref::from_schema_name("Problem"))),
            )
            .header_ref(
                headers::REQUEST_ID,
                Ref::new(format!("#/components/headers/{}", headers::REQUEST_ID)),
            );
        match status {
            "401" => {
                r = r.header(
                    "WWW-Authenticate",
                    header(
                        string_schema().enum_values(Some(["Bearer realm=\"peerhub\""])),
                        "The authentication scheme to use.",
                    ),
                );
            }
            "409" => {
                r = r.header_ref(
                    headers::RETRY_AFTER,
                    reference(
                        format!("#/components/headers/{}", headers::RETRY_AFTER),
                        Some("Only on `idempotency-key-in-progress`.".into()),
                    ),
                );
            }
            "429" | "503" => {
                r = r.header_ref(
                    headers::RETRY_AFTER,
                    Ref::new(format!("#/components/headers/{}", headers::RETRY_AFTER)),
                );
            }
            _ => {}
        }
        c.responses.insert(name.into(), RefOr::T(r.build()));
    }

    c.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "A person's access token: a JWT (HS256, 15 minutes by default) from `POST /v1/auth/login`, `POST /v1/auth/refresh` or `POST /v1/me/password`, sent as `Authorization: Bearer <token>`.",
                ))
                .build(),
        ),
    );
    let scopes = ApiTokenScope::ALL
        .iter()
        .map(|s| format!("`{}`", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    c.add_security_scheme(
        "apiToken",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("phk_ API token")
                .description(Some(format!(
                    "An API token (`phk_…`) from `POST /v1/api-tokens`, for integrations, sent as `Authorization: Bearer phk_…`. It acts for its owner, never beyond the owner's roles, and only on the operations that list this scheme with one of its scopes. Scopes: {scopes}. Every other operation answers 403 `insufficient-scope` to it."
                )))
                .build(),
        ),
    );
}

/// Every operation of a path item, with its method.
fn operations_mut(item: &mut utoipa::openapi::PathItem) -> Vec<(Method, &mut Operation)> {
    [
        (Method::GET, &mut item.get),
        (Method::PUT, &mut item.put),
        (Method::POST, &mut item.post),
        (Method::DELETE, &mut item.delete),
        (Method::OPTIONS, &mut item.options),
        (Method::HEAD, &mut item.head),
        (Method::PATCH, &mut item.patch),
        (Method::TRACE, &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(m, o)| o.as_mut().map(|o| (m, o)))
    .collect()
}

/// Names of the page schemas: objects with `items` and `next_cursor` (what
/// `crate::page_schema!` declares).
fn page_schemas(doc: &OpenApiDoc) -> BTreeSet<String> {
    let Some(c) = &doc.components else {
        return BTreeSet::new();
    };
    c.schemas
        .iter()
        .filter_map(|(name, s)| match s {
            RefOr::T(Schema::Object(o))
                if o.properties.contains_key("items")
                    && o.properties.contains_key("next_cursor") =>
            {
                Some(name.clone())
            }
            _ => None,
        })
        .collect()
}

/// Whether a response's JSON body is one of the page schemas.
fn is_page(r: &Response, pages: &BTreeSet<String>) -> bool {
    r.content.values().any(|c| match c {
        RefOr::T(c) => matches!(
            &c.schema,
            Some(RefOr::Ref(r)) if r.ref_location
                .strip_prefix("#/components/schemas/")
                .is_some_and(|n| pages.contains(n))
        ),
        RefOr::Ref(_) => false,
    })
}

/// The component for a problem status, if there is one.
fn problem_component(status: &str) -> Option<&'static str> {
    PROBLEM_RESPONSES
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, n, _)| *n)
}

/// Whether a response is an inline problem document and nothing else.
fn is_inline_problem(r: &Response) -> bool {
    r.content.len() == 1 && r.content.contains_key(PROBLEM_JSON)
}

/// Replaces an inline header (any spelling) by a reference to the
/// component, keeping the inline description on the reference.
fn reference_header(r: &mut Response, name: &str, add: bool) {
    let existing: Vec<String> = r
        .headers
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    if existing.is_empty() && !add {
        return;
    }
    let mut description = None;
    for k in existing {
        if let Some(RefOr::T(h)) = r.headers.remove(&k) {
            description = description.or(h.description);
        }
    }
    r.headers.insert(name.into(), header_ref(name, description));
}

/// What one operation has, for the rules of [`finish`].
struct Shape {
    path_params: bool,
    query_params: bool,
    if_match: bool,
    body: bool,
    secured: bool,
    idempotent: bool,
    limited: bool,
}

fn finish_operation(path: &str, method: &Method, op: &mut Operation, pages: &BTreeSet<String>) {
    // Security: explicit everywhere; `[{}]` (anonymous only) is `[]`.
    let security = op.security.get_or_insert_with(Vec::new);
    if security
        .iter()
        .all(|r| *r == SecurityRequirement::default())
    {
        security.clear();
    }
    let idempotent = honours_idempotency_key(method, path);
    // Idempotency-Key: one referenced parameter on exactly the POSTs the
    // middleware honours it on; inline spellings are dropped everywhere.
    let params = op.parameters.get_or_insert_with(Vec::new);
    params.retain(|p| {
        !matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Header
            && p.name.eq_ignore_ascii_case("Idempotency-Key"))
    });
    if idempotent {
        params.push(RefOr::Ref(Ref::new(format!(
            "#/components/parameters/{IDEMPOTENCY_KEY_PARAM}"
        ))));
    }
    let has = |inn: ParameterIn, name: Option<&str>| {
        params.iter().any(|p| match p {
            RefOr::T(p) => {
                p.parameter_in == inn && name.is_none_or(|n| p.name.eq_ignore_ascii_case(n))
            }
            RefOr::Ref(_) => false,
        })
    };
    let shape = Shape {
        path_params: path.contains('{') || has(ParameterIn::Path, None),
        query_params: has(ParameterIn::Query, None),
        if_match: has(ParameterIn::Header, Some("If-Match")),
        body: op.request_body.is_some(),
        secured: !security.is_empty(),
        idempotent,
        limited: is_limited_route(method, path),
    };
    let any_params = !params.is_empty();
    if params.is_empty() {
        op.parameters = None;
    }

    let responses = &mut op.responses.responses;
    responses.retain(|status, _| !status.to_ascii_uppercase().ends_with("XX"));
    for (status, response) in responses.iter_mut() {
        let RefOr::T(r) = response else { continue };
        if is_inline_problem(r) {
            if let Some(name) = problem_component(status) {
                let description =
                    Some(std::mem::take(&mut r.description)).filter(|d| !d.is_empty());
                *response = response_ref(name, description);
            }
            continue;
        }
        reference_header(r, headers::REQUEST_ID, true);
        reference_header(r, headers::ETAG, false);
        reference_header(r, headers::LINK, status == "200" && is_page(r, pages));
        if shape.idempotent && status.starts_with('2') {
            reference_header(r, headers::IDEMPOTENT_REPLAYED, true);
        }
    }

    let rules = [
        ("400", any_params || shape.body || shape.path_params),
        ("401", shape.secured),
        ("403", shape.secured),
        ("404", shape.path_params),
        ("409", shape.idempotent),
        ("412", shape.if_match),
        ("413", shape.body || shape.idempotent),
        ("415", shape.body),
        ("422", shape.body || shape.query_params || shape.idempotent),
        ("429", shape.limited),
        ("500", true),
        ("503", true),
    ];
    for (status, applies) in rules {
        if applies && let Some(name) = problem_component(status) {
            responses
                .entry(status.into())
                .or_insert_with(|| response_ref(name, None));
        }
    }
}

/// Post-processing of the generated document: everything that holds for
/// the whole API, stated once here rather than on each handler.
///
/// - `servers: [{url: "/"}]`, `info.version` from the crate version; the
///   `bearer` (JWT) and `apiToken` (`phk_…`) security schemes.
/// - `components/headers` (`Link`, `X-Request-Id`, `ETag`,
///   `Idempotent-Replayed`, `Retry-After`), `components/parameters`
///   (`Idempotency-Key`) and `components/responses` ([`PROBLEM_RESPONSES`]).
/// - Every operation: explicit `security` (`[]` when public); the
///   `Idempotency-Key` parameter on the POSTs the middleware honours it on
///   ([`honours_idempotency_key`]) and nowhere else; every inline problem
///   response replaced by a reference to its component (keeping its
///   description); no `4XX`/`5XX` catch-alls but the statuses that can
///   happen: 400 with parameters or a body, 401 and 403 with a security
///   requirement, 404 with a path parameter, 409, 413 and 422 where
///   `Idempotency-Key` is honoured (the middleware reads the body and
///   answers those), 412 with `If-Match`, 413, 415 and 422 with a body, 422
///   with query parameters, 429 on the rate-limited routes, 500 and 503
///   everywhere.
/// - Every other response: `X-Request-Id`; `Link` on the 200 of a list (a
///   page schema); `Idempotent-Replayed` on the 2xx where `Idempotency-Key`
///   is honoured; inline `ETag` declarations become references.
pub fn finish(mut doc: OpenApiDoc) -> OpenApiDoc {
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    if doc.info.contact.is_none() {
        doc.info.contact = Some(
            ContactBuilder::new()
                .name(Some("PeerHub maintainers"))
                .url(Some("https://peerhub.example/docs/"))
                .build(),
        );
    }
    doc.servers = Some(vec![Server::new("/")]);
    add_components(&mut doc);
    doc.webhooks = Some(crate::routes::webhooks::spec::webhook_events());
    let pages = page_schemas(&doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations_mut(item) {
            finish_operation(path, &method, op, &pages);
        }
    }
    doc
}
/// Path templates and their methods, for telling 404 from 405.
pub fn route_table(doc: &OpenApiDoc) -> Vec<(Vec<String>, Vec<&'static str>)> {
    doc.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let segs = path
                .trim_matches('/')
                .split('/')
                .map(str::to_owned)
                .collect();
            let mut methods = Vec::new();
            for (m, present) in [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
            ] {
                if present {
                    methods.push(m);
                }
            }
            (segs, methods)
        })
        .collect()
}
