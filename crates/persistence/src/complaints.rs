//! Complaints about the matching process: about a match (by one of its
//! participants) or about a member of the network.
//!
//! ```text
//! open ──▶ investigating ──▶ resolved
//!   │            │
//!   │            └─────────▶ dismissed
//!   └──────────────────────▶ dismissed
//! ```
//!
//! Managers of the network see and handle every complaint; the complainant
//! sees their own complaint's status (not the outcome note, which is for
//! managers). Whoever a complaint is about (the member complained about, or
//! the other participant of the match complained about) sees at most that
//! it exists, never who raised it or what it says: a manager it is about
//! gets only its id, network, status and date, anyone else nothing (the
//! rule is [`peerhub_domain::matching::complaint_view`]). Resolved and
//! dismissed complaints are closed: they need an outcome note and cannot
//! change afterwards.
use peerhub_domain::webhook::EventType;
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::validation::{Invalid, Violations, bounded_text};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::access;
use crate::entities::{complaint, network_member, peer_match, programme};
use crate::error::Failure;
use crate::matching;
use crate::page::{self, Page, PageRequest};
use crate::trail::{self, Audit, Ctx, Message, new_id};

use peerhub_domain::matching::complaint as complaint_rules;
pub use peerhub_domain::matching::complaint::{ComplaintStatus, may_move};
pub use peerhub_domain::matching::complaint_view::{
    ComplaintView, Handling, Relation, handling, view,
};

impl From<complaint_rules::ComplaintRefusal> for Failure {
    fn from(r: complaint_rules::ComplaintRefusal) -> Self {
        Self::Refused(r.into())
    }
}

/// Longest summary or outcome note, in characters.
pub const MAX_TEXT: usize = 4000;

/// A complaint's stored status.
pub fn status_of(c: &complaint::Model) -> Result<ComplaintStatus, Failure> {
    crate::stored::decode("complaint.status", &c.status)
}

/// What a complaint is about: exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    Match(String),
    Member(String),
}

