//! Matches and their consent lifecycle: proposed → accepted (by one) →
//! active (both) → ended; declined or expired on the way.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use peerhub_domain::access::Need;
use peerhub_domain::matching::lifecycle::{MatchAnswer, MatchStatus};
use peerhub_persistence::Failure;
use peerhub_persistence::entities::peer_match;
use peerhub_persistence::matching::{self, match_access, programme_access};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{OptionalJsonBody, PathId, closed_query, uuid_field};
use crate::pagination::{PageQuery, page_response};
use crate::problem::ApiResult;
use crate::routes::views::matches::{MatchView, match_views};
use crate::routes::views::with_etag;
use crate::state::AppState;

/// Registers this module's handlers (literal paths before templated ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(get_one)
        .service(accept)
        .service(decline)
        .service(end);
}

async fn respond(state: &AppState, m: peer_match::Model, viewer: &str) -> ApiResult<HttpResponse> {
    let version = m.version;
    let view = match_views(state, vec![m], viewer)
        .await?
        .pop()
        .ok_or(Failure::not_found("match"))?;
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
    auth.require_scope(None)?;
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
    id: PathId,
) -> ApiResult<HttpResponse> {
    let mid = id.0;
    let a = match_access(&state.db, &auth.0, &mid).await?;
    respond(&state, a.m, &auth.0.user_id).await
}

async fn act(
    state: &AppState,
    auth: &Auth,
    id: &str,
    what: MatchAnswer,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let m = matching::answer_as(&state.db, &auth.ctx(), &auth.0, id, what, reason).await?;
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
pub async fn accept(state: web::Data<AppState>, auth: Auth, id: PathId) -> ApiResult<HttpResponse> {
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
    id: PathId,
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
    id: PathId,
    body: OptionalJsonBody<EndBody>,
) -> ApiResult<HttpResponse> {
    let reason = body.0.reason;
    act(&state, &auth, &id, MatchAnswer::End, reason).await
}
