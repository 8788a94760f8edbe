//! Private notes on a match (their author only) and safeguarding concerns
//! raised to a programme's safeguarding lead.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::matching::concern::ConcernCategory;
use peerhub_persistence::concerns::{self, NewConcern};
use peerhub_persistence::entities::{match_note, safeguarding_concern};
use peerhub_persistence::match_notes;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, etag};
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

const EX_MATCH_ID: &str = "0193a6f2-6a6a-7b3a-9d4e-2f1a0b9c8d7e";
const EX_NOTE_ID: &str = "0193a6f2-7c7c-7b3a-9d4e-2f1a0b9c8d7e";
const EX_CONCERN_ID: &str = "0193a6f2-5c5c-7b3a-9d4e-2f1a0b9c8d7e";
const EX_PROGRAMME_ID: &str = "0193a6f2-4b4b-7b3a-9d4e-2f1a0b9c8d7e";
const EX_LEAD_ID: &str = "0193a6f2-3333-7b3a-9d4e-2f1a0b9c8d7e";

/// Registers this module's handlers (literal paths before templated ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_note)
        .service(list_notes)
        .service(get_note)
        .service(update_note)
        .service(delete_note)
        .service(raise_concern)
        .service(list_concerns)
        .service(get_concern);
}

// ------------------------------------------------------------------ notes

/// A private note's text.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Second session. We talked about handing over after night shifts; I want to ask about their supervision next time."}))]
pub struct NoteBody {
    /// 1 to 10,000 characters (trimmed); may span lines.
    pub body: String,
}

