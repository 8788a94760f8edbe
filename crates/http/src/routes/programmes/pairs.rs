//! A manager's own pair of two requests.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use peerhub_domain::access::Need;
use peerhub_persistence::Failure;
use peerhub_persistence::matching::{self, ManualPair};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::EX_SUPPORTER_ID;
use crate::auth::Auth;
use crate::extract::{JsonBody, PathId};
use crate::problem::ApiResult;
use crate::routes::views::matches::{MatchView, match_views};
use crate::routes::views::{EX_REQUEST_ID, with_etag};
use crate::state::AppState;

/// A pair chosen by a manager.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"request_id": EX_REQUEST_ID, "supporter_id": EX_SUPPORTER_ID}))]
pub struct ManualPairBody {
    /// A waiting request (supporter programmes: the peer's).
    #[schema(format = Uuid)]
    pub request_id: String,
    /// Mutual programmes: the other waiting request.
    #[schema(format = Uuid)]
    pub other_request_id: Option<String>,
    /// Supporter programmes: a matchable supporter with a free place.
    #[schema(format = Uuid)]
    pub supporter_id: Option<String>,
}

/// Pair two people by hand
///
/// Checked against the hard constraints and the minimum score like a run's
/// pairs. It becomes a proposed match that both must accept.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "createManualMatch",
    security(("bearer" = [])),
    request_body = ManualPairBody,
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 201, description = "Proposed", body = MatchView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`request-not-waiting`, `supporter-full`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A constraint breaks (`supporter_id` or `other_request_id` with code `same_team`, `line_manager`, `previous_pair`, `below_minimum`, `same_person`), `supporter_not_matchable`, unknown ids", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/programmes/{id}/matches")]
pub async fn create_match(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<ManualPairBody>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let input = ManualPair {
        request_id: b.request_id,
        other_request_id: b.other_request_id,
        supporter_id: b.supporter_id,
    };
    let m = matching::create_manual_as(&state.db, &auth.ctx(), &auth.0, &id, Need::Manager, input)
        .await?;
    let version = m.version;
    let id = m.id.clone();
    let view = match_views(&state, vec![m], &auth.0.user_id)
        .await?
        .pop()
        .ok_or(Failure::not_found("match"))?;
    Ok(with_etag(
        StatusCode::CREATED,
        version,
        Some(format!("/v1/matches/{id}")),
    )
    .json(view))
}
