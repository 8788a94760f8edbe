//! Reading and writing application rows: the helpers every application
//! store shares.
use chrono::{DateTime, Utc};
use peerhub_domain::community::ApplicationStatus;
use peerhub_domain::eligibility::{Applicant, Check, EligibilityVerdict};
use peerhub_domain::webhook::EventType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseTransaction, IntoActiveModel,
};

use crate::entities::{application, user};
use crate::error::Failure;
use crate::load;
use crate::memberships::application_event;
use crate::stored::decode;
use crate::trail::{self, Audit, Ctx, Message};

/// The eligibility facts of a person's profile.
pub fn applicant_of(u: &user::Model) -> Result<Applicant, Failure> {
    Ok(Applicant {
        profession: u.profession.clone(),
        level: u.level.clone(),
        region: u.region.clone(),
        registers: u.registers.decode("users.registers", &u.id)?,
    })
}

/// The stored checks of an application (unreadable checks are an error,
/// never "no checks").
pub fn checks_of(a: &application::Model) -> Result<Vec<Check>, Failure> {
    a.checks.decode("applications.checks", &a.id)
}

/// The stored verdict of an application.
pub fn verdict_of(a: &application::Model) -> Result<EligibilityVerdict, Failure> {
    decode("application.verdict", &a.verdict)
}

/// The stored status of an application.
pub fn status_of(a: &application::Model) -> Result<ApplicationStatus, Failure> {
    decode("application.status", &a.status)
}

pub(super) fn checks_json(checks: &[Check]) -> Result<crate::stored::Json<Vec<Check>>, Failure> {
    crate::stored::Json::encode(&checks.to_vec())
}

/// Re-reads an application inside the transaction (after the community
/// lock, so it is current).
pub(super) async fn reload(
    txn: &DatabaseTransaction,
    application_id: &str,
) -> Result<application::Model, Failure> {
    load::find_for_update_or_404::<application::Entity, _>(txn, application_id, "application").await
}

/// Loads an application, then locks its community and re-reads it under
/// that lock. Returns the community and the current application.
pub(super) async fn lock_with_community(
    txn: &DatabaseTransaction,
    application_id: &str,
) -> Result<(crate::entities::community::Model, application::Model), Failure> {
    let pre =
        load::find_or_404::<application::Entity, _>(txn, application_id, "application").await?;
    let c = crate::memberships::lock_community(txn, &pre.community_id).await?;
    let a = reload(txn, application_id).await?;
    Ok((c, a))
}

/// Sets the status (and bumps the version).
pub(super) async fn set_status(
    txn: &DatabaseTransaction,
    a: application::Model,
    status: ApplicationStatus,
) -> Result<application::Model, Failure> {
    let mut am = a.into_active_model();
    am.status = Set(status.as_str().to_owned());
    Ok(am.update(txn).await?)
}

/// Writes the audit entry and the event of a status change (named
/// `topic`), plus any `extra` messages such as the applicant's notice.
pub(super) async fn status_changed<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    a: &application::Model,
    topic: EventType,
    now: DateTime<Utc>,
    extra: Vec<Message>,
) -> Result<(), Failure> {
    let mut messages = vec![
        Message::event(topic, "application", &a.id, application_event(a)).network(&a.network_id),
    ];
    messages.extend(extra);
    trail::write(
        conn,
        ctx,
        now,
        Audit::new(topic.as_str(), "application", &a.id)
            .network(&a.network_id)
            .changed(vec!["status"]),
        messages,
    )
    .await?;
    Ok(())
}
