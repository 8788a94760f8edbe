//! Matching programmes: settings, supporters, requests, runs, and matches
//! with their consent lifecycle. Sessions, feedback, notes, concerns and
//! complaints live in their own stores and reach a match through
//! [`match_access`].
use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, Utc};
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::matching::lifecycle::{
    self, DEFAULT_PROPOSAL_DAYS, MatchAnswer, MatchStatus, PROPOSAL_DAYS, Refusal,
};
use peerhub_domain::matching::plan::{Input, RunSideKind, UnmatchedReason, check_pair, plan};
use peerhub_domain::matching::request::MatchRequestStatus;
use peerhub_domain::matching::score::{
    Constraints, Exclusion, Participant, Preferences, ProgrammeKind, Reason, ScoreFeature, Weights,
    check_settings, sensitive_map,
};
use peerhub_domain::matching::supporter::{self, SupporterStatus, SupporterUnmatchableReason};
use peerhub_domain::validation::{Invalid, Violations, bounded_text};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::access;
use crate::accounts::{json_to_list, sensitive_of};
use crate::db::begin_write;
use crate::entities::{
    match_request, matching_run, peer_match, programme, programme_supporter, user,
};
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// A programme the caller may see, with their standing in its network.
#[derive(Debug, Clone)]
pub struct ProgrammeAccess {
    pub programme: programme::Model,
    /// A manager of the programme's network, or a platform admin.
    pub manager: bool,
}

/// Loads a programme for a network member (`Need::Member`) or a manager
/// (`Need::Manager`): 404 when it does not exist or the caller is not in
/// its network, 403 when a manager is needed and the caller is not one.
/// API tokens are refused (matching is for people).
pub async fn programme_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    programme_id: &str,
    need: Need,
) -> Result<ProgrammeAccess, StoreError> {
    let p = programme::Entity::find_by_id(programme_id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("programme"))?;
    let role = access::role_in(conn, &principal.user_id, &p.network_id).await?;
    let allowed = access::network(conn, principal, &p.network_id, need, None).await;
    match allowed {
        Err(StoreError::NotFound(_)) => return Err(StoreError::NotFound("programme")),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    Ok(ProgrammeAccess {
        manager: principal.is_platform_admin || role == Some(NetworkRole::Manager),
        programme: p,
    })
}

/// A match the caller may see, with their standing.
#[derive(Debug, Clone)]
pub struct MatchAccess {
    pub m: peer_match::Model,
    pub programme: programme::Model,
    /// The caller is one of the two participants.
    pub participant: bool,
    /// The caller manages the programme's network (or is a platform admin).
    pub manager: bool,
}

impl MatchAccess {
    /// The status as of now (a pending proposal past its deadline reads as
    /// expired before the store writes it).
    pub fn status(&self) -> Result<MatchStatus, StoreError> {
        match_status(&self.m)
    }
}

/// The effective status of a stored match (a pending proposal past its
/// deadline counts as expired); a stored status that does not decode is an
/// error.
pub fn match_status(m: &peer_match::Model) -> Result<MatchStatus, StoreError> {
    Ok(decode::<MatchStatus>("match.status", &m.status)?.at(m.expires_at, Utc::now()))
}

/// The effective status of a stored match, reading an unknown stored status
/// as `ended` (for the data export and account removal, which cannot fail
/// on it; everything else uses [`match_status`]).
pub fn status_of(m: &peer_match::Model) -> MatchStatus {
    MatchStatus::parse(&m.status)
        .unwrap_or(MatchStatus::Ended)
        .at(m.expires_at, Utc::now())
}

/// True when `user_id` is one of the match's two participants.
pub fn is_participant(m: &peer_match::Model, user_id: &str) -> bool {
    m.user_a_id == user_id || m.user_b_id == user_id
}

/// Loads a match for one of its participants or a manager of its network;
/// everyone else (other members, strangers, API tokens) gets 404 `match`.
pub async fn match_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    match_id: &str,
) -> Result<MatchAccess, StoreError> {
    let m = peer_match::Entity::find_by_id(match_id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("match"))?;
    if principal.is_token() {
        return Err(StoreError::NotFound("match"));
    }
    let p = programme::Entity::find_by_id(m.programme_id.clone())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("match"))?;
    let participant = is_participant(&m, &principal.user_id);
    let manager = principal.is_platform_admin
        || access::role_in(conn, &principal.user_id, &p.network_id).await?
            == Some(NetworkRole::Manager);
    if !participant && !manager {
        return Err(StoreError::NotFound("match"));
    }
    Ok(MatchAccess {
        m,
        programme: p,
        participant,
        manager,
    })
}

/// Like [`match_access`] but for participants only: managers and admins
/// who are not in the match get 404 too (notes, concerns, feedback).
pub async fn participant_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    match_id: &str,
) -> Result<MatchAccess, StoreError> {
    let a = match_access(conn, principal, match_id).await?;
    if a.participant {
        Ok(a)
    } else {
        Err(StoreError::NotFound("match"))
    }
}

// ------------------------------------------------------------- programmes

/// Most characters in a programme's description.
pub const MAX_DESCRIPTION: usize = 4000;
/// Longest availability note on a request.
pub const MAX_AVAILABILITY: usize = 1000;
/// Highest capacity of one supporter.
pub const MAX_CAPACITY: i32 = 20;
/// Longest private reason for ending a match.
pub const MAX_END_REASON: usize = 2000;

/// A programme's settings as stored (`constraints` column).
/// A stored value that does not decode is an error: the safeguarding
/// exclusions must never silently switch off.
pub fn constraints_of(p: &programme::Model) -> Result<Constraints, StoreError> {
    crate::stored::decode_json("programme.constraints", &p.constraints)
}

/// A programme's weights as stored (`weights` column).
pub fn weights_of(p: &programme::Model) -> Result<Weights, StoreError> {
    crate::stored::decode_json("programme.weights", &p.weights)
}

/// The programme's kind.
pub fn kind_of(p: &programme::Model) -> Result<ProgrammeKind, StoreError> {
    decode("programme.kind", &p.kind)
}

/// What creating a programme takes; unset settings take their defaults.
#[derive(Debug, Clone)]
pub struct NewProgramme {
    pub name: String,
    pub description: Option<String>,
    pub kind: ProgrammeKind,
    pub weights: Option<Weights>,
    pub constraints: Option<Constraints>,
    pub proposal_days: Option<i32>,
    pub safeguarding_lead_id: String,
}

/// A change to a programme's settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProgrammePatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub weights: Option<Weights>,
    pub constraints: Option<Constraints>,
    pub proposal_days: Option<i32>,
    pub safeguarding_lead_id: Option<String>,
}

fn check_proposal_days(v: &mut Violations, days: i32) {
    if !PROPOSAL_DAYS.contains(&days) {
        v.add(
            "proposal_days",
            Invalid::new(
                "out_of_range",
                format!(
                    "must be between {} and {}",
                    PROPOSAL_DAYS.start(),
                    PROPOSAL_DAYS.end()
                ),
            ),
        );
    }
}

fn check_description(v: &mut Violations, d: Option<&str>) -> Option<String> {
    d.and_then(|d| v.check("description", bounded_text(d, 0, MAX_DESCRIPTION)))
        .filter(|d| !d.is_empty())
}

/// Checks the safeguarding lead is a manager of the network.
async fn check_lead<C: ConnectionTrait>(
    conn: &C,
    v: &mut Violations,
    network_id: &str,
    lead_id: &str,
) -> Result<(), StoreError> {
    if uuid::Uuid::parse_str(lead_id).is_err() {
        v.add(
            "safeguarding_lead_id",
            Invalid::new("invalid_uuid", "must be a UUID"),
        );
    } else if access::role_in(conn, lead_id, network_id).await? != Some(NetworkRole::Manager) {
        v.add(
            "safeguarding_lead_id",
            Invalid::new("not_manager", "must be a manager of the network"),
        );
    }
    Ok(())
}

