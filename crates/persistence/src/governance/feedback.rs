//! Post-meeting feedback forms (docs/governance.md): the CoP's core team
//! (or a manager) files one per meeting once it has started; its
//! escalation points are raised as escalations in the same transaction,
//! and the network's managers get one email listing them. The author (or a
//! manager) may change the form until one of its escalations is triaged.
use peerhub_domain::webhook::EventType;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::governance::escalation as esc_rules;
use peerhub_domain::governance::feedback::{
    self as rules, FeedbackRefusal, Form, FormInput, Point, PointKind, PointNature,
};
use sea_orm::sea_query::{Condition, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::escalations::{self as esc_store, Raised};
use crate::Db;
use crate::entities::{escalation, feedback_form, feedback_point, meeting};
use crate::error::{Failure, is_unique_violation};
use crate::meetings;
use crate::page::{self, Page, PageRequest};
use crate::stored::{Json, decode};
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// One point of a form with the escalation raised from it, if any.
#[derive(Debug, Clone)]
pub struct PointRecord {
    pub point: feedback_point::Model,
    pub escalation: Option<escalation::Model>,
}

/// A form with what the server adds: its points (in order), the CoP's
/// name, the meeting's start and the author's name.
#[derive(Debug, Clone)]
pub struct FormRecord {
    pub form: feedback_form::Model,
    pub points: Vec<PointRecord>,
    pub community_name: String,
    pub meeting_starts_at: DateTime<Utc>,
    pub author_name: Option<String>,
}

/// The stored outputs of a form.
pub fn outputs_of(f: &feedback_form::Model) -> Result<Vec<String>, Failure> {
    f.outputs.decode("feedback_forms.outputs", &f.id)
}

/// The stored kind of a point (an unknown value is an error).
pub fn kind_of(p: &feedback_point::Model) -> Result<PointKind, Failure> {
    decode("feedback_points.kind", &p.kind)
}

/// The stored nature of a point.
pub fn nature_of(p: &feedback_point::Model) -> Result<PointNature, Failure> {
    decode("feedback_points.nature", &p.nature)
}

fn point_of(p: &feedback_point::Model) -> Result<Point, Failure> {
    Ok(Point {
        kind: kind_of(p)?,
        nature: nature_of(p)?,
        text: p.text.clone(),
    })
}

async fn lock_meeting<C: ConnectionTrait>(conn: &C, id: &str) -> Result<meeting::Model, Failure> {
    meeting::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(Failure::not_found("meeting"))
}

async fn form_of<C: ConnectionTrait>(
    conn: &C,
    meeting_id: &str,
    lock: bool,
) -> Result<Option<feedback_form::Model>, Failure> {
    let q = feedback_form::Entity::find().filter(feedback_form::Column::MeetingId.eq(meeting_id));
    let q = if lock { q.lock_exclusive() } else { q };
    Ok(q.one(conn).await?)
}

/// Points (with their escalations) of the forms, by form id, in order.
async fn points_of<C: ConnectionTrait>(
    conn: &C,
    form_ids: Vec<String>,
) -> Result<HashMap<String, Vec<PointRecord>>, Failure> {
    let mut out: HashMap<String, Vec<PointRecord>> = HashMap::new();
    if form_ids.is_empty() {
        return Ok(out);
    }
    let points = feedback_point::Entity::find()
        .filter(feedback_point::Column::FormId.is_in(form_ids))
        .order_by_asc(feedback_point::Column::FormId)
        .order_by_asc(feedback_point::Column::Position)
        .all(conn)
        .await?;
    let ids: Vec<String> = points.iter().map(|p| p.id.clone()).collect();
    let mut escalations: HashMap<String, escalation::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for e in escalation::Entity::find()
            .filter(escalation::Column::FeedbackPointId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            escalations.insert(e.feedback_point_id.clone(), e);
        }
    }
    for p in points {
        let e = escalations.remove(&p.id);
        out.entry(p.form_id.clone()).or_default().push(PointRecord {
            point: p,
            escalation: e,
        });
    }
    Ok(out)
}

