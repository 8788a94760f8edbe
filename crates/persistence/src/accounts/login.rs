//! Login with throttling and lockout, re-authentication, and ending
//! every session.
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::account::Email;
use peerhub_domain::auth::{self, AuthRefusal};
use peerhub_domain::lockout::Reservation;
use peerhub_domain::lockout::{LOCKOUT_MINUTES, MAX_FAILED_LOGINS};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::records::{find_by_email, get};
use crate::Db;
use crate::entities::{login_throttle, user};
use crate::error::Failure;
use crate::secrets::verify_password;
use crate::trail::{self, Audit, Ctx};

/// The lockout key of an address as typed: its normalised form when it
/// parses, so `Sam@NHS.net` and its full-width spelling share one counter.
pub fn throttle_key(email: &str) -> String {
    match Email::parse(email) {
        Ok(e) => e.as_str().to_owned(),
        Err(_) => email.trim().to_lowercase(),
    }
}

/// Checks credentials, throttling repeated failures per email address.
/// Unknown email and wrong password give the same error.
pub async fn login(
    db: &Db,
    ctx: &Ctx,
    email: &str,
    password: &str,
) -> Result<user::Model, Failure> {
    let key = throttle_key(email);
    let bad = || Failure::from(AuthRefusal::InvalidCredentials);
    if key.is_empty() || key.len() > Email::MAX_LEN || password.is_empty() || password.len() > 1024
    {
        return Err(bad());
    }
    let user = match Email::parse(&key) {
        Ok(e) => find_by_email(db, &e).await?,
        Err(_) => None,
    };
    if !checked_password(db, ctx, &key, user.as_ref(), password).await? {
        return Err(bad());
    }
    let Some(u) = user else {
        return Err(bad());
    };
    auth::may_log_in(crate::stored::decode("user.status", &u.status)?)?;
    Ok(u)
}

/// Verifies `password` for the account behind lockout `key` (`None`: no
/// such account, checked against a dummy hash all the same).
///
/// The attempt is reserved before the password is checked: one locked
/// read-modify-write counts it against the address, and refuses it (429)
/// when the address is locked or its attempts in the window are used up.
/// So however many requests arrive at once, on however many nodes, at most
/// [`MAX_FAILED_LOGINS`] passwords are ever checked per window. A correct
/// password clears the count; a wrong one keeps it, locks the address when
/// it reaches the limit, and is audited with the client address and no
/// actor.
pub(crate) async fn checked_password(
    db: &Db,
    ctx: &Ctx,
    key: &str,
    user: Option<&user::Model>,
    password: &str,
) -> Result<bool, Failure> {
    let now = Utc::now();
    reserve_attempt(db, key, now).await?;
    let ok = match verify_password(password.to_owned(), user.map(|u| u.password_hash.clone())).await
    {
        Ok(ok) => ok && user.is_some(),
        Err(e) => {
            release_attempt(db, key).await?;
            return Err(e);
        }
    };
    if ok {
        clear_throttle(db, key).await?;
    } else {
        password_failed(db, ctx, key, user, now).await?;
    }
    Ok(ok)
}

/// Locks the address once its reserved attempts reach the limit, and
/// audits the failure (with the client address, never the account holder
/// as actor).
async fn password_failed(
    db: &Db,
    ctx: &Ctx,
    key: &str,
    user: Option<&user::Model>,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let txn = crate::db::begin_write(db).await?;
    login_throttle::Entity::update_many()
        .col_expr(
            login_throttle::Column::LockedUntil,
            Expr::value(now + Duration::minutes(LOCKOUT_MINUTES)),
        )
        .filter(login_throttle::Column::Key.eq(key))
        .filter(login_throttle::Column::Failures.gte(MAX_FAILED_LOGINS))
        .filter(
            login_throttle::Column::LockedUntil
                .is_null()
                .or(login_throttle::Column::LockedUntil.lte(now)),
        )
        .exec(&txn)
        .await?;
    if let Some(u) = user {
        let anonymous = Ctx {
            actor_id: None,
            ..ctx.clone()
        };
        trail::write(
            &txn,
            &anonymous,
            now,
            Audit::new("user.login_failed", "user", &u.id),
            vec![],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Counts one attempt against `key` before its password is checked, or
/// refuses it (see [`checked_password`]).
async fn reserve_attempt(db: &Db, key: &str, now: DateTime<Utc>) -> Result<(), Failure> {
    let txn = crate::db::begin_write(db).await?;
    // Make sure the row exists, then lock it, so concurrent attempts
    // serialise (PostgreSQL row lock; SQLite's single writer).
    login_throttle::Entity::insert(login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
    })
    .on_conflict(
        OnConflict::column(login_throttle::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let t = login_throttle::Entity::find_by_id(key.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| Failure::internal("throttle row vanished"))?;
    let decision = peerhub_domain::lockout::reserve(
        peerhub_domain::lockout::Counter {
            failures: t.failures,
            window_started_at: t.window_started_at,
            locked_until: t.locked_until,
        },
        now,
    );
    let mut am = t.into_active_model();
    let out = match decision {
        Reservation::Go(c) => {
            am.failures = Set(c.failures);
            am.window_started_at = Set(c.window_started_at);
            am.locked_until = Set(c.locked_until);
            Ok(())
        }
        Reservation::Refuse { counter: c, until } => {
            am.failures = Set(c.failures);
            am.window_started_at = Set(c.window_started_at);
            am.locked_until = Set(c.locked_until);
            Err(Failure::Refused(peerhub_domain::Refusal::Throttled {
                retry_after_secs: std::cmp::max((until - now).num_seconds(), 1) as u64,
            }))
        }
    };
    am.update(&txn).await?;
    txn.commit().await?;
    out
}

/// Gives a reserved attempt back when its password could not be checked
/// (the hashing bound was full), so a busy server does not lock people out.
async fn release_attempt(db: &Db, key: &str) -> Result<(), Failure> {
    login_throttle::Entity::update_many()
        .col_expr(
            login_throttle::Column::Failures,
            Expr::col(login_throttle::Column::Failures).sub(1),
        )
        .filter(login_throttle::Column::Key.eq(key))
        .filter(login_throttle::Column::Failures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

pub(crate) async fn clear_throttle<C: ConnectionTrait>(conn: &C, key: &str) -> Result<(), Failure> {
    login_throttle::Entity::delete_by_id(key.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}

/// Re-authentication for sensitive changes to one's own account (password
/// change, erasure, new API tokens): the current password, under the same
/// lockout as login. Wrong: 403 `reauthentication-failed`.
pub async fn reauthenticate(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    password: &str,
) -> Result<user::Model, Failure> {
    let u = get(db, user_id).await?;
    if password.is_empty() || password.len() > 1024 {
        return Err(reauth_failed());
    }
    let key = throttle_key(&u.email);
    if !checked_password(db, ctx, &key, Some(&u), password).await? {
        return Err(reauth_failed());
    }
    Ok(u)
}

fn reauth_failed() -> Failure {
    AuthRefusal::ReauthenticationFailed.into()
}

/// Ends every session of `user_id`: refresh tokens revoked, access tokens
/// issued before now refused. API tokens are separate credentials and stay.
pub async fn logout_all(db: &Db, ctx: &Ctx, user_id: &str) -> Result<u64, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Failure::not_found("user"))?;
    let mut am = u.into_active_model();
    am.sessions_valid_after = Set(Some(now));
    am.update(&txn).await?;
    let n = crate::sessions::revoke_all(&txn, user_id).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("session.logged_out_everywhere", "user", user_id)
            .changed(vec!["sessions_valid_after"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}
