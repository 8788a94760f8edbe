//! Loading and saving meetings: lookups, stored values, the guards every
//! change passes, and the audit trail of a change.
use peerhub_domain::webhook::EventType;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use peerhub_domain::community::{CommunityRole, CommunityStatus};
use peerhub_domain::meeting::{
    AgendaItem, MeetingDeliveryMode, MeetingStatus, SeriesStatus, lifecycle,
};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};

use peerhub_domain::access::{CommunityNeed, Principal};

use crate::access::{self, CommunityAccess};
use crate::entities::{community, community_member, meeting, meeting_series, user};
use crate::error::Failure;
use crate::load;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message};

/// The stable iCalendar `UID` of a meeting.
pub fn ical_uid(meeting_id: &str) -> String {
    format!("{meeting_id}@peerhub")
}

/// The agenda stored with a meeting.
pub fn agenda_of(m: &meeting::Model) -> Result<Vec<AgendaItem>, Failure> {
    m.agenda.decode("meetings.agenda", &m.id)
}

pub(super) fn agenda_json(
    items: &[AgendaItem],
) -> Result<crate::stored::Json<Vec<AgendaItem>>, Failure> {
    crate::stored::Json::encode(&items.to_vec())
}

/// The data an integration needs to update a calendar entry or a forum
/// post about a meeting.
pub fn event_payload(m: &meeting::Model, community_name: &str) -> Result<Value, Failure> {
    Ok(json!({
        "meeting_id": m.id,
        "community_id": m.community_id,
        "community_name": community_name,
        "network_id": m.network_id,
        "series_id": m.series_id,
        "title": m.title,
        "status": m.status,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "starts_at_local": m.starts_at_local,
        "timezone": m.timezone,
        "duration_minutes": m.duration_minutes,
        "mode": m.mode,
        "location": m.location,
        "join_url": m.join_url,
        "agenda": agenda_of(m)?.iter().map(|a| a.title.clone()).collect::<Vec<_>>(),
        "cancel_reason": m.cancel_reason,
        "ical_uid": ical_uid(&m.id),
        "ical_sequence": m.sequence,
    }))
}

/// Current members' ids of a community.
pub async fn member_ids<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<BTreeSet<String>, Failure> {
    let ids: Vec<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::UserId)
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::active())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Ids of the people invited to a meeting: members whose membership
/// covered its start.
pub async fn invitee_ids<C: ConnectionTrait>(
    conn: &C,
    m: &meeting::Model,
) -> Result<BTreeSet<String>, Failure> {
    let ids: Vec<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::UserId)
        .filter(community_member::Column::CommunityId.eq(&m.community_id))
        .filter(community_member::Column::JoinedAt.lte(m.starts_at))
        .filter(
            Condition::any()
                .add(community_member::Column::EndedAt.is_null())
                .add(community_member::Column::EndedAt.gt(m.starts_at)),
        )
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Refuses new or changed meetings in an archived community.
pub(super) fn archived_guard(c: &community::Model) -> Result<(), Failure> {
    let status = decode::<CommunityStatus>("community.status", &c.status)?;
    Ok(lifecycle::may_schedule(status)?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> Result<meeting::Model, Failure> {
    load::find_or_404::<meeting::Entity, _>(conn, id, "meeting").await
}

pub async fn find_series<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<meeting_series::Model, Failure> {
    load::find_or_404::<meeting_series::Entity, _>(conn, id, "meeting series").await
}

pub(super) async fn lock<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<meeting::Model, Failure> {
    load::find_for_update_or_404::<meeting::Entity, _>(conn, id, "meeting").await
}

/// The caller's standing in the community a thing (a meeting, a series, an
/// action) belongs to; a thing of a community the caller cannot see
/// answers 404 naming the thing, not the community.
pub async fn via_community<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    community_id: &str,
    need: CommunityNeed,
    what: &'static str,
) -> Result<CommunityAccess, Failure> {
    access::community_access(conn, principal, community_id, need, None)
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => Failure::not_found(what),
            e => e,
        })
}

/// Loads a meeting and checks the caller's standing in its community; a
/// meeting of a community the caller cannot see answers 404.
pub async fn meeting_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
    need: CommunityNeed,
) -> Result<(meeting::Model, CommunityAccess), Failure> {
    let m = find(conn, id).await?;
    let a = via_community(conn, principal, &m.community_id, need, "meeting").await?;
    Ok((m, a))
}

/// Like [`meeting_access`], locking the meeting for a change in the
/// caller's transaction.
pub(super) async fn lock_with_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
    need: CommunityNeed,
) -> Result<(meeting::Model, CommunityAccess), Failure> {
    let m = lock(conn, id).await?;
    let a = via_community(conn, principal, &m.community_id, need, "meeting").await?;
    Ok((m, a))
}

