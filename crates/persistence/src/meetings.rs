//! Meetings of a community: single meetings and series, agenda, who is
//! invited, RSVPs, attendance, and personal calendar feeds.
//!
//! Invitations are not stored: the people invited to a meeting are the
//! members whose membership covered its start. For a meeting still to come
//! that is exactly the current members, so people who join are invited to
//! every future meeting and people who leave drop out of them, while a past
//! meeting keeps the people who were members when it took place.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use peerhub_domain::access::Principal;
use peerhub_domain::calendar;
use peerhub_domain::community::{
    CadenceUnit, CommunityRole, CommunityStatus, DeliveryMode, MembershipStatus,
};
use peerhub_domain::meeting::{
    self as rules, AgendaItem, AttendanceStatus, MeetingDeliveryMode, MeetingStatus, RsvpResponse,
    SeriesStatus,
};
use peerhub_domain::{Invalid, Violations};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};

use crate::Db;
use crate::entities::{
    calendar_feed, community, community_member, meeting, meeting_response, meeting_series,
    network_member, user,
};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// The stable iCalendar `UID` of a meeting.
pub fn ical_uid(meeting_id: &str) -> String {
    format!("{meeting_id}@peerhub")
}

/// The agenda stored with a meeting.
pub fn agenda_of(m: &meeting::Model) -> Result<Vec<AgendaItem>, StoreError> {
    crate::stored::decode_json("meeting.agenda", &m.agenda)
}

fn agenda_json(items: &[AgendaItem]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// The data an integration needs to update a calendar entry or a forum
/// post about a meeting.
pub fn event_payload(m: &meeting::Model, community_name: &str) -> Result<Value, StoreError> {
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

/// A meeting's time: the zone, the local start and the instant.
struct When {
    timezone: String,
    local: NaiveDateTime,
    starts_at: DateTime<Utc>,
}

fn zone(tz: &str, v: &mut Violations) -> Option<chrono_tz::Tz> {
    v.check("timezone", calendar::parse_timezone(tz))
}

/// Resolves a local start in a zone, naming `local_field` in errors.
fn when(tz: &str, local: &str, local_field: &str) -> Result<When, Violations> {
    let mut v = Violations::new();
    let z = zone(tz, &mut v);
    let l = v.check(local_field, calendar::parse_local(local));
    let (Some(z), Some(l)) = (z, l) else {
        return Err(v);
    };
    let starts_at = v
        .check(local_field, calendar::resolve(z, l))
        .ok_or_else(|| v.clone())?;
    Ok(When {
        timezone: z.name().to_owned(),
        local: l,
        starts_at,
    })
}

/// Current members' ids of a community.
pub async fn member_ids<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<BTreeSet<String>, StoreError> {
    let ids: Vec<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::UserId)
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::Column::Status.eq(MembershipStatus::Active.as_str()))
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
) -> Result<BTreeSet<String>, StoreError> {
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

fn archived_guard(c: &community::Model) -> Result<(), StoreError> {
    if c.status == CommunityStatus::Archived.as_str() {
        return Err(StoreError::conflict(
            "community-archived",
            "an archived community cannot schedule or change meetings",
        ));
    }
    Ok(())
}

/// What a new meeting needs.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub title: String,
    pub starts_at_local: String,
    pub timezone: String,
    pub duration_minutes: i32,
    pub mode: MeetingDeliveryMode,
    pub location: Option<String>,
    pub join_url: Option<String>,
    pub agenda: Vec<AgendaItem>,
}

/// A checked meeting, ready to insert.
struct Checked {
    title: String,
    duration: i32,
    venue: rules::Venue,
    agenda: Vec<AgendaItem>,
}

