//! Reading and settling outbox messages (the notifier's side).
use chrono::{Duration, Utc};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::Db;
use crate::entities::outbox;
use crate::error::Failure;
use peerhub_domain::outbox::{CLAIM_MINUTES, Delivery, OutboxStatus, after_failure};

pub use peerhub_domain::outbox::MAX_ATTEMPTS;

/// Email messages that are due: pending, and available now.
fn due_emails(now: chrono::DateTime<Utc>) -> sea_orm::Select<outbox::Entity> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(Delivery::Email.as_str()))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::Column::AvailableAt.lte(now))
}

/// Claims up to `limit` due email messages for this worker, marking them
/// `sending` for [`CLAIM_MINUTES`]; answers them as claimed. Several nodes
/// can run notifiers: the due rows are locked with `SKIP LOCKED` on
/// PostgreSQL (SQLite's single writer serialises the transaction), so a
/// message is claimed by one of them. Three statements whatever the batch
/// (a look, the locked select, one update by id), and only the look while
/// nothing is due.
pub async fn claim_due_emails(db: &Db, limit: u64) -> Result<Vec<outbox::Model>, Failure> {
    let now = Utc::now();
    if limit == 0 {
        return Ok(Vec::new());
    }
    // A look first, outside a transaction: an idle poll takes no lock.
    let waiting: Option<String> = due_emails(now)
        .select_only()
        .column(outbox::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    if waiting.is_none() {
        return Ok(Vec::new());
    }
    let txn = crate::db::begin_write(db).await?;
    let mut claimed = due_emails(now)
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if claimed.is_empty() {
        txn.rollback().await?;
        return Ok(claimed);
    }
    let until = now + Duration::minutes(CLAIM_MINUTES);
    let ids: Vec<String> = claimed.iter().map(|m| m.id.clone()).collect();
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            sea_orm::sea_query::Expr::value(OutboxStatus::Sending.as_str()),
        )
        .col_expr(
            outbox::Column::AvailableAt,
            sea_orm::sea_query::Expr::value(until),
        )
        .filter(outbox::Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    for m in &mut claimed {
        m.status = OutboxStatus::Sending.as_str().to_owned();
        m.available_at = until;
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
