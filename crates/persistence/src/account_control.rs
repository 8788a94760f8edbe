//! Account control: platform admins disable and re-enable accounts, and
//! managers remove people from a network. Removal ends everything the
//! person has in that network (community memberships, open applications,
//! open matches and requests, supporter places) in one transaction, with an
//! audit entry for every change and notices to the people affected.
//!
//! The rules themselves are pure ([`peerhub_domain::account_control`]);
//! community memberships end through
//! [`crate::memberships::end_membership_in`] and places freed in a
//! community go to its wait-list through
//! [`crate::memberships::fill_places`], and matches close through
//! [`crate::matching::close`], the same paths every other departure takes.
use peerhub_domain::webhook::EventType;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use peerhub_domain::Violations;
use peerhub_domain::access::Principal;
use peerhub_domain::account::NetworkRole;
use peerhub_domain::account::notice;
use peerhub_domain::account_control::{
    self as rules, AccountAction, Removal, RemovalRefusal, Transition,
};
use peerhub_domain::community::ApplicationStatus;
use peerhub_domain::departure::{self, Departure};
use peerhub_domain::validation::bounded_text;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::Db;
use crate::entities::{
    application, community, community_member, match_request, network, network_member, peer_match,
    programme, programme_supporter, user,
};
use crate::error::Failure;
use crate::matching::{Closing, match_status, open_statuses};
use crate::memberships::{Ending, end_membership_in, fill_places};
use crate::trail::{self, Audit, Ctx, Message};
use peerhub_domain::matching::request::MatchRequestStatus;

/// Longest reason an admin or a manager may give (sent to the person).
pub const MAX_REASON_CHARS: usize = 1000;

/// How a match closes when one side is removed from the network (in
/// events, as `how`).
const HOW: Departure = Departure::RemovedFromNetwork;

/// An optional reason: trimmed, empty means none, at most
/// [`MAX_REASON_CHARS`].
fn reason_of(raw: Option<String>) -> Result<Option<String>, Failure> {
    let Some(s) = raw.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let mut v = Violations::new();
    let r = v.check("reason", bounded_text(&s, 1, MAX_REASON_CHARS));
    v.into_result()?;
    Ok(r)
}

// ------------------------------------------------------- disable / enable

/// What a disable or enable did.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub user: user::Model,
    /// False when the account already had the status asked for.
    pub changed: bool,
}

/// Disables or re-enables an account (the caller is a platform admin,
/// `actor_id`). Disabling revokes every refresh token; access tokens and
/// API tokens stop working at once because the account is no longer
/// `active`. The person is told by email. Honours `If-Match` with the
/// account's version.
pub async fn set_status(
    db: &Db,
    ctx: &Ctx,
    actor_id: &str,
    user_id: &str,
    action: AccountAction,
    reason: Option<String>,
    if_match: Option<i32>,
) -> Result<StatusChange, Failure> {
    let reason = reason_of(reason)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("user"))?;
    peerhub_domain::Refusal::check_version(if_match, u.version)?;
    let current = crate::accounts::user_status_of(&u)?;
    let to = match rules::account_transition(actor_id == user_id, current, action) {
        Ok(Transition::To(s)) => s,
        Ok(Transition::Unchanged) => {
            return Ok(StatusChange {
                user: u,
                changed: false,
            });
        }
        Err(r) => return Err(Failure::Refused(r.into())),
    };
    let mut am = u.into_active_model();
    am.status = Set(to.as_str().to_owned());
    let u = am.update(&txn).await?;
    let mut changed = vec!["status"];
    let (audit, topic, n) = match action {
        AccountAction::Disable => {
            if crate::sessions::revoke_all(&txn, user_id).await? > 0 {
                changed.push("refresh_tokens");
            }
            (
                "user.disabled",
                "account.disabled",
                notice::disabled(reason.as_deref()),
            )
        }
        AccountAction::Enable => (
            "user.enabled",
            "account.enabled",
            notice::enabled(reason.as_deref()),
        ),
    };
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new(audit, "user", &u.id).changed(changed),
        vec![Message::email(
            topic,
            "user",
            &u.id,
            &u.email,
            json!({
                "subject": n.subject,
                "body": n.body,
                "user_id": u.id,
                "status": u.status,
                "reasons": reason.iter().collect::<Vec<_>>(),
            }),
        )],
    )
    .await?;
    txn.commit().await?;
    Ok(StatusChange {
        user: u,
        changed: true,
    })
}

// ------------------------------------------------------ network removal

/// What removing a person from a network ended.
#[derive(Debug, Clone, Default)]
pub struct Removed {
    /// Names of the communities whose membership ended (status `removed`).
    pub communities: Vec<String>,
    /// Open applications withdrawn.
    pub applications: usize,
    /// Open matches closed (declined while pending, ended while active).
    pub matches: usize,
    /// Open match requests withdrawn.
    pub requests: usize,
}

fn refusal(r: RemovalRefusal) -> Failure {
    Failure::Refused(r.into())
}