#[allow(clippy::too_many_arguments)]
fn check_common(
    title: &str,
    duration: i32,
    mode: MeetingDeliveryMode,
    location: Option<&str>,
    join_url: Option<&str>,
    agenda: Vec<AgendaItem>,
    members: &BTreeSet<String>,
    v: &mut Violations,
) -> Option<Checked> {
    let title = v.check("title", rules::title(title));
    let duration = v.check("duration_minutes", rules::duration(duration));
    let venue = match rules::venue(mode, location, join_url) {
        Ok(venue) => Some(venue),
        Err(e) => {
            v.0.extend(e.0);
            None
        }
    };
    let agenda = match rules::agenda(agenda, "agenda", |u| members.contains(u)) {
        Ok(a) => Some(a),
        Err(e) => {
            v.0.extend(e.0);
            None
        }
    };
    Some(Checked {
        title: title?,
        duration: duration?,
        venue: venue?,
        agenda: agenda?,
    })
}

#[allow(clippy::too_many_arguments)]
async fn insert<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    c: &community::Model,
    series_id: Option<&str>,
    checked: &Checked,
    w: &When,
    now: DateTime<Utc>,
) -> Result<meeting::Model, StoreError> {
    let m = meeting::ActiveModel {
        id: Set(new_id()),
        community_id: Set(c.id.clone()),
        network_id: Set(c.network_id.clone()),
        series_id: Set(series_id.map(str::to_owned)),
        title: Set(checked.title.clone()),
        starts_at: Set(w.starts_at),
        ends_at: Set(w.starts_at + Duration::minutes(i64::from(checked.duration))),
        starts_at_local: Set(calendar::format_local(w.local)),
        timezone: Set(w.timezone.clone()),
        duration_minutes: Set(checked.duration),
        mode: Set(checked.venue.mode.as_str().to_owned()),
        location: Set(checked.venue.location.clone()),
        join_url: Set(checked.venue.join_url.clone()),
        agenda: Set(agenda_json(&checked.agenda)),
        status: Set(MeetingStatus::Scheduled.as_str().to_owned()),
        cancel_reason: Set(None),
        cancelled_at: Set(None),
        sequence: Set(0),
        version: Set(1),
        created_by: Set(ctx.actor_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    trail::write(
        conn,
        ctx,
        now,
        Audit::new("meeting.scheduled", "meeting", &m.id)
            .network(&c.network_id)
            .changed(vec![
                "title",
                "starts_at",
                "timezone",
                "duration_minutes",
                "mode",
                "location",
                "join_url",
                "agenda",
            ]),
        vec![
            Message::event(
                "meeting.scheduled",
                "meeting",
                &m.id,
                event_payload(&m, &c.name)?,
            )
            .network(&c.network_id),
        ],
    )
    .await?;
    Ok(m)
}

/// Schedules one meeting of a community.
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    input: NewMeeting,
) -> Result<meeting::Model, StoreError> {
    archived_guard(c)?;
    let members = member_ids(db, &c.id).await?;
    let mut v = Violations::new();
    let w = match when(&input.timezone, &input.starts_at_local, "starts_at_local") {
        Ok(w) => Some(w),
        Err(e) => {
            v.0.extend(e.0);
            None
        }
    };
    let checked = check_common(
        &input.title,
        input.duration_minutes,
        input.mode,
        input.location.as_deref(),
        input.join_url.as_deref(),
        input.agenda,
        &members,
        &mut v,
    );
    v.clone().into_result()?;
    let (Some(w), Some(checked)) = (w, checked) else {
        return Err(StoreError::Invalid(v));
    };
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = insert(&txn, ctx, c, None, &checked, &w, now).await?;
    txn.commit().await?;
    Ok(m)
}

/// What a series needs; unset fields come from the community.
#[derive(Debug, Clone)]
pub struct NewSeries {
    pub first_starts_at_local: String,
    pub timezone: String,
    pub count: Option<i64>,
    pub until: Option<NaiveDate>,
    pub title: Option<String>,
    pub duration_minutes: Option<i32>,
    pub mode: Option<MeetingDeliveryMode>,
    pub location: Option<String>,
    pub join_url: Option<String>,
    pub agenda: Option<Vec<AgendaItem>>,
}

/// Schedules a series from the community's cadence: each occurrence is a
/// meeting of its own, linked to the series. All or nothing: if any
/// occurrence falls in a clock change, nothing is created.
pub async fn create_series(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    input: NewSeries,
) -> Result<(meeting_series::Model, Vec<meeting::Model>), StoreError> {
    archived_guard(c)?;
    let members = member_ids(db, &c.id).await?;
    let mut v = Violations::new();
    let tz = zone(&input.timezone, &mut v);
    let first = v.check(
        "first_starts_at_local",
        calendar::parse_local(&input.first_starts_at_local),
    );
    let count = match input.count {
        None => None,
        Some(n) => match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                v.add(
                    "count",
                    Invalid::new(
                        "out_of_range",
                        format!("must be between 1 and {}", calendar::MAX_OCCURRENCES),
                    ),
                );
                None
            }
        },
    };
    let unit = decode::<CadenceUnit>("community.cadence_unit", &c.cadence_unit)?;
    let every = u32::try_from(c.cadence_every).unwrap_or(1);
    let mut locals = Vec::new();
    if let Some(first) = first
        && v.is_empty()
    {
        match calendar::occurrences(first, every, unit, count, input.until) {
            Ok(l) => locals = l,
            Err(e) => v.0.extend(e.0),
        }
    }
    let default_mode = match decode::<DeliveryMode>("community.delivery_mode", &c.delivery_mode)? {
        DeliveryMode::InPerson => MeetingDeliveryMode::InPerson,
        DeliveryMode::Online | DeliveryMode::Hybrid => MeetingDeliveryMode::Teams,
    };
    let checked = check_common(
        input.title.as_deref().unwrap_or(&c.name),
        input.duration_minutes.unwrap_or(c.duration_minutes),
        input.mode.unwrap_or(default_mode),
        input.location.as_deref(),
        input.join_url.as_deref(),
        input.agenda.unwrap_or_default(),
        &members,
        &mut v,
    );
    let mut whens = Vec::with_capacity(locals.len());
    if let Some(tz) = tz {
        for (i, l) in locals.iter().enumerate() {
            match calendar::resolve(tz, *l) {
                Ok(at) => whens.push(When {
                    timezone: tz.name().to_owned(),
                    local: *l,
                    starts_at: at,
                }),
                Err(e) => v.add(
                    "first_starts_at_local",
                    Invalid::new(e.code, format!("occurrence {}: {}", i + 1, e.message)),
                ),
            }
        }
    }
    v.clone().into_result()?;
    let (Some(tz), Some(first), Some(checked)) = (tz, first, checked) else {
        return Err(StoreError::Invalid(v));
    };
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let s = meeting_series::ActiveModel {
        id: Set(new_id()),
        community_id: Set(c.id.clone()),
        network_id: Set(c.network_id.clone()),
        timezone: Set(tz.name().to_owned()),
        first_starts_at_local: Set(calendar::format_local(first)),
        cadence_every: Set(c.cadence_every),
        cadence_unit: Set(c.cadence_unit.clone()),
        occurrences: Set(i32::try_from(whens.len()).unwrap_or(i32::MAX)),
        status: Set(SeriesStatus::Active.as_str().to_owned()),
        cancel_reason: Set(None),
        cancelled_at: Set(None),
        created_by: Set(ctx.actor_id.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("meeting_series.created", "meeting_series", &s.id)
            .network(&c.network_id)
            .changed(vec!["first_starts_at_local", "timezone", "occurrences"]),
        vec![],
    )
    .await?;
    let mut meetings = Vec::with_capacity(whens.len());
    for w in &whens {
        meetings.push(insert(&txn, ctx, c, Some(&s.id), &checked, w, now).await?);
    }
    txn.commit().await?;
    Ok((s, meetings))
}

