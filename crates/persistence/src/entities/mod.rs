//! sea-orm entities, one module per table.

/// The `ActiveModelBehavior` of a table with `version` and `updated_at`:
/// every update that changes the row stamps both, here and nowhere else
/// (docs/decisions.md, "Versions are stamped in one place").
macro_rules! versioned {
    () => {
        #[sea_orm::prelude::async_trait::async_trait]
        impl ActiveModelBehavior for ActiveModel {
            async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
            where
                C: ConnectionTrait,
            {
                if !insert && sea_orm::ActiveModelTrait::is_changed(&self) {
                    crate::entities::stamp(&mut self.version, &mut self.updated_at);
                }
                Ok(self)
            }
        }
    };
}
pub(crate) use versioned;

/// The next version and the time of the change, for a row being updated:
/// the version read with the row plus one, and now.
pub(crate) fn stamp(
    version: &mut sea_orm::ActiveValue<i32>,
    updated_at: &mut sea_orm::ActiveValue<chrono::DateTime<chrono::Utc>>,
) {
    use sea_orm::ActiveValue::{Set, Unchanged};
    if let Unchanged(v) = version {
        *version = Set(*v + 1);
    }
    if !matches!(updated_at, Set(_)) {
        *updated_at = Set(chrono::Utc::now());
    }
}

pub mod action;
pub mod api_token;
pub mod application;
pub mod audit_event;
pub mod bulletin_send;
pub mod calendar_feed;
pub mod community;
pub mod community_member;
pub mod community_proposal;
pub mod complaint;
pub mod email_verification;
pub mod escalation;
pub mod escalation_transition;
pub mod feedback_form;
pub mod feedback_point;
pub mod governance_body;
pub mod idempotency_key;
pub mod invitation;
pub mod login_throttle;
pub mod match_feedback;
pub mod match_note;
pub mod match_request;
pub mod match_session;
pub mod matching_run;
pub mod meeting;
pub mod meeting_response;
pub mod meeting_series;
pub mod minutes;
pub mod minutes_revision;
pub mod network;
pub mod network_member;
pub mod notice_throttle;
pub mod notification_opt_out;
pub mod outbox;
pub mod password_reset;
pub mod peer_match;
pub mod programme;
pub mod programme_supporter;
pub mod refresh_token;
pub mod safeguarding_concern;
pub mod terms_version;
pub mod user;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;
