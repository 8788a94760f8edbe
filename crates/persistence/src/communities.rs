//! Communities of Practice and their Terms of Reference.
use chrono::{DateTime, Utc};
use peerhub_domain::Violations;
use peerhub_domain::access::Principal;
use peerhub_domain::community::lifecycle;
use peerhub_domain::community::terms::{self, ApprovalState};
use peerhub_domain::community::{
    CadenceUnit, CommunityKind, CommunityStatus, DeliveryMode, OrganisedAround, RawSettings,
    Settings, TermsStatus,
};
use peerhub_domain::eligibility::EligibilityRules;
use peerhub_domain::webhook::EventType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::accounts::list_to_json;
use crate::caller::{RawCaller, Who, caller_is_platform_admin, confirm, with_caller};
use crate::entities::{community, terms_version};
use crate::error::Failure;
use crate::load;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

pub use peerhub_domain::community::terms::{MAX_SECRETARIES, TermsDraft, validate_draft};

impl From<lifecycle::Refusal> for Failure {
    fn from(r: lifecycle::Refusal) -> Self {
        Self::Refused(r.into())
    }
}

impl From<terms::Refusal> for Failure {
    fn from(r: terms::Refusal) -> Self {
        Self::Refused(r.into())
    }
}

/// The stored settings of a community (a stored code that does not decode
/// is an error).
pub fn settings_of(c: &community::Model) -> Result<Settings, Failure> {
    Ok(Settings {
        name: c.name.clone(),
        focus: c.focus.clone(),
        audience: c.audience.clone(),
        organised_around: decode::<OrganisedAround>(
            "community.organised_around",
            &c.organised_around,
        )?,
        kind: decode::<CommunityKind>("community.kind", &c.kind)?,
        capacity: c.capacity,
        fee_note: c.fee_note.clone(),
        cadence_every: c.cadence_every,
        cadence_unit: decode::<CadenceUnit>("community.cadence_unit", &c.cadence_unit)?,
        duration_minutes: c.duration_minutes,
        delivery_mode: decode::<DeliveryMode>("community.delivery_mode", &c.delivery_mode)?,
    })
}

/// The stored status of a community.
pub fn status_of(c: &community::Model) -> Result<CommunityStatus, Failure> {
    decode("community.status", &c.status)
}

/// The stored status of a Terms of Reference version.
pub fn terms_status_of(t: &terms_version::Model) -> Result<TermsStatus, Failure> {
    decode("terms_version.status", &t.status)
}

fn write_settings(am: &mut community::ActiveModel, s: &Settings) {
    am.name = Set(s.name.clone());
    am.focus = Set(s.focus.clone());
    am.audience = Set(s.audience.clone());
    am.organised_around = Set(s.organised_around.as_str().to_owned());
    am.kind = Set(s.kind.as_str().to_owned());
    am.capacity = Set(s.capacity);
    am.fee_note = Set(s.fee_note.clone());
    am.cadence_every = Set(s.cadence_every);
    am.cadence_unit = Set(s.cadence_unit.as_str().to_owned());
    am.duration_minutes = Set(s.duration_minutes);
    am.delivery_mode = Set(s.delivery_mode.as_str().to_owned());
}

fn event_payload(c: &community::Model) -> serde_json::Value {
    json!({"community_id": c.id, "network_id": c.network_id, "name": c.name, "status": c.status, "kind": c.kind, "capacity": c.capacity})
}

/// Inserts a community (inside the caller's transaction).
pub(crate) async fn insert<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    network_id: &str,
    s: &Settings,
    status: CommunityStatus,
    now: DateTime<Utc>,
) -> Result<community::Model, Failure> {
    let mut am = community::ActiveModel {
        id: Set(new_id()),
        network_id: Set(network_id.to_owned()),
        status: Set(status.as_str().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        archived_at: Set(None),
        ..Default::default()
    };
    write_settings(&mut am, s);
    let c = am.insert(conn).await?;
    trail::write(
        conn,
        ctx,
        now,
        Audit::new("community.created", "community", &c.id)
            .network(network_id)
            .changed(vec![
                "name",
                "focus",
                "audience",
                "organised_around",
                "kind",
                "capacity",
                "fee_note",
                "cadence",
                "duration_minutes",
                "delivery_mode",
                "status",
            ]),
        vec![
            Message::event(
                EventType::CommunityCreated,
                "community",
                &c.id,
                event_payload(&c),
            )
            .network(network_id),
        ],
    )
    .await?;
    Ok(c)
}

/// Creates a community in a network (the caller is a manager there).
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    network_id: &str,
    raw: RawSettings,
    status: Option<CommunityStatus>,
) -> Result<community::Model, Failure> {
    let status = CommunityStatus::initial(status)
        .map_err(|e| Failure::violations(Violations::single("status", e)))?;
    let s = raw.apply(None, "")?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let c = insert(&txn, ctx, network_id, &s, status, now).await?;
    txn.commit().await?;
    Ok(c)
}

