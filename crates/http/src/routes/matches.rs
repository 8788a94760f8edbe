//! Matches and their consent lifecycle: proposed → accepted (by one) →
//! active (both) → ended; declined or expired on the way.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::matching::lifecycle::{MatchAnswer, MatchRole, MatchStatus};
use peerhub_domain::matching::score::ProgrammeKind;
use peerhub_persistence::entities::peer_match;
use peerhub_persistence::matching::{self, match_access, programme_access};
use peerhub_persistence::{StoreError, meetings};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::meetings::with_etag;
use super::programmes::{EX_PROGRAMME_ID, EX_REQUEST_ID, ReasonView};
use crate::auth::Auth;
use crate::extract::{OptionalJsonBody, closed_query, uuid_field, uuid_param};
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Registers this module's handlers (literal paths before templated ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(get_one)
        .service(accept)
        .service(decline)
        .service(end);
}

pub(crate) const EX_MATCH_ID: &str = "0193a6f2-abcd-7b3a-9d4e-2f1a0b9c8d7e";

/// One of the two people in a match.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    pub user_id: String,
    pub display_name: String,
    /// `peer` or `supporter` (supporter programmes), `member` (mutual).
    pub role: MatchRole,
    /// Their request (a supporter has none).
    pub request_id: Option<String>,
    /// Supporter programmes: the supporter's registration.
    pub supporter_id: Option<String>,
    /// When they can meet, from their request.
    pub availability: Option<String>,
    /// When they accepted, if they have.
    pub accepted_at: Option<DateTime<Utc>>,
}

