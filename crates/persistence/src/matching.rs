//! Matching programmes: settings, supporters, requests, runs, and matches
//! with their consent lifecycle. Sessions, feedback, notes, concerns and
//! complaints live in their own stores and reach a match through
//! [`match_access`].
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::account::NetworkRole;
use peerhub_domain::matching::lifecycle::MatchStatus;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::access;
use crate::entities::{peer_match, programme};
use crate::error::StoreError;

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
) -> Result<ProgrammeAccess, StoreError> {
    let p = programme::Entity::find_by_id(programme_id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("programme"))?;
    let role = access::role_in(conn, &principal.user_id, &p.network_id).await?;
    let allowed = access::network(conn, principal, &p.network_id, need, None).await;
    match allowed {
        Err(StoreError::NotFound(_)) => return Err(StoreError::NotFound("programme")),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    Ok(ProgrammeAccess {
        manager: principal.is_platform_admin || role == Some(NetworkRole::Manager),
        programme: p,
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
    pub fn status(&self) -> MatchStatus {
        status_of(&self.m)
    }
}

/// The effective status of a stored match.
pub fn status_of(m: &peer_match::Model) -> MatchStatus {
    MatchStatus::parse(&m.status)
        .unwrap_or(MatchStatus::Ended)
        .at(m.expires_at, chrono::Utc::now())
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
) -> Result<MatchAccess, StoreError> {
    let m = peer_match::Entity::find_by_id(match_id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("match"))?;
    if principal.is_token() {
        return Err(StoreError::NotFound("match"));
    }
    let p = programme::Entity::find_by_id(m.programme_id.clone())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("match"))?;
    let participant = is_participant(&m, &principal.user_id);
    let manager = principal.is_platform_admin
        || access::role_in(conn, &principal.user_id, &p.network_id).await?
            == Some(NetworkRole::Manager);
    if !participant && !manager {
        return Err(StoreError::NotFound("match"));
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
) -> Result<MatchAccess, StoreError> {
    let a = match_access(conn, principal, match_id).await?;
    if a.participant {
        Ok(a)
    } else {
        Err(StoreError::NotFound("match"))
    }
}
