//! The minutes workflow: saving a draft, submitting it, and approving
//! it (which publishes it and tracks its actions).
use peerhub_domain::webhook::EventType;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::community::CommunityRole;
use peerhub_domain::meeting::{ActionStatus, AttendanceStatus, MeetingDeliveryMode};
use peerhub_domain::minutes::{
    self as rules, ActionItem, MinutesContent, MinutesItem, MinutesPeople,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use serde_json::json;

use super::store::*;
use crate::Db;
use crate::entities::{action, community, meeting, minutes, minutes_revision};
use crate::error::Failure;
use crate::meetings;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// What a PUT of minutes gives; absent fields are filled from the meeting:
/// `held_at` its start, `mode` its mode, `chair_id` the community's chair,
/// attendees and apologies from attendance, items from the agenda.
#[derive(Debug, Clone, Default)]
pub struct MinutesInput {
    pub held_at: Option<DateTime<Utc>>,
    pub mode: Option<MeetingDeliveryMode>,
    pub chair_id: Option<String>,
    pub attendees: Option<Vec<String>>,
    pub apologies: Option<Vec<String>>,
    pub items: Option<Vec<MinutesItem>>,
    pub actions: Vec<ActionItem>,
}

/// Who is acting on the minutes, and their standing in the community.
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub role: Option<CommunityRole>,
}

/// Checks the actor may take the community's minutes; returns its core team.
pub(super) async fn may_draft<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    actor: &Actor<'_>,
) -> Result<Vec<(String, CommunityRole)>, Failure> {
    let core = meetings::core_team(conn, community_id).await?;
    let has_secretary = core.iter().any(|(_, r)| *r == CommunityRole::Secretary);
    rules::may_draft(actor.role, has_secretary)?;
    Ok(core)
}

/// Saves the working copy (creating it, or starting the next revision of
/// published minutes). Marks the meeting held.
pub async fn save(
    db: &Db,
    ctx: &Ctx,
    meeting_id: &str,
    actor: &Actor<'_>,
    input: MinutesInput,
    if_match: Option<i32>,
) -> Result<minutes::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock_meeting(&txn, meeting_id).await?;
    let saved = save_in(&txn, ctx, m, actor, input, if_match, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Like [`save`] for a caller: checks their standing in the meeting's
/// community (`need`) in the same transaction and acts with their role.
pub async fn save_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    need: CommunityNeed,
    input: MinutesInput,
    if_match: Option<i32>,
) -> Result<minutes::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock_meeting(&txn, meeting_id).await?;
    let a = meetings::via_community(&txn, principal, &m.community_id, need, "meeting").await?;
    let actor = Actor {
        user_id: &principal.user_id,
        role: a.role,
    };
    let saved = save_in(&txn, ctx, m, &actor, input, if_match, now).await?;
    txn.commit().await?;
    Ok(saved)
}

