//! Supporters of a supporter programme: registered and changed by
//! managers; whether they can be matched is the domain's rule
//! ([`supporter::unmatchable_reasons`]).
use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::matching::score::ProgrammeKind;
use peerhub_domain::matching::supporter::{
    self, Standing, SupporterRefusal, SupporterStatus, SupporterUnmatchableReason,
};
use peerhub_domain::validation::{Invalid, Violations};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};

use super::access::match_status;
use super::access::{authorise_programme, authorise_within};
use super::programmes::kind_of;
use super::shared::{canonical_uuid, open_statuses, refused};
use crate::Db;
use crate::access;
use crate::db::begin_write;
use crate::entities::{peer_match, programme, programme_supporter};
use crate::error::Failure;
use crate::load::find_or_404;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, new_id};

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
pub fn supporter_status(s: &programme_supporter::Model) -> Result<SupporterStatus, Failure> {
    decode("programme_supporter.status", &s.status)
}

/// A supporter with `open` open matches as the domain's rules see them.
pub fn standing(s: &programme_supporter::Model, open: i32) -> Result<Standing, Failure> {
    Ok(Standing {
        status: supporter_status(s)?,
        trained: s.trained_on.is_some(),
        supervised: s.supervisor_id.is_some(),
        capacity: s.capacity,
        open,
    })
}

/// Why a supporter cannot be matched now (empty when they can); the rule
/// is [`supporter::unmatchable_reasons`].
pub fn unmatchable_reasons(
    s: &programme_supporter::Model,
) -> Result<Vec<SupporterUnmatchableReason>, Failure> {
    Ok(supporter::unmatchable_reasons(
        supporter_status(s)?,
        s.trained_on.is_some(),
        s.supervisor_id.is_some(),
    ))
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
) -> Result<bool, Failure> {
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
) -> Result<(), Failure> {
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

/// Registers a supporter in a supporter programme (no caller to check:
/// the demo data).
pub async fn add_supporter(
    db: &Db,
    ctx: &Ctx,
    p: &programme::Model,
    input: NewSupporter,
) -> Result<programme_supporter::Model, Failure> {
    let txn = begin_write(db).await?;
    let s = add_in(&txn, ctx, p, input).await?;
    txn.commit().await?;
    Ok(s)
}

/// Registers a supporter for a caller. One transaction loads the
/// programme, checks the caller's standing (`need`) against it, then the
/// ids (`user_id`, `supervisor_id`: 422 `invalid_uuid`), the programme's
/// kind and the rest, and writes.
pub async fn add_supporter_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    programme_id: &str,
    need: Need,
    input: NewSupporter,
) -> Result<programme_supporter::Model, Failure> {
    let txn = begin_write(db).await?;
    let p = find_or_404::<programme::Entity, _>(&txn, programme_id, "programme").await?;
    let p = authorise_programme(&txn, principal, p, need)
        .await?
        .programme;
    let input = NewSupporter {
        user_id: canonical_uuid("user_id", &input.user_id)?,
        supervisor_id: input
            .supervisor_id
            .as_deref()
            .map(|s| canonical_uuid("supervisor_id", s))
            .transpose()?,
        ..input
    };
    let s = add_in(&txn, ctx, &p, input).await?;
    txn.commit().await?;
    Ok(s)
}

async fn add_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    input: NewSupporter,
) -> Result<programme_supporter::Model, Failure> {
    if kind_of(p)? != ProgrammeKind::Supporter {
        return Err(refused(SupporterRefusal::NotSupporterProgramme));
    }
    let mut v = Violations::new();
    let user_id = input.user_id.trim().to_owned();
    check_member(txn, &mut v, "user_id", &p.network_id, &user_id).await?;
    v.check("capacity", supporter::check_places(input.capacity));
    check_trained_on(&mut v, input.trained_on);
    check_supervisor(
        txn,
        &mut v,
        &p.network_id,
        &user_id,
        input.supervisor_id.as_deref(),
    )
    .await?;
    v.into_result()?;
    let now = Utc::now();
    let exists = programme_supporter::Entity::find()
        .filter(programme_supporter::Column::ProgrammeId.eq(&p.id))
        .filter(programme_supporter::Column::UserId.eq(&user_id))
        .one(txn)
        .await?;
    if exists.is_some() {
        return Err(refused(SupporterRefusal::AlreadySupporter));
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
    .insert(txn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            refused(SupporterRefusal::AlreadySupporter)
        } else {
            e.into()
        }
    })?;
    trail::write(
        txn,
        ctx,
        now,
        Audit::new("programme_supporter.created", "programme_supporter", &s.id)
            .network(&p.network_id),
        vec![],
    )
    .await?;
    Ok(s)
}

/// Changes a supporter's capacity, training date, supervisor or status
/// for a caller. One transaction locks the supporter, loads its programme,
/// checks the caller's standing (`need`; 404 `supporter` when they may not
/// see the programme), then `supervisor_id` (422 `invalid_uuid`), the
/// version and the rest, and writes.
pub async fn update_supporter_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    supporter_id: &str,
    need: Need,
    patch: SupporterPatch,
    if_match: Option<i32>,
) -> Result<programme_supporter::Model, Failure> {
    let txn = begin_write(db).await?;
    let s = programme_supporter::Entity::find_by_id(supporter_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("supporter"))?;
    let p = find_or_404::<programme::Entity, _>(&txn, &s.programme_id, "supporter").await?;
    let p = authorise_within(&txn, principal, p, need, "supporter")
        .await?
        .programme;
    let patch = SupporterPatch {
        supervisor_id: match patch.supervisor_id {
            Some(Some(x)) => Some(Some(canonical_uuid("supervisor_id", &x)?)),
            other => other,
        },
        ..patch
    };
    peerhub_domain::Refusal::check_version(if_match, s.version)?;
    let mut v = Violations::new();
    if let Some(c) = patch.capacity {
        v.check("capacity", supporter::check_places(c));
    }
    if let Some(t) = patch.trained_on {
        check_trained_on(&mut v, t);
    }
    if let Some(sup) = &patch.supervisor_id {
        check_supervisor(&txn, &mut v, &p.network_id, &s.user_id, sup.as_deref()).await?;
    }
    v.into_result()?;
    let now = Utc::now();
    let mut am = s.clone().into_active_model();
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
        return Ok(s);
    }
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
) -> Result<Page<programme_supporter::Model>, Failure> {
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
) -> Result<HashMap<String, i32>, Failure> {
    let mut out = HashMap::new();
    if supporter_ids.is_empty() {
        return Ok(out);
    }
    let rows = peer_match::Entity::find()
        .filter(peer_match::Column::SupporterId.is_in(supporter_ids))
        .filter(peer_match::Column::Status.is_in(open_statuses()))
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
