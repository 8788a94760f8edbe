//! Answers to meeting invitations (RSVP) and attendance.
use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::meeting::{AttendanceStatus, MeetingStatus, RsvpResponse};
use peerhub_persistence::entities::meeting;
use peerhub_persistence::meetings;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::meetings::meeting_access;
use crate::auth::Auth;
use crate::extract::{JsonBody, PathId};
use crate::problem::ApiResult;
use crate::routes::views::EX_MEETING_ID;
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(rsvp)
        .service(get_attendance)
        .service(record_attendance);
}

// ------------------------------------------------------------------ RSVP

/// My answer to a meeting invitation.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"response": "attending"}))]
pub struct RsvpBody {
    pub response: RsvpResponse,
}

/// My answer to a meeting invitation, as recorded.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"meeting_id": EX_MEETING_ID, "user_id": super::EX_USER_ID, "response": "attending", "responded_at": "2026-11-21T09:00:00Z"}))]
pub struct RsvpView {
    pub meeting_id: String,
    pub user_id: String,
    pub response: RsvpResponse,
    pub responded_at: Option<DateTime<Utc>>,
}

/// Answer a meeting invitation
///
/// Records my answer (it replaces an earlier one) until the meeting starts
/// (409 `meeting-started`). People not invited get 403 `not-invited`.
///
/// Access: people invited to the meeting (the community's members when it
/// starts).
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
    id: PathId,
    body: JsonBody<RsvpBody>,
) -> ApiResult<HttpResponse> {
    let response = body.0.response;
    let r = meetings::rsvp(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Member,
        response,
    )
    .await?;
    Ok(HttpResponse::Ok().json(RsvpView {
        meeting_id: r.meeting_id,
        user_id: r.user_id,
        response,
        responded_at: r.rsvp_at,
    }))
}

// ------------------------------------------------------------ attendance

/// One invitee's answer and attendance.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceEntryView {
    pub user_id: String,
    pub display_name: String,
    /// Their answer, if any.
    pub rsvp: Option<RsvpResponse>,
    /// What the core team recorded, if anything.
    pub recorded: Option<AttendanceStatus>,
    /// `recorded`, else from the RSVP (attending → present, apologies →
    /// apologies, declined or none → absent).
    pub status: AttendanceStatus,
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
    pub meeting_status: MeetingStatus,
    pub present: usize,
    pub apologies: usize,
    pub absent: usize,
    /// Everyone invited, by name (bounded by the community's capacity).
    pub entries: Vec<AttendanceEntryView>,
}

async fn attendance_view(state: &AppState, m: &meeting::Model) -> ApiResult<AttendanceView> {
    let entries = meetings::attendance(&state.db, m).await?;
    let count = |s: AttendanceStatus| entries.iter().filter(|e| e.status == s).count();
    Ok(AttendanceView {
        meeting_id: m.id.clone(),
        meeting_status: meetings::status_of(m)?,
        present: count(AttendanceStatus::Present),
        apologies: count(AttendanceStatus::Apologies),
        absent: count(AttendanceStatus::Absent),
        entries: entries
            .into_iter()
            .map(|e| AttendanceEntryView {
                user_id: e.user_id,
                display_name: e.display_name,
                rsvp: e.rsvp,
                recorded: e.recorded,
                status: e.status,
            })
            .collect(),
    })
}

/// Read invitees with their RSVPs and attendance
///
/// Everyone invited, by name, with their answer, what the core team
/// recorded and the resulting attendance, and the totals.
///
/// Access: the community's core team, managers of its network and platform
/// admins.
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
    id: PathId,
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
    pub status: AttendanceStatus,
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

/// Record attendance once the meeting has started
///
/// Only the people listed change; marks the meeting held. Refused before
/// the start (409 `meeting-not-started`) and for a cancelled meeting.
///
/// Access: the community's core team, managers of its network and platform
/// admins.
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
    id: PathId,
    body: JsonBody<AttendanceBody>,
) -> ApiResult<HttpResponse> {
    let entries = body
        .0
        .0
        .into_iter()
        .map(|e| (e.user_id.trim().to_ascii_lowercase(), e.status))
        .collect();
    let m = meetings::record_attendance_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Core,
        entries,
    )
    .await?;
    Ok(HttpResponse::Ok().json(attendance_view(&state, &m).await?))
}
