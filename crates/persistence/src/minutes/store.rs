//! Loading stored minutes: the working copy, the published revisions,
//! and their stored values.

use peerhub_domain::meeting::{ActionStatus, MinutesStatus};
use peerhub_domain::minutes::MinutesContent;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entities::{action, meeting, minutes, minutes_revision};
use crate::error::Failure;
use crate::load;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;

/// The content stored with a working copy or revision.
pub fn working_content(m: &minutes::Model) -> Result<MinutesContent, Failure> {
    m.content.decode("minutes.content", &m.id)
}

/// The content stored with an approved revision.
pub fn revision_content(r: &minutes_revision::Model) -> Result<MinutesContent, Failure> {
    r.content.decode("minutes_revisions.content", &r.id)
}

pub(super) fn content_json(
    c: &MinutesContent,
) -> Result<crate::stored::Json<MinutesContent>, Failure> {
    crate::stored::Json::encode(c)
}

/// The stored status of a working copy (an unknown value is an error).
pub fn status_of(w: &minutes::Model) -> Result<MinutesStatus, Failure> {
    decode("minutes.status", &w.status)
}

/// The stored status of an action.
pub fn action_status_of(a: &action::Model) -> Result<ActionStatus, Failure> {
    decode("action.status", &a.status)
}

/// The working copy of a meeting's minutes, if drafted.
pub async fn working_copy<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<Option<minutes::Model>, Failure> {
    Ok(minutes::Entity::find()
        .filter(minutes::Column::MeetingId.eq(meeting_id))
        .one(conn)
        .await?)
}

/// The latest approved (published) revision, if any.
pub async fn published<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<Option<minutes_revision::Model>, Failure> {
    Ok(minutes_revision::Entity::find()
        .filter(minutes_revision::Column::MeetingId.eq(meeting_id))
        .order_by_desc(minutes_revision::Column::Revision)
        .one(conn)
        .await?)
}

/// Approved revisions of a meeting's minutes, oldest first.
pub async fn revisions<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
    page: &PageRequest,
) -> Result<Page<minutes_revision::Model>, Failure> {
    let q =
        minutes_revision::Entity::find().filter(minutes_revision::Column::MeetingId.eq(meeting_id));
    Ok(page::fetch(
        conn,
        q,
        minutes_revision::Column::Id,
        |r| r.id.clone(),
        page,
    )
    .await?)
}

pub(super) async fn lock_meeting<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<meeting::Model, Failure> {
    load::find_for_update_or_404::<meeting::Entity, _>(conn, id, "meeting").await
}

pub(super) async fn lock_minutes<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<minutes::Model, Failure> {
    minutes::Entity::find()
        .filter(minutes::Column::MeetingId.eq(meeting_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(Failure::not_found("minutes"))
}
