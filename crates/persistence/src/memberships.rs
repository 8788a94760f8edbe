//! Community memberships: the rows every path into a community shares,
//! members leaving or being removed, and filling free places from the
//! wait-list (docs/memberships.md). The rules live in
//! [`peerhub_domain::membership`] and [`peerhub_domain::application`]; this
//! module loads, asks them, and writes.
//!
//! Changes run inside a transaction that holds the community row lock
//! ([`lock_community`]), so a community never exceeds its capacity.
//! A place counts as taken by an active member or by an unexpired offer.
use chrono::{DateTime, Utc};
use peerhub_domain::Violations;
use peerhub_domain::access::{CommunityNeed, Principal};
use peerhub_domain::application::{self as rules, notice as application_notice};
use peerhub_domain::community::{
    ApplicationStatus, CommunityRole, CommunityStatus, MembershipStatus,
};
use peerhub_domain::membership::{self, MAX_REMOVAL_REASON_CHARS, notice};
use peerhub_domain::webhook::EventType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

pub use peerhub_domain::membership::Departure;

use crate::Db;
use crate::entities::{application, community, community_member, user};
use crate::error::Failure;
use crate::load;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

impl From<membership::Refusal> for Failure {
    fn from(r: membership::Refusal) -> Self {
        Self::Refused(r.into())
    }
}

/// Current (active) members of a community, core team included.
pub async fn active_count<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> Result<u64, Failure> {
    Ok(community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::active())
        .count(conn)
        .await?)
}

/// The active membership of `user_id`, if any.
pub async fn active_of<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    user_id: &str,
) -> Result<Option<community_member::Model>, Failure> {
    Ok(community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::active())
        .one(conn)
        .await?)
}

/// Adds an active member (inside the caller's transaction, which has
/// already checked capacity under the community lock). Writes the audit
/// entry and the `membership.approved` event.
pub async fn insert_member<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    c: &community::Model,
    user_id: &str,
    role: CommunityRole,
    application_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<community_member::Model, Failure> {
    let m = community_member::ActiveModel {
        id: Set(new_id()),
        community_id: Set(c.id.clone()),
        network_id: Set(c.network_id.clone()),
        user_id: Set(user_id.to_owned()),
        role: Set(role.as_str().to_owned()),
        status: Set(MembershipStatus::Active.as_str().to_owned()),
        application_id: Set(application_id.map(str::to_owned)),
        joined_at: Set(now),
        ended_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            membership::Refusal::AlreadyMember.into()
        } else {
            Failure::from(e)
        }
    })?;
    trail::write(
        conn,
        ctx,
        now,
        Audit::new("membership.created", "community_member", &m.id)
            .network(&c.network_id)
            .changed(vec!["status", "role"]),
        vec![Message::event(
            EventType::MembershipApproved,
            "community",
            &c.id,
            json!({"community_id": c.id, "network_id": c.network_id, "user_id": user_id, "role": role.as_str(), "membership_id": m.id}),
        )
        .network(&c.network_id)],
    )
    .await?;
    Ok(m)
}

// ---------------------------------------------------------------- helpers

/// A person's row (404 `user` when missing).
pub(crate) async fn load_user<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<user::Model, Failure> {
    load::find_or_404::<user::Entity, _>(conn, user_id, "user").await
}

/// The stored status of a community.
fn community_status(c: &community::Model) -> Result<CommunityStatus, Failure> {
    decode("community.status", &c.status)
}

/// Locks the community row for the rest of the transaction.
pub(crate) async fn lock_community(
    txn: &DatabaseTransaction,
    community_id: &str,
) -> Result<community::Model, Failure> {
    load::find_for_update_or_404::<community::Entity, _>(txn, community_id, "community").await
}

/// The payload of an application's events.
pub(crate) fn application_event(a: &application::Model) -> serde_json::Value {
    json!({
        "application_id": a.id,
        "community_id": a.community_id,
        "network_id": a.network_id,
        "user_id": a.user_id,
        "status": a.status,
        "verdict": a.verdict,
    })
}

// ------------------------------------------------------------------ places