/// The meetings of a series, in order.
pub async fn series_meetings<C: ConnectionTrait>(
    conn: &C,
    series_id: &str,
) -> Result<Vec<meeting::Model>, StoreError> {
    Ok(meeting::Entity::find()
        .filter(meeting::Column::SeriesId.eq(series_id))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(conn)
        .await?)
}

pub async fn find_series<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<meeting_series::Model, StoreError> {
    meeting_series::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("meeting series"))
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> Result<meeting::Model, StoreError> {
    meeting::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("meeting"))
}

async fn lock<C: ConnectionTrait>(conn: &C, id: &str) -> Result<meeting::Model, StoreError> {
    meeting::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("meeting"))
}

/// A meeting's stored status (an unknown value is an error, never a default).
pub fn status_of(m: &meeting::Model) -> Result<MeetingStatus, StoreError> {
    decode("meeting.status", &m.status)
}

/// A meeting's stored mode.
pub fn mode_of(m: &meeting::Model) -> Result<MeetingDeliveryMode, StoreError> {
    decode("meeting.mode", &m.mode)
}

/// A series' stored status.
pub fn series_status_of(s: &meeting_series::Model) -> Result<SeriesStatus, StoreError> {
    decode("meeting_series.status", &s.status)
}

fn cancelled_guard(m: &meeting::Model) -> Result<(), StoreError> {
    if status_of(m)? == MeetingStatus::Cancelled {
        return Err(StoreError::conflict(
            "meeting-cancelled",
            "the meeting was cancelled",
        ));
    }
    Ok(())
}

