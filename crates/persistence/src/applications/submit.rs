//! Applying to join a community.
use chrono::Utc;
use peerhub_domain::application::{self as rules, Refusal, SubmitState};
use peerhub_domain::eligibility::{Assessment, assess};
use peerhub_domain::webhook::EventType;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::rows::{applicant_of, checks_json};
use crate::Db;
use crate::entities::{application, community};
use crate::error::{Failure, is_unique_violation};
use crate::load;
use crate::memberships::{application_event, load_user};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message, new_id};

/// Applies to join a community (the caller is a member of its network).
pub async fn submit(
    db: &Db,
    ctx: &Ctx,
    user_id: &str,
    community_id: &str,
    statement: Option<String>,
) -> Result<application::Model, Failure> {
    let statement = rules::statement(statement)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let c = load::find_or_404::<community::Entity, _>(&txn, community_id, "community").await?;
    let terms = crate::communities::current_terms(&txn, &c.id).await?;
    let is_member = crate::memberships::active_of(&txn, &c.id, user_id)
        .await?
        .is_some();
    let open = application::Entity::find()
        .filter(application::Column::CommunityId.eq(&c.id))
        .filter(application::Column::UserId.eq(user_id))
        .filter(
            application::Column::Status
                .is_in(rules::open_statuses().into_iter().map(|s| s.as_str())),
        )
        .one(&txn)
        .await?;
    let status = rules::submit(SubmitState {
        community: decode("community.status", &c.status)?,
        has_approved_terms: terms.is_some(),
        is_member,
        open_application: open.as_ref().map(|o| o.id.as_str()),
    })?;
    let terms = terms.ok_or(Refusal::NoApprovedTerms)?;
    let u = load_user(&txn, user_id).await?;
    let Assessment { verdict, checks } =
        assess(&applicant_of(&u)?, &crate::communities::rules_of(&terms)?);
    let a = application::ActiveModel {
        id: Set(new_id()),
        community_id: Set(c.id.clone()),
        network_id: Set(c.network_id.clone()),
        user_id: Set(user_id.to_owned()),
        statement: Set(statement),
        status: Set(status.as_str().to_owned()),
        verdict: Set(verdict.as_str().to_owned()),
        checks: Set(checks_json(&checks)?),
        terms_number: Set(terms.number),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
        override_reason: Set(None),
        offer_expires_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Refusal::ApplicationOpen(None).into()
        } else {
            Failure::from(e)
        }
    })?;
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("application.submitted", "application", &a.id)
            .network(&a.network_id)
            .changed(vec!["status", "statement", "verdict", "checks"]),
        vec![
            Message::event(EventType::ApplicationSubmitted, "application", &a.id, {
                let mut p = application_event(&a);
                p["terms_version"] = json!(a.terms_number);
                p
            })
            .network(&a.network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(a)
}
