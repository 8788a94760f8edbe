//! Reading the audit trail that [`crate::trail::write`] appends to
//! (docs/integrations.md, "Read the audit trail"). There is nothing to
//! write here: entries are append-only, made only by the change they
//! describe.
//!
//! Who may read, which filters and the page order are the domain's rules
//! ([`peerhub_domain::audit`]); this loads the page, decodes each entry's
//! field names strictly, and names the actors with one query per page.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::audit::{Filter, Position, Scope};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::entities::{audit_event, user};
use crate::error::Failure;
use crate::{Db, Page, PageRequest, access, stored};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    /// Their display name now (pseudonymised if they were erased).
    pub display_name: String,
}

/// One audit entry, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// `None` for what no signed-in person did (a failed sign-in,
    /// housekeeping).
    pub actor: Option<Actor>,
    pub network_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// Names of the fields that changed, never their values.
    pub changed_fields: Vec<String>,
    pub request_id: Option<String>,
    pub client_address: Option<String>,
}

/// A page of the trail, newest first (`occurred_at`, then `id`, both
/// descending), for a manager of the filter's network or a platform admin.
/// 422 `network_id` when someone else names no network; 404 for a network
/// that does not exist or that the caller is not in; 403 for a member who
/// does not manage it; 403 `insufficient-scope` for any API token (people
/// only, docs/integrations.md). A stored `changed_fields` that is not a
/// JSON list of strings, or an actor with no account, is a 500.
pub async fn list(
    db: &Db,
    principal: &Principal,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Page<Entry>, Failure> {
    let scope = filter.scope(principal.is_platform_admin)?;
    let after = page
        .after
        .as_deref()
        .map(Position::parse)
        .transpose()
        .map_err(|e| Failure::invalid("cursor", e.code, e.message))?;
    let txn = db.begin().await?;
    match &scope {
        Scope::Network(n) => {
            access::network(&txn, principal, n, Need::Manager, None).await?;
        }
        Scope::All => access::platform_admin(principal)?,
    }
    use audit_event::Column as C;
    let mut q = audit_event::Entity::find();
    if let Scope::Network(n) = &scope {
        q = q.filter(C::NetworkId.eq(n));
    }
    if let Some(t) = &filter.entity_type {
        q = q.filter(C::EntityType.eq(t));
    }
    if let Some(e) = &filter.entity_id {
        q = q.filter(C::EntityId.eq(e));
    }
    if let Some(a) = &filter.actor_id {
        q = q.filter(C::ActorId.eq(a));
    }
    if let Some(a) = &filter.action {
        q = q.filter(C::Action.eq(a));
    }
    if let Some(t) = filter.from {
        q = q.filter(C::OccurredAt.gte(t));
    }
    if let Some(t) = filter.to {
        q = q.filter(C::OccurredAt.lt(t));
    }
    if let Some(p) = after {
        // `(occurred_at, id) < (at, id)`, written with a redundant
        // `occurred_at <= at` so that PostgreSQL seeks the index to the
        // position instead of filtering every newer entry (a deep page
        // would otherwise cost as much as all the pages before it).
        q = q.filter(C::OccurredAt.lte(p.occurred_at)).filter(
            Condition::any()
                .add(C::OccurredAt.lt(p.occurred_at))
                .add(C::Id.lt(p.id)),
        );
    }
    let mut rows = q
        .order_by_desc(C::OccurredAt)
        .order_by_desc(C::Id)
        .limit(page.limit + 1)
        .all(&txn)
        .await?;
    let next_after = if rows.len() as u64 > page.limit {
        rows.truncate(page.limit as usize);
        rows.last().map(|r| {
            Position {
                occurred_at: r.occurred_at,
                id: r.id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    let names = actor_names(&txn, &rows).await?;
    txn.commit().await?;
    let items = rows
        .into_iter()
        .map(|r| entry(r, &names))
        .collect::<Result<_, _>>()?;
    Ok(Page { items, next_after })
}

/// The display names of the page's actors, in one query.
async fn actor_names<C: sea_orm::ConnectionTrait>(
    conn: &C,
    rows: &[audit_event::Model],
) -> Result<HashMap<String, String>, Failure> {
    let ids: BTreeSet<&str> = rows.iter().filter_map(|r| r.actor_id.as_deref()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found: Vec<(String, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

fn entry(r: audit_event::Model, names: &HashMap<String, String>) -> Result<Entry, Failure> {
    let changed_fields: Vec<String> =
        stored::decode_json("audit_events.changed_fields", &r.changed_fields)
            .map_err(|e| Failure::internal(format!("{e} (audit event {})", r.id)))?;
    let actor = match r.actor_id {
        None => None,
        Some(id) => {
            // Accounts are never deleted (erasure pseudonymises them), so
            // an actor without one is a broken row, not an anonymous one.
            let display_name = names.get(&id).cloned().ok_or_else(|| {
                Failure::internal(format!(
                    "audit event {} names actor {id}, who has no account",
                    r.id
                ))
            })?;
            Some(Actor { id, display_name })
        }
    };
    Ok(Entry {
        id: r.id,
        occurred_at: r.occurred_at,
        actor,
        network_id: r.network_id,
        action: r.action,
        entity_type: r.entity_type,
        entity_id: r.entity_id,
        changed_fields,
        request_id: r.request_id,
        client_address: r.client_address,
    })
}
