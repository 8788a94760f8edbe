//! Admin bootstrap and self-registration, with the notice throttle and
//! the verification email.
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::Violations;
use peerhub_domain::account::notice;
use peerhub_domain::account::{
    Email, NetworkRole, UserStatus, check_new_password, check_password, domain_allowed,
    parse_display_name,
};
use peerhub_domain::auth::AuthRefusal;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};
use serde_json::json;

use super::records::{find_by_email, new_membership, new_user, user_status_of};
use crate::Db;
use crate::entities::{email_verification, network, network_member, notice_throttle, user};
use crate::error::{Failure, is_unique_violation};
use crate::secrets::{hash_password, random_token, token_hash};
use crate::trail::{self, Audit, Ctx, Message, new_id};

pub use peerhub_domain::account::notice::VERIFICATION_TTL_HOURS;

/// Creates an active platform admin (for scripted setup). Fails with a
/// conflict if the email is taken.
pub async fn create_admin(
    db: &Db,
    email: &str,
    password: &str,
    display_name: &str,
) -> Result<user::Model, Failure> {
    let mut v = Violations::new();
    let email = v.check("email", Email::parse(email));
    let display_name = v.check("display_name", parse_display_name(display_name));
    v.check(
        "password",
        check_password(password, email.as_ref().map(|e| e.as_str())),
    );
    v.into_result()?;
    let (Some(email), Some(display_name)) = (email, display_name) else {
        return Err(Failure::internal("validated values missing"));
    };
    let hash = hash_password(password.to_owned()).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    if find_by_email(&txn, &email).await?.is_some() {
        return Err(AuthRefusal::EmailTaken.into());
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
) -> Result<Registered, Failure> {
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
        return Err(Failure::internal("validated values missing"));
    };
    let net = net.ok_or_else(|| {
        Failure::invalid("network_id", "unknown_network", "no network has this id")
    })?;
    let allowed = net
        .allowed_email_domains
        .decode("networks.allowed_email_domains", &net.id)?;
    if !domain_allowed(&email, &allowed) {
        return Err(AuthRefusal::InvitationRequired.into());
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
        if user_status_of(&existing)? == UserStatus::PendingVerification {
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
        let n = notice::registration_attempted(&net.name);
        let msg = Message::email(
            "account.registration_attempted",
            "user",
            &existing.id,
            email.as_str(),
            json!({
                "subject": n.subject,
                "body": n.body,
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
) -> Result<bool, Failure> {
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
) -> Result<Message, Failure> {
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
    let n = notice::verification(&net.name, link.as_deref(), &links.verify_api(), &token);
    Ok(Message::email(
        "account.verification_requested",
        "user",
        user_id,
        email.as_str(),
        json!({
            "subject": n.subject,
            "body": n.body,
            "token": token,
            "link": link,
        }),
    )
    .network(&net.id))
}
