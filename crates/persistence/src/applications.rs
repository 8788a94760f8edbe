//! Applications to join a community, the decisions on them, the wait-list
//! and place offers, and members leaving or being removed.
//!
//! Every change runs in one transaction that locks the community row first
//! (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's single writer, taken up
//! front by [`crate::db::begin_write`], serialises them there), so capacity
//! is checked and used under the same lock and a community never exceeds
//! it, whatever runs concurrently.
//!
//! A place counts as taken by an active member or by an unexpired offer, so
//! an approval cannot take a place that was offered to a wait-listed
//! applicant.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use peerhub_domain::access::{
    CommunityNeed, Decision as AccessDecision, Principal, decide_community,
};
use peerhub_domain::community::{
    Admission, ApplicationDecision, ApplicationDecisionOutcome, ApplicationStatus, CommunityRole,
    CommunityStatus, MembershipStatus, admission,
};
use peerhub_domain::eligibility::{
    Applicant, Assessment, Check, EligibilityOutcome, EligibilityVerdict, assess,
};
use peerhub_domain::validation::bounded_text;
use peerhub_domain::{Invalid, Violations};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::accounts::json_to_list;
use crate::entities::{application, community, community_member, user};
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// How long a wait-listed applicant has to accept an offered place.
pub const OFFER_TTL_DAYS: i64 = 7;
/// Longest application statement, in characters.
pub const MAX_STATEMENT_CHARS: usize = 4000;
/// Longest decision reason or override reason, in characters.
pub const MAX_REASON_CHARS: usize = 4000;
/// Longest removal reason, in characters.
pub const MAX_REMOVAL_REASON_CHARS: usize = 1000;

// ------------------------------------------------------------------ policy

/// What the caller wants to do with one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationNeed {
    /// See it: the applicant, the community's core team, managers.
    Read,
    /// Decide on it: managers.
    Decide,
    /// Act as the applicant (withdraw, accept or decline an offer).
    Applicant,
}

fn hidden() -> StoreError {
    StoreError::NotFound("application")
}

fn missing_scope() -> StoreError {
    StoreError::forbidden(
        "insufficient-scope",
        "this API token does not have a scope that this operation accepts",
    )
}

/// The policy for applications, in one place. An application is private:
/// anyone who may not see it (another network, or a member who is neither
/// the applicant nor on the core team) gets 404. Someone who may see it but
/// not do this gets 403 `forbidden`. API tokens are refused (403
/// `insufficient-scope`) once visibility is settled: no scope covers
/// applications.
pub async fn authorize<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    application_id: &str,
    need: ApplicationNeed,
) -> Result<application::Model, StoreError> {
    let a = application::Entity::find_by_id(application_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(hidden)?;
    let network_role = crate::access::role_in(conn, &principal.user_id, &a.network_id).await?;
    let community_role =
        crate::access::community_role_of(conn, &principal.user_id, &a.community_id).await?;
    // Decide by role as the person, then apply the token rule.
    let person = Principal {
        token_scopes: None,
        ..principal.clone()
    };
    let by = |need| decide_community(&person, network_role, community_role, need, None);
    let is_applicant = a.user_id == principal.user_id;
    let visible = match by(CommunityNeed::Core) {
        AccessDecision::Hidden => false,
        AccessDecision::Allow => true,
        _ => is_applicant,
    };
    if !visible {
        return Err(hidden());
    }
    let allowed = match need {
        ApplicationNeed::Read => true,
        ApplicationNeed::Decide => by(CommunityNeed::Manager) == AccessDecision::Allow,
        ApplicationNeed::Applicant => is_applicant,
    };
    if principal.is_token() {
        return Err(missing_scope());
    }
    if !allowed {
        return Err(StoreError::forbidden(
            "forbidden",
            match need {
                ApplicationNeed::Applicant => "only the applicant may do this",
                _ => "only a manager of the network may decide on applications",
            },
        ));
    }
    Ok(a)
}

/// Leaving (oneself) or removing (a manager) a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    Leave,
    Remove,
}

impl Departure {
    fn status(self) -> MembershipStatus {
        match self {
            Departure::Leave => MembershipStatus::Left,
            Departure::Remove => MembershipStatus::Removed,
        }
    }
}

