//! Meetings: scheduling and series, agenda, RSVP and attendance, and the
//! iCalendar feeds (per meeting, per community, per person).
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::calendar::{self, EventStatus, Organizer};
use peerhub_domain::meeting::{AgendaItem, Attendance, MeetingStatus, Rsvp};
use peerhub_persistence::access::{self, CommunityAccess};
use peerhub_persistence::entities::{action, meeting, meeting_series};
use peerhub_persistence::meetings::{self, ListFilter, MeetingPatch, NewMeeting, NewSeries};
use peerhub_persistence::{StoreError, minutes};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, etag, uuid_field, uuid_param};
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Registers this module's handlers (literal paths before templated ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(create_series)
        .service(community_calendar)
        .service(get_series)
        .service(cancel_series)
        .service(list)
        .service(get_one)
        .service(update)
        .service(cancel)
        .service(set_agenda)
        .service(rsvp)
        .service(get_attendance)
        .service(record_attendance)
        .service(meeting_calendar)
        .service(rotate_feed)
        .service(delete_feed)
        .service(feed);
}

pub(crate) const EX_MEETING_ID: &str = "0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e";
const EX_COMMUNITY_ID: &str = "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e";

/// Loads a meeting and checks the caller's standing in its community; a
/// meeting of a community the caller cannot see answers 404.
pub(crate) async fn meeting_access(
    state: &AppState,
    auth: &Auth,
    raw_id: &str,
    need: CommunityNeed,
) -> ApiResult<(meeting::Model, CommunityAccess)> {
    let id = uuid_param(raw_id, "meeting")?;
    let m = meetings::find(&state.db, &id).await?;
    let a = via_community(state, auth, &m.community_id, need, "meeting").await?;
    Ok((m, a))
}

/// The caller's standing in the community a thing (a meeting, a series, an
/// action) belongs to; a thing of a community the caller cannot see
/// answers 404 naming the thing, not the community.
pub(crate) async fn via_community(
    state: &AppState,
    auth: &Auth,
    community_id: &str,
    need: CommunityNeed,
    what: &'static str,
) -> ApiResult<CommunityAccess> {
    Ok(
        access::community_access(&state.db, &auth.0, community_id, need, None)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => StoreError::NotFound(what),
                e => e,
            })?,
    )
}

// ------------------------------------------------------------------ views

/// One agenda item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Reflective practice: supervision models", "presenter_id": super::EX_USER_ID, "minutes": 30}))]
pub struct AgendaItemBody {
    /// 1–500 characters.
    pub title: String,
    /// A current member of the community who presents the item.
    #[schema(format = Uuid)]
    pub presenter_id: Option<String>,
    /// Planned minutes, 1–720.
    pub minutes: Option<i32>,
}

impl From<AgendaItemBody> for AgendaItem {
    fn from(a: AgendaItemBody) -> Self {
        AgendaItem {
            title: a.title,
            presenter_id: a.presenter_id,
            minutes: a.minutes,
        }
    }
}

impl From<AgendaItem> for AgendaItemBody {
    fn from(a: AgendaItem) -> Self {
        AgendaItemBody {
            title: a.title,
            presenter_id: a.presenter_id,
            minutes: a.minutes,
        }
    }
}

