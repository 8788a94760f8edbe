//! Actions recorded in approved minutes: listing them, marking them done
//! or open, and carrying open ones forward.
use peerhub_domain::webhook::EventType;
use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::meeting::ActionStatus;
use peerhub_domain::minutes::{self as rules};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::store::*;
use crate::Db;
use crate::entities::{action, meeting};
use crate::error::Failure;
use crate::load;
use crate::meetings;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message};

/// Filters for listing actions.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub owner_id: Option<String>,
    pub community_id: Option<String>,
    pub meeting_id: Option<String>,
    pub status: Option<ActionStatus>,
    /// Only open actions past their due date.
    pub overdue_on: Option<NaiveDate>,
}

/// Actions the caller may see (the same communities as their meetings).
pub async fn list_actions<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    f: &ActionFilter,
    page: &PageRequest,
) -> Result<Page<action::Model>, Failure> {
    let mut q = action::Entity::find();
    if let Some((communities, managed)) = meetings::visible_scope(conn, principal).await? {
        q = q.filter(
            Condition::any()
                .add(action::Column::CommunityId.is_in(communities))
                .add(action::Column::NetworkId.is_in(managed)),
        );
    }
    if let Some(o) = &f.owner_id {
        q = q.filter(action::Column::OwnerId.eq(o));
    }
    if let Some(c) = &f.community_id {
        q = q.filter(action::Column::CommunityId.eq(c));
    }
    if let Some(m) = &f.meeting_id {
        q = q.filter(action::Column::MeetingId.eq(m));
    }
    if let Some(s) = f.status {
        q = q.filter(action::Column::Status.eq(s.as_str()));
    }
    if let Some(today) = f.overdue_on {
        q = q
            .filter(action::Column::Status.eq(ActionStatus::Open.as_str()))
            .filter(action::Column::DueOn.lt(today));
    }
    Ok(page::fetch(conn, q, action::Column::Id, |a| a.id.clone(), page).await?)
}

pub async fn find_action<C: ConnectionTrait>(conn: &C, id: &str) -> Result<action::Model, Failure> {
    load::find_or_404::<action::Entity, _>(conn, id, "action").await
}

/// Marks an action done or open again (its owner, the core team or a
/// manager; the caller checks who).
pub async fn set_action_status(
    db: &Db,
    ctx: &Ctx,
    action_id: &str,
    status: ActionStatus,
    if_match: Option<i32>,
) -> Result<action::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let a = lock_action(&txn, action_id).await?;
    let a = status_in(&txn, ctx, a, status, if_match, now).await?;
    txn.commit().await?;
    Ok(a)
}

/// Like [`set_action_status`] for a caller: checks their standing in the
/// action's community (`need`) in the same transaction, and that they are
/// its owner, on the core team or a manager.
pub async fn set_action_status_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    action_id: &str,
    need: CommunityNeed,
    status: ActionStatus,
    if_match: Option<i32>,
) -> Result<action::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let a = lock_action(&txn, action_id).await?;
    let acc = meetings::via_community(&txn, principal, &a.community_id, need, "action").await?;
    peerhub_domain::minutes::may_change_action(
        a.owner_id == principal.user_id,
        acc.is_manager,
        acc.role,
    )?;
    let a = status_in(&txn, ctx, a, status, if_match, now).await?;
    txn.commit().await?;
    Ok(a)
}

async fn lock_action<C: ConnectionTrait>(conn: &C, id: &str) -> Result<action::Model, Failure> {
    load::find_for_update_or_404::<action::Entity, _>(conn, id, "action").await
}

async fn status_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    a: action::Model,
    status: ActionStatus,
    if_match: Option<i32>,
    now: chrono::DateTime<Utc>,
) -> Result<action::Model, Failure> {
    peerhub_domain::Refusal::check_version(if_match, a.version)?;
    let Some(status) = rules::action_transition(action_status_of(&a)?, status) else {
        return Ok(a);
    };
    let network_id = a.network_id.clone();
    let mut am = a.into_active_model();
    am.status = Set(status.as_str().to_owned());
    match status {
        ActionStatus::Done => {
            am.done_at = Set(Some(now));
            am.done_by = Set(ctx.actor_id.clone());
        }
        ActionStatus::Open => {
            am.done_at = Set(None);
            am.done_by = Set(None);
        }
    }
    let a = am.update(txn).await?;
    trail::write(
        txn,
        ctx,
        now,
        Audit::new("action.status_changed", "action", &a.id)
            .network(&network_id)
            .changed(vec!["status"]),
        vec![Message::event(
            EventType::ActionStatusChanged,
            "action",
            &a.id,
            json!({"action_id": a.id, "meeting_id": a.meeting_id, "community_id": a.community_id, "owner_id": a.owner_id, "status": a.status, "due_on": a.due_on}),
        )
        .network(&network_id)],
    )
    .await?;
    Ok(a)
}

/// Open actions of a community raised at meetings before `before`: what
/// the next meeting carries forward.
pub async fn carried<C: ConnectionTrait>(
    conn: &C,
    m: &meeting::Model,
) -> Result<Vec<action::Model>, Failure> {
    let earlier: Vec<String> = meeting::Entity::find()
        .select_only()
        .column(meeting::Column::Id)
        .filter(meeting::Column::CommunityId.eq(&m.community_id))
        .filter(meeting::Column::StartsAt.lt(m.starts_at))
        .into_tuple()
        .all(conn)
        .await?;
    if earlier.is_empty() {
        return Ok(Vec::new());
    }
    Ok(action::Entity::find()
        .filter(action::Column::CommunityId.eq(&m.community_id))
        .filter(action::Column::Status.eq(ActionStatus::Open.as_str()))
        .filter(action::Column::MeetingId.is_in(earlier))
        .order_by_asc(action::Column::DueOn)
        .order_by_asc(action::Column::Id)
        .all(conn)
        .await?)
}

/// Current statuses of actions by id (to annotate minutes).
pub async fn action_statuses<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<HashMap<String, ActionStatus>, Failure> {
    let rows: Vec<(String, String)> = action::Entity::find()
        .select_only()
        .column(action::Column::Id)
        .column(action::Column::Status)
        .filter(action::Column::MeetingId.eq(meeting_id))
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|(id, s)| Ok((id, decode("action.status", &s)?)))
        .collect()
}