/// Who may end a membership: the member themself (leave) or a manager of
/// the network (remove). Others in the network get 403, people outside it
/// 404, API tokens 403 `insufficient-scope`.
pub async fn authorize_departure<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    community_id: &str,
    user_id: &str,
) -> Result<(community::Model, Departure), StoreError> {
    let c = crate::access::community(
        conn,
        principal,
        community_id,
        CommunityNeed::NetworkMember,
        None,
    )
    .await?;
    if principal.user_id == user_id {
        return Ok((c, Departure::Leave));
    }
    crate::access::community(conn, principal, community_id, CommunityNeed::Manager, None).await?;
    Ok((c, Departure::Remove))
}

// ---------------------------------------------------------------- helpers

/// The eligibility facts of a person's profile.
pub fn applicant_of(u: &user::Model) -> Result<Applicant, StoreError> {
    Ok(Applicant {
        profession: u.profession.clone(),
        level: u.level.clone(),
        region: u.region.clone(),
        registers: json_to_list(&u.registers)?,
    })
}

/// The stored checks of an application (unreadable checks are an error,
/// never "no checks").
pub fn checks_of(a: &application::Model) -> Result<Vec<Check>, StoreError> {
    serde_json::from_str(&a.checks).map_err(|e| {
        StoreError::Internal(format!(
            "application {} has unreadable eligibility checks: {e}",
            a.id
        ))
    })
}

/// The stored verdict of an application.
pub fn verdict_of(a: &application::Model) -> Result<EligibilityVerdict, StoreError> {
    decode("application.verdict", &a.verdict)
}

/// The stored status of an application.
pub fn status_of(a: &application::Model) -> Result<ApplicationStatus, StoreError> {
    decode("application.status", &a.status)
}

fn checks_json(checks: &[Check]) -> String {
    serde_json::to_string(checks).unwrap_or_else(|_| "[]".into())
}

/// Plain-English reasons of the checks that were not met.
fn failed_reasons(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c.outcome == EligibilityOutcome::NotMet)
        .map(|c| c.reason.clone())
        .collect()
}

/// Optional free text: trimmed, empty means absent, at most `max` chars.
fn optional_text(
    v: &mut Violations,
    field: &str,
    raw: Option<String>,
    max: usize,
) -> Option<String> {
    let s = raw?;
    if s.trim().is_empty() {
        return None;
    }
    v.check(field, bounded_text(&s, 1, max))
}

async fn load_user<C: ConnectionTrait>(conn: &C, user_id: &str) -> Result<user::Model, StoreError> {
    user::Entity::find_by_id(user_id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("user"))
}

/// Locks the community row for the rest of the transaction.
async fn lock_community(
    txn: &DatabaseTransaction,
    community_id: &str,
) -> Result<community::Model, StoreError> {
    community::Entity::find_by_id(community_id.to_owned())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("community"))
}

/// Re-reads an application inside the transaction (after the community
/// lock, so it is current).
async fn reload(
    txn: &DatabaseTransaction,
    application_id: &str,
) -> Result<application::Model, StoreError> {
    application::Entity::find_by_id(application_id.to_owned())
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(hidden)
}

/// Places taken: active members plus unexpired offers (except `excluding`).
async fn places_taken<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    now: DateTime<Utc>,
    excluding: Option<&str>,
) -> Result<u64, StoreError> {
    let members = crate::memberships::active_count(conn, community_id).await?;
    let mut q = application::Entity::find()
        .filter(application::Column::CommunityId.eq(community_id))
        .filter(application::Column::Status.eq(ApplicationStatus::Offered.as_str()))
        .filter(application::Column::OfferExpiresAt.gt(now));
    if let Some(id) = excluding {
        q = q.filter(application::Column::Id.ne(id));
    }
    Ok(members + q.count(conn).await?)
}

fn event_payload(a: &application::Model) -> serde_json::Value {
    json!({
        "application_id": a.id,
        "community_id": a.community_id,
        "network_id": a.network_id,
        "user_id": a.user_id,
        "status": a.status,
        "verdict": a.verdict,
    })
}

