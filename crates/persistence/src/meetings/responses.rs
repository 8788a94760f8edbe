//! Invitees' answers (RSVPs) to a meeting.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::meeting::{RsvpResponse, lifecycle};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};

use super::store::*;
use crate::Db;
use crate::entities::meeting_response;
use crate::error::Failure;
use crate::trail::{self, Audit, Ctx, new_id};

/// A person's answer and attendance for one meeting.
pub async fn response_of<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
    user_id: &str,
) -> Result<Option<meeting_response::Model>, Failure> {
    Ok(meeting_response::Entity::find()
        .filter(meeting_response::Column::MeetingId.eq(meeting_id))
        .filter(meeting_response::Column::UserId.eq(user_id))
        .one(conn)
        .await?)
}

/// Every answer and attendance record of a meeting, by user id.
pub(super) async fn responses_by_user<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<HashMap<String, meeting_response::Model>, Failure> {
    Ok(meeting_response::Entity::find()
        .filter(meeting_response::Column::MeetingId.eq(meeting_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.user_id.clone(), r))
        .collect())
}

/// Writes a person's response row: updates `existing`, or inserts one.
pub(super) async fn upsert_response<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
    user_id: &str,
    existing: Option<meeting_response::Model>,
    now: DateTime<Utc>,
    edit: impl FnOnce(&mut meeting_response::ActiveModel),
) -> Result<meeting_response::Model, Failure> {
    let is_new = existing.is_none();
    let mut am = match existing {
        Some(r) => r.into_active_model(),
        None => meeting_response::ActiveModel {
            id: Set(new_id()),
            meeting_id: Set(meeting_id.to_owned()),
            user_id: Set(user_id.to_owned()),
            rsvp: Set(None),
            rsvp_at: Set(None),
            attendance: Set(None),
            attendance_by: Set(None),
            attendance_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        },
    };
    edit(&mut am);
    am.updated_at = Set(now);
    Ok(if is_new {
        am.insert(conn).await?
    } else {
        am.update(conn).await?
    })
}

/// Records the caller's answer, checking their standing in the meeting's
/// community (`need`) in the same transaction. Only people invited answer,
/// and only before the meeting starts.
pub async fn rsvp(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    need: CommunityNeed,
    response: RsvpResponse,
) -> Result<meeting_response::Model, Failure> {
    let now = Utc::now();
    let user_id = principal.user_id.as_str();
    let txn = crate::db::begin_write(db).await?;
    let (m, _) = lock_with_access(&txn, principal, meeting_id, need).await?;
    let invited = invitee_ids(&txn, &m).await?.contains(user_id);
    lifecycle::may_answer(invited, status_of(&m)?, m.starts_at, now)?;
    let existing = response_of(&txn, &m.id, user_id).await?;
    let r = upsert_response(&txn, &m.id, user_id, existing, now, |am| {
        am.rsvp = Set(Some(response.as_str().to_owned()));
        am.rsvp_at = Set(Some(now));
    })
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("meeting.rsvp", "meeting", &m.id)
            .network(&m.network_id)
            .changed(vec!["rsvp"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}
