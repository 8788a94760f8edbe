//! Matches: proposals written (by runs and manual pairs), closed
//! (declined, expired, ended), expired by the clock, listed, and their
//! stored reasons read back into the domain's [`Reason`].
use peerhub_domain::webhook::EventType;
use std::collections::HashMap;

use chrono::Utc;
use peerhub_domain::matching::lifecycle::MatchStatus;
use peerhub_domain::matching::request::MatchRequestStatus;
use peerhub_domain::matching::score::{self, Reason};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::json;

use super::shared::{pending_statuses, to_json};
use crate::Db;
use crate::db::begin_write;
use crate::entities::{match_request, peer_match, programme, programme_supporter, user};
use crate::error::Failure;
use crate::page::{self, Page, PageRequest};
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// A reason as stored with a match and in a run's result: the domain's own
/// [`Reason`] (the name stays for the callers that use it).
pub type StoredReason = Reason;

/// A match's stored reasons; reasons that do not read back (say, an unknown
/// feature) are an error.
pub fn match_reasons(m: &peer_match::Model) -> Result<Vec<Reason>, Failure> {
    m.reasons.decode("matches.reasons", &m.id)
}

/// The reasons `viewer` may see (a participant's user id, or `None` for a
/// manager) and their points. The privacy rule is the domain's
/// ([`score::visible`]); this only applies it.
pub fn visible_reasons(reasons: &[Reason], viewer: Option<&str>) -> (i64, Vec<Reason>) {
    score::visible(reasons, viewer)
}

/// A match's stored reasons as `viewer` may see them, with their points:
/// loads them ([`match_reasons`]) and applies [`score::visible`].
pub fn visible_reasons_of(
    m: &peer_match::Model,
    viewer: Option<&str>,
) -> Result<(i64, Vec<Reason>), Failure> {
    Ok(score::visible(&match_reasons(m)?, viewer))
}

/// Writes a proposal: the match, its requests marked `matched`, its audit
/// entry, an event and a notice to both participants.
#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_match<C: ConnectionTrait>(
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
) -> Result<peer_match::Model, Failure> {
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
        reasons: Set(to_json(&reasons.to_vec())?),
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
            EventType::MatchProposed,
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
) -> Result<peer_match::Model, Failure> {
    let mut am = m.clone().into_active_model();
    am.status = Set(c.to.as_str().into());
    let mut changed = vec!["status"];
    let topic = match c.to {
        MatchStatus::Declined => {
            am.declined_by = Set(Some(c.by.to_owned()));
            am.declined_at = Set(Some(now));
            EventType::MatchDeclined
        }
        MatchStatus::Ended => {
            am.ended_by = Set(Some(c.by.to_owned()));
            am.ended_at = Set(Some(now));
            am.end_reason = Set(c.end_reason);
            changed.push("ended_at");
            EventType::MatchEnded
        }
        _ => EventType::MatchExpired,
    };
    let requests_to = MatchRequestStatus::after_match(c.to);
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
        Audit::new(topic.as_str(), "match", &m.id)
            .network(&p.network_id)
            .changed(changed),
        vec![Message::event(topic, "match", &m.id, payload).network(&p.network_id)],
    )
    .await?;
    Ok(m)
}

/// Closes a pending match as declined (by `by`) or expired.
pub(super) async fn close_pending<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    p: &programme::Model,
    m: peer_match::Model,
    to: MatchStatus,
    by: &str,
    now: chrono::DateTime<Utc>,
) -> Result<peer_match::Model, Failure> {
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
) -> Result<u64, Failure> {
    let now = Utc::now();
    let mut q = peer_match::Entity::find()
        .filter(peer_match::Column::Status.is_in(pending_statuses()))
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
pub async fn expire_all(db: &Db) -> Result<u64, Failure> {
    let txn = begin_write(db).await?;
    let n = expire_proposals(&txn, None).await?;
    txn.commit().await?;
    Ok(n)
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
) -> Result<Page<peer_match::Model>, Failure> {
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
                        .is_in(pending_statuses())
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

/// Sets requests' status (an open status keeps them counted as open
/// requests); withdrawn requests stay withdrawn.
pub(super) async fn set_requests<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
    status: MatchRequestStatus,
    now: chrono::DateTime<Utc>,
) -> Result<(), Failure> {
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