/// Offers free places to the wait-list, oldest application first, while
/// places are free. Inside a transaction that holds the community lock.
/// Returns the applications offered a place.
pub(crate) async fn fill_places<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    c: &community::Model,
    now: DateTime<Utc>,
) -> Result<Vec<application::Model>, StoreError> {
    let mut offered = Vec::new();
    if crate::communities::status_of(c)? != CommunityStatus::Active {
        return Ok(offered);
    }
    let mut taken = places_taken(txn, &c.id, now, None).await?;
    while admission(c.capacity, taken) == Admission::Admit {
        let Some(next) = application::Entity::find()
            .filter(application::Column::CommunityId.eq(&c.id))
            .filter(application::Column::Status.eq(ApplicationStatus::Waitlisted.as_str()))
            .order_by_asc(application::Column::Id)
            .lock_exclusive()
            .one(txn)
            .await?
        else {
            break;
        };
        let expires = now + Duration::days(OFFER_TTL_DAYS);
        let u = load_user(txn, &next.user_id).await?;
        let version = next.version;
        let mut am = next.into_active_model();
        am.status = Set(ApplicationStatus::Offered.as_str().to_owned());
        am.offer_expires_at = Set(Some(expires));
        am.version = Set(version + 1);
        am.updated_at = Set(now);
        let a = am.update(txn).await?;
        let mut payload = event_payload(&a);
        payload["offer_expires_at"] = json!(expires);
        trail::write(
            txn,
            ctx,
            now,
            Audit::new("application.offered", "application", &a.id)
                .network(&a.network_id)
                .changed(vec!["status", "offer_expires_at"]),
            vec![
                Message::event("application.offered", "application", &a.id, payload)
                    .network(&a.network_id),
                Message::email(
                    "application.offered",
                    "application",
                    &a.id,
                    &u.email,
                    json!({
                        "subject": format!("A place is free in {}", c.name),
                        "body": format!(
                            "A place has become free in {}, and you are first on its wait-list. \
                             Accept it with POST /v1/applications/{}/accept-offer (or decline it with \
                             POST /v1/applications/{}/decline-offer) by {} UTC; after that the offer \
                             lapses and the place goes to the next person waiting.",
                            c.name,
                            a.id,
                            a.id,
                            expires.format("%Y-%m-%d %H:%M")
                        ),
                        "application_id": a.id,
                        "community_id": c.id,
                        "offer_expires_at": expires,
                    }),
                )
                .network(&a.network_id),
            ],
        )
        .await?;
        offered.push(a);
        taken += 1;
    }
    Ok(offered)
}

/// Writes the audit entry and the event of a status change (named
/// `topic`), plus any `extra` messages such as the applicant's notice.
async fn status_changed<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    a: &application::Model,
    topic: &'static str,
    now: DateTime<Utc>,
    extra: Vec<Message>,
) -> Result<(), StoreError> {
    let mut messages =
        vec![Message::event(topic, "application", &a.id, event_payload(a)).network(&a.network_id)];
    messages.extend(extra);
    trail::write(
        conn,
        ctx,
        now,
        Audit::new(topic, "application", &a.id)
            .network(&a.network_id)
            .changed(vec!["status"]),
        messages,
    )
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ submit

/// Applies to join a community (the caller is a member of its network).
pub async fn submit(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    community_id: &str,
    statement: Option<String>,
) -> Result<application::Model, StoreError> {
    let mut v = Violations::new();
    let statement = optional_text(&mut v, "statement", statement, MAX_STATEMENT_CHARS);
    v.into_result()?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let c = community::Entity::find_by_id(community_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("community"))?;
    if crate::communities::status_of(&c)? != CommunityStatus::Active {
        return Err(StoreError::conflict(
            "community-not-active",
            format!(
                "the community is {}, and takes applications only while active",
                c.status
            ),
        ));
    }
    let terms = crate::communities::current_terms(&txn, &c.id)
        .await?
        .ok_or_else(|| {
            StoreError::conflict(
                "no-approved-terms",
                "the community has no approved Terms of Reference yet, so it cannot take applications",
            )
        })?;
    if crate::memberships::active_of(&txn, &c.id, user_id)
        .await?
        .is_some()
    {
        return Err(StoreError::conflict(
            "already-member",
            "you are already a member of this community",
        ));
    }
    let open = application::Entity::find()
        .filter(application::Column::CommunityId.eq(&c.id))
        .filter(application::Column::UserId.eq(user_id))
        .filter(application::Column::Status.is_in(open_statuses()))
        .one(&txn)
        .await?;
    if let Some(o) = open {
        return Err(application_open(&o.id));
    }
    let u = load_user(&txn, user_id).await?;
    let Assessment { verdict, checks } =
        assess(&applicant_of(&u)?, &crate::communities::rules_of(&terms)?);
    let a = application::ActiveModel {
        id: Set(new_id()),
        community_id: Set(c.id.clone()),
        network_id: Set(c.network_id.clone()),
        user_id: Set(user_id.to_owned()),
        statement: Set(statement),
        status: Set(ApplicationStatus::Pending.as_str().to_owned()),
        verdict: Set(verdict.as_str().to_owned()),
        checks: Set(checks_json(&checks)),
        terms_number: Set(terms.number),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
        override_reason: Set(None),
        offer_expires_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            application_open("")
        } else {
            e.into()
        }
    })?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("application.submitted", "application", &a.id)
            .network(&a.network_id)
            .changed(vec!["status", "statement", "verdict", "checks"]),
        vec![
            Message::event("application.submitted", "application", &a.id, {
                let mut p = event_payload(&a);
                p["terms_version"] = json!(a.terms_number);
                p
            })
            .network(&a.network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(a)
}

fn open_statuses() -> Vec<&'static str> {
    ApplicationStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

fn application_open(id: &str) -> StoreError {
    StoreError::conflict(
        "application-open",
        if id.is_empty() {
            "you already have an open application to this community".to_owned()
        } else {
            format!("you already have an open application to this community ({id})")
        },
    )
}

// ------------------------------------------------------------------- reads

/// A community's applications, oldest first, optionally by status.
pub async fn list_for_community(
    db: &Db,
    community_id: &str,
    status: Option<ApplicationStatus>,
    page: &PageRequest,
) -> Result<Page<application::Model>, StoreError> {
    let mut q =
        application::Entity::find().filter(application::Column::CommunityId.eq(community_id));
    if let Some(s) = status {
        q = q.filter(application::Column::Status.eq(s.as_str()));
    }
    Ok(page::fetch(db, q, application::Column::Id, |a| a.id.clone(), page).await?)
}

/// One entry of the review queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub application: application::Model,
    pub community_name: String,
    pub applicant_name: String,
}

