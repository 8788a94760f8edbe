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
use crate::error::Failure;
use crate::secrets::{random_token, token_hash};
use crate::trail::{self, Audit, Ctx, new_id};

fn invalid() -> Failure {
    peerhub_domain::auth::AuthRefusal::InvalidRefreshToken.into()
}

/// Starts a new family for `user_id`; returns the raw refresh token.
pub async fn start(db: &Db, user_id: &str, ttl: Duration) -> Result<String, Failure> {
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
        successor_sealed: Set(None),
        grace_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(raw)
}

async fn revoke_family<C: sea_orm::ConnectionTrait>(
    conn: &C,
    family_id: &str,
) -> Result<(), Failure> {
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
///
/// Two tabs refreshing with the same token at once must not log the person
/// out: within `grace` of its rotation, a rotated token returns the same
/// successor once more (when that successor is still live). The successor
/// is stored sealed with a key derived from the rotated token itself, which
/// the database never holds. Any other reuse revokes the whole family.
pub async fn rotate(
    db: &Db,
    ctx: &Ctx,
    raw: &str,
    ttl: Duration,
    grace: Duration,
) -> Result<(user::Model, String), Failure> {
    let now = Utc::now();
    let raw = raw.trim();
    let txn = crate::db::begin_write(db).await?;
    // Locked, so two concurrent exchanges of one token serialise: the
    // second sees it rotated.
    let t = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(raw)))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    if let Some(rotated_at) = t.rotated_at
        && t.revoked_at.is_none()
    {
        if let Some(found) = grace_successor(&txn, &t, raw, rotated_at, now, grace).await? {
            let u = active_user(&txn, &t.user_id).await?;
            let mut am = t.into_active_model();
            am.grace_used_at = Set(Some(now));
            am.update(&txn).await?;
            txn.commit().await?;
            return Ok((u, found));
        }
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
    if t.revoked_at.is_some() || t.expires_at <= now {
        return Err(invalid());
    }
    let u = active_user(&txn, &t.user_id).await?;
    let family = t.family_id.clone();
    let raw_new = random_token("phr_");
    let mut am = t.into_active_model();
    am.rotated_at = Set(Some(now));
    am.successor_sealed = Set(seal(raw, &raw_new));
    am.update(&txn).await?;
    refresh_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(u.id.clone()),
        family_id: Set(family),
        token_hash: Set(token_hash(&raw_new)),
        expires_at: Set(now + ttl),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        successor_sealed: Set(None),
        grace_used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok((u, raw_new))
}

async fn active_user<C: sea_orm::ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<user::Model, Failure> {
    let u = user::Entity::find_by_id(user_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(invalid)?;
    if crate::accounts::user_status_of(&u)? != UserStatus::Active {
        return Err(invalid());
    }
    Ok(u)
}

/// The successor a rotated token may still return: only within the grace
/// window, only once, and only while the successor itself is unused.
async fn grace_successor<C: sea_orm::ConnectionTrait>(
    conn: &C,
    t: &refresh_token::Model,
    raw: &str,
    rotated_at: chrono::DateTime<Utc>,
    now: chrono::DateTime<Utc>,
    grace: Duration,
) -> Result<Option<String>, Failure> {
    if t.grace_used_at.is_some() || now - rotated_at > grace {
        return Ok(None);
    }
    let Some(successor) = t.successor_sealed.as_deref().and_then(|s| open(raw, s)) else {
        return Ok(None);
    };
    let live = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(&successor)))
        .one(conn)
        .await?
        .is_some_and(|s| s.rotated_at.is_none() && s.revoked_at.is_none() && s.expires_at > now);
    Ok(live.then_some(successor))
}

fn grace_cipher(raw: &str) -> chacha20poly1305::ChaCha20Poly1305 {
    use chacha20poly1305::KeyInit;
    use sha2::{Digest, Sha256};
    // Not the stored token hash (plain SHA-256 of the token): a different,
    // domain-separated digest, so the database alone cannot open it.
    let mut h = Sha256::new();
    h.update(b"peerhub-refresh-grace-v1\0");
    h.update(raw.as_bytes());
    chacha20poly1305::ChaCha20Poly1305::new(&h.finalize())
}

fn seal(raw: &str, successor: &str) -> Option<String> {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, AeadCore, OsRng};
    let nonce = chacha20poly1305::ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let mut out = nonce.to_vec();
    out.extend(
        grace_cipher(raw)
            .encrypt(&nonce, successor.as_bytes())
            .ok()?,
    );
    Some(base64::engine::general_purpose::STANDARD.encode(out))
}

fn open(raw: &str, sealed: &str) -> Option<String> {
    use base64::Engine;
    use chacha20poly1305::aead::Aead;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, body) = bytes.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    let plain = grace_cipher(raw).decrypt(&nonce.into(), body).ok()?;
    String::from_utf8(plain).ok()
}

/// Revokes the token's whole family (log out this session everywhere it
/// was refreshed). Unknown tokens are ignored, so logout is idempotent.
pub async fn logout(db: &Db, ctx: &Ctx, raw: &str) -> Result<(), Failure> {
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

/// Revokes every live refresh token of `user_id` (every session on every
/// device). Used by logout-all, password change and reset, and when an
/// account is disabled or removed. Callers that also need access tokens to
/// stop at once set the user's `sessions_valid_after` (the auth extractor
/// refuses tokens issued before it) or change the account's status.
pub async fn revoke_all<C: sea_orm::ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<u64, Failure> {
    let r = refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_successor_opens_only_with_the_rotated_token() {
        let raw = random_token("phr_");
        let next = random_token("phr_");
        let sealed = seal(&raw, &next).unwrap();
        assert_eq!(open(&raw, &sealed).as_deref(), Some(next.as_str()));
        assert_eq!(open(&random_token("phr_"), &sealed), None);
        // the stored hash of the rotated token is no key
        assert_eq!(open(&token_hash(&raw), &sealed), None);
        assert_eq!(open(&raw, "not base64!"), None);
        assert_eq!(open(&raw, "AAAA"), None);
    }
}