/// A private note: only its author can ever read it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_NOTE_ID, "match_id": EX_MATCH_ID,
    "body": "Second session. We talked about handing over after night shifts; I want to ask about their supervision next time.",
    "version": 1, "created_at": "2027-02-03T18:30:00Z", "updated_at": "2027-02-03T18:30:00Z"
}))]
pub struct NoteView {
    pub id: String,
    pub match_id: String,
    pub body: String,
    /// The note's version (its `ETag`).
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<match_note::Model> for NoteView {
    fn from(n: match_note::Model) -> Self {
        Self {
            id: n.id,
            match_id: n.match_id,
            body: n.body,
            version: n.version,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

fn note_response(mut r: actix_web::HttpResponseBuilder, n: match_note::Model) -> HttpResponse {
    r.insert_header(("ETag", etag(n.version)))
        .json(NoteView::from(n))
}

/// Write a private note on a match
///
/// In any status of the match: a participant can still reflect after it
/// ended. Only the author can ever read, change or delete it: not the other
/// participant, not managers, not platform admins. The audit trail records
/// that a note was written, never its text.
///
/// Access: the two participants; everyone else (managers and platform
/// admins included) gets 404.
#[utoipa::path(
    tag = "notes",
    operation_id = "createMatchNote",
    security(("bearer" = [])),
    request_body = NoteBody,
    params(("id" = uuid::Uuid, Path, description = "Match id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key (stored sealed: only the same caller can read it)")),
    responses(
        (status = 201, description = "Written", body = NoteView, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "The id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such match, or you are not one of its participants (managers and admins included)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`body` empty or longer than 10,000 characters", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/matches/{id}/notes")]
pub async fn create_note(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<NoteBody>,
) -> ApiResult<HttpResponse> {
    let match_id = id.0;
    let n = match_notes::create(&state.db, &auth.ctx(), &auth.0, &match_id, &body.0.body).await?;
    let mut r = HttpResponse::Created();
    r.insert_header(("Location", format!("/v1/notes/{}", n.id)));
    Ok(note_response(r, n))
}

crate::page_schema!(NotePage, NoteView);

/// List my own notes on a match
///
/// Oldest first; the other participant's notes never appear.
///
/// Access: the two participants (each sees their own notes); everyone else
/// gets 404.
#[utoipa::path(
    tag = "notes",
    operation_id = "listMatchNotes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Match id"), PageQuery),
    responses(
        (status = 200, description = "My notes on this match", body = NotePage),
        (status = 400, description = "The id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such match, or you are not one of its participants", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/matches/{id}/notes")]
pub async fn list_notes(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let match_id = id.0;
    let page = q.to_request()?;
    let page = match_notes::list_own(&state.db, &auth.0, &match_id, &page).await?;
    Ok(page_response(&req, &state, page, NoteView::from))
}

/// Read one of my notes
///
/// The note and its `ETag`.
///
/// Access: the note's author only; everyone else gets 404.
#[utoipa::path(
    tag = "notes",
    operation_id = "getNote",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Note id")),
    responses(
        (status = 200, description = "The note", body = NoteView, headers(("ETag" = String))),
        (status = 400, description = "The id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such note, or not yours", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/notes/{id}")]
pub async fn get_note(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let note_id = id.0;
    let n = match_notes::find_own(&state.db, &auth.0, &note_id).await?;
    Ok(note_response(HttpResponse::Ok(), n))
}

/// Change one of my notes
///
/// Replaces its text; send the `ETag` in `If-Match`.
///
/// Access: the note's author only; everyone else gets 404.
#[utoipa::path(
    tag = "notes",
    operation_id = "updateNote",
    security(("bearer" = [])),
    request_body = NoteBody,
    params(("id" = uuid::Uuid, Path, description = "Note id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Updated", body = NoteView, headers(("ETag" = String))),
        (status = 400, description = "The id is not a UUID, or a malformed `If-Match`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such note, or not yours", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`body` empty or longer than 10,000 characters", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/notes/{id}")]
pub async fn update_note(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<NoteBody>,
) -> ApiResult<HttpResponse> {
    let note_id = id.0;
    let n = match_notes::update(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &note_id,
        &body.0.body,
        if_match.0,
    )
    .await?;
    Ok(note_response(HttpResponse::Ok(), n))
}

/// Delete one of my notes for good
///
/// The note is gone; nothing keeps its text.
///
/// Access: the note's author only; everyone else gets 404.
#[utoipa::path(
    tag = "notes",
    operation_id = "deleteNote",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Note id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a UUID, or a malformed `If-Match`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such note, or not yours", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/notes/{id}")]
pub async fn delete_note(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let note_id = id.0;
    match_notes::delete(&state.db, &auth.ctx(), &auth.0, &note_id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

// --------------------------------------------------------------- concerns

/// A safeguarding concern to raise.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "category": "risk_to_self",
    "summary": "In our last session my peer said they had been thinking about not wanting to be here. They agreed I could raise this. Please contact them this week."
}))]
pub struct ConcernBody {
    /// What it is about.
    pub category: ConcernCategory,
    /// Written for the safeguarding lead: 1 to 4,000 characters (trimmed);
    /// may span lines. It goes to the lead, never to integrations.
    pub summary: String,
}

/// A safeguarding concern.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_CONCERN_ID, "match_id": EX_MATCH_ID, "programme_id": EX_PROGRAMME_ID,
    "category": "risk_to_self",
    "summary": "In our last session my peer said they had been thinking about not wanting to be here. They agreed I could raise this. Please contact them this week.",
    "raised_by": super::EX_USER_ID, "lead_id": EX_LEAD_ID, "created_at": "2027-02-03T18:45:00Z"
}))]
pub struct ConcernView {
    pub id: String,
    pub match_id: String,
    pub programme_id: String,
    /// What it is about.
    pub category: ConcernCategory,
    pub summary: String,
    /// The participant who raised it.
    pub raised_by: String,
    /// The safeguarding lead it was delivered to; `null` when the
    /// programme had no lead who was a manager, and every manager of the
    /// network was told instead.
    pub lead_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<safeguarding_concern::Model> for ConcernView {
    type Error = ApiError;

    fn try_from(c: safeguarding_concern::Model) -> ApiResult<Self> {
        Ok(Self {
            category: peerhub_persistence::stored::decode(
                "safeguarding_concern.category",
                &c.category,
            )?,
            id: c.id,
            match_id: c.match_id,
            programme_id: c.programme_id,
            summary: c.summary,
            raised_by: c.raised_by,
            lead_id: c.lead_id,
            created_at: c.created_at,
        })
    }
}

/// Raise a safeguarding concern about a match
///
/// In any status of the match. It is emailed to the programme's
/// safeguarding lead — or, when the programme has none who is still a
/// manager, to every manager of the network — with the category, the
/// summary, who raised it and the programme; never any private note.
/// Integrations receive the event `safeguarding.concern_raised` with ids,
/// programme, category, who raised it and the lead, without the summary.
///
/// Access: the two participants; everyone else (managers included) gets
/// 404.
#[utoipa::path(
    tag = "safeguarding",
    operation_id = "raiseSafeguardingConcern",
    security(("bearer" = [])),
    request_body = ConcernBody,
    params(("id" = uuid::Uuid, Path, description = "Match id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Raised and sent to the lead", body = ConcernView, headers(("Location" = String))),
        (status = 400, description = "The id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such match, or you are not one of its participants (managers included)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown `category`; `summary` empty or longer than 4,000 characters", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/matches/{id}/concerns")]
pub async fn raise_concern(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<ConcernBody>,
) -> ApiResult<HttpResponse> {
    let match_id = id.0;
    let b = body.0;
    let c = concerns::raise(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &match_id,
        NewConcern {
            category: b.category,
            summary: b.summary,
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/safeguarding-concerns/{}", c.id)))
        .json(ConcernView::try_from(c)?))
}

crate::page_schema!(ConcernPage, ConcernView);

/// List a programme's safeguarding concerns
///
/// Newest first.
///
/// Access: the programme's safeguarding lead; while the programme has no
/// lead who is a manager, the network's managers. Other managers get 403
/// `not-safeguarding-lead`.
#[utoipa::path(
    tag = "safeguarding",
    operation_id = "listSafeguardingConcerns",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Programme id"), PageQuery),
    responses(
        (status = 200, description = "Concerns, newest first", body = ConcernPage),
        (status = 400, description = "The id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "A manager who is not the programme's safeguarding lead (`not-safeguarding-lead`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme, or you do not manage its network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/programmes/{id}/concerns")]
pub async fn list_concerns(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let programme_id = id.0;
    let page = q.to_request()?;
    let page = concerns::list_for_programme(&state.db, &auth.0, &programme_id, &page).await?;
    let page = crate::pagination::try_page(page, ConcernView::try_from)?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read a safeguarding concern
///
/// The concern with its summary.
///
/// Access: the person who raised it and the programme's safeguarding lead
/// (while the programme has no lead who is a manager, the network's
/// managers); everyone else gets 404.
#[utoipa::path(
    tag = "safeguarding",
    operation_id = "getSafeguardingConcern",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Concern id")),
    responses(
        (status = 200, description = "The concern", body = ConcernView),
        (status = 400, description = "The id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such concern, or not one you may read", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/safeguarding-concerns/{id}")]
pub async fn get_concern(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let concern_id = id.0;
    let c = concerns::find(&state.db, &auth.0, &concern_id).await?;
    Ok(HttpResponse::Ok().json(ConcernView::try_from(c)?))
}
