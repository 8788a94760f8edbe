//! Minutes ("notes with actions"): drafting, submission, approval and
//! the approved revisions. The actions they record are tracked in
//! [`super::actions`].
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::meeting::{
    ActionItem, ActionStatus, MeetingDeliveryMode, MinutesContent, MinutesItem, MinutesStatus,
};
use peerhub_persistence::entities::{minutes as minutes_entity, minutes_revision};
use peerhub_persistence::meetings;
use peerhub_persistence::minutes::{self, MinutesInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::meetings::meeting_access;
use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, etag};
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::routes::views::EX_MEETING_ID;
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(get_minutes)
        .service(put_minutes)
        .service(submit)
        .service(approve)
        .service(list_revisions);
}

/// One section of the minutes, following the agenda.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesItemBody {
    /// The agenda item's heading.
    pub agenda_item: String,
    /// Key points discussed (may span lines).
    #[serde(default)]
    pub discussion: String,
    /// Decisions made (at most 50).
    #[serde(default)]
    pub decisions: Vec<String>,
}

/// An action recorded in the minutes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionItemBody {
    /// Set once the minutes are published; keep it when editing so the
    /// tracked action is updated rather than replaced.
    #[schema(format = Uuid)]
    pub id: Option<String>,
    pub description: String,
    /// A current member of the community.
    #[schema(format = Uuid)]
    pub owner_id: String,
    pub due_on: NaiveDate,
    /// The tracked action's status once published. Read only: a valid
    /// status sent back is ignored (set it with PATCH /v1/actions/{id}).
    #[serde(default)]
    pub status: Option<ActionStatus>,
}

/// Minutes to save; absent fields are filled from the meeting.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_at": "2027-03-29T09:00:00Z", "mode": "teams", "chair_id": super::EX_USER_ID,
    "items": [{"agenda_item": "Reflective practice: supervision models", "discussion": "Members compared group and individual supervision.", "decisions": ["Trial peer group supervision for two months"]}],
    "actions": [{"description": "Circulate the supervision models slides", "owner_id": super::EX_USER_ID, "due_on": "2027-04-12"}]
}))]
pub struct MinutesBody {
    /// When it was held; default: the meeting's start.
    pub held_at: Option<DateTime<Utc>>,
    /// How it was conducted; default: the meeting's mode.
    #[serde(default)]
    pub mode: Option<MeetingDeliveryMode>,
    /// Who chaired (someone invited); default: the community's chair.
    #[schema(format = Uuid)]
    pub chair_id: Option<String>,
    /// People present; default: attendance.
    pub attendees: Option<Vec<String>>,
    /// Apologies for absence; default: attendance.
    pub apologies: Option<Vec<String>>,
    /// Per agenda item; default: the agenda's headings.
    pub items: Option<Vec<MinutesItemBody>>,
    /// Agreed actions with owner and due date (at most 100).
    #[serde(default)]
    pub actions: Vec<ActionItemBody>,
}