/// A meeting.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_MEETING_ID, "community_id": EX_COMMUNITY_ID, "network_id": super::EX_NETWORK_ID, "series_id": null,
    "title": "Quarterly CoP meeting", "starts_at": "2027-03-29T09:00:00Z", "ends_at": "2027-03-29T11:00:00Z",
    "starts_at_local": "2027-03-29T10:00:00", "timezone": "Europe/London", "duration_minutes": 120,
    "mode": "teams", "location": null, "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
    "agenda": [{"title": "Welcome and apologies", "presenter_id": null, "minutes": 10}],
    "status": "scheduled", "cancel_reason": null, "cancelled_at": null,
    "ical_uid": "0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e@peerhub", "sequence": 0, "version": 1,
    "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"
}))]
pub struct MeetingView {
    pub id: String,
    pub community_id: String,
    pub network_id: String,
    /// The series this meeting is an occurrence of, if any.
    pub series_id: Option<String>,
    pub title: String,
    /// The start instant (UTC).
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The wall-clock start in `timezone`, as given.
    pub starts_at_local: String,
    /// IANA time zone, e.g. `Europe/London`.
    pub timezone: String,
    pub duration_minutes: i32,
    /// `in_person`, `teams`, `zoom` or `other`.
    pub mode: String,
    pub location: Option<String>,
    pub join_url: Option<String>,
    pub agenda: Vec<AgendaItemBody>,
    /// `scheduled`, `held` or `cancelled`.
    pub status: String,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The iCalendar `UID` (stable for the meeting's life).
    pub ical_uid: String,
    /// The iCalendar `SEQUENCE`: goes up on every change calendar clients see.
    pub sequence: i32,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn to_view(m: meeting::Model) -> MeetingView {
    let agenda = meetings::agenda_of(&m)
        .into_iter()
        .map(Into::into)
        .collect();
    MeetingView {
        ical_uid: meetings::ical_uid(&m.id),
        agenda,
        id: m.id,
        community_id: m.community_id,
        network_id: m.network_id,
        series_id: m.series_id,
        title: m.title,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        starts_at_local: m.starts_at_local,
        timezone: m.timezone,
        duration_minutes: m.duration_minutes,
        mode: m.mode,
        location: m.location,
        join_url: m.join_url,
        status: m.status,
        cancel_reason: m.cancel_reason,
        cancelled_at: m.cancelled_at,
        sequence: m.sequence,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// A tracked action from a meeting's minutes.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6f2-7777-7b3a-9d4e-2f1a0b9c8d7e", "community_id": EX_COMMUNITY_ID, "meeting_id": EX_MEETING_ID,
    "description": "Circulate the supervision models slides", "owner_id": super::EX_USER_ID, "owner_name": "Priya Shah",
    "due_on": "2027-04-12", "status": "open", "overdue": false, "done_at": null, "done_by": null, "version": 1,
    "created_at": "2027-03-30T09:00:00Z", "updated_at": "2027-03-30T09:00:00Z"
}))]
pub struct ActionView {
    pub id: String,
    pub community_id: String,
    /// The meeting whose minutes recorded it.
    pub meeting_id: String,
    pub description: String,
    pub owner_id: String,
    pub owner_name: String,
    pub due_on: NaiveDate,
    /// `open` or `done`.
    pub status: String,
    /// Open and past its due date.
    pub overdue: bool,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn action_view(a: action::Model, names: &HashMap<String, String>) -> ActionView {
    use peerhub_domain::meeting::{ActionStatus, is_overdue};
    let overdue = ActionStatus::parse(&a.status)
        .is_some_and(|s| is_overdue(s, a.due_on, Utc::now().date_naive()));
    ActionView {
        owner_name: names.get(&a.owner_id).cloned().unwrap_or_default(),
        overdue,
        id: a.id,
        community_id: a.community_id,
        meeting_id: a.meeting_id,
        description: a.description,
        owner_id: a.owner_id,
        due_on: a.due_on,
        status: a.status,
        done_at: a.done_at,
        done_by: a.done_by,
        version: a.version,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

/// A meeting with what a member needs before it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_MEETING_ID, "community_id": EX_COMMUNITY_ID, "network_id": super::EX_NETWORK_ID, "series_id": null,
    "title": "Quarterly CoP meeting", "starts_at": "2027-04-14T09:00:00Z", "ends_at": "2027-04-14T11:00:00Z",
    "starts_at_local": "2027-04-14T10:00:00", "timezone": "Europe/London", "duration_minutes": 120,
    "mode": "teams", "location": null, "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
    "agenda": [{"title": "Actions from the last meeting", "presenter_id": null, "minutes": 10}],
    "status": "scheduled", "cancel_reason": null, "cancelled_at": null,
    "ical_uid": "0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e@peerhub", "sequence": 0, "version": 1,
    "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z",
    "invitee_count": 12, "invited": true, "my_rsvp": "attending",
    "carried_actions": [{
        "id": "0193a6f2-7777-7b3a-9d4e-2f1a0b9c8d7e", "community_id": EX_COMMUNITY_ID, "meeting_id": "0193a6f2-8888-7b3a-9d4e-2f1a0b9c8d7e",
        "description": "Circulate the supervision models slides", "owner_id": super::EX_USER_ID, "owner_name": "Priya Shah",
        "due_on": "2027-02-01", "status": "open", "overdue": true, "done_at": null, "done_by": null, "version": 1,
        "created_at": "2027-01-20T09:00:00Z", "updated_at": "2027-01-20T09:00:00Z"
    }],
    "minutes_status": null
}))]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: MeetingView,
    /// People invited: the community's members when the meeting starts.
    pub invitee_count: usize,
    /// Whether I am invited.
    pub invited: bool,
    /// My answer, if I gave one: `attending`, `apologies` or `declined`.
    pub my_rsvp: Option<String>,
    /// Open actions of the community from earlier meetings.
    pub carried_actions: Vec<ActionView>,
    /// Status of the minutes I can see, if any: `draft`, `submitted` or `published`.
    pub minutes_status: Option<String>,
}