#[allow(clippy::too_many_arguments)]
async fn save_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    m: meeting::Model,
    actor: &Actor<'_>,
    input: MinutesInput,
    if_match: Option<i32>,
    now: DateTime<Utc>,
) -> Result<minutes::Model, Failure> {
    let core = may_draft(txn, &m.community_id, actor).await?;
    meetings::started_guard(&m, now)?;
    let current = working_copy(txn, &m.id).await?;
    if let Some(cur) = &current {
        peerhub_domain::Refusal::check_version(if_match, cur.version)?;
    }
    let invited = meetings::invitee_ids(txn, &m).await?;
    let members = meetings::member_ids(txn, &m.community_id).await?;
    let known: BTreeSet<String> = action::Entity::find()
        .select_only()
        .column(action::Column::Id)
        .filter(action::Column::MeetingId.eq(&m.id))
        .into_tuple::<String>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let mode = match input.mode {
        Some(mode) => mode,
        None => meetings::mode_of(&m)?,
    };
    let (attendees, apologies) = match (input.attendees, input.apologies) {
        (Some(a), Some(p)) => (a, p),
        (a, p) => {
            let att = meetings::attendance(txn, &m).await?;
            let pick = |want: AttendanceStatus| -> Vec<String> {
                att.iter()
                    .filter(|e| e.status == want)
                    .map(|e| e.user_id.clone())
                    .collect()
            };
            (
                a.unwrap_or_else(|| pick(AttendanceStatus::Present)),
                p.unwrap_or_else(|| pick(AttendanceStatus::Apologies)),
            )
        }
    };
    let chair_id = match input.chair_id {
        Some(c) => Some(c),
        None => rules::default_chair(core.iter().map(|(u, r)| (u.as_str(), *r)), |u| {
            invited.contains(u)
        }),
    };
    let items = match input.items {
        Some(items) => items,
        None => meetings::agenda_of(&m)?
            .into_iter()
            .map(|a| MinutesItem {
                agenda_item: a.title,
                discussion: String::new(),
                decisions: Vec::new(),
            })
            .collect(),
    };
    let content = rules::minutes(
        MinutesContent {
            held_at: input.held_at.unwrap_or(m.starts_at),
            mode,
            chair_id,
            attendees,
            apologies,
            items,
            actions: input.actions,
        },
        &MinutesPeople {
            invited: &|u| invited.contains(u),
            member: &|u| members.contains(u),
            known_action: &|id| known.contains(id),
        },
    )?;
    let (status, revision) = rules::redraft(match &current {
        Some(cur) => Some((status_of(cur)?, cur.revision)),
        None => None,
    });
    let saved = match current {
        None => {
            minutes::ActiveModel {
                id: Set(new_id()),
                meeting_id: Set(m.id.clone()),
                community_id: Set(m.community_id.clone()),
                network_id: Set(m.network_id.clone()),
                status: Set(status.as_str().to_owned()),
                revision: Set(revision),
                content: Set(content_json(&content)?),
                drafted_by: Set(Some(actor.user_id.to_owned())),
                submitted_by: Set(None),
                submitted_at: Set(None),
                published_revision: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?
        }
        Some(cur) => {
            let mut am = cur.into_active_model();
            am.status = Set(status.as_str().to_owned());
            am.revision = Set(revision);
            am.content = Set(content_json(&content)?);
            am.drafted_by = Set(Some(actor.user_id.to_owned()));
            am.submitted_by = Set(None);
            am.submitted_at = Set(None);
            am.update(txn).await?
        }
    };
    trail::write(
        txn,
        ctx,
        now,
        Audit::new("minutes.drafted", "minutes", &saved.id)
            .network(&m.network_id)
            .changed(vec!["content"]),
        vec![],
    )
    .await?;
    meetings::mark_held(txn, ctx, m, now).await?;
    Ok(saved)
}

/// Submits the draft for approval.
pub async fn submit(
    db: &Db,
    ctx: &Ctx,
    meeting_id: &str,
    actor: &Actor<'_>,
    if_match: Option<i32>,
) -> Result<minutes::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let mn = submit_in(&txn, ctx, meeting_id, actor, if_match, now).await?;
    txn.commit().await?;
    Ok(mn)
}

/// Like [`submit`] for a caller: checks their standing in the meeting's
/// community (`need`) in the same transaction and acts with their role.
pub async fn submit_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    need: CommunityNeed,
    if_match: Option<i32>,
) -> Result<minutes::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (_, a) = meetings::meeting_access(&txn, principal, meeting_id, need).await?;
    let actor = Actor {
        user_id: &principal.user_id,
        role: a.role,
    };
    let mn = submit_in(&txn, ctx, meeting_id, &actor, if_match, now).await?;
    txn.commit().await?;
    Ok(mn)
}

async fn submit_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    meeting_id: &str,
    actor: &Actor<'_>,
    if_match: Option<i32>,
    now: DateTime<Utc>,
) -> Result<minutes::Model, Failure> {
    let mn = lock_minutes(txn, meeting_id).await?;
    may_draft(txn, &mn.community_id, actor).await?;
    peerhub_domain::Refusal::check_version(if_match, mn.version)?;
    let next = rules::submit(status_of(&mn)?)?;
    let network_id = mn.network_id.clone();
    let mut am = mn.into_active_model();
    am.status = Set(next.as_str().to_owned());
    am.submitted_by = Set(Some(actor.user_id.to_owned()));
    am.submitted_at = Set(Some(now));
    let mn = am.update(txn).await?;
    trail::write(
        txn,
        ctx,
        now,
        Audit::new("minutes.submitted", "minutes", &mn.id)
            .network(&network_id)
            .changed(vec!["status"]),
        vec![],
    )
    .await?;
    Ok(mn)
}