/// Creates a programme in a network (the caller is a manager of it).
pub async fn create_programme(
    db: &Db,
    ctx: &Ctx,
    network_id: &str,
    input: NewProgramme,
) -> Result<programme::Model, StoreError> {
    let mut v = Violations::new();
    let name = v.check("name", bounded_text(&input.name, 1, 200));
    let description = check_description(&mut v, input.description.as_deref());
    let weights = input.weights.unwrap_or_default();
    let constraints = input.constraints.unwrap_or_default();
    if let Err(e) = check_settings(&weights, &constraints) {
        v.0.extend(e.0);
    }
    let proposal_days = input.proposal_days.unwrap_or(DEFAULT_PROPOSAL_DAYS);
    check_proposal_days(&mut v, proposal_days);
    check_lead(db, &mut v, network_id, &input.safeguarding_lead_id).await?;
    v.clone().into_result()?;
    let Some(name) = name else {
        return Err(StoreError::Invalid(v));
    };
    let kind = input.kind;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let p = programme::ActiveModel {
        id: Set(new_id()),
        network_id: Set(network_id.to_owned()),
        name: Set(name),
        description: Set(description),
        kind: Set(kind.as_str().to_owned()),
        weights: Set(to_json(&weights)),
        constraints: Set(to_json(&constraints)),
        proposal_days: Set(proposal_days),
        safeguarding_lead_id: Set(Some(input.safeguarding_lead_id.trim().to_owned())),
        version: Set(1),
        created_by: Set(ctx.actor_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("programme.created", "programme", &p.id).network(network_id),
        vec![
            Message::event(
                "programme.created",
                "programme",
                &p.id,
                json!({"programme_id": p.id, "network_id": network_id, "name": p.name, "kind": p.kind}),
            )
            .network(network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

/// Changes a programme's name, description, settings or safeguarding lead.
pub async fn update_programme(
    db: &Db,
    ctx: &Ctx,
    p: programme::Model,
    patch: ProgrammePatch,
    if_match: Option<i32>,
) -> Result<programme::Model, StoreError> {
    StoreError::check_version(if_match, p.version)?;
    let mut v = Violations::new();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| v.check("name", bounded_text(n, 1, 200)));
    let description = patch
        .description
        .as_ref()
        .map(|d| check_description(&mut v, d.as_deref()));
    let weights = match patch.weights.clone() {
        Some(w) => w,
        None => weights_of(&p)?,
    };
    let constraints = match patch.constraints.clone() {
        Some(c) => c,
        None => constraints_of(&p)?,
    };
    if let Err(e) = check_settings(&weights, &constraints) {
        v.0.extend(e.0);
    }
    if let Some(d) = patch.proposal_days {
        check_proposal_days(&mut v, d);
    }
    if let Some(l) = &patch.safeguarding_lead_id {
        check_lead(db, &mut v, &p.network_id, l).await?;
    }
    v.into_result()?;
    let mut changed = Vec::new();
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let current = programme::Entity::find_by_id(p.id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("programme"))?;
    StoreError::check_version(if_match, current.version)?;
    let mut am = current.clone().into_active_model();
    if let Some(n) = name {
        am.name = Set(n);
        changed.push("name");
    }
    if let Some(d) = description {
        am.description = Set(d);
        changed.push("description");
    }
    if patch.weights.is_some() {
        am.weights = Set(to_json(&weights));
        changed.push("weights");
    }
    if patch.constraints.is_some() {
        am.constraints = Set(to_json(&constraints));
        changed.push("constraints");
    }
    if let Some(d) = patch.proposal_days {
        am.proposal_days = Set(d);
        changed.push("proposal_days");
    }
    if let Some(l) = patch.safeguarding_lead_id {
        am.safeguarding_lead_id = Set(Some(l.trim().to_owned()));
        changed.push("safeguarding_lead_id");
    }
    if changed.is_empty() {
        return Ok(current);
    }
    am.version = Set(current.version + 1);
    am.updated_at = Set(now);
    let p = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("programme.updated", "programme", &p.id)
            .network(&p.network_id)
            .changed(changed),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

/// The programmes of a network, oldest first.
pub async fn list_programmes(
    db: &Db,
    network_id: &str,
    page: &PageRequest,
) -> Result<Page<programme::Model>, StoreError> {
    Ok(page::fetch(
        db,
        programme::Entity::find().filter(programme::Column::NetworkId.eq(network_id)),
        programme::Column::Id,
        |p| p.id.clone(),
        page,
    )
    .await?)
}

fn to_json<T: serde::Serialize>(t: &T) -> String {
    serde_json::to_string(t).unwrap_or_else(|_| "{}".into())
}

// ------------------------------------------------------------- supporters

/// What registering a supporter takes.
#[derive(Debug, Clone)]
pub struct NewSupporter {
    pub user_id: String,
    pub capacity: i32,
    pub trained_on: Option<NaiveDate>,
    pub supervisor_id: Option<String>,
}

/// A change to a supporter; `None` leaves a field as it is, `Some(None)`
/// clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct SupporterPatch {
    pub capacity: Option<i32>,
    pub trained_on: Option<Option<NaiveDate>>,
    pub supervisor_id: Option<Option<String>>,
    pub status: Option<SupporterStatus>,
}

/// A supporter's stored status.
pub fn supporter_status(s: &programme_supporter::Model) -> Result<SupporterStatus, StoreError> {
    decode("programme_supporter.status", &s.status)
}

/// Why a supporter cannot be matched now (empty when they can); the rule
/// is [`supporter::unmatchable_reasons`].
pub fn unmatchable_reasons(
    s: &programme_supporter::Model,
) -> Result<Vec<SupporterUnmatchableReason>, StoreError> {
    Ok(supporter::unmatchable_reasons(
        supporter_status(s)?,
        s.trained_on.is_some(),
        s.supervisor_id.is_some(),
    ))
}

/// `reasons` in plain words, joined: `no training date, no supervisor`.
fn reasons_text(reasons: &[SupporterUnmatchableReason]) -> String {
    reasons
        .iter()
        .map(|r| r.text())
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_capacity(v: &mut Violations, c: i32) {
    if !(1..=MAX_CAPACITY).contains(&c) {
        v.add(
            "capacity",
            Invalid::new(
                "out_of_range",
                format!("must be between 1 and {MAX_CAPACITY}"),
            ),
        );
    }
}

fn check_trained_on(v: &mut Violations, d: Option<NaiveDate>) {
    if let Some(d) = d
        && d > Utc::now().date_naive()
    {
        v.add(
            "trained_on",
            Invalid::new("in_future", "must not be in the future"),
        );
    }
}

async fn check_member<C: ConnectionTrait>(
    conn: &C,
    v: &mut Violations,
    field: &str,
    network_id: &str,
    user_id: &str,
) -> Result<bool, StoreError> {
    if uuid::Uuid::parse_str(user_id).is_err() {
        v.add(field, Invalid::new("invalid_uuid", "must be a UUID"));
        return Ok(false);
    }
    if access::role_in(conn, user_id, network_id).await?.is_none() {
        v.add(
            field,
            Invalid::new("not_member", "must be a member of the programme's network"),
        );
        return Ok(false);
    }
    Ok(true)
}

async fn check_supervisor<C: ConnectionTrait>(
    conn: &C,
    v: &mut Violations,
    network_id: &str,
    supporter_user: &str,
    supervisor: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(s) = supervisor {
        if s.trim() == supporter_user {
            v.add(
                "supervisor_id",
                Invalid::new("self", "a supporter cannot supervise themselves"),
            );
        } else {
            check_member(conn, v, "supervisor_id", network_id, s.trim()).await?;
        }
    }
    Ok(())
}

fn not_supporter_programme() -> StoreError {
    StoreError::conflict(
        "not-a-supporter-programme",
        "this is a mutual (peer exchange) programme: everyone takes part by making a request; supporters belong to supporter programmes",
    )
}

/// Registers a supporter in a supporter programme.
pub async fn add_supporter(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    input: NewSupporter,
) -> Result<programme_supporter::Model, StoreError> {
    if kind_of(p)? != ProgrammeKind::Supporter {
        return Err(not_supporter_programme());
    }
    let mut v = Violations::new();
    let user_id = input.user_id.trim().to_owned();
    check_member(db, &mut v, "user_id", &p.network_id, &user_id).await?;
    check_capacity(&mut v, input.capacity);
    check_trained_on(&mut v, input.trained_on);
    check_supervisor(
        db,
        &mut v,
        &p.network_id,
        &user_id,
        input.supervisor_id.as_deref(),
    )
    .await?;
    v.into_result()?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let exists = programme_supporter::Entity::find()
        .filter(programme_supporter::Column::ProgrammeId.eq(&p.id))
        .filter(programme_supporter::Column::UserId.eq(&user_id))
        .one(&txn)
        .await?;
    if exists.is_some() {
        return Err(already_supporter());
    }
    let s = programme_supporter::ActiveModel {
        id: Set(new_id()),
        programme_id: Set(p.id.clone()),
        user_id: Set(user_id),
        capacity: Set(input.capacity),
        trained_on: Set(input.trained_on),
        supervisor_id: Set(input.supervisor_id.map(|s| s.trim().to_owned())),
        status: Set(SupporterStatus::Active.as_str().into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            already_supporter()
        } else {
            e.into()
        }
    })?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("programme_supporter.created", "programme_supporter", &s.id)
            .network(&p.network_id),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

fn already_supporter() -> StoreError {
    StoreError::conflict(
        "already-supporter",
        "this person is already a supporter in this programme",
    )
}

/// Loads a supporter with their programme.
pub async fn find_supporter<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<programme_supporter::Model, StoreError> {
    programme_supporter::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("supporter"))
}

/// Changes a supporter's capacity, training date, supervisor or status.
pub async fn update_supporter(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    s: programme_supporter::Model,
    patch: SupporterPatch,
    if_match: Option<i32>,
) -> Result<programme_supporter::Model, StoreError> {
    StoreError::check_version(if_match, s.version)?;
    let mut v = Violations::new();
    if let Some(c) = patch.capacity {
        check_capacity(&mut v, c);
    }
    if let Some(t) = patch.trained_on {
        check_trained_on(&mut v, t);
    }
    if let Some(sup) = &patch.supervisor_id {
        check_supervisor(db, &mut v, &p.network_id, &s.user_id, sup.as_deref()).await?;
    }
    v.into_result()?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let current = programme_supporter::Entity::find_by_id(s.id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("supporter"))?;
    StoreError::check_version(if_match, current.version)?;
    let mut am = current.clone().into_active_model();
    let mut changed = Vec::new();
    if let Some(c) = patch.capacity {
        am.capacity = Set(c);
        changed.push("capacity");
    }
    if let Some(t) = patch.trained_on {
        am.trained_on = Set(t);
        changed.push("trained_on");
    }
    if let Some(sup) = patch.supervisor_id {
        am.supervisor_id = Set(sup.map(|x| x.trim().to_owned()));
        changed.push("supervisor_id");
    }
    if let Some(st) = patch.status {
        am.status = Set(st.as_str().to_owned());
        changed.push("status");
    }
    if changed.is_empty() {
        return Ok(current);
    }
    am.version = Set(current.version + 1);
    am.updated_at = Set(now);
    let s = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("programme_supporter.updated", "programme_supporter", &s.id)
            .network(&p.network_id)
            .changed(changed),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

/// The supporters of a programme, oldest first.
pub async fn list_supporters(
    db: &Db,
    programme_id: &str,
    page: &PageRequest,
) -> Result<Page<programme_supporter::Model>, StoreError> {
    Ok(page::fetch(
        db,
        programme_supporter::Entity::find()
            .filter(programme_supporter::Column::ProgrammeId.eq(programme_id)),
        programme_supporter::Column::Id,
        |s| s.id.clone(),
        page,
    )
    .await?)
}

/// Open (pending, unexpired, or active) matches per supporter id.
pub async fn open_matches_by_supporter<C: ConnectionTrait>(
    conn: &C,
    supporter_ids: Vec<String>,
) -> Result<HashMap<String, i32>, StoreError> {
    let mut out = HashMap::new();
    if supporter_ids.is_empty() {
        return Ok(out);
    }
    let rows = peer_match::Entity::find()
        .filter(peer_match::Column::SupporterId.is_in(supporter_ids))
        .filter(peer_match::Column::Status.is_in(OPEN_STATUSES))
        .all(conn)
        .await?;
    for m in rows {
        if match_status(&m)?.is_open()
            && let Some(s) = m.supporter_id
        {
            *out.entry(s).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// Stored statuses of matches that may still be open: the codes of the
/// [`MatchStatus`]es that are [`MatchStatus::is_open`].
pub const OPEN_STATUSES: [&str; 3] = ["proposed", "accepted", "active"];

/// Stored statuses of pending matches ([`MatchStatus::is_pending`]).
const PENDING_STATUSES: [&str; 2] = ["proposed", "accepted"];

// --------------------------------------------------------------- requests

/// The stored codes of [`MatchRequestStatus`], for queries on the column
/// (and for the stores of account removal and erasure).
pub mod request_status {
    pub const WAITING: &str = "waiting";
    pub const MATCHED: &str = "matched";
    pub const CLOSED: &str = "closed";
    pub const WITHDRAWN: &str = "withdrawn";
}

/// A request's stored status.
pub fn request_status_of(r: &match_request::Model) -> Result<MatchRequestStatus, StoreError> {
    decode("match_request.status", &r.status)
}

/// What a request takes.
#[derive(Debug, Clone, Default)]
pub struct NewRequest {
    pub preferences: Preferences,
    pub availability: Option<String>,
}

/// A request's stored preferences; ones that do not read back (say, an
/// unknown meeting mode) are an error, never taken as none.
pub fn preferences_of(r: &match_request::Model) -> Result<Preferences, StoreError> {
    serde_json::from_str(&r.preferences).map_err(|e| {
        StoreError::Internal(format!(
            "stored match_request.preferences of {} do not read back: {e}",
            r.id
        ))
    })
}

fn already_requested() -> StoreError {
    StoreError::conflict(
        "already-requested",
        "you already have an open request in this programme; withdraw it first to make a new one",
    )
}

/// The caller asks to be matched in a programme (one open request per
/// person per programme).
pub async fn create_request(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    user_id: &str,
    input: NewRequest,
) -> Result<match_request::Model, StoreError> {
    let mut v = Violations::new();
    let preferences = match input.preferences.check() {
        Ok(p) => Some(p),
        Err(e) => {
            v.0.extend(e.0);
            None
        }
    };
    let availability = input
        .availability
        .as_deref()
        .and_then(|a| v.check("availability", bounded_text(a, 0, MAX_AVAILABILITY)))
        .filter(|a| !a.is_empty());
    v.clone().into_result()?;
    let Some(preferences) = preferences else {
        return Err(StoreError::Invalid(v));
    };
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let open = match_request::Entity::find()
        .filter(match_request::Column::ProgrammeId.eq(&p.id))
        .filter(match_request::Column::OpenUserId.eq(user_id))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(already_requested());
    }
    let r = match_request::ActiveModel {
        id: Set(new_id()),
        programme_id: Set(p.id.clone()),
        user_id: Set(user_id.to_owned()),
        preferences: Set(to_json(&preferences)),
        availability: Set(availability),
        status: Set(MatchRequestStatus::Waiting.as_str().into()),
        open_user_id: Set(Some(user_id.to_owned())),
        withdrawn_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            already_requested()
        } else {
            e.into()
        }
    })?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("match_request.created", "match_request", &r.id).network(&p.network_id),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

/// Loads a request.
pub async fn find_request<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<match_request::Model, StoreError> {
    match_request::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("match request"))
}

/// A programme's requests (everyone's for a manager, `only_user`'s
/// otherwise), oldest first, optionally of one status.
pub async fn list_requests(
    db: &Db,
    programme_id: &str,
    only_user: Option<&str>,
    status: Option<MatchRequestStatus>,
    page: &PageRequest,
) -> Result<Page<match_request::Model>, StoreError> {
    let mut q =
        match_request::Entity::find().filter(match_request::Column::ProgrammeId.eq(programme_id));
    if let Some(u) = only_user {
        q = q.filter(match_request::Column::UserId.eq(u));
    }
    if let Some(s) = status {
        q = q.filter(match_request::Column::Status.eq(s.as_str()));
    }
    Ok(page::fetch(db, q, match_request::Column::Id, |r| r.id.clone(), page).await?)
}

/// Requests by id (for views of many matches at once).
pub async fn requests_by_id<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> Result<HashMap<String, match_request::Model>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(match_request::Entity::find()
        .filter(match_request::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect())
}

/// Withdraws a request. A request in a pending proposal declines the
/// proposal on its owner's behalf; one in an active match is refused (end
/// the match instead).
pub async fn withdraw_request(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    r: match_request::Model,
) -> Result<(), StoreError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    lock_programme(&txn, &p.id).await?;
    let r = match_request::Entity::find_by_id(r.id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("match request"))?;
    let status = request_status_of(&r)?;
    if !status.is_open() {
        return Err(StoreError::conflict(
            "request-closed",
            format!("this request is already {status}"),
        ));
    }
    if status == MatchRequestStatus::Matched
        && let Some(m) = open_match_of_request(&txn, &r.id).await?
    {
        match match_status(&m)? {
            MatchStatus::Active => {
                return Err(StoreError::conflict(
                    "request-in-active-match",
                    "this request is in an active match; end the match instead",
                ));
            }
            s if s.is_pending() => {
                close_pending(&txn, ctx, p, m, MatchStatus::Declined, &r.user_id, now).await?;
            }
            _ => {
                close_pending(&txn, ctx, p, m, MatchStatus::Expired, &r.user_id, now).await?;
            }
        }
    }
    let r = match_request::Entity::find_by_id(r.id.clone())
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("match request"))?;
    let mut am = r.into_active_model();
    am.status = Set(MatchRequestStatus::Withdrawn.as_str().into());
    am.open_user_id = Set(None);
    am.withdrawn_at = Set(Some(now));
    am.updated_at = Set(now);
    let r = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("match_request.withdrawn", "match_request", &r.id)
            .network(&p.network_id)
            .changed(vec!["status"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The open match a request is in, if any.
async fn open_match_of_request<C: ConnectionTrait>(
    conn: &C,
    request_id: &str,
) -> Result<Option<peer_match::Model>, StoreError> {
    Ok(peer_match::Entity::find()
        .filter(
            peer_match::Column::RequestAId
                .eq(request_id)
                .or(peer_match::Column::RequestBId.eq(request_id)),
        )
        .filter(peer_match::Column::Status.is_in(OPEN_STATUSES))
        .lock_exclusive()
        .one(conn)
        .await?)
}

/// Sets requests' status (an open status keeps them counted as open
/// requests); withdrawn requests stay withdrawn.
async fn set_requests<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
    status: MatchRequestStatus,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::Expr;
    let open = status.is_open();
    let mut q = match_request::Entity::update_many()
        .col_expr(match_request::Column::Status, Expr::value(status.as_str()))
        .col_expr(match_request::Column::UpdatedAt, Expr::value(now));
    if !open {
        q = q.col_expr(
            match_request::Column::OpenUserId,
            Expr::value(Option::<String>::None),
        );
    }
    q.filter(match_request::Column::Id.is_in(ids))
        .filter(match_request::Column::Status.ne(MatchRequestStatus::Withdrawn.as_str()))
        .exec(conn)
        .await?;
    Ok(())
}

/// The request ids of a match.
fn request_ids(m: &peer_match::Model) -> Vec<String> {
    let mut v = vec![m.request_a_id.clone()];
    if let Some(b) = &m.request_b_id {
        v.push(b.clone());
    }
    v
}

// ---------------------------------------------------------------- matches

/// A reason as stored with a match (see [`peerhub_domain::matching::score::Reason`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredReason {
    pub feature: ScoreFeature,
    pub points: i64,
    pub text: String,
    pub private_to: Option<String>,
}

/// A match's stored reasons; reasons that do not read back (say, an unknown
/// feature) are an error.
pub fn match_reasons(m: &peer_match::Model) -> Result<Vec<StoredReason>, StoreError> {
    serde_json::from_str(&m.reasons).map_err(|e| {
        StoreError::Internal(format!(
            "stored match.reasons of {} do not read back: {e}",
            m.id
        ))
    })
}

/// A match's stored reasons, none when they do not read back (for the data
/// export, which cannot fail on them; everything else uses
/// [`match_reasons`]).
pub fn reasons_of(m: &peer_match::Model) -> Vec<StoredReason> {
    match_reasons(m).unwrap_or_default()
}

/// The reasons `viewer` may see (a participant's user id, or `None` for a
/// manager) and their points: a sensitive-preference reason is shown to
/// the requester it belongs to only, and its points are left out of the
/// score everyone else sees.
pub fn visible_reasons(reasons: &[StoredReason], viewer: Option<&str>) -> (i64, Vec<StoredReason>) {
    let shown: Vec<StoredReason> = reasons
        .iter()
        .filter(|r| match &r.private_to {
            None => true,
            Some(owner) => viewer == Some(owner.as_str()),
        })
        .cloned()
        .collect();
    (shown.iter().map(|r| r.points).sum(), shown)
}

/// Writes a proposal: the match, its requests marked `matched`, its audit
/// entry, an event and a notice to both participants.
#[allow(clippy::too_many_arguments)]
async fn insert_match<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    run_id: Option<&str>,
    a: &match_request::Model,
    b_request: Option<&match_request::Model>,
    b_supporter: Option<&programme_supporter::Model>,
    b_user: &str,
    score: i64,
    reasons: &[Reason],
    users: &HashMap<String, user::Model>,
    now: chrono::DateTime<Utc>,
) -> Result<peer_match::Model, StoreError> {
    let expires_at = now + chrono::Duration::days(i64::from(p.proposal_days));
    let m = peer_match::ActiveModel {
        id: Set(new_id()),
        programme_id: Set(p.id.clone()),
        run_id: Set(run_id.map(str::to_owned)),
        request_a_id: Set(a.id.clone()),
        request_b_id: Set(b_request.map(|r| r.id.clone())),
        supporter_id: Set(b_supporter.map(|s| s.id.clone())),
        user_a_id: Set(a.user_id.clone()),
        user_b_id: Set(b_user.to_owned()),
        score: Set(score),
        reasons: Set(to_json(&reasons)),
        status: Set(MatchStatus::Proposed.as_str().into()),
        accepted_a_at: Set(None),
        accepted_b_at: Set(None),
        expires_at: Set(expires_at),
        activated_at: Set(None),
        declined_by: Set(None),
        declined_at: Set(None),
        ended_by: Set(None),
        ended_at: Set(None),
        end_reason: Set(None),
        created_by: Set(ctx.actor_id.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    set_requests(conn, request_ids(&m), MatchRequestStatus::Matched, now).await?;
    let mut messages = vec![
        Message::event(
            "match.proposed",
            "match",
            &m.id,
            json!({
                "match_id": m.id, "programme_id": p.id, "run_id": m.run_id,
                "user_ids": [m.user_a_id, m.user_b_id], "expires_at": m.expires_at,
            }),
        )
        .network(&p.network_id),
    ];
    for u in [&m.user_a_id, &m.user_b_id] {
        if let Some(email) = users.get(u).map(|u| &u.email) {
            messages.push(
                Message::email(
                    "match.proposed",
                    "match",
                    &m.id,
                    email,
                    json!({
                        "subject": format!("A proposed match in {}", p.name),
                        "body": format!(
                            "You have a proposed match in {}. See who it is and why with GET /v1/matches/{}, \
                             then accept it with POST /v1/matches/{}/accept or decline it with \
                             POST /v1/matches/{}/decline by {} UTC; after that it expires.",
                            p.name, m.id, m.id, m.id, m.expires_at.format("%Y-%m-%d %H:%M")
                        ),
                    }),
                )
                .network(&p.network_id),
            );
        }
    }
    trail::write(
        conn,
        ctx,
        now,
        Audit::new("match.proposed", "match", &m.id).network(&p.network_id),
        messages,
    )
    .await?;
    Ok(m)
}

/// How a match closes, and by whom.
#[derive(Debug, Clone)]
pub(crate) struct Closing<'a> {
    /// `Declined`, `Expired` or `Ended`.
    pub to: MatchStatus,
    /// Who declined or ended it (empty for an expiry).
    pub by: &'a str,
    /// Ended only: the private reason of whoever ended it.
    pub end_reason: Option<String>,
    /// Set when it closes as a side effect, e.g. `erased`.
    pub how: Option<&'static str>,
}

/// Closes a match: declined or expired (its requests wait again) or ended
/// (its requests close), with its audit entry and event.
pub(crate) async fn close<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    m: peer_match::Model,
    c: Closing<'_>,
    now: chrono::DateTime<Utc>,
) -> Result<peer_match::Model, StoreError> {
    let mut am = m.clone().into_active_model();
    am.status = Set(c.to.as_str().into());
    let mut changed = vec!["status"];
    let topic = match c.to {
        MatchStatus::Declined => {
            am.declined_by = Set(Some(c.by.to_owned()));
            am.declined_at = Set(Some(now));
            "match.declined"
        }
        MatchStatus::Ended => {
            am.ended_by = Set(Some(c.by.to_owned()));
            am.ended_at = Set(Some(now));
            am.end_reason = Set(c.end_reason);
            changed.push("ended_at");
            "match.ended"
        }
        _ => "match.expired",
    };
    let requests_to = MatchRequestStatus::after_match(c.to);
    am.version = Set(m.version + 1);
    am.updated_at = Set(now);
    let m = am.update(conn).await?;
    set_requests(conn, request_ids(&m), requests_to, now).await?;
    let mut payload = json!({"match_id": m.id, "programme_id": p.id, "status": m.status});
    if !c.by.is_empty() {
        payload["by"] = json!(c.by);
    }
    if let Some(how) = c.how {
        payload["how"] = json!(how);
    }
    trail::write(
        conn,
        ctx,
        now,
        Audit::new(topic, "match", &m.id)
            .network(&p.network_id)
            .changed(changed),
        vec![Message::event(topic, "match", &m.id, payload).network(&p.network_id)],
    )
    .await?;
    Ok(m)
}

/// Closes a pending match as declined (by `by`) or expired.
async fn close_pending<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    m: peer_match::Model,
    to: MatchStatus,
    by: &str,
    now: chrono::DateTime<Utc>,
) -> Result<peer_match::Model, StoreError> {
    let c = Closing {
        to,
        by,
        end_reason: None,
        how: None,
    };
    close(conn, ctx, p, m, c, now).await
}

/// Writes `expired` on a programme's pending proposals past their deadline
/// (runs do this first; housekeeping does it for every programme).
pub async fn expire_proposals<C: ConnectionTrait>(
    conn: &C,
    programme_id: Option<&str>,
) -> Result<u64, StoreError> {
    let now = Utc::now();
    let mut q = peer_match::Entity::find()
        .filter(peer_match::Column::Status.is_in(PENDING_STATUSES))
        .filter(peer_match::Column::ExpiresAt.lte(now));
    if let Some(p) = programme_id {
        q = q.filter(peer_match::Column::ProgrammeId.eq(p));
    }
    let stale = q.all(conn).await?;
    let mut n = 0;
    let mut programmes: HashMap<String, programme::Model> = HashMap::new();
    for m in stale {
        let p = match programmes.get(&m.programme_id) {
            Some(p) => p.clone(),
            None => {
                let Some(p) = programme::Entity::find_by_id(m.programme_id.clone())
                    .one(conn)
                    .await?
                else {
                    continue;
                };
                programmes.insert(p.id.clone(), p.clone());
                p
            }
        };
        close_pending(conn, &Ctx::system(), &p, m, MatchStatus::Expired, "", now).await?;
        n += 1;
    }
    Ok(n)
}

/// Housekeeping: expires stale proposals everywhere, in one transaction.
pub async fn expire_all(db: &Db) -> Result<u64, StoreError> {
    let txn = begin_write(db).await?;
    let n = expire_proposals(&txn, None).await?;
    txn.commit().await?;
    Ok(n)
}

/// The participant's side in a match: `a` (the peer, or the first request)
/// or `b` (the supporter, or the second request).
fn is_side_a(m: &peer_match::Model, user_id: &str) -> bool {
    m.user_a_id == user_id
}

fn not_participant() -> StoreError {
    StoreError::forbidden(
        "not-participant",
        "only the two people in a match can accept, decline or end it",
    )
}

/// A participant accepts, declines or ends a match.
pub async fn answer(
    db: &Db,
    ctx: &Ctx,
    a: MatchAccess,
    user_id: &str,
    what: MatchAnswer,
    end_reason: Option<String>,
) -> Result<peer_match::Model, StoreError> {
    if !a.participant {
        return Err(not_participant());
    }
    let mut v = Violations::new();
    let end_reason = end_reason
        .as_deref()
        .and_then(|r| v.check("reason", bounded_text(r, 0, MAX_END_REASON)))
        .filter(|r| !r.is_empty());
    v.into_result()?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let p = lock_programme(&txn, &a.programme.id).await?;
    let m = peer_match::Entity::find_by_id(a.m.id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("match"))?;
    let stored: MatchStatus = decode("match.status", &m.status)?;
    let status = stored.at(m.expires_at, now);
    if status == MatchStatus::Expired && stored != MatchStatus::Expired {
        // Write the expiry the clock already decided, then refuse.
        close_pending(&txn, &Ctx::system(), &p, m, MatchStatus::Expired, "", now).await?;
        txn.commit().await?;
        let r = Refusal::NotPending(MatchStatus::Expired);
        return Err(StoreError::conflict(r.code(), r.message()));
    }
    let side_a = is_side_a(&m, user_id);
    let (mine, other) = if side_a {
        (m.accepted_a_at.is_some(), m.accepted_b_at.is_some())
    } else {
        (m.accepted_b_at.is_some(), m.accepted_a_at.is_some())
    };
    let to = lifecycle::next(status, what, mine, other)
        .map_err(|r| StoreError::conflict(r.code(), r.message()))?;
    if to != MatchStatus::Accepted && to != MatchStatus::Active {
        let c = Closing {
            to,
            by: user_id,
            end_reason,
            how: None,
        };
        let m = close(&txn, ctx, &p, m, c, now).await?;
        txn.commit().await?;
        return Ok(m);
    }
    let mut am = m.clone().into_active_model();
    am.status = Set(to.as_str().into());
    if side_a {
        am.accepted_a_at = Set(Some(now));
    } else {
        am.accepted_b_at = Set(Some(now));
    }
    let (topic, changed) = if to == MatchStatus::Active {
        am.activated_at = Set(Some(now));
        (
            "match.activated",
            vec!["status", "accepted", "activated_at"],
        )
    } else {
        ("match.accepted", vec!["status", "accepted"])
    };
    am.version = Set(m.version + 1);
    am.updated_at = Set(now);
    let m = am.update(&txn).await?;
    let mut messages = vec![
        Message::event(
            topic,
            "match",
            &m.id,
            json!({"match_id": m.id, "programme_id": p.id, "status": m.status, "by": user_id}),
        )
        .network(&p.network_id),
    ];
    if to == MatchStatus::Active {
        messages.extend(activation_notices(&txn, &p, &m).await?);
    }
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new(topic, "match", &m.id)
            .network(&p.network_id)
            .changed(changed),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Tells both people that their match is active, naming the other person.
async fn activation_notices<C: ConnectionTrait>(
    conn: &C,
    p: &programme::Model,
    m: &peer_match::Model,
) -> Result<Vec<Message>, StoreError> {
    let users = users_by_id(conn, vec![m.user_a_id.clone(), m.user_b_id.clone()]).await?;
    let (Some(a), Some(b)) = (users.get(&m.user_a_id), users.get(&m.user_b_id)) else {
        return Ok(Vec::new());
    };
    Ok([(a, b), (b, a)]
        .into_iter()
        .map(|(me, other)| {
            Message::email(
                "match.activated",
                "match",
                &m.id,
                &me.email,
                json!({
                    "subject": format!("Your match in {} is active", p.name),
                    "body": format!(
                        "You and {} have both accepted, so your match in {} is now active. \
                         See when they can meet with GET /v1/matches/{}, log your sessions with \
                         POST /v1/matches/{}/sessions, and either of you can end the match at any \
                         time with POST /v1/matches/{}/end (no reason needed).",
                        other.display_name, p.name, m.id, m.id, m.id
                    ),
                }),
            )
            .network(&p.network_id)
        })
        .collect())
}

/// Matches for a list: a programme's (`programme_id`, for its managers),
/// or `user_id`'s own (optionally within one programme), oldest first like
/// every list; `status` is the effective one (a pending match past its
/// deadline counts as expired).
pub async fn list_matches(
    db: &Db,
    programme_id: Option<&str>,
    user_id: Option<&str>,
    status: Option<MatchStatus>,
    page: &PageRequest,
) -> Result<Page<peer_match::Model>, StoreError> {
    let mut q = peer_match::Entity::find();
    if let Some(p) = programme_id {
        q = q.filter(peer_match::Column::ProgrammeId.eq(p));
    }
    if let Some(u) = user_id {
        q = q.filter(
            peer_match::Column::UserAId
                .eq(u)
                .or(peer_match::Column::UserBId.eq(u)),
        );
    }
    let now = Utc::now();
    match status {
        None => {}
        Some(MatchStatus::Expired) => {
            q = q.filter(
                peer_match::Column::Status
                    .eq(MatchStatus::Expired.as_str())
                    .or(peer_match::Column::Status
                        .is_in(PENDING_STATUSES)
                        .and(peer_match::Column::ExpiresAt.lte(now))),
            );
        }
        Some(s) if s.is_pending() => {
            q = q
                .filter(peer_match::Column::Status.eq(s.as_str()))
                .filter(peer_match::Column::ExpiresAt.gt(now));
        }
        Some(s) => q = q.filter(peer_match::Column::Status.eq(s.as_str())),
    }
    Ok(page::fetch(db, q, peer_match::Column::Id, |m| m.id.clone(), page).await?)
}

// ------------------------------------------------------ participants, runs

/// A request as the engine sees it: its owner's profile and its
/// preferences.
fn request_participant(
    r: &match_request::Model,
    u: &user::Model,
) -> Result<Participant, StoreError> {
    let mut p = profile_participant(&r.id, u)?;
    p.preferences = preferences_of(r)?;
    Ok(p)
}

/// A supporter as the engine sees them (supporters state no preferences).
fn supporter_participant(
    s: &programme_supporter::Model,
    u: &user::Model,
) -> Result<Participant, StoreError> {
    profile_participant(&s.id, u)
}

fn profile_participant(id: &str, u: &user::Model) -> Result<Participant, StoreError> {
    Ok(Participant {
        id: id.to_owned(),
        user_id: u.id.clone(),
        profession: u.profession.clone(),
        level: u.level.clone(),
        region: u.region.clone(),
        specialties: json_to_list(&u.specialties)?,
        interests: json_to_list(&u.interests)?,
        team: u.team.clone(),
        line_manager_id: u.line_manager_id.clone(),
        sensitive: sensitive_of(u)
            .map(|s| sensitive_map(&s))
            .unwrap_or_default(),
        preferences: Preferences::default(),
    })
}

async fn users_by_id<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> Result<HashMap<String, user::Model>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for u in user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            out.insert(u.id.clone(), u);
        }
    }
    Ok(out)
}

