//! The operator's retention of delivered messages (docs/operations.md,
//! "Retention"): outbox messages that are `sent`, `failed` or `erased`,
//! and webhook deliveries that `succeeded` or `failed` (their attempts go
//! with them), once older than `PEERHUB_OUTBOX_RETENTION_DAYS`. Pending
//! and in-flight rows are never touched. Batches of
//! [`peerhub_domain::retention::BATCH`] by id, so two nodes at once only
//! do the work once; each purge that removed rows writes one audit entry
//! with the count only.
use chrono::{DateTime, Utc};
use peerhub_domain::outbox::OutboxStatus;
use peerhub_domain::retention::{BATCH, cutoff};
use peerhub_domain::webhook::DeliveryStatus;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::Db;
use crate::entities::{outbox, webhook_delivery};
use crate::error::Failure;
use crate::trail::{self, Audit, Ctx};

/// Purges what is older than `days` at `now`; returns how many rows went.
pub async fn purge(db: &Db, days: i32, now: DateTime<Utc>) -> Result<u64, Failure> {
    let before = cutoff(days, now);
    let mut outbox_n = 0;
    loop {
        let ids: Vec<String> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .filter(outbox::Column::Status.is_in([
                OutboxStatus::Sent.as_str(),
                OutboxStatus::Failed.as_str(),
                OutboxStatus::Erased.as_str(),
            ]))
            .filter(outbox::Column::CreatedAt.lt(before))
            .order_by_asc(outbox::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            break;
        }
        outbox_n += outbox::Entity::delete_many()
            .filter(outbox::Column::Id.is_in(ids))
            .exec(db)
            .await?
            .rows_affected;
    }
    let mut deliveries_n = 0;
    loop {
        let ids: Vec<String> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::Status.is_in([
                DeliveryStatus::Succeeded.as_str(),
                DeliveryStatus::Failed.as_str(),
            ]))
            .filter(webhook_delivery::Column::CreatedAt.lt(before))
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            break;
        }
        deliveries_n += webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::Id.is_in(ids))
            .exec(db)
            .await?
            .rows_affected;
    }
    for (action, what, n) in [
        ("retention.outbox_deleted", "outbox", outbox_n),
        (
            "retention.webhook_deliveries_deleted",
            "webhook_deliveries",
            deliveries_n,
        ),
    ] {
        if n > 0 {
            trail::write(
                db,
                &Ctx::system(),
                now,
                Audit::new(action, what, what).count(n),
                Vec::new(),
            )
            .await?;
        }
    }
    Ok(outbox_n + deliveries_n)
}
