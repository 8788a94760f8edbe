//! Complaints about the matching process: about a match or a member.
//! Managers of the network see and handle them; the complainant sees their
//! own complaint's status (without the managers' outcome note); a manager a
//! complaint is about sees only that it exists (`view: "involved"`).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::FieldViolation;
use peerhub_domain::matching::complaint::ComplaintStatus;
use peerhub_domain::matching::complaint_view::ComplaintViewKind;
use peerhub_persistence::Page;
use peerhub_persistence::complaints::{
    self, About, ComplaintPatch, ComplaintView as Seen, ListFilter,
};
use peerhub_persistence::entities::complaint;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, closed_query, etag, uuid_field};
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

const EX_COMPLAINT_ID: &str = "0193a6f2-9b01-7b3a-9d4e-2f1a0b9c8d7e";
const EX_MATCH_ID: &str = "0193a6f2-9a01-7b3a-9d4e-2f1a0b9c8d7e";
const EX_MANAGER_ID: &str = "0193a6f2-3333-7b3a-9d4e-2f1a0b9c8d7e";

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get_one)
        .service(update);
}

/// A new complaint: about a match you are in, or about another member.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "network_id": super::EX_NETWORK_ID, "match_id": EX_MATCH_ID,
    "summary": "My supporter cancelled four sessions in a row without notice and I was not offered another match."
}))]
pub struct CreateComplaint {
    #[schema(format = Uuid)]
    #[validate(length(max = 64))]
    pub network_id: String,
    /// A match of this network you are a participant of. Exactly one of
    /// `match_id` and `subject_user_id`.
    #[schema(format = Uuid)]
    #[validate(length(max = 64))]
    pub match_id: Option<String>,
    /// Another member of this network.
    #[schema(format = Uuid)]
    #[validate(length(max = 64))]
    pub subject_user_id: Option<String>,
    /// What happened, 1–4,000 characters (read by the network's managers).
    pub summary: String,
}

/// The schema of a `view` property that holds one value only, so that each
/// variant of [`ComplaintItem`] matches only its own responses.
fn view_schema(kind: ComplaintViewKind) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([kind.as_str()]))
        .description(Some(format!(
            "Always `{kind}`: tells the views of a complaint apart."
        )))
        .build()
}

fn manager_view_schema() -> utoipa::openapi::Object {
    view_schema(ComplaintViewKind::Manager)
}

fn complainant_view_schema() -> utoipa::openapi::Object {
    view_schema(ComplaintViewKind::Complainant)
}

fn involved_view_schema() -> utoipa::openapi::Object {
    view_schema(ComplaintViewKind::Involved)
}

/// What a complaint is about: exactly one member is present.
#[derive(Debug, Serialize, ToSchema)]
pub struct AboutView {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub match_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub subject_user_id: Option<String>,
}

/// A complaint as the network's managers see it (`view: "manager"`): all
/// of it, except for a manager it is about, who gets the involved view.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "view": "manager", "id": EX_COMPLAINT_ID, "network_id": super::EX_NETWORK_ID,
    "complainant_id": super::EX_USER_ID, "about": {"match_id": EX_MATCH_ID},
    "summary": "My supporter cancelled four sessions in a row without notice and I was not offered another match.",
    "status": "resolved", "outcome": "Spoke with the supporter and their supervisor; the peer was offered a new match.",
    "handled_by": EX_MANAGER_ID, "closed_at": "2027-05-02T11:00:00Z", "version": 3,
    "created_at": "2027-04-20T08:30:00Z", "updated_at": "2027-05-02T11:00:00Z"
}))]
pub struct ComplaintView {
    #[schema(schema_with = manager_view_schema)]
    pub view: ComplaintViewKind,
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub network_id: String,
    #[schema(format = Uuid)]
    pub complainant_id: String,
    pub about: AboutView,
    pub summary: String,
    pub status: ComplaintStatus,
    /// The managers' outcome note (required to resolve or dismiss).
    pub outcome: Option<String>,
    /// The manager who last acted on it.
    #[schema(format = Uuid)]
    pub handled_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A complaint as its complainant sees it (`view: "complainant"`): the
/// status and their own text; the outcome note and who handled it are for
/// managers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "view": "complainant", "id": EX_COMPLAINT_ID, "network_id": super::EX_NETWORK_ID,
    "about": {"match_id": EX_MATCH_ID},
    "summary": "My supporter cancelled four sessions in a row without notice and I was not offered another match.",
    "status": "investigating", "closed_at": null,
    "created_at": "2027-04-20T08:30:00Z", "updated_at": "2027-04-22T10:00:00Z"
}))]
pub struct OwnComplaintView {
    #[schema(schema_with = complainant_view_schema)]
    pub view: ComplaintViewKind,
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub network_id: String,
    pub about: AboutView,
    /// The text you wrote.
    pub summary: String,
    pub status: ComplaintStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A complaint as a manager it is about sees it (`view: "involved"`): only
/// that it exists. The person a complaint is about (the member complained
/// about, or the other participant of the match complained about) never
/// sees who raised it, what it says, what it is about, the outcome note or
/// who handled it: `complainant_id`, `about`, `summary`, `outcome`,
/// `handled_by`, `closed_at`, `version` and `updated_at` are absent, and
/// there is no `ETag` (they cannot act on it: 403 `conflict-of-interest`).
/// Members who do not manage the network get 404 instead.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "view": "involved", "id": EX_COMPLAINT_ID, "network_id": super::EX_NETWORK_ID,
    "status": "investigating", "created_at": "2027-04-20T08:30:00Z"
}))]
pub struct InvolvedComplaintView {
    #[schema(schema_with = involved_view_schema)]
    pub view: ComplaintViewKind,
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub network_id: String,
    pub status: ComplaintStatus,
    pub created_at: DateTime<Utc>,
}

