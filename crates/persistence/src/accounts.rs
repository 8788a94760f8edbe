//! Accounts: admin bootstrap, self-registration, verification, login with
//! throttling, profile.
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::Violations;
use peerhub_domain::account::{
    Email, NetworkRole, UserStatus, check_new_password, check_password, domain_allowed,
    parse_display_name,
};
use peerhub_domain::lockout::Reservation;
use peerhub_domain::profile::{ProfilePatch, SensitiveAttributes};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use serde_json::json;

use crate::Db;
use crate::entities::{
    email_verification, login_throttle, network, network_member, notice_throttle, password_reset,
    user,
};
use crate::error::{StoreError, is_unique_violation};
use crate::secrets::{hash_password, random_token, token_hash, verify_password};
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// How long an email verification link stays valid.
pub const VERIFICATION_TTL_HOURS: i64 = 48;
pub use peerhub_domain::lockout::{LOCKOUT_MINUTES, MAX_FAILED_LOGINS, THROTTLE_WINDOW_MINUTES};

pub(crate) fn list_to_json(l: &[String]) -> String {
    serde_json::to_string(l).unwrap_or_else(|_| "[]".into())
}

/// A stored JSON list of strings; one that does not decode is an error.
pub fn json_to_list(s: &str) -> Result<Vec<String>, StoreError> {
    crate::stored::decode_json("list column", s)
}

pub fn sensitive_of(u: &user::Model) -> Option<SensitiveAttributes> {
    u.sensitive
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
}

/// A new user row (not yet inserted).
pub(crate) fn new_user(
    email: &Email,
    password_hash: String,
    display_name: String,
    status: UserStatus,
    now: DateTime<Utc>,
) -> user::ActiveModel {
    user::ActiveModel {
        id: Set(new_id()),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash),
        display_name: Set(display_name),
        status: Set(status.as_str().to_owned()),
        is_platform_admin: Set(false),
        job_title: Set(None),
        organisation: Set(None),
        region: Set(None),
        profession: Set(None),
        level: Set(None),
        registers: Set("[]".into()),
        specialties: Set("[]".into()),
        interests: Set("[]".into()),
        sensitive: Set(None),
        team: Set(None),
        line_manager_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        sessions_valid_after: Set(None),
    }
}