pub struct ListFilter {
    pub network_id: Option<String>,
    pub status: Option<CommunityStatus>,
    pub q: Option<String>,
}

/// The select behind [`list`] and [`list_with_summaries`]: the caller's
/// networks are a subquery, not a round trip.
/// The communities `who` may see, filtered: those of their networks, or
/// all for a platform admin. For a session the admin flag is the joined
/// account's ([`with_caller`]), so the check costs no statement of its own.
fn list_select(who: &Who<'_>, f: &ListFilter) -> sea_orm::Select<community::Entity> {
    let mut q = with_caller(community::Entity::find(), who);
    let mine =
        community::Column::NetworkId.in_subquery(crate::access::network_ids_query(who.user_id()));
    match who {
        Who::Principal(p) if p.is_platform_admin => {}
        Who::Principal(_) => q = q.filter(mine),
        Who::Session(_) => {
            q = q.filter(
                sea_orm::Condition::any()
                    .add(caller_is_platform_admin())
                    .add(mine),
            );
        }
    }
    if let Some(n) = &f.network_id {
        q = q.filter(community::Column::NetworkId.eq(n));
    }
    if let Some(s) = f.status {
        q = q.filter(community::Column::Status.eq(s.as_str()));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase().replace(['\\', '%', '_'], ""));
        q = q.filter(
            sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(
                sea_orm::sea_query::Expr::col(community::Column::Name),
            ))
            .like(pattern.clone())
            .or(
                sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(
                    sea_orm::sea_query::Expr::col(community::Column::Focus),
                ))
                .like(pattern),
            ),
        );
    }
    q
}

/// Communities in the caller's networks (every network for a platform admin).
pub async fn list(
    db: &Db,
    principal: &Principal,
    f: &ListFilter,
    page: &PageRequest,
) -> Result<Page<community::Model>, Failure> {
    let q = list_select(&Who::Principal(principal), f);
    Ok(page::fetch(db, q, community::Column::Id, |c| c.id.clone(), page).await?)
}

/// A community with its active member count and whether it has approved
/// Terms of Reference.
#[derive(Debug, Clone)]
pub struct Summarised {
    pub community: community::Model,
    pub member_count: u64,
    pub has_approved_terms: bool,
}

impl sea_orm::FromQueryResult for Summarised {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        let n: i64 = res.try_get("", "member_count")?;
        Ok(Self {
            community: community::Model::from_query_result(res, pre)?,
            member_count: u64::try_from(n).unwrap_or(0),
            has_approved_terms: res.try_get("", "has_approved_terms")?,
        })
    }
}

/// A [`Summarised`] row with the caller's account columns.
struct SummarisedRow(Summarised, RawCaller);

impl sea_orm::FromQueryResult for SummarisedRow {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self(
            Summarised::from_query_result(res, pre)?,
            RawCaller::from_row(res)?,
        ))
    }
}

/// Like [`list`], each community with its summary, in one statement (a
/// session is authenticated on the account joined to the page's rows; an
/// empty page checks it on its own).
pub async fn list_with_summaries<'a>(
    db: &Db,
    who: impl Into<Who<'a>>,
    f: &ListFilter,
    page: &PageRequest,
) -> Result<Page<Summarised>, Failure> {
    let who = who.into();
    let mut q = crate::access::with_summary(list_select(&who, f), community::Column::Id);
    if let Some(after) = &page.after {
        q = q.filter(community::Column::Id.gt(after.clone()));
    }
    let rows: Vec<SummarisedRow> = q
        .order_by_asc(community::Column::Id)
        .limit(page.limit + 1)
        .into_model()
        .all(db)
        .await?;
    match rows.first() {
        Some(SummarisedRow(_, caller)) => {
            caller.clone().principal(&who)?;
        }
        None => confirm(db, &who).await?,
    }
    let mut items: Vec<Summarised> = rows.into_iter().map(|r| r.0).collect();
    let next_after = if items.len() as u64 > page.limit {
        items.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
        items.last().map(|s| s.community.id.clone())
    } else {
        None
    };
    Ok(Page { items, next_after })
}