/// Adds what the server shows with each form.
async fn records<C: ConnectionTrait>(
    conn: &C,
    forms: Vec<feedback_form::Model>,
) -> Result<Vec<FormRecord>, Failure> {
    let mut points = points_of(conn, forms.iter().map(|f| f.id.clone()).collect()).await?;
    let names =
        meetings::community_names(conn, forms.iter().map(|f| f.community_id.clone()).collect())
            .await?;
    let authors =
        meetings::display_names(conn, forms.iter().map(|f| f.author_id.clone()).collect()).await?;
    let starts: HashMap<String, DateTime<Utc>> = if forms.is_empty() {
        HashMap::new()
    } else {
        meeting::Entity::find()
            .select_only()
            .column(meeting::Column::Id)
            .column(meeting::Column::StartsAt)
            .filter(meeting::Column::Id.is_in(forms.iter().map(|f| f.meeting_id.clone())))
            .into_tuple::<(String, DateTime<Utc>)>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    };
    forms
        .into_iter()
        .map(|f| {
            Ok(FormRecord {
                points: points.remove(&f.id).unwrap_or_default(),
                community_name: names.get(&f.community_id).cloned().unwrap_or_default(),
                meeting_starts_at: *starts
                    .get(&f.meeting_id)
                    .ok_or_else(|| Failure::internal(format!("form {} has no meeting", f.id)))?,
                author_name: authors.get(&f.author_id).cloned(),
                form: f,
            })
        })
        .collect()
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    f: feedback_form::Model,
) -> Result<FormRecord, Failure> {
    records(conn, vec![f])
        .await?
        .pop()
        .ok_or_else(|| Failure::internal("form record missing"))
}

/// Inserts the points of `form` from position `at`, raising an escalation
/// for each escalation point. Returns what was raised.
#[allow(clippy::too_many_arguments)]
async fn insert_point<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    f: &feedback_form::Model,
    position: usize,
    p: &Point,
    now: DateTime<Utc>,
) -> Result<Option<Raised>, Failure> {
    let point = feedback_point::ActiveModel {
        id: Set(new_id()),
        form_id: Set(f.id.clone()),
        network_id: Set(f.network_id.clone()),
        community_id: Set(f.community_id.clone()),
        meeting_id: Set(f.meeting_id.clone()),
        position: Set(position as i32),
        kind: Set(p.kind.as_str().to_owned()),
        nature: Set(p.nature.as_str().to_owned()),
        text: Set(p.text.clone()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    if p.nature == PointNature::Escalation {
        Ok(Some(esc_store::raise(conn, ctx, &point, now).await?))
    } else {
        Ok(None)
    }
}

/// The one email per form (to each manager of the network) listing the
/// escalations it raised; none when it raised none.
async fn managers_notice<C: ConnectionTrait>(
    conn: &C,
    f: &feedback_form::Model,
    community_name: &str,
    meeting_starts_at: DateTime<Utc>,
    raised: &[Raised],
) -> Result<Vec<Message>, Failure> {
    if raised.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<(String, &str, String)> = raised
        .iter()
        .map(|r| (r.escalation.id.clone(), r.kind.as_str(), r.text.clone()))
        .collect();
    let n = esc_rules::raised_notice(
        community_name,
        &meeting_starts_at.date_naive().to_string(),
        &list,
    );
    let ids: Vec<&str> = raised.iter().map(|r| r.escalation.id.as_str()).collect();
    Ok(esc_store::manager_emails(conn, &f.network_id)
        .await?
        .into_iter()
        .map(|to| {
            Message::email(
                "escalations.raised",
                "feedback_form",
                &f.id,
                &to,
                json!({
                    "subject": n.subject,
                    "body": n.body,
                    "form_id": f.id,
                    "meeting_id": f.meeting_id,
                    "escalation_ids": ids,
                }),
            )
            .network(&f.network_id)
        })
        .collect())
}

fn submitted_event(r: &FormRecord, changed: bool) -> Message {
    let f = &r.form;
    Message::event(
        EventType::FeedbackSubmitted,
        "feedback_form",
        &f.id,
        json!({
            "form_id": f.id,
            "network_id": f.network_id,
            "community_id": f.community_id,
            "community_name": r.community_name,
            "meeting_id": f.meeting_id,
            "meeting_starts_at": r.meeting_starts_at,
            "author_id": f.author_id,
            "version": f.version,
            "changed": changed,
            "points": r.points.iter().map(|p| json!({
                "id": p.point.id, "kind": p.point.kind, "nature": p.point.nature,
                "escalation_id": p.escalation.as_ref().map(|e| e.id.clone()),
            })).collect::<Vec<_>>(),
        }),
    )
    .network(&f.network_id)
}

/// Files the feedback form of a meeting (its CoP's core team, managers of
/// the network, platform admins): 404 for a meeting the caller cannot
/// see, 403 for other members, 409 when the meeting has not started or was
/// cancelled, or already has its form, 422 for an invalid form.
pub async fn file(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    input: &FormInput,
) -> Result<FormRecord, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock_meeting(&txn, meeting_id).await?;
    // Who files: the CoP's core team or a manager (access::decide_community,
    // CommunityNeed::Core): 403 for other members, 404 outside the network.
    meetings::via_community(
        &txn,
        principal,
        &m.community_id,
        CommunityNeed::Core,
        "meeting",
    )
    .await?;
    let form: Form = rules::check(input)?;
    meetings::started_guard(&m, now)?;
    if form_of(&txn, &m.id, false).await?.is_some() {
        return Err(FeedbackRefusal::Exists.into());
    }
    let f = feedback_form::ActiveModel {
        id: Set(new_id()),
        network_id: Set(m.network_id.clone()),
        community_id: Set(m.community_id.clone()),
        meeting_id: Set(m.id.clone()),
        author_id: Set(principal.user_id.clone()),
        content_summary: Set(form.content_summary.clone()),
        outputs: Set(Json::strings(&form.outputs)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Failure::from(FeedbackRefusal::Exists)
        } else {
            e.into()
        }
    })?;
    let mut raised = Vec::new();
    for (i, p) in form.points.iter().enumerate() {
        if let Some(r) = insert_point(&txn, ctx, &f, i, p, now).await? {
            raised.push(r);
        }
    }
    let rec = record(&txn, f).await?;
    let mut messages = managers_notice(
        &txn,
        &rec.form,
        &rec.community_name,
        rec.meeting_starts_at,
        &raised,
    )
    .await?;
    messages.push(submitted_event(&rec, false));
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("feedback.submitted", "feedback_form", &rec.form.id)
            .network(&rec.form.network_id)
            .changed(vec!["content_summary", "outputs", "points"]),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(rec)
}

