//! A participant accepts, declines or ends a match: the rule is
//! [`lifecycle::next`]; this loads, asks it, and writes.
use chrono::Utc;
use peerhub_domain::access::Principal;
use peerhub_domain::matching::lifecycle::{
    self, MAX_END_REASON, MatchAnswer, MatchStatus, Refusal,
};
use peerhub_domain::validation::{Violations, bounded_text};
use peerhub_domain::webhook::EventType;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QuerySelect};
use serde_json::json;

use super::access::{MatchAccess, authorise_match};
use super::matches::{Closing, close, close_pending};
use super::shared::{lock_programme, refused, users_by_id};
use crate::Db;
use crate::db::begin_write;
use crate::entities::{peer_match, programme};
use crate::error::Failure;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message};

/// The participant's side in a match: `a` (the peer, or the first request)
/// or `b` (the supporter, or the second request).
fn is_side_a(m: &peer_match::Model, user_id: &str) -> bool {
    m.user_a_id == user_id
}

/// What answering did: the match as written, or the proposal turned out
/// to have expired (written as such; the answer is refused).
enum Answered {
    Match(Box<peer_match::Model>),
    Expired,
}

impl Answered {
    fn into_result(self) -> Result<peer_match::Model, Failure> {
        match self {
            Answered::Match(m) => Ok(*m),
            Answered::Expired => Err(refused(Refusal::NotPending(MatchStatus::Expired))),
        }
    }
}

fn check_reason(end_reason: Option<String>) -> Result<Option<String>, Failure> {
    let mut v = Violations::new();
    let end_reason = end_reason
        .as_deref()
        .and_then(|r| v.check("reason", bounded_text(r, 0, MAX_END_REASON)))
        .filter(|r| !r.is_empty());
    v.into_result()?;
    Ok(end_reason)
}

async fn lock_match<C: ConnectionTrait>(conn: &C, id: &str) -> Result<peer_match::Model, Failure> {
    peer_match::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(Failure::not_found("match"))
}

/// A participant accepts, declines or ends a match (access already
/// checked: the demo data).
pub async fn answer(
    db: &Db,
    ctx: &Ctx,
    a: MatchAccess,
    user_id: &str,
    what: MatchAnswer,
    end_reason: Option<String>,
) -> Result<peer_match::Model, Failure> {
    if !a.participant {
        return Err(refused(Refusal::NotParticipant));
    }
    let end_reason = check_reason(end_reason)?;
    let txn = begin_write(db).await?;
    let p = lock_programme(&txn, &a.programme.id).await?;
    let m = lock_match(&txn, &a.m.id).await?;
    let out = answer_in(&txn, ctx, &p, m, user_id, what, end_reason).await?;
    txn.commit().await?;
    out.into_result()
}

/// The caller accepts, declines or ends a match. One transaction locks the
/// programme and the match, checks the caller against them (404 `match`
/// for anyone but the participants and the network's managers, 403
/// `not-participant` for a manager who is not in it), then the reason and
/// the lifecycle ([`lifecycle::next`]), and writes.
pub async fn answer_as(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    match_id: &str,
    what: MatchAnswer,
    end_reason: Option<String>,
) -> Result<peer_match::Model, Failure> {
    let hidden = || Failure::not_found("match");
    let txn = begin_write(db).await?;
    let programme_id = peer_match::Entity::find_by_id(match_id.to_owned())
        .one(&txn)
        .await?
        .ok_or_else(hidden)?
        .programme_id;
    let p = lock_programme(&txn, &programme_id)
        .await
        .map_err(|e| if e.is_not_found() { hidden() } else { e })?;
    let m = lock_match(&txn, match_id).await?;
    let a = authorise_match(&txn, principal, m, p).await?;
    if !a.participant {
        return Err(refused(Refusal::NotParticipant));
    }
    let end_reason = check_reason(end_reason)?;
    let out = answer_in(
        &txn,
        ctx,
        &a.programme,
        a.m,
        &principal.user_id,
        what,
        end_reason,
    )
    .await?;
    txn.commit().await?;
    out.into_result()
}

/// The answer itself, in the caller's transaction with the programme and
/// the match locked.
async fn answer_in<C: ConnectionTrait>(
    txn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    m: peer_match::Model,
    user_id: &str,
    what: MatchAnswer,
    end_reason: Option<String>,
) -> Result<Answered, Failure> {
    let now = Utc::now();
    let stored: MatchStatus = decode("match.status", &m.status)?;
    let status = stored.at(m.expires_at, now);
    if status == MatchStatus::Expired && stored != MatchStatus::Expired {
        // Write the expiry the clock already decided, then refuse.
        close_pending(txn, &Ctx::system(), p, m, MatchStatus::Expired, "", now).await?;
        return Ok(Answered::Expired);
    }
    let side_a = is_side_a(&m, user_id);
    let (mine, other) = if side_a {
        (m.accepted_a_at.is_some(), m.accepted_b_at.is_some())
    } else {
        (m.accepted_b_at.is_some(), m.accepted_a_at.is_some())
    };
    let to = lifecycle::next(status, what, mine, other).map_err(refused)?;
    if to != MatchStatus::Accepted && to != MatchStatus::Active {
        let c = Closing {
            to,
            by: user_id,
            end_reason,
            how: None,
        };
        let m = close(txn, ctx, p, m, c, now).await?;
        return Ok(Answered::Match(Box::new(m)));
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
            EventType::MatchActivated,
            vec!["status", "accepted", "activated_at"],
        )
    } else {
        (EventType::MatchAccepted, vec!["status", "accepted"])
    };
    let m = am.update(txn).await?;
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
        messages.extend(activation_notices(txn, p, &m).await?);
    }
    trail::write(
        txn,
        ctx,
        now,
        Audit::new(topic.as_str(), "match", &m.id)
            .network(&p.network_id)
            .changed(changed),
        messages,
    )
    .await?;
    Ok(Answered::Match(Box::new(m)))
}

/// Tells both people that their match is active, naming the other person.
async fn activation_notices<C: ConnectionTrait>(
    conn: &C,
    p: &programme::Model,
    m: &peer_match::Model,
) -> Result<Vec<Message>, Failure> {
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