/// A meeting's minutes.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "meeting_id": EX_MEETING_ID, "community_id": "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e",
    "status": "published", "revision": 1, "published_revision": 1,
    "held_at": "2027-03-29T09:00:00Z", "mode": "teams", "chair_id": super::EX_USER_ID,
    "attendees": [super::EX_USER_ID], "apologies": [],
    "items": [{"agenda_item": "Reflective practice: supervision models", "discussion": "Members compared group and individual supervision.", "decisions": ["Trial peer group supervision for two months"]}],
    "actions": [{"id": "0193a6f2-7777-7b3a-9d4e-2f1a0b9c8d7e", "description": "Circulate the supervision models slides", "owner_id": super::EX_USER_ID, "due_on": "2027-04-12", "status": "open"}],
    "people": {"0193a6f2-2222-7b3a-9d4e-2f1a0b9c8d7e": "Priya Shah"},
    "drafted_by": super::EX_USER_ID, "submitted_by": super::EX_USER_ID, "submitted_at": "2027-03-30T09:00:00Z",
    "approved_by": "0193a6f2-3333-7b3a-9d4e-2f1a0b9c8d7e", "approved_at": "2027-03-31T09:00:00Z",
    "version": 4, "updated_at": "2027-03-31T09:00:00Z"
}))]
pub struct MinutesView {
    pub meeting_id: String,
    pub community_id: String,
    /// The status of the copy shown (an approved revision is `published`).
    pub status: MinutesStatus,
    /// The revision shown.
    pub revision: i32,
    /// The latest approved revision, if any.
    pub published_revision: Option<i32>,
    pub held_at: DateTime<Utc>,
    /// How it was conducted.
    pub mode: MeetingDeliveryMode,
    pub chair_id: Option<String>,
    pub attendees: Vec<String>,
    pub apologies: Vec<String>,
    pub items: Vec<MinutesItemBody>,
    pub actions: Vec<ActionItemBody>,
    /// Display names of everyone named above, by id.
    pub people: HashMap<String, String>,
    pub drafted_by: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// The working copy's version (its `ETag`).
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

struct Meta {
    status: MinutesStatus,
    revision: i32,
    published_revision: Option<i32>,
    drafted_by: Option<String>,
    submitted_by: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    approved_by: Option<String>,
    approved_at: Option<DateTime<Utc>>,
    version: i32,
    updated_at: DateTime<Utc>,
}

/// Everyone a set of minutes names (sorted, once each).
fn named_ids(c: &MinutesContent, meta: &Meta) -> Vec<String> {
    let mut ids: Vec<String> = c
        .attendees
        .iter()
        .chain(c.apologies.iter())
        .chain(c.chair_id.iter())
        .chain(c.actions.iter().map(|a| &a.owner_id))
        .chain(meta.drafted_by.iter())
        .chain(meta.submitted_by.iter())
        .chain(meta.approved_by.iter())
        .cloned()
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// What views of one meeting's minutes look up: display names and the
/// tracked actions' statuses (loaded once for any number of revisions).
struct Lookups {
    names: HashMap<String, String>,
    statuses: HashMap<String, ActionStatus>,
}

async fn lookups(state: &AppState, meeting_id: &str, ids: Vec<String>) -> ApiResult<Lookups> {
    Ok(Lookups {
        names: meetings::display_names(&state.db, ids).await?,
        statuses: minutes::action_statuses(&state.db, meeting_id).await?,
    })
}

async fn minutes_view(
    state: &AppState,
    meeting_id: &str,
    community_id: &str,
    c: MinutesContent,
    meta: Meta,
) -> ApiResult<MinutesView> {
    let l = lookups(state, meeting_id, named_ids(&c, &meta)).await?;
    Ok(build_view(meeting_id, community_id, c, meta, &l))
}

fn build_view(
    meeting_id: &str,
    community_id: &str,
    c: MinutesContent,
    meta: Meta,
    l: &Lookups,
) -> MinutesView {
    let people = named_ids(&c, &meta)
        .into_iter()
        .filter_map(|id| l.names.get(&id).map(|n| (id, n.clone())))
        .collect();
    let statuses = &l.statuses;
    MinutesView {
        meeting_id: meeting_id.to_owned(),
        community_id: community_id.to_owned(),
        status: meta.status,
        revision: meta.revision,
        published_revision: meta.published_revision,
        held_at: c.held_at,
        mode: c.mode,
        chair_id: c.chair_id,
        attendees: c.attendees,
        apologies: c.apologies,
        items: c
            .items
            .into_iter()
            .map(|i| MinutesItemBody {
                agenda_item: i.agenda_item,
                discussion: i.discussion,
                decisions: i.decisions,
            })
            .collect(),
        actions: c
            .actions
            .into_iter()
            .map(|a| ActionItemBody {
                status: a.id.as_ref().and_then(|id| statuses.get(id).copied()),
                id: a.id,
                description: a.description,
                owner_id: a.owner_id,
                due_on: a.due_on,
            })
            .collect(),
        people,
        drafted_by: meta.drafted_by,
        submitted_by: meta.submitted_by,
        submitted_at: meta.submitted_at,
        approved_by: meta.approved_by,
        approved_at: meta.approved_at,
        version: meta.version,
        updated_at: meta.updated_at,
    }
}

async fn working_view(state: &AppState, w: minutes_entity::Model) -> ApiResult<MinutesView> {
    let content = minutes::working_content(&w)?;
    let status = minutes::status_of(&w)?;
    let approved = if status == MinutesStatus::Published {
        minutes::published(&state.db, &w.meeting_id).await?
    } else {
        None
    };
    minutes_view(
        state,
        &w.meeting_id,
        &w.community_id,
        content,
        Meta {
            status,
            revision: w.revision,
            published_revision: w.published_revision,
            drafted_by: w.drafted_by,
            submitted_by: w.submitted_by,
            submitted_at: w.submitted_at,
            approved_by: approved.as_ref().and_then(|r| r.approved_by.clone()),
            approved_at: approved.map(|r| r.approved_at),
            version: w.version,
            updated_at: w.updated_at,
        },
    )
    .await
}

async fn revision_view(
    state: &AppState,
    community_id: &str,
    r: minutes_revision::Model,
    w: &minutes_entity::Model,
) -> ApiResult<MinutesView> {
    let meeting_id = r.meeting_id.clone();
    let (content, meta) = revision_parts(r, w)?;
    minutes_view(state, &meeting_id, community_id, content, meta).await
}

/// The content and metadata of an approved revision.
fn revision_parts(
    r: minutes_revision::Model,
    w: &minutes_entity::Model,
) -> ApiResult<(MinutesContent, Meta)> {
    let content = minutes::revision_content(&r)?;
    Ok((
        content,
        Meta {
            status: MinutesStatus::Published,
            revision: r.revision,
            published_revision: w.published_revision,
            drafted_by: None,
            submitted_by: r.submitted_by,
            submitted_at: None,
            approved_by: r.approved_by,
            approved_at: Some(r.approved_at),
            version: w.version,
            updated_at: r.approved_at,
        },
    ))
}

fn respond(status: StatusCode, v: MinutesView) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", etag(v.version)))
        .json(v)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MinutesQuery {
    /// `true`: the latest published revision even for the core team (who
    /// otherwise see the working copy).
    pub published: Option<bool>,
}

/// Read a meeting's minutes
///
/// Members of the community and managers see the latest published
/// revision (404 before there is one); the core team sees the working copy
/// (draft, submitted or published), or the published revision with
/// `published=true`.
///
/// Access: members of the community, managers of its network and platform
/// admins see published minutes; only the community's core team sees
/// drafts.
#[utoipa::path(
    tag = "minutes",
    operation_id = "getMinutes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), MinutesQuery),
    responses(
        (status = 200, description = "The minutes", body = MinutesView, headers(("ETag" = String))),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting, or no minutes you may see yet", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}/minutes")]
pub async fn get_minutes(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<MinutesQuery>,
) -> ApiResult<HttpResponse> {
    let (m, a) = meeting_access(&state, &auth, &id, CommunityNeed::Member).await?;
    let w = minutes::working_copy(&state.db, &m.id)
        .await?
        .ok_or_else(|| ApiError::not_found("minutes"))?;
    // Drafts are for the core team only (docs/meetings.md): managers
    // and members read what was approved.
    let sees_drafts = a.role.is_some_and(|r| r.is_core());
    if sees_drafts && q.published != Some(true) {
        return Ok(respond(StatusCode::OK, working_view(&state, w).await?));
    }
    let r = minutes::published(&state.db, &m.id)
        .await?
        .ok_or_else(|| ApiError::not_found("minutes"))?;
    Ok(respond(
        StatusCode::OK,
        revision_view(&state, &m.community_id, r, &w).await?,
    ))
}

/// Draft or edit a meeting's minutes
///
/// Absent fields are filled from the meeting (start, mode, chair,
/// attendance, agenda). Editing published minutes starts the next
/// revision, which needs approval again; members keep seeing the published
/// one meanwhile. Editing submitted minutes returns them to draft. Marks
/// the meeting held. Refusals: 403 `not-minute-taker`; 409
/// `meeting-cancelled`, `meeting-not-started`; 422 for people not invited,
/// an action owner who is not a current member or an unknown action id.
///
/// Access: the community's secretary; the chair or a co-chair when it has
/// no secretary.
#[utoipa::path(
    tag = "minutes",
    operation_id = "putMinutes",
    security(("bearer" = [])),
    request_body = MinutesBody,
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "The working copy", body = MinutesView, headers(("ETag" = String))),
        (status = 403, description = "Not the minute-taker (`not-minute-taker`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`meeting-cancelled`, `meeting-not-started`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, people not invited, an action owner who is not a member", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/meetings/{id}/minutes")]
pub async fn put_minutes(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<MinutesBody>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    // User and action ids compare in lower case (as attendance does).
    let norm = |s: String| s.trim().to_ascii_lowercase();
    let w = minutes::save_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Member,
        MinutesInput {
            held_at: b.held_at,
            mode: b.mode,
            chair_id: b.chair_id.map(norm),
            attendees: b.attendees.map(|v| v.into_iter().map(norm).collect()),
            apologies: b.apologies.map(|v| v.into_iter().map(norm).collect()),
            items: b.items.map(|items| {
                items
                    .into_iter()
                    .map(|i| MinutesItem {
                        agenda_item: i.agenda_item,
                        discussion: i.discussion,
                        decisions: i.decisions,
                    })
                    .collect()
            }),
            actions: b
                .actions
                .into_iter()
                .map(|x| ActionItem {
                    id: x.id.map(norm),
                    description: x.description,
                    owner_id: norm(x.owner_id),
                    due_on: x.due_on,
                })
                .collect(),
        },
        if_match.0,
    )
    .await?;
    Ok(respond(StatusCode::OK, working_view(&state, w).await?))
}