/// Writes a changed meeting with a new version and, when the calendar
/// entry changes, a new `SEQUENCE`; records the audit entry and `topic`.
#[allow(clippy::too_many_arguments)]
async fn save<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    old: meeting::Model,
    mut am: meeting::ActiveModel,
    bump_sequence: bool,
    action: &'static str,
    topic: Option<&'static str>,
    changed: Vec<&'static str>,
    community_name: &str,
    now: DateTime<Utc>,
) -> Result<meeting::Model, StoreError> {
    am.version = Set(old.version + 1);
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

/// Changes to a meeting; `None` leaves a field as it is, and an empty
/// `location` or `join_url` removes it.
#[derive(Debug, Clone, Default)]
pub struct MeetingPatch {
    pub title: Option<String>,
    pub starts_at_local: Option<String>,
    pub timezone: Option<String>,
    pub duration_minutes: Option<i32>,
    pub mode: Option<MeetingDeliveryMode>,
    pub location: Option<String>,
    pub join_url: Option<String>,
}

/// Changes one meeting (other occurrences of its series stay as they are).
pub async fn update(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    meeting_id: &str,
    p: MeetingPatch,
    if_match: Option<i32>,
) -> Result<meeting::Model, StoreError> {
    archived_guard(c)?;
    let members = member_ids(db, &c.id).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock(&txn, meeting_id).await?;
    StoreError::check_version(if_match, m.version)?;
    cancelled_guard(&m)?;
    let mut v = Violations::new();
    let tz = p.timezone.clone().unwrap_or_else(|| m.timezone.clone());
    let local = p
        .starts_at_local
        .clone()
        .unwrap_or_else(|| m.starts_at_local.clone());
    let w = match when(&tz, &local, "starts_at_local") {
        Ok(w) => Some(w),
        Err(e) => {
            v.0.extend(e.0);
            None
        }
    };
    let location = p.location.clone().or_else(|| m.location.clone());
    let join_url = p.join_url.clone().or_else(|| m.join_url.clone());
    let checked = check_common(
        p.title.as_deref().unwrap_or(&m.title),
        p.duration_minutes.unwrap_or(m.duration_minutes),
        match p.mode {
            Some(mode) => mode,
            None => mode_of(&m)?,
        },
        location.as_deref(),
        join_url.as_deref(),
        // The agenda is changed with PUT …/agenda; keep it as it is.
        Vec::new(),
        &members,
        &mut v,
    );
    v.clone().into_result()?;
    let (Some(w), Some(checked)) = (w, checked) else {
        return Err(StoreError::Invalid(v));
    };
    let mut changed = Vec::new();
    let ends_at = w.starts_at + Duration::minutes(i64::from(checked.duration));
    let local = calendar::format_local(w.local);
    let mut am = m.clone().into_active_model();
    if checked.title != m.title {
        am.title = Set(checked.title.clone());
        changed.push("title");
    }
    if w.starts_at != m.starts_at || local != m.starts_at_local || w.timezone != m.timezone {
        am.starts_at = Set(w.starts_at);
        am.starts_at_local = Set(local);
        am.timezone = Set(w.timezone.clone());
        changed.push("starts_at");
    }
    if checked.duration != m.duration_minutes {
        am.duration_minutes = Set(checked.duration);
        changed.push("duration_minutes");
    }
    if ends_at != m.ends_at {
        am.ends_at = Set(ends_at);
    }
    if checked.venue.mode.as_str() != m.mode {
        am.mode = Set(checked.venue.mode.as_str().to_owned());
        changed.push("mode");
    }
    if checked.venue.location != m.location {
        am.location = Set(checked.venue.location.clone());
        changed.push("location");
    }
    if checked.venue.join_url != m.join_url {
        am.join_url = Set(checked.venue.join_url.clone());
        changed.push("join_url");
    }
    if changed.is_empty() {
        return Ok(m);
    }
    let m = save(
        &txn,
        ctx,
        m,
        am,
        true,
        "meeting.updated",
        Some("meeting.updated"),
        changed,
        &c.name,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Replaces the agenda (ordered items).
pub async fn set_agenda(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    meeting_id: &str,
    items: Vec<AgendaItem>,
    if_match: Option<i32>,
) -> Result<meeting::Model, StoreError> {
    archived_guard(c)?;
    let members = member_ids(db, &c.id).await?;
    let items = rules::agenda(items, "items", |u| members.contains(u))?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock(&txn, meeting_id).await?;
    StoreError::check_version(if_match, m.version)?;
    cancelled_guard(&m)?;
    if agenda_of(&m)? == items {
        return Ok(m);
    }
    let mut am = m.clone().into_active_model();
    am.agenda = Set(agenda_json(&items));
    let m = save(
        &txn,
        ctx,
        m,
        am,
        true,
        "meeting.agenda_changed",
        Some("meeting.updated"),
        vec!["agenda"],
        &c.name,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

async fn cancel_locked<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    m: meeting::Model,
    reason: &str,
    community_name: &str,
    now: DateTime<Utc>,
) -> Result<meeting::Model, StoreError> {
    let mut am = m.clone().into_active_model();
    am.status = Set(MeetingStatus::Cancelled.as_str().to_owned());
    am.cancel_reason = Set(Some(reason.to_owned()));
    am.cancelled_at = Set(Some(now));
    save(
        conn,
        ctx,
        m,
        am,
        true,
        "meeting.cancelled",
        Some("meeting.cancelled"),
        vec!["status", "cancel_reason"],
        community_name,
        now,
    )
    .await
}

/// Cancels a meeting that has not been held.
pub async fn cancel(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    meeting_id: &str,
    reason: &str,
    if_match: Option<i32>,
) -> Result<meeting::Model, StoreError> {
    let reason = rules::cancel_reason(reason).map_err(|e| Violations::single("reason", e))?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock(&txn, meeting_id).await?;
    StoreError::check_version(if_match, m.version)?;
    cancelled_guard(&m)?;
    if status_of(&m)? == MeetingStatus::Held {
        return Err(StoreError::conflict(
            "meeting-held",
            "a meeting that has been held cannot be cancelled",
        ));
    }
    let m = cancel_locked(&txn, ctx, m, &reason, &c.name, now).await?;
    txn.commit().await?;
    Ok(m)
}

/// Cancels the series: its occurrences still to come are cancelled; past
/// and held ones stay as they are. Returns the series and the meetings it
/// cancelled.
pub async fn cancel_series(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    series_id: &str,
    reason: &str,
) -> Result<(meeting_series::Model, Vec<meeting::Model>), StoreError> {
    let reason = rules::cancel_reason(reason).map_err(|e| Violations::single("reason", e))?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let s = meeting_series::Entity::find_by_id(series_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("meeting series"))?;
    if series_status_of(&s)? == SeriesStatus::Cancelled {
        return Err(StoreError::conflict(
            "series-cancelled",
            "the series was already cancelled",
        ));
    }
    let future = meeting::Entity::find()
        .filter(meeting::Column::SeriesId.eq(&s.id))
        .filter(meeting::Column::Status.eq(MeetingStatus::Scheduled.as_str()))
        .filter(meeting::Column::StartsAt.gt(now))
        .order_by_asc(meeting::Column::StartsAt)
        .lock_exclusive()
        .all(&txn)
        .await?;
    let mut cancelled = Vec::with_capacity(future.len());
    for m in future {
        cancelled.push(cancel_locked(&txn, ctx, m, &reason, &c.name, now).await?);
    }
    let network_id = s.network_id.clone();
    let mut am = s.into_active_model();
    am.status = Set(SeriesStatus::Cancelled.as_str().to_owned());
    am.cancel_reason = Set(Some(reason));
    am.cancelled_at = Set(Some(now));
    let s = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("meeting_series.cancelled", "meeting_series", &s.id)
            .network(&network_id)
            .changed(vec!["status", "cancel_reason"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok((s, cancelled))
}

/// Filters for listing meetings.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub community_id: Option<String>,
    pub series_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub status: Option<MeetingStatus>,
}

/// The communities whose meetings a person sees: those they are a current
/// member of, and every community in networks they manage. `None` means
/// all (a platform admin).
pub async fn visible_scope<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
) -> Result<Option<(Vec<String>, Vec<String>)>, StoreError> {
    if principal.is_platform_admin {
        return Ok(None);
    }
    let communities: Vec<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .filter(community_member::Column::UserId.eq(&principal.user_id))
        .filter(community_member::Column::Status.eq(MembershipStatus::Active.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    let managed: Vec<String> = network_member::Entity::find()
        .select_only()
        .column(network_member::Column::NetworkId)
        .filter(network_member::Column::UserId.eq(&principal.user_id))
        .filter(network_member::Column::Role.eq("manager"))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Some((communities, managed)))
}

/// The cursor of a meeting in start order: `"<RFC 3339>|<id>"`.
pub fn cursor_of(m: &meeting::Model) -> String {
    format!("{}|{}", m.starts_at.to_rfc3339(), m.id)
}

/// Meetings the caller may see, by start time (then id).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    f: &ListFilter,
    page: &PageRequest,
) -> Result<Page<meeting::Model>, StoreError> {
    let mut q = meeting::Entity::find();
    if let Some((communities, managed)) = visible_scope(conn, principal).await? {
        q = q.filter(
            Condition::any()
                .add(meeting::Column::CommunityId.is_in(communities))
                .add(meeting::Column::NetworkId.is_in(managed)),
        );
    }
    if let Some(c) = &f.community_id {
        q = q.filter(meeting::Column::CommunityId.eq(c));
    }
    if let Some(s) = &f.series_id {
        q = q.filter(meeting::Column::SeriesId.eq(s));
    }
    if let Some(t) = f.from {
        q = q.filter(meeting::Column::StartsAt.gte(t));
    }
    if let Some(t) = f.to {
        q = q.filter(meeting::Column::StartsAt.lt(t));
    }
    if let Some(s) = f.status {
        q = q.filter(meeting::Column::Status.eq(s.as_str()));
    }
    if let Some(after) = &page.after {
        let (at, id) = after
            .split_once('|')
            .and_then(|(at, id)| {
                DateTime::parse_from_rfc3339(at)
                    .ok()
                    .map(|at| (at.with_timezone(&Utc), id.to_owned()))
            })
            .ok_or_else(|| {
                StoreError::invalid(
                    "cursor",
                    "invalid_cursor",
                    "is not a cursor this API returned",
                )
            })?;
        q = q.filter(
            Condition::any().add(meeting::Column::StartsAt.gt(at)).add(
                Condition::all()
                    .add(meeting::Column::StartsAt.eq(at))
                    .add(meeting::Column::Id.gt(id)),
            ),
        );
    }
    let mut items = q
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .limit(page.limit + 1)
        .all(conn)
        .await?;
    let next_after = if items.len() as u64 > page.limit {
        items.truncate(page.limit as usize);
        items.last().map(cursor_of)
    } else {
        None
    };
    Ok(Page { items, next_after })
}

/// Every meeting of a community, by start (for its calendar).
pub async fn of_community<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<Vec<meeting::Model>, StoreError> {
    Ok(meeting::Entity::find()
        .filter(meeting::Column::CommunityId.eq(community_id))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(conn)
        .await?)
}

/// A person's answer and attendance for one meeting.
pub async fn response_of<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
    user_id: &str,
) -> Result<Option<meeting_response::Model>, StoreError> {
    Ok(meeting_response::Entity::find()
        .filter(meeting_response::Column::MeetingId.eq(meeting_id))
        .filter(meeting_response::Column::UserId.eq(user_id))
        .one(conn)
        .await?)
}

/// Every answer and attendance record of a meeting, by user id.
async fn responses_by_user<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<HashMap<String, meeting_response::Model>, StoreError> {
    Ok(meeting_response::Entity::find()
        .filter(meeting_response::Column::MeetingId.eq(meeting_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.user_id.clone(), r))
        .collect())
}

/// Writes a person's response row: updates `existing`, or inserts one.
async fn upsert_response<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
    user_id: &str,
    existing: Option<meeting_response::Model>,
    now: DateTime<Utc>,
    edit: impl FnOnce(&mut meeting_response::ActiveModel),
) -> Result<meeting_response::Model, StoreError> {
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

/// Records an invitee's answer. Only people invited answer, and only
/// before the meeting starts.
pub async fn rsvp(
    db: &Db,
    ctx: &Ctx,
    meeting_id: &str,
    user_id: &str,
    response: RsvpResponse,
) -> Result<meeting_response::Model, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock(&txn, meeting_id).await?;
    if !invitee_ids(&txn, &m).await?.contains(user_id) {
        return Err(StoreError::forbidden(
            "not-invited",
            "only people invited to the meeting (its community's members) can answer",
        ));
    }
    cancelled_guard(&m)?;
    if m.starts_at <= now {
        return Err(StoreError::conflict(
            "meeting-started",
            "the meeting has started; answers are closed (the core team records attendance)",
        ));
    }
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
) -> Result<Vec<AttendanceEntry>, StoreError> {
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
            display_name: names.get(&u).cloned().unwrap_or_default(),
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

/// One text column of rows by id (names for display).
async fn names_by_id<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    id: E::Column,
    name: E::Column,
    ids: Vec<String>,
) -> Result<HashMap<String, String>, StoreError> {
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
) -> Result<HashMap<String, String>, StoreError> {
    names_by_id::<user::Entity, _>(conn, user::Column::Id, user::Column::DisplayName, ids).await
}

/// Marks a scheduled meeting held (attendance or minutes were recorded).
pub(crate) async fn mark_held<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    m: meeting::Model,
    now: DateTime<Utc>,
) -> Result<meeting::Model, StoreError> {
    if status_of(&m)? != MeetingStatus::Scheduled {
        return Ok(m);
    }
    let mut am = m.clone().into_active_model();
    am.status = Set(MeetingStatus::Held.as_str().to_owned());
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
pub(crate) fn started_guard(m: &meeting::Model, now: DateTime<Utc>) -> Result<(), StoreError> {
    cancelled_guard(m)?;
    if m.starts_at > now {
        return Err(StoreError::conflict(
            "meeting-not-started",
            "the meeting has not started yet",
        ));
    }
    Ok(())
}

/// Records attendance (only the people listed change) and marks the
/// meeting held.
pub async fn record_attendance(
    db: &Db,
    ctx: &Ctx,
    meeting_id: &str,
    entries: Vec<(String, AttendanceStatus)>,
) -> Result<meeting::Model, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock(&txn, meeting_id).await?;
    started_guard(&m, now)?;
    let invited = invitee_ids(&txn, &m).await?;
    let mut v = Violations::new();
    let mut seen = BTreeSet::new();
    for (i, (u, _)) in entries.iter().enumerate() {
        if !invited.contains(u) {
            v.add(
                &format!("[{i}].user_id"),
                Invalid::new("not_invited", "was not invited to this meeting"),
            );
        } else if !seen.insert(u.clone()) {
            v.add(
                &format!("[{i}].user_id"),
                Invalid::new("duplicate", "appears more than once"),
            );
        }
    }
    v.into_result()?;
    let mut existing = responses_by_user(&txn, &m.id).await?;
    for (u, status) in &entries {
        upsert_response(&txn, &m.id, u, existing.remove(u), now, |am| {
            am.attendance = Set(Some(status.as_str().to_owned()));
            am.attendance_by = Set(ctx.actor_id.clone());
            am.attendance_at = Set(Some(now));
        })
        .await?;
    }
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("meeting.attendance_recorded", "meeting", &m.id)
            .network(&m.network_id)
            .changed(vec!["attendance"]),
        vec![],
    )
    .await?;
    let m = mark_held(&txn, ctx, m, now).await?;
    txn.commit().await?;
    Ok(m)
}

