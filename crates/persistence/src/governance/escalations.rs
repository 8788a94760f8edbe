//! Escalations (docs/governance.md): raised from feedback points, triaged
//! by the network's managers through `raised → routed → acknowledged →
//! closed` ([`peerhub_domain::governance::escalation::next`]). Every move
//! is kept in `escalation_transitions`, audited, and emitted as an event.
use peerhub_domain::webhook::EventType;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::{NetworkRole, UserStatus};
use peerhub_domain::governance::escalation::{
    self as rules, BodyStanding, EscalationRefusal, EscalationStatus, Outcome, Request,
};
use peerhub_domain::governance::feedback::{PointKind, PointNature};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::access;
use crate::entities::{
    escalation, escalation_transition, feedback_point, governance_body, network, network_member,
    user,
};
use crate::error::{Failure, is_unique_violation};
use crate::meetings;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// An escalation just raised, with its point's kind and text (for the
/// managers' email).
#[derive(Debug, Clone)]
pub struct Raised {
    pub escalation: escalation::Model,
    pub kind: PointKind,
    pub text: String,
}

/// An escalation with what its views show: the point's text, the CoP's
/// name, the meeting's start, whether it is overdue, and (when read one at
/// a time) its history.
#[derive(Debug, Clone)]
pub struct EscalationRecord {
    pub escalation: escalation::Model,
    pub text: String,
    pub community_name: String,
    pub meeting_starts_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub history: Vec<escalation_transition::Model>,
    /// Display names of the people in the history.
    pub actors: HashMap<String, String>,
}

/// The stored status of an escalation (an unknown value is an error).
pub fn status_of(e: &escalation::Model) -> Result<EscalationStatus, Failure> {
    decode("escalations.status", &e.status)
}

/// The stored kind of an escalation.
pub fn kind_of(e: &escalation::Model) -> Result<PointKind, Failure> {
    decode("escalations.kind", &e.kind)
}

/// The stored nature of an escalation.
pub fn nature_of(e: &escalation::Model) -> Result<PointNature, Failure> {
    decode("escalations.nature", &e.nature)
}

/// The statuses of a history step.
pub fn step_of(
    t: &escalation_transition::Model,
) -> Result<(Option<EscalationStatus>, EscalationStatus), Failure> {
    let from = t
        .from_status
        .as_deref()
        .map(|s| decode("escalation_transitions.from_status", s))
        .transpose()?;
    Ok((
        from,
        decode("escalation_transitions.to_status", &t.to_status)?,
    ))
}

/// Email addresses of the network's managers (erased accounts left out).
pub(crate) async fn manager_emails<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
) -> Result<Vec<String>, Failure> {
    let ids: Vec<String> = network_member::Entity::find()
        .select_only()
        .column(network_member::Column::UserId)
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Email)
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Status.ne(UserStatus::Erased.as_str()))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

fn event(topic: EventType, e: &escalation::Model, note: Option<&str>) -> Message {
    Message::event(
        topic,
        "escalation",
        &e.id,
        json!({
            "escalation_id": e.id,
            "network_id": e.network_id,
            "community_id": e.community_id,
            "meeting_id": e.meeting_id,
            "feedback_point_id": e.feedback_point_id,
            "kind": e.kind,
            "nature": e.nature,
            "status": e.status,
            "routed_to": e.routed_to,
            "raised_at": e.raised_at,
            "closed_at": e.closed_at,
            "note": note,
        }),
    )
    .network(&e.network_id)
}

#[allow(clippy::too_many_arguments)]
async fn step<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    e: &escalation::Model,
    from: Option<EscalationStatus>,
    to: EscalationStatus,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    escalation_transition::ActiveModel {
        id: Set(new_id()),
        escalation_id: Set(e.id.clone()),
        network_id: Set(e.network_id.clone()),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        routed_to: Set(e.routed_to.clone()),
        note: Set(note.map(str::to_owned)),
        actor_id: Set(ctx.actor_id.clone()),
        at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

fn topic(s: EscalationStatus) -> EventType {
    match s {
        EscalationStatus::Raised => EventType::EscalationRaised,
        EscalationStatus::Routed => EventType::EscalationRouted,
        EscalationStatus::Acknowledged => EventType::EscalationAcknowledged,
        EscalationStatus::Closed => EventType::EscalationClosed,
    }
}

/// Raises an escalation from `point` (in the caller's transaction): status
/// `raised`, a first history step, an audit entry and `escalation.raised`.
/// A point already escalated is 409 `already-escalated` (the unique index
/// decides a race).
pub(crate) async fn raise<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    point: &feedback_point::Model,
    now: DateTime<Utc>,
) -> Result<Raised, Failure> {
    let kind: PointKind = decode("feedback_points.kind", &point.kind)?;
    let e = escalation::ActiveModel {
        id: Set(new_id()),
        network_id: Set(point.network_id.clone()),
        community_id: Set(point.community_id.clone()),
        meeting_id: Set(point.meeting_id.clone()),
        feedback_point_id: Set(point.id.clone()),
        kind: Set(point.kind.clone()),
        nature: Set(point.nature.clone()),
        status: Set(EscalationStatus::Raised.as_str().to_owned()),
        routed_to: Set(None),
        raised_at: Set(now),
        closed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Failure::from(EscalationRefusal::AlreadyEscalated)
        } else {
            e.into()
        }
    })?;
    step(conn, ctx, &e, None, EscalationStatus::Raised, None, now).await?;
    trail::write(
        conn,
        ctx,
        now,
        Audit::new("escalation.raised", "escalation", &e.id)
            .network(&e.network_id)
            .changed(vec!["status"]),
        vec![event(EventType::EscalationRaised, &e, None)],
    )
    .await?;
    Ok(Raised {
        escalation: e,
        kind,
        text: point.text.clone(),
    })
}