pub(crate) fn with_etag(
    status: StatusCode,
    version: i32,
    location: Option<String>,
) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::build(status);
    r.insert_header(("ETag", etag(version)));
    if let Some(l) = location {
        r.insert_header(("Location", l));
    }
    r
}

fn respond(status: StatusCode, m: meeting::Model) -> HttpResponse {
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/meetings/{}", m.id));
    with_etag(status, m.version, location).json(to_view(m))
}

// ------------------------------------------------------------- scheduling

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
    /// `in_person` (needs `location`), `teams` or `zoom` (need `join_url`), `other` (either).
    pub mode: String,
    #[validate(length(max = 1000))]
    pub location: Option<String>,
    /// Absolute http(s) URL.
    #[validate(length(max = 4000))]
    pub join_url: Option<String>,
    /// Ordered items (at most 50).
    #[serde(default)]
    pub agenda: Vec<AgendaItemBody>,
}

/// Schedule a meeting of a community (its core team or a manager).
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
    id: web::Path<String>,
    body: JsonBody<CreateMeeting>,
) -> ApiResult<HttpResponse> {
    let id = uuid_param(&id, "community")?;
    let c = access::community(&state.db, &auth.0, &id, CommunityNeed::Core, None).await?;
    let b = body.0;
    let m = meetings::create(
        &state.db,
        &auth.ctx(),
        &c,
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
    Ok(respond(StatusCode::CREATED, m))
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
    pub mode: Option<String>,
    #[validate(length(max = 1000))]
    pub location: Option<String>,
    #[validate(length(max = 4000))]
    pub join_url: Option<String>,
    /// Agenda copied to every occurrence.
    pub agenda: Option<Vec<AgendaItemBody>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesCadence {
    #[schema(example = 3)]
    pub every: i32,
    /// `weeks` or `months`.
    #[schema(example = "months")]
    pub unit: String,
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
    /// `active` or `cancelled`.
    pub status: String,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Every occurrence, in order (at most 52).
    pub meetings: Vec<MeetingView>,
}

fn series_view(s: meeting_series::Model, ms: Vec<meeting::Model>) -> SeriesView {
    SeriesView {
        cadence: SeriesCadence {
            every: s.cadence_every,
            unit: s.cadence_unit,
        },
        id: s.id,
        community_id: s.community_id,
        timezone: s.timezone,
        first_starts_at_local: s.first_starts_at_local,
        occurrences: s.occurrences,
        status: s.status,
        cancel_reason: s.cancel_reason,
        cancelled_at: s.cancelled_at,
        created_at: s.created_at,
        meetings: ms.into_iter().map(to_view).collect(),
    }
}

/// Schedule a series of meetings from the community's cadence (core team
/// or a manager). Each occurrence is its own meeting; all or nothing.
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
    id: web::Path<String>,
    body: JsonBody<CreateSeries>,
) -> ApiResult<HttpResponse> {
    let id = uuid_param(&id, "community")?;
    let c = access::community(&state.db, &auth.0, &id, CommunityNeed::Core, None).await?;
    let b = body.0;
    let (s, ms) = meetings::create_series(
        &state.db,
        &auth.ctx(),
        &c,
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
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/meeting-series/{}", s.id)))
        .json(series_view(s, ms)))
}

async fn series_access(
    state: &AppState,
    auth: &Auth,
    raw_id: &str,
    need: CommunityNeed,
) -> ApiResult<(meeting_series::Model, CommunityAccess)> {
    let id = uuid_param(raw_id, "meeting series")?;
    let s = meetings::find_series(&state.db, &id).await?;
    let a = via_community(state, auth, &s.community_id, need, "meeting series").await?;
    Ok((s, a))
}

/// Read a series with its meetings (members of the community, managers).
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
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (s, _) = series_access(&state, &auth, &id, CommunityNeed::Member).await?;
    let ms = meetings::series_meetings(&state.db, &s.id).await?;
    Ok(HttpResponse::Ok().json(series_view(s, ms)))
}