/// Every pair of people matched (in any status) before in a programme.
async fn previous_pairs<C: ConnectionTrait>(
    conn: &C,
    programme_id: &str,
) -> Result<BTreeSet<(String, String)>, StoreError> {
    let rows: Vec<(String, String)> = peer_match::Entity::find()
        .select_only()
        .column(peer_match::Column::UserAId)
        .column(peer_match::Column::UserBId)
        .filter(peer_match::Column::ProgrammeId.eq(programme_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

fn excluded_error(field: &str, e: Exclusion, min: i64) -> StoreError {
    let message = match e {
        Exclusion::BelowMinimum => {
            format!("this pair scores below the programme's minimum score ({min})")
        }
        e => format!("this pair is excluded by a hard constraint: {}", e.text()),
    };
    StoreError::invalid(field, e.code(), message)
}

/// A manager's own pairing.
#[derive(Debug, Clone)]
pub struct ManualPair {
    pub request_id: String,
    /// Mutual programmes: the other person's request.
    pub other_request_id: Option<String>,
    /// Supporter programmes: the supporter.
    pub supporter_id: Option<String>,
}

async fn waiting_request<C: ConnectionTrait>(
    conn: &C,
    p: &programme::Model,
    field: &str,
    id: &str,
) -> Result<match_request::Model, StoreError> {
    let r = match_request::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .filter(|r| r.programme_id == p.id)
        .ok_or_else(|| {
            StoreError::invalid(
                field,
                "unknown_request",
                "is not a request in this programme",
            )
        })?;
    if request_status_of(&r)? != MatchRequestStatus::Waiting {
        return Err(StoreError::conflict(
            "request-not-waiting",
            format!(
                "request {} is {}; only a waiting request can be paired",
                r.id, r.status
            ),
        ));
    }
    Ok(r)
}

/// Pairs two people by hand, checked like a run's pairs: both must be
/// waiting (and the supporter matchable with a free place), and the pair
/// must pass the hard constraints and the minimum score.
pub async fn create_manual(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    input: ManualPair,
) -> Result<peer_match::Model, StoreError> {
    let kind = kind_of(p)?;
    let mut v = Violations::new();
    match kind {
        ProgrammeKind::Supporter => {
            if input.supporter_id.is_none() {
                v.add(
                    "supporter_id",
                    Invalid::new("required", "is required in a supporter programme"),
                );
            }
            if input.other_request_id.is_some() {
                v.add(
                    "other_request_id",
                    Invalid::new(
                        "not_allowed",
                        "a supporter programme pairs a request with a supporter",
                    ),
                );
            }
        }
        ProgrammeKind::Mutual => {
            if input.other_request_id.is_none() {
                v.add(
                    "other_request_id",
                    Invalid::new("required", "is required in a mutual programme"),
                );
            }
            if input.supporter_id.is_some() {
                v.add(
                    "supporter_id",
                    Invalid::new(
                        "not_allowed",
                        "a mutual programme has no supporters; pair two requests",
                    ),
                );
            }
        }
    }
    if input.other_request_id.as_deref() == Some(input.request_id.as_str()) {
        v.add(
            "other_request_id",
            Invalid::new("same_request", "must be a different request"),
        );
    }
    v.into_result()?;
    let weights = weights_of(p)?;
    let constraints = constraints_of(p)?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    lock_programme(&txn, &p.id).await?;
    expire_proposals(&txn, Some(&p.id)).await?;
    let a = waiting_request(&txn, p, "request_id", &input.request_id).await?;
    let previous = previous_pairs(&txn, &p.id).await?;
    let m = if let Some(sid) = &input.supporter_id {
        let s = programme_supporter::Entity::find_by_id(sid.clone())
            .lock_exclusive()
            .one(&txn)
            .await?
            .filter(|s| s.programme_id == p.id)
            .ok_or_else(|| {
                StoreError::invalid(
                    "supporter_id",
                    "unknown_supporter",
                    "is not a supporter in this programme",
                )
            })?;
        let why = unmatchable_reasons(&s)?;
        if !why.is_empty() {
            return Err(StoreError::invalid(
                "supporter_id",
                "supporter_not_matchable",
                format!(
                    "this supporter cannot be matched: {} (a supporter needs a training date and a supervisor, and must be active)",
                    reasons_text(&why)
                ),
            ));
        }
        let open = open_matches_by_supporter(&txn, vec![s.id.clone()])
            .await?
            .get(&s.id)
            .copied()
            .unwrap_or(0);
        if open >= s.capacity {
            return Err(StoreError::conflict(
                "supporter-full",
                format!(
                    "this supporter has no free place (capacity {}, {} open matches)",
                    s.capacity, open
                ),
            ));
        }
        let users = users_by_id(&txn, vec![a.user_id.clone(), s.user_id.clone()]).await?;
        let (Some(ua), Some(us)) = (users.get(&a.user_id), users.get(&s.user_id)) else {
            return Err(StoreError::NotFound("user"));
        };
        let (score, reasons) = check_pair(
            kind,
            &request_participant(&a, ua)?,
            &supporter_participant(&s, us)?,
            &weights,
            &constraints,
            &previous,
        )
        .map_err(|e| excluded_error("supporter_id", e, constraints.min_score))?;
        insert_match(
            &txn,
            ctx,
            p,
            None,
            &a,
            None,
            Some(&s),
            &s.user_id,
            score,
            &reasons,
            &users,
            now,
        )
        .await?
    } else {
        let other = input.other_request_id.clone().unwrap_or_default();
        let b = waiting_request(&txn, p, "other_request_id", &other).await?;
        let users = users_by_id(&txn, vec![a.user_id.clone(), b.user_id.clone()]).await?;
        let (Some(ua), Some(ub)) = (users.get(&a.user_id), users.get(&b.user_id)) else {
            return Err(StoreError::NotFound("user"));
        };
        let (score, reasons) = check_pair(
            kind,
            &request_participant(&a, ua)?,
            &request_participant(&b, ub)?,
            &weights,
            &constraints,
            &previous,
        )
        .map_err(|e| excluded_error("other_request_id", e, constraints.min_score))?;
        insert_match(
            &txn,
            ctx,
            p,
            None,
            &a,
            Some(&b),
            None,
            &b.user_id,
            score,
            &reasons,
            &users,
            now,
        )
        .await?
    };
    txn.commit().await?;
    Ok(m)
}

/// One side of a pair in a run's result.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunSide {
    pub kind: RunSideKind,
    /// The request's or supporter's id.
    pub id: String,
    pub user_id: String,
    pub display_name: String,
}

/// A proposed pair in a run's result, as a manager sees it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunPair {
    /// The proposal created (`null` in a dry run).
    pub match_id: Option<String>,
    pub a: RunSide,
    pub b: RunSide,
    pub score: i64,
    pub reasons: Vec<StoredReason>,
}

/// Someone waiting who stays unmatched, and why.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunUnmatched {
    pub request_id: String,
    pub user_id: String,
    pub display_name: String,
    /// Absent in results stored before the codes were: [`result_of`] reads
    /// it from `reason`.
    #[serde(default)]
    pub code: Option<UnmatchedReason>,
    pub reason: String,
}

