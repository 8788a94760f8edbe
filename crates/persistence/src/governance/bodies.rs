//! The governance bodies of a network: members read the list, managers
//! replace it as a whole (If-Match on the list's version). A new network
//! gets [`DEFAULT_BODIES`] (docs/governance.md).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::governance::bodies::{self as rules, BodyInput, DEFAULT_BODIES};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

use crate::Db;
use crate::access;
use crate::entities::governance_body;
use crate::error::Failure;
use crate::trail::{self, Audit, Ctx};

/// A network's bodies (not removed), in list order, and the list's
/// version (the `ETag`).
#[derive(Debug, Clone)]
pub struct BodyList {
    pub bodies: Vec<governance_body::Model>,
    pub version: i32,
}

/// Gives a new network the default bodies (in the transaction creating it).
pub async fn seed_defaults<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    for (i, (key, name)) in DEFAULT_BODIES.iter().enumerate() {
        governance_body::ActiveModel {
            network_id: Set(network_id.to_owned()),
            key: Set((*key).to_owned()),
            position: Set(i as i32),
            name: Set((*name).to_owned()),
            contact_email: Set(None),
            retired: Set(false),
            removed: Set(false),
            list_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Every row of a network, removed ones included.
async fn rows<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
) -> Result<Vec<governance_body::Model>, Failure> {
    Ok(governance_body::Entity::find()
        .filter(governance_body::Column::NetworkId.eq(network_id))
        .order_by_asc(governance_body::Column::Position)
        .order_by_asc(governance_body::Column::Key)
        .all(conn)
        .await?)
}

fn to_list(all: Vec<governance_body::Model>) -> BodyList {
    let version = all.iter().map(|b| b.list_version).max().unwrap_or(0);
    BodyList {
        bodies: all.into_iter().filter(|b| !b.removed).collect(),
        version,
    }
}

/// The bodies of a network (members of it, platform admins).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    network_id: &str,
) -> Result<BodyList, Failure> {
    access::network(conn, principal, network_id, Need::Member, None).await?;
    Ok(to_list(rows(conn, network_id).await?))
}

/// Replaces a network's list (managers of it, platform admins). 412 when
/// `if_match` is not the list's version, 422 for an invalid list. Audited
/// as `governance_bodies.replaced`.
pub async fn replace(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    network_id: &str,
    items: Vec<BodyInput>,
    if_match: Option<i32>,
) -> Result<BodyList, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    access::network(&txn, principal, network_id, Need::Manager, None).await?;
    // One replacement at a time per network: the network row is the lock
    // (PostgreSQL; SQLite's write transaction already serialises), so two
    // PUTs with the same If-Match cannot both pass the version check.
    sea_orm::QuerySelect::lock_exclusive(crate::entities::network::Entity::find_by_id(
        network_id.to_owned(),
    ))
    .one(&txn)
    .await?
    .ok_or(Failure::not_found("network"))?;
    let current = rows(&txn, network_id).await?;
    let version = current.iter().map(|b| b.list_version).max().unwrap_or(0);
    peerhub_domain::Refusal::check_version(if_match, version)?;
    let new = rules::check_list(&items)?;
    let next = version + 1;
    let mut existing: HashMap<String, governance_body::Model> =
        current.into_iter().map(|b| (b.key.clone(), b)).collect();
    // A body escalations were routed to may be retired, never removed.
    let mut routed = std::collections::HashSet::new();
    for (key, b) in &existing {
        if !b.removed
            && !new.iter().any(|n| &n.key == key)
            && super::escalations::body_has_escalations(&txn, network_id, key).await?
        {
            routed.insert(key.clone());
        }
    }
    let mut leaving: Vec<&str> = existing
        .iter()
        .filter(|(k, b)| !b.removed && !new.iter().any(|n| &n.key == *k))
        .map(|(k, _)| k.as_str())
        .collect();
    leaving.sort_unstable();
    rules::may_remove(leaving, |k| routed.contains(k))?;
    for (i, b) in new.iter().enumerate() {
        match existing.remove(&b.key) {
            Some(row) => {
                let mut am = row.into_active_model();
                am.position = Set(i as i32);
                am.name = Set(b.name.clone());
                am.contact_email = Set(b.contact_email.clone());
                am.retired = Set(b.retired);
                am.removed = Set(false);
                am.list_version = Set(next);
                am.updated_at = Set(now);
                am.update(&txn).await?;
            }
            None => {
                governance_body::ActiveModel {
                    network_id: Set(network_id.to_owned()),
                    key: Set(b.key.clone()),
                    position: Set(i as i32),
                    name: Set(b.name.clone()),
                    contact_email: Set(b.contact_email.clone()),
                    retired: Set(b.retired),
                    removed: Set(false),
                    list_version: Set(next),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    for (_, row) in existing {
        let mut am = row.into_active_model();
        am.removed = Set(true);
        am.list_version = Set(next);
        am.updated_at = Set(now);
        am.update(&txn).await?;
    }
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("governance_bodies.replaced", "network", network_id)
            .network(network_id)
            .changed(vec!["governance_bodies"]),
        vec![],
    )
    .await?;
    let list = to_list(rows(&txn, network_id).await?);
    txn.commit().await?;
    Ok(list)
}

impl From<rules::BodiesRefusal> for Failure {
    fn from(r: rules::BodiesRefusal) -> Self {
        peerhub_domain::Refusal::from(r).into()
    }
}