/// Why a meeting or series is cancelled.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Clashes with the regional conference; we will meet in April instead."}))]
pub struct CancelBody {
    /// 1–2,000 characters; sent to calendars and integrations.
    #[validate(length(max = 4000))]
    pub reason: String,
}

/// Cancel a series: its occurrences still to come are cancelled (each
/// emits `meeting.cancelled`); past and held ones stay.
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
    id: web::Path<String>,
    body: JsonBody<CancelBody>,
) -> ApiResult<HttpResponse> {
    let (s, a) = series_access(&state, &auth, &id, CommunityNeed::Core).await?;
    let (s, _) =
        meetings::cancel_series(&state.db, &auth.ctx(), &a.community, &s.id, &body.0.reason)
            .await?;
    let ms = meetings::series_meetings(&state.db, &s.id).await?;
    Ok(HttpResponse::Ok().json(series_view(s, ms)))
}

// ------------------------------------------------------------ reading

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingFilter {
    /// Only this community's meetings.
    #[param(format = Uuid)]
    pub community_id: Option<String>,
    /// Only this series' meetings.
    #[param(format = Uuid)]
    pub series_id: Option<String>,
    /// Meetings starting at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Meetings starting before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `scheduled`, `held` or `cancelled`.
    pub status: Option<String>,
}

crate::page_schema!(MeetingPage, MeetingView);

/// List meetings of the communities I belong to (all communities of the
/// networks I manage), by start time.
#[utoipa::path(
    tag = "meetings",
    operation_id = "listMeetings",
    security(("bearer" = [])),
    params(MeetingFilter, PageQuery),
    responses(
        (status = 200, description = "Meetings by start time", body = MeetingPage),
        (status = 403, description = "Not a member of that community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<MeetingFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    if auth.0.is_token() {
        return Err(ApiError::forbidden(
            "insufficient-scope",
            "this API token does not have a scope that this operation accepts",
        ));
    }
    let community_id = f
        .community_id
        .as_deref()
        .map(|c| uuid_field(c, "community_id"))
        .transpose()?;
    if let Some(c) = &community_id {
        access::community(&state.db, &auth.0, c, CommunityNeed::Member, None).await?;
    }
    let series_id = f
        .series_id
        .as_deref()
        .map(|s| uuid_field(s, "series_id"))
        .transpose()?;
    let status = f
        .status
        .as_deref()
        .map(|s| {
            MeetingStatus::parse_field(s).map_err(|e| ApiError::field("status", e.code, e.message))
        })
        .transpose()?;
    if let (Some(from), Some(to)) = (f.from, f.to)
        && to < from
    {
        return Err(ApiError::field(
            "to",
            "before_from",
            "must not be before `from`",
        ));
    }
    let page = meetings::list(
        &state.db,
        &auth.0,
        &ListFilter {
            community_id,
            series_id,
            from: f.from,
            to: f.to,
            status,
        },
        &q.to_request()?,
    )
    .await?;
    Ok(page_response(&req, &state, page, to_view))
}