/// Materialises the actions of approved minutes: new ones are created,
/// listed ones updated (their status kept), dropped ones deleted. Returns
/// the content with every action's id.
pub(super) async fn sync_actions<C: ConnectionTrait>(
    conn: &C,
    m: &meeting::Model,
    mut content: MinutesContent,
    now: DateTime<Utc>,
) -> Result<MinutesContent, Failure> {
    let existing: HashMap<String, action::Model> = action::Entity::find()
        .filter(action::Column::MeetingId.eq(&m.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let mut kept = BTreeSet::new();
    for item in &mut content.actions {
        match item.id.as_ref().and_then(|id| existing.get(id)) {
            Some(a) => {
                kept.insert(a.id.clone());
                if a.description != item.description
                    || a.owner_id != item.owner_id
                    || a.due_on != item.due_on
                {
                    let mut am = a.clone().into_active_model();
                    am.description = Set(item.description.clone());
                    am.owner_id = Set(item.owner_id.clone());
                    am.due_on = Set(item.due_on);
                    am.update(conn).await?;
                }
            }
            None => {
                let id = new_id();
                action::ActiveModel {
                    id: Set(id.clone()),
                    community_id: Set(m.community_id.clone()),
                    network_id: Set(m.network_id.clone()),
                    meeting_id: Set(m.id.clone()),
                    description: Set(item.description.clone()),
                    owner_id: Set(item.owner_id.clone()),
                    due_on: Set(item.due_on),
                    status: Set(ActionStatus::Open.as_str().to_owned()),
                    done_at: Set(None),
                    done_by: Set(None),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(conn)
                .await?;
                kept.insert(id.clone());
                item.id = Some(id);
            }
        }
    }
    let dropped: Vec<String> = existing.into_keys().filter(|k| !kept.contains(k)).collect();
    if !dropped.is_empty() {
        action::Entity::delete_many()
            .filter(action::Column::Id.is_in(dropped))
            .exec(conn)
            .await?;
    }
    Ok(content)
}

/// Approves submitted minutes, which publishes them to the community's
/// members and emits `minutes.published`.
pub async fn approve(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    meeting_id: &str,
    actor: &Actor<'_>,
    if_match: Option<i32>,
) -> Result<(minutes::Model, minutes_revision::Model), Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock_meeting(&txn, meeting_id).await?;
    let out = approve_in(&txn, ctx, c, m, actor, if_match, now).await?;
    txn.commit().await?;
    Ok(out)
}

/// Like [`approve`] for a caller: checks their standing in the meeting's
/// community (`need`) in the same transaction and acts with their role.
pub async fn approve_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    need: CommunityNeed,
    if_match: Option<i32>,
) -> Result<(minutes::Model, minutes_revision::Model), Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock_meeting(&txn, meeting_id).await?;
    let a = meetings::via_community(&txn, principal, &m.community_id, need, "meeting").await?;
    let actor = Actor {
        user_id: &principal.user_id,
        role: a.role,
    };
    let out = approve_in(&txn, ctx, &a.community, m, &actor, if_match, now).await?;
    txn.commit().await?;
    Ok(out)
}

async fn approve_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    c: &community::Model,
    m: meeting::Model,
    actor: &Actor<'_>,
    if_match: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(minutes::Model, minutes_revision::Model), Failure> {
    let mn = lock_minutes(txn, &m.id).await?;
    peerhub_domain::Refusal::check_version(if_match, mn.version)?;
    let core = meetings::core_team(txn, &m.community_id).await?;
    let is_submitter = mn.submitted_by.as_deref() == Some(actor.user_id);
    let next = rules::approve(actor.role, is_submitter, core.len(), status_of(&mn)?)?;
    let content = sync_actions(txn, &m, working_content(&mn)?, now).await?;
    let rev = minutes_revision::ActiveModel {
        id: Set(new_id()),
        meeting_id: Set(m.id.clone()),
        revision: Set(mn.revision),
        content: Set(content_json(&content)?),
        submitted_by: Set(mn.submitted_by.clone()),
        approved_by: Set(Some(actor.user_id.to_owned())),
        approved_at: Set(now),
    }
    .insert(txn)
    .await?;
    let revision = mn.revision;
    let mut am = mn.into_active_model();
    am.status = Set(next.as_str().to_owned());
    am.content = Set(content_json(&content)?);
    am.published_revision = Set(Some(revision));
    let mn = am.update(txn).await?;
    let payload = json!({
        "meeting_id": m.id,
        "community_id": m.community_id,
        "community_name": c.name,
        "network_id": m.network_id,
        "meeting_title": m.title,
        "starts_at": m.starts_at,
        "timezone": m.timezone,
        "revision": revision,
        "held_at": content.held_at,
        "mode": content.mode.as_str(),
        "approved_at": now,
        "decisions": content.items.iter().flat_map(|i| i.decisions.clone()).collect::<Vec<_>>(),
        "actions": content.actions.iter().map(|a| json!({"id": a.id, "description": a.description, "owner_id": a.owner_id, "due_on": a.due_on})).collect::<Vec<_>>(),
    });
    trail::write(
        txn,
        ctx,
        now,
        Audit::new("minutes.approved", "minutes", &mn.id)
            .network(&m.network_id)
            .changed(vec!["status", "published_revision"]),
        vec![
            Message::event(EventType::MinutesPublished, "meeting", &m.id, payload)
                .network(&m.network_id),
        ],
    )
    .await?;
    Ok((mn, rev))
}