/// Raises a complaint (any member of the network). About a match: the
/// complainant must be one of its participants and it must belong to the
/// network (404 `match` otherwise). About a member: someone else in the
/// network (422 `subject_user_id`: `not_a_member`, `is_self`). Emits
/// `complaint.raised` with ids only.
pub async fn raise(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    network_id: &str,
    about: About,
    summary: &str,
) -> Result<complaint::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    access::network(&txn, principal, network_id, Need::Member, None).await?;
    let mut v = Violations::new();
    let summary = v.check("summary", bounded_text(summary, 1, MAX_TEXT));
    let (match_id, subject_user_id) = match &about {
        About::Match(id) => {
            let m = peer_match::Entity::find_by_id(id.clone())
                .one(&txn)
                .await?
                .ok_or(Failure::not_found("match"))?;
            let p = programme::Entity::find_by_id(m.programme_id.clone())
                .one(&txn)
                .await?
                .ok_or(Failure::not_found("match"))?;
            if p.network_id != network_id || !matching::is_participant(&m, &principal.user_id) {
                return Err(Failure::not_found("match"));
            }
            (Some(m.id), None)
        }
        About::Member(user_id) => {
            if *user_id == principal.user_id {
                v.add(
                    "subject_user_id",
                    Invalid::new("is_self", "a complaint cannot be about yourself"),
                );
            } else if access::role_in(&txn, user_id, network_id).await?.is_none() {
                v.add(
                    "subject_user_id",
                    Invalid::new("not_a_member", "must be a member of the network"),
                );
            }
            (None, Some(user_id.clone()))
        }
    };
    v.into_result()?;
    let summary = summary.ok_or_else(|| Failure::internal("summary unchecked"))?;
    let c = complaint::ActiveModel {
        id: Set(new_id()),
        network_id: Set(network_id.to_owned()),
        complainant_id: Set(principal.user_id.clone()),
        match_id: Set(match_id.clone()),
        subject_user_id: Set(subject_user_id.clone()),
        summary: Set(summary),
        status: Set(ComplaintStatus::Open.as_str().to_owned()),
        outcome: Set(None),
        handled_by: Set(None),
        closed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let about_field = if match_id.is_some() {
        "match_id"
    } else {
        "subject_user_id"
    };
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("complaint.raised", "complaint", &c.id)
            .network(network_id)
            .changed(vec![about_field, "summary"]),
        vec![
            Message::event(
                EventType::ComplaintRaised,
                "complaint",
                &c.id,
                json!({
                    "complaint_id": c.id, "network_id": network_id,
                    "match_id": match_id, "subject_user_id": subject_user_id,
                    "status": c.status,
                }),
            )
            .network(network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// Ids of the networks the caller manages.
pub async fn managed_networks<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<String>, Failure> {
    Ok(network_member::Entity::find()
        .select_only()
        .column(network_member::Column::NetworkId)
        .filter(network_member::Column::UserId.eq(user_id))
        .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
        .into_tuple()
        .all(conn)
        .await?)
}

/// True when the caller handles complaints of `network_id` (a manager of
/// it, or a platform admin).
pub async fn handles<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    network_id: &str,
) -> Result<bool, Failure> {
    Ok(principal.is_platform_admin
        || access::role_in(conn, &principal.user_id, network_id).await?
            == Some(NetworkRole::Manager))
}

/// Filters for listing complaints.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub network_id: Option<String>,
    pub status: Option<ComplaintStatus>,
}

/// Complaints the caller may see, oldest first, each with what the caller
/// sees of it ([`view`]): every complaint of the networks they manage (all
/// of them for a platform admin) and their own. With `network_id`, only
/// that network's (404 when the caller is not in it): all of them for its
/// managers, their own for anyone else. A complaint about a manager (or
/// about a match they are in) stays in their list as
/// [`ComplaintView::ExistenceOnly`], exactly as [`find`] shows it.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    f: &ListFilter,
    page: &PageRequest,
) -> Result<Page<(complaint::Model, ComplaintView)>, Failure> {
    let mut q = complaint::Entity::find();
    let mine = complaint::Column::ComplainantId.eq(&principal.user_id);
    let managed: HashSet<String> = if principal.is_platform_admin {
        HashSet::new()
    } else {
        managed_networks(conn, &principal.user_id)
            .await?
            .into_iter()
            .collect()
    };
    let handles_network = |n: &str| principal.is_platform_admin || managed.contains(n);
    if let Some(n) = &f.network_id {
        access::network(conn, principal, n, Need::Member, None).await?;
        q = q.filter(complaint::Column::NetworkId.eq(n));
        if !handles_network(n) {
            q = q.filter(mine);
        }
    } else if !principal.is_platform_admin {
        q = q.filter(
            Condition::any()
                .add(mine)
                .add(complaint::Column::NetworkId.is_in(managed.iter().cloned())),
        );
    }
    if let Some(s) = f.status {
        q = q.filter(complaint::Column::Status.eq(s.as_str()));
    }
    let p = page::fetch(conn, q, complaint::Column::Id, |c| c.id.clone(), page).await?;
    let match_ids: Vec<String> = p.items.iter().filter_map(|c| c.match_id.clone()).collect();
    let matches: HashMap<String, peer_match::Model> = if match_ids.is_empty() {
        HashMap::new()
    } else {
        peer_match::Entity::find()
            .filter(peer_match::Column::Id.is_in(match_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect()
    };
    let items = p
        .items
        .into_iter()
        .filter_map(|c| {
            let handler = handles_network(&c.network_id);
            let m = c.match_id.as_ref().and_then(|id| matches.get(id));
            let v = view(relation_of(&c, &principal.user_id, m, handler));
            (v != ComplaintView::Hidden).then_some((c, v))
        })
        .collect();
    Ok(Page {
        items,
        next_after: p.next_after,
    })
}

/// The relation of `user_id` to `c`, given the match it is about (if any)
/// and whether they handle its network's complaints.
fn relation_of(
    c: &complaint::Model,
    user_id: &str,
    about_match: Option<&peer_match::Model>,
    handler: bool,
) -> Relation {
    let complainant = c.complainant_id == user_id;
    let subject = c.subject_user_id.as_deref() == Some(user_id)
        || (!complainant && about_match.is_some_and(|m| matching::is_participant(m, user_id)));
    Relation {
        complainant,
        subject,
        handler,
    }
}

/// How the caller stands to `c` (API tokens stand nowhere: they never see
/// complaints).
async fn relation<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    c: &complaint::Model,
) -> Result<Relation, Failure> {
    if principal.is_token() {
        return Ok(Relation::default());
    }
    let about_match = match &c.match_id {
        Some(id) => peer_match::Entity::find_by_id(id.clone()).one(conn).await?,
        None => None,
    };
    let handler = handles(conn, principal, &c.network_id).await?;
    Ok(relation_of(
        c,
        &principal.user_id,
        about_match.as_ref(),
        handler,
    ))
}

/// What the caller sees of `c` (for a response about a complaint they just
/// raised or changed).
pub async fn view_of<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    c: &complaint::Model,
) -> Result<ComplaintView, Failure> {
    Ok(view(relation(conn, principal, c).await?))
}