/// Read a meeting with its agenda, my RSVP and the community's open
/// actions carried from earlier meetings (members of the community,
/// managers).
#[utoipa::path(
    tag = "meetings",
    operation_id = "getMeeting",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The meeting", body = MeetingDetail, headers(("ETag" = String))),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (m, a) = meeting_access(&state, &auth, &id, CommunityNeed::Member).await?;
    let invitees = meetings::invitee_ids(&state.db, &m).await?;
    let my_rsvp = meetings::response_of(&state.db, &m.id, &auth.0.user_id)
        .await?
        .and_then(|r| r.rsvp);
    let carried = minutes::carried(&state.db, &m).await?;
    let names = meetings::display_names(
        &state.db,
        carried.iter().map(|a| a.owner_id.clone()).collect(),
    )
    .await?;
    let sees_drafts = a.role.is_some_and(|r| r.is_core());
    let minutes_status = if sees_drafts {
        minutes::working_copy(&state.db, &m.id)
            .await?
            .map(|w| w.status)
    } else {
        minutes::published(&state.db, &m.id)
            .await?
            .map(|_| "published".to_owned())
    };
    let version = m.version;
    let detail = MeetingDetail {
        invitee_count: invitees.len(),
        invited: invitees.contains(&auth.0.user_id),
        my_rsvp,
        carried_actions: carried
            .into_iter()
            .map(|x| action_view(x, &names))
            .collect(),
        minutes_status,
        meeting: to_view(m),
    };
    Ok(with_etag(StatusCode::OK, version, None).json(detail))
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
    pub mode: Option<String>,
    #[validate(length(max = 1000))]
    pub location: Option<String>,
    #[validate(length(max = 4000))]
    pub join_url: Option<String>,
}

/// Change one meeting (core team or a manager). Other occurrences of its
/// series do not move. Bumps the calendar `SEQUENCE`; emits
/// `meeting.updated`.
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
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<MeetingPatchBody>,
) -> ApiResult<HttpResponse> {
    let (m, a) = meeting_access(&state, &auth, &id, CommunityNeed::Core).await?;
    let b = body.0;
    let m = meetings::update(
        &state.db,
        &auth.ctx(),
        &a.community,
        &m.id,
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
    Ok(respond(StatusCode::OK, m))
}

/// Cancel a meeting that has not been held (core team or a manager).
/// Calendars show it as cancelled; emits `meeting.cancelled`.
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
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<CancelBody>,
) -> ApiResult<HttpResponse> {
    let (m, a) = meeting_access(&state, &auth, &id, CommunityNeed::Core).await?;
    let m = meetings::cancel(
        &state.db,
        &auth.ctx(),
        &a.community,
        &m.id,
        &body.0.reason,
        if_match.0,
    )
    .await?;
    Ok(respond(StatusCode::OK, m))
}

/// The ordered agenda.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"title": "Welcome and apologies", "minutes": 10}, {"title": "Reflective practice: supervision models", "presenter_id": super::EX_USER_ID, "minutes": 30}]}))]
pub struct AgendaBody {
    /// At most 50 items, in order.
    pub items: Vec<AgendaItemBody>,
}

/// Replace a meeting's agenda (core team or a manager). Bumps the
/// calendar `SEQUENCE` (the agenda is in the event description).
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
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<AgendaBody>,
) -> ApiResult<HttpResponse> {
    let (m, a) = meeting_access(&state, &auth, &id, CommunityNeed::Core).await?;
    let items = body.0.items.into_iter().map(Into::into).collect();
    let m = meetings::set_agenda(
        &state.db,
        &auth.ctx(),
        &a.community,
        &m.id,
        items,
        if_match.0,
    )
    .await?;
    Ok(respond(StatusCode::OK, m))
}

// ------------------------------------------------------ RSVP, attendance

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"response": "attending"}))]
pub struct RsvpBody {
    /// `attending`, `apologies` or `declined`.
    pub response: String,
}

/// My answer to a meeting invitation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"meeting_id": EX_MEETING_ID, "user_id": super::EX_USER_ID, "response": "attending", "responded_at": "2026-11-21T09:00:00Z"}))]
pub struct RsvpView {
    pub meeting_id: String,
    pub user_id: String,
    pub response: String,
    pub responded_at: Option<DateTime<Utc>>,
}

