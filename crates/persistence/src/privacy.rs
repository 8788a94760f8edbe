//! Data protection: a person's export of everything held about them, and
//! erasure (pseudonymisation) at their request.
use chrono::Utc;
use peerhub_domain::account::{NetworkRole, UserStatus};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use crate::Db;
use crate::entities::{
    action, api_token, audit_event, calendar_feed, email_verification, invitation,
    meeting_response, network, network_member, refresh_token, user,
};
use crate::error::StoreError;
use crate::secrets::{hash_password, random_token};
use crate::trail::{self, Audit, Ctx};

/// Everything held about one person.
pub struct Export {
    pub user: user::Model,
    pub memberships: Vec<network_member::Model>,
    pub api_tokens: Vec<api_token::Model>,
    pub invitations_received: Vec<invitation::Model>,
    pub invitations_sent: Vec<invitation::Model>,
    pub audit_events: Vec<audit_event::Model>,
    /// My RSVPs and recorded attendance.
    pub meeting_responses: Vec<meeting_response::Model>,
    /// Actions I own.
    pub actions: Vec<action::Model>,
}

pub async fn export(db: &Db, user_id: &str) -> Result<Export, StoreError> {
    let user = user::Entity::find_by_id(user_id.to_owned())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let memberships = network_member::Entity::find()
        .filter(network_member::Column::UserId.eq(user_id))
        .order_by_asc(network_member::Column::Id)
        .all(db)
        .await?;
    let api_tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?;
    let invitations_received = invitation::Entity::find()
        .filter(invitation::Column::Email.eq(&user.email))
        .order_by_asc(invitation::Column::Id)
        .all(db)
        .await?;
    let invitations_sent = invitation::Entity::find()
        .filter(invitation::Column::CreatedBy.eq(user_id))
        .order_by_asc(invitation::Column::Id)
        .all(db)
        .await?;
    let audit_events = audit_event::Entity::find()
        .filter(
            audit_event::Column::ActorId
                .eq(user_id)
                .or(audit_event::Column::EntityId.eq(user_id)),
        )
        .order_by_asc(audit_event::Column::Id)
        .limit(10_000)
        .all(db)
        .await?;
    let meeting_responses = meeting_response::Entity::find()
        .filter(meeting_response::Column::UserId.eq(user_id))
        .order_by_asc(meeting_response::Column::Id)
        .all(db)
        .await?;
    let actions = action::Entity::find()
        .filter(action::Column::OwnerId.eq(user_id))
        .order_by_asc(action::Column::Id)
        .all(db)
        .await?;
    Ok(Export {
        user,
        memberships,
        api_tokens,
        invitations_received,
        invitations_sent,
        audit_events,
        meeting_responses,
        actions,
    })
}

