//! Minutes ("notes with actions") and the actions they record.
//!
//! The working copy lives in `minutes` (draft → submitted → published);
//! each approval stores the approved text in `minutes_revisions` and
//! publishes it. Editing published minutes starts the next revision as a
//! draft while members keep seeing the last approved one.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::Principal;
use peerhub_domain::community::CommunityRole;
use peerhub_domain::meeting::{
    self as rules, ActionItem, ActionStatus, ApprovalRefusal, AttendanceStatus,
    MeetingDeliveryMode, MinutesContent, MinutesItem, MinutesPeople, MinutesStatus,
};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::entities::{action, community, meeting, minutes, minutes_revision};
use crate::error::StoreError;
use crate::meetings;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// The content stored with a working copy or revision.
pub fn content_of(raw: &str) -> Result<MinutesContent, StoreError> {
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Internal(format!("stored minutes invalid: {e}")))
}

fn content_json(c: &MinutesContent) -> String {
    serde_json::to_string(c).unwrap_or_else(|_| "{}".into())
}

/// The stored status of a working copy (an unknown value is an error).
pub fn status_of(w: &minutes::Model) -> Result<MinutesStatus, StoreError> {
    decode("minutes.status", &w.status)
}

/// The stored status of an action.
pub fn action_status_of(a: &action::Model) -> Result<ActionStatus, StoreError> {
    decode("action.status", &a.status)
}

/// The working copy of a meeting's minutes, if drafted.
pub async fn working_copy<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<Option<minutes::Model>, StoreError> {
    Ok(minutes::Entity::find()
        .filter(minutes::Column::MeetingId.eq(meeting_id))
        .one(conn)
        .await?)
}

/// The latest approved (published) revision, if any.
pub async fn published<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<Option<minutes_revision::Model>, StoreError> {
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
) -> Result<Page<minutes_revision::Model>, StoreError> {
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
async fn may_draft<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    actor: &Actor<'_>,
) -> Result<Vec<(String, CommunityRole)>, StoreError> {
    let core = meetings::core_team(conn, community_id).await?;
    let has_secretary = core.iter().any(|(_, r)| *r == CommunityRole::Secretary);
    if rules::may_draft(actor.role, has_secretary) {
        Ok(core)
    } else {
        Err(StoreError::forbidden(
            "not-minute-taker",
            "minutes are drafted and submitted by the secretary, or by the chair or a co-chair when the community has no secretary",
        ))
    }
}

async fn lock_meeting<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<meeting::Model, StoreError> {
    meeting::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("meeting"))
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
) -> Result<minutes::Model, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock_meeting(&txn, meeting_id).await?;
    let core = may_draft(&txn, &m.community_id, actor).await?;
    meetings::started_guard(&m, now)?;
    let current = working_copy(&txn, &m.id).await?;
    if let Some(cur) = &current {
        StoreError::check_version(if_match, cur.version)?;
    }
    let invited = meetings::invitee_ids(&txn, &m).await?;
    let members = meetings::member_ids(&txn, &m.community_id).await?;
    let known: BTreeSet<String> = action::Entity::find()
        .select_only()
        .column(action::Column::Id)
        .filter(action::Column::MeetingId.eq(&m.id))
        .into_tuple::<String>()
        .all(&txn)
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
            let att = meetings::attendance(&txn, &m).await?;
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
        None => core
            .into_iter()
            .filter(|(u, r)| *r == CommunityRole::Chair && invited.contains(u))
            .map(|(u, _)| u)
            .min(),
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
    let saved = match current {
        None => {
            minutes::ActiveModel {
                id: Set(new_id()),
                meeting_id: Set(m.id.clone()),
                community_id: Set(m.community_id.clone()),
                network_id: Set(m.network_id.clone()),
                status: Set(MinutesStatus::Draft.as_str().to_owned()),
                revision: Set(1),
                content: Set(content_json(&content)),
                drafted_by: Set(Some(actor.user_id.to_owned())),
                submitted_by: Set(None),
                submitted_at: Set(None),
                published_revision: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
        Some(cur) => {
            let next_revision = if status_of(&cur)? == MinutesStatus::Published {
                cur.revision + 1
            } else {
                cur.revision
            };
            let version = cur.version;
            let mut am = cur.into_active_model();
            am.status = Set(MinutesStatus::Draft.as_str().to_owned());
            am.revision = Set(next_revision);
            am.content = Set(content_json(&content));
            am.drafted_by = Set(Some(actor.user_id.to_owned()));
            am.submitted_by = Set(None);
            am.submitted_at = Set(None);
            am.version = Set(version + 1);
            am.updated_at = Set(now);
            am.update(&txn).await?
        }
    };
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("minutes.drafted", "minutes", &saved.id)
            .network(&m.network_id)
            .changed(vec!["content"]),
        vec![],
    )
    .await?;
    meetings::mark_held(&txn, ctx, m, now).await?;
    txn.commit().await?;
    Ok(saved)
}

