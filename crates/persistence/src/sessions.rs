//! Rotating refresh tokens. Each login starts a family; each refresh
//! rotates the token; presenting an already-rotated token (a sign it was
//! stolen) revokes the whole family.
use chrono::{Duration, Utc};
use peerhub_domain::account::UserStatus;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};

use crate::Db;
use crate::entities::{refresh_token, user};
use crate::error::StoreError;
use crate::secrets::{random_token, token_hash};
use crate::trail::{self, Audit, Ctx, new_id};

fn invalid() -> StoreError {
    StoreError::unauthorized(
        "invalid-refresh-token",
        "the refresh token is unknown, expired or revoked",
    )
}

/// Starts a new family for `user_id`; returns the raw refresh token.
pub async fn start(db: &Db, user_id: &str, ttl: Duration) -> Result<String, StoreError> {
    let raw = random_token("phr_");
    let now = Utc::now();
    refresh_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        family_id: Set(new_id()),
        token_hash: Set(token_hash(&raw)),
        expires_at: Set(now + ttl),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(raw)
}

async fn revoke_family<C: sea_orm::ConnectionTrait>(
    conn: &C,
    family_id: &str,
) -> Result<(), StoreError> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Exchanges a refresh token for a new one; returns (user, new raw token).
pub async fn rotate(
    db: &Db,
    ctx: &Ctx,
    raw: &str,
    ttl: Duration,
) -> Result<(user::Model, String), StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    // Locked, so two concurrent exchanges of one token serialise: the
    // second sees it rotated and is treated as reuse.
    let t = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(raw.trim())))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    if t.rotated_at.is_some() && t.revoked_at.is_none() {
        // Reuse of a rotated token: someone else may hold the family.
        revoke_family(&txn, &t.family_id).await?;
        trail::write(
            &txn,
            &ctx.with_actor(&t.user_id),
            now,
            Audit::new("session.reuse_detected", "session", &t.family_id),
            vec![],
        )
        .await?;
        txn.commit().await?;
        return Err(invalid());
    }
    if t.revoked_at.is_some() || t.rotated_at.is_some() || t.expires_at <= now {
        return Err(invalid());
    }
    let u = user::Entity::find_by_id(t.user_id.clone())
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    if u.status != UserStatus::Active.as_str() {
        return Err(invalid());
    }
    let family = t.family_id.clone();
    let mut am = t.into_active_model();
    am.rotated_at = Set(Some(now));
    am.update(&txn).await?;
    let raw_new = random_token("phr_");
    refresh_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(u.id.clone()),
        family_id: Set(family),
        token_hash: Set(token_hash(&raw_new)),
        expires_at: Set(now + ttl),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok((u, raw_new))
}

/// Revokes the token's whole family (log out this session everywhere it
/// was refreshed). Unknown tokens are ignored, so logout is idempotent.
pub async fn logout(db: &Db, ctx: &Ctx, raw: &str) -> Result<(), StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    if let Some(t) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(raw.trim())))
        .one(&txn)
        .await?
    {
        revoke_family(&txn, &t.family_id).await?;
        trail::write(
            &txn,
            &ctx.with_actor(&t.user_id),
            now,
            Audit::new("session.logged_out", "session", &t.family_id),
            vec![],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
