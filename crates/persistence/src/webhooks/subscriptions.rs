//! Subscriptions: create, read, list, change, delete, rotate the secret.
//! Managers of the network only, people only (an API token gets 403
//! `insufficient-scope`): a subscription sends the network's events out,
//! so it is administration, like the audit trail. Inputs arrive parsed
//! (the HTTP layer checks the URL, resolves its host and parses the event
//! filter); this authorises inside the write transaction, holds the
//! limit and writes the audit trail (field names, never the URL or the
//! secret).
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::Refusal;
use peerhub_domain::access::{Need, Principal};
use peerhub_domain::webhook::{
    DisabledReason, EventFilter, MAX_SUBSCRIPTIONS, ROTATION_OVERLAP_HOURS,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};

use super::{Subscription, new_secret};
use crate::entities::{network, webhook, webhook_attempt, webhook_delivery};
use crate::error::Failure;
use crate::stored::Json;
use crate::trail::{self, Audit, Ctx};
use crate::{Db, Page, PageRequest, access, page};

/// A new subscription, its fields already parsed.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub network_id: String,
    pub url: String,
    pub events: EventFilter,
    pub description: String,
    pub enabled: bool,
}

/// A change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub url: Option<String>,
    pub events: Option<EventFilter>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// A subscription with a secret shown once (creation and rotation).
#[derive(Debug, Clone)]
pub struct WithSecret {
    pub subscription: Subscription,
    pub secret: String,
}

/// Creates a subscription with a new `whsec_` secret. 404 for a network
/// the caller is not in, 403 for a member who does not manage it, 409
/// `webhook-limit-reached` at [`MAX_SUBSCRIPTIONS`]: counted with the
/// network row locked, so parallel creations cannot pass it together.
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    new: NewSubscription,
) -> Result<WithSecret, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    access::network(&txn, principal, &new.network_id, Need::Manager, None).await?;
    network::Entity::find_by_id(new.network_id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("network"))?;
    let count = webhook::Entity::find()
        .filter(webhook::Column::NetworkId.eq(new.network_id.as_str()))
        .count(&txn)
        .await?;
    if count >= MAX_SUBSCRIPTIONS {
        return Err(Refusal::conflict(
            "webhook-limit-reached",
            format!(
                "A network may have at most {MAX_SUBSCRIPTIONS} webhook subscriptions; delete one first."
            ),
        )
        .into());
    }
    let secret = new_secret();
    let row = webhook::ActiveModel {
        id: Set(trail::new_id()),
        network_id: Set(new.network_id.clone()),
        url: Set(new.url),
        description: Set(new.description),
        event_types: Set(Json::encode(&new.events.codes())?),
        enabled: Set(new.enabled),
        disabled_reason: Set((!new.enabled).then(|| DisabledReason::Manual.as_str().to_owned())),
        secret: Set(secret.clone()),
        previous_secret: Set(None),
        previous_secret_expires_at: Set(None),
        failed_run: Set(0),
        created_by: Set(Some(principal.user_id.clone())),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("webhook.created", "webhook", &row.id)
            .network(&row.network_id)
            .changed(vec![
                "url",
                "event_types",
                "description",
                "enabled",
                "secret",
            ]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(WithSecret {
        subscription: Subscription::decode(row)?,
        secret,
    })
}

/// The row `id` for a manager of its network: 404 when there is none or
/// the caller is not in its network, 403 for a member.
async fn authorised<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
    lock: bool,
) -> Result<webhook::Model, Failure> {
    let q = webhook::Entity::find_by_id(id.to_owned());
    let q = if lock { q.lock_exclusive() } else { q };
    let row = q.one(conn).await?.ok_or(Failure::not_found("webhook"))?;
    access::network(conn, principal, &row.network_id, Need::Manager, None).await?;
    Ok(row)
}

/// One subscription (managers of its network).
pub async fn get(db: &Db, principal: &Principal, id: &str) -> Result<Subscription, Failure> {
    Subscription::decode(authorised(db, principal, id, false).await?)
}

/// A network's subscriptions, oldest first, optionally only the enabled
/// (or disabled) ones.
pub async fn list(
    db: &Db,
    principal: &Principal,
    network_id: &str,
    enabled: Option<bool>,
    req: &PageRequest,
) -> Result<Page<Subscription>, Failure> {
    access::network(db, principal, network_id, Need::Manager, None).await?;
    let mut q = webhook::Entity::find().filter(webhook::Column::NetworkId.eq(network_id));
    if let Some(e) = enabled {
        q = q.filter(webhook::Column::Enabled.eq(e));
    }
    let p = page::fetch(db, q, webhook::Column::Id, |r| r.id.clone(), req).await?;
    let items = p
        .items
        .into_iter()
        .map(Subscription::decode)
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        next_after: p.next_after,
    })
}

