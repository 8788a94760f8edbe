//! Password reset and change.
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::Violations;
use peerhub_domain::account::notice;
use peerhub_domain::account::{Email, UserStatus, check_new_password};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::json;

use super::login::{clear_throttle, reauthenticate, throttle_key};
use super::records::{find_by_email, get, memberships, user_status_of};
use super::registration::claim_notice;
use super::verification::retire_tokens;
use crate::Db;
use crate::entities::{password_reset, user};
use crate::error::Failure;
use crate::secrets::{hash_password, random_token, token_hash};
use crate::trail::{self, Audit, Ctx, Message, new_id};

fn invalid_field(field: &str, e: peerhub_domain::Invalid) -> Failure {
    let mut v = Violations::new();
    v.add(field, e);
    Failure::violations(v)
}

/// Names of the networks a person belongs to, for the password policy
/// (a password built from the network's name is refused).
async fn network_names<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<String>, Failure> {
    Ok(memberships(conn, user_id)
        .await?
        .into_iter()
        .map(|(n, _)| n.name)
        .collect())
}

/// Sets a new password, ends every session (refresh tokens revoked, access
/// tokens issued before now refused) and tells the person by email.
async fn set_password<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    u: user::Model,
    hash: String,
    action: &'static str,
    now: DateTime<Utc>,
) -> Result<user::Model, Failure> {
    let mut changed = vec!["password", "sessions_valid_after"];
    let mut am = u.clone().into_active_model();
    am.password_hash = Set(hash);
    am.sessions_valid_after = Set(Some(now));
    if user_status_of(&u)? == UserStatus::PendingVerification {
        // A reset proves the mailbox as verification does.
        am.status = Set(UserStatus::Active.as_str().to_owned());
        changed.push("status");
    }
    let u = am.update(conn).await?;
    crate::sessions::revoke_all(conn, &u.id).await?;
    retire_tokens(conn, &u.id, now).await?;
    clear_throttle(conn, &throttle_key(&u.email)).await?;
    let n = notice::password_changed();
    let msg = Message::email(
        "account.password_changed",
        "user",
        &u.id,
        &u.email,
        json!({
            "subject": n.subject,
            "body": n.body,
        }),
    );
    trail::write(
        conn,
        ctx,
        now,
        Audit::new(action, "user", &u.id).changed(changed),
        vec![msg],
    )
    .await?;
    Ok(u)
}

pub use peerhub_domain::account::notice::RESET_TTL_MINUTES;

/// Starts a password reset: when `email` belongs to an active or pending
/// account, and no notice went to it within `notice_interval`, stores a
/// single-use token (hashed) and emails it. Answers the same in every case.
pub async fn request_password_reset(
    db: &Db,
    ctx: &Ctx,
    email: &str,
    links: &crate::links::Links,
    notice_interval: Duration,
) -> Result<(), Failure> {
    let email = Email::parse(email).map_err(|e| invalid_field("email", e))?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let Some(u) = find_by_email(&txn, &email).await? else {
        return Ok(());
    };
    if !user_status_of(&u)?.may_reset_password()
        || !claim_notice(
            &txn,
            &format!("reset:{}", email.as_str()),
            now,
            notice_interval,
        )
        .await?
    {
        return Ok(());
    }
    let token = random_token("");
    password_reset::ActiveModel {
        id: Set(new_id()),
        user_id: Set(u.id.clone()),
        token_hash: Set(token_hash(&token)),
        expires_at: Set(now + Duration::minutes(RESET_TTL_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let link = links.reset_page(&token);
    let n = notice::password_reset(link.as_deref(), &links.reset_api(), &token);
    let msg = Message::email(
        "account.password_reset_requested",
        "user",
        &u.id,
        email.as_str(),
        json!({
            "subject": n.subject,
            "body": n.body,
            "token": token,
            "link": link,
        }),
    );
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("user.password_reset_requested", "user", &u.id),
        vec![msg],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Completes a reset: a live token and a new password that meets the
/// policy. Ends every session. A pending account becomes active (the
/// mailbox is proven).
pub async fn confirm_password_reset(
    db: &Db,
    ctx: &Ctx,
    token: &str,
    password: &str,
) -> Result<user::Model, Failure> {
    let invalid = || {
        Failure::invalid(
            "token",
            "invalid_token",
            "this reset token is unknown, used or expired",
        )
    };
    let hash_of = token_hash(token.trim());
    let now = Utc::now();
    let live = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(&hash_of))
        .one(db)
        .await?
        .filter(|r| r.used_at.is_none() && r.expires_at > now)
        .ok_or_else(invalid)?;
    let u = get(db, &live.user_id).await?;
    let names = network_names(db, &u.id).await?;
    check_new_password(
        password,
        Some(&u.email),
        &names.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .map_err(|e| invalid_field("password", e))?;
    let hash = hash_password(password.to_owned()).await?;
    let txn = crate::db::begin_write(db).await?;
    // Single use, even under concurrent confirmations.
    let claimed = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(now))
        .filter(password_reset::Column::Id.eq(&live.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(invalid());
    }
    let u = user::Entity::find_by_id(live.user_id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    if !user_status_of(&u)?.may_reset_password() {
        return Err(invalid());
    }
    let u = set_password(
        &txn,
        &ctx.with_actor(&u.id),
        u,
        hash,
        "user.password_reset",
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}

/// Changes one's own password, given the current one. Ends every session.
pub async fn change_password(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    current: &str,
    new: &str,
) -> Result<user::Model, Failure> {
    let u = reauthenticate(db, ctx, user_id, current).await?;
    let names = network_names(db, &u.id).await?;
    let mut v = Violations::new();
    v.check(
        "new_password",
        check_new_password(
            new,
            Some(&u.email),
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
    );
    if new == current {
        v.add(
            "new_password",
            peerhub_domain::Invalid::new("unchanged", "must differ from the current password"),
        );
    }
    v.into_result()?;
    let hash = hash_password(new.to_owned()).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("user"))?;
    let u = set_password(&txn, ctx, u, hash, "user.password_changed", now).await?;
    txn.commit().await?;
    Ok(u)
}