/// A supporter with places left, or one who could not be matched at all.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunSupporter {
    pub supporter_id: String,
    pub user_id: String,
    pub display_name: String,
    /// Places left after the run (0 for an unmatchable supporter).
    pub places: i64,
    /// Why they were left out of the run (empty for free places). Absent in
    /// results stored before the codes were: [`result_of`] reads it from
    /// `reason`.
    #[serde(default)]
    pub unmatchable_reasons: Vec<SupporterUnmatchableReason>,
    /// Why they were left out of the run, if they were, in plain words.
    pub reason: Option<String>,
}

/// What a run found.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RunResult {
    pub pairs: Vec<RunPair>,
    pub unmatched: Vec<RunUnmatched>,
    /// Supporter programmes: matchable supporters with places left.
    pub free_places: Vec<RunSupporter>,
    /// Supporter programmes: supporters left out of the run (no training
    /// date, no supervisor, or paused).
    pub unmatchable_supporters: Vec<RunSupporter>,
}

/// A run's stored result, with every unmatched person's reason code and
/// every unmatchable supporter's reasons (read from the texts of results
/// stored before the codes were). A result that does not read back is an
/// error.
pub fn result_of(r: &matching_run::Model) -> Result<RunResult, StoreError> {
    let broken = |what: String| {
        StoreError::Internal(format!("stored matching_run.result of {}: {what}", r.id))
    };
    let mut result: RunResult =
        serde_json::from_str(&r.result).map_err(|e| broken(format!("does not read back: {e}")))?;
    for u in &mut result.unmatched {
        if u.code.is_none() {
            u.code = Some(
                UnmatchedReason::from_text(&u.reason)
                    .ok_or_else(|| broken(format!("unknown reason {:?}", u.reason)))?,
            );
        }
    }
    for s in &mut result.unmatchable_supporters {
        if let (true, Some(text)) = (s.unmatchable_reasons.is_empty(), &s.reason) {
            let listed = text.strip_prefix("not matchable: ").unwrap_or(text);
            s.unmatchable_reasons = listed
                .split(", ")
                .map(|t| {
                    SupporterUnmatchableReason::from_text(t)
                        .ok_or_else(|| broken(format!("unknown supporter reason {t:?}")))
                })
                .collect::<Result<_, _>>()?;
        }
    }
    Ok(result)
}