/// Removes `user_id` from a network (the caller, `principal`, manages it
/// or is a platform admin; the handler has checked that). In one
/// transaction: the network membership is deleted, the person's community
/// memberships in the network end as `removed` (each freed place offered
/// to the wait-list), their open applications are withdrawn, their open
/// matches in the network's programmes close, their open requests are
/// withdrawn and their supporter places paused. The person, and the other
/// person of each closed match, are emailed. Honours `If-Match` with the
/// membership's version.
pub async fn remove_from_network(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    network_id: &str,
    user_id: &str,
    reason: Option<String>,
    if_match: Option<i32>,
) -> Result<Removed, Failure> {
    let reason = reason_of(reason)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    // The network row is the lock that keeps "at least one manager" true
    // (the same lock as role changes and erasure).
    let (net, m, u) = crate::networks::lock_member(&txn, network_id, user_id, if_match).await?;
    rules::check_removal(Removal {
        own_membership: principal.user_id == user_id,
        by_platform_admin: principal.is_platform_admin,
        of_platform_admin: u.is_platform_admin,
        role: crate::stored::decode::<NetworkRole>("network_member.role", &m.role)?,
        managers: crate::networks::manager_count(&txn, network_id).await?,
    })
    .map_err(refusal)?;
    network_member::Entity::delete_by_id(m.id.clone())
        .exec(&txn)
        .await?;
    let mut removed = Removed::default();
    end_community_ties(&txn, ctx, user_id, network_id, &mut removed, now).await?;
    let mut messages = end_matching_ties(&txn, ctx, &net, &u, &mut removed, now).await?;
    messages.push(
        Message::event(
            EventType::NetworkMemberRemoved,
            "network",
            network_id,
            json!({
                "network_id": network_id,
                "user_id": user_id,
                "role": m.role,
                "communities_ended": removed.communities.len(),
                "applications_withdrawn": removed.applications,
                "matches_closed": removed.matches,
            }),
        )
        .network(network_id),
    );
    messages.push(removal_notice(&net, &u, &removed, &reason));
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("network.member_removed", "network_member", &m.id)
            .network(network_id)
            .changed(vec!["role"]),
        messages,
    )
    .await?;
    txn.commit().await?;
    Ok(removed)
}

/// The email to the person removed.
fn removal_notice(
    net: &network::Model,
    u: &user::Model,
    removed: &Removed,
    reason: &Option<String>,
) -> Message {
    let n = departure::removed(
        &net.name,
        reason.as_deref(),
        &departure::Ended {
            communities: &removed.communities,
            applications: removed.applications,
            matches: removed.matches,
            requests: removed.requests,
        },
    );
    Message::email(
        "network.member_removed",
        "network",
        &net.id,
        &u.email,
        json!({
            "subject": n.subject,
            "body": n.body,
            "network_id": net.id,
            "communities": removed.communities,
            "reasons": reason.iter().collect::<Vec<_>>(),
        }),
    )
    .network(&net.id)
}

/// Ends the person's active community memberships in the network (status
/// `removed`) and withdraws their open applications there, community by
/// community under the community lock, offering every freed place to the
/// wait-list.
async fn end_community_ties(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    user_id: &str,
    network_id: &str,
    removed: &mut Removed,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let open_apps: Vec<&str> = ApplicationStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let mut community_ids: BTreeSet<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .filter(community_member::Column::NetworkId.eq(network_id))
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::active())
        .into_tuple::<String>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    community_ids.extend(
        application::Entity::find()
            .select_only()
            .column(application::Column::CommunityId)
            .filter(application::Column::NetworkId.eq(network_id))
            .filter(application::Column::UserId.eq(user_id))
            .filter(application::Column::Status.is_in(open_apps.clone()))
            .into_tuple::<String>()
            .all(txn)
            .await?,
    );
    // Sorted, so concurrent removals lock communities in the same order.
    for community_id in community_ids {
        let Some(c) = community::Entity::find_by_id(community_id.clone())
            .lock_exclusive()
            .one(txn)
            .await?
        else {
            continue;
        };
        let mut freed = false;
        let apps = application::Entity::find()
            .filter(application::Column::CommunityId.eq(&c.id))
            .filter(application::Column::UserId.eq(user_id))
            .filter(application::Column::Status.is_in(open_apps.clone()))
            .order_by_asc(application::Column::Id)
            .lock_exclusive()
            .all(txn)
            .await?;
        for a in apps {
            freed |= crate::applications::status_of(&a)? == ApplicationStatus::Offered;
            let mut am = a.into_active_model();
            am.status = Set(ApplicationStatus::Withdrawn.as_str().to_owned());
            am.offer_expires_at = Set(None);
            let a = am.update(txn).await?;
            trail::write(
                txn,
                ctx,
                now,
                Audit::new("application.withdrawn", "application", &a.id)
                    .network(&a.network_id)
                    .changed(vec!["status"]),
                vec![
                    Message::event(
                        EventType::ApplicationWithdrawn,
                        "application",
                        &a.id,
                        json!({
                            "application_id": a.id,
                            "community_id": a.community_id,
                            "network_id": a.network_id,
                            "user_id": a.user_id,
                            "status": a.status,
                            "verdict": a.verdict,
                            "how": HOW.how(),
                        }),
                    )
                    .network(&a.network_id),
                ],
            )
            .await?;
            removed.applications += 1;
        }
        // Ending a membership offers the freed place to the wait-list; an
        // offer withdrawn above frees one even when there is no membership.
        let ending = Ending::Wider { how: HOW.how() };
        if end_membership_in(txn, ctx, &c, user_id, ending, None, now)
            .await?
            .is_some()
        {
            removed.communities.push(c.name.clone());
        } else if freed {
            fill_places(txn, ctx, &c, now).await?;
        }
    }
    Ok(())
}

