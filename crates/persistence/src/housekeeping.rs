//! Periodic removal of rows that have expired and serve no one: idempotency
//! keys past their lifetime, stale login throttles, spent or expired
//! verification tokens, and refresh tokens that can no longer be used. It
//! also lapses community place offers past their expiry and offers those
//! places to the next people waiting, and expires match proposals nobody
//! answered in time, and applies each network's retention settings
//! (private notes, closed matches, audit entries: [`crate::retention`])
//! and the operator's retention of delivered outbox messages and webhook
//! deliveries ([`crate::delivered_retention`]).
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter};

use crate::Db;
use crate::entities::{email_verification, login_throttle, refresh_token};
use crate::error::Failure;

/// Keep spent refresh tokens this long after expiry or revocation, so reuse
/// of a recently rotated token is still recognised.
pub const REFRESH_TOKEN_GRACE_DAYS: i64 = 7;

/// Runs every clean-up; returns how many rows were removed (or, for place
/// offers, lapsed). `delivered_days` is the operator's retention of
/// delivered messages ([`crate::delivered_retention`]).
pub async fn run(db: &Db, delivered_days: i32) -> Result<u64, Failure> {
    let now = Utc::now();
    let mut n = crate::idempotency::purge_expired(db).await?;
    n += crate::applications::lapse_expired_offers(db).await?;
    n += crate::matching::expire_all(db).await?;
    n += login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::WindowStartedAt.lt(now - Duration::days(1)))
        .filter(
            login_throttle::Column::LockedUntil
                .is_null()
                .or(login_throttle::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected;
    n += email_verification::Entity::delete_many()
        .filter(email_verification::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected;
    let cutoff = now - Duration::days(REFRESH_TOKEN_GRACE_DAYS);
    n += refresh_token::Entity::delete_many()
        .filter(
            refresh_token::Column::ExpiresAt
                .lt(cutoff)
                .or(refresh_token::Column::RevokedAt.lt(cutoff)),
        )
        .exec(db)
        .await?
        .rows_affected;
    n += crate::retention::apply(db, now).await?;
    n += crate::delivered_retention::purge(db, delivered_days, now).await?;
    Ok(n)
}
