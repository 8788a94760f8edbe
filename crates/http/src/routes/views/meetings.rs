//! The meeting and action views, shared by the meeting, series, action
//! and account routes.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::meeting::{
    ActionStatus, AgendaItem, MeetingDeliveryMode, MeetingStatus, is_overdue,
};
use peerhub_persistence::entities::{action, meeting};
use peerhub_persistence::{meetings, minutes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EX_COMMUNITY_ID, EX_MEETING_ID, EX_NETWORK_ID, EX_USER_ID};
use crate::problem::ApiResult;

/// One agenda item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Reflective practice: supervision models", "presenter_id": EX_USER_ID, "minutes": 30}))]
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
    "id": EX_MEETING_ID, "community_id": EX_COMMUNITY_ID, "network_id": EX_NETWORK_ID, "series_id": null,
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
pub fn to_view(m: meeting::Model) -> ApiResult<MeetingView> {
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
    "description": "Circulate the supervision models slides", "owner_id": EX_USER_ID, "owner_name": "Priya Shah",
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
pub fn action_view(a: action::Model, names: &HashMap<String, String>) -> ApiResult<ActionView> {
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