/// Submit draft minutes for approval
///
/// Hands the draft to the chair or a co-chair for approval. Only a draft
/// can be submitted (409 `minutes-not-draft`).
///
/// Access: the community's secretary; the chair or a co-chair when it has
/// no secretary.
#[utoipa::path(
    tag = "minutes",
    operation_id = "submitMinutes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Submitted", body = MinutesView, headers(("ETag" = String))),
        (status = 403, description = "Not the minute-taker", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting, or no minutes yet", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`minutes-not-draft`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meetings/{id}/minutes/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let w = minutes::submit_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Member,
        if_match.0,
    )
    .await?;
    Ok(respond(StatusCode::OK, working_view(&state, w).await?))
}

/// Approve and publish submitted minutes
///
/// Approval publishes them to the community's members, starts tracking
/// their actions and emits `minutes.published`. Refusals: 403 `not-chair`,
/// `own-submission`; 409 `minutes-not-submitted`.
///
/// Access: the community's chair or a co-chair who did not submit them
/// (unless they are the whole core team).
#[utoipa::path(
    tag = "minutes",
    operation_id = "approveMinutes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Approved and published", body = MinutesView, headers(("ETag" = String))),
        (status = 403, description = "`not-chair`, `own-submission`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting, or no minutes yet", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`minutes-not-submitted`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meetings/{id}/minutes/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let (w, _) = minutes::approve_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Member,
        if_match.0,
    )
    .await?;
    Ok(respond(StatusCode::OK, working_view(&state, w).await?))
}