/// The feedback form of a meeting (its CoP's core team, managers, platform
/// admins).
pub async fn get(db: &Db, principal: &Principal, meeting_id: &str) -> Result<FormRecord, Failure> {
    let m = meetings::find(db, meeting_id).await?;
    meetings::via_community(
        db,
        principal,
        &m.community_id,
        CommunityNeed::Core,
        "meeting",
    )
    .await?;
    let f = form_of(db, &m.id, false)
        .await?
        .ok_or(Failure::not_found("feedback form"))?;
    record(db, f).await
}

/// Changes a filed form (its author or a manager; If-Match on its
/// version) while none of its escalations has been triaged. Points kept
/// unchanged keep their ids and escalations ([`rules::keep`]); removed or
/// changed points are deleted with their (still raised) escalations, which
/// are audited as withdrawn; new escalation points raise escalations, and
/// the managers are emailed about those.
pub async fn change(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    meeting_id: &str,
    input: &FormInput,
    if_match: Option<i32>,
) -> Result<FormRecord, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let m = lock_meeting(&txn, meeting_id).await?;
    let a = meetings::via_community(
        &txn,
        principal,
        &m.community_id,
        CommunityNeed::NetworkMember,
        "meeting",
    )
    .await?;
    let f = form_of(&txn, &m.id, true)
        .await?
        .ok_or(Failure::not_found("feedback form"))?;
    let old = points_of(&txn, vec![f.id.clone()])
        .await?
        .remove(&f.id)
        .unwrap_or_default();
    // A stored status that does not decode is a 500, never "raised".
    let mut triaged = false;
    for p in &old {
        if let Some(e) = &p.escalation {
            triaged |= esc_store::status_of(e)? != esc_rules::EscalationStatus::Raised;
        }
    }
    rules::may_change(f.author_id == principal.user_id, a.is_manager, triaged)?;
    peerhub_domain::Refusal::check_version(if_match, f.version)?;
    let form = rules::check(input)?;
    let old_points: Vec<Point> = old
        .iter()
        .map(|p| point_of(&p.point))
        .collect::<Result<_, _>>()?;
    let keep = rules::keep(&old_points, &form.points);
    let kept: Vec<usize> = keep.iter().flatten().copied().collect();
    for (i, p) in old.iter().enumerate() {
        if kept.contains(&i) {
            continue;
        }
        if let Some(e) = &p.escalation {
            esc_store::withdraw(&txn, ctx, e, now).await?;
        }
        feedback_point::Entity::delete_by_id(p.point.id.clone())
            .exec(&txn)
            .await?;
    }
    let mut raised = Vec::new();
    for (pos, (p, k)) in form.points.iter().zip(&keep).enumerate() {
        match k {
            Some(i) => {
                let row = &old[*i].point;
                if row.position != pos as i32 {
                    let mut am = row.clone().into_active_model();
                    am.position = Set(pos as i32);
                    am.update(&txn).await?;
                }
            }
            None => {
                if let Some(r) = insert_point(&txn, ctx, &f, pos, p, now).await? {
                    raised.push(r);
                }
            }
        }
    }
    let mut am = f.into_active_model();
    am.content_summary = Set(form.content_summary.clone());
    am.outputs = Set(Json::strings(&form.outputs));
    am.updated_at = Set(now);
    let f = am.update(&txn).await?;
    let rec = record(&txn, f).await?;
    let mut messages = managers_notice(
        &txn,
        &rec.form,
        &rec.community_name,
        rec.meeting_starts_at,
        &raised,
    )
    .await?;
    messages.push(submitted_event(&rec, true));
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("feedback.changed", "feedback_form", &rec.form.id)
            .network(&rec.form.network_id)
            .changed(vec!["content_summary", "outputs", "points"]),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(rec)
}