/// Changes a subscription. Enabling one that is disabled clears its
/// `disabled_reason` and its run of failed deliveries; disabling one that
/// is enabled records `manual`. 412 when `if_match` is stale. A change
/// that changes nothing is not written (no new version, no audit entry).
pub async fn update(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    change: Change,
    if_match: Option<i32>,
) -> Result<Subscription, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = authorised(&txn, principal, id, true).await?;
    Refusal::check_version(if_match, row.version)?;
    let current = Subscription::decode(row.clone())?;
    let mut am = row.clone().into_active_model();
    let mut changed: Vec<&'static str> = Vec::new();
    if let Some(url) = change.url
        && url != row.url
    {
        am.url = Set(url);
        changed.push("url");
    }
    if let Some(events) = change.events
        && events != current.events
    {
        am.event_types = Set(Json::encode(&events.codes())?);
        changed.push("event_types");
    }
    if let Some(d) = change.description
        && d != row.description
    {
        am.description = Set(d);
        changed.push("description");
    }
    match change.enabled {
        Some(true) if !row.enabled => {
            am.enabled = Set(true);
            am.disabled_reason = Set(None);
            am.failed_run = Set(0);
            changed.extend(["enabled", "disabled_reason"]);
        }
        Some(false) if row.enabled => {
            am.enabled = Set(false);
            am.disabled_reason = Set(Some(DisabledReason::Manual.as_str().to_owned()));
            changed.extend(["enabled", "disabled_reason"]);
        }
        _ => {}
    }
    if changed.is_empty() {
        txn.rollback().await?;
        return Ok(current);
    }
    am.updated_at = Set(now);
    let row = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("webhook.updated", "webhook", &row.id)
            .network(&row.network_id)
            .changed(changed),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Subscription::decode(row)
}

/// Deletes a subscription with its deliveries and their attempts. 412
/// when `if_match` is stale.
pub async fn delete(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    if_match: Option<i32>,
) -> Result<(), Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = authorised(&txn, principal, id, true).await?;
    Refusal::check_version(if_match, row.version)?;
    // Explicitly, not only by the foreign keys' cascade, so the outcome
    // does not depend on SQLite's foreign_keys setting.
    let deliveries = sea_orm::sea_query::Query::select()
        .column(webhook_delivery::Column::Id)
        .from(webhook_delivery::Entity)
        .and_where(webhook_delivery::Column::WebhookId.eq(row.id.clone()))
        .to_owned();
    webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::DeliveryId.in_subquery(deliveries))
        .exec(&txn)
        .await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(row.id.clone()))
        .exec(&txn)
        .await?;
    webhook::Entity::delete_by_id(row.id.clone())
        .exec(&txn)
        .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("webhook.deleted", "webhook", &row.id).network(&row.network_id),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Gives a subscription a new secret. The old one keeps signing (every
/// delivery carries both signatures) until [`ROTATION_OVERLAP_HOURS`]
/// from now; a second rotation inside that window replaces the previous
/// secret, so at most two sign at once.
pub async fn rotate_secret(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
) -> Result<(WithSecret, DateTime<Utc>), Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = authorised(&txn, principal, id, true).await?;
    let secret = new_secret();
    let until = now + Duration::hours(ROTATION_OVERLAP_HOURS);
    let mut am = row.clone().into_active_model();
    am.previous_secret = Set(Some(row.secret.clone()));
    am.previous_secret_expires_at = Set(Some(until));
    am.secret = Set(secret.clone());
    am.updated_at = Set(now);
    let row = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("webhook.secret_rotated", "webhook", &row.id)
            .network(&row.network_id)
            .changed(vec!["secret", "previous_secret"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok((
        WithSecret {
            subscription: Subscription::decode(row)?,
            secret,
        },
        until,
    ))
}

/// The row `id` with its lock, for the deliveries module.
pub(crate) async fn locked_for_manager<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
) -> Result<webhook::Model, Failure> {
    authorised(conn, principal, id, true).await
}

/// The row `id`, for the deliveries module.
pub(crate) async fn for_manager<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    id: &str,
) -> Result<webhook::Model, Failure> {
    authorised(conn, principal, id, false).await
}
