//! Deliveries as managers see them: list with attempts, redeliver, ping.
//! Who may: managers of the subscription's network, people only (see
//! [`super::subscriptions`]).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use peerhub_domain::Refusal;
use peerhub_domain::access::Principal;
use peerhub_domain::webhook::{ATTEMPTS_SHOWN, DeliveryStatus, EventType, catalogue};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::subscriptions::{for_manager, locked_for_manager};
use super::worker::new_delivery;
use crate::entities::{webhook_attempt, webhook_delivery};
use crate::error::Failure;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx};
use crate::{Db, Page, PageRequest};

/// Which deliveries to list; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<DeliveryStatus>,
    pub event_type: Option<EventType>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
}

/// A delivery with its closed sets decoded and its newest attempts
/// (at most [`ATTEMPTS_SHOWN`], newest first).
#[derive(Debug, Clone)]
pub struct Delivery {
    pub row: webhook_delivery::Model,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: Vec<webhook_attempt::Model>,
}

fn decoded(
    row: webhook_delivery::Model,
    attempts: Vec<webhook_attempt::Model>,
) -> Result<Delivery, Failure> {
    let event_type = decode("webhook_deliveries.event_type", &row.event_type)?;
    let status = decode("webhook_deliveries.status", &row.status)?;
    Ok(Delivery {
        row,
        event_type,
        status,
        attempts,
    })
}

/// A page of a subscription's deliveries, newest first (ids are UUID v7,
/// which sort by creation), each with its newest attempts, which are
/// read for the whole page in one query.
pub async fn list(
    db: &Db,
    principal: &Principal,
    webhook_id: &str,
    filter: &Filter,
    req: &PageRequest,
) -> Result<Page<Delivery>, Failure> {
    for_manager(db, principal, webhook_id).await?;
    use webhook_delivery::Column as C;
    let mut q = webhook_delivery::Entity::find().filter(C::WebhookId.eq(webhook_id));
    if let Some(s) = filter.status {
        q = q.filter(C::Status.eq(s.as_str()));
    }
    if let Some(t) = filter.event_type {
        q = q.filter(C::EventType.eq(t.as_str()));
    }
    if let Some(t) = filter.from {
        q = q.filter(C::CreatedAt.gte(t));
    }
    if let Some(t) = filter.to {
        q = q.filter(C::CreatedAt.lt(t));
    }
    if let Some(after) = &req.after {
        q = q.filter(C::Id.lt(after.clone()));
    }
    let mut rows = q.order_by_desc(C::Id).limit(req.limit + 1).all(db).await?;
    let next_after = if rows.len() as u64 > req.limit {
        rows.truncate(req.limit as usize);
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    let mut attempts = attempts_of(db, rows.iter().map(|r| r.id.clone()).collect()).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let a = attempts.remove(&r.id).unwrap_or_default();
            decoded(r, a)
        })
        .collect::<Result<_, _>>()?;
    Ok(Page { items, next_after })
}

/// The newest attempts of each delivery, in one query.
async fn attempts_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> Result<HashMap<String, Vec<webhook_attempt::Model>>, Failure> {
    let mut out: HashMap<String, Vec<webhook_attempt::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let all = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids))
        .order_by_desc(webhook_attempt::Column::AttemptedAt)
        .order_by_desc(webhook_attempt::Column::Id)
        .all(conn)
        .await?;
    for a in all {
        let list = out.entry(a.delivery_id.clone()).or_default();
        if (list.len() as u64) < ATTEMPTS_SHOWN {
            list.push(a);
        }
    }
    Ok(out)
}

/// Puts a finished delivery (`succeeded` or `failed`) back in the queue,
/// due now, with the same id (so the same `webhook-id`) and body, and a
/// fresh retry schedule; its earlier attempts stay listed. 409
/// `delivery-in-progress` while it is `pending` or `sending`, 409
/// `webhook-disabled` when the subscription is disabled (enable it
/// first), 404 when the delivery is not the subscription's.
pub async fn redeliver(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    webhook_id: &str,
    delivery_id: &str,
) -> Result<Delivery, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let hook = locked_for_manager(&txn, principal, webhook_id).await?;
    let row = webhook_delivery::Entity::find_by_id(delivery_id.to_owned())
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("delivery"))?;
    let status: DeliveryStatus = decode("webhook_deliveries.status", &row.status)?;
    if matches!(status, DeliveryStatus::Pending | DeliveryStatus::Sending) {
        return Err(Refusal::conflict(
            "delivery-in-progress",
            "This delivery is still pending or being sent; redeliver it once it has succeeded or failed.",
        )
        .into());
    }
    if !hook.enabled {
        return Err(Refusal::conflict(
            "webhook-disabled",
            "The subscription is disabled; enable it (PATCH {\"enabled\": true}) before redelivering.",
        )
        .into());
    }
    use webhook_delivery::Column as C;
    webhook_delivery::Entity::update_many()
        .col_expr(C::Status, Expr::value(DeliveryStatus::Pending.as_str()))
        .col_expr(C::Attempts, Expr::value(0))
        .col_expr(C::NextAttemptAt, Expr::value(now))
        .col_expr(C::FinishedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::Id.eq(row.id.clone()))
        .exec(&txn)
        .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("webhook_delivery.redelivered", "webhook_delivery", &row.id)
            .network(&hook.network_id)
            .changed(vec!["status"]),
        vec![],
    )
    .await?;
    let row = webhook_delivery::Entity::find_by_id(row.id.clone())
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("delivery"))?;
    let mut attempts = attempts_of(&txn, vec![row.id.clone()]).await?;
    txn.commit().await?;
    let a = attempts.remove(&row.id).unwrap_or_default();
    decoded(row, a)
}

/// Queues a `webhook.ping` to the subscription, whatever its events and
/// even when it is disabled (pings are sent regardless, once, never
/// retried and never counted against it). 409 `ping-pending` while an
/// earlier ping has not been sent.
pub async fn ping(
    db: &Db,
    ctx: &Ctx,
    principal: &Principal,
    webhook_id: &str,
) -> Result<Delivery, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let hook = locked_for_manager(&txn, principal, webhook_id).await?;
    use webhook_delivery::Column as C;
    let pending = webhook_delivery::Entity::find()
        .filter(C::WebhookId.eq(webhook_id))
        .filter(C::EventType.eq(EventType::WebhookPing.as_str()))
        .filter(C::Status.is_in([
            DeliveryStatus::Pending.as_str(),
            DeliveryStatus::Sending.as_str(),
        ]))
        .count(&txn)
        .await?;
    if pending > 0 {
        return Err(Refusal::conflict(
            "ping-pending",
            "A ping to this subscription is still waiting to be sent; see its deliveries.",
        )
        .into());
    }
    let body = catalogue::body(
        EventType::WebhookPing,
        now,
        serde_json::json!({"webhook_id": hook.id}),
    )
    .to_string();
    let row = new_delivery(&hook, None, EventType::WebhookPing, body, now)
        .insert(&txn)
        .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("webhook.pinged", "webhook", &hook.id).network(&hook.network_id),
        vec![],
    )
    .await?;
    txn.commit().await?;
    decoded(row, Vec::new())
}
