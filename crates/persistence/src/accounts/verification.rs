//! Proving the mailbox: verifying an email address with its token.
use chrono::{DateTime, Utc};
use peerhub_domain::account::UserStatus;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, sea_query::Expr,
};

use super::records::user_status_of;
use crate::Db;
use crate::entities::{email_verification, password_reset, user};
use crate::error::Failure;
use crate::secrets::token_hash;
use crate::trail::{self, Audit, Ctx};

/// Marks every unused verification and reset token of `user_id` used.
pub(super) async fn retire_tokens<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    email_verification::Entity::update_many()
        .col_expr(email_verification::Column::UsedAt, Expr::value(now))
        .filter(email_verification::Column::UserId.eq(user_id))
        .filter(email_verification::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(now))
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Confirms an email address with the token from the verification notice.
/// A pending account becomes active with the password and display name of
/// the registration that token answers; every other outstanding token of
/// the account stops working.
pub async fn verify_email(db: &Db, ctx: &Ctx, token: &str) -> Result<user::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let invalid = || {
        Failure::invalid(
            "token",
            "invalid_token",
            "this verification token is unknown, used or expired",
        )
    };
    let ver = email_verification::Entity::find()
        .filter(email_verification::Column::TokenHash.eq(token_hash(token.trim())))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    if ver.used_at.is_some() || ver.expires_at <= now {
        return Err(invalid());
    }
    let u = user::Entity::find_by_id(ver.user_id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    retire_tokens(&txn, &u.id, now).await?;
    let mut changed = vec![];
    let mut am = u.clone().into_active_model();
    if user_status_of(&u)? == UserStatus::PendingVerification {
        am.status = Set(UserStatus::Active.as_str().to_owned());
        changed.push("status");
        if let Some(h) = ver.password_hash {
            am.password_hash = Set(h);
            changed.push("password");
        }
        if let Some(n) = ver.display_name {
            am.display_name = Set(n);
            changed.push("display_name");
        }
    }
    let u = am.update(&txn).await?;
    trail::write(
        &txn,
        &ctx.with_actor(&u.id),
        now,
        Audit::new("user.email_verified", "user", &u.id).changed(changed),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}
