//! Loads what the access policy needs and applies it
//! ([`peerhub_domain::access`]). Handlers call these; nothing else checks
//! roles.
use peerhub_domain::access::{Decision, Need, Principal, decide, decide_self};
use peerhub_domain::account::{NetworkRole, Scope};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{network, network_member};
use crate::error::StoreError;

fn apply(d: Decision, what: &'static str) -> Result<(), StoreError> {
    match d {
        Decision::Allow => Ok(()),
        Decision::Hidden => Err(StoreError::NotFound(what)),
        Decision::Denied => Err(StoreError::forbidden(
            "forbidden",
            "your role in this network does not allow this action",
        )),
        Decision::MissingScope => Err(StoreError::forbidden(
            "insufficient-scope",
            "this API token does not have a scope that this operation accepts",
        )),
    }
}

/// The caller's role in a network, if any.
pub async fn role_in<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    network_id: &str,
) -> Result<Option<NetworkRole>, StoreError> {
    let m = network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::UserId.eq(user_id))
        .one(conn)
        .await?;
    Ok(m.and_then(|m| NetworkRole::parse(&m.role)))
}

/// Checks the caller may act on `network_id` with `need`; answers 404 for a
/// network that does not exist or that the caller is not in.
pub async fn network<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    network_id: &str,
    need: Need,
    accepts: Option<Scope>,
) -> Result<network::Model, StoreError> {
    let net = network::Entity::find_by_id(network_id.to_owned())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("network"))?;
    let role = role_in(conn, &principal.user_id, network_id).await?;
    apply(decide(principal, role, need, accepts), "network")?;
    Ok(net)
}

/// Checks the caller may act on their own account.
pub fn own_account(principal: &Principal, accepts: Option<Scope>) -> Result<(), StoreError> {
    apply(decide_self(principal, accepts), "account")
}

/// Checks the caller is a platform admin (people only).
pub fn platform_admin(principal: &Principal) -> Result<(), StoreError> {
    if principal.is_token() {
        return apply(Decision::MissingScope, "account");
    }
    if principal.is_platform_admin {
        Ok(())
    } else {
        Err(StoreError::forbidden(
            "forbidden",
            "only a platform admin may do this",
        ))
    }
}