/// What a list of forms is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct FormFilter {
    pub network_id: Option<String>,
    pub community_id: Option<String>,
    /// Meetings starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Meetings starting before this instant.
    pub to: Option<DateTime<Utc>>,
    pub kind: Option<PointKind>,
    pub nature: Option<PointNature>,
}

/// Forms the caller may see, oldest filed first: every form of the
/// networks they manage and of the CoPs where they are on the core team
/// (all of them for a platform admin); nothing for anyone else. The caller
/// has checked that a `network_id` or `community_id` filter is visible.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    f: &FormFilter,
    page: &PageRequest,
) -> Result<Page<FormRecord>, Failure> {
    let mut q = feedback_form::Entity::find();
    if !principal.is_platform_admin {
        let (core, managed) = scope(conn, principal).await?;
        q = q.filter(
            Condition::any()
                .add(feedback_form::Column::CommunityId.is_in(core))
                .add(feedback_form::Column::NetworkId.is_in(managed)),
        );
    }
    if let Some(n) = &f.network_id {
        q = q.filter(feedback_form::Column::NetworkId.eq(n));
    }
    if let Some(c) = &f.community_id {
        q = q.filter(feedback_form::Column::CommunityId.eq(c));
    }
    if f.from.is_some() || f.to.is_some() {
        let mut meetings_q = Query::select()
            .column(meeting::Column::Id)
            .from(meeting::Entity)
            .to_owned();
        if let Some(from) = f.from {
            meetings_q.and_where(meeting::Column::StartsAt.gte(from));
        }
        if let Some(to) = f.to {
            meetings_q.and_where(meeting::Column::StartsAt.lt(to));
        }
        q = q.filter(feedback_form::Column::MeetingId.in_subquery(meetings_q));
    }
    if f.kind.is_some() || f.nature.is_some() {
        let mut points_q = Query::select()
            .column(feedback_point::Column::FormId)
            .from(feedback_point::Entity)
            .to_owned();
        if let Some(k) = f.kind {
            points_q.and_where(feedback_point::Column::Kind.eq(k.as_str()));
        }
        if let Some(n) = f.nature {
            points_q.and_where(feedback_point::Column::Nature.eq(n.as_str()));
        }
        q = q.filter(feedback_form::Column::Id.in_subquery(points_q));
    }
    let page = page::fetch(conn, q, feedback_form::Column::Id, |f| f.id.clone(), page).await?;
    let items = records(conn, page.items).await?;
    Ok(Page {
        items,
        next_after: page.next_after,
    })
}

/// The CoPs where the caller is on the core team, and the networks they
/// manage.
async fn scope<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
) -> Result<(Vec<String>, Vec<String>), Failure> {
    use crate::entities::{community_member, network_member};
    use peerhub_domain::account::NetworkRole;
    use peerhub_domain::community::CommunityRole;
    let core: Vec<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .filter(community_member::Column::UserId.eq(&principal.user_id))
        .filter(community_member::active())
        .filter(
            community_member::Column::Role.is_in(
                CommunityRole::ALL
                    .iter()
                    .filter(|r| r.is_core())
                    .map(|r| r.as_str()),
            ),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let managed: Vec<String> = network_member::Entity::find()
        .select_only()
        .column(network_member::Column::NetworkId)
        .filter(network_member::Column::UserId.eq(&principal.user_id))
        .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok((core, managed))
}

impl From<FeedbackRefusal> for Failure {
    fn from(r: FeedbackRefusal) -> Self {
        peerhub_domain::Refusal::from(r).into()
    }
}
