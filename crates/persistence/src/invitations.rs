//! Invitations: managers invite people without an allowed email domain (or
//! anyone they choose); accepting creates an already-verified account, or
//! adds an existing account to the network once its password is proven.
use chrono::{DateTime, Duration, Utc};
use peerhub_domain::account::{
    Email, NetworkRole, UserStatus, check_new_password, parse_display_name,
};
use peerhub_domain::auth::{self, AuthRefusal};
use peerhub_domain::network::{InvitationStatus, NetworkRefusal};
use peerhub_domain::webhook::EventType;
use peerhub_domain::{Invalid, Violations};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde_json::json;

use crate::Db;
use crate::accounts::{checked_password, find_by_email, list_to_json, new_membership, new_user};
use crate::entities::{invitation, network, network_member, user};
use crate::error::Failure;
use crate::page::{self, Page, PageRequest};
use crate::secrets::{hash_password, random_token, token_hash};
use crate::trail::{self, Audit, Ctx, Message, new_id};

pub const INVITATION_TTL_DAYS: i64 = 14;
pub const MAX_COMMUNITY_IDS: usize = 50;

/// Status as seen by clients: a pending invitation past its expiry is
/// `expired` ([`InvitationStatus::effective`]). A stored status that does
/// not decode is an error.
pub fn effective_status(
    i: &invitation::Model,
    now: DateTime<Utc>,
) -> Result<InvitationStatus, Failure> {
    let stored: InvitationStatus = crate::stored::decode("invitation.status", &i.status)?;
    Ok(stored.effective(i.expires_at, now))
}

/// The invited role, decoded from its column.
pub fn role_of(i: &invitation::Model) -> Result<NetworkRole, Failure> {
    crate::stored::decode("invitation.role", &i.role)
}

pub fn community_ids_of(i: &invitation::Model) -> Result<Vec<String>, Failure> {
    i.community_ids.decode("invitations.community_ids", &i.id)
}

pub struct NewInvitation {
    pub network_id: String,
    pub email: String,
    pub role: NetworkRole,
    pub community_ids: Vec<String>,
}

/// Creates an invitation (the caller is a manager of the network); returns
/// it with the raw token, which is also sent to the invitee via the outbox.
pub async fn create(
    db: &Db,
    ctx: &Ctx,
    net: &network::Model,
    input: NewInvitation,
    links: &crate::links::Links,
) -> Result<(invitation::Model, String), Failure> {
    let mut v = Violations::new();
    let email = v.check("email", Email::parse(&input.email));
    let role = input.role;
    if input.community_ids.len() > MAX_COMMUNITY_IDS {
        v.add(
            "community_ids",
            Invalid::new(
                "too_many",
                format!("must have at most {MAX_COMMUNITY_IDS} items"),
            ),
        );
    }
    for (i, c) in input.community_ids.iter().enumerate() {
        if uuid::Uuid::parse_str(c).is_err() {
            v.add(
                &format!("community_ids[{i}]"),
                Invalid::new("invalid_uuid", "must be a UUID"),
            );
        }
    }
    v.into_result()?;
    let Some(email) = email else {
        return Err(Failure::internal("validated values missing"));
    };
    let now = Utc::now();
    let raw = random_token("");
    let txn = crate::db::begin_write(db).await?;
    let inv = invitation::ActiveModel {
        id: Set(new_id()),
        network_id: Set(net.id.clone()),
        email: Set(email.as_str().to_owned()),
        role: Set(role.as_str().to_owned()),
        community_ids: Set(list_to_json(&input.community_ids)),
        token_hash: Set(token_hash(&raw)),
        status: Set(InvitationStatus::Pending.as_str().to_owned()),
        expires_at: Set(now + Duration::days(INVITATION_TTL_DAYS)),
        created_by: Set(ctx.actor_id.clone().unwrap_or_default()),
        accepted_user_id: Set(None),
        accepted_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let link = links.invitation_page(&raw);
    let how = match &link {
        Some(l) => format!("Accept by opening {l}"),
        None => format!(
            "Accept by sending your display name and a password to POST {}",
            links.invitation_api(&raw)
        ),
    };
    let msg = Message::email(
        "invitation.created",
        "invitation",
        &inv.id,
        email.as_str(),
        json!({
            "subject": format!("You are invited to join {} on PeerHub", net.name),
            "body": format!("You have been invited to join {} as a {}. {how}. The invitation expires in {INVITATION_TTL_DAYS} days.", net.name, role.as_str()),
            "token": raw,
            "link": link,
        }),
    )
    .network(&net.id);
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("invitation.created", "invitation", &inv.id)
            .network(&net.id)
            .changed(vec!["email", "role", "community_ids"]),
        vec![msg],
    )
    .await?;
    txn.commit().await?;
    Ok((inv, raw))
}

