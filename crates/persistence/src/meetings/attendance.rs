//! Attendance: who took part in a meeting, as recorded or as it follows
//! from their answer.

use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::meeting::{self as rules, AttendanceStatus, RsvpResponse, lifecycle};
use peerhub_domain::{Invalid, Violations};
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use super::responses::*;
use super::store::*;
use crate::Db;
use crate::entities::meeting;
use crate::error::Failure;
use crate::load::joined;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx};

/// One invitee's standing for a meeting.
#[derive(Debug, Clone)]
pub struct AttendanceEntry {
    pub user_id: String,
    pub display_name: String,
    pub rsvp: Option<RsvpResponse>,
    /// What the core team recorded, if anything.
    pub recorded: Option<AttendanceStatus>,
    /// `recorded`, or the default from the RSVP.
    pub status: AttendanceStatus,
}

/// Everyone invited to a meeting with their answer and attendance, by name.
pub async fn attendance<C: ConnectionTrait>(
    conn: &C,
    m: &meeting::Model,
) -> Result<Vec<AttendanceEntry>, Failure> {
    let ids = invitee_ids(conn, m).await?;
    let responses = responses_by_user(conn, &m.id).await?;
    let names = display_names(conn, ids.iter().cloned().collect()).await?;
    let mut out: Vec<AttendanceEntry> = Vec::with_capacity(ids.len());
    for u in ids {
        let r = responses.get(&u);
        let rsvp = match r.and_then(|r| r.rsvp.as_deref()) {
            Some(s) => Some(decode::<RsvpResponse>("meeting_response.rsvp", s)?),
            None => None,
        };
        let recorded = match r.and_then(|r| r.attendance.as_deref()) {
            Some(s) => Some(decode::<AttendanceStatus>(
                "meeting_response.attendance",
                s,
            )?),
            None => None,
        };
        out.push(AttendanceEntry {
            display_name: joined(&names, "user", &u)?,
            user_id: u,
            rsvp,
            recorded,
            status: recorded.unwrap_or_else(|| rules::default_attendance(rsvp)),
        });
    }
    out.sort_by(|a, b| {
        a.display_name
            .to_lowercase()
            .cmp(&b.display_name.to_lowercase())
            .then_with(|| a.user_id.cmp(&b.user_id))
    });
    Ok(out)
}

/// Records attendance (only the people listed change) and marks the
/// meeting held.
pub async fn record_attendance(
    db: &Db,
    ctx: &Ctx,
    meeting_id: &str,
    entries: Vec<(String, AttendanceStatus)>,
) -> Result<meeting::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock(&txn, meeting_id).await?;
    let m = attendance_in(&txn, ctx, m, entries, now).await?;
    txn.commit().await?;
    Ok(m)
}

/// Most attendance records in one request.
pub const MAX_ATTENDANCE_RECORDS: usize = 1000;

/// Like [`record_attendance`] for a caller: checks their standing in the
/// meeting's community (`need`) in the same transaction, then that there
/// are at most [`MAX_ATTENDANCE_RECORDS`] records.
pub async fn record_attendance_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    need: CommunityNeed,
    entries: Vec<(String, AttendanceStatus)>,
) -> Result<meeting::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (m, _) = lock_with_access(&txn, principal, meeting_id, need).await?;
    if entries.len() > MAX_ATTENDANCE_RECORDS {
        return Err(
            Violations::single("body", Invalid::new("too_many", "at most 1000 records")).into(),
        );
    }
    let m = attendance_in(&txn, ctx, m, entries, now).await?;
    txn.commit().await?;
    Ok(m)
}

async fn attendance_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    m: meeting::Model,
    entries: Vec<(String, AttendanceStatus)>,
    now: DateTime<Utc>,
) -> Result<meeting::Model, Failure> {
    started_guard(&m, now)?;
    let invited = invitee_ids(txn, &m).await?;
    lifecycle::attendance_entries(&entries, &invited)?;
    let mut existing = responses_by_user(txn, &m.id).await?;
    for (u, status) in &entries {
        upsert_response(txn, &m.id, u, existing.remove(u), now, |am| {
            am.attendance = Set(Some(status.as_str().to_owned()));
            am.attendance_by = Set(ctx.actor_id.clone());
            am.attendance_at = Set(Some(now));
        })
        .await?;
    }
    trail::write(
        txn,
        ctx,
        now,
        Audit::new("meeting.attendance_recorded", "meeting", &m.id)
            .network(&m.network_id)
            .changed(vec!["attendance"]),
        vec![],
    )
    .await?;
    mark_held(txn, ctx, m, now).await
}
