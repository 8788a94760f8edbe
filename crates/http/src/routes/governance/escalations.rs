//! Escalations raised from feedback points, and their triage by the
//! network's managers (docs/governance.md).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Need};
use peerhub_domain::governance::escalation::EscalationStatus;
use peerhub_domain::governance::feedback::{PointKind, PointNature};
use peerhub_persistence::access;
use peerhub_persistence::governance::escalation_list::{self, EscalationFilter};
use peerhub_persistence::governance::escalations::{self, EscalationRecord, Move};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, closed_query, etag, uuid_field};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::ApiResult;
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(open)
        .service(read)
        .service(update);
}

/// One step in an escalation's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationStep {
    /// `null` for the first step (raised).
    pub from: Option<EscalationStatus>,
    pub to: EscalationStatus,
    /// The body the escalation was routed to after this step.
    pub routed_to: Option<String>,
    /// The routing reason, the body's response, or the outcome.
    pub note: Option<String>,
    /// Who moved it (`null` when the system did).
    #[schema(format = Uuid)]
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// An escalation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6f2-9000-7b3a-9d4e-2f1a0b9c8d03",
    "network_id": super::super::EX_NETWORK_ID,
    "community_id": "0193a6f2-8c1e-7b3a-9d4e-2f1a0b9c8d10",
    "community_name": "Perinatal PWP CoP",
    "meeting_id": "0193a6f2-8c1e-7b3a-9d4e-2f1a0b9c8d20",
    "meeting_starts_at": "2026-11-20T10:00:00Z",
    "feedback_point_id": "0193a6f2-9000-7b3a-9d4e-2f1a0b9c8d02",
    "kind": "alert", "nature": "escalation",
    "text": "Waiting lists for step 3 have doubled since the summer.",
    "status": "routed", "routed_to": "workforce_council",
    "raised_at": "2026-11-21T09:00:00Z", "closed_at": null, "overdue": false,
    "history": [
        {"from": null, "to": "raised", "routed_to": null, "note": null, "actor_id": super::super::EX_USER_ID, "actor_name": "Sam Patel", "at": "2026-11-21T09:00:00Z"},
        {"from": "raised", "to": "routed", "routed_to": "workforce_council", "note": "Workforce planning question", "actor_id": super::super::EX_USER_ID, "actor_name": "Maya Okafor", "at": "2026-11-22T09:00:00Z"}
    ],
    "version": 2
}))]
pub struct EscalationView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub network_id: String,
    #[schema(format = Uuid)]
    pub community_id: String,
    pub community_name: String,
    #[schema(format = Uuid)]
    pub meeting_id: String,
    pub meeting_starts_at: Option<DateTime<Utc>>,
    #[schema(format = Uuid)]
    pub feedback_point_id: String,
    pub kind: PointKind,
    pub nature: PointNature,
    /// The point's text.
    pub text: String,
    pub status: EscalationStatus,
    /// The key of the governance body it is routed to.
    pub routed_to: Option<String>,
    pub raised_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Not closed and raised more than the network's
    /// `escalation_overdue_days` ago.
    pub overdue: bool,
    /// Every step, oldest first (only when read one at a time; empty in
    /// lists).
    pub history: Vec<EscalationStep>,
    /// Also the `ETag`.
    pub version: i32,
}