/// Runs the engine over everyone waiting in a programme. A dry run stores
/// the run and changes nothing else; otherwise every pair becomes a
/// proposed match. Only one run per programme at a time (the programme
/// row is locked).
pub async fn run(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    dry_run: bool,
) -> Result<matching_run::Model, StoreError> {
    let kind = kind_of(p)?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let p = lock_programme(&txn, &p.id).await?;
    expire_proposals(&txn, Some(&p.id)).await?;
    let requests = match_request::Entity::find()
        .filter(match_request::Column::ProgrammeId.eq(&p.id))
        .filter(match_request::Column::Status.eq(MatchRequestStatus::Waiting.as_str()))
        .all(&txn)
        .await?;
    let supporters = if kind == ProgrammeKind::Supporter {
        programme_supporter::Entity::find()
            .filter(programme_supporter::Column::ProgrammeId.eq(&p.id))
            .all(&txn)
            .await?
    } else {
        Vec::new()
    };
    let mut ids: Vec<String> = requests.iter().map(|r| r.user_id.clone()).collect();
    ids.extend(supporters.iter().map(|s| s.user_id.clone()));
    let users = users_by_id(&txn, ids).await?;
    let name = |uid: &str| {
        users
            .get(uid)
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    };
    let open =
        open_matches_by_supporter(&txn, supporters.iter().map(|s| s.id.clone()).collect()).await?;
    let mut result = RunResult::default();
    let mut engine_supporters = Vec::new();
    for s in &supporters {
        let Some(u) = users.get(&s.user_id) else {
            continue;
        };
        let why = unmatchable_reasons(s)?;
        if why.is_empty() {
            let free = std::cmp::max(s.capacity - open.get(&s.id).copied().unwrap_or(0), 0);
            engine_supporters.push((supporter_participant(s, u)?, free as usize));
        } else {
            result.unmatchable_supporters.push(RunSupporter {
                supporter_id: s.id.clone(),
                user_id: s.user_id.clone(),
                display_name: u.display_name.clone(),
                places: 0,
                reason: Some(format!("not matchable: {}", reasons_text(&why))),
                unmatchable_reasons: why,
            });
        }
    }
    let mut engine_requests: Vec<Participant> = Vec::with_capacity(requests.len());
    for r in &requests {
        if let Some(u) = users.get(&r.user_id) {
            engine_requests.push(request_participant(r, u)?);
        }
    }
    let input = Input {
        kind,
        requests: engine_requests,
        supporters: engine_supporters,
        weights: weights_of(&p)?,
        constraints: constraints_of(&p)?,
        previous: previous_pairs(&txn, &p.id).await?,
    };
    let started = std::time::Instant::now();
    let planned = plan(&input);
    let duration_micros = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);

    let requests_by_id: HashMap<&str, &match_request::Model> =
        requests.iter().map(|r| (r.id.as_str(), r)).collect();
    let supporters_by_id: HashMap<&str, &programme_supporter::Model> =
        supporters.iter().map(|s| (s.id.as_str(), s)).collect();
    let run_id = new_id();
    for pair in &planned.pairs {
        let Some(a) = requests_by_id.get(pair.a.as_str()) else {
            continue;
        };
        let (b_side, b_request, b_supporter, b_user) = match kind {
            ProgrammeKind::Mutual => {
                let Some(b) = requests_by_id.get(pair.b.as_str()) else {
                    continue;
                };
                (
                    RunSide {
                        kind: RunSideKind::Request,
                        id: b.id.clone(),
                        user_id: b.user_id.clone(),
                        display_name: name(&b.user_id),
                    },
                    Some(*b),
                    None,
                    b.user_id.clone(),
                )
            }
            ProgrammeKind::Supporter => {
                let Some(s) = supporters_by_id.get(pair.b.as_str()) else {
                    continue;
                };
                (
                    RunSide {
                        kind: RunSideKind::Supporter,
                        id: s.id.clone(),
                        user_id: s.user_id.clone(),
                        display_name: name(&s.user_id),
                    },
                    None,
                    Some(*s),
                    s.user_id.clone(),
                )
            }
        };
        let match_id = if dry_run {
            None
        } else {
            Some(
                insert_match(
                    &txn,
                    ctx,
                    &p,
                    Some(&run_id),
                    a,
                    b_request,
                    b_supporter,
                    &b_user,
                    pair.score,
                    &pair.reasons,
                    &users,
                    now,
                )
                .await?
                .id,
            )
        };
        let stored: Vec<StoredReason> = pair.reasons.iter().map(stored_reason).collect();
        let (score, reasons) = visible_reasons(&stored, None);
        result.pairs.push(RunPair {
            match_id,
            a: RunSide {
                kind: RunSideKind::Request,
                id: a.id.clone(),
                user_id: a.user_id.clone(),
                display_name: name(&a.user_id),
            },
            b: b_side,
            score,
            reasons,
        });
    }
    for u in &planned.unmatched {
        if let Some(r) = requests_by_id.get(u.id.as_str()) {
            result.unmatched.push(RunUnmatched {
                request_id: r.id.clone(),
                user_id: r.user_id.clone(),
                display_name: name(&r.user_id),
                code: Some(u.code),
                reason: u.reason.clone(),
            });
        }
    }
    for f in &planned.free_places {
        if let Some(s) = supporters_by_id.get(f.id.as_str()) {
            result.free_places.push(RunSupporter {
                supporter_id: s.id.clone(),
                user_id: s.user_id.clone(),
                display_name: name(&s.user_id),
                places: f.places as i64,
                unmatchable_reasons: Vec::new(),
                reason: None,
            });
        }
    }
    let total_score: i64 = result.pairs.iter().map(|p| p.score).sum();
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let r = matching_run::ActiveModel {
        id: Set(run_id),
        programme_id: Set(p.id.clone()),
        dry_run: Set(dry_run),
        requests: Set(count(input.requests.len())),
        supporters: Set(count(input.supporters.len())),
        pairs: Set(count(result.pairs.len())),
        unmatched: Set(count(result.unmatched.len())),
        total_score: Set(total_score),
        duration_micros: Set(duration_micros),
        result: Set(to_json(&result)),
        created_by: Set(ctx.actor_id.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("matching_run.created", "matching_run", &r.id).network(&p.network_id),
        vec![
            Message::event(
                "matching_run.completed",
                "matching_run",
                &r.id,
                json!({
                    "run_id": r.id, "programme_id": p.id, "dry_run": dry_run,
                    "requests": r.requests, "supporters": r.supporters, "pairs": r.pairs,
                    "unmatched": r.unmatched, "total_score": r.total_score,
                }),
            )
            .network(&p.network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

fn stored_reason(r: &Reason) -> StoredReason {
    StoredReason {
        feature: r.feature,
        points: r.points,
        text: r.text.clone(),
        private_to: r.private_to.clone(),
    }
}

/// Locks a programme's row: runs, manual pairs, answers and withdrawals
/// take it first, so (on PostgreSQL) a run never proposes a request that a
/// manual pair or a withdrawal changed after the run read it, and they
/// always lock in the same order (programme, then requests and matches).
/// SQLite's single writer already serialises them.
async fn lock_programme<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<programme::Model, StoreError> {
    programme::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("programme"))
}

/// Loads a run.
pub async fn find_run<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<matching_run::Model, StoreError> {
    matching_run::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("matching run"))
}

/// A programme's runs, oldest first.
pub async fn list_runs(
    db: &Db,
    programme_id: &str,
    page: &PageRequest,
) -> Result<Page<matching_run::Model>, StoreError> {
    Ok(page::fetch(
        db,
        matching_run::Entity::find().filter(matching_run::Column::ProgrammeId.eq(programme_id)),
        matching_run::Column::Id,
        |r| r.id.clone(),
        page,
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_status_lists_are_the_codes_of_their_sets() {
        let codes = |f: fn(MatchStatus) -> bool| -> Vec<&str> {
            MatchStatus::ALL
                .iter()
                .filter(|s| f(**s))
                .map(|s| s.as_str())
                .collect()
        };
        assert_eq!(codes(MatchStatus::is_open), OPEN_STATUSES);
        assert_eq!(codes(MatchStatus::is_pending), PENDING_STATUSES);
        let requests: Vec<&str> = MatchRequestStatus::ALL.iter().map(|s| s.as_str()).collect();
        use request_status::*;
        assert_eq!(requests, [WAITING, MATCHED, CLOSED, WITHDRAWN]);
    }

    #[test]
    fn supporter_reasons_read_as_plain_words() {
        use SupporterUnmatchableReason::*;
        assert_eq!(
            reasons_text(&[NoTrainingDate, NoSupervisor]),
            "no training date, no supervisor"
        );
        assert_eq!(reasons_text(&[]), "");
    }
}