/// Places taken: active members plus unexpired offers (except `excluding`).
pub(crate) async fn places_taken<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    now: DateTime<Utc>,
    excluding: Option<&str>,
) -> Result<u64, Failure> {
    let members = active_count(conn, community_id).await?;
    let mut q = application::Entity::find()
        .filter(application::Column::CommunityId.eq(community_id))
        .filter(application::Column::Status.eq(ApplicationStatus::Offered.as_str()))
        .filter(application::Column::OfferExpiresAt.gt(now));
    if let Some(id) = excluding {
        q = q.filter(application::Column::Id.ne(id));
    }
    Ok(members + q.count(conn).await?)
}

/// Offers free places to the wait-list, oldest application first, as many
/// as [`rules::places_to_offer`] allows. Inside a transaction that holds
/// the community lock. Returns the applications offered a place.
pub(crate) async fn fill_places<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    c: &community::Model,
    now: DateTime<Utc>,
) -> Result<Vec<application::Model>, Failure> {
    let free = rules::places_to_offer(
        community_status(c)?,
        c.capacity,
        places_taken(txn, &c.id, now, None).await?,
    );
    let mut offered = Vec::new();
    while u64::try_from(offered.len()).unwrap_or(u64::MAX) < free {
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
        let expires = rules::offer_expiry(now);
        let u = load_user(txn, &next.user_id).await?;
        let mut am = next.into_active_model();
        am.status = Set(ApplicationStatus::Offered.as_str().to_owned());
        am.offer_expires_at = Set(Some(expires));
        let a = am.update(txn).await?;
        let mut payload = application_event(&a);
        payload["offer_expires_at"] = json!(expires);
        let n = application_notice::offered(&c.name, &a.id, expires);
        trail::write(
            txn,
            ctx,
            now,
            Audit::new("application.offered", "application", &a.id)
                .network(&a.network_id)
                .changed(vec!["status", "offer_expires_at"]),
            vec![
                Message::event(EventType::ApplicationOffered, "application", &a.id, payload)
                    .network(&a.network_id),
                Message::email(
                    "application.offered",
                    "application",
                    &a.id,
                    &u.email,
                    json!({
                        "subject": n.subject,
                        "body": n.body,
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
    }
    Ok(offered)
}

// -------------------------------------------------------------- departures

/// Who may end a membership: the member themself (leave) or a manager of
/// the network (remove). Others in the network get 403, people outside it
/// 404, API tokens 403 `insufficient-scope`.
pub async fn authorize_departure<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    community_id: &str,
    user_id: &str,
) -> Result<(community::Model, Departure), Failure> {
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
    fn rule(self) -> membership::Ending {
        match self {
            Ending::Departure { how, .. } => membership::Ending::Departure(how),
            Ending::Wider { .. } => membership::Ending::Wider,
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
) -> Result<Option<community_member::Model>, Failure> {
    let Some(m) = community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(&c.id))
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::active())
        .lock_exclusive()
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    peerhub_domain::Refusal::check_version(if_match, m.version)?;
    let rule = ending.rule();
    // Only the active membership was selected above, so it ends now.
    let status = rule.status();
    let mut am = m.into_active_model();
    am.status = Set(status.as_str().to_owned());
    am.ended_at = Set(Some(now));
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
        Message::event(EventType::MembershipEnded, "community", &c.id, payload)
            .network(&c.network_id),
    ];
    if let (true, Ending::Departure { reason, .. }) = (rule.notifies(), ending) {
        let u = load_user(txn, user_id).await?;
        let n = notice::removed(&c.name, reason);
        messages.push(
            Message::email(
                "membership.removed",
                "community",
                &c.id,
                &u.email,
                json!({
                    "subject": n.subject,
                    "body": n.body,
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
        Audit::new(rule.audit(), "community_member", &m.id)
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
) -> Result<community_member::Model, Failure> {
    let mut v = Violations::new();
    let reason = rules::optional_text(&mut v, "reason", reason, MAX_REMOVAL_REASON_CHARS);
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
        .ok_or(Failure::not_found("membership"))?;
    txn.commit().await?;
    Ok(m)
}