fn view(r: EscalationRecord) -> ApiResult<EscalationView> {
    let history = r
        .history
        .iter()
        .map(|t| {
            let (from, to) = escalations::step_of(t)?;
            Ok(EscalationStep {
                from,
                to,
                routed_to: t.routed_to.clone(),
                note: t.note.clone(),
                actor_name: t.actor_id.as_ref().and_then(|a| r.actors.get(a).cloned()),
                actor_id: t.actor_id.clone(),
                at: t.at,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let e = r.escalation;
    Ok(EscalationView {
        status: escalations::status_of(&e)?,
        kind: escalations::kind_of(&e)?,
        nature: escalations::nature_of(&e)?,
        id: e.id,
        network_id: e.network_id,
        community_id: e.community_id,
        community_name: r.community_name,
        meeting_id: e.meeting_id,
        meeting_starts_at: r.meeting_starts_at,
        feedback_point_id: e.feedback_point_id,
        text: r.text,
        routed_to: e.routed_to,
        raised_at: e.raised_at,
        closed_at: e.closed_at,
        overdue: r.overdue,
        history,
        version: e.version,
    })
}

fn respond(status: StatusCode, r: EscalationRecord) -> ApiResult<HttpResponse> {
    let v = view(r)?;
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(v.version)));
    if status == StatusCode::CREATED {
        res.insert_header(("Location", format!("/v1/escalations/{}", v.id)));
    }
    Ok(res.json(v))
}

/// A point to escalate.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"feedback_point_id": "0193a6f2-9000-7b3a-9d4e-2f1a0b9c8d04"}))]
pub struct OpenEscalation {
    /// A `commendation` point of a filed form (escalation points are
    /// raised when the form is filed).
    #[schema(format = Uuid)]
    pub feedback_point_id: String,
}

/// Escalate a commendation
///
/// Opens an escalation (status `raised`) from a commendation point of a
/// filed form. Emits `escalation.raised`.
///
/// Access: managers of the point's network and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "openEscalation",
    security(("bearer" = [])),
    request_body = OpenEscalation,
    responses(
        (status = 201, description = "Raised", body = EscalationView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "`forbidden`: you do not manage the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such feedback point visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-escalated`: an escalation point, or a point already escalated", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`feedback_point_id` (`invalid_uuid`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/escalations")]
pub async fn open(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<OpenEscalation>,
) -> ApiResult<HttpResponse> {
    let point = uuid_field(&body.0.feedback_point_id, "feedback_point_id")?;
    let r = escalations::open(&state.db, &auth.ctx(), &auth.0, &point).await?;
    respond(StatusCode::CREATED, r)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EscalationQuery {
    /// Only escalations of this network (you must manage it).
    #[param(format = Uuid)]
    pub network_id: Option<String>,
    /// Only escalations of this CoP (you must manage its network).
    #[param(format = Uuid)]
    pub community_id: Option<String>,
    #[param(value_type = Option<EscalationStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<PointNature>)]
    pub nature: Option<String>,
    /// Only escalations routed to the body with this key.
    pub routed_to: Option<String>,
    /// `true`: only overdue escalations; `false`: only those not overdue.
    pub overdue: Option<bool>,
}

crate::page_schema!(EscalationPage, EscalationView);

/// List escalations
///
/// Escalations of the networks I manage, oldest first (without their
/// history: read one for it).
///
/// Access: managers (of the networks they manage) and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "listEscalations",
    security(("bearer" = [])),
    params(EscalationQuery, PageQuery),
    responses(
        (status = 200, description = "Escalations, oldest first", body = EscalationPage),
        (status = 403, description = "`forbidden`: you manage no network (or not this one)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network or CoP visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/escalations")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<EscalationQuery>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let id_of = |v: &Option<String>, field: &str| -> ApiResult<Option<String>> {
        v.as_deref().map(|x| uuid_field(x, field)).transpose()
    };
    let network_id = id_of(&f.network_id, "network_id")?;
    let community_id = id_of(&f.community_id, "community_id")?;
    let status = closed_query::<EscalationStatus>("status", f.status.as_deref())?;
    let nature = closed_query::<PointNature>("nature", f.nature.as_deref())?;
    let page = q.to_request()?;
    if let Some(n) = &network_id {
        access::network(&state.db, &auth.0, n, Need::Manager, None).await?;
    }
    if let Some(c) = &community_id {
        access::community(&state.db, &auth.0, c, CommunityNeed::Manager, None).await?;
    }
    let p = escalation_list::list(
        &state.db,
        &auth.0,
        &EscalationFilter {
            network_id,
            community_id,
            status,
            nature,
            routed_to: f.routed_to.as_deref().map(|s| s.trim().to_owned()),
            overdue: f.overdue,
        },
        &page,
    )
    .await?;
    let p = try_page(p, view)?;
    Ok(page_response(&req, &state, p, |v| v))
}

/// Read an escalation
///
/// With its history (who moved it, when, from and to which status, the
/// body and the note) and whether it is overdue.
///
/// Access: managers of its network and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "getEscalation",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Escalation id")),
    responses(
        (status = 200, description = "The escalation", body = EscalationView, headers(("ETag" = String))),
        (status = 403, description = "`forbidden`: you do not manage the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such escalation visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/escalations/{id}")]
pub async fn read(state: web::Data<AppState>, auth: Auth, id: PathId) -> ApiResult<HttpResponse> {
    let r = escalations::get(&state.db, &auth.0, &id).await?;
    respond(StatusCode::OK, r)
}

/// A move of an escalation.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "routed", "routed_to": "workforce_council", "note": "A workforce planning question for the council."}))]
pub struct EscalationPatch {
    /// The new status: from `raised` to `routed` or `closed`; from `routed`
    /// to `routed` (re-route), `acknowledged` or `closed`; from
    /// `acknowledged` to `closed`. `closed` is final.
    pub status: EscalationStatus,
    /// With `routed` only (required then): the key of a governance body of
    /// the network that is not retired.
    pub routed_to: Option<String>,
    /// Required on every move, 1–2000 characters: why it is routed, the
    /// body's response, the outcome, or (closing a raised escalation) why
    /// it is not for escalation.
    pub note: Option<String>,
}

/// Triage an escalation
///
/// Moves it along `raised → routed → acknowledged → closed` (If-Match on
/// its version); each move is kept in its history, audited and emitted
/// (`escalation.routed`, `escalation.acknowledged`, `escalation.closed`).
/// Routing emails the body's contact address when it has one. A move the
/// workflow does not allow is 409 `invalid-transition`, whose `allowed`
/// member lists the statuses allowed next.
///
/// Access: managers of its network and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "updateEscalation",
    security(("bearer" = [])),
    request_body = EscalationPatch,
    params(("id" = uuid::Uuid, Path, description = "Escalation id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Moved", body = EscalationView, headers(("ETag" = String))),
        (status = 403, description = "`forbidden`: you do not manage the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such escalation visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition` (with `allowed`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`status` (not one of the allowed values), `routed_to` (`required`, `not_allowed`, `unknown_body`, `retired_body`), `note` (`required`, `too_long`, `control_characters`, `invisible_characters`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/escalations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<EscalationPatch>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let r = escalations::transition(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        Move {
            status: b.status,
            routed_to: b.routed_to,
            note: b.note,
        },
        if_match.0,
    )
    .await?;
    respond(StatusCode::OK, r)
}
