//! Meetings: scheduling, reading and listing, changes, cancellation and the
//! agenda. Series, RSVP and attendance, minutes, actions and calendars have
//! their own modules; the helpers they share (access to a meeting, the
//! meeting and action views, `ETag` responses) live here.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::meeting::{
    ActionStatus, AgendaItem, MeetingDeliveryMode, MeetingStatus, MinutesStatus, RsvpResponse,
    is_overdue,
};
use peerhub_persistence::access::{self, CommunityAccess};
use peerhub_persistence::entities::{action, meeting};
use peerhub_persistence::meetings::{self, ListFilter, MeetingPatch, NewMeeting};
use peerhub_persistence::stored::decode;
use peerhub_persistence::{StoreError, minutes};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, closed_query, etag, uuid_field, uuid_param};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Registers this module's handlers (literal paths before templated ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get_one)
        .service(update)
        .service(cancel)
        .service(set_agenda);
}

pub(crate) const EX_MEETING_ID: &str = "0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e";
pub(crate) const EX_COMMUNITY_ID: &str = "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e";

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
    /// How the meeting is held.
    pub mode: MeetingDeliveryMode,
    pub location: Option<String>,
    pub join_url: Option<String>,
    pub agenda: Vec<AgendaItemBody>,
    /// Where the meeting stands.
    pub status: MeetingStatus,
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

/// The view of a stored meeting; a stored mode or status the API does not
/// know is an error (500), never a default.
pub(crate) fn to_view(m: meeting::Model) -> ApiResult<MeetingView> {
    let agenda = meetings::agenda_of(&m)?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(MeetingView {
        ical_uid: meetings::ical_uid(&m.id),
        mode: meetings::mode_of(&m)?,
        status: meetings::status_of(&m)?,
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
        location: m.location,
        join_url: m.join_url,
        cancel_reason: m.cancel_reason,
        cancelled_at: m.cancelled_at,
        sequence: m.sequence,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
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
    /// Where the action stands.
    pub status: ActionStatus,
    /// Open and past its due date.
    pub overdue: bool,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The view of a stored action, with its owner's name from `names`; a
/// stored status the API does not know is an error (500).
pub(crate) fn action_view(
    a: action::Model,
    names: &HashMap<String, String>,
) -> ApiResult<ActionView> {
    let status = minutes::action_status_of(&a)?;
    Ok(ActionView {
        owner_name: names.get(&a.owner_id).cloned().unwrap_or_default(),
        overdue: is_overdue(status, a.due_on, Utc::now().date_naive()),
        status,
        id: a.id,
        community_id: a.community_id,
        meeting_id: a.meeting_id,
        description: a.description,
        owner_id: a.owner_id,
        due_on: a.due_on,
        done_at: a.done_at,
        done_by: a.done_by,
        version: a.version,
        created_at: a.created_at,
        updated_at: a.updated_at,
    })
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
    /// My answer, if I gave one.
    pub my_rsvp: Option<RsvpResponse>,
    /// Open actions of the community from earlier meetings.
    pub carried_actions: Vec<ActionView>,
    /// Status of the minutes I can see, if any.
    pub minutes_status: Option<MinutesStatus>,
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

pub(crate) fn respond(status: StatusCode, m: meeting::Model) -> ApiResult<HttpResponse> {
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/meetings/{}", m.id));
    let version = m.version;
    Ok(with_etag(status, version, location).json(to_view(m)?))
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
    respond(StatusCode::CREATED, m)
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
    /// Meetings starting before this instant (RFC 3339); not before `from`.
    pub to: Option<DateTime<Utc>>,
    /// Only meetings with this status.
    #[param(value_type = Option<MeetingStatus>)]
    pub status: Option<String>,
}

crate::page_schema!(MeetingPage, MeetingView);

/// List the meetings I can see, by start time
///
/// Lists the meetings of the communities I belong to (and of every
/// community of the networks I manage), ordered by start time and then id.
/// `from` (inclusive) and `to` (exclusive) bound the start.
///
/// Access: any signed-in person, who sees the meetings of their own
/// communities and of every community in the networks they manage;
/// platform admins see all.
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
    let status = closed_query::<MeetingStatus>("status", f.status.as_deref())?;
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
    let page = try_page(page, to_view)?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read a meeting with my RSVP and the actions it carries
///
/// The meeting with its agenda, how many people are invited, whether I am
/// and my answer, the community's open actions carried from earlier
/// meetings, and the status of the minutes I may see.
///
/// Access: members of the community, managers of its network and platform
/// admins.
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
    let my_rsvp = match meetings::response_of(&state.db, &m.id, &auth.0.user_id)
        .await?
        .and_then(|r| r.rsvp)
    {
        Some(r) => Some(decode::<RsvpResponse>("meeting_response.rsvp", &r)?),
        None => None,
    };
    let carried = minutes::carried(&state.db, &m).await?;
    let names = meetings::display_names(
        &state.db,
        carried.iter().map(|a| a.owner_id.clone()).collect(),
    )
    .await?;
    let sees_drafts = a.role.is_some_and(|r| r.is_core());
    let minutes_status = if sees_drafts {
        match minutes::working_copy(&state.db, &m.id).await? {
            Some(w) => Some(minutes::status_of(&w)?),
            None => None,
        }
    } else {
        minutes::published(&state.db, &m.id)
            .await?
            .map(|_| MinutesStatus::Published)
    };
    let version = m.version;
    let detail = MeetingDetail {
        invitee_count: invitees.len(),
        invited: invitees.contains(&auth.0.user_id),
        my_rsvp,
        carried_actions: carried
            .into_iter()
            .map(|x| action_view(x, &names))
            .collect::<ApiResult<_>>()?,
        minutes_status,
        meeting: to_view(m)?,
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
    respond(StatusCode::OK, m)
}

/// The ordered agenda.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"title": "Welcome and apologies", "minutes": 10}, {"title": "Reflective practice: supervision models", "presenter_id": super::EX_USER_ID, "minutes": 30}]}))]
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
    respond(StatusCode::OK, m)
}
