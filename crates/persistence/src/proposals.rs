//! Community proposals: a member proposes a new Community of Practice (a
//! network may require the proposer to hold a named register);
//! a manager approves it, which creates the community with a draft Terms of
//! Reference and the proposer as its chair, or rejects it with a reason.
use chrono::Utc;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::community::{
    CadenceUnit, CommunityKind, CommunityRole, CommunityStatus, DeliveryMode, OrganisedAround,
    ProposalDecision, ProposalStatus, RawSettings, Settings,
};
use peerhub_domain::eligibility::EligibilityRules;
use peerhub_domain::validation::bounded_text;
use peerhub_domain::{FieldViolation, Invalid, Violations};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Db;
use crate::accounts::json_to_list;
use crate::entities::{community_proposal, network, network_member, user};
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::trail::{self, Audit, Ctx, Message, new_id};
use crate::{access, communities, memberships};

/// Longest rationale and decision reason, in characters.
pub const MAX_RATIONALE: usize = 4000;
pub const MAX_REASON: usize = 2000;

/// The cadence of the proposed community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    pub every: i32,
    pub unit: CadenceUnit,
}

/// The proposed Terms of Reference (validated), kept until approval turns
/// them into the community's first draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedTerms {
    pub purpose: String,
    pub aims: Vec<String>,
    pub eligibility: EligibilityRules,
    pub meeting_arrangements: String,
    pub chairing_arrangements: String,
    pub notes_arrangements: String,
    pub max_secretaries: i32,
}

/// Everything about a proposal that has no column of its own (the
/// `details` JSON). Name, focus and audience are columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub organised_around: OrganisedAround,
    pub kind: CommunityKind,
    pub capacity: i32,
    pub fee_note: Option<String>,
    pub cadence: Cadence,
    pub duration_minutes: i32,
    pub delivery_mode: DeliveryMode,
    pub rationale: Option<String>,
    pub terms: Option<ProposedTerms>,
}

/// The stored status of a proposal.
pub fn status_of(p: &community_proposal::Model) -> Result<ProposalStatus, StoreError> {
    crate::stored::decode("community_proposal.status", &p.status)
}

/// The stored details of a proposal.
pub fn details_of(p: &community_proposal::Model) -> Result<Details, StoreError> {
    serde_json::from_str(&p.details)
        .map_err(|e| StoreError::Internal(format!("proposal {} has unreadable details: {e}", p.id)))
}

fn settings_of(p: &community_proposal::Model, d: &Details) -> Settings {
    Settings {
        name: p.name.clone(),
        focus: p.focus.clone(),
        audience: p.audience.clone(),
        organised_around: d.organised_around,
        kind: d.kind,
        capacity: d.capacity,
        fee_note: d.fee_note.clone(),
        cadence_every: d.cadence.every,
        cadence_unit: d.cadence.unit,
        duration_minutes: d.duration_minutes,
        delivery_mode: d.delivery_mode,
    }
}

/// A proposal as submitted.
pub struct NewProposal {
    pub network_id: String,
    pub settings: RawSettings,
    pub rationale: Option<String>,
    pub terms: Option<communities::TermsDraft>,
}

/// Validates a proposal; every failure names its field (`name`,
/// `cadence.every`, `terms.purpose`, `terms.eligibility.professions[0]`…).
fn validate(
    np: NewProposal,
) -> Result<(Settings, Option<String>, Option<ProposedTerms>), Violations> {
    let mut v = Violations::new();
    let settings = match np.settings.apply(None, "") {
        Ok(s) => Some(s),
        Err(e) => {
            v.0.extend(e.0);
            None
        }
    };
    let rationale = np
        .rationale
        .map(|r| v.check("rationale", bounded_text(&r, 1, MAX_RATIONALE)));
    let terms = np.terms.map(|t| match communities::validate_draft(t) {
        Ok(t) => Some(ProposedTerms {
            purpose: t.purpose,
            aims: t.aims,
            eligibility: t.eligibility,
            meeting_arrangements: t.meeting_arrangements,
            chairing_arrangements: t.chairing_arrangements,
            notes_arrangements: t.notes_arrangements,
            max_secretaries: t.max_secretaries.unwrap_or(1),
        }),
        Err(e) => {
            v.0.extend(e.0.into_iter().map(|f| FieldViolation {
                field: format!("terms.{}", f.field),
                ..f
            }));
            None
        }
    });
    match settings {
        Some(s) if v.is_empty() => Ok((s, rationale.flatten(), terms.flatten())),
        _ => Err(v),
    }
}