/// One of the three views of a complaint, told apart by `view`:
/// `manager` (everything), `complainant` (your own: no `complainant_id`,
/// `outcome`, `handled_by` or `version`) or `involved` (a complaint about
/// you: only `id`, `network_id`, `status` and `created_at`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(discriminator(property_name = "view", mapping(
    ("manager" = "#/components/schemas/ComplaintView"),
    ("complainant" = "#/components/schemas/OwnComplaintView"),
    ("involved" = "#/components/schemas/InvolvedComplaintView"),
)))]
#[schema(example = json!({
    "view": "complainant", "id": EX_COMPLAINT_ID, "network_id": super::EX_NETWORK_ID,
    "about": {"match_id": EX_MATCH_ID},
    "summary": "My supporter cancelled four sessions in a row without notice and I was not offered another match.",
    "status": "open", "closed_at": null,
    "created_at": "2027-04-20T08:30:00Z", "updated_at": "2027-04-20T08:30:00Z"
}))]
pub enum ComplaintItem {
    Manager(ComplaintView),
    Complainant(OwnComplaintView),
    Involved(InvolvedComplaintView),
}

fn about(c: &complaint::Model) -> AboutView {
    AboutView {
        match_id: c.match_id.clone(),
        subject_user_id: c.subject_user_id.clone(),
    }
}

