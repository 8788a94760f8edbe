//! The OpenAPI 3.1 document, generated from the handlers.
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as OpenApiDoc, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::problem::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "PeerHub API",
        description = "PeerHub is the backend that professional peer-support networks in health and social care run on: networks, accounts and access, Communities of Practice, meetings and minutes, matching and governance reporting.\n\nConventions (see docs/api-guide.md): errors are RFC 9457 `application/problem+json`; lists use cursor pagination (`limit`, `cursor`, `next_cursor`, `Link: rel=\"next\"`); single resources carry an `ETag` and writes honour `If-Match`; creating POSTs accept `Idempotency-Key`; every response carries `X-Request-Id`.",
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
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SecurityAndErrors)
)]
pub struct ApiDoc;

struct SecurityAndErrors;

impl Modify for SecurityAndErrors {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT access token or phk_ API token")
                    .description(Some("A JWT from POST /v1/auth/login, or an API token (phk_…) from POST /v1/api-tokens."))
                    .build(),
            ),
        );
    }
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = Content::new(Some(Ref::from_schema_name("Problem")));
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content("application/problem+json", content)
            .build(),
    )
}

fn operations_mut(item: &mut utoipa::openapi::PathItem) -> Vec<&mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(|o| o.as_mut())
    .collect()
}

/// Adds the shared `4XX`/`5XX` problem responses to every operation.
pub fn finish(mut doc: OpenApiDoc) -> OpenApiDoc {
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let r = &mut op.responses.responses;
            r.entry("4XX".into()).or_insert_with(|| {
                problem_response("Client error (problem+json; see the `code` member)")
            });
            r.entry("5XX".into()).or_insert_with(|| {
                problem_response("Server error or database unavailable (503 with Retry-After)")
            });
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
