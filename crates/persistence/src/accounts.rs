//! Accounts: admin bootstrap, self-registration, verification, login with
//! throttling, profile.
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::Violations;
use peerhub_domain::account::{
    Email, NetworkRole, UserStatus, check_password, domain_allowed, parse_display_name,
};
use peerhub_domain::profile::{ProfilePatch, SensitiveAttributes};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, sea_query::OnConflict,
};
use serde_json::json;

use crate::Db;
use crate::entities::{email_verification, login_throttle, network, network_member, user};
use crate::error::{StoreError, is_unique_violation};
use crate::secrets::{hash_password, random_token, token_hash, verify_password};
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// How long an email verification link stays valid.
pub const VERIFICATION_TTL_HOURS: i64 = 48;
/// Failed logins allowed per account within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// How long an account is locked after too many failures.
pub const LOCKOUT_MINUTES: i64 = 15;

pub(crate) fn list_to_json(l: &[String]) -> String {
    serde_json::to_string(l).unwrap_or_else(|_| "[]".into())
}

pub fn json_to_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
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
    Created { user_id: String },
    AlreadyRegistered,
}

/// Self-registration for a network's allowed email domains. Sends a
/// verification notice (or, if the email already has an account, a notice
/// telling its owner so) through the outbox.
pub async fn register(
    db: &Db,
    ctx: &Ctx,
    r: Registration,
    links: &crate::links::Links,
) -> Result<Registered, StoreError> {
    let mut v = Violations::new();
    let email = v.check("email", Email::parse(&r.email));
    let display_name = v.check("display_name", parse_display_name(&r.display_name));
    v.check(
        "password",
        check_password(&r.password, email.as_ref().map(|e| e.as_str())),
    );
    if uuid::Uuid::parse_str(&r.network_id).is_err() {
        v.add(
            "network_id",
            peerhub_domain::Invalid::new("invalid_uuid", "must be a UUID"),
        );
    }
    v.into_result()?;
    let (Some(email), Some(display_name)) = (email, display_name) else {
        return Err(StoreError::Internal("validated values missing".into()));
    };
    let net = network::Entity::find_by_id(r.network_id.clone())
        .one(db)
        .await?
        .ok_or_else(|| {
            StoreError::invalid("network_id", "unknown_network", "no network has this id")
        })?;
    let allowed = json_to_list(&net.allowed_email_domains);
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
    if let Some(existing) = find_by_email(&txn, &email).await? {
        if existing.status == UserStatus::PendingVerification.as_str() {
            // Registering again before verifying sends a fresh token (the
            // way to recover from a lost or expired one).
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
            let msg = verification_email(&txn, &existing.id, &email, &net, links, now).await?;
            trail::write(
                &txn,
                &ctx.with_actor(&existing.id),
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
                "body": format!("Someone tried to register a PeerHub account for {} with this address, which already has an account. If it was you, log in instead; if you cannot, ask a manager of the network for help. If it was not you, you can ignore this message.", net.name),
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
        hash,
        display_name,
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
    new_membership(&net.id, &u.id, NetworkRole::Member, now)
        .insert(&txn)
        .await?;
    let ctx = ctx.with_actor(&u.id);
    let msg = verification_email(&txn, &u.id, &email, &net, links, now).await?;
    trail::write(
        &txn,
        &ctx,
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

/// Stores a new verification token for `user_id` and returns the email
/// that carries it.
async fn verification_email<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    email: &Email,
    net: &network::Model,
    links: &crate::links::Links,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    let token = random_token("");
    email_verification::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        token_hash: Set(token_hash(&token)),
        expires_at: Set(now + Duration::hours(VERIFICATION_TTL_HOURS)),
        used_at: Set(None),
        created_at: Set(now),
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
            "body": format!("Welcome to {}. Confirm your email address {how}: {token}. It expires in {VERIFICATION_TTL_HOURS} hours.", net.name),
            "token": token,
            "link": link,
        }),
    )
    .network(&net.id))
}