/// Checks the network's register rule: when it names a register, the
/// proposer's profile must list it (ignoring case).
fn check_register(net: &network::Model, proposer: &user::Model) -> Result<(), StoreError> {
    let Some(required) = net
        .require_register_to_propose
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    else {
        return Ok(());
    };
    let wanted = required.to_lowercase();
    if json_to_list(&proposer.registers)?
        .iter()
        .any(|r| r.trim().to_lowercase() == wanted)
    {
        return Ok(());
    }
    Err(StoreError::forbidden(
        "register-required",
        format!(
            "Proposing a community in {} needs membership of the register \"{required}\"; add it to the registers in your profile (PATCH /v1/me) and try again.",
            net.name
        ),
    ))
}

/// Stores a proposal by `proposer` (who the caller has checked is in the
/// network).
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    proposer_id: &str,
    np: NewProposal,
) -> Result<community_proposal::Model, StoreError> {
    let net = network::Entity::find_by_id(np.network_id.clone())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("network"))?;
    let proposer = user::Entity::find_by_id(proposer_id.to_owned())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("account"))?;
    check_register(&net, &proposer)?;
    let (s, rationale, terms) = validate(np)?;
    let details = Details {
        organised_around: s.organised_around,
        kind: s.kind,
        capacity: s.capacity,
        fee_note: s.fee_note,
        cadence: Cadence {
            every: s.cadence_every,
            unit: s.cadence_unit,
        },
        duration_minutes: s.duration_minutes,
        delivery_mode: s.delivery_mode,
        rationale,
        terms,
    };
    let details = serde_json::to_string(&details)
        .map_err(|e| StoreError::Internal(format!("serialising proposal details: {e}")))?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let p = community_proposal::ActiveModel {
        id: Set(new_id()),
        network_id: Set(net.id.clone()),
        proposed_by: Set(proposer_id.to_owned()),
        name: Set(s.name),
        focus: Set(s.focus),
        audience: Set(s.audience),
        details: Set(details),
        status: Set(ProposalStatus::Pending.as_str().to_owned()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
        community_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("proposal.submitted", "community_proposal", &p.id)
            .network(&net.id)
            .changed(vec!["name", "focus", "audience", "details", "status"]),
        vec![
            Message::event(
                "proposal.submitted",
                "community_proposal",
                &p.id,
                json!({"proposal_id": p.id, "network_id": net.id, "name": p.name, "proposed_by": proposer_id}),
            )
            .network(&net.id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

/// True when the caller manages the network (or is a platform admin).
async fn manages(db: &Db, principal: &Principal, network_id: &str) -> Result<bool, StoreError> {
    match access::network(db, principal, network_id, Need::Manager, None).await {
        Ok(_) => Ok(true),
        Err(StoreError::Forbidden { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Reads a proposal: its proposer or a manager of its network. Others in
/// the network get 403; people outside it 404.
pub async fn get(
    db: &Db,
    principal: &Principal,
    id: &str,
) -> Result<community_proposal::Model, StoreError> {
    let p = community_proposal::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("community proposal"))?;
    access::network(db, principal, &p.network_id, Need::Member, None)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => StoreError::NotFound("community proposal"),
            e => e,
        })?;
    if p.proposed_by != principal.user_id && !manages(db, principal, &p.network_id).await? {
        return Err(StoreError::forbidden(
            "forbidden",
            "only the proposer and the network's managers may see this proposal",
        ));
    }
    Ok(p)
}

pub struct ListFilter {
    pub network_id: Option<String>,
    pub status: Option<ProposalStatus>,
}

/// Proposals the caller may see, oldest first: all of a network they
/// manage, only their own elsewhere. With `network_id`, that network only
/// (404 when the caller is not in it).
pub async fn list(
    db: &Db,
    principal: &Principal,
    f: &ListFilter,
    page: &PageRequest,
) -> Result<Page<community_proposal::Model>, StoreError> {
    // People only: proposals are not part of any token scope.
    access::own_account(principal, None)?;
    let mut q = community_proposal::Entity::find();
    match &f.network_id {
        Some(nid) => {
            access::network(db, principal, nid, Need::Member, None).await?;
            q = q.filter(community_proposal::Column::NetworkId.eq(nid));
            if !manages(db, principal, nid).await? {
                q = q.filter(community_proposal::Column::ProposedBy.eq(&principal.user_id));
            }
        }
        None if principal.is_platform_admin => {}
        None => {
            let managed: Vec<String> = network_member::Entity::find()
                .select_only()
                .column(network_member::Column::NetworkId)
                .filter(network_member::Column::UserId.eq(&principal.user_id))
                .filter(
                    network_member::Column::Role
                        .eq(peerhub_domain::account::NetworkRole::Manager.as_str()),
                )
                .into_tuple()
                .all(db)
                .await?;
            let mut visible =
                Condition::any().add(community_proposal::Column::ProposedBy.eq(&principal.user_id));
            if !managed.is_empty() {
                visible = visible.add(community_proposal::Column::NetworkId.is_in(managed));
            }
            q = q.filter(visible);
        }
    }
    if let Some(s) = f.status {
        q = q.filter(community_proposal::Column::Status.eq(s.as_str()));
    }
    Ok(page::fetch(
        db,
        q,
        community_proposal::Column::Id,
        |p| p.id.clone(),
        page,
    )
    .await?)
}

/// A decision as a manager sends it.
pub struct DecisionInput {
    pub decision: ProposalDecision,
    pub reason: Option<String>,
}

/// Decides a pending proposal (managers of its network). Approval, in one
/// transaction: the community (active) with the proposal's settings, a
/// draft Terms of Reference from the proposed terms (if any), the proposer
/// as chair, and the proposal marked approved with the new community's id.
/// Either way the proposer gets an email.
pub async fn decide(
    db: &Db,
    principal: &Principal,
    ctx: &Ctx,
    id: &str,
    input: DecisionInput,
) -> Result<community_proposal::Model, StoreError> {
    let existing = community_proposal::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("community proposal"))?;
    access::network(db, principal, &existing.network_id, Need::Manager, None)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => StoreError::NotFound("community proposal"),
            e => e,
        })?;

    let mut v = Violations::new();
    let decision = input.decision;
    let reason = match input.reason {
        Some(r) => v.check("reason", bounded_text(&r, 1, MAX_REASON)),
        None => None,
    };
    if decision.needs_reason() && reason.is_none() && v.is_empty() {
        v.add(
            "reason",
            Invalid::new("required", "is required when rejecting a proposal"),
        );
    }
    v.into_result()?;

    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let p = community_proposal::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("community proposal"))?;
    if status_of(&p)? != ProposalStatus::Pending {
        return Err(StoreError::conflict(
            "proposal-not-pending",
            format!("this proposal was already decided ({})", p.status),
        ));
    }
    let net = network::Entity::find_by_id(p.network_id.clone())
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("network"))?;
    let proposer = user::Entity::find_by_id(p.proposed_by.clone())
        .one(&txn)
        .await?;

    let mut am = p.clone().into_active_model();
    let (status, community_id, email) = match decision {
        ProposalDecision::Approve => {
            let proposer = match proposer {
                Some(u)
                    if u.status != peerhub_domain::account::UserStatus::Erased.as_str()
                        && access::role_in(&txn, &u.id, &net.id).await?.is_some() =>
                {
                    u
                }
                _ => {
                    return Err(StoreError::conflict(
                        "proposer-not-member",
                        "the proposer is no longer a member of this network, so cannot chair the community; reject the proposal instead",
                    ));
                }
            };
            let d = details_of(&p)?;
            let c = communities::insert(
                &txn,
                ctx,
                &net.id,
                &settings_of(&p, &d),
                CommunityStatus::Active,
                now,
            )
            .await?;
            if let Some(t) = d.terms {
                communities::insert_draft(
                    &txn,
                    ctx,
                    &c,
                    communities::TermsDraft {
                        purpose: t.purpose,
                        aims: t.aims,
                        eligibility: t.eligibility,
                        meeting_arrangements: t.meeting_arrangements,
                        chairing_arrangements: t.chairing_arrangements,
                        notes_arrangements: t.notes_arrangements,
                        max_secretaries: Some(t.max_secretaries),
                    },
                    now,
                )
                .await?;
            }
            memberships::insert_member(
                &txn,
                ctx,
                &c,
                &proposer.id,
                CommunityRole::Chair,
                None,
                now,
            )
            .await?;
            let email = Message::email(
                "proposal.decided",
                "community_proposal",
                &p.id,
                &proposer.email,
                json!({
                    "subject": format!("Your proposed community \"{}\" was approved", p.name),
                    "body": format!(
                        "Your proposal for the community \"{}\" in {} was approved. The community is now active and you are its chair.{} Next, agree the Terms of Reference with the network's managers so that people can apply.",
                        p.name,
                        net.name,
                        reason.as_deref().map(|r| format!(" Note from the manager: {r}")).unwrap_or_default()
                    ),
                    "proposal_id": p.id,
                    "community_id": c.id,
                    "decision": "approved",
                }),
            );
            (ProposalStatus::Approved, Some(c.id), Some(email))
        }
        ProposalDecision::Reject => {
            let email = proposer
                .filter(|u| u.status != peerhub_domain::account::UserStatus::Erased.as_str())
                .map(|u| {
                    Message::email(
                        "proposal.decided",
                        "community_proposal",
                        &p.id,
                        &u.email,
                        json!({
                            "subject": format!("Your proposed community \"{}\" was not approved", p.name),
                            "body": format!(
                                "Your proposal for the community \"{}\" in {} was not approved. Reason: {}",
                                p.name,
                                net.name,
                                reason.as_deref().unwrap_or_default()
                            ),
                            "proposal_id": p.id,
                            "decision": "rejected",
                            "reason": reason,
                        }),
                    )
                });
            (ProposalStatus::Rejected, None, email)
        }
    };
    am.status = Set(status.as_str().to_owned());
    am.decided_by = Set(ctx.actor_id.clone());
    am.decided_at = Set(Some(now));
    am.decision_reason = Set(reason);
    am.community_id = Set(community_id.clone());
    am.version = Set(p.version + 1);
    am.updated_at = Set(now);
    let p = am.update(&txn).await?;
    let mut messages = vec![
        Message::event(
            "proposal.decided",
            "community_proposal",
            &p.id,
            json!({
                "proposal_id": p.id,
                "network_id": net.id,
                "decision": status.as_str(),
                "community_id": community_id,
                "proposed_by": p.proposed_by,
            }),
        )
        .network(&net.id),
    ];
    messages.extend(email.map(|m| m.network(&net.id)));
    let mut changed = vec!["status", "decided_by", "decided_at"];
    if p.decision_reason.is_some() {
        changed.push("decision_reason");
    }
    if p.community_id.is_some() {
        changed.push("community_id");
    }
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("proposal.decided", "community_proposal", &p.id)
            .network(&net.id)
            .changed(changed),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}
