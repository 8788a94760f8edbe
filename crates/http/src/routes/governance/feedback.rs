//! Post-meeting feedback forms (the "Triple A"): filing, reading, changing
//! and listing them (docs/governance.md).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Need};
use peerhub_domain::governance::escalation::EscalationStatus;
use peerhub_domain::governance::feedback::{FormInput, PointInput, PointKind, PointNature};
use peerhub_persistence::access;
use peerhub_persistence::governance::escalations;
use peerhub_persistence::governance::feedback::{self, FormFilter, FormRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, closed_query, etag, uuid_field};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(file)
        .service(read)
        .service(change);
}

/// One point as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "alert", "nature": "escalation", "text": "Waiting lists for step 3 have doubled since the summer."}))]
pub struct FeedbackPointBody {
    pub kind: PointKind,
    pub nature: PointNature,
    /// 1–2000 characters; newlines allowed; no invisible or text-direction
    /// characters.
    pub text: String,
}

/// A feedback form as sent.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "content_summary": "Case discussion on supervision for newly qualified PWPs; update on the regional training offer.",
    "outputs": ["A shared supervision template", "Two members join the training working group"],
    "points": [
        {"kind": "alert", "nature": "escalation", "text": "Waiting lists for step 3 have doubled since the summer."},
        {"kind": "assure", "nature": "commendation", "text": "Group supervision is running in every trust."}
    ]
}))]
pub struct FeedbackBody {
    /// 1–5000 characters; newlines allowed.
    pub content_summary: String,
    /// At most 20, each 1–500 characters on one line.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// At most 30. Each `escalation` point is raised as an escalation.
    #[serde(default)]
    pub points: Vec<FeedbackPointBody>,
}

impl FeedbackBody {
    fn input(self) -> FormInput {
        FormInput {
            content_summary: self.content_summary,
            outputs: self.outputs,
            points: self
                .points
                .into_iter()
                .map(|p| PointInput {
                    kind: p.kind,
                    nature: p.nature,
                    text: p.text,
                })
                .collect(),
        }
    }
}

/// The escalation raised from a point.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointEscalation {
    #[schema(format = Uuid)]
    pub id: String,
    pub status: EscalationStatus,
}

/// One point of a filed form.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackPointView {
    /// Names the point, e.g. to escalate a commendation
    /// (`POST /v1/escalations`).
    #[schema(format = Uuid)]
    pub id: String,
    pub kind: PointKind,
    pub nature: PointNature,
    pub text: String,
    /// The escalation raised from the point, if any.
    pub escalation: Option<PointEscalation>,
}

/// A filed feedback form.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6f2-9000-7b3a-9d4e-2f1a0b9c8d01",
    "network_id": super::super::EX_NETWORK_ID,
    "community_id": "0193a6f2-8c1e-7b3a-9d4e-2f1a0b9c8d10",
    "community_name": "Perinatal PWP CoP",
    "meeting_id": "0193a6f2-8c1e-7b3a-9d4e-2f1a0b9c8d20",
    "meeting_starts_at": "2026-11-20T10:00:00Z",
    "author_id": super::super::EX_USER_ID,
    "author_name": "Sam Patel",
    "content_summary": "Case discussion on supervision for newly qualified PWPs.",
    "outputs": ["A shared supervision template"],
    "points": [
        {"id": "0193a6f2-9000-7b3a-9d4e-2f1a0b9c8d02", "kind": "alert", "nature": "escalation",
         "text": "Waiting lists for step 3 have doubled since the summer.",
         "escalation": {"id": "0193a6f2-9000-7b3a-9d4e-2f1a0b9c8d03", "status": "raised"}},
        {"id": "0193a6f2-9000-7b3a-9d4e-2f1a0b9c8d04", "kind": "assure", "nature": "commendation",
         "text": "Group supervision is running in every trust.", "escalation": null}
    ],
    "filed_at": "2026-11-21T09:00:00Z",
    "updated_at": "2026-11-21T09:00:00Z",
    "version": 1
}))]
pub struct FeedbackView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub network_id: String,
    #[schema(format = Uuid)]
    pub community_id: String,
    /// Set by the server: the CoP's name.
    pub community_name: String,
    #[schema(format = Uuid)]
    pub meeting_id: String,
    /// Set by the server: the meeting's start.
    pub meeting_starts_at: DateTime<Utc>,
    /// Set by the server: who filed the form.
    #[schema(format = Uuid)]
    pub author_id: String,
    pub author_name: Option<String>,
    pub content_summary: String,
    pub outputs: Vec<String>,
    pub points: Vec<FeedbackPointView>,
    /// Set by the server: when the form was filed.
    pub filed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Also the `ETag`.
    pub version: i32,
}