crate::page_schema!(MinutesRevisionPage, MinutesView);

/// List the approved revisions of a meeting's minutes
///
/// Every approved revision, oldest first, as it was approved.
///
/// Access: members of the community, managers of its network and platform
/// admins.
#[utoipa::path(
    tag = "minutes",
    operation_id = "listMinutesRevisions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), PageQuery),
    responses(
        (status = 200, description = "Approved revisions", body = MinutesRevisionPage),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}/minutes/revisions")]
pub async fn list_revisions(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (m, _) = meeting_access(&state, &auth, &id, CommunityNeed::Member).await?;
    let page = minutes::revisions(&state.db, &m.id, &q.to_request()?).await?;
    let Some(w) = minutes::working_copy(&state.db, &m.id).await? else {
        let none: peerhub_persistence::Page<MinutesView> = peerhub_persistence::Page {
            items: Vec::new(),
            next_after: None,
        };
        return Ok(page_response(&req, &state, none, |v| v));
    };
    let next_after = page.next_after.clone();
    let parts = page
        .items
        .into_iter()
        .map(|r| revision_parts(r, &w))
        .collect::<ApiResult<Vec<_>>>()?;
    let mut ids: Vec<String> = parts
        .iter()
        .flat_map(|(c, meta)| named_ids(c, meta))
        .collect();
    ids.sort();
    ids.dedup();
    let l = lookups(&state, &m.id, ids).await?;
    let items = parts
        .into_iter()
        .map(|(c, meta)| build_view(&m.id, &m.community_id, c, meta, &l))
        .collect();
    Ok(page_response(
        &req,
        &state,
        peerhub_persistence::Page { items, next_after },
        |v| v,
    ))
}
