//! Community proposals: a member proposes a new Community of Practice (a
//! network may require the proposer to hold a named register);
//! a manager approves it, which creates the community with a draft Terms of
//! Reference and the proposer as its chair, or rejects it with a reason.
use chrono::Utc;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::UserStatus;
use peerhub_domain::community::{
    CommunityRole, CommunityStatus, ProposalDecision, ProposalStatus, RawSettings, Settings,
};
use peerhub_domain::proposal::{self as rules, ProposalRefusal};
use peerhub_domain::validation::bounded_text;
use peerhub_domain::webhook::EventType;
use peerhub_domain::{FieldViolation, Violations};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::entities::{community_proposal, network, network_member, user};
use crate::error::Failure;
use crate::load;
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};
use crate::{access, communities, memberships};

pub use peerhub_domain::proposal::{MAX_RATIONALE, MAX_REASON};

pub use crate::entities::community_proposal::{Cadence, Details, ProposedTerms};

/// The stored status of a proposal.
pub fn status_of(p: &community_proposal::Model) -> Result<ProposalStatus, Failure> {
    crate::stored::decode("community_proposal.status", &p.status)
}

/// The stored details of a proposal.
pub fn details_of(p: &community_proposal::Model) -> Result<Details, Failure> {
    p.details.decode("community_proposals.details", &p.id)
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
            max_secretaries: t
                .max_secretaries
                .unwrap_or(peerhub_domain::membership::DEFAULT_MAX_SECRETARIES),
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
fn check_register(net: &network::Model, proposer: &user::Model) -> Result<(), Failure> {
    let required = net.require_register_to_propose.as_deref();
    let registers: Vec<String> = if required.is_some_and(|r| !r.trim().is_empty()) {
        proposer.registers.decode("users.registers", &proposer.id)?
    } else {
        Vec::new()
    };
    Ok(rules::may_propose(&net.name, required, &registers)?)
}

/// Stores a proposal by the caller, checking their standing in the network
/// (`need`) in the same transaction.
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    need: Need,
    np: NewProposal,
) -> Result<community_proposal::Model, Failure> {
    let txn = crate::db::begin_write(db).await?;
    let net = access::network(&txn, principal, &np.network_id, need, None).await?;
    let proposer_id = principal.user_id.as_str();
    let proposer = load::find_or_404::<user::Entity, _>(&txn, proposer_id, "account").await?;
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
    let details = crate::stored::Json::encode(&details)?;
    let now = Utc::now();
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
                EventType::ProposalSubmitted,
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
async fn manages(db: &Db, principal: &Principal, network_id: &str) -> Result<bool, Failure> {
    match access::network(db, principal, network_id, Need::Manager, None).await {
        Ok(_) => Ok(true),
        Err(Failure::Refused(peerhub_domain::Refusal::Forbidden { .. })) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Reads a proposal: its proposer or a manager of its network. Others in
/// the network get 403; people outside it 404.
pub async fn get(
    db: &Db,
    principal: &Principal,
    id: &str,
) -> Result<community_proposal::Model, Failure> {
    let p =
        load::find_or_404::<community_proposal::Entity, _>(db, id, "community proposal").await?;
    access::network(db, principal, &p.network_id, Need::Member, None)
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => Failure::not_found("community proposal"),
            e => e,
        })?;
    let is_proposer = p.proposed_by == principal.user_id;
    let is_manager = !is_proposer && manages(db, principal, &p.network_id).await?;
    rules::may_see(is_proposer, is_manager)?;
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
) -> Result<Page<community_proposal::Model>, Failure> {
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
) -> Result<community_proposal::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let p = load::find_for_update_or_404::<community_proposal::Entity, _>(
        &txn,
        id,
        "community proposal",
    )
    .await?;
    let net = access::network(&txn, principal, &p.network_id, Need::Manager, None)
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => Failure::not_found("community proposal"),
            e => e,
        })?;

    let decision = input.decision;
    let reason = rules::decision_reason(decision, input.reason.as_deref())?;

    let current = status_of(&p)?;
    let proposer = user::Entity::find_by_id(p.proposed_by.clone())
        .one(&txn)
        .await?;
    // The proposer's standing matters only when approving (they chair).
    let standing = match (current, decision, &proposer) {
        (ProposalStatus::Pending, ProposalDecision::Approve, Some(u)) => Some(rules::Proposer {
            status: decode::<UserStatus>("user.status", &u.status)?,
            in_network: access::role_in(&txn, &u.id, &net.id).await?.is_some(),
        }),
        _ => None,
    };
    let status = rules::decide(current, decision, standing)?;

    let mut am = p.clone().into_active_model();
    let (community_id, email) = match decision {
        ProposalDecision::Approve => {
            let Some(proposer) = proposer else {
                return Err(ProposalRefusal::ProposerNotMember.into());
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
            let notice = rules::notice::approved(&p.name, &net.name, reason.as_deref());
            let email = Message::email(
                "proposal.decided",
                "community_proposal",
                &p.id,
                &proposer.email,
                json!({
                    "subject": notice.subject,
                    "body": notice.body,
                    "proposal_id": p.id,
                    "community_id": c.id,
                    "decision": status.as_str(),
                }),
            );
            (Some(c.id), Some(email))
        }
        ProposalDecision::Reject => {
            let email = match proposer {
                Some(u)
                    if rules::emailed_on_rejection(decode::<UserStatus>(
                        "user.status",
                        &u.status,
                    )?) =>
                {
                    let notice = rules::notice::rejected(
                        &p.name,
                        &net.name,
                        reason.as_deref().unwrap_or_default(),
                    );
                    Some(Message::email(
                        "proposal.decided",
                        "community_proposal",
                        &p.id,
                        &u.email,
                        json!({
                            "subject": notice.subject,
                            "body": notice.body,
                            "proposal_id": p.id,
                            "decision": status.as_str(),
                            "reason": reason,
                        }),
                    ))
                }
                _ => None,
            };
            (None, email)
        }
    };
    am.status = Set(status.as_str().to_owned());
    am.decided_by = Set(ctx.actor_id.clone());
    am.decided_at = Set(Some(now));
    am.decision_reason = Set(reason);
    am.community_id = Set(community_id.clone());
    let p = am.update(&txn).await?;
    let mut messages = vec![
        Message::event(
            EventType::ProposalDecided,
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

impl From<ProposalRefusal> for Failure {
    fn from(r: ProposalRefusal) -> Self {
        peerhub_domain::Refusal::from(r).into()
    }
}
