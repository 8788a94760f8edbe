//! A meeting's agenda.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, put, web};

use peerhub_domain::access::CommunityNeed;
use peerhub_persistence::meetings::{self};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::respond;
use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId};
use crate::problem::ApiResult;
use crate::routes::views::EX_USER_ID;
use crate::routes::views::meetings::{AgendaItemBody, MeetingView};
use crate::state::AppState;

/// The ordered agenda.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"title": "Welcome and apologies", "minutes": 10}, {"title": "Reflective practice: supervision models", "presenter_id": EX_USER_ID, "minutes": 30}]}))]
pub struct AgendaBody {
    /// At most 50 items, in order.
    pub items: Vec<AgendaItemBody>,
}

/// Replace a meeting's agenda
///
/// Bumps the calendar `SEQUENCE` (the agenda is in the event description)
/// and emits `meeting.updated`. Presenters must be current members of the
/// community.
///
/// Access: the community's core team, managers of its network and platform
/// admins.
#[utoipa::path(
    tag = "meetings",
    operation_id = "setMeetingAgenda",
    security(("bearer" = [])),
    request_body = AgendaBody,
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "The meeting with its new agenda", body = MeetingView, headers(("ETag" = String))),
        (status = 403, description = "Not the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`meeting-cancelled`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid items, a presenter who is not a member", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/meetings/{id}/agenda")]
pub async fn set_agenda(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<AgendaBody>,
) -> ApiResult<HttpResponse> {
    let items = body.0.items.into_iter().map(Into::into).collect();
    let m = meetings::set_agenda(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Core,
        items,
        if_match.0,
    )
    .await?;
    respond(StatusCode::OK, m)
}