/// Changes settings and, optionally, status proposed → active.
pub async fn update(
    db: &Db,
    ctx: &Ctx,
    community_id: &str,
    raw: RawSettings,
    status: Option<CommunityStatus>,
    if_match: Option<i32>,
) -> Result<community::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let c = load::find_for_update_or_404::<community::Entity, _>(&txn, community_id, "community")
        .await?;
    peerhub_domain::Refusal::check_version(if_match, c.version)?;
    let current = status_of(&c)?;
    lifecycle::change(current)?;
    let mut changed = raw_fields(&raw);
    let base = settings_of(&c)?;
    let s = raw.apply(Some(&base), "")?;
    let new_status = match status {
        None => None,
        Some(to) => current
            .change_to(to)
            .map_err(|e| Failure::violations(Violations::single("status", e)))?,
    };
    if changed.is_empty() && new_status.is_none() {
        return Ok(c);
    }
    let network_id = c.network_id.clone();
    let mut am = c.into_active_model();
    write_settings(&mut am, &s);
    if let Some(st) = new_status {
        am.status = Set(st.as_str().to_owned());
        changed.push("status");
    }
    let c = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("community.updated", "community", &c.id)
            .network(&network_id)
            .changed(changed),
        vec![
            Message::event(
                EventType::CommunityUpdated,
                "community",
                &c.id,
                event_payload(&c),
            )
            .network(&network_id),
        ],
    )
    .await?;
    // A larger capacity (or activation) frees places for the wait-list.
    crate::memberships::fill_places(&txn, ctx, &c, now).await?;
    txn.commit().await?;
    Ok(c)
}

fn raw_fields(r: &RawSettings) -> Vec<&'static str> {
    let mut f = Vec::new();
    macro_rules! push {
        ($($name:ident => $label:literal),*) => { $( if r.$name.is_some() { f.push($label); } )* };
    }
    push!(name => "name", focus => "focus", audience => "audience", organised_around => "organised_around", kind => "kind", capacity => "capacity", fee_note => "fee_note", cadence_every => "cadence", duration_minutes => "duration_minutes", delivery_mode => "delivery_mode");
    if r.cadence_unit.is_some() && !f.contains(&"cadence") {
        f.push("cadence");
    }
    f
}

