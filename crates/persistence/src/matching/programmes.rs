//! Programmes: their settings, created and changed by managers.
use chrono::Utc;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::matching::lifecycle::{DEFAULT_PROPOSAL_DAYS, PROPOSAL_DAYS};
use peerhub_domain::matching::score::{Constraints, ProgrammeKind, Weights, check_settings};
use peerhub_domain::validation::{Invalid, Violations, bounded_text};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use serde_json::json;

use super::shared::to_json;
use crate::Db;
use crate::access;
use crate::db::begin_write;
use crate::entities::programme;
use crate::error::Failure;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// Most characters in a programme's description.
pub const MAX_DESCRIPTION: usize = 4000;

/// A programme's settings as stored (`constraints` column).
/// A stored value that does not decode is an error: the safeguarding
/// exclusions must never silently switch off.
pub fn constraints_of(p: &programme::Model) -> Result<Constraints, Failure> {
    p.constraints.decode("programmes.constraints", &p.id)
}

/// A programme's weights as stored (`weights` column).
pub fn weights_of(p: &programme::Model) -> Result<Weights, Failure> {
    p.weights.decode("programmes.weights", &p.id)
}

/// The programme's kind.
pub fn kind_of(p: &programme::Model) -> Result<ProgrammeKind, Failure> {
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
) -> Result<(), Failure> {
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
) -> Result<programme::Model, Failure> {
    let txn = begin_write(db).await?;
    let p = programme_in(&txn, ctx, network_id, input).await?;
    txn.commit().await?;
    Ok(p)
}

/// Like [`create_programme`] for a caller: checks their standing in the
/// network (`need`) in the same transaction.
pub async fn create_programme_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    network_id: &str,
    need: Need,
    input: NewProgramme,
) -> Result<programme::Model, Failure> {
    let txn = begin_write(db).await?;
    access::network(&txn, principal, network_id, need, None).await?;
    let p = programme_in(&txn, ctx, network_id, input).await?;
    txn.commit().await?;
    Ok(p)
}

async fn programme_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    network_id: &str,
    input: NewProgramme,
) -> Result<programme::Model, Failure> {
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
    check_lead(txn, &mut v, network_id, &input.safeguarding_lead_id).await?;
    v.clone().into_result()?;
    let Some(name) = name else {
        return Err(Failure::violations(v));
    };
    let kind = input.kind;
    let now = Utc::now();
    let p = programme::ActiveModel {
        id: Set(new_id()),
        network_id: Set(network_id.to_owned()),
        name: Set(name),
        description: Set(description),
        kind: Set(kind.as_str().to_owned()),
        weights: Set(to_json(&weights)?),
        constraints: Set(to_json(&constraints)?),
        proposal_days: Set(proposal_days),
        safeguarding_lead_id: Set(Some(input.safeguarding_lead_id.trim().to_owned())),
        version: Set(1),
        created_by: Set(ctx.actor_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    trail::write(
        txn,
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
    Ok(p)
}

/// Changes a programme's name, description, settings or safeguarding lead.
pub async fn update_programme(
    db: &Db,
    ctx: &Ctx,
    p: programme::Model,
    patch: ProgrammePatch,
    if_match: Option<i32>,
) -> Result<programme::Model, Failure> {
    peerhub_domain::Refusal::check_version(if_match, p.version)?;
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
        .ok_or(Failure::not_found("programme"))?;
    peerhub_domain::Refusal::check_version(if_match, current.version)?;
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
        am.weights = Set(to_json(&weights)?);
        changed.push("weights");
    }
    if patch.constraints.is_some() {
        am.constraints = Set(to_json(&constraints)?);
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
) -> Result<Page<programme::Model>, Failure> {
    Ok(page::fetch(
        db,
        programme::Entity::find().filter(programme::Column::NetworkId.eq(network_id)),
        programme::Column::Id,
        |p| p.id.clone(),
        page,
    )
    .await?)
}
