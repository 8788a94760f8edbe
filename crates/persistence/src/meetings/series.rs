//! Meeting series: scheduling occurrences from the community's cadence,
//! and cancelling the ones still to come.

use chrono::{NaiveDate, Utc};
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::calendar;
use peerhub_domain::community::{CadenceUnit, DeliveryMode, check_cadence};
use peerhub_domain::meeting::{
    self as rules, AgendaItem, MeetingDeliveryMode, SeriesStatus, lifecycle,
};
use peerhub_domain::{Invalid, Violations};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::schedule::*;
use super::store::*;
use crate::Db;
use crate::access;
use crate::entities::{community, meeting, meeting_series};
use crate::error::Failure;
use crate::load;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, new_id};

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
) -> Result<(meeting_series::Model, Vec<meeting::Model>), Failure> {
    let txn = crate::db::begin_write(db).await?;
    let out = series_in(&txn, ctx, c, input).await?;
    txn.commit().await?;
    Ok(out)
}

/// Like [`create_series`] for a caller: checks their standing in the
/// community (`need`) in the same transaction, and schedules in the
/// community it loaded.
pub async fn create_series_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    community_id: &str,
    need: CommunityNeed,
    input: NewSeries,
) -> Result<(meeting_series::Model, Vec<meeting::Model>), Failure> {
    let txn = crate::db::begin_write(db).await?;
    let c = access::community(&txn, principal, community_id, need, None).await?;
    let out = series_in(&txn, ctx, &c, input).await?;
    txn.commit().await?;
    Ok(out)
}

async fn series_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    c: &community::Model,
    input: NewSeries,
) -> Result<(meeting_series::Model, Vec<meeting::Model>), Failure> {
    archived_guard(c)?;
    let members = member_ids(txn, &c.id).await?;
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
    // The stored cadence was checked when written; one that is not a valid
    // cadence now is a store inconsistency (500), never "every 1".
    let every = check_cadence(c.cadence_every, unit)
        .ok()
        .and_then(|e| u32::try_from(e).ok())
        .ok_or_else(|| {
            Failure::internal(format!(
                "stored community.cadence_every {} of {} is not a valid cadence",
                c.cadence_every, c.id
            ))
        })?;
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
        return Err(Failure::violations(v));
    };
    let now = Utc::now();
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
    .insert(txn)
    .await?;
    trail::write(
        txn,
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
        meetings.push(insert(txn, ctx, c, Some(&s.id), &checked, w, now).await?);
    }
    Ok((s, meetings))
}

/// Cancels the series: its occurrences still to come are cancelled; past
/// and held ones stay as they are. Checks the caller's standing in the
/// series' community (`need`) in the same transaction. Returns the series
/// and the meetings it cancelled.
pub async fn cancel_series(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    series_id: &str,
    need: CommunityNeed,
    reason: &str,
) -> Result<(meeting_series::Model, Vec<meeting::Model>), Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let s = load::find_for_update_or_404::<meeting_series::Entity, _>(
        &txn,
        series_id,
        "meeting series",
    )
    .await?;
    let a = via_community(&txn, principal, &s.community_id, need, "meeting series").await?;
    let c = &a.community;
    let reason = rules::cancel_reason(reason).map_err(|e| Violations::single("reason", e))?;
    let next = lifecycle::cancel_series(series_status_of(&s)?)?;
    let occurrences = meeting::Entity::find()
        .filter(meeting::Column::SeriesId.eq(&s.id))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .lock_exclusive()
        .all(&txn)
        .await?;
    let mut cancelled = Vec::new();
    for m in occurrences {
        if lifecycle::cancelled_with_series(status_of(&m)?, m.starts_at, now) {
            cancelled.push(cancel_locked(&txn, ctx, m, &reason, &c.name, now).await?);
        }
    }
    let network_id = s.network_id.clone();
    let mut am = s.into_active_model();
    am.status = Set(next.as_str().to_owned());
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
