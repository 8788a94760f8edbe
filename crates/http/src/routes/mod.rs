//! Handlers grouped by resource.
pub mod actions;
pub mod api_tokens;
pub mod applications;
pub mod attendance;
pub mod audit_events;
pub mod auth;
pub mod calendars;
pub mod communities;
pub mod complaints;
pub mod governance;
pub mod health;
pub mod invitations;
pub mod match_notes;
pub mod match_sessions;
pub mod matches;
pub mod me;
pub mod meetings;
pub mod minutes;
pub mod networks;
pub mod notifications;
pub mod programmes;
pub mod proposals;
pub mod series;
pub mod system;
pub mod users;
pub mod views;
pub mod webhooks;

/// Example UUIDs used in the OpenAPI document (many modules name them as
/// `super::EX_…`).
pub use views::{EX_NETWORK_ID, EX_USER_ID};
