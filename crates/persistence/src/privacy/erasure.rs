//! Erasure (pseudonymisation) at a person's request.
use chrono::{DateTime, Utc};
use peerhub_domain::account::{NetworkRole, UserStatus};
use peerhub_domain::community::{ApplicationStatus, MembershipStatus};
use peerhub_domain::departure::{self, Departure};
use peerhub_domain::matching::request::MatchRequestStatus;
use peerhub_domain::outbox::{Delivery, OutboxStatus};
use peerhub_domain::webhook::EventType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use crate::Db;
use crate::entities::{
    api_token, calendar_feed, email_verification, invitation, match_note, match_request, network,
    network_member, peer_match, programme, programme_supporter, refresh_token, user,
};
use crate::error::Failure;
use crate::load;
use crate::secrets::{hash_password, random_token};
use crate::trail::{self, Audit, Ctx};

/// Erases a person: their name and email are replaced by a pseudonym
/// (audit entries and other records keep pointing at the same id, which now
/// names nobody), their profile is cleared, their sessions, API tokens and
/// memberships end, and they can no longer log in. The last manager of a
/// network must hand over first (409 `last-manager`).
pub async fn erase(db: &Db, ctx: &Ctx, user_id: &str) -> Result<(), Failure> {
    let unusable = hash_password(random_token("")).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let u = load::find_for_update_or_404::<user::Entity, _>(&txn, user_id, "user").await?;
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
        peerhub_domain::network::may_erase_manager(
            crate::networks::manager_count(&txn, &m.network_id).await?,
        )?;
    }
    let short = user_id.split('-').next_back().unwrap_or(user_id);
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
    am.registers = Set(crate::stored::Json::strings(&[]));
    am.specialties = Set(crate::stored::Json::strings(&[]));
    am.interests = Set(crate::stored::Json::strings(&[]));
    am.sensitive = Set(None);
    am.update(&txn).await?;
    end_community_ties(&txn, ctx, user_id, now).await?;
    end_matching_ties(&txn, ctx, user_id, now).await?;
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
        // A bulk update bypasses the entity's stamp: bump the version here.
        .col_expr(
            invitation::Column::Version,
            sea_orm::ExprTrait::add(
                sea_orm::sea_query::Expr::col(invitation::Column::Version),
                1,
            ),
        )
        .col_expr(
            invitation::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now()),
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
) -> Result<(), Failure> {
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
            sea_orm::sea_query::Expr::value(OutboxStatus::Erased.as_str()),
        )
        .filter(outbox::Column::Kind.eq(Delivery::Email.as_str()))
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
) -> Result<(), Failure> {
    use crate::entities::{application, community, community_member};
    application::Entity::update_many()
        .col_expr(
            application::Column::Status,
            sea_orm::sea_query::Expr::value(ApplicationStatus::Withdrawn.as_str()),
        )
        .col_expr(
            application::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        // A bulk update bypasses the entity's stamp: bump the version here.
        .col_expr(
            application::Column::Version,
            sea_orm::ExprTrait::add(
                sea_orm::sea_query::Expr::col(application::Column::Version),
                1,
            ),
        )
        .filter(application::Column::UserId.eq(user_id))
        .filter(
            application::Column::Status.is_in(
                ApplicationStatus::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.as_str()),
            ),
        )
        .exec(txn)
        .await?;
    let active = community_member::Entity::find()
        .filter(community_member::Column::UserId.eq(user_id))
        .filter(community_member::active())
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
                sea_orm::sea_query::Expr::value(MembershipStatus::Left.as_str()),
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
                sea_orm::ExprTrait::add(
                    sea_orm::sea_query::Expr::col(community_member::Column::Version),
                    1,
                ),
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
                EventType::MembershipEnded,
                "community",
                &c.id,
                serde_json::json!({"community_id": c.id, "network_id": c.network_id, "user_id": user_id, "how": Departure::Erased.how()}),
            )
            .network(&c.network_id)],
        )
        .await?;
        crate::memberships::fill_places(txn, ctx, &c, now).await?;
    }
    Ok(())
}

/// Erases the person's matching data: their private notes are deleted;
/// their open matches close (a pending proposal is declined on their
/// behalf, an active match ends) so the other participant and a
/// supporter's place are freed; their open requests are withdrawn and
/// their supporter registrations paused. Matches, sessions, feedback,
/// safeguarding concerns and complaints are kept as records: they point
/// at the now pseudonymous user id.
async fn end_matching_ties(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &Ctx,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    use crate::matching::{match_status, open_statuses};
    use sea_orm::sea_query::Expr;
    match_note::Entity::delete_many()
        .filter(match_note::Column::AuthorId.eq(user_id))
        .exec(txn)
        .await?;
    let open = peer_match::Entity::find()
        .filter(
            peer_match::Column::UserAId
                .eq(user_id)
                .or(peer_match::Column::UserBId.eq(user_id)),
        )
        .filter(peer_match::Column::Status.is_in(open_statuses()))
        .order_by_asc(peer_match::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    let programmes: std::collections::HashMap<String, programme::Model> = programme::Entity::find()
        .filter(programme::Column::Id.is_in(open.iter().map(|m| m.programme_id.clone())))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    for m in open {
        let Some(p) = programmes.get(&m.programme_id) else {
            continue;
        };
        let closure = departure::close_match(match_status(&m)?, Departure::Erased);
        let c = crate::matching::Closing {
            to: closure.to,
            by: if closure.by_leaver { user_id } else { "" },
            end_reason: None,
            how: Some(Departure::Erased.how()),
        };
        crate::matching::close(txn, ctx, p, m, c, now).await?;
    }
    match_request::Entity::update_many()
        .col_expr(
            match_request::Column::Status,
            Expr::value(departure::REQUESTS_BECOME.as_str()),
        )
        .col_expr(
            match_request::Column::OpenUserId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(match_request::Column::WithdrawnAt, Expr::value(now))
        .col_expr(match_request::Column::UpdatedAt, Expr::value(now))
        .filter(match_request::Column::UserId.eq(user_id))
        .filter(
            match_request::Column::Status.is_in(
                MatchRequestStatus::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.as_str()),
            ),
        )
        .exec(txn)
        .await?;
    programme_supporter::Entity::update_many()
        .col_expr(
            programme_supporter::Column::Status,
            Expr::value(departure::SUPPORTER_PLACES_BECOME.as_str()),
        )
        .col_expr(programme_supporter::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            programme_supporter::Column::Version,
            Expr::col(programme_supporter::Column::Version).add(1),
        )
        .filter(programme_supporter::Column::UserId.eq(user_id))
        .filter(programme_supporter::Column::Status.ne(departure::SUPPORTER_PLACES_BECOME.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}
