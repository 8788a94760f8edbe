//! A manager's decision on an application.
use chrono::Utc;
use peerhub_domain::application::{
    self as rules, DecisionRequest, DecisionState, TermsAssessment, failed_reasons, notice,
};
use peerhub_domain::community::{ApplicationDecision, ApplicationDecisionOutcome, CommunityRole};
use peerhub_domain::eligibility::{Assessment, assess};
use peerhub_domain::webhook::EventType;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use serde_json::json;

use super::rows::{applicant_of, checks_json, lock_with_community, status_of};
use crate::Db;
use crate::entities::{application, community_member};
use crate::error::Failure;
use crate::memberships::{application_event, load_user, places_taken};
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message};

/// A decision as the caller sent it.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub decision: ApplicationDecision,
    pub reason: Option<String>,
    pub override_reason: Option<String>,
}

/// The result of a decision.
#[derive(Debug, Clone)]
pub struct Decided {
    pub application: application::Model,
    pub outcome: ApplicationDecisionOutcome,
    pub membership: Option<community_member::Model>,
}

/// Decides on a pending or wait-listed application (the caller is a
/// manager). The verdict is computed again from the current profile and
/// Terms of Reference; [`rules::decide`] says what the decision does, under
/// the community lock.
pub async fn decide(
    db: &Db,
    ctx: &Ctx,
    application_id: &str,
    input: DecisionInput,
) -> Result<Decided, Failure> {
    let request = DecisionRequest::parse(input.decision, input.reason, input.override_reason)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let (c, a) = lock_with_community(&txn, application_id).await?;
    let terms = crate::communities::current_terms(&txn, &c.id).await?;
    let u = load_user(&txn, &a.user_id).await?;
    let terms = match &terms {
        Some(t) => Some(TermsAssessment {
            number: t.number,
            assessment: assess(&applicant_of(&u)?, &crate::communities::rules_of(t)?),
        }),
        None => None,
    };
    let state = DecisionState {
        status: status_of(&a)?,
        community: decode("community.status", &c.status)?,
        capacity: c.capacity,
        places_taken: places_taken(&txn, &c.id, now, None).await?,
        terms,
    };
    // Without approved terms the domain refuses (`NoTermsToDecideBy`); a
    // decision carries the terms and assessment it was made by.
    let decision = rules::decide(&state, &request)?;
    let TermsAssessment {
        number: terms_number,
        assessment: Assessment { verdict, checks },
    } = decision.terms.clone();
    let membership = if decision.admits_now() {
        Some(
            crate::memberships::insert_member(
                &txn,
                ctx,
                &c,
                &a.user_id,
                CommunityRole::Member,
                Some(&a.id),
                now,
            )
            .await?,
        )
    } else {
        None
    };
    let mut am = a.into_active_model();
    am.status = Set(decision.status.as_str().to_owned());
    am.verdict = Set(verdict.as_str().to_owned());
    am.checks = Set(checks_json(&checks)?);
    am.terms_number = Set(terms_number);
    am.decided_by = Set(ctx.actor_id.clone());
    am.decided_at = Set(Some(now));
    am.decision_reason = Set(request.reason.clone());
    am.override_reason = Set(decision.override_reason.clone());
    let a = am.update(&txn).await?;

    let outcome = decision.outcome;
    let mut payload = application_event(&a);
    payload["decision"] = json!(request.decision.as_str());
    payload["outcome"] = json!(outcome.as_str());
    payload["overridden"] = json!(a.override_reason.is_some());
    let n = notice::decided(
        &c.name,
        c.capacity,
        outcome,
        request.reason.as_deref(),
        failed_reasons(&checks),
    );
    trail::write(
        &txn,
        ctx,
        now,
        Audit::new("application.decided", "application", &a.id)
            .network(&a.network_id)
            .changed(vec![
                "status",
                "verdict",
                "checks",
                "decided_by",
                "decided_at",
                "decision_reason",
                "override_reason",
            ]),
        vec![
            Message::event(EventType::ApplicationDecided, "application", &a.id, payload)
                .network(&a.network_id),
            Message::email(
                n.topic,
                "application",
                &a.id,
                &u.email,
                json!({
                    "subject": n.notice.subject,
                    "body": n.notice.body,
                    "application_id": a.id,
                    "community_id": c.id,
                    "outcome": outcome.as_str(),
                    "reasons": n.reasons,
                }),
            )
            .network(&a.network_id),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(Decided {
        application: a,
        outcome,
        membership,
    })
}