/// A match as its viewer may see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_MATCH_ID, "programme_id": EX_PROGRAMME_ID, "kind": "supporter", "run_id": null, "status": "active",
    "score": 75, "reasons": [
        {"feature": "profession", "points": 30, "text": "same profession (PWP): +30"},
        {"feature": "specialties", "points": 20, "text": "2 specialties in common (long term conditions, supervision): +20"},
        {"feature": "level", "points": 15, "text": "supporter at least as experienced (senior ≥ qualified): +15"},
        {"feature": "region", "points": 10, "text": "same region (West Midlands): +10"}],
    "participants": [
        {"user_id": super::EX_USER_ID, "display_name": "Omar Haddad", "role": "peer", "request_id": EX_REQUEST_ID, "supporter_id": null, "availability": "Tuesday evenings", "accepted_at": "2026-11-22T09:00:00Z"},
        {"user_id": "0193a6f2-cccc-7b3a-9d4e-2f1a0b9c8d7e", "display_name": "Lena Ward", "role": "supporter", "request_id": null, "supporter_id": "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e", "availability": null, "accepted_at": "2026-11-22T10:00:00Z"}],
    "expires_at": "2026-12-05T09:00:00Z", "activated_at": "2026-11-22T10:00:00Z",
    "declined_by": null, "declined_at": null, "ended_by": null, "ended_at": null, "end_reason": null,
    "version": 3, "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-22T10:00:00Z"
}))]
pub struct MatchView {
    pub id: String,
    pub programme_id: String,
    /// The kind of its programme: `mutual` or `supporter`.
    pub kind: ProgrammeKind,
    /// The run that proposed it; `null` for a manager's own pair.
    pub run_id: Option<String>,
    /// `proposed`, `accepted` (by one of them), `active`, `declined`,
    /// `expired` or `ended` (a proposal past its deadline reads as
    /// `expired`).
    pub status: MatchStatus,
    /// The sum of the reasons shown to you.
    pub score: i64,
    /// Why they were paired, feature by feature. A reason about your own
    /// sensitive preference is shown to you only.
    pub reasons: Vec<ReasonView>,
    pub participants: Vec<ParticipantView>,
    /// A proposal expires then unless both have accepted.
    pub expires_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub declined_by: Option<String>,
    pub declined_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The private reason for ending, shown only to whoever ended it.
    pub end_reason: Option<String>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Views of matches for `viewer` (names and requests loaded once).
pub(crate) async fn match_views(
    state: &AppState,
    items: Vec<peer_match::Model>,
    viewer: &str,
) -> ApiResult<Vec<MatchView>> {
    let mut users = Vec::new();
    let mut request_ids = Vec::new();
    for m in &items {
        users.push(m.user_a_id.clone());
        users.push(m.user_b_id.clone());
        request_ids.push(m.request_a_id.clone());
        if let Some(b) = &m.request_b_id {
            request_ids.push(b.clone());
        }
    }
    let names = meetings::display_names(&state.db, users).await?;
    let requests = matching::requests_by_id(&state.db, request_ids).await?;
    items
        .into_iter()
        .map(|m| {
            let status = matching::match_status(&m)?;
            let (score, reasons) =
                matching::visible_reasons(&matching::match_reasons(&m)?, Some(viewer));
            // A match with a supporter is of a supporter programme.
            let kind = if m.supporter_id.is_some() {
                ProgrammeKind::Supporter
            } else {
                ProgrammeKind::Mutual
            };
            let side =
                |user: &str, request: Option<&String>, role: MatchRole, accepted| ParticipantView {
                    user_id: user.to_owned(),
                    display_name: names.get(user).cloned().unwrap_or_default(),
                    role,
                    request_id: request.cloned(),
                    supporter_id: None,
                    availability: request
                        .and_then(|r| requests.get(r))
                        .and_then(|r| r.availability.clone()),
                    accepted_at: accepted,
                };
            let a = side(
                &m.user_a_id,
                Some(&m.request_a_id),
                MatchRole::of(kind, true),
                m.accepted_a_at,
            );
            let mut b = side(
                &m.user_b_id,
                m.request_b_id.as_ref(),
                MatchRole::of(kind, false),
                m.accepted_b_at,
            );
            b.supporter_id = m.supporter_id.clone();
            Ok(MatchView {
                kind,
                status,
                score,
                reasons: reasons.into_iter().map(ReasonView::from).collect(),
                participants: vec![a, b],
                end_reason: m
                    .end_reason
                    .filter(|_| m.ended_by.as_deref() == Some(viewer)),
                id: m.id,
                programme_id: m.programme_id,
                run_id: m.run_id,
                expires_at: m.expires_at,
                activated_at: m.activated_at,
                declined_by: m.declined_by,
                declined_at: m.declined_at,
                ended_by: m.ended_by,
                ended_at: m.ended_at,
                version: m.version,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
        })
        .collect()
}

async fn respond(state: &AppState, m: peer_match::Model, viewer: &str) -> ApiResult<HttpResponse> {
    let version = m.version;
    let view = match_views(state, vec![m], viewer)
        .await?
        .pop()
        .ok_or(StoreError::NotFound("match"))?;
    Ok(with_etag(StatusCode::OK, version, None).json(view))
}

/// Filters for the match list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchFilter {
    /// Only my own matches (the default without `programme_id`).
    pub mine: Option<bool>,
    /// One programme's matches: all of them for its managers, your own for
    /// anyone else.
    #[param(format = Uuid)]
    pub programme_id: Option<String>,
    /// Only matches in this effective status (a proposal past its deadline
    /// counts as `expired`).
    #[param(value_type = Option<MatchStatus>)]
    pub status: Option<String>,
}

crate::page_schema!(MatchPage, MatchView);

/// List matches
///
/// Your own (`mine=true`, or no `programme_id`), or a programme's (managers
/// see all of them), oldest first. Notes are never part of a match.
///
/// Access: signed-in people; a programme's managers (and platform admins)
/// see its every match, anyone else their own. API tokens are refused.
#[utoipa::path(
    tag = "matches",
    operation_id = "listMatches",
    security(("bearer" = [])),
    params(MatchFilter, PageQuery),
    responses(
        (status = 200, description = "Matches, oldest first", body = MatchPage),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/matches")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<MatchFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    if auth.0.is_token() {
        return Err(ApiError::forbidden(
            "insufficient-scope",
            "this API token does not have a scope that this operation accepts",
        ));
    }
    let status = closed_query::<MatchStatus>("status", f.status.as_deref())?;
    let programme_id = f
        .programme_id
        .as_deref()
        .map(|p| uuid_field(p, "programme_id"))
        .transpose()?;
    let mut only_mine = f.mine.unwrap_or(false) || programme_id.is_none();
    if let Some(p) = &programme_id {
        let a = programme_access(&state.db, &auth.0, p, Need::Member).await?;
        only_mine |= !a.manager;
    }
    let viewer = auth.0.user_id.clone();
    let page = matching::list_matches(
        &state.db,
        programme_id.as_deref(),
        only_mine.then_some(viewer.as_str()),
        status,
        &q.to_request()?,
    )
    .await?;
    let next = page.next_after.clone();
    let views = match_views(&state, page.items, &viewer).await?;
    Ok(page_response(
        &req,
        &state,
        peerhub_persistence::Page {
            items: views,
            next_after: next,
        },
        |v| v,
    ))
}

/// Read a match
///
/// No notes, and no private reasons except your own.
///
/// Access: the two participants, managers of the programme's network and
/// platform admins; anyone else gets 404.
#[utoipa::path(
    tag = "matches",
    operation_id = "getMatch",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Match id")),
    responses(
        (status = 200, description = "The match", body = MatchView, headers(("ETag" = String))),
        (status = 404, description = "No such match visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/matches/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let mid = uuid_param(&id, "match")?;
    let a = match_access(&state.db, &auth.0, &mid).await?;
    respond(&state, a.m, &auth.0.user_id).await
}

async fn act(
    state: &AppState,
    auth: &Auth,
    raw_id: &str,
    what: MatchAnswer,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let mid = uuid_param(raw_id, "match")?;
    let a = match_access(&state.db, &auth.0, &mid).await?;
    let m = matching::answer(&state.db, &auth.ctx(), a, &auth.0.user_id, what, reason).await?;
    respond(state, m, &auth.0.user_id).await
}

/// Accept a proposed match
///
/// When both have accepted it becomes active.
///
/// Access: the two participants only (a manager who is not in the match
/// gets 403 `not-participant`).
#[utoipa::path(
    tag = "matches",
    operation_id = "acceptMatch",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Match id")),
    responses(
        (status = 200, description = "Accepted (or active when both have)", body = MatchView, headers(("ETag" = String))),
        (status = 403, description = "`not-participant` (a manager who is not in the match)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such match visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-accepted`, `match-not-pending` (declined, expired, active or ended)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/matches/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    act(&state, &auth, &id, MatchAnswer::Accept, None).await
}

/// Decline a proposed match
///
/// Either participant, before or after accepting. Both requests wait for
/// the next run again; with `exclude_previous_pairs` the pair is never
/// proposed again.
///
/// Access: the two participants only (a manager who is not in the match
/// gets 403 `not-participant`).
#[utoipa::path(
    tag = "matches",
    operation_id = "declineMatch",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Match id")),
    responses(
        (status = 200, description = "Declined", body = MatchView, headers(("ETag" = String))),
        (status = 403, description = "`not-participant`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such match visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`match-not-pending`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/matches/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    act(&state, &auth, &id, MatchAnswer::Decline, None).await
}

/// Ending a match: no reason is needed.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "We met our goals"}))]
pub struct EndBody {
    /// Optional and private: shown only to you, never to the other person
    /// or managers. Up to 2,000 characters.
    #[validate(length(max = 10000))]
    pub reason: Option<String>,
}

/// End an active match
///
/// Either participant; no reason required. Feedback can then be given.
///
/// Access: the two participants only (a manager who is not in the match
/// gets 403 `not-participant`).
#[utoipa::path(
    tag = "matches",
    operation_id = "endMatch",
    security(("bearer" = [])),
    request_body(content = Option<EndBody>, description = "Optional: the body may be left out", example = json!({"reason": "We met our goals"})),
    params(("id" = uuid::Uuid, Path, description = "Match id")),
    responses(
        (status = 200, description = "Ended", body = MatchView, headers(("ETag" = String))),
        (status = 403, description = "`not-participant`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such match visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`match-not-active`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`reason` too long", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/matches/{id}/end")]
pub async fn end(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: OptionalJsonBody<EndBody>,
) -> ApiResult<HttpResponse> {
    let reason = body.0.reason;
    act(&state, &auth, &id, MatchAnswer::End, reason).await
}
