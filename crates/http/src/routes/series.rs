//! Meeting series: scheduling a run of meetings from the community's
//! cadence, reading a series and cancelling what is still to come.
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::community::CadenceUnit;
use peerhub_domain::meeting::{MeetingDeliveryMode, SeriesStatus};
use peerhub_persistence::entities::{meeting, meeting_series};
use peerhub_persistence::meetings::{self, NewSeries};
use peerhub_persistence::stored::decode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::meetings::CancelBody;
use crate::auth::Auth;
use crate::extract::{JsonBody, PathId};
use crate::problem::ApiResult;
use crate::routes::views::meetings::{AgendaItemBody, MeetingView, to_view};
use crate::routes::views::{EX_COMMUNITY_ID, EX_MEETING_ID};
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_series)
        .service(get_series)
        .service(cancel_series);
}

/// A series from the community's cadence.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "first_starts_at_local": "2027-01-12T10:00", "timezone": "Europe/London", "count": 4,
    "mode": "teams", "join_url": "https://teams.microsoft.com/l/meetup-join/abc"
}))]
pub struct CreateSeries {
    /// Local wall-clock start of the first occurrence; every occurrence
    /// keeps this wall-clock time across clock changes.
    #[validate(length(max = 64))]
    pub first_starts_at_local: String,
    #[validate(length(max = 64))]
    pub timezone: String,
    /// How many occurrences, 1–52. Give `count` or `until`.
    pub count: Option<i64>,
    /// Last local date an occurrence may fall on (inclusive); at most 52 occurrences.
    pub until: Option<NaiveDate>,
    /// Default: the community's name.
    #[validate(length(max = 1000))]
    pub title: Option<String>,
    /// Default: the community's meeting duration.
    pub duration_minutes: Option<i32>,
    /// Default: `in_person` for in-person communities, otherwise `teams`.
    #[serde(default)]
    pub mode: Option<MeetingDeliveryMode>,
    #[validate(length(max = 1000))]
    pub location: Option<String>,
    #[validate(length(max = 4000))]
    pub join_url: Option<String>,
    /// Agenda copied to every occurrence.
    pub agenda: Option<Vec<AgendaItemBody>>,
}

/// How often a series' meetings recur.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesCadence {
    /// Every how many `unit`s.
    #[schema(example = 3)]
    pub every: i32,
    #[schema(example = "months")]
    pub unit: CadenceUnit,
}

/// A series and its meetings.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e", "community_id": EX_COMMUNITY_ID, "timezone": "Europe/London",
    "first_starts_at_local": "2027-01-14T10:00:00", "cadence": {"every": 3, "unit": "months"}, "occurrences": 2,
    "status": "active", "cancel_reason": null, "cancelled_at": null, "created_at": "2026-11-21T09:00:00Z",
    "meetings": [
        {"id": EX_MEETING_ID, "community_id": EX_COMMUNITY_ID, "network_id": super::EX_NETWORK_ID, "series_id": "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e",
         "title": "Psychological Practitioners", "starts_at": "2027-01-14T10:00:00Z", "ends_at": "2027-01-14T12:00:00Z",
         "starts_at_local": "2027-01-14T10:00:00", "timezone": "Europe/London", "duration_minutes": 120, "mode": "teams",
         "location": null, "join_url": "https://teams.microsoft.com/l/meetup-join/abc", "agenda": [], "status": "scheduled",
         "cancel_reason": null, "cancelled_at": null, "ical_uid": "0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e@peerhub",
         "sequence": 0, "version": 1, "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"},
        {"id": "0193a6f2-6667-7b3a-9d4e-2f1a0b9c8d7e", "community_id": EX_COMMUNITY_ID, "network_id": super::EX_NETWORK_ID, "series_id": "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e",
         "title": "Psychological Practitioners", "starts_at": "2027-04-14T09:00:00Z", "ends_at": "2027-04-14T11:00:00Z",
         "starts_at_local": "2027-04-14T10:00:00", "timezone": "Europe/London", "duration_minutes": 120, "mode": "teams",
         "location": null, "join_url": "https://teams.microsoft.com/l/meetup-join/abc", "agenda": [], "status": "scheduled",
         "cancel_reason": null, "cancelled_at": null, "ical_uid": "0193a6f2-6667-7b3a-9d4e-2f1a0b9c8d7e@peerhub",
         "sequence": 0, "version": 1, "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"}
    ]
}))]
pub struct SeriesView {
    pub id: String,
    pub community_id: String,
    pub timezone: String,
    pub first_starts_at_local: String,
    /// The community's cadence when the series was made.
    pub cadence: SeriesCadence,
    /// How many meetings it created.
    pub occurrences: i32,
    /// Where the series stands.
    pub status: SeriesStatus,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Every occurrence, in order (at most 52).
    pub meetings: Vec<MeetingView>,
}