/// Closes the person's open matches in the network's programmes (a pending
/// proposal is declined on their behalf, an active match ends), withdraws
/// their open requests there and pauses their supporter places. Returns
/// the notices for the other person of each closed match.
async fn end_matching_ties(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    net: &network::Model,
    u: &user::Model,
    removed: &mut Removed,
    now: DateTime<Utc>,
) -> Result<Vec<Message>, Failure> {
    let mut notices = Vec::new();
    // Locked in id order, like runs and answers lock their programme.
    let programmes: HashMap<String, programme::Model> = programme::Entity::find()
        .filter(programme::Column::NetworkId.eq(&net.id))
        .order_by_asc(programme::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    if programmes.is_empty() {
        return Ok(notices);
    }
    let programme_ids: Vec<String> = programmes.keys().cloned().collect();
    let open = peer_match::Entity::find()
        .filter(peer_match::Column::ProgrammeId.is_in(programme_ids.clone()))
        .filter(
            peer_match::Column::UserAId
                .eq(&u.id)
                .or(peer_match::Column::UserBId.eq(&u.id)),
        )
        .filter(peer_match::Column::Status.is_in(open_statuses()))
        .order_by_asc(peer_match::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    for m in open {
        let Some(p) = programmes.get(&m.programme_id) else {
            continue;
        };
        let closure = departure::close_match(match_status(&m)?, HOW);
        let to = closure.to;
        let by = if closure.by_leaver { u.id.as_str() } else { "" };
        let other_id = if m.user_a_id == u.id {
            m.user_b_id.clone()
        } else {
            m.user_a_id.clone()
        };
        let closing = Closing {
            to,
            by,
            end_reason: None,
            how: Some(HOW.how()),
        };
        let m = crate::matching::close(txn, ctx, p, m, closing, now).await?;
        removed.matches += 1;
        if !closure.tell_other {
            continue;
        }
        let Some(other) = user::Entity::find_by_id(other_id).one(txn).await? else {
            continue;
        };
        let other_status = crate::accounts::user_status_of(&other)?;
        if !departure::tells_other(closure, other_status) {
            continue;
        }
        let n = departure::match_closed(to, &u.display_name, &p.name, &p.id, &net.name);
        notices.push(
            Message::email(
                "match.closed",
                "match",
                &m.id,
                &other.email,
                json!({
                    "subject": n.subject,
                    "body": n.body,
                    "match_id": m.id,
                    "programme_id": p.id,
                    "status": m.status,
                }),
            )
            .network(&net.id),
        );
    }
    let requests = match_request::Entity::find()
        .filter(match_request::Column::ProgrammeId.is_in(programme_ids.clone()))
        .filter(match_request::Column::UserId.eq(&u.id))
        .filter(
            match_request::Column::Status.is_in(
                MatchRequestStatus::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.as_str()),
            ),
        )
        .order_by_asc(match_request::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    for r in requests {
        let mut am = r.into_active_model();
        am.status = Set(departure::REQUESTS_BECOME.as_str().to_owned());
        am.open_user_id = Set(None);
        am.withdrawn_at = Set(Some(now));
        am.updated_at = Set(now);
        let r = am.update(txn).await?;
        trail::write(
            txn,
            ctx,
            now,
            Audit::new("match_request.withdrawn", "match_request", &r.id)
                .network(&net.id)
                .changed(vec!["status"]),
            vec![],
        )
        .await?;
        removed.requests += 1;
    }
    let supporters = programme_supporter::Entity::find()
        .filter(programme_supporter::Column::ProgrammeId.is_in(programme_ids))
        .filter(programme_supporter::Column::UserId.eq(&u.id))
        .filter(programme_supporter::Column::Status.ne(departure::SUPPORTER_PLACES_BECOME.as_str()))
        .order_by_asc(programme_supporter::Column::Id)
        .all(txn)
        .await?;
    for s in supporters {
        programme_supporter::Entity::update_many()
            .col_expr(
                programme_supporter::Column::Status,
                Expr::value(departure::SUPPORTER_PLACES_BECOME.as_str()),
            )
            .col_expr(programme_supporter::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                programme_supporter::Column::Version,
                Expr::col(programme_supporter::Column::Version).add(1),
            )
            .filter(programme_supporter::Column::Id.eq(&s.id))
            .exec(txn)
            .await?;
        trail::write(
            txn,
            ctx,
            now,
            Audit::new("programme_supporter.updated", "programme_supporter", &s.id)
                .network(&net.id)
                .changed(vec!["status"]),
            vec![],
        )
        .await?;
    }
    Ok(notices)
}