/// Deletes a still-raised escalation whose point a change of the form
/// removed, with its history; audited as `escalation.withdrawn`.
pub(crate) async fn withdraw<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    e: &escalation::Model,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    escalation_transition::Entity::delete_many()
        .filter(escalation_transition::Column::EscalationId.eq(&e.id))
        .exec(conn)
        .await?;
    escalation::Entity::delete_by_id(e.id.clone())
        .exec(conn)
        .await?;
    trail::write(
        conn,
        ctx,
        now,
        Audit::new("escalation.withdrawn", "escalation", &e.id)
            .network(&e.network_id)
            .changed(vec!["status"]),
        vec![],
    )
    .await?;
    Ok(())
}

/// Checks the caller manages the network of a thing; a thing of a network
/// the caller is not in answers 404 naming the thing.
async fn manages<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    network_id: &str,
    what: &'static str,
) -> Result<network::Model, Failure> {
    access::network(conn, principal, network_id, Need::Manager, None)
        .await
        .map_err(|e| {
            if e.is_not_found() {
                Failure::not_found(what)
            } else {
                e
            }
        })
}

/// Opens an escalation from a commendation point (managers of the point's
/// network): 404 for an unknown point or one of another network, 409 for
/// an escalation point (raised when the form was filed) or a point already
/// escalated.
pub async fn open(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    point_id: &str,
) -> Result<EscalationRecord, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let point = feedback_point::Entity::find_by_id(point_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("feedback point"))?;
    let net = manages(&txn, principal, &point.network_id, "feedback point").await?;
    let nature: PointNature = decode("feedback_points.nature", &point.nature)?;
    let existing = escalation::Entity::find()
        .filter(escalation::Column::FeedbackPointId.eq(&point.id))
        .one(&txn)
        .await?;
    if existing.is_some() || nature == PointNature::Escalation {
        return Err(EscalationRefusal::AlreadyEscalated.into());
    }
    let r = raise(&txn, ctx, &point, now).await?;
    let rec = record(&txn, r.escalation, net.escalation_overdue_days, now, false).await?;
    txn.commit().await?;
    Ok(rec)
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    e: escalation::Model,
    overdue_days: i32,
    now: DateTime<Utc>,
    with_history: bool,
) -> Result<EscalationRecord, Failure> {
    let mut days = HashMap::new();
    days.insert(e.network_id.clone(), overdue_days);
    let mut recs = records(conn, vec![e], &days, now).await?;
    let mut rec = recs
        .pop()
        .ok_or_else(|| Failure::internal("escalation record missing"))?;
    if with_history {
        rec.history = escalation_transition::Entity::find()
            .filter(escalation_transition::Column::EscalationId.eq(&rec.escalation.id))
            .order_by_asc(escalation_transition::Column::Id)
            .limit(1000)
            .all(conn)
            .await?;
        rec.actors = meetings::display_names(
            conn,
            rec.history
                .iter()
                .filter_map(|t| t.actor_id.clone())
                .collect(),
        )
        .await?;
    }
    Ok(rec)
}