fn full_view(c: complaint::Model, status: ComplaintStatus) -> ComplaintView {
    ComplaintView {
        view: ComplaintViewKind::Manager,
        about: about(&c),
        id: c.id,
        network_id: c.network_id,
        complainant_id: c.complainant_id,
        summary: c.summary,
        status,
        outcome: c.outcome,
        handled_by: c.handled_by,
        closed_at: c.closed_at,
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

fn own_view(c: complaint::Model, status: ComplaintStatus) -> OwnComplaintView {
    OwnComplaintView {
        view: ComplaintViewKind::Complainant,
        about: about(&c),
        id: c.id,
        network_id: c.network_id,
        summary: c.summary,
        status,
        closed_at: c.closed_at,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

fn involved_view(c: complaint::Model, status: ComplaintStatus) -> InvolvedComplaintView {
    InvolvedComplaintView {
        view: ComplaintViewKind::Involved,
        id: c.id,
        network_id: c.network_id,
        status,
        created_at: c.created_at,
    }
}

/// The view the caller gets; `None` for one they may not see at all (the
/// store answers 404 before this, so only defensively).
fn item(c: complaint::Model, seen: Seen) -> ApiResult<Option<ComplaintItem>> {
    let status = complaints::status_of(&c)?;
    Ok(match seen {
        Seen::Full => Some(ComplaintItem::Manager(full_view(c, status))),
        Seen::Complainant => Some(ComplaintItem::Complainant(own_view(c, status))),
        Seen::ExistenceOnly => Some(ComplaintItem::Involved(involved_view(c, status))),
        Seen::Hidden => None,
    })
}

fn respond(status: StatusCode, c: complaint::Model, seen: Seen) -> ApiResult<HttpResponse> {
    let mut r = HttpResponse::build(status);
    // Only managers can change a complaint, so only they get its version.
    if seen == Seen::Full {
        r.insert_header(("ETag", etag(c.version)));
    }
    if status == StatusCode::CREATED {
        r.insert_header(("Location", format!("/v1/complaints/{}", c.id)));
    }
    let body = item(c, seen)?.ok_or_else(|| ApiError::not_found("complaint"))?;
    Ok(r.json(body))
}

/// Raise a complaint about a match you are in or another member
///
/// It starts `open` and reaches the network's managers; `complaint.raised`
/// carries ids only, never the summary.
///
/// Access: members and managers of the network (about a match they are in,
/// or another member).
#[utoipa::path(
    tag = "complaints",
    operation_id = "createComplaint",
    security(("bearer" = [])),
    request_body = CreateComplaint,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Raised; the body is your view of it (a manager of the network gets the manager view, anyone else the complainant view)", body = ComplaintItem, headers(("Location" = String))),
        (status = 404, description = "No such network visible to you, or no such match of it that you are in", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of `match_id` and `subject_user_id` (`one_of`, naming both), `subject_user_id` (`not_a_member`, `is_self`, `invalid_uuid`), `summary` (`required`, `too_long`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/complaints")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<CreateComplaint>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let network_id = uuid_field(&b.network_id, "network_id")?;
    let about = match (&b.match_id, &b.subject_user_id) {
        (Some(m), None) => About::Match(uuid_field(m, "match_id")?),
        (None, Some(u)) => About::Member(uuid_field(u, "subject_user_id")?),
        _ => {
            let one_of = |field: &str| FieldViolation {
                field: field.into(),
                code: "one_of".into(),
                message: "give exactly one of match_id and subject_user_id".into(),
            };
            return Err(ApiError::validation(vec![
                one_of("match_id"),
                one_of("subject_user_id"),
            ]));
        }
    };
    let c = complaints::raise(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &network_id,
        about,
        &b.summary,
    )
    .await?;
    let seen = complaints::view_of(&state.db, &auth.0, &c).await?;
    respond(StatusCode::CREATED, c, seen)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// Only this network's complaints: all of them for its managers, your
    /// own for anyone else.
    #[param(format = Uuid)]
    pub network_id: Option<String>,
    /// Only complaints in this status.
    #[param(value_type = Option<ComplaintStatus>)]
    pub status: Option<String>,
}

crate::page_schema!(ComplaintPage, ComplaintItem);

/// List complaints
///
/// Oldest first. Managers see every complaint of the networks they manage
/// (manager view), except that one about them (or a match they are in)
/// shows only that it exists (involved view); everyone sees their own
/// (complainant view, unless they manage its network).
///
/// Access: signed-in people (managers of a network and platform admins see
/// its complaints, anyone else their own). API tokens are refused.
#[utoipa::path(
    tag = "complaints",
    operation_id = "listComplaints",
    security(("bearer" = [])),
    params(ComplaintQuery, PageQuery),
    responses(
        (status = 200, description = "Complaints, oldest first", body = ComplaintPage),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `network_id`, `status`, `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/complaints")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<ComplaintQuery>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let network_id = f
        .network_id
        .as_deref()
        .map(|n| uuid_field(n, "network_id"))
        .transpose()?;
    let status = closed_query::<ComplaintStatus>("status", f.status.as_deref())?;
    let page = q.to_request()?;
    let p = complaints::list(
        &state.db,
        &auth.0,
        &ListFilter { network_id, status },
        &page,
    )
    .await?;
    let mut items = Vec::with_capacity(p.items.len());
    for (c, seen) in p.items {
        items.extend(item(c, seen)?);
    }
    let p = Page {
        items,
        next_after: p.next_after,
    };
    Ok(page_response(&req, &state, p, |i| i))
}

/// Read a complaint
///
/// Its complainant gets the complainant view, a manager of its network the
/// manager view (with `ETag`), and a manager it is about the involved view:
/// only that it exists, never who raised it or what it says.
///
/// Access: the complainant, managers of the network and platform admins;
/// everyone else gets 404, the member it is about included.
#[utoipa::path(
    tag = "complaints",
    operation_id = "getComplaint",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Complaint id")),
    responses(
        (status = 200, description = "The complaint: the manager, complainant or involved view", body = ComplaintItem, headers(("ETag" = String, description = "Manager view only"))),
        (status = 404, description = "No such complaint visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/complaints/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let (c, seen) = complaints::find(&state.db, &auth.0, &id).await?;
    respond(StatusCode::OK, c, seen)
}

/// A manager's change to a complaint.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "status": "resolved",
    "outcome": "Spoke with the supporter and their supervisor; the peer was offered a new match."
}))]
pub struct ComplaintPatchBody {
    /// The next status: `open → investigating`, `open → dismissed`,
    /// `investigating → resolved | dismissed`.
    pub status: Option<ComplaintStatus>,
    /// The outcome note, 1–4,000 characters; required (here or earlier) to
    /// resolve or dismiss.
    pub outcome: Option<String>,
}

/// Move a complaint on, or record its outcome note
///
/// Resolved and dismissed complaints are closed and cannot change. Emits
/// `complaint.status_changed` (ids and statuses only).
///
/// Access: managers of the network and platform admins, unless it involves
/// them (403 `conflict-of-interest`).
#[utoipa::path(
    tag = "complaints",
    operation_id = "updateComplaint",
    security(("bearer" = [])),
    request_body = ComplaintPatchBody,
    params(("id" = uuid::Uuid, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Updated", body = ComplaintView, headers(("ETag" = String))),
        (status = 403, description = "You raised it but do not manage the network (`forbidden`), or you manage it but it involves you: you raised it, it is about you or about a match you are in (`conflict-of-interest`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such complaint visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition` (naming from and to), `complaint-closed`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`status` (`invalid_value`, `required` for an empty change), `outcome` (`required` to close, `too_long`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/complaints/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<ComplaintPatchBody>,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let b = body.0;
    let c = complaints::update(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        ComplaintPatch {
            status: b.status,
            outcome: b.outcome,
        },
        if_match.0,
    )
    .await?;
    // Only managers it does not involve get here: the manager view.
    respond(StatusCode::OK, c, Seen::Full)
}