/// Archives a community: it stops taking applications; its records stay.
pub async fn archive(
    db: &Db,
    ctx: &Ctx,
    community_id: &str,
    if_match: Option<i32>,
) -> Result<community::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let c = load::find_for_update_or_404::<community::Entity, _>(&txn, community_id, "community")
        .await?;
    peerhub_domain::Refusal::check_version(if_match, c.version)?;
    let Some(archived) = lifecycle::archive(status_of(&c)?) else {
        return Ok(c);
    };
    let network_id = c.network_id.clone();
    let mut am = c.into_active_model();
    am.status = Set(archived.as_str().to_owned());
    am.archived_at = Set(Some(now));
    let c = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("community.archived", "community", &c.id)
            .network(&network_id)
            .changed(vec!["status"]),
        vec![
            Message::event(
                EventType::CommunityArchived,
                "community",
                &c.id,
                event_payload(&c),
            )
            .network(&network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

// ------------------------------------------------------------ Terms of Reference

/// The stored eligibility rules of a version (unreadable rules are an
/// error, never "no rules").
pub fn rules_of(t: &terms_version::Model) -> Result<EligibilityRules, Failure> {
    t.eligibility.decode("terms_versions.eligibility", &t.id)
}

pub fn aims_of(t: &terms_version::Model) -> Result<Vec<String>, Failure> {
    t.aims.decode("terms_versions.aims", &t.id)
}

/// Stores a new draft version (inside the caller's transaction).
pub(crate) async fn insert_draft<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    c: &community::Model,
    d: TermsDraft,
    now: DateTime<Utc>,
) -> Result<terms_version::Model, Failure> {
    let status = terms::draft(status_of(c)?)?;
    let last = terms_version::Entity::find()
        .filter(terms_version::Column::CommunityId.eq(&c.id))
        .order_by_desc(terms_version::Column::Number)
        .one(conn)
        .await?
        .map(|t| t.number)
        .unwrap_or(0);
    let t = terms_version::ActiveModel {
        id: Set(new_id()),
        community_id: Set(c.id.clone()),
        number: Set(last + 1),
        status: Set(status.as_str().to_owned()),
        purpose: Set(d.purpose),
        aims: Set(list_to_json(&d.aims)),
        eligibility: Set(crate::stored::Json::encode(&d.eligibility)?),
        meeting_arrangements: Set(d.meeting_arrangements),
        chairing_arrangements: Set(d.chairing_arrangements),
        notes_arrangements: Set(d.notes_arrangements),
        max_secretaries: Set(d
            .max_secretaries
            .unwrap_or(peerhub_domain::membership::DEFAULT_MAX_SECRETARIES)),
        drafted_by: Set(ctx.actor_id.clone().unwrap_or_default()),
        approved_by: Set(None),
        approved_at: Set(None),
        review_due: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    trail::write(
        conn,
        ctx,
        now,
        Audit::new("terms.drafted", "community", &c.id)
            .network(&c.network_id)
            .changed(vec!["terms"]),
        vec![],
    )
    .await?;
    Ok(t)
}

/// Drafts a new ToR version (core team or managers).
pub async fn draft_terms(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    d: TermsDraft,
) -> Result<terms_version::Model, Failure> {
    let d = validate_draft(d)?;
    terms::draft(status_of(c)?)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    // Lock the community so concurrent drafts get distinct numbers.
    community::Entity::find_by_id(c.id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?;
    let t = insert_draft(&txn, ctx, c, d, now).await?;
    txn.commit().await?;
    Ok(t)
}

/// Approves a draft (managers): stamps approval and the review date twelve
/// months on; earlier approved versions become `superseded`.
pub async fn approve_terms(
    db: &Db,
    ctx: &Ctx,
    c: &community::Model,
    number: i32,
) -> Result<terms_version::Model, Failure> {
    lifecycle::change_terms(status_of(c)?)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let t = terms_version::Entity::find()
        .filter(terms_version::Column::CommunityId.eq(&c.id))
        .filter(terms_version::Column::Number.eq(number))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("terms of reference version"))?;
    let newer_approved = terms_version::Entity::find()
        .filter(terms_version::Column::CommunityId.eq(&c.id))
        .filter(terms_version::Column::Status.eq(TermsStatus::Approved.as_str()))
        .filter(terms_version::Column::Number.gt(number))
        .one(&txn)
        .await?
        .is_some();
    let approval = terms::approve(ApprovalState {
        community: status_of(c)?,
        number,
        status: terms_status_of(&t)?,
        newer_approved,
    })?;
    terms_version::Entity::update_many()
        .col_expr(
            terms_version::Column::Status,
            sea_orm::sea_query::Expr::value(approval.earlier_become.as_str()),
        )
        .filter(terms_version::Column::CommunityId.eq(&c.id))
        .filter(terms_version::Column::Status.eq(TermsStatus::Approved.as_str()))
        .exec(&txn)
        .await?;
    let review_due = terms::review_due(now.date_naive());
    let mut am = t.into_active_model();
    am.status = Set(approval.status.as_str().to_owned());
    am.approved_at = Set(Some(now));
    am.approved_by = Set(ctx.actor_id.clone());
    am.review_due = Set(review_due);
    let t = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("terms.approved", "community", &c.id).network(&c.network_id).changed(vec!["terms"]),
        vec![Message::event(
            EventType::TermsApproved,
            "community",
            &c.id,
            json!({"community_id": c.id, "network_id": c.network_id, "version": t.number, "review_due": t.review_due}),
        )
        .network(&c.network_id)],
    )
    .await?;
    txn.commit().await?;
    Ok(t)
}

/// The current Terms of Reference: the latest approved version.
pub async fn current_terms<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<Option<terms_version::Model>, Failure> {
    Ok(terms_version::Entity::find()
        .filter(terms_version::Column::CommunityId.eq(community_id))
        .filter(terms_version::Column::Status.eq(TermsStatus::Approved.as_str()))
        .order_by_desc(terms_version::Column::Number)
        .one(conn)
        .await?)
}

/// Every version, oldest first (drafts only for those who may see them).
pub async fn terms_versions(
    db: &Db,
    community_id: &str,
    include_drafts: bool,
    page: &PageRequest,
) -> Result<Page<terms_version::Model>, Failure> {
    let mut q =
        terms_version::Entity::find().filter(terms_version::Column::CommunityId.eq(community_id));
    if !include_drafts {
        q = q.filter(terms_version::Column::Status.ne(TermsStatus::Draft.as_str()));
    }
    Ok(page::fetch(db, q, terms_version::Column::Id, |t| t.id.clone(), page).await?)
}

/// Member counts and "has approved terms" for many communities in two
/// queries (for lists).
pub async fn summaries<C: ConnectionTrait>(
    conn: &C,
    ids: &[String],
) -> Result<std::collections::HashMap<String, (u64, bool)>, Failure> {
    use crate::entities::community_member;
    let mut out: std::collections::HashMap<String, (u64, bool)> =
        ids.iter().map(|i| (i.clone(), (0, false))).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let counts: Vec<(String, i64)> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .column_as(community_member::Column::Id.count(), "n")
        .filter(community_member::Column::CommunityId.is_in(ids.to_vec()))
        .filter(community_member::active())
        .group_by(community_member::Column::CommunityId)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, n) in counts {
        if let Some(e) = out.get_mut(&id) {
            e.0 = u64::try_from(n).unwrap_or(0);
        }
    }
    let approved: Vec<String> = terms_version::Entity::find()
        .select_only()
        .column(terms_version::Column::CommunityId)
        .filter(terms_version::Column::CommunityId.is_in(ids.to_vec()))
        .filter(terms_version::Column::Status.eq(TermsStatus::Approved.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    for id in approved {
        if let Some(e) = out.get_mut(&id) {
            e.1 = true;
        }
    }
    Ok(out)
}
