//! The applicant's actions (withdraw, accept or decline an offered place)
//! and offers lapsing.
use chrono::{DateTime, Utc};
use peerhub_domain::application::{self as rules, Acceptance, OfferState, notice};
use peerhub_domain::community::{ApplicationDecisionOutcome, ApplicationStatus, CommunityRole};
use peerhub_domain::webhook::EventType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::rows::{lock_with_community, set_status, status_changed, status_of};
use crate::Db;
use crate::entities::{application, community};
use crate::error::Failure;
use crate::memberships::{application_event, fill_places, load_user, places_taken};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message};

/// Withdraws an open application (the caller is the applicant). A
/// withdrawn offer frees its place for the next person waiting.
pub async fn withdraw(
    db: &Db,
    ctx: &Ctx,
    application_id: &str,
) -> Result<application::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (c, a) = lock_with_community(&txn, application_id).await?;
    let w = rules::withdraw(status_of(&a)?)?;
    let a = set_status(&txn, a, w.status).await?;
    status_changed(&txn, ctx, &a, EventType::ApplicationWithdrawn, now, vec![]).await?;
    if w.frees_place {
        fill_places(&txn, ctx, &c, now).await?;
    }
    txn.commit().await?;
    Ok(a)
}

/// What accepting an offer did.
#[derive(Debug, Clone)]
pub enum OfferResult {
    /// The applicant is now a member.
    Accepted(application::Model),
    /// The offer had expired: the application lapsed (committed) and the
    /// place went to the next person waiting.
    Expired(application::Model),
    /// No place was free after all (the capacity was lowered): the
    /// application is back on the wait-list, in its original position.
    Full(application::Model),
}

/// Accepts an offered place (the caller is the applicant).
pub async fn accept_offer(
    db: &Db,
    ctx: &Ctx,
    application_id: &str,
) -> Result<OfferResult, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (c, a) = lock_with_community(&txn, application_id).await?;
    let state = OfferState {
        status: status_of(&a)?,
        expires_at: a.offer_expires_at,
        community: decode("community.status", &c.status)?,
        capacity: c.capacity,
        taken_by_others: places_taken(&txn, &c.id, now, Some(&a.id)).await?,
    };
    let acceptance = rules::accept_offer(state, now)?;
    let result = match acceptance {
        Acceptance::Lapsed => {
            let a = lapse(&txn, ctx, &c, a, now).await?;
            fill_places(&txn, ctx, &c, now).await?;
            OfferResult::Expired(a)
        }
        Acceptance::BackOnWaitlist => {
            let mut am = a.into_active_model();
            am.status = Set(acceptance.status().as_str().to_owned());
            am.offer_expires_at = Set(None);
            let a = am.update(&txn).await?;
            trail::write(
                &txn,
                ctx,
                now,
                Audit::new("application.offer_withdrawn", "application", &a.id)
                    .network(&a.network_id)
                    .changed(vec!["status", "offer_expires_at"]),
                vec![
                    Message::event(
                        EventType::ApplicationWaitlisted,
                        "application",
                        &a.id,
                        application_event(&a),
                    )
                    .network(&a.network_id),
                ],
            )
            .await?;
            OfferResult::Full(a)
        }
        Acceptance::Admitted => {
            crate::memberships::insert_member(
                &txn,
                ctx,
                &c,
                &a.user_id,
                CommunityRole::Member,
                Some(&a.id),
                now,
            )
            .await?;
            let a = set_status(&txn, a, acceptance.status()).await?;
            let u = load_user(&txn, &a.user_id).await?;
            let n = notice::offer_accepted(&c.name);
            let email = Message::email(
                "application.approved",
                "application",
                &a.id,
                &u.email,
                json!({
                    "subject": n.subject,
                    "body": n.body,
                    "application_id": a.id,
                    "community_id": c.id,
                    "outcome": ApplicationDecisionOutcome::Admitted.as_str(),
                    "reasons": [],
                }),
            )
            .network(&a.network_id);
            status_changed(
                &txn,
                ctx,
                &a,
                EventType::ApplicationOfferAccepted,
                now,
                vec![email],
            )
            .await?;
            OfferResult::Accepted(a)
        }
    };
    txn.commit().await?;
    Ok(result)
}

/// Declines an offered place (the caller is the applicant); the place goes
/// to the next person waiting.
pub async fn decline_offer(
    db: &Db,
    ctx: &Ctx,
    application_id: &str,
) -> Result<application::Model, Failure> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (c, a) = lock_with_community(&txn, application_id).await?;
    let status = rules::decline_offer(status_of(&a)?)?;
    let a = set_status(&txn, a, status).await?;
    status_changed(
        &txn,
        ctx,
        &a,
        EventType::ApplicationOfferDeclined,
        now,
        vec![],
    )
    .await?;
    fill_places(&txn, ctx, &c, now).await?;
    txn.commit().await?;
    Ok(a)
}

/// Marks an offered application lapsed (inside the caller's transaction),
/// with its audit entry, event and a notice to the applicant.
async fn lapse(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    c: &community::Model,
    a: application::Model,
    now: DateTime<Utc>,
) -> Result<application::Model, Failure> {
    let a = set_status(txn, a, ApplicationStatus::Lapsed).await?;
    let u = load_user(txn, &a.user_id).await?;
    let n = notice::offer_lapsed(&c.name);
    let email = Message::email(
        "application.offer_lapsed",
        "application",
        &a.id,
        &u.email,
        json!({
            "subject": n.subject,
            "body": n.body,
            "application_id": a.id,
            "community_id": c.id,
        }),
    )
    .network(&a.network_id);
    status_changed(txn, ctx, &a, EventType::ApplicationLapsed, now, vec![email]).await?;
    Ok(a)
}

/// Lapses every offer past its expiry and offers the places to the next
/// people waiting. Safe to run on several nodes at once (each community is
/// handled under its lock, and only offers still expired are lapsed).
/// Returns how many offers lapsed.
pub async fn lapse_expired_offers(db: &Db) -> Result<u64, Failure> {
    let now = Utc::now();
    let mut community_ids: Vec<String> = application::Entity::find()
        .select_only()
        .column(application::Column::CommunityId)
        .filter(application::Column::Status.eq(ApplicationStatus::Offered.as_str()))
        .filter(application::Column::OfferExpiresAt.lte(now))
        .into_tuple()
        .all(db)
        .await?;
    community_ids.sort();
    community_ids.dedup();
    let ctx = Ctx::system();
    let mut n = 0;
    for community_id in community_ids {
        let txn = crate::db::begin_write(db).await?;
        let Some(c) = community::Entity::find_by_id(community_id.clone())
            .lock_exclusive()
            .one(&txn)
            .await?
        else {
            continue;
        };
        let expired = application::Entity::find()
            .filter(application::Column::CommunityId.eq(&community_id))
            .filter(application::Column::Status.eq(ApplicationStatus::Offered.as_str()))
            .filter(application::Column::OfferExpiresAt.lte(now))
            .order_by_asc(application::Column::Id)
            .lock_exclusive()
            .all(&txn)
            .await?;
        for a in expired {
            lapse(&txn, &ctx, &c, a, now).await?;
            n += 1;
        }
        fill_places(&txn, &ctx, &c, now).await?;
        txn.commit().await?;
    }
    Ok(n)
}
