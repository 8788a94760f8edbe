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
use peerhub_domain::retention::cutoff;
use peerhub_domain::webhook::DeliveryStatus;
use sea_orm::{ColumnTrait, Condition};

use crate::Db;
use crate::entities::{outbox, webhook_delivery};
use crate::error::Failure;
use crate::retention::delete_in_batches;
use crate::trail::{self, Audit, Ctx};

/// Purges what is older than `days` at `now`; returns how many rows went.
pub async fn purge(db: &Db, days: i32, now: DateTime<Utc>) -> Result<u64, Failure> {
    let before = cutoff(days, now);
    let outbox_n = delete_in_batches::<outbox::Entity>(
        db,
        outbox::Column::Id,
        Condition::all()
            .add(outbox::Column::Status.is_in([
                OutboxStatus::Sent.as_str(),
                OutboxStatus::Failed.as_str(),
                OutboxStatus::Erased.as_str(),
            ]))
            .add(outbox::Column::CreatedAt.lt(before)),
    )
    .await?;
    let deliveries_n = delete_in_batches::<webhook_delivery::Entity>(
        db,
        webhook_delivery::Column::Id,
        Condition::all()
            .add(webhook_delivery::Column::Status.is_in([
                DeliveryStatus::Succeeded.as_str(),
                DeliveryStatus::Failed.as_str(),
            ]))
            .add(webhook_delivery::Column::CreatedAt.lt(before)),
    )
    .await?;
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