/// Pending applications across a network's communities, oldest first.
pub async fn review_queue(
    db: &Db,
    network_id: &str,
    page: &PageRequest,
) -> Result<Page<QueueEntry>, StoreError> {
    let q = application::Entity::find()
        .filter(application::Column::NetworkId.eq(network_id))
        .filter(application::Column::Status.eq(ApplicationStatus::Pending.as_str()));
    let p = page::fetch(db, q, application::Column::Id, |a| a.id.clone(), page).await?;
    let mut community_ids: Vec<String> = p.items.iter().map(|a| a.community_id.clone()).collect();
    community_ids.sort();
    community_ids.dedup();
    let mut user_ids: Vec<String> = p.items.iter().map(|a| a.user_id.clone()).collect();
    user_ids.sort();
    user_ids.dedup();
    let names: HashMap<String, String> = community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .column(community::Column::Name)
        .filter(community::Column::Id.is_in(community_ids))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let people: HashMap<String, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(user_ids))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(p.map(|a| QueueEntry {
        community_name: names.get(&a.community_id).cloned().unwrap_or_default(),
        applicant_name: people.get(&a.user_id).cloned().unwrap_or_default(),
        application: a,
    }))
}

// ---------------------------------------------------------------- decision

/// A decision as the caller sent it.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub decision: ApplicationDecision,
    pub reason: Option<String>,
    pub override_reason: Option<String>,
}

/// The result of a decision.
#[derive(Debug, Clone)]
pub struct Decided {
    pub application: application::Model,
    pub outcome: ApplicationDecisionOutcome,
    pub membership: Option<community_member::Model>,
}

