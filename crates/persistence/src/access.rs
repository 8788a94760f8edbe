//! Loads what the access policy needs and applies it
//! ([`peerhub_domain::access`]). Handlers call these; nothing else checks
//! roles.
use peerhub_domain::access::{AccessRefusal, Decision, Need, Principal, decide, decide_self};
use peerhub_domain::account::{ApiTokenScope, NetworkRole};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{network, network_member};
use crate::error::Failure;

fn apply(d: Decision, what: &'static str) -> Result<(), Failure> {
    Ok(d.into_result(what)?)
}

/// The caller's role in a network, if any.
pub async fn role_in<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    network_id: &str,
) -> Result<Option<NetworkRole>, Failure> {
    let m = network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::UserId.eq(user_id))
        .one(conn)
        .await?;
    // A stored role that does not decode is a 500, never "not a member"
    // (which would hide the network) nor a guessed role.
    m.map(|m| crate::stored::decode("network_member.role", &m.role))
        .transpose()
}

/// Checks the caller may act on `network_id` with `need`; answers 404 for a
/// network that does not exist or that the caller is not in.
pub async fn network<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    network_id: &str,
    need: Need,
    accepts: Option<ApiTokenScope>,
) -> Result<network::Model, Failure> {
    Ok(network_access(conn, principal, network_id, need, accepts)
        .await?
        .0)
}

/// Like [`network`], also returning the caller's role in the network.
pub async fn network_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    network_id: &str,
    need: Need,
    accepts: Option<ApiTokenScope>,
) -> Result<(network::Model, Option<NetworkRole>), Failure> {
    let net = network::Entity::find_by_id(network_id.to_owned())
        .one(conn)
        .await?
        .ok_or(Failure::not_found("network"))?;
    let role = role_in(conn, &principal.user_id, network_id).await?;
    apply(decide(principal, role, need, accepts), "network")?;
    Ok((net, role))
}

/// Checks the caller may act on their own account.
pub fn own_account(principal: &Principal, accepts: Option<ApiTokenScope>) -> Result<(), Failure> {
    apply(decide_self(principal, accepts), "account")
}

/// Checks the caller is a platform admin (people only).
pub fn platform_admin(principal: &Principal) -> Result<(), Failure> {
    if principal.is_token() {
        return apply(Decision::MissingScope, "account");
    }
    if principal.is_platform_admin {
        Ok(())
    } else {
        Err(Failure::Refused(AccessRefusal::NotPlatformAdmin.into()))
    }
}

/// The caller's active role in a community, if any.
pub async fn community_role_of<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    community_id: &str,
) -> Result<Option<peerhub_domain::community::CommunityRole>, Failure> {
    use crate::entities::community_member;
    let m = community_member::Entity::find()
        .filter(community_member::Column::CommunityId.eq(community_id))
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(
            community_member::Column::Status
                .eq(peerhub_domain::community::MembershipStatus::Active.as_str()),
        )
        .one(conn)
        .await?;
    m.map(|m| crate::stored::decode("community_member.role", &m.role))
        .transpose()
}

/// Checks the caller may act on a community with `need`; answers 404 for a
/// community that does not exist or whose network the caller is not in.
pub async fn community<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    community_id: &str,
    need: peerhub_domain::access::CommunityNeed,
    accepts: Option<ApiTokenScope>,
) -> Result<crate::entities::community::Model, Failure> {
    Ok(
        community_access(conn, principal, community_id, need, accepts)
            .await?
            .community,
    )
}

/// A community the caller may act on, with the caller's standing in it.
#[derive(Debug, Clone)]
pub struct CommunityAccess {
    pub community: crate::entities::community::Model,
    /// The caller's active role in the community, if a member.
    pub role: Option<peerhub_domain::community::CommunityRole>,
    /// A manager of the community's network, or a platform admin.
    pub is_manager: bool,
}

/// Like [`community`], also returning the caller's role and whether they
/// manage the network.
pub async fn community_access<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    community_id: &str,
    need: peerhub_domain::access::CommunityNeed,
    accepts: Option<ApiTokenScope>,
) -> Result<CommunityAccess, Failure> {
    let c = crate::entities::community::Entity::find_by_id(community_id.to_owned())
        .one(conn)
        .await?
        .ok_or(Failure::not_found("community"))?;
    let network_role = role_in(conn, &principal.user_id, &c.network_id).await?;
    let community_role = if need == peerhub_domain::access::CommunityNeed::NetworkMember
        || need == peerhub_domain::access::CommunityNeed::Manager
    {
        None
    } else {
        community_role_of(conn, &principal.user_id, community_id).await?
    };
    apply(
        peerhub_domain::access::decide_community(
            principal,
            network_role,
            community_role,
            need,
            accepts,
        ),
        "community",
    )?;
    Ok(CommunityAccess {
        community: c,
        role: community_role,
        is_manager: principal.is_platform_admin || network_role == Some(NetworkRole::Manager),
    })
}

/// Ids of the networks a person belongs to (for filtering lists).
pub async fn network_ids_of<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<String>, Failure> {
    use sea_orm::QuerySelect;
    Ok(network_member::Entity::find()
        .select_only()
        .column(network_member::Column::NetworkId)
        .filter(network_member::Column::UserId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?)
}