/// Confirms an email address with the token from the verification notice.
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
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    let mut vam = ver.into_active_model();
    vam.used_at = Set(Some(now));
    vam.update(&txn).await?;
    let mut am = u.clone().into_active_model();
    if u.status == UserStatus::PendingVerification.as_str() {
        am.status = Set(UserStatus::Active.as_str().to_owned());
        am.version = Set(u.version + 1);
        am.updated_at = Set(now);
    }
    let u = am.update(&txn).await?;
    trail::write(
        &txn,
        &ctx.with_actor(&u.id),
        now,
        Audit::new("user.email_verified", "user", &u.id).changed(vec!["status"]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}

/// Checks credentials, throttling repeated failures per email address.
/// Unknown email and wrong password give the same error.
pub async fn login(
    db: &Db,
    ctx: &Ctx,
    email: &str,
    password: &str,
) -> Result<user::Model, StoreError> {
    let now = Utc::now();
    let key = email.trim().to_lowercase();
    let bad = || StoreError::unauthorized("invalid-credentials", "email or password is incorrect");
    if key.is_empty() || key.len() > Email::MAX_LEN || password.is_empty() || password.len() > 1024
    {
        return Err(bad());
    }
    check_throttle(db, &key, now).await?;
    let user = match Email::parse(&key) {
        Ok(e) => find_by_email(db, &e).await?,
        Err(_) => None,
    };
    let ok = verify_password(
        password.to_owned(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    match (ok, user) {
        (true, Some(u)) => {
            clear_throttle(db, &key).await?;
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
        (_, user) => {
            password_failed(db, ctx, &key, user.as_ref(), now).await?;
            Err(bad())
        }
    }
}

/// Counts a wrong password against the address (see [`record_failure`]) and
/// audits it when the account exists.
pub(crate) async fn password_failed(
    db: &Db,
    ctx: &Ctx,
    key: &str,
    user: Option<&user::Model>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    record_failure(db, key, now).await?;
    if let Some(u) = user {
        let txn = crate::db::begin_write(db).await?;
        trail::write(
            &txn,
            &ctx.with_actor(&u.id),
            now,
            Audit::new("user.login_failed", "user", &u.id),
            vec![],
        )
        .await?;
        txn.commit().await?;
    }
    Ok(())
}

pub(crate) async fn record_failure(
    db: &Db,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let txn = crate::db::begin_write(db).await?;
    // Make sure the row exists, then lock it, so concurrent failures all
    // count (PostgreSQL row lock; SQLite's write lock serialises them).
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
    let in_window = now - t.window_started_at < Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let failures = if in_window { t.failures + 1 } else { 1 };
    let mut am = t.into_active_model();
    if !in_window {
        am.window_started_at = Set(now);
    }
    am.failures = Set(failures);
    if failures >= MAX_FAILED_LOGINS {
        am.locked_until = Set(Some(now + Duration::minutes(LOCKOUT_MINUTES)));
        am.failures = Set(0);
        am.window_started_at = Set(now);
    }
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Refuses while `key` (a lower-cased email) is locked out.
pub(crate) async fn check_throttle(
    db: &Db,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(t) = login_throttle::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        && let Some(until) = t.locked_until
        && until > now
    {
        return Err(StoreError::Throttled {
            retry_after_secs: (until - now).num_seconds().max(1) as u64,
        });
    }
    Ok(())
}

pub(crate) async fn clear_throttle(db: &Db, key: &str) -> Result<(), StoreError> {
    login_throttle::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// A user's network memberships: (network, role).
pub async fn memberships<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
) -> Result<Vec<(network::Model, String)>, StoreError> {
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
    Ok(nets
        .into_iter()
        .filter_map(|n| {
            let role = rows.iter().find(|m| m.network_id == n.id)?.role.clone();
            Some((n, role))
        })
        .collect())
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
