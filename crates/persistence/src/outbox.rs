//! Reading and settling outbox messages (the notifier's side).
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::Db;
use crate::entities::outbox;
use crate::error::Failure;
use peerhub_domain::outbox::{CLAIM_MINUTES, Delivery, OutboxStatus, after_failure};

pub use peerhub_domain::outbox::MAX_ATTEMPTS;

/// Claims up to `limit` due email messages for this worker. Claiming is a
/// conditional update, so several nodes can run notifiers safely.
pub async fn claim_due_emails(db: &Db, limit: u64) -> Result<Vec<outbox::Model>, Failure> {
    let now = Utc::now();
    let candidates = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(Delivery::Email.as_str()))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::Column::AvailableAt.lte(now))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for m in candidates {
        let r = outbox::Entity::update_many()
            .col_expr(
                outbox::Column::Status,
                sea_orm::sea_query::Expr::value(OutboxStatus::Sending.as_str()),
            )
            .col_expr(
                outbox::Column::AvailableAt,
                sea_orm::sea_query::Expr::value(now + Duration::minutes(CLAIM_MINUTES)),
            )
            .filter(outbox::Column::Id.eq(m.id.clone()))
            .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
            .exec(db)
            .await?;
        if r.rows_affected == 1 {
            claimed.push(m);
        }
    }
    Ok(claimed)
}

pub async fn mark_sent(db: &Db, id: &str) -> Result<(), Failure> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            sea_orm::sea_query::Expr::value(OutboxStatus::Sent.as_str()),
        )
        .col_expr(
            outbox::Column::SentAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Schedules a retry with exponential back-off, or gives up after
/// [`MAX_ATTEMPTS`].
pub async fn mark_failed(db: &Db, m: &outbox::Model, error: &str) -> Result<(), Failure> {
    let attempts = m.attempts + 1;
    let (status, delay) = after_failure(attempts);
    let delay = Duration::seconds(delay);
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            sea_orm::sea_query::Expr::value(status.as_str()),
        )
        .col_expr(
            outbox::Column::Attempts,
            sea_orm::sea_query::Expr::value(attempts),
        )
        .col_expr(
            outbox::Column::AvailableAt,
            sea_orm::sea_query::Expr::value(Utc::now() + delay),
        )
        .col_expr(
            outbox::Column::LastError,
            sea_orm::sea_query::Expr::value(error.chars().take(1000).collect::<String>()),
        )
        .filter(outbox::Column::Id.eq(m.id.clone()))
        .exec(db)
        .await?;
    Ok(())
}

/// Puts messages stuck in `sending` (their worker died) back to `pending`.
pub async fn requeue_stuck(db: &Db) -> Result<u64, Failure> {
    let r = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            sea_orm::sea_query::Expr::value(OutboxStatus::Pending.as_str()),
        )
        .filter(outbox::Column::Status.eq(OutboxStatus::Sending.as_str()))
        .filter(outbox::Column::AvailableAt.lte(Utc::now()))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// The newest email queued for `recipient` (for operators and the
/// getting-started walkthrough, when no SMTP server is configured).
pub async fn latest_email_to(db: &Db, recipient: &str) -> Result<Option<outbox::Model>, Failure> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(Delivery::Email.as_str()))
        .filter(outbox::Column::Recipient.eq(recipient.trim().to_lowercase()))
        .order_by_desc(outbox::Column::Id)
        .one(db)
        .await?)
}