pub(crate) fn new_membership(
    network_id: &str,
    user_id: &str,
    role: NetworkRole,
    now: DateTime<Utc>,
) -> network_member::ActiveModel {
    network_member::ActiveModel {
        id: Set(new_id()),
        network_id: Set(network_id.to_owned()),
        user_id: Set(user_id.to_owned()),
        role: Set(role.as_str().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

pub async fn find_by_email<C: ConnectionTrait>(
    conn: &C,
    email: &Email,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(conn)
        .await?)
}

pub async fn get(db: &Db, user_id: &str) -> Result<user::Model, StoreError> {
    user::Entity::find_by_id(user_id.to_owned())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("user"))
}

/// Creates an active platform admin (for scripted setup). Fails with a
/// conflict if the email is taken.
pub async fn create_admin(
    db: &Db,
    email: &str,
    password: &str,
    display_name: &str,
) -> Result<user::Model, StoreError> {
    let mut v = Violations::new();
    let email = v.check("email", Email::parse(email));
    let display_name = v.check("display_name", parse_display_name(display_name));
    v.check(
        "password",
        check_password(password, email.as_ref().map(|e| e.as_str())),
    );
    v.into_result()?;
    let (Some(email), Some(display_name)) = (email, display_name) else {
        return Err(StoreError::Internal("validated values missing".into()));
    };
    let hash = hash_password(password.to_owned()).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    if find_by_email(&txn, &email).await?.is_some() {
        return Err(StoreError::conflict(
            "email-taken",
            "an account with this email already exists",
        ));
    }
    let mut am = new_user(&email, hash, display_name, UserStatus::Active, now);
    am.is_platform_admin = Set(true);
    let u = am.insert(&txn).await?;
    trail::write(
        &txn,
        &Ctx::system(),
        now,
        Audit::new("user.admin_created", "user", &u.id),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}

pub struct Registration {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub network_id: String,
}

/// What registration did. The HTTP answer is the same either way so that
/// registration cannot be used to find out who has an account.
#[derive(Debug)]
pub enum Registered {
    Created {
        user_id: String,
    },
    AlreadyRegistered,
    /// An email to this address went out less than the notice interval
    /// ago, so nothing was sent and nothing changed.
    NoticeThrottled,
}

/// Self-registration for a network's allowed email domains. Sends a
/// verification notice (or, if the email already has an account, a notice
/// telling its owner so) through the outbox, at most one per address per
/// `notice_interval`.
///
/// Proving the mailbox is what sets the password: each verification token
/// carries the password hash and display name of the registration that
/// asked for it, and verifying applies exactly those. Registering a pending
/// address again never touches the stored account, so whoever registered
/// first cannot choose the password of the person who owns the mailbox (see
/// docs/decisions.md, "Proving the mailbox sets the password").
pub async fn register(
    db: &Db,
    ctx: &Ctx,
    r: Registration,
    links: &crate::links::Links,
    notice_interval: Duration,
) -> Result<Registered, StoreError> {
    let mut v = Violations::new();
    let email = v.check("email", Email::parse(&r.email));
    let display_name = v.check("display_name", parse_display_name(&r.display_name));
    if uuid::Uuid::parse_str(&r.network_id).is_err() {
        v.add(
            "network_id",
            peerhub_domain::Invalid::new("invalid_uuid", "must be a UUID"),
        );
    }
    let net = match uuid::Uuid::parse_str(&r.network_id) {
        Ok(_) => {
            network::Entity::find_by_id(r.network_id.clone())
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    v.check(
        "password",
        check_new_password(
            &r.password,
            email.as_ref().map(|e| e.as_str()),
            &net.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        ),
    );
    v.into_result()?;
    let (Some(email), Some(display_name)) = (email, display_name) else {
        return Err(StoreError::Internal("validated values missing".into()));
    };
    let net = net.ok_or_else(|| {
        StoreError::invalid("network_id", "unknown_network", "no network has this id")
    })?;
    let allowed = json_to_list(&net.allowed_email_domains)?;
    if !domain_allowed(&email, &allowed) {
        return Err(StoreError::forbidden(
            "invitation-required",
            "this network accepts self-registration only from its allowed email domains; ask a network manager for an invitation",
        ));
    }
    // Hash before looking the email up, so both paths take as long.
    let hash = hash_password(r.password).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let notice_key = format!("register:{}", email.as_str());
    if let Some(existing) = find_by_email(&txn, &email).await? {
        if !claim_notice(&txn, &notice_key, now, notice_interval).await? {
            return Ok(Registered::NoticeThrottled);
        }
        if existing.status == UserStatus::PendingVerification.as_str() {
            // Registering again before verifying sends a fresh token that
            // carries this registration's password (the way to recover
            // from a lost or expired token). The account row is not
            // touched: only proving the mailbox applies a password.
            let member = network_member::Entity::find()
                .filter(network_member::Column::NetworkId.eq(&net.id))
                .filter(network_member::Column::UserId.eq(&existing.id))
                .one(&txn)
                .await?;
            if member.is_none() {
                new_membership(&net.id, &existing.id, NetworkRole::Member, now)
                    .insert(&txn)
                    .await?;
            }
            let msg = verification_email(
                &txn,
                &existing.id,
                &email,
                &net,
                links,
                now,
                Some((hash, display_name)),
            )
            .await?;
            trail::write(
                &txn,
                ctx,
                now,
                Audit::new("user.verification_resent", "user", &existing.id).network(&net.id),
                vec![msg],
            )
            .await?;
            txn.commit().await?;
            return Ok(Registered::AlreadyRegistered);
        }
        let msg = Message::email(
            "account.registration_attempted",
            "user",
            &existing.id,
            email.as_str(),
            json!({
                "subject": "Someone tried to register with your email",
                "body": format!("Someone tried to register a PeerHub account for {} with this address, which already has an account. If it was you, log in instead; if you have forgotten your password, ask for a reset. If it was not you, you can ignore this message.", net.name),
            }),
        )
        .network(&net.id);
        trail::write(
            &txn,
            ctx,
            now,
            Audit::new("user.registration_repeated", "user", &existing.id).network(&net.id),
            vec![msg],
        )
        .await?;
        txn.commit().await?;
        return Ok(Registered::AlreadyRegistered);
    }
    let u = match new_user(
        &email,
        hash.clone(),
        display_name.clone(),
        UserStatus::PendingVerification,
        now,
    )
    .insert(&txn)
    .await
    {
        Ok(u) => u,
        Err(e) if is_unique_violation(&e) => return Ok(Registered::AlreadyRegistered),
        Err(e) => return Err(e.into()),
    };
    claim_notice(&txn, &notice_key, now, notice_interval).await?;
    new_membership(&net.id, &u.id, NetworkRole::Member, now)
        .insert(&txn)
        .await?;
    let msg = verification_email(
        &txn,
        &u.id,
        &email,
        &net,
        links,
        now,
        Some((hash, display_name)),
    )
    .await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("user.registered", "user", &u.id)
            .network(&net.id)
            .changed(vec!["email", "display_name", "password"]),
        vec![msg],
    )
    .await?;
    txn.commit().await?;
    Ok(Registered::Created { user_id: u.id })
}

/// Claims the right to send one notice for `key` (purpose and address):
/// true at most once per `interval`, atomically across nodes (an insert,
/// else a conditional update of the last sending time).
pub(crate) async fn claim_notice<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    now: DateTime<Utc>,
    interval: Duration,
) -> Result<bool, StoreError> {
    let inserted = notice_throttle::Entity::insert(notice_throttle::ActiveModel {
        key: Set(key.to_owned()),
        sent_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(notice_throttle::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if inserted == 1 {
        return Ok(true);
    }
    let updated = notice_throttle::Entity::update_many()
        .col_expr(notice_throttle::Column::SentAt, Expr::value(now))
        .filter(notice_throttle::Column::Key.eq(key))
        .filter(notice_throttle::Column::SentAt.lte(now - interval))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Stores a new verification token for `user_id` (carrying the password
/// hash and display name of the registration it answers) and returns the
/// email that carries it.
async fn verification_email<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    email: &Email,
    net: &network::Model,
    links: &crate::links::Links,
    now: DateTime<Utc>,
    chosen: Option<(String, String)>,
) -> Result<Message, StoreError> {
    let token = random_token("");
    let (password_hash, display_name) = chosen.unzip();
    email_verification::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        token_hash: Set(token_hash(&token)),
        expires_at: Set(now + Duration::hours(VERIFICATION_TTL_HOURS)),
        used_at: Set(None),
        created_at: Set(now),
        password_hash: Set(password_hash),
        display_name: Set(display_name),
    }
    .insert(conn)
    .await?;
    let link = links.verify_page(&token);
    let how = match &link {
        Some(l) => format!("by opening {l}"),
        None => format!("by sending this token to POST {}", links.verify_api()),
    };
    Ok(Message::email(
        "account.verification_requested",
        "user",
        user_id,
        email.as_str(),
        json!({
            "subject": "Verify your PeerHub email address",
            "body": format!("Welcome to {}. Confirm your email address {how}: {token}. It expires in {VERIFICATION_TTL_HOURS} hours. Confirming sets the password chosen when this registration was made. If you did not ask to register, ignore this email: nothing happens unless the token is used.", net.name),
            "token": token,
            "link": link,
        }),
    )
    .network(&net.id))
}

/// Marks every unused verification and reset token of `user_id` used.
async fn retire_tokens<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
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
pub async fn verify_email(db: &Db, ctx: &Ctx, token: &str) -> Result<user::Model, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let invalid = || {
        StoreError::invalid(
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
    if u.status == UserStatus::PendingVerification.as_str() {
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
        am.version = Set(u.version + 1);
        am.updated_at = Set(now);
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
) -> Result<user::Model, StoreError> {
    let key = throttle_key(email);
    let bad = || StoreError::unauthorized("invalid-credentials", "email or password is incorrect");
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
    if u.status == UserStatus::PendingVerification.as_str() {
        return Err(StoreError::forbidden(
            "email-not-verified",
            "verify your email address before logging in",
        ));
    }
    if u.status != UserStatus::Active.as_str() {
        return Err(StoreError::forbidden(
            "account-disabled",
            "this account is disabled",
        ));
    }
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
) -> Result<bool, StoreError> {
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
) -> Result<(), StoreError> {
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
async fn reserve_attempt(db: &Db, key: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
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
        .ok_or_else(|| StoreError::Internal("throttle row vanished".into()))?;
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
            Err(StoreError::Throttled {
                retry_after_secs: std::cmp::max((until - now).num_seconds(), 1) as u64,
            })
        }
    };
    am.update(&txn).await?;
    txn.commit().await?;
    out
}

/// Gives a reserved attempt back when its password could not be checked
/// (the hashing bound was full), so a busy server does not lock people out.
async fn release_attempt(db: &Db, key: &str) -> Result<(), StoreError> {
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

pub(crate) async fn clear_throttle<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<(), StoreError> {
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
) -> Result<user::Model, StoreError> {
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

fn invalid_field(field: &str, e: peerhub_domain::Invalid) -> StoreError {
    let mut v = Violations::new();
    v.add(field, e);
    StoreError::Invalid(v)
}

fn reauth_failed() -> StoreError {
    StoreError::forbidden(
        "reauthentication-failed",
        "the current password is incorrect",
    )
}

/// Names of the networks a person belongs to, for the password policy
/// (a password built from the network's name is refused).
async fn network_names<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<String>, StoreError> {
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
) -> Result<user::Model, StoreError> {
    let mut changed = vec!["password", "sessions_valid_after"];
    let mut am = u.clone().into_active_model();
    am.password_hash = Set(hash);
    am.sessions_valid_after = Set(Some(now));
    if u.status == UserStatus::PendingVerification.as_str() {
        // A reset proves the mailbox as verification does.
        am.status = Set(UserStatus::Active.as_str().to_owned());
        changed.push("status");
    }
    am.version = Set(u.version + 1);
    am.updated_at = Set(now);
    let u = am.update(conn).await?;
    crate::sessions::revoke_all(conn, &u.id).await?;
    retire_tokens(conn, &u.id, now).await?;
    clear_throttle(conn, &throttle_key(&u.email)).await?;
    let msg = Message::email(
        "account.password_changed",
        "user",
        &u.id,
        &u.email,
        json!({
            "subject": "Your PeerHub password was changed",
            "body": "The password of your PeerHub account was changed and every session was ended. If this was not you, ask for a password reset at once and tell a manager of your network.",
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

/// How long a password-reset token stays valid.
pub const RESET_TTL_MINUTES: i64 = 30;

/// Starts a password reset: when `email` belongs to an active or pending
/// account, and no notice went to it within `notice_interval`, stores a
/// single-use token (hashed) and emails it. Answers the same in every case.
pub async fn request_password_reset(
    db: &Db,
    ctx: &Ctx,
    email: &str,
    links: &crate::links::Links,
    notice_interval: Duration,
) -> Result<(), StoreError> {
    let email = Email::parse(email).map_err(|e| invalid_field("email", e))?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let Some(u) = find_by_email(&txn, &email).await? else {
        return Ok(());
    };
    let can = [UserStatus::Active, UserStatus::PendingVerification]
        .iter()
        .any(|s| s.as_str() == u.status);
    if !can
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
    let how = match &link {
        Some(l) => format!("open {l}"),
        None => format!(
            "send this token with your new password to POST {}",
            links.reset_api()
        ),
    };
    let msg = Message::email(
        "account.password_reset_requested",
        "user",
        &u.id,
        email.as_str(),
        json!({
            "subject": "Reset your PeerHub password",
            "body": format!("Someone asked to reset the password of your PeerHub account. To choose a new one, {how}: {token}. It works once and expires in {RESET_TTL_MINUTES} minutes; using it ends every session. If it was not you, ignore this email: your password stays as it is."),
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
) -> Result<user::Model, StoreError> {
    let invalid = || {
        StoreError::invalid(
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
    let disabled = ![UserStatus::Active, UserStatus::PendingVerification]
        .iter()
        .any(|s| s.as_str() == u.status);
    if disabled {
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
) -> Result<user::Model, StoreError> {
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
        .ok_or(StoreError::NotFound("user"))?;
    let u = set_password(&txn, ctx, u, hash, "user.password_changed", now).await?;
    txn.commit().await?;
    Ok(u)
}

/// Ends every session of `user_id`: refresh tokens revoked, access tokens
/// issued before now refused. API tokens are separate credentials and stay.
pub async fn logout_all(db: &Db, ctx: &Ctx, user_id: &str) -> Result<u64, StoreError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
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

/// A user's network memberships: (network, role). A stored role that does
/// not decode is an error.
pub async fn memberships<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<(network::Model, NetworkRole)>, StoreError> {
    let rows = network_member::Entity::find()
        .filter(network_member::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    let ids: Vec<String> = rows.iter().map(|m| m.network_id.clone()).collect();
    let nets = network::Entity::find()
        .filter(network::Column::Id.is_in(ids))
        .order_by_asc(network::Column::Id)
        .all(conn)
        .await?;
    nets.into_iter()
        .filter_map(|n| {
            let m = rows.iter().find(|m| m.network_id == n.id)?;
            Some(
                crate::stored::decode::<NetworkRole>("network_member.role", &m.role)
                    .map(|role| (n, role)),
            )
        })
        .collect()
}

/// Applies a profile update to the caller's own account.
pub async fn update_profile(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    patch: ProfilePatch,
    if_match: Option<i32>,
) -> Result<user::Model, StoreError> {
    let patch = patch.validate()?;
    let changed = patch.field_names();
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    StoreError::check_version(if_match, u.version)?;
    if changed.is_empty() {
        return Ok(u);
    }
    let version = u.version;
    let mut am = u.into_active_model();
    if let Some(x) = patch.display_name {
        am.display_name = Set(x);
    }
    if let Some(x) = patch.job_title {
        am.job_title = Set(x);
    }
    if let Some(x) = patch.organisation {
        am.organisation = Set(x);
    }
    if let Some(x) = patch.region {
        am.region = Set(x);
    }
    if let Some(x) = patch.profession {
        am.profession = Set(x);
    }
    if let Some(x) = patch.level {
        am.level = Set(x);
    }
    if let Some(x) = patch.registers {
        am.registers = Set(list_to_json(&x));
    }
    if let Some(x) = patch.specialties {
        am.specialties = Set(list_to_json(&x));
    }
    if let Some(x) = patch.interests {
        am.interests = Set(list_to_json(&x));
    }
    if let Some(Some(m)) = &patch.line_manager_id {
        if m == user_id {
            return Err(StoreError::invalid(
                "line_manager_id",
                "self",
                "cannot be yourself",
            ));
        }
        if user::Entity::find_by_id(m.clone())
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(StoreError::invalid(
                "line_manager_id",
                "unknown_user",
                "is not a PeerHub user",
            ));
        }
    }
    if let Some(x) = patch.team {
        am.team = Set(x);
    }
    if let Some(x) = patch.line_manager_id {
        am.line_manager_id = Set(x);
    }
    if let Some(x) = patch.sensitive {
        am.sensitive = Set(x.map(|s| serde_json::to_string(&s).unwrap_or_else(|_| "{}".into())));
    }
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    let u = am.update(&txn).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("user.profile_updated", "user", &u.id).changed(changed),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}

/// Finds a person by email among the members of a network (the caller's
/// access to the network is checked by the caller).
pub async fn find_in_network(
    db: &Db,
    network_id: &str,
    email: &Email,
) -> Result<Option<(user::Model, network_member::Model)>, StoreError> {
    let Some(u) = find_by_email(db, email).await? else {
        return Ok(None);
    };
    let m = network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::UserId.eq(&u.id))
        .one(db)
        .await?;
    Ok(m.map(|m| (u, m)))
}