/// Answer an invitation (people invited: the community's members), until
/// the meeting starts.
#[utoipa::path(
    tag = "meetings",
    operation_id = "rsvpMeeting",
    security(("bearer" = [])),
    request_body = RsvpBody,
    params(("id" = uuid::Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "Recorded", body = RsvpView),
        (status = 403, description = "Not invited (`not-invited`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`meeting-cancelled`, `meeting-started`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid response", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/meetings/{id}/rsvp")]
pub async fn rsvp(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: JsonBody<RsvpBody>,
) -> ApiResult<HttpResponse> {
    let (m, _) = meeting_access(&state, &auth, &id, CommunityNeed::Member).await?;
    let response = Rsvp::parse_field(&body.0.response)
        .map_err(|e| ApiError::field("response", e.code, e.message))?;
    let r = meetings::rsvp(&state.db, &auth.ctx(), &m.id, &auth.0.user_id, response).await?;
    Ok(HttpResponse::Ok().json(RsvpView {
        meeting_id: r.meeting_id,
        user_id: r.user_id,
        response: r.rsvp.unwrap_or_default(),
        responded_at: r.rsvp_at,
    }))
}

/// One invitee's answer and attendance.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceEntryView {
    pub user_id: String,
    pub display_name: String,
    /// Their answer, if any.
    pub rsvp: Option<String>,
    /// What the core team recorded, if anything.
    pub recorded: Option<String>,
    /// `present`, `apologies` or `absent`: `recorded`, else from the RSVP
    /// (attending → present, apologies → apologies, declined or none → absent).
    pub status: String,
}

/// Who was invited, their answers and attendance.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "meeting_id": EX_MEETING_ID, "meeting_status": "held",
    "present": 1, "apologies": 1, "absent": 0,
    "entries": [
        {"user_id": super::EX_USER_ID, "display_name": "Priya Shah", "rsvp": "attending", "recorded": null, "status": "present"},
        {"user_id": "0193a6f2-3333-7b3a-9d4e-2f1a0b9c8d7e", "display_name": "Sam Okafor", "rsvp": null, "recorded": "apologies", "status": "apologies"}
    ]
}))]
pub struct AttendanceView {
    pub meeting_id: String,
    pub meeting_status: String,
    pub present: usize,
    pub apologies: usize,
    pub absent: usize,
    /// Everyone invited, by name (bounded by the community's capacity).
    pub entries: Vec<AttendanceEntryView>,
}

async fn attendance_view(state: &AppState, m: &meeting::Model) -> ApiResult<AttendanceView> {
    let entries = meetings::attendance(&state.db, m).await?;
    let count = |s: Attendance| entries.iter().filter(|e| e.status == s).count();
    Ok(AttendanceView {
        meeting_id: m.id.clone(),
        meeting_status: m.status.clone(),
        present: count(Attendance::Present),
        apologies: count(Attendance::Apologies),
        absent: count(Attendance::Absent),
        entries: entries
            .into_iter()
            .map(|e| AttendanceEntryView {
                user_id: e.user_id,
                display_name: e.display_name,
                rsvp: e.rsvp.map(|r| r.as_str().to_owned()),
                recorded: e.recorded.map(|r| r.as_str().to_owned()),
                status: e.status.as_str().to_owned(),
            })
            .collect(),
    })
}

/// Invitees with their RSVPs and attendance (core team or a manager).
#[utoipa::path(
    tag = "meetings",
    operation_id = "getMeetingAttendance",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "Invitees and attendance", body = AttendanceView),
        (status = 403, description = "Not the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}/attendance")]
pub async fn get_attendance(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (m, _) = meeting_access(&state, &auth, &id, CommunityNeed::Core).await?;
    Ok(HttpResponse::Ok().json(attendance_view(&state, &m).await?))
}

/// One attendance record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceInput {
    #[schema(format = Uuid)]
    pub user_id: String,
    /// `present`, `apologies` or `absent`.
    pub status: String,
}

/// Attendance records; people not listed keep what they had.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(example = json!([{"user_id": super::EX_USER_ID, "status": "present"}, {"user_id": "0193a6f2-3333-7b3a-9d4e-2f1a0b9c8d7e", "status": "apologies"}]))]
pub struct AttendanceBody(pub Vec<AttendanceInput>);

