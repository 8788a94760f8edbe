//! Scheduling a meeting, changing it and cancelling it.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, patch, post, web};

use peerhub_domain::access::CommunityNeed;
use peerhub_domain::meeting::MeetingDeliveryMode;
use peerhub_persistence::meetings::{self, MeetingPatch, NewMeeting};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::{CancelBody, respond};
use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId};
use crate::problem::ApiResult;
use crate::routes::views::meetings::{AgendaItemBody, MeetingView};
use crate::state::AppState;

/// A meeting to schedule.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Quarterly CoP meeting", "starts_at_local": "2027-03-29T10:00", "timezone": "Europe/London",
    "duration_minutes": 120, "mode": "teams", "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
    "agenda": [{"title": "Welcome and apologies", "minutes": 10}, {"title": "Case discussion", "minutes": 60}]
}))]
pub struct CreateMeeting {
    #[validate(length(max = 1000))]
    pub title: String,
    /// Local wall-clock start, `YYYY-MM-DDTHH:MM[:SS]`, without an offset.
    /// A time skipped or repeated by a clock change is refused (422
    /// `nonexistent_local_time` / `ambiguous_local_time`).
    #[schema(example = "2027-03-29T10:00")]
    #[validate(length(max = 64))]
    pub starts_at_local: String,
    /// IANA time zone name.
    #[schema(example = "Europe/London")]
    #[validate(length(max = 64))]
    pub timezone: String,
    /// 1–720 (12 hours).
    pub duration_minutes: i32,
    /// `in_person` needs `location`; `teams` and `zoom` need `join_url`;
    /// `other` needs one of them.
    pub mode: MeetingDeliveryMode,
    #[validate(length(max = 1000))]
    pub location: Option<String>,
    /// Absolute http(s) URL.
    #[validate(length(max = 4000))]
    pub join_url: Option<String>,
    /// Ordered items (at most 50).
    #[serde(default)]
    pub agenda: Vec<AgendaItemBody>,
}

/// Schedule a meeting of a community
///
/// Schedules one meeting and emits `meeting.scheduled`. The start is a
/// wall-clock time in `timezone`; a time that a clock change skips or
/// repeats is refused.
///
/// Access: the community's core team (chair, co-chair, secretary), managers
/// of its network and platform admins.
#[utoipa::path(
    tag = "meetings",
    operation_id = "createMeeting",
    security(("bearer" = [])),
    request_body = CreateMeeting,
    params(("id" = uuid::Uuid, Path, description = "Community id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Scheduled; emits `meeting.scheduled`", body = MeetingView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`community-archived`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown time zone, a local time skipped or repeated by a clock change", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/communities/{id}/meetings")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<CreateMeeting>,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let b = body.0;
    let m = meetings::create(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Core,
        NewMeeting {
            title: b.title,
            starts_at_local: b.starts_at_local,
            timezone: b.timezone,
            duration_minutes: b.duration_minutes,
            mode: b.mode,
            location: b.location,
            join_url: b.join_url,
            agenda: b.agenda.into_iter().map(Into::into).collect(),
        },
    )
    .await?;
    respond(StatusCode::CREATED, m)
}

// ------------------------------------------------------------- changing

/// Changes to a meeting; absent fields stay. An empty `location` or
/// `join_url` removes it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts_at_local": "2027-03-29T14:00", "join_url": "https://teams.microsoft.com/l/meetup-join/new"}))]
pub struct MeetingPatchBody {
    #[validate(length(max = 1000))]
    pub title: Option<String>,
    #[validate(length(max = 64))]
    pub starts_at_local: Option<String>,
    #[validate(length(max = 64))]
    pub timezone: Option<String>,
    pub duration_minutes: Option<i32>,
    /// How the meeting is held; checked with `location` and `join_url` as
    /// they will be after the change.
    #[serde(default)]
    pub mode: Option<MeetingDeliveryMode>,
    #[validate(length(max = 1000))]
    pub location: Option<String>,
    #[validate(length(max = 4000))]
    pub join_url: Option<String>,
}

/// Change one meeting
///
/// Other occurrences of its series do not move. Bumps the calendar
/// `SEQUENCE`; emits `meeting.updated`.
///
/// Access: the community's core team, managers of its network and platform
/// admins.
#[utoipa::path(
    tag = "meetings",
    operation_id = "updateMeeting",
    security(("bearer" = [])),
    request_body = MeetingPatchBody,
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Updated", body = MeetingView, headers(("ETag" = String))),
        (status = 403, description = "Not the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`meeting-cancelled`, `community-archived`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/meetings/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<MeetingPatchBody>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let m = meetings::update(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Core,
        MeetingPatch {
            title: b.title,
            starts_at_local: b.starts_at_local,
            timezone: b.timezone,
            duration_minutes: b.duration_minutes,
            mode: b.mode,
            location: b.location,
            join_url: b.join_url,
        },
        if_match.0,
    )
    .await?;
    respond(StatusCode::OK, m)
}

/// Cancel a meeting that has not been held
///
/// Calendars show it as cancelled; emits `meeting.cancelled`. A held
/// meeting cannot be cancelled (409 `meeting-held`).
///
/// Access: the community's core team, managers of its network and platform
/// admins.
#[utoipa::path(
    tag = "meetings",
    operation_id = "cancelMeeting",
    security(("bearer" = [])),
    request_body = CancelBody,
    params(("id" = uuid::Uuid, Path, description = "Meeting id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Cancelled", body = MeetingView, headers(("ETag" = String))),
        (status = 403, description = "Not the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`meeting-cancelled`, `meeting-held`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meetings/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<CancelBody>,
) -> ApiResult<HttpResponse> {
    let m = meetings::cancel(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Core,
        &body.0.reason,
        if_match.0,
    )
    .await?;
    respond(StatusCode::OK, m)
}
