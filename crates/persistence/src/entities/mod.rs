//! sea-orm entities, one module per table.
pub mod api_token;
pub mod application;
pub mod audit_event;
pub mod community;
pub mod community_member;
pub mod community_proposal;
pub mod email_verification;
pub mod idempotency_key;
pub mod invitation;
pub mod login_throttle;
pub mod network;
pub mod network_member;
pub mod outbox;
pub mod refresh_token;
pub mod terms_version;
pub mod user;