pub(crate) async fn records<C: ConnectionTrait>(
    conn: &C,
    items: Vec<escalation::Model>,
    overdue_days: &HashMap<String, i32>,
    now: DateTime<Utc>,
) -> Result<Vec<EscalationRecord>, Failure> {
    use crate::entities::meeting;
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let texts: HashMap<String, String> = feedback_point::Entity::find()
        .select_only()
        .column(feedback_point::Column::Id)
        .column(feedback_point::Column::Text)
        .filter(feedback_point::Column::Id.is_in(items.iter().map(|e| e.feedback_point_id.clone())))
        .into_tuple::<(String, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let names =
        meetings::community_names(conn, items.iter().map(|e| e.community_id.clone()).collect())
            .await?;
    let starts: HashMap<String, DateTime<Utc>> = meeting::Entity::find()
        .select_only()
        .column(meeting::Column::Id)
        .column(meeting::Column::StartsAt)
        .filter(meeting::Column::Id.is_in(items.iter().map(|e| e.meeting_id.clone())))
        .into_tuple::<(String, DateTime<Utc>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    items
        .into_iter()
        .map(|e| {
            let days = *overdue_days
                .get(&e.network_id)
                .ok_or_else(|| Failure::internal("overdue days of the network missing"))?;
            Ok(EscalationRecord {
                overdue: rules::is_overdue(status_of(&e)?, e.raised_at, days, now),
                text: texts.get(&e.feedback_point_id).cloned().unwrap_or_default(),
                community_name: names.get(&e.community_id).cloned().unwrap_or_default(),
                meeting_starts_at: starts.get(&e.meeting_id).copied(),
                history: Vec::new(),
                actors: HashMap::new(),
                escalation: e,
            })
        })
        .collect()
}

/// One escalation with its history (managers of its network).
pub async fn get(db: &Db, principal: &Principal, id: &str) -> Result<EscalationRecord, Failure> {
    let e = escalation::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(Failure::not_found("escalation"))?;
    let net = manages(db, principal, &e.network_id, "escalation").await?;
    record(db, e, net.escalation_overdue_days, Utc::now(), true).await
}

/// A requested move, as sent.
#[derive(Debug, Clone)]
pub struct Move {
    pub status: EscalationStatus,
    pub routed_to: Option<String>,
    pub note: Option<String>,
}

/// How the body named `key` stands in the network, with its row.
async fn body_standing<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    key: Option<&str>,
) -> Result<(BodyStanding, Option<governance_body::Model>), Failure> {
    let Some(key) = key else {
        return Ok((BodyStanding::Unknown, None));
    };
    let b = governance_body::Entity::find_by_id((network_id.to_owned(), key.trim().to_owned()))
        .one(conn)
        .await?
        .filter(|b| !b.removed);
    Ok(match b {
        None => (BodyStanding::Unknown, None),
        Some(b) if b.retired => (BodyStanding::Retired, Some(b)),
        Some(b) => (BodyStanding::Active, Some(b)),
    })
}

/// Moves an escalation (managers of its network; If-Match on its version):
/// 409 `invalid-transition` naming the allowed next statuses, 422 for a
/// missing note or an unknown or retired body. Routing emails the body's
/// contact, when it has one.
pub async fn transition(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    mv: Move,
    if_match: Option<i32>,
) -> Result<EscalationRecord, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let e = escalation::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("escalation"))?;
    let net = manages(&txn, principal, &e.network_id, "escalation").await?;
    peerhub_domain::Refusal::check_version(if_match, e.version)?;
    let current = status_of(&e)?;
    let (standing, body) = body_standing(&txn, &e.network_id, mv.routed_to.as_deref()).await?;
    let Outcome {
        status,
        routed_to,
        note,
        closes,
    } = rules::next(
        current,
        e.routed_to.as_deref(),
        &Request {
            to: mv.status,
            routed_to: body
                .as_ref()
                .map(|b| b.key.as_str())
                .or(mv.routed_to.as_deref()),
            body: standing,
            note: mv.note.as_deref(),
        },
    )?;
    let mut am = e.into_active_model();
    am.status = Set(status.as_str().to_owned());
    am.routed_to = Set(routed_to);
    if closes {
        am.closed_at = Set(Some(now));
    }
    am.updated_at = Set(now);
    let e = am.update(&txn).await?;
    step(&txn, ctx, &e, Some(current), status, Some(&note), now).await?;
    let rec = record(&txn, e, net.escalation_overdue_days, now, true).await?;
    let e = &rec.escalation;
    let mut messages = vec![event(topic(status), e, Some(&note))];
    if status == EscalationStatus::Routed
        && let Some(b) = &body
        && let Some(to) = &b.contact_email
    {
        let n = rules::routed_notice(
            &b.name,
            &rec.community_name,
            &e.kind,
            &rec.text,
            &note,
            &e.id,
        );
        messages.push(
            Message::email(
                "escalation.routed",
                "escalation",
                &e.id,
                to,
                json!({"subject": n.subject, "body": n.body, "escalation_id": e.id, "routed_to": b.key}),
            )
            .network(&e.network_id),
        );
    }
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new(topic(status).as_str(), "escalation", &e.id)
            .network(&e.network_id)
            .changed(if closes {
                vec!["status", "closed_at"]
            } else {
                vec!["status", "routed_to"]
            }),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(rec)
}

/// Whether any escalation of the network was ever routed to the body
/// `key` (such a body may be retired but not removed).
pub(crate) async fn body_has_escalations<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    key: &str,
) -> Result<bool, Failure> {
    Ok(escalation_transition::Entity::find()
        .select_only()
        .column(escalation_transition::Column::Id)
        .filter(escalation_transition::Column::NetworkId.eq(network_id))
        .filter(escalation_transition::Column::RoutedTo.eq(key))
        .into_tuple::<String>()
        .one(conn)
        .await?
        .is_some())
}

impl From<EscalationRefusal> for Failure {
    fn from(r: EscalationRefusal) -> Self {
        peerhub_domain::Refusal::from(r).into()
    }
}