fn view(r: FormRecord) -> ApiResult<FeedbackView> {
    let outputs = feedback::outputs_of(&r.form)?;
    let points = r
        .points
        .into_iter()
        .map(|p| {
            Ok(FeedbackPointView {
                kind: feedback::kind_of(&p.point)?,
                nature: feedback::nature_of(&p.point)?,
                escalation: p
                    .escalation
                    .map(|e| -> ApiResult<PointEscalation> {
                        Ok(PointEscalation {
                            status: escalations::status_of(&e)?,
                            id: e.id,
                        })
                    })
                    .transpose()?,
                id: p.point.id,
                text: p.point.text,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let f = r.form;
    Ok(FeedbackView {
        id: f.id,
        network_id: f.network_id,
        community_id: f.community_id,
        community_name: r.community_name,
        meeting_id: f.meeting_id,
        meeting_starts_at: r.meeting_starts_at,
        author_id: f.author_id,
        author_name: r.author_name,
        content_summary: f.content_summary,
        outputs,
        points,
        filed_at: f.created_at,
        updated_at: f.updated_at,
        version: f.version,
    })
}

fn respond(status: StatusCode, r: FormRecord) -> ApiResult<HttpResponse> {
    let v = view(r)?;
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(v.version)));
    if status == StatusCode::CREATED {
        res.insert_header((
            "Location",
            format!("/v1/meetings/{}/feedback", v.meeting_id),
        ));
    }
    Ok(res.json(v))
}

const FORM_422: &str = "`content_summary` (`required`, `too_long`, `control_characters`, `invisible_characters`), `outputs` (`too_many`), `outputs[i]` (the same codes), `points` (`too_many`), `points[i].text` (the same codes), `points[i].kind` / `points[i].nature` (not one of the allowed values)";

/// File a meeting's feedback form
///
/// The post-meeting "Triple A" form: a content summary, the outputs, and
/// points that advise, assure or alert. The server adds the CoP's name,
/// the meeting's date, the author and the filing time. Each point of
/// nature `escalation` is raised as an escalation (status `raised`) in the
/// same transaction, and the network's managers get one email listing
/// them. Emits `feedback.submitted` (and `escalation.raised` per
/// escalation). One form per meeting, once the meeting has started.
///
/// Access: the CoP's chair, co-chairs and secretary, managers of the
/// network and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "fileFeedback",
    security(("bearer" = [])),
    request_body = FeedbackBody,
    params(("id" = uuid::Uuid, Path, description = "Meeting id")),
    responses(
        (status = 201, description = "Filed", body = FeedbackView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "`forbidden`: not on the CoP's core team nor a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`meeting-not-started`, `meeting-cancelled`, `feedback-exists`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = FORM_422, body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meetings/{id}/feedback")]
pub async fn file(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<FeedbackBody>,
) -> ApiResult<HttpResponse> {
    let r = feedback::file(&state.db, &auth.ctx(), &auth.0, &id, &body.0.input()).await?;
    respond(StatusCode::CREATED, r)
}

/// Read a meeting's feedback form
///
/// The form with its points and, for each, the escalation raised from it.
///
/// Access: the CoP's chair, co-chairs and secretary, managers of the
/// network and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "getFeedback",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The form", body = FeedbackView, headers(("ETag" = String))),
        (status = 403, description = "`forbidden`: not on the CoP's core team nor a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you, or no form filed yet", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}/feedback")]
pub async fn read(state: web::Data<AppState>, auth: Auth, id: PathId) -> ApiResult<HttpResponse> {
    let r = feedback::get(&state.db, &auth.0, &id).await?;
    respond(StatusCode::OK, r)
}

/// Change a meeting's feedback form
///
/// Sends the whole form again (If-Match on its version). Points sent
/// unchanged (same kind, nature and text) keep their ids and escalations;
/// removed or changed points are deleted together with their escalations
/// (all still `raised`); new escalation points are raised and the
/// managers emailed. Refused with 409 `feedback-triaged` once any
/// escalation of the form has been routed or closed. Emits
/// `feedback.submitted` with `changed: true`.
///
/// Access: the form's author, managers of the network and platform admins.
#[utoipa::path(
    tag = "governance",
    operation_id = "changeFeedback",
    security(("bearer" = [])),
    request_body = FeedbackBody,
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Changed", body = FeedbackView, headers(("ETag" = String))),
        (status = 403, description = "`not-feedback-author`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you, or no form filed yet", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`feedback-triaged`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = FORM_422, body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/meetings/{id}/feedback")]
pub async fn change(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<FeedbackBody>,
) -> ApiResult<HttpResponse> {
    let r = feedback::change(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        &body.0.input(),
        if_match.0,
    )
    .await?;
    respond(StatusCode::OK, r)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// Only forms of this network (you must be in it).
    #[param(format = Uuid)]
    pub network_id: Option<String>,
    /// Only forms of this CoP (you must be in its network).
    #[param(format = Uuid)]
    pub community_id: Option<String>,
    /// Forms of meetings starting at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Forms of meetings starting before this instant (RFC 3339); not
    /// before `from`.
    pub to: Option<DateTime<Utc>>,
    /// Only forms with a point of this kind.
    #[param(value_type = Option<PointKind>)]
    pub kind: Option<String>,
    /// Only forms with a point of this nature (with `kind`: one point of
    /// both).
    #[param(value_type = Option<PointNature>)]
    pub nature: Option<String>,
}

crate::page_schema!(FeedbackPage, FeedbackView);

/// List feedback forms
///
/// Forms oldest filed first: every form of the networks I manage and of
/// the CoPs where I am chair, co-chair or secretary. Anyone else gets an
/// empty list. `from` (inclusive) and `to` (exclusive) bound the
/// meeting's start; `kind` and `nature` keep forms having such a point.
///
/// Access: any signed-in person (see above); platform admins see all.
#[utoipa::path(
    tag = "governance",
    operation_id = "listFeedback",
    security(("bearer" = [])),
    params(FeedbackQuery, PageQuery),
    responses(
        (status = 200, description = "Forms, oldest filed first", body = FeedbackPage),
        (status = 404, description = "No such network or CoP visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/feedback")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<FeedbackQuery>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let id_of = |v: &Option<String>, field: &str| -> ApiResult<Option<String>> {
        v.as_deref().map(|x| uuid_field(x, field)).transpose()
    };
    let network_id = id_of(&f.network_id, "network_id")?;
    let community_id = id_of(&f.community_id, "community_id")?;
    let kind = closed_query::<PointKind>("kind", f.kind.as_deref())?;
    let nature = closed_query::<PointNature>("nature", f.nature.as_deref())?;
    if let (Some(from), Some(to)) = (f.from, f.to)
        && to < from
    {
        return Err(ApiError::field(
            "to",
            "before_from",
            "must not be before `from`",
        ));
    }
    let page = q.to_request()?;
    if let Some(n) = &network_id {
        access::network(&state.db, &auth.0, n, Need::Member, None).await?;
    }
    if let Some(c) = &community_id {
        access::community(&state.db, &auth.0, c, CommunityNeed::NetworkMember, None).await?;
    }
    let p = feedback::list(
        &state.db,
        &auth.0,
        &FormFilter {
            network_id,
            community_id,
            from: f.from,
            to: f.to,
            kind,
            nature,
        },
        &page,
    )
    .await?;
    let p = try_page(p, view)?;
    Ok(page_response(&req, &state, p, |v| v))
}