/// Decides on a pending or wait-listed application (the caller is a
/// manager). The verdict is computed again from the current profile and
/// Terms of Reference. Approval admits while there is a place and
/// wait-lists otherwise, under the community lock.
pub async fn decide(
    db: &Db,
    ctx: &Ctx,
    application_id: &str,
    input: DecisionInput,
) -> Result<Decided, StoreError> {
    let mut v = Violations::new();
    let kind = input.decision;
    let reason = optional_text(&mut v, "reason", input.reason, MAX_REASON_CHARS);
    let override_reason = optional_text(
        &mut v,
        "override_reason",
        input.override_reason,
        MAX_REASON_CHARS,
    );
    if kind.needs_reason() && reason.is_none() && v.is_empty() {
        v.add(
            "reason",
            Invalid::new("required", "is required to reject an application"),
        );
    }
    v.into_result()?;

    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let pre = application::Entity::find_by_id(application_id.to_owned())
        .one(&txn)
        .await?
        .ok_or_else(hidden)?;
    let c = lock_community(&txn, &pre.community_id).await?;
    let a = reload(&txn, application_id).await?;
    let status = status_of(&a)?;
    if !matches!(
        status,
        ApplicationStatus::Pending | ApplicationStatus::Waitlisted
    ) {
        return Err(StoreError::conflict(
            "application-not-pending",
            format!(
                "the application is {}; only pending or wait-listed applications can be decided",
                a.status
            ),
        ));
    }
    if kind == ApplicationDecision::Waitlist && status == ApplicationStatus::Waitlisted {
        return Err(StoreError::conflict(
            "already-waitlisted",
            "the application is already on the wait-list",
        ));
    }
    let terms = crate::communities::current_terms(&txn, &c.id)
        .await?
        .ok_or_else(|| {
            StoreError::conflict(
                "no-approved-terms",
                "the community has no approved Terms of Reference",
            )
        })?;
    let u = load_user(&txn, &a.user_id).await?;
    let Assessment { verdict, checks } =
        assess(&applicant_of(&u)?, &crate::communities::rules_of(&terms)?);
    // A wait-listed application is admitted later without another
    // decision, so wait-listing an ineligible one needs the override too.
    if kind.admits() {
        if verdict == EligibilityVerdict::Ineligible && override_reason.is_none() {
            return Err(StoreError::Invalid(Violations::single(
                "override_reason",
                Invalid::new(
                    "override_required",
                    format!(
                        "the applicant is ineligible under the current Terms of Reference ({}); \
                         give an override_reason to approve or wait-list anyway",
                        failed_reasons(&checks).join("; ")
                    ),
                ),
            )));
        }
        if crate::communities::status_of(&c)? != CommunityStatus::Active {
            return Err(StoreError::conflict(
                "community-not-active",
                format!("the community is {}; nobody can join it", c.status),
            ));
        }
    }

    // Only approval looks at capacity.
    let place = if kind == ApplicationDecision::Approve {
        admission(c.capacity, places_taken(&txn, &c.id, now, None).await?)
    } else {
        Admission::Waitlist
    };
    let (outcome, new_status) = kind.effect(place);
    let membership = if outcome == ApplicationDecisionOutcome::Admitted {
        Some(
            crate::memberships::insert_member(
                &txn,
                ctx,
                &c,
                &a.user_id,
                CommunityRole::Member,
                Some(&a.id),
                now,
            )
            .await?,
        )
    } else {
        None
    };
    let version = a.version;
    let mut am = a.into_active_model();
    am.status = Set(new_status.as_str().to_owned());
    am.verdict = Set(verdict.as_str().to_owned());
    am.checks = Set(checks_json(&checks));
    am.terms_number = Set(terms.number);
    am.decided_by = Set(ctx.actor_id.clone());
    am.decided_at = Set(Some(now));
    am.decision_reason = Set(reason.clone());
    am.override_reason = Set(if kind.admits() {
        override_reason.clone()
    } else {
        None
    });
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    let a = am.update(&txn).await?;

    let mut payload = event_payload(&a);
    payload["decision"] = json!(kind.as_str());
    payload["outcome"] = json!(outcome.as_str());
    payload["overridden"] = json!(a.override_reason.is_some());
    let notice = decision_notice(&c, &a, outcome, reason.as_deref(), &checks);
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("application.decided", "application", &a.id)
            .network(&a.network_id)
            .changed(vec![
                "status",
                "verdict",
                "checks",
                "decided_by",
                "decided_at",
                "decision_reason",
                "override_reason",
            ]),
        vec![
            Message::event("application.decided", "application", &a.id, payload)
                .network(&a.network_id),
            Message::email(notice.0, "application", &a.id, &u.email, notice.1)
                .network(&a.network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(Decided {
        application: a,
        outcome,
        membership,
    })
}

/// The email to the applicant about a decision: topic and payload.
fn decision_notice(
    c: &community::Model,
    a: &application::Model,
    outcome: ApplicationDecisionOutcome,
    reason: Option<&str>,
    checks: &[Check],
) -> (&'static str, serde_json::Value) {
    let mut reasons: Vec<String> = reason.map(str::to_owned).into_iter().collect();
    let (topic, subject, body) = match outcome {
        ApplicationDecisionOutcome::Admitted => (
            "application.approved",
            format!("Welcome to {}", c.name),
            format!(
                "Your application to join {} has been approved. You are now a member.",
                c.name
            ),
        ),
        ApplicationDecisionOutcome::WaitlistedFull | ApplicationDecisionOutcome::Waitlisted => (
            "application.waitlisted",
            format!("You are on the wait-list for {}", c.name),
            format!(
                "{} You are on the wait-list, in order of application. When a place becomes free \
                 it will be offered to you by email, and you will have {OFFER_TTL_DAYS} days to accept it.",
                if outcome == ApplicationDecisionOutcome::WaitlistedFull {
                    format!(
                        "Your application to join {} has been approved, but the community is full \
                         ({} places).",
                        c.name, c.capacity
                    )
                } else {
                    format!(
                        "Your application to join {} has been placed on its wait-list.",
                        c.name
                    )
                }
            ),
        ),
        ApplicationDecisionOutcome::Rejected => {
            reasons.extend(failed_reasons(checks));
            (
                "application.rejected",
                format!("Your application to join {}", c.name),
                format!(
                    "Your application to join {} has not been approved. Reasons: {}",
                    c.name,
                    reasons.join("; ")
                ),
            )
        }
    };
    (
        topic,
        json!({
            "subject": subject,
            "body": if outcome != ApplicationDecisionOutcome::Rejected && !reasons.is_empty() {
                format!("{body} Note from the reviewer: {}", reasons.join("; "))
            } else {
                body
            },
            "application_id": a.id,
            "community_id": c.id,
            "outcome": outcome.as_str(),
            "reasons": reasons,
        }),
    )
}

// ------------------------------------------------------ applicant actions

/// Withdraws an open application (the caller is the applicant). A
/// withdrawn offer frees its place for the next person waiting.
pub async fn withdraw(
    db: &Db,
    ctx: &Ctx,
    application_id: &str,
) -> Result<application::Model, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let pre = application::Entity::find_by_id(application_id.to_owned())
        .one(&txn)
        .await?
        .ok_or_else(hidden)?;
    let c = lock_community(&txn, &pre.community_id).await?;
    let a = reload(&txn, application_id).await?;
    let was = status_of(&a)?;
    if !was.is_open() {
        return Err(StoreError::conflict(
            "application-not-open",
            format!(
                "the application is {}; only pending, wait-listed or offered applications can be withdrawn",
                a.status
            ),
        ));
    }
    let a = set_status(&txn, a, ApplicationStatus::Withdrawn, now).await?;
    status_changed(&txn, ctx, &a, "application.withdrawn", now, vec![]).await?;
    if was == ApplicationStatus::Offered {
        fill_places(&txn, ctx, &c, now).await?;
    }
    txn.commit().await?;
    Ok(a)
}

async fn set_status(
    txn: &DatabaseTransaction,
    a: application::Model,
    status: ApplicationStatus,
    now: DateTime<Utc>,
) -> Result<application::Model, StoreError> {
    let version = a.version;
    let mut am = a.into_active_model();
    am.status = Set(status.as_str().to_owned());
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    Ok(am.update(txn).await?)
}

/// What accepting an offer did.
#[derive(Debug, Clone)]
pub enum OfferResult {
    /// The applicant is now a member.
    Accepted(application::Model),
    /// The offer had expired: the application lapsed (committed) and the
    /// place went to the next person waiting.
    Expired(application::Model),
    /// No place was free after all (the capacity was lowered): the
    /// application is back on the wait-list, in its original position.
    Full(application::Model),
}

fn not_offered(a: &application::Model) -> StoreError {
    StoreError::conflict(
        "application-not-offered",
        format!(
            "the application is {}; there is no offer to answer",
            a.status
        ),
    )
}

/// Accepts an offered place (the caller is the applicant).
pub async fn accept_offer(
    db: &Db,
    ctx: &Ctx,
    application_id: &str,
) -> Result<OfferResult, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let pre = application::Entity::find_by_id(application_id.to_owned())
        .one(&txn)
        .await?
        .ok_or_else(hidden)?;
    let c = lock_community(&txn, &pre.community_id).await?;
    let a = reload(&txn, application_id).await?;
    if status_of(&a)? != ApplicationStatus::Offered {
        return Err(not_offered(&a));
    }
    if a.offer_expires_at.is_none_or(|t| t <= now) {
        let a = lapse(&txn, ctx, &c, a, now).await?;
        fill_places(&txn, ctx, &c, now).await?;
        txn.commit().await?;
        return Ok(OfferResult::Expired(a));
    }
    let taken = places_taken(&txn, &c.id, now, Some(&a.id)).await?;
    if crate::communities::status_of(&c)? != CommunityStatus::Active
        || admission(c.capacity, taken) == Admission::Waitlist
    {
        let version = a.version;
        let mut am = a.into_active_model();
        am.status = Set(ApplicationStatus::Waitlisted.as_str().to_owned());
        am.offer_expires_at = Set(None);
        am.version = Set(version + 1);
        am.updated_at = Set(now);
        let a = am.update(&txn).await?;
        trail::write(
            &txn,
            ctx,
            now,
            Audit::new("application.offer_withdrawn", "application", &a.id)
                .network(&a.network_id)
                .changed(vec!["status", "offer_expires_at"]),
            vec![
                Message::event(
                    "application.waitlisted",
                    "application",
                    &a.id,
                    event_payload(&a),
                )
                .network(&a.network_id),
            ],
        )
        .await?;
        txn.commit().await?;
        return Ok(OfferResult::Full(a));
    }
    crate::memberships::insert_member(
        &txn,
        ctx,
        &c,
        &a.user_id,
        CommunityRole::Member,
        Some(&a.id),
        now,
    )
    .await?;
    let a = set_status(&txn, a, ApplicationStatus::Approved, now).await?;
    let u = load_user(&txn, &a.user_id).await?;
    status_changed(&txn, ctx, &a, "application.offer_accepted", now, vec![
            Message::email(
                "application.approved",
                "application",
                &a.id,
                &u.email,
                json!({
                    "subject": format!("Welcome to {}", c.name),
                    "body": format!("You accepted the place offered in {}. You are now a member.", c.name),
                    "application_id": a.id,
                    "community_id": c.id,
                    "outcome": "admitted",
                    "reasons": [],
                }),
            )
            .network(&a.network_id),
    ])
    .await?;
    txn.commit().await?;
    Ok(OfferResult::Accepted(a))
}