/// Loads a series and checks the caller's standing in its community.
pub async fn series_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
    need: CommunityNeed,
) -> Result<(meeting_series::Model, CommunityAccess), Failure> {
    let s = find_series(conn, id).await?;
    let a = via_community(conn, principal, &s.community_id, need, "meeting series").await?;
    Ok((s, a))
}

/// A meeting's stored status (an unknown value is an error, never a default).
pub fn status_of(m: &meeting::Model) -> Result<MeetingStatus, Failure> {
    decode("meeting.status", &m.status)
}

/// A meeting's stored mode.
pub fn mode_of(m: &meeting::Model) -> Result<MeetingDeliveryMode, Failure> {
    decode("meeting.mode", &m.mode)
}

/// A series' stored status.
pub fn series_status_of(s: &meeting_series::Model) -> Result<SeriesStatus, Failure> {
    decode("meeting_series.status", &s.status)
}

/// Refuses changes to a cancelled meeting.
pub(super) fn cancelled_guard(m: &meeting::Model) -> Result<(), Failure> {
    Ok(lifecycle::may_change(status_of(m)?)?)
}

/// Writes a changed meeting with a new version and, when the calendar
/// entry changes, a new `SEQUENCE`; records the audit entry and `topic`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn save<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    old: meeting::Model,
    mut am: meeting::ActiveModel,
    bump_sequence: bool,
    action: &'static str,
    topic: Option<EventType>,
    changed: Vec<&'static str>,
    community_name: &str,
    now: DateTime<Utc>,
) -> Result<meeting::Model, Failure> {
    if bump_sequence {
        am.sequence = Set(old.sequence + 1);
    }
    am.updated_at = Set(now);
    let m = am.update(conn).await?;
    let messages = match topic {
        Some(t) => vec![
            Message::event(t, "meeting", &m.id, event_payload(&m, community_name)?)
                .network(&m.network_id),
        ],
        None => Vec::new(),
    };
    trail::write(
        conn,
        ctx,
        now,
        Audit::new(action, "meeting", &m.id)
            .network(&m.network_id)
            .changed(changed),
        messages,
    )
    .await?;
    Ok(m)
}

/// The meetings of a series, in order.
pub async fn series_meetings<C: ConnectionTrait>(
    conn: &C,
    series_id: &str,
) -> Result<Vec<meeting::Model>, Failure> {
    Ok(meeting::Entity::find()
        .filter(meeting::Column::SeriesId.eq(series_id))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(conn)
        .await?)
}

/// One text column of rows by id (names for display).
pub(super) async fn names_by_id<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    id: E::Column,
    name: E::Column,
    ids: Vec<String>,
) -> Result<HashMap<String, String>, Failure> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = E::find()
        .select_only()
        .column(id)
        .column(name)
        .filter(id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Display names by user id.
pub async fn display_names<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> Result<HashMap<String, String>, Failure> {
    names_by_id::<user::Entity, _>(conn, user::Column::Id, user::Column::DisplayName, ids).await
}

/// Names of communities by id.
pub async fn community_names<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> Result<HashMap<String, String>, Failure> {
    names_by_id::<community::Entity, _>(conn, community::Column::Id, community::Column::Name, ids)
        .await
}

/// The core team of a community (active chairs, co-chairs, secretaries).
pub async fn core_team<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<Vec<(String, CommunityRole)>, Failure> {
    let rows: Vec<(String, String)> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::UserId)
        .column(community_member::Column::Role)
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::active())
        .filter(Expr::col(community_member::Column::Role).is_in([
            CommunityRole::Chair.as_str(),
            CommunityRole::CoChair.as_str(),
            CommunityRole::Secretary.as_str(),
        ]))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, r)| CommunityRole::parse(&r).map(|r| (u, r)))
        .collect())
}

/// Marks a scheduled meeting held (attendance or minutes were recorded).
pub(crate) async fn mark_held<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    m: meeting::Model,
    now: DateTime<Utc>,
) -> Result<meeting::Model, Failure> {
    let Some(next) = lifecycle::held(status_of(&m)?) else {
        return Ok(m);
    };
    let mut am = m.clone().into_active_model();
    am.status = Set(next.as_str().to_owned());
    save(
        conn,
        ctx,
        m,
        am,
        false,
        "meeting.held",
        None,
        vec!["status"],
        "",
        now,
    )
    .await
}

/// Refuses minutes or attendance for a meeting that was cancelled or has
/// not started.
pub(crate) fn started_guard(m: &meeting::Model, now: DateTime<Utc>) -> Result<(), Failure> {
    Ok(lifecycle::may_record(status_of(m)?, m.starts_at, now)?)
}