fn series_view(s: meeting_series::Model, ms: Vec<meeting::Model>) -> ApiResult<SeriesView> {
    Ok(SeriesView {
        cadence: SeriesCadence {
            every: s.cadence_every,
            unit: decode("meeting_series.cadence_unit", &s.cadence_unit)?,
        },
        status: meetings::series_status_of(&s)?,
        id: s.id,
        community_id: s.community_id,
        timezone: s.timezone,
        first_starts_at_local: s.first_starts_at_local,
        occurrences: s.occurrences,
        cancel_reason: s.cancel_reason,
        cancelled_at: s.cancelled_at,
        created_at: s.created_at,
        meetings: ms.into_iter().map(to_view).collect::<ApiResult<_>>()?,
    })
}

/// Schedule a series of meetings from the community's cadence
///
/// Each occurrence is its own meeting (linked by `series_id`) and emits
/// `meeting.scheduled`; all or nothing. Give `count` (1–52) or `until` (a
/// local date, inclusive, at most 52 occurrences), exactly one of them.
///
/// Access: the community's core team (chair, co-chair, secretary), managers
/// of its network and platform admins.
#[utoipa::path(
    tag = "meetings",
    operation_id = "createMeetingSeries",
    security(("bearer" = [])),
    request_body = CreateSeries,
    params(("id" = uuid::Uuid, Path, description = "Community id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Scheduled; one `meeting.scheduled` per occurrence", body = SeriesView, headers(("Location" = String))),
        (status = 403, description = "Not the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`community-archived`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: `count` and `until` both or neither, more than 52 occurrences, `until` before the start, an occurrence in a clock change", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/communities/{id}/meeting-series")]
pub async fn create_series(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<CreateSeries>,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let b = body.0;
    let (s, ms) = meetings::create_series_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Core,
        NewSeries {
            first_starts_at_local: b.first_starts_at_local,
            timezone: b.timezone,
            count: b.count,
            until: b.until,
            title: b.title,
            duration_minutes: b.duration_minutes,
            mode: b.mode,
            location: b.location,
            join_url: b.join_url,
            agenda: b.agenda.map(|a| a.into_iter().map(Into::into).collect()),
        },
    )
    .await?;
    let location = format!("/v1/meeting-series/{}", s.id);
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .json(series_view(s, ms)?))
}

/// Read a series with its meetings
///
/// The series, the cadence it was made with, and every occurrence in
/// order.
///
/// Access: members of the community, managers of its network and platform
/// admins.
#[utoipa::path(
    tag = "meetings",
    operation_id = "getMeetingSeries",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Series id")),
    responses(
        (status = 200, description = "The series", body = SeriesView),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such series visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meeting-series/{id}")]
pub async fn get_series(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let (s, _) = meetings::series_access(&state.db, &auth.0, &id, CommunityNeed::Member).await?;
    let ms = meetings::series_meetings(&state.db, &s.id).await?;
    Ok(HttpResponse::Ok().json(series_view(s, ms)?))
}

/// Cancel a series and its meetings still to come
///
/// The occurrences still to come are cancelled (each emits
/// `meeting.cancelled`); past and held ones stay as they are.
///
/// Access: the community's core team, managers of its network and platform
/// admins.
#[utoipa::path(
    tag = "meetings",
    operation_id = "cancelMeetingSeries",
    security(("bearer" = [])),
    request_body = CancelBody,
    params(("id" = uuid::Uuid, Path, description = "Series id")),
    responses(
        (status = 200, description = "Cancelled; the series with all its meetings", body = SeriesView),
        (status = 403, description = "Not the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such series visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`series-cancelled`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meeting-series/{id}/cancel")]
pub async fn cancel_series(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<CancelBody>,
) -> ApiResult<HttpResponse> {
    let (s, _) = meetings::cancel_series(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Core,
        &body.0.reason,
    )
    .await?;
    let ms = meetings::series_meetings(&state.db, &s.id).await?;
    Ok(HttpResponse::Ok().json(series_view(s, ms)?))
}