/// Declines an offered place (the caller is the applicant); the place goes
/// to the next person waiting.
pub async fn decline_offer(
    db: &Db,
    ctx: &Ctx,
    application_id: &str,
) -> Result<application::Model, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let pre = application::Entity::find_by_id(application_id.to_owned())
        .one(&txn)
        .await?
        .ok_or_else(hidden)?;
    let c = lock_community(&txn, &pre.community_id).await?;
    let a = reload(&txn, application_id).await?;
    if status_of(&a)? != ApplicationStatus::Offered {
        return Err(not_offered(&a));
    }
    let a = set_status(&txn, a, ApplicationStatus::Declined, now).await?;
    status_changed(&txn, ctx, &a, "application.offer_declined", now, vec![]).await?;
    fill_places(&txn, ctx, &c, now).await?;
    txn.commit().await?;
    Ok(a)
}

/// Marks an offered application lapsed (inside the caller's transaction),
/// with its audit entry, event and a notice to the applicant.
async fn lapse(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    c: &community::Model,
    a: application::Model,
    now: DateTime<Utc>,
) -> Result<application::Model, StoreError> {
    let a = set_status(txn, a, ApplicationStatus::Lapsed, now).await?;
    let u = load_user(txn, &a.user_id).await?;
    status_changed(txn, ctx, &a, "application.lapsed", now, vec![
            Message::email(
                "application.offer_lapsed",
                "application",
                &a.id,
                &u.email,
                json!({
                    "subject": format!("Your offered place in {} has lapsed", c.name),
                    "body": format!(
                        "The place offered to you in {} was not accepted within {OFFER_TTL_DAYS} days, \
                         so the offer has lapsed and the place has gone to the next person waiting. \
                         You are welcome to apply again.",
                        c.name
                    ),
                    "application_id": a.id,
                    "community_id": c.id,
                }),
            )
            .network(&a.network_id),
    ])
    .await?;
    Ok(a)
}