/// Erases a person: their name and email are replaced by a pseudonym
/// (audit entries and other records keep pointing at the same id, which now
/// names nobody), their profile is cleared, their sessions, API tokens and
/// memberships end, and they can no longer log in. The last manager of a
/// network must hand over first (409 `last-manager`).
pub async fn erase(db: &Db, ctx: &Ctx, user_id: &str) -> Result<(), StoreError> {
    let unusable = hash_password(random_token("")).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(user_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let managed = network_member::Entity::find()
        .filter(network_member::Column::UserId.eq(user_id))
        .filter(network_member::Column::Role.eq(NetworkRole::Manager.as_str()))
        .all(&txn)
        .await?;
    for m in &managed {
        // Same lock as role changes, so two managers cannot both leave.
        network::Entity::find_by_id(m.network_id.clone())
            .lock_exclusive()
            .one(&txn)
            .await?;
        if crate::networks::manager_count(&txn, &m.network_id).await? <= 1 {
            return Err(StoreError::conflict(
                "last-manager",
                "you are the only manager of a network; make someone else a manager first",
            ));
        }
    }
    let short = user_id.split('-').next_back().unwrap_or(user_id);
    let version = u.version;
    let old_email = u.email.clone();
    let mut am = u.into_active_model();
    am.email = Set(format!("erased-{user_id}@erased.invalid"));
    am.display_name = Set(format!("Former member {short}"));
    am.password_hash = Set(unusable);
    am.status = Set(UserStatus::Erased.as_str().to_owned());
    am.is_platform_admin = Set(false);
    am.job_title = Set(None);
    am.team = Set(None);
    am.line_manager_id = Set(None);
    am.organisation = Set(None);
    am.region = Set(None);
    am.profession = Set(None);
    am.level = Set(None);
    am.registers = Set("[]".into());
    am.specialties = Set("[]".into());
    am.interests = Set("[]".into());
    am.sensitive = Set(None);
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    am.update(&txn).await?;
    end_community_ties(&txn, ctx, user_id, now).await?;
    network_member::Entity::delete_many()
        .filter(network_member::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    calendar_feed::Entity::delete_many()
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    email_verification::Entity::delete_many()
        .filter(email_verification::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Email,
            sea_orm::sea_query::Expr::value(format!("erased-{user_id}@erased.invalid")),
        )
        .filter(invitation::Column::Email.eq(old_email.clone()))
        .exec(&txn)
        .await?;
    scrub_outbox(&txn, user_id, &old_email).await?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("user.erased", "user", user_id).changed(vec![
            "email",
            "display_name",
            "profile",
            "status",
        ]),
        vec![],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Removes the person's address and message text from queued and sent
/// emails about them.
async fn scrub_outbox<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    email: &str,
) -> Result<(), StoreError> {
    use crate::entities::outbox;
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Recipient,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox::Column::Payload,
            sea_orm::sea_query::Expr::value("{}"),
        )
        .col_expr(
            outbox::Column::Status,
            sea_orm::sea_query::Expr::value("erased"),
        )
        .filter(outbox::Column::Kind.eq("email"))
        .filter(
            outbox::Column::AggregateId
                .eq(user_id)
                .or(outbox::Column::Recipient.eq(email)),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends the person's community memberships (offering the places to the
/// wait-lists) and withdraws their open applications.
async fn end_community_ties(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &Ctx,
    user_id: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::entities::{application, community, community_member};
    application::Entity::update_many()
        .col_expr(
            application::Column::Status,
            sea_orm::sea_query::Expr::value("withdrawn"),
        )
        .col_expr(
            application::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(application::Column::UserId.eq(user_id))
        .filter(application::Column::Status.is_in(["pending", "waitlisted", "offered"]))
        .exec(txn)
        .await?;
    let active = community_member::Entity::find()
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::Column::Status.eq("active"))
        .all(txn)
        .await?;
    for m in active {
        let Some(c) = community::Entity::find_by_id(m.community_id.clone())
            .lock_exclusive()
            .one(txn)
            .await?
        else {
            continue;
        };
        community_member::Entity::update_many()
            .col_expr(
                community_member::Column::Status,
                sea_orm::sea_query::Expr::value("left"),
            )
            .col_expr(
                community_member::Column::EndedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .col_expr(
                community_member::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .col_expr(
                community_member::Column::Version,
                sea_orm::sea_query::Expr::value(m.version + 1),
            )
            .filter(community_member::Column::Id.eq(m.id.clone()))
            .exec(txn)
            .await?;
        trail::write(
            txn,
            ctx,
            now,
            Audit::new("membership.ended", "community_member", &m.id)
                .network(&c.network_id)
                .changed(vec!["status"]),
            vec![crate::trail::Message::event(
                "membership.ended",
                "community",
                &c.id,
                serde_json::json!({"community_id": c.id, "network_id": c.network_id, "user_id": user_id, "how": "erased"}),
            )
            .network(&c.network_id)],
        )
        .await?;
        crate::applications::fill_places(txn, ctx, &c, now).await?;
    }
    Ok(())
}