impl Validate for AttendanceBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// Record attendance once the meeting has started (core team or a
/// manager); marks the meeting held.
#[utoipa::path(
    tag = "meetings",
    operation_id = "recordMeetingAttendance",
    security(("bearer" = [])),
    request_body = AttendanceBody,
    params(("id" = uuid::Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "Everyone's attendance after the change", body = AttendanceView),
        (status = 403, description = "Not the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`meeting-cancelled`, `meeting-not-started`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid status, someone not invited, a duplicate", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/meetings/{id}/attendance")]
pub async fn record_attendance(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: JsonBody<AttendanceBody>,
) -> ApiResult<HttpResponse> {
    let (m, _) = meeting_access(&state, &auth, &id, CommunityNeed::Core).await?;
    if body.0.0.len() > 1000 {
        return Err(ApiError::field("body", "too_many", "at most 1000 records"));
    }
    let mut v = peerhub_domain::Violations::new();
    let mut entries = Vec::with_capacity(body.0.0.len());
    for (i, e) in body.0.0.iter().enumerate() {
        let status = v.check(&format!("[{i}].status"), Attendance::parse_field(&e.status));
        if let Some(s) = status {
            entries.push((e.user_id.trim().to_ascii_lowercase(), s));
        }
    }
    v.into_result().map_err(ApiError::from)?;
    let m = meetings::record_attendance(&state.db, &auth.ctx(), &m.id, entries).await?;
    Ok(HttpResponse::Ok().json(attendance_view(&state, &m).await?))
}

// ------------------------------------------------------------- iCalendar

/// The text of a meeting's calendar entry: agenda, join link, location.
fn description(m: &meeting::Model, community_name: &str) -> String {
    let mut out = format!("{community_name}\n");
    if let Some(r) = &m.cancel_reason {
        out.push_str(&format!("\nCancelled: {r}\n"));
    }
    if let Some(u) = &m.join_url {
        out.push_str(&format!("\nJoin online: {u}\n"));
    }
    if let Some(l) = &m.location {
        out.push_str(&format!("\nLocation: {l}\n"));
    }
    let agenda = meetings::agenda_of(m);
    if !agenda.is_empty() {
        out.push_str("\nAgenda:\n");
        for (i, a) in agenda.iter().enumerate() {
            match a.minutes {
                Some(n) => out.push_str(&format!("{}. {} ({n} min)\n", i + 1, a.title)),
                None => out.push_str(&format!("{}. {}\n", i + 1, a.title)),
            }
        }
    }
    out.trim_end().to_owned()
}

/// Renders meetings as one RFC 5545 calendar.
pub fn render_calendar(
    name: &str,
    ms: &[meeting::Model],
    community_names: &HashMap<String, String>,
    organizer_email: &str,
) -> String {
    let descriptions: Vec<(String, &str)> = ms
        .iter()
        .map(|m| {
            let cname = community_names
                .get(&m.community_id)
                .map(String::as_str)
                .unwrap_or("");
            (description(m, cname), cname)
        })
        .collect();
    let uids: Vec<String> = ms.iter().map(|m| meetings::ical_uid(&m.id)).collect();
    let events: Vec<calendar::Event<'_>> = ms
        .iter()
        .zip(descriptions.iter())
        .zip(uids.iter())
        .filter_map(|((m, (desc, cname)), uid)| {
            let tz = calendar::parse_timezone(&m.timezone).ok()?;
            Some(calendar::Event {
                uid,
                sequence: m.sequence,
                status: if m.status == MeetingStatus::Cancelled.as_str() {
                    EventStatus::Cancelled
                } else {
                    EventStatus::Confirmed
                },
                summary: &m.title,
                description: desc,
                location: m.location.as_deref().or(m.join_url.as_deref()),
                url: m.join_url.as_deref(),
                tz,
                start: m.starts_at,
                duration_minutes: m.duration_minutes,
                created: m.created_at,
                last_modified: m.updated_at,
                organizer: Some(Organizer {
                    name: cname,
                    email: organizer_email,
                }),
            })
        })
        .collect();
    calendar::render(name, &events)
}

fn ics_response(body: String, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{filename}.ics\""),
        ))
        .insert_header(("Cache-Control", "private, no-cache"))
        .body(body)
}

/// A meeting as an RFC 5545 calendar (members of the community, managers).
#[utoipa::path(
    tag = "calendars",
    operation_id = "getMeetingCalendar",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "iCalendar with one VEVENT", content_type = "text/calendar", body = String),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}/calendar.ics")]
pub async fn meeting_calendar(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (m, a) = meeting_access(&state, &auth, &id, CommunityNeed::Member).await?;
    let names = HashMap::from([(a.community.id.clone(), a.community.name.clone())]);
    let body = render_calendar(
        &m.title,
        std::slice::from_ref(&m),
        &names,
        &state.settings.organizer_email,
    );
    Ok(ics_response(body, "meeting"))
}