/// Lists a network's invitations, optionally by effective status.
pub async fn list(
    db: &Db,
    network_id: &str,
    status: Option<InvitationStatus>,
    page: &PageRequest,
) -> Result<Page<invitation::Model>, Failure> {
    let now = Utc::now();
    let pending = InvitationStatus::Pending.as_str();
    let mut q = invitation::Entity::find().filter(invitation::Column::NetworkId.eq(network_id));
    q = match status {
        None => q,
        Some(InvitationStatus::Pending) => q
            .filter(invitation::Column::Status.eq(pending))
            .filter(invitation::Column::ExpiresAt.gt(now)),
        Some(InvitationStatus::Expired) => q
            .filter(invitation::Column::Status.eq(pending))
            .filter(invitation::Column::ExpiresAt.lte(now)),
        Some(s @ InvitationStatus::Accepted) => q.filter(invitation::Column::Status.eq(s.as_str())),
    };
    Ok(page::fetch(db, q, invitation::Column::Id, |i| i.id.clone(), page).await?)
}

/// Accepts an invitation. Returns the account and the network joined.
pub async fn accept(
    db: &Db,
    ctx: &Ctx,
    raw: &str,
    display_name: &str,
    password: &str,
) -> Result<(user::Model, network::Model), Failure> {
    let now = Utc::now();
    let gone = || Failure::not_found("invitation");
    let inv = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token_hash(raw.trim())))
        .one(db)
        .await?
        .ok_or_else(gone)?;
    let status = effective_status(&inv, now)?;
    peerhub_domain::network::may_accept(status)?;
    let email = Email::parse(&inv.email)
        .map_err(|e| Failure::internal(format!("stored invitation email invalid: {e}")))?;
    let existing = find_by_email(db, &email).await?;
    let mut v = Violations::new();
    let display_name = v.check("display_name", parse_display_name(display_name));
    let new_hash = match &existing {
        Some(u) => {
            // The same per-email lockout as login: an invitation must not
            // become a way to guess someone's password.
            if !checked_password(db, ctx, email.as_str(), Some(u), password).await? {
                return Err(AuthRefusal::InvitationPasswordWrong.into());
            }
            auth::may_accept_invitation(crate::accounts::user_status_of(u)?)?;
            None
        }
        None => {
            let net_name = network::Entity::find_by_id(inv.network_id.clone())
                .one(db)
                .await?
                .map(|n| n.name)
                .unwrap_or_default();
            v.check(
                "password",
                check_new_password(password, Some(email.as_str()), &[net_name.as_str()]),
            );
            if !v.is_empty() {
                return Err(Failure::violations(v));
            }
            Some(hash_password(password.to_owned()).await?)
        }
    };
    v.into_result()?;
    let role = role_of(&inv)?;
    let txn = crate::db::begin_write(db).await?;
    // Single use, even under concurrent accepts.
    let claimed = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Status,
            sea_orm::sea_query::Expr::value(InvitationStatus::Accepted.as_str()),
        )
        .col_expr(
            invitation::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            invitation::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            invitation::Column::Version,
            sea_orm::ExprTrait::add(
                sea_orm::sea_query::Expr::col(invitation::Column::Version),
                1,
            ),
        )
        .filter(invitation::Column::Id.eq(inv.id.clone()))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending.as_str()))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(NetworkRefusal::InvitationUsed.into());
    }
    let u = match (existing, new_hash) {
        // The invitation reached this mailbox, which verifies the address.
        (Some(u), _) if crate::accounts::user_status_of(&u)? == UserStatus::PendingVerification => {
            user::Entity::update_many()
                .col_expr(
                    user::Column::Status,
                    sea_orm::sea_query::Expr::value(UserStatus::Active.as_str()),
                )
                .col_expr(
                    user::Column::Version,
                    sea_orm::ExprTrait::add(
                        sea_orm::sea_query::Expr::col(user::Column::Version),
                        1,
                    ),
                )
                .col_expr(
                    user::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(user::Column::Id.eq(u.id.clone()))
                .exec(&txn)
                .await?;
            user::Entity::find_by_id(u.id.clone())
                .one(&txn)
                .await?
                .ok_or_else(gone)?
        }
        (Some(u), _) => u,
        (None, Some(hash)) => {
            new_user(
                &email,
                hash,
                display_name.unwrap_or_default(),
                UserStatus::Active,
                now,
            )
            .insert(&txn)
            .await?
        }
        (None, None) => {
            return Err(Failure::internal("no account and no password hash"));
        }
    };
    invitation::Entity::update_many()
        .col_expr(
            invitation::Column::AcceptedUserId,
            sea_orm::sea_query::Expr::value(u.id.clone()),
        )
        .col_expr(
            invitation::Column::Version,
            sea_orm::ExprTrait::add(
                sea_orm::sea_query::Expr::col(invitation::Column::Version),
                1,
            ),
        )
        .col_expr(
            invitation::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(invitation::Column::Id.eq(inv.id.clone()))
        .exec(&txn)
        .await?;
    join_network(&txn, &inv.network_id, &u.id, role, now).await?;
    let net = network::Entity::find_by_id(inv.network_id.clone())
        .one(&txn)
        .await?
        .ok_or_else(gone)?;
    trail::write(
        &txn,
        &ctx.with_actor(&u.id),
        now,
        Audit::new("invitation.accepted", "invitation", &inv.id)
            .network(&net.id)
            .changed(vec!["status"]),
        vec![
            Message::event(
                EventType::NetworkMemberJoined,
                "network",
                &net.id,
                json!({"network_id": net.id, "user_id": u.id, "role": role.as_str()}),
            )
            .network(&net.id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok((u, net))
}

/// Adds a membership, or raises an existing member to `role` if higher.
async fn join_network<C: ConnectionTrait>(
    conn: &C,
    network_id: &str,
    user_id: &str,
    role: NetworkRole,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let existing = network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .filter(network_member::Column::UserId.eq(user_id))
        .one(conn)
        .await?;
    match existing {
        None => {
            new_membership(network_id, user_id, role, now)
                .insert(conn)
                .await?;
        }
        Some(m) => {
            let current: NetworkRole = crate::stored::decode("network_member.role", &m.role)?;
            if role > current {
                network_member::Entity::update_many()
                    .col_expr(
                        network_member::Column::Role,
                        sea_orm::sea_query::Expr::value(role.as_str()),
                    )
                    .col_expr(
                        network_member::Column::Version,
                        sea_orm::ExprTrait::add(
                            sea_orm::sea_query::Expr::col(network_member::Column::Version),
                            1,
                        ),
                    )
                    .col_expr(
                        network_member::Column::UpdatedAt,
                        sea_orm::sea_query::Expr::value(now),
                    )
                    .filter(network_member::Column::Id.eq(m.id))
                    .exec(conn)
                    .await?;
            }
        }
    }
    Ok(())
}
