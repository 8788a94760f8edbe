//! Scheduling one meeting, changing it, its agenda, and cancelling it.
use peerhub_domain::webhook::EventType;
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use peerhub_domain::Violations;
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::calendar;
use peerhub_domain::meeting::{
    self as rules, AgendaItem, MeetingDeliveryMode, MeetingStatus, lifecycle,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, IntoActiveModel};

use super::store::*;
use crate::Db;
use crate::access;
use crate::entities::{community, meeting};
use crate::error::Failure;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// A meeting's time: the zone, the local start and the instant.
pub(super) struct When {
    pub(super) timezone: String,
    pub(super) local: NaiveDateTime,
    pub(super) starts_at: DateTime<Utc>,
}

pub(super) fn zone(tz: &str, v: &mut Violations) -> Option<chrono_tz::Tz> {
    v.check("timezone", calendar::parse_timezone(tz))
}

/// Resolves a local start in a zone, naming `local_field` in errors.
pub(super) fn when(tz: &str, local: &str, local_field: &str) -> Result<When, Violations> {
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
pub(super) struct Checked {
    title: String,
    duration: i32,
    venue: rules::Venue,
    agenda: Vec<AgendaItem>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn check_common(
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
pub(super) async fn insert<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    c: &community::Model,
    series_id: Option<&str>,
    checked: &Checked,
    w: &When,
    now: DateTime<Utc>,
) -> Result<meeting::Model, Failure> {
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
        agenda: Set(agenda_json(&checked.agenda)?),
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
                EventType::MeetingScheduled,
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

/// Schedules one meeting of a community, checking the caller's standing
/// in it (`need`) in the same transaction.
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    community_id: &str,
    need: CommunityNeed,
    input: NewMeeting,
) -> Result<meeting::Model, Failure> {
    let txn = crate::db::begin_write(db).await?;
    let c = &access::community(&txn, principal, community_id, need, None).await?;
    archived_guard(c)?;
    let members = member_ids(&txn, &c.id).await?;
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
        return Err(Failure::violations(v));
    };
    let now = Utc::now();
    let m = insert(&txn, ctx, c, None, &checked, &w, now).await?;
    txn.commit().await?;
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

/// Changes one meeting (other occurrences of its series stay as they are),
/// checking the caller's standing in its community (`need`) in the same
/// transaction.
pub async fn update(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    need: CommunityNeed,
    p: MeetingPatch,
    if_match: Option<i32>,
) -> Result<meeting::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (m, a) = lock_with_access(&txn, principal, meeting_id, need).await?;
    let c = &a.community;
    archived_guard(c)?;
    let members = member_ids(&txn, &c.id).await?;
    peerhub_domain::Refusal::check_version(if_match, m.version)?;
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
        return Err(Failure::violations(v));
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
        Some(EventType::MeetingUpdated),
        changed,
        &c.name,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Replaces the agenda (ordered items), checking the caller's standing in
/// the meeting's community (`need`) in the same transaction.
pub async fn set_agenda(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    need: CommunityNeed,
    items: Vec<AgendaItem>,
    if_match: Option<i32>,
) -> Result<meeting::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (m, a) = lock_with_access(&txn, principal, meeting_id, need).await?;
    let c = &a.community;
    archived_guard(c)?;
    let members = member_ids(&txn, &c.id).await?;
    let items = rules::agenda(items, "items", |u| members.contains(u))?;
    peerhub_domain::Refusal::check_version(if_match, m.version)?;
    cancelled_guard(&m)?;
    if agenda_of(&m)? == items {
        return Ok(m);
    }
    let mut am = m.clone().into_active_model();
    am.agenda = Set(agenda_json(&items)?);
    let m = save(
        &txn,
        ctx,
        m,
        am,
        true,
        "meeting.agenda_changed",
        Some(EventType::MeetingUpdated),
        vec!["agenda"],
        &c.name,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

pub(super) async fn cancel_locked<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    m: meeting::Model,
    reason: &str,
    community_name: &str,
    now: DateTime<Utc>,
) -> Result<meeting::Model, Failure> {
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
        Some(EventType::MeetingCancelled),
        vec!["status", "cancel_reason"],
        community_name,
        now,
    )
    .await
}

/// Cancels a meeting that has not been held, checking the caller's
/// standing in its community (`need`) in the same transaction.
pub async fn cancel(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    need: CommunityNeed,
    reason: &str,
    if_match: Option<i32>,
) -> Result<meeting::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (m, a) = lock_with_access(&txn, principal, meeting_id, need).await?;
    let reason = rules::cancel_reason(reason).map_err(|e| Violations::single("reason", e))?;
    peerhub_domain::Refusal::check_version(if_match, m.version)?;
    lifecycle::cancel(status_of(&m)?)?;
    let m = cancel_locked(&txn, ctx, m, &reason, &a.community.name, now).await?;
    txn.commit().await?;
    Ok(m)
}
