//! Handlers grouped by resource.
pub mod actions;
pub mod api_tokens;
pub mod applications;
pub mod attendance;
pub mod auth;
pub mod calendars;
pub mod communities;
pub mod community_members;
pub mod complaints;
pub mod health;
pub mod invitations;
pub mod match_notes;
pub mod match_sessions;
pub mod matches;
pub mod me;
pub mod meetings;
pub mod minutes;
pub mod networks;
pub mod programmes;
pub mod proposals;
pub mod series;
pub mod system;
pub mod users;

/// Example UUIDs used in the OpenAPI document.
pub const EX_NETWORK_ID: &str = "0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e";
pub const EX_USER_ID: &str = "0193a6f2-2222-7b3a-9d4e-2f1a0b9c8d7e";
