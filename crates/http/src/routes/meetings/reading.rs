//! Reading one meeting and listing them.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};

use peerhub_domain::access::CommunityNeed;
use peerhub_domain::meeting::{MeetingStatus, MinutesStatus, RsvpResponse};
use peerhub_persistence::meetings::{self, ListFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::extract::{PathId, closed_query, uuid_field};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::{ApiError, ApiResult};
use crate::routes::views::meetings::{ActionView, MeetingView, action_view, to_view};
use crate::routes::views::{EX_COMMUNITY_ID, EX_MEETING_ID, EX_NETWORK_ID, EX_USER_ID, with_etag};
use crate::state::AppState;

/// A meeting with what a member needs before it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_MEETING_ID, "community_id": EX_COMMUNITY_ID, "network_id": EX_NETWORK_ID, "series_id": null,
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
        "description": "Circulate the supervision models slides", "owner_id": EX_USER_ID, "owner_name": "Priya Shah",
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
    caller: Caller,
    f: web::Query<MeetingFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    caller.person_only()?;
    let community_id = f
        .community_id
        .as_deref()
        .map(|c| uuid_field(c, "community_id"))
        .transpose()?;
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
    let filter = ListFilter {
        community_id: community_id.clone(),
        series_id,
        from: f.from,
        to: f.to,
        status,
    };
    let page_request = q.to_request()?;
    // A community's page is one statement: the meetings with the
    // community, the caller's account (a session is authenticated here)
    // and standing. Without a community the account is read on its own,
    // then the page.
    let page = match &community_id {
        Some(c) => {
            meetings::list_of_community(
                &state.db,
                caller.who(),
                c,
                CommunityNeed::Member,
                &filter,
                &page_request,
            )
            .await?
        }
        None => {
            let principal = caller.principal(&state).await?;
            meetings::list(&state.db, &principal, &filter, &page_request).await?
        }
    };
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
    caller: Caller,
    id: PathId,
) -> ApiResult<HttpResponse> {
    // One statement: the meeting with the caller's account (a session is
    // authenticated here), standing, invitation, answer, minutes status and
    // the actions it carries with their owners' names.
    let d = meetings::detail(&state.db, caller.who(), &id, CommunityNeed::Member).await?;
    let names = &d.owner_names;
    let version = d.meeting.version;
    let detail = MeetingDetail {
        invitee_count: usize::try_from(d.invitee_count).unwrap_or(usize::MAX),
        invited: d.invited,
        my_rsvp: d.my_rsvp,
        carried_actions: d
            .carried
            .into_iter()
            .map(|x| action_view(x, names))
            .collect::<ApiResult<_>>()?,
        minutes_status: d.minutes_status,
        meeting: to_view(d.meeting)?,
    };
    Ok(with_etag(StatusCode::OK, version, None).json(detail))
}