/// Creates or replaces a person's calendar-feed secret; the old one stops
/// working at once. Returns the new secret (stored only as a hash).
pub async fn rotate_feed(db: &Db, ctx: &Ctx, user_id: &str) -> Result<String, StoreError> {
    let secret = crate::secrets::random_token("");
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    calendar_feed::Entity::delete_many()
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let id = new_id();
    calendar_feed::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(user_id.to_owned()),
        secret_hash: Set(crate::secrets::token_hash(&secret)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("calendar_feed.rotated", "user", user_id).changed(vec!["secret"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(secret)
}

/// Switches a person's calendar feed off. Returns whether there was one.
pub async fn delete_feed(db: &Db, ctx: &Ctx, user_id: &str) -> Result<bool, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let r = calendar_feed::Entity::delete_many()
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    if r.rows_affected > 0 {
        trail::write(
            &txn,
            ctx,
            now,
            Audit::new("calendar_feed.deleted", "user", user_id).changed(vec!["secret"]),
            vec![],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(r.rows_affected > 0)
}

/// The active person a feed secret belongs to.
pub async fn feed_owner(db: &Db, secret: &str) -> Result<user::Model, StoreError> {
    let hash = crate::secrets::token_hash(secret);
    let feed = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::SecretHash.eq(hash))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("calendar feed"))?;
    let u = user::Entity::find_by_id(feed.user_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("calendar feed"))?;
    if u.status != "active" {
        return Err(StoreError::NotFound("calendar feed"));
    }
    Ok(u)
}

/// How far back a personal feed reaches.
pub const FEED_HISTORY_DAYS: i64 = 365;

/// A person's meetings for their feed: every meeting they are invited to
/// (their membership covered its start) from a year ago on, cancelled ones
/// included so calendar clients remove them.
pub async fn of_person<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<meeting::Model>, StoreError> {
    let stints = community_member::Entity::find()
        .filter(community_member::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    if stints.is_empty() {
        return Ok(Vec::new());
    }
    let communities: BTreeSet<String> = stints.iter().map(|s| s.community_id.clone()).collect();
    let meetings = meeting::Entity::find()
        .filter(meeting::Column::CommunityId.is_in(communities))
        .filter(meeting::Column::StartsAt.gte(now - Duration::days(FEED_HISTORY_DAYS)))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(conn)
        .await?;
    Ok(meetings
        .into_iter()
        .filter(|m| {
            stints.iter().any(|s| {
                s.community_id == m.community_id
                    && s.joined_at <= m.starts_at
                    && s.ended_at.is_none_or(|e| e > m.starts_at)
            })
        })
        .collect())
}

/// Names of communities by id.
pub async fn community_names<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> Result<HashMap<String, String>, StoreError> {
    names_by_id::<community::Entity, _>(conn, community::Column::Id, community::Column::Name, ids)
        .await
}

/// The core team of a community (active chairs, co-chairs, secretaries).
pub async fn core_team<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<Vec<(String, CommunityRole)>, StoreError> {
    let rows: Vec<(String, String)> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::UserId)
        .column(community_member::Column::Role)
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::Column::Status.eq(MembershipStatus::Active.as_str()))
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