/// Loads a complaint with the caller's relation to it; 404 `complaint` for
/// anyone who sees nothing of it (API tokens included).
async fn find_related<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
) -> Result<(complaint::Model, Relation), Failure> {
    let c = complaint::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(Failure::not_found("complaint"))?;
    if principal.is_token() {
        return Err(Failure::not_found("complaint"));
    }
    let r = relation(conn, principal, &c).await?;
    if view(r) == ComplaintView::Hidden {
        return Err(Failure::not_found("complaint"));
    }
    Ok((c, r))
}

/// Loads a complaint with what the caller sees of it ([`view`]): the full
/// view for a manager of its network it does not involve, the complainant
/// view for its complainant, only that it exists for a manager it is about;
/// everyone else gets 404 `complaint`.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
) -> Result<(complaint::Model, ComplaintView), Failure> {
    let (c, r) = find_related(conn, principal, id).await?;
    Ok((c, view(r)))
}

/// A change by a manager.
#[derive(Debug, Clone, Default)]
pub struct ComplaintPatch {
    pub status: Option<ComplaintStatus>,
    pub outcome: Option<String>,
}

/// Moves a complaint on or records its outcome note (managers of its
/// network). 404 for people who cannot see it, 403 `forbidden` for the
/// complainant, 403 `conflict-of-interest` for a manager it involves, 409 `complaint-closed` once resolved or dismissed, 409
/// `invalid-transition` for a move the workflow does not allow, 422
/// `outcome` when closing without one. Sets `handled_by`, and `closed_at`
/// on closing; emits `complaint.status_changed` (ids and status only).
pub async fn update(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    patch: ComplaintPatch,
    if_match: Option<i32>,
) -> Result<complaint::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (c, r) = find_related(&txn, principal, id).await?;
    complaint_rules::may_handle(handling(r))?;
    let c = complaint::Entity::find_by_id(c.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("complaint"))?;
    peerhub_domain::Refusal::check_version(if_match, c.version)?;
    let from = status_of(&c)?;
    let to = complaint_rules::decide(from, patch.status, patch.outcome.is_some())?;
    let outcome = match &patch.outcome {
        Some(o) => Some(
            bounded_text(o, 1, MAX_TEXT)
                .map_err(|e| Failure::violations(Violations::single("outcome", e)))?,
        ),
        None => None,
    };
    complaint_rules::check_outcome(to, outcome.is_some() || c.outcome.is_some())?;
    let mut changed = Vec::new();
    let network_id = c.network_id.clone();
    let mut am = c.into_active_model();
    if to != from {
        am.status = Set(to.as_str().to_owned());
        changed.push("status");
        if to.is_closed() {
            am.closed_at = Set(Some(now));
            changed.push("closed_at");
        }
    }
    if let Some(o) = outcome {
        am.outcome = Set(Some(o));
        changed.push("outcome");
    }
    am.handled_by = Set(Some(principal.user_id.clone()));
    changed.push("handled_by");
    let c = am.update(&txn).await?;
    let messages = if to != from {
        vec![
            Message::event(
                EventType::ComplaintStatusChanged,
                "complaint",
                &c.id,
                json!({
                    "complaint_id": c.id, "network_id": network_id,
                    "from": from.as_str(), "status": to.as_str(),
                }),
            )
            .network(&network_id),
        ]
    } else {
        vec![]
    };
    let action = if to != from {
        "complaint.status_changed"
    } else {
        "complaint.updated"
    };
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new(action, "complaint", &c.id)
            .network(&network_id)
            .changed(changed),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}