/// Lapses every offer past its expiry and offers the places to the next
/// people waiting. Safe to run on several nodes at once (each community is
/// handled under its lock, and only offers still expired are lapsed).
/// Returns how many offers lapsed.
pub async fn lapse_expired_offers(db: &Db) -> Result<u64, StoreError> {
    let now = Utc::now();
    let mut community_ids: Vec<String> = application::Entity::find()
        .select_only()
        .column(application::Column::CommunityId)
        .filter(application::Column::Status.eq(ApplicationStatus::Offered.as_str()))
        .filter(application::Column::OfferExpiresAt.lte(now))
        .into_tuple()
        .all(db)
        .await?;
    community_ids.sort();
    community_ids.dedup();
    let ctx = Ctx::system();
    let mut n = 0;
    for community_id in community_ids {
        let txn = crate::db::begin_write(db).await?;
        let Some(c) = community::Entity::find_by_id(community_id.clone())
            .lock_exclusive()
            .one(&txn)
            .await?
        else {
            continue;
        };
        let expired = application::Entity::find()
            .filter(application::Column::CommunityId.eq(&community_id))
            .filter(application::Column::Status.eq(ApplicationStatus::Offered.as_str()))
            .filter(application::Column::OfferExpiresAt.lte(now))
            .order_by_asc(application::Column::Id)
            .lock_exclusive()
            .all(&txn)
            .await?;
        for a in expired {
            lapse(&txn, &ctx, &c, a, now).await?;
            n += 1;
        }
        fill_places(&txn, &ctx, &c, now).await?;
        txn.commit().await?;
    }
    Ok(n)
}