/// Every meeting of a community as an RFC 5545 calendar (members of the
/// community, managers).
#[utoipa::path(
    tag = "calendars",
    operation_id = "getCommunityCalendar",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Community id")),
    responses(
        (status = 200, description = "iCalendar with every meeting, cancelled ones marked `STATUS:CANCELLED`", content_type = "text/calendar", body = String),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/communities/{id}/calendar.ics")]
pub async fn community_calendar(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = uuid_param(&id, "community")?;
    let c = access::community(&state.db, &auth.0, &id, CommunityNeed::Member, None).await?;
    let ms = meetings::of_community(&state.db, &c.id).await?;
    let names = HashMap::from([(c.id.clone(), c.name.clone())]);
    let body = render_calendar(&c.name, &ms, &names, &state.settings.organizer_email);
    Ok(ics_response(body, "community"))
}

/// My calendar feed's address. The secret is shown once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "url": "https://api.example.org/v1/calendar-feeds/Zk3q9w0mXcV1b2n3m4a5s6d7f8g9h0j1k2l3z4x5c6v.ics",
    "webcal_url": "webcal://api.example.org/v1/calendar-feeds/Zk3q9w0mXcV1b2n3m4a5s6d7f8g9h0j1k2l3z4x5c6v.ics",
    "secret": "Zk3q9w0mXcV1b2n3m4a5s6d7f8g9h0j1k2l3z4x5c6v"
}))]
pub struct FeedView {
    /// Subscribe a calendar app to this URL. Anyone with it can read your
    /// meetings; rotate it if it leaks.
    pub url: String,
    /// The same feed with the `webcal:` scheme, which opens calendar apps.
    pub webcal_url: String,
    pub secret: String,
}

/// Create or rotate my personal calendar feed: a secret URL with every
/// meeting I am invited to. The previous URL stops working at once.
#[utoipa::path(
    tag = "calendars",
    operation_id = "rotateCalendarFeed",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new feed URL (shown once)", body = FeedView),
        (status = 403, description = "API tokens cannot manage feeds", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/calendar-feed")]
pub async fn rotate_feed(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    access::own_account(&auth.0, None)?;
    let secret = meetings::rotate_feed(&state.db, &auth.ctx(), &auth.0.user_id).await?;
    let url = format!(
        "{}/v1/calendar-feeds/{secret}.ics",
        state.settings.public_base_url.trim_end_matches('/')
    );
    let webcal_url = match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.clone(),
    };
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(FeedView {
            url,
            webcal_url,
            secret,
        }))
}

/// Switch my calendar feed off; its URL stops working.
#[utoipa::path(
    tag = "calendars",
    operation_id = "deleteCalendarFeed",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Switched off"),
        (status = 403, description = "API tokens cannot manage feeds", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No feed to switch off", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/me/calendar-feed")]
pub async fn delete_feed(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    access::own_account(&auth.0, None)?;
    if meetings::delete_feed(&state.db, &auth.ctx(), &auth.0.user_id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found("calendar feed"))
    }
}

/// A person's calendar feed, for calendar apps: every meeting they are
/// invited to from a year ago on, cancelled ones included. No bearer
/// token: the secret in the URL is the credential; an old or unknown
/// secret answers 404.
#[utoipa::path(
    tag = "calendars",
    operation_id = "getCalendarFeed",
    security(()),
    params(("secret" = String, Path, description = "The feed secret from POST /v1/me/calendar-feed")),
    responses(
        (status = 200, description = "iCalendar", content_type = "text/calendar", body = String),
        (status = 404, description = "No such feed", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calendar-feeds/{secret}.ics")]
pub async fn feed(
    state: web::Data<AppState>,
    secret: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let secret = secret.into_inner();
    if secret.is_empty() || secret.len() > 128 {
        return Err(ApiError::not_found("calendar feed"));
    }
    let u = meetings::feed_owner(&state.db, &secret).await?;
    let ms = meetings::of_person(&state.db, &u.id, Utc::now()).await?;
    let mut ids: Vec<String> = ms.iter().map(|m| m.community_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let names = meetings::community_names(&state.db, ids).await?;
    let body = render_calendar(
        &format!("PeerHub: {}", u.display_name),
        &ms,
        &names,
        &state.settings.organizer_email,
    );
    Ok(ics_response(body, "peerhub"))
}