async fn lock_minutes<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
) -> Result<minutes::Model, StoreError> {
    minutes::Entity::find()
        .filter(minutes::Column::MeetingId.eq(meeting_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("minutes"))
}

/// Submits the draft for approval.
pub async fn submit(
    db: &Db,
    ctx: &Ctx,
    meeting_id: &str,
    actor: &Actor<'_>,
    if_match: Option<i32>,
) -> Result<minutes::Model, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let mn = lock_minutes(&txn, meeting_id).await?;
    may_draft(&txn, &mn.community_id, actor).await?;
    StoreError::check_version(if_match, mn.version)?;
    if status_of(&mn)? != MinutesStatus::Draft {
        return Err(StoreError::conflict(
            "minutes-not-draft",
            format!(
                "only a draft can be submitted; these minutes are {}",
                mn.status
            ),
        ));
    }
    let (version, network_id) = (mn.version, mn.network_id.clone());
    let mut am = mn.into_active_model();
    am.status = Set(MinutesStatus::Submitted.as_str().to_owned());
    am.submitted_by = Set(Some(actor.user_id.to_owned()));
    am.submitted_at = Set(Some(now));
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    let mn = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("minutes.submitted", "minutes", &mn.id)
            .network(&network_id)
            .changed(vec!["status"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(mn)
}

/// Materialises the actions of approved minutes: new ones are created,
/// listed ones updated (their status kept), dropped ones deleted. Returns
/// the content with every action's id.
async fn sync_actions<C: ConnectionTrait>(
    conn: &C,
    m: &meeting::Model,
    mut content: MinutesContent,
    now: DateTime<Utc>,
) -> Result<MinutesContent, StoreError> {
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
                    let version = a.version;
                    let mut am = a.clone().into_active_model();
                    am.description = Set(item.description.clone());
                    am.owner_id = Set(item.owner_id.clone());
                    am.due_on = Set(item.due_on);
                    am.version = Set(version + 1);
                    am.updated_at = Set(now);
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
) -> Result<(minutes::Model, minutes_revision::Model), StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock_meeting(&txn, meeting_id).await?;
    let mn = lock_minutes(&txn, meeting_id).await?;
    StoreError::check_version(if_match, mn.version)?;
    let core = meetings::core_team(&txn, &m.community_id).await?;
    let is_submitter = mn.submitted_by.as_deref() == Some(actor.user_id);
    match rules::may_approve(actor.role, is_submitter, core.len()) {
        Ok(()) => {}
        Err(ApprovalRefusal::NotChair) => {
            return Err(StoreError::forbidden(
                "not-chair",
                "minutes are approved by the community's chair or a co-chair",
            ));
        }
        Err(ApprovalRefusal::OwnSubmission) => {
            return Err(StoreError::forbidden(
                "own-submission",
                "you submitted these minutes; another chair or co-chair approves them",
            ));
        }
    }
    if status_of(&mn)? != MinutesStatus::Submitted {
        return Err(StoreError::conflict(
            "minutes-not-submitted",
            format!(
                "only submitted minutes can be approved; these minutes are {}",
                mn.status
            ),
        ));
    }
    let content = sync_actions(&txn, &m, content_of(&mn.content)?, now).await?;
    let rev = minutes_revision::ActiveModel {
        id: Set(new_id()),
        meeting_id: Set(m.id.clone()),
        revision: Set(mn.revision),
        content: Set(content_json(&content)),
        submitted_by: Set(mn.submitted_by.clone()),
        approved_by: Set(Some(actor.user_id.to_owned())),
        approved_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let (version, revision) = (mn.version, mn.revision);
    let mut am = mn.into_active_model();
    am.status = Set(MinutesStatus::Published.as_str().to_owned());
    am.content = Set(content_json(&content));
    am.published_revision = Set(Some(revision));
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    let mn = am.update(&txn).await?;
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
        &txn,
        ctx,
        now,
        Audit::new("minutes.approved", "minutes", &mn.id)
            .network(&m.network_id)
            .changed(vec!["status", "published_revision"]),
        vec![Message::event("minutes.published", "meeting", &m.id, payload).network(&m.network_id)],
    )
    .await?;
    txn.commit().await?;
    Ok((mn, rev))
}

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
) -> Result<Page<action::Model>, StoreError> {
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

pub async fn find_action<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<action::Model, StoreError> {
    action::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("action"))
}

/// Marks an action done or open again (its owner, the core team or a
/// manager; the caller checks who).
pub async fn set_action_status(
    db: &Db,
    ctx: &Ctx,
    action_id: &str,
    status: ActionStatus,
    if_match: Option<i32>,
) -> Result<action::Model, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let a = action::Entity::find_by_id(action_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("action"))?;
    StoreError::check_version(if_match, a.version)?;
    if action_status_of(&a)? == status {
        return Ok(a);
    }
    let (version, network_id) = (a.version, a.network_id.clone());
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
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    let a = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("action.status_changed", "action", &a.id)
            .network(&network_id)
            .changed(vec!["status"]),
        vec![Message::event(
            "action.status_changed",
            "action",
            &a.id,
            json!({"action_id": a.id, "meeting_id": a.meeting_id, "community_id": a.community_id, "owner_id": a.owner_id, "status": a.status, "due_on": a.due_on}),
        )
        .network(&network_id)],
    )
    .await?;
    txn.commit().await?;
    Ok(a)
}

/// Open actions of a community raised at meetings before `before`: what
/// the next meeting carries forward.
pub async fn carried<C: ConnectionTrait>(
    conn: &C,
    m: &meeting::Model,
) -> Result<Vec<action::Model>, StoreError> {
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
) -> Result<HashMap<String, ActionStatus>, StoreError> {
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