// -------------------------------------------------------------- departures

/// How a membership ends, as [`end_membership_in`] records it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ending<'a> {
    /// Through the community: the member leaves (`left`, audit
    /// `membership.left`) or a manager removes them (`removed`, audit
    /// `membership.removed`, and the person is emailed with the reason if
    /// one was given).
    Departure {
        how: Departure,
        reason: Option<&'a str>,
    },
    /// As part of a wider removal (such as from the network): `removed`,
    /// audit `membership.removed`, the `membership.ended` event carries
    /// `how`, and nobody is emailed here (the caller sends one notice for
    /// everything it ended).
    Wider { how: &'a str },
}

impl Ending<'_> {
    fn status(self) -> MembershipStatus {
        match self {
            Ending::Departure { how, .. } => how.status(),
            Ending::Wider { .. } => MembershipStatus::Removed,
        }
    }

    fn audit(self) -> &'static str {
        match self {
            Ending::Departure {
                how: Departure::Leave,
                ..
            } => "membership.left",
            _ => "membership.removed",
        }
    }
}

/// Ends `user_id`'s active membership of `c` inside the caller's
/// transaction, which must hold the community lock: the membership's
/// status, its audit entry, the `membership.ended` event and any notice
/// (see [`Ending`]), then the freed place is offered to the wait-list.
/// Honours `if_match` with the membership's version. Returns `None`, having
/// changed nothing, when the person has no active membership there.
pub(crate) async fn end_membership_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    c: &community::Model,
    user_id: &str,
    ending: Ending<'_>,
    if_match: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Option<community_member::Model>, StoreError> {
    let Some(m) = community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(&c.id))
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::Column::Status.eq(MembershipStatus::Active.as_str()))
        .lock_exclusive()
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    StoreError::check_version(if_match, m.version)?;
    let version = m.version;
    let mut am = m.into_active_model();
    am.status = Set(ending.status().as_str().to_owned());
    am.ended_at = Set(Some(now));
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    let m = am.update(txn).await?;
    let mut payload = json!({
        "community_id": c.id,
        "network_id": c.network_id,
        "user_id": m.user_id,
        "membership_id": m.id,
        "status": m.status,
        "role": m.role,
    });
    if let Ending::Wider { how } = ending {
        payload["how"] = json!(how);
    }
    let mut messages = vec![
        Message::event("membership.ended", "community", &c.id, payload).network(&c.network_id),
    ];
    if let Ending::Departure {
        how: Departure::Remove,
        reason,
    } = ending
    {
        let u = load_user(txn, user_id).await?;
        messages.push(
            Message::email(
                "membership.removed",
                "community",
                &c.id,
                &u.email,
                json!({
                    "subject": format!("Your membership of {} has ended", c.name),
                    "body": match reason {
                        Some(r) => format!("A manager has removed you from {}. Reason: {r}", c.name),
                        None => format!("A manager has removed you from {}.", c.name),
                    },
                    "community_id": c.id,
                    "reasons": reason.iter().collect::<Vec<_>>(),
                }),
            )
            .network(&c.network_id),
        );
    }
    trail::write(
        txn,
        ctx,
        now,
        Audit::new(ending.audit(), "community_member", &m.id)
            .network(&c.network_id)
            .changed(vec!["status", "ended_at"]),
        messages,
    )
    .await?;
    fill_places(txn, ctx, c, now).await?;
    Ok(Some(m))
}

/// Ends an active membership: the member leaves, or a manager removes them
/// (with an optional reason, sent to the person). The freed place is
/// offered to the first person on the wait-list, in the same transaction.
pub async fn end_membership(
    db: &Db,
    ctx: &Ctx,
    community_id: &str,
    user_id: &str,
    how: Departure,
    reason: Option<String>,
    if_match: Option<i32>,
) -> Result<community_member::Model, StoreError> {
    let mut v = Violations::new();
    let reason = optional_text(&mut v, "reason", reason, MAX_REMOVAL_REASON_CHARS);
    v.into_result()?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let c = lock_community(&txn, community_id).await?;
    let ending = Ending::Departure {
        how,
        reason: reason.as_deref(),
    };
    let m = end_membership_in(&txn, ctx, &c, user_id, ending, if_match, now)
        .await?
        .ok_or(StoreError::NotFound("membership"))?;
    txn.commit().await?;
    Ok(m)
}
