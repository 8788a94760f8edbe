//! Account rows: lookups, new rows, memberships and stored lists.
use chrono::{DateTime, Utc};
use peerhub_domain::account::{Email, NetworkRole, UserStatus};
use peerhub_domain::profile::SensitiveAttributes;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::Db;
use crate::entities::{network, network_member, user};
use crate::error::Failure;
use crate::trail::new_id;

pub(crate) fn list_to_json(l: &[String]) -> crate::stored::Json<Vec<String>> {
    crate::stored::Json::strings(l)
}

/// A stored JSON list of strings; one that does not decode is an error.
pub fn json_to_list(s: &str) -> Result<Vec<String>, Failure> {
    crate::stored::decode_json("list column", s)
}

/// A person's stored sensitive attributes. A value that does not decode is
/// an error (500, logged), never "none given": dropping them would silently
/// switch off the preferences that rely on them.
pub fn sensitive_of(u: &user::Model) -> Result<Option<SensitiveAttributes>, Failure> {
    u.sensitive
        .as_ref()
        .map(|s| s.decode("users.sensitive", &u.id))
        .transpose()
}

/// A person's stored account status. A value that does not decode is an
/// error (500, logged with the row id), never a default: the checks that
/// read it (may log in, may refresh, may be verified) fail closed.
pub fn user_status_of(u: &user::Model) -> Result<UserStatus, Failure> {
    UserStatus::parse(&u.status).ok_or_else(|| {
        tracing::error!(column = "users.status", row = %u.id, value = ?u.status, "stored account status does not decode");
        Failure::internal(format!(
            "stored users.status of {} is not one of {}",
            u.id,
            <UserStatus as peerhub_domain::closed::ClosedSet>::allowed()
        ))
    })
}

/// A new user row (not yet inserted).
pub(crate) fn new_user(
    email: &Email,
    password_hash: String,
    display_name: String,
    status: UserStatus,
    now: DateTime<Utc>,
) -> user::ActiveModel {
    user::ActiveModel {
        id: Set(new_id()),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash),
        display_name: Set(display_name),
        status: Set(status.as_str().to_owned()),
        is_platform_admin: Set(false),
        job_title: Set(None),
        organisation: Set(None),
        region: Set(None),
        profession: Set(None),
        level: Set(None),
        registers: Set(list_to_json(&[])),
        specialties: Set(list_to_json(&[])),
        interests: Set(list_to_json(&[])),
        sensitive: Set(None),
        team: Set(None),
        line_manager_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        sessions_valid_after: Set(None),
    }
}

pub(crate) fn new_membership(
    network_id: &str,
    user_id: &str,
    role: NetworkRole,
    now: DateTime<Utc>,
) -> network_member::ActiveModel {
    network_member::ActiveModel {
        id: Set(new_id()),
        network_id: Set(network_id.to_owned()),
        user_id: Set(user_id.to_owned()),
        role: Set(role.as_str().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

pub async fn find_by_email<C: ConnectionTrait>(
    conn: &C,
    email: &Email,
) -> Result<Option<user::Model>, Failure> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?)
}

pub async fn get(db: &Db, user_id: &str) -> Result<user::Model, Failure> {
    user::Entity::find_by_id(user_id.to_owned())
        .one(db)
        .await?
        .ok_or(Failure::not_found("user"))
}

/// A user's network memberships: (network, role). A stored role that does
/// not decode is an error.
pub async fn memberships<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<(network::Model, NetworkRole)>, Failure> {
    let rows = network_member::Entity::find()
        .filter(network_member::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    let ids: Vec<String> = rows.iter().map(|m| m.network_id.clone()).collect();
    let nets = network::Entity::find()
        .filter(network::Column::Id.is_in(ids))
        .order_by_asc(network::Column::Id)
        .all(conn)
        .await?;
    nets.into_iter()
        .filter_map(|n| {
            let m = rows.iter().find(|m| m.network_id == n.id)?;
            Some(
                crate::stored::decode::<NetworkRole>("network_member.role", &m.role)
                    .map(|role| (n, role)),
            )
        })
        .collect()
}

/// Finds a person by email among the members of a network (the caller's
/// access to the network is checked by the caller).
pub async fn find_in_network(
    db: &Db,
    network_id: &str,
    email: &Email,
) -> Result<Option<(user::Model, network_member::Model)>, Failure> {
    let Some(u) = find_by_email(db, email).await? else {
        return Ok(None);
    };
    let m = network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::UserId.eq(&u.id))
        .one(db)
        .await?;
    Ok(m.map(|m| (u, m)))
}
