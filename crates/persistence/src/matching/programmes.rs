//! Programmes: their settings, created and changed by managers.
use chrono::Utc;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::matching::lifecycle::{DEFAULT_PROPOSAL_DAYS, PROPOSAL_DAYS};
use peerhub_domain::matching::score::{Constraints, ProgrammeKind, Weights, check_settings};
use peerhub_domain::validation::{Invalid, Violations, bounded_text};
use peerhub_domain::webhook::EventType;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;

use super::access::authorise_programme;
use super::shared::{lock_programme, to_json};
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

/// Weights to change, field by field; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default)]
pub struct WeightsPatch {
    pub profession: Option<i64>,
    pub specialties: Option<i64>,
    pub level: Option<i64>,
    pub region: Option<i64>,
    pub interests: Option<i64>,
    pub preferences: Option<i64>,
}

impl WeightsPatch {
    /// These changes over `base`.
    pub fn over(self, base: Weights) -> Weights {
        Weights {
            profession: self.profession.unwrap_or(base.profession),
            specialties: self.specialties.unwrap_or(base.specialties),
            level: self.level.unwrap_or(base.level),
            region: self.region.unwrap_or(base.region),
            interests: self.interests.unwrap_or(base.interests),
            preferences: self.preferences.unwrap_or(base.preferences),
        }
    }
}

/// Constraints to change, field by field; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConstraintsPatch {
    pub exclude_same_team: Option<bool>,
    pub exclude_line_manager: Option<bool>,
    pub exclude_previous_pairs: Option<bool>,
    pub min_score: Option<i64>,
}

impl ConstraintsPatch {
    /// These changes over `base`.
    pub fn over(self, base: Constraints) -> Constraints {
        Constraints {
            exclude_same_team: self.exclude_same_team.unwrap_or(base.exclude_same_team),
            exclude_line_manager: self
                .exclude_line_manager
                .unwrap_or(base.exclude_line_manager),
            exclude_previous_pairs: self
                .exclude_previous_pairs
                .unwrap_or(base.exclude_previous_pairs),
            min_score: self.min_score.unwrap_or(base.min_score),
        }
    }
}

/// A change to a programme's settings; `None` leaves a field as it is.
/// Weights and constraints merge field by field into the stored ones.
#[derive(Debug, Clone, Default)]
pub struct ProgrammePatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub weights: Option<WeightsPatch>,
    pub constraints: Option<ConstraintsPatch>,
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
                EventType::ProgrammeCreated,
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

/// Changes a programme's name, description, settings or safeguarding lead
/// for a caller. One transaction locks the programme, checks the caller's
/// standing (`need`) against the locked row, checks the version and the
/// new settings (merged into the locked row's), and writes.
pub async fn update_programme_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    programme_id: &str,
    need: Need,
    patch: ProgrammePatch,
    if_match: Option<i32>,
) -> Result<programme::Model, Failure> {
    let txn = begin_write(db).await?;
    let locked = lock_programme(&txn, programme_id).await?;
    let p = authorise_programme(&txn, principal, locked, need)
        .await?
        .programme;
    let p = update_in(&txn, ctx, p, patch, if_match).await?;
    txn.commit().await?;
    Ok(p)
}

async fn update_in<C: ConnectionTrait>(
    txn: &C,
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
    let weights = match patch.weights {
        Some(w) => w.over(weights_of(&p)?),
        None => weights_of(&p)?,
    };
    let constraints = match patch.constraints {
        Some(c) => c.over(constraints_of(&p)?),
        None => constraints_of(&p)?,
    };
    if let Err(e) = check_settings(&weights, &constraints) {
        v.0.extend(e.0);
    }
    if let Some(d) = patch.proposal_days {
        check_proposal_days(&mut v, d);
    }
    if let Some(l) = &patch.safeguarding_lead_id {
        check_lead(txn, &mut v, &p.network_id, l).await?;
    }
    v.into_result()?;
    let mut changed = Vec::new();
    let now = Utc::now();
    let mut am = p.clone().into_active_model();
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
        return Ok(p);
    }
    let p = am.update(txn).await?;
    trail::write(
        txn,
        ctx,
        now,
        Audit::new("programme.updated", "programme", &p.id)
            .network(&p.network_id)
            .changed(changed),
        vec![],
    )
    .await?;
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
