//! PeerHub domain: pure types and rules. No IO, no async, no framework.
//!
//! Constructors named `parse` validate their input and return a
//! [`Invalid`] describing what is wrong in plain English; callers attach the
//! field name (see [`Violations`]).

pub mod access;
pub mod account;
pub mod account_control;
pub mod application;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod closed;
pub mod community;
pub mod csv;
pub mod departure;
pub mod eligibility;
pub mod governance;
pub mod idempotency;
pub mod lockout;
pub mod matching;
pub mod meeting;
pub mod membership;
pub mod minutes;
pub mod network;
pub mod notification;
pub mod outbox;
pub mod profile;
pub mod proposal;
pub mod refusal;
pub mod retention;
pub mod taxonomy;
pub mod validation;
pub mod webhook;

pub use refusal::Refusal;
pub use validation::{FieldViolation, Invalid, Violations};
