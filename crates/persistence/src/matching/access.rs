//! Who may see a programme or a match, and a stored match's status.
use chrono::Utc;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::closed::ClosedSet;
use peerhub_domain::matching::lifecycle::MatchStatus;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::access;
use crate::entities::{peer_match, programme};
use crate::error::Failure;

/// A programme the caller may see, with their standing in its network.
#[derive(Debug, Clone)]
pub struct ProgrammeAccess {
    pub programme: programme::Model,
    /// A manager of the programme's network, or a platform admin.
    pub manager: bool,
}

/// Loads a programme for a network member (`Need::Member`) or a manager
/// (`Need::Manager`): 404 when it does not exist or the caller is not in
/// its network, 403 when a manager is needed and the caller is not one.
/// API tokens are refused (matching is for people).
pub async fn programme_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    programme_id: &str,
    need: Need,
) -> Result<ProgrammeAccess, Failure> {
    let p = programme::Entity::find_by_id(programme_id.to_owned())
        .one(conn)
        .await?
        .ok_or(Failure::not_found("programme"))?;
    authorise_programme(conn, principal, p, need).await
}

/// Checks the caller's standing against a programme already loaded (and
/// locked, for a write) in the caller's transaction, so the decision and
/// the write read the same state. The rule is the network's
/// ([`peerhub_domain::access::decide`]): 404 `programme` when the caller is
/// not in its network, 403 when `need` is not met.
pub(crate) async fn authorise_programme<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    p: programme::Model,
    need: Need,
) -> Result<ProgrammeAccess, Failure> {
    let role = match access::network_access(conn, principal, &p.network_id, need, None).await {
        Err(e) if e.is_not_found() => return Err(Failure::not_found("programme")),
        Err(e) => return Err(e),
        Ok((_, role)) => role,
    };
    Ok(ProgrammeAccess {
        manager: principal.is_platform_admin || role == Some(NetworkRole::Manager),
        programme: p,
    })
}

/// Like [`authorise_programme`] for a thing of the programme (a supporter,
/// a request): a caller who may not see the programme gets 404 naming the
/// thing, not the programme.
pub(crate) async fn authorise_within<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    p: programme::Model,
    need: Need,
    what: &'static str,
) -> Result<ProgrammeAccess, Failure> {
    authorise_programme(conn, principal, p, need)
        .await
        .map_err(|e| {
            if e.is_not_found() {
                Failure::not_found(what)
            } else {
                e
            }
        })
}

/// A match the caller may see, with their standing.
#[derive(Debug, Clone)]
pub struct MatchAccess {
    pub m: peer_match::Model,
    pub programme: programme::Model,
    /// The caller is one of the two participants.
    pub participant: bool,
    /// The caller manages the programme's network (or is a platform admin).
    pub manager: bool,
}

impl MatchAccess {
    /// The status as of now (a pending proposal past its deadline reads as
    /// expired before the store writes it).
    pub fn status(&self) -> Result<MatchStatus, Failure> {
        match_status(&self.m)
    }
}

/// The effective status of a stored match (a pending proposal past its
/// deadline counts as expired). A stored status that does not decode is an
/// error (500, logged with the row id), never a default: the data export,
/// erasure and account removal fail on it rather than guess.
pub fn match_status(m: &peer_match::Model) -> Result<MatchStatus, Failure> {
    let Some(stored) = MatchStatus::parse(&m.status) else {
        tracing::error!(column = "peer_matches.status", row = %m.id, value = ?m.status, "stored match status does not decode");
        return Err(Failure::internal(format!(
            "stored peer_matches.status of {} is not one of {}",
            m.id,
            MatchStatus::allowed()
        )));
    };
    Ok(stored.at(m.expires_at, Utc::now()))
}

/// True when `user_id` is one of the match's two participants.
pub fn is_participant(m: &peer_match::Model, user_id: &str) -> bool {
    m.user_a_id == user_id || m.user_b_id == user_id
}

/// Loads a match for one of its participants or a manager of its network;
/// everyone else (other members, strangers, API tokens) gets 404 `match`.
pub async fn match_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    match_id: &str,
) -> Result<MatchAccess, Failure> {
    let m = peer_match::Entity::find_by_id(match_id.to_owned())
        .one(conn)
        .await?
        .ok_or(Failure::not_found("match"))?;
    if principal.is_token() {
        return Err(Failure::not_found("match"));
    }
    let p = programme::Entity::find_by_id(m.programme_id.clone())
        .one(conn)
        .await?
        .ok_or(Failure::not_found("match"))?;
    authorise_match(conn, principal, m, p).await
}

/// The rule of [`match_access`] for a match and its programme already
/// loaded (the programme locked, for a write) in the caller's transaction.
pub(crate) async fn authorise_match<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    m: peer_match::Model,
    p: programme::Model,
) -> Result<MatchAccess, Failure> {
    if principal.is_token() {
        return Err(Failure::not_found("match"));
    }
    let participant = is_participant(&m, &principal.user_id);
    let manager = principal.is_platform_admin
        || access::role_in(conn, &principal.user_id, &p.network_id).await?
            == Some(NetworkRole::Manager);
    if !participant && !manager {
        return Err(Failure::not_found("match"));
    }
    Ok(MatchAccess {
        m,
        programme: p,
        participant,
        manager,
    })
}

/// Like [`match_access`] but for participants only: managers and admins
/// who are not in the match get 404 too (notes, concerns, feedback).
pub async fn participant_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    match_id: &str,
) -> Result<MatchAccess, Failure> {
    let a = match_access(conn, principal, match_id).await?;
    if a.participant {
        Ok(a)
    } else {
        Err(Failure::not_found("match"))
    }
}
