//! PeerHub domain: pure types and rules. No IO, no async, no framework.
//!
//! Constructors named `parse` validate their input and return a
//! [`Invalid`] describing what is wrong in plain English; callers attach the
//! field name (see [`Violations`]).

pub mod access;
pub mod account;
pub mod account_control;
pub mod calendar;
pub mod closed;
pub mod community;
pub mod csv;
pub mod eligibility;
pub mod lockout;
pub mod matching;
pub mod meeting;
pub mod network;
pub mod profile;
pub mod taxonomy;
pub mod validation;

pub use validation::{FieldViolation, Invalid, Violations};
