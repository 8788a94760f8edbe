//! The governance bodies of a network: who escalations are routed to.
use actix_web::{HttpResponse, get, put, web};
use peerhub_domain::governance::bodies::BodyInput;
use peerhub_persistence::entities::governance_body;
use peerhub_persistence::governance::bodies::{self, BodyList};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, etag};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list).service(replace);
}

/// One governance body of a network.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "key": "workforce_council", "name": "Workforce council",
    "contact_email": "workforce.council@nhs.net", "retired": false
}))]
pub struct GovernanceBody {
    /// Names the body within the network: 1–50 lowercase letters, digits,
    /// `_` or `-`, starting with a letter; unique in the list.
    pub key: String,
    /// 1–200 characters, no invisible or text-direction characters.
    pub name: String,
    /// Where routed escalations are emailed (optional).
    #[serde(default)]
    pub contact_email: Option<String>,
    /// A retired body stays in the list (and in the history of escalations
    /// routed to it) but new escalations cannot be routed to it.
    #[serde(default)]
    pub retired: bool,
}

/// The governance bodies of a network, in order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "network_id": super::super::EX_NETWORK_ID,
    "bodies": [
        {"key": "network_chair", "name": "Network chair", "contact_email": null, "retired": false},
        {"key": "workforce_council", "name": "Workforce council", "contact_email": "workforce.council@nhs.net", "retired": false}
    ],
    "version": 2
}))]
pub struct GovernanceBodyList {
    #[schema(format = Uuid)]
    pub network_id: String,
    /// At most 50.
    pub bodies: Vec<GovernanceBody>,
    /// The list's version: the `ETag`.
    pub version: i32,
}

/// A whole new list of governance bodies.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "bodies": [
        {"key": "network_chair", "name": "Network chair"},
        {"key": "workforce_council", "name": "Workforce council", "contact_email": "workforce.council@nhs.net"},
        {"key": "regional_leads", "name": "Regional leads group", "retired": true}
    ]
}))]
pub struct GovernanceBodiesBody {
    /// The complete list, in order (at most 50). Bodies left out are
    /// removed, which a body that has escalations refuses: retire it
    /// instead.
    pub bodies: Vec<GovernanceBody>,
}

fn view(b: governance_body::Model) -> GovernanceBody {
    GovernanceBody {
        key: b.key,
        name: b.name,
        contact_email: b.contact_email,
        retired: b.retired,
    }
}

fn respond(network_id: String, l: BodyList) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("ETag", etag(l.version)))
        .json(GovernanceBodyList {
            network_id,
            bodies: l.bodies.into_iter().map(view).collect(),
            version: l.version,
        })
}

/// List a network's governance bodies
///
/// The bodies escalations can be routed to, in order, retired ones
/// included. A new network starts with five: `network_chair`,
/// `workforce_council`, `cppo_community`, `regional_leads` and
/// `national_workforce`.
///
/// Access: members and managers of the network and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "listGovernanceBodies",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Network id")),
    responses(
        (status = 200, description = "The bodies", body = GovernanceBodyList, headers(("ETag" = String))),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/networks/{id}/governance-bodies")]
pub async fn list(state: web::Data<AppState>, auth: Auth, id: PathId) -> ApiResult<HttpResponse> {
    let id = id.0;
    let l = bodies::list(&state.db, &auth.0, &id).await?;
    Ok(respond(id, l))
}

/// Replace a network's governance bodies
///
/// Sends the whole list; bodies left out are removed. A body that has
/// escalations may be retired (`retired: true`) but not removed.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "replaceGovernanceBodies",
    security(("bearer" = [])),
    request_body = GovernanceBodiesBody,
    params(("id" = uuid::Uuid, Path, description = "Network id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "The new list", body = GovernanceBodyList, headers(("ETag" = String))),
        (status = 403, description = "`forbidden`: you do not manage the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`body-has-escalations`: the new list leaves out a body that escalations were routed to (keep it with `retired: true`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`bodies` (`too_many`), `bodies[i].key` (`required`, `too_long`, `invalid_key`, `duplicate`), `bodies[i].name` (`required`, `too_long`, `control_characters`, `invisible_characters`), `bodies[i].contact_email` (invalid address)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/networks/{id}/governance-bodies")]
pub async fn replace(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<GovernanceBodiesBody>,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let items = body
        .0
        .bodies
        .into_iter()
        .map(|b| BodyInput {
            key: b.key,
            name: b.name,
            contact_email: b.contact_email,
            retired: b.retired,
        })
        .collect();
    let l = bodies::replace(&state.db, &auth.ctx(), &auth.0, &id, items, if_match.0).await?;
    Ok(respond(id, l))
}
