//! Communities of Practice: their settings, core-team roles, and the
//! application and membership state machines.
//!
//! One file per concern: the closed sets (`sets`), the capacity, cadence
//! and duration rules with what an approval does (`rules`), the settings a
//! manager writes (`settings`); Terms of Reference (`terms`) and the
//! application and membership transitions (`lifecycle`) have their own
//! modules.

pub mod lifecycle;
pub mod terms;

mod rules;
mod sets;
mod settings;
#[cfg(test)]
mod tests;

// Closed sets are defined with `closed_set!` (see `crate::closed`).
pub(crate) use crate::closed_set as code_enum;

pub use rules::{
    Admission, DEFAULT_CLOSED_CAPACITY, DEFAULT_OPEN_CAPACITY, MAX_CADENCE_MONTHS,
    MAX_CADENCE_WEEKS, MAX_CAPACITY, MAX_DURATION_MINUTES, admission, check_cadence,
    check_capacity, check_duration,
};
pub use sets::{
    ApplicationDecision, ApplicationDecisionOutcome, ApplicationStatus, CadenceUnit, CommunityKind,
    CommunityRole, CommunityStatus, DeliveryMode, ExportFormat, MembershipStatus, OrganisedAround,
    ProposalDecision, ProposalStatus, TermsStatus,
};
pub use settings::{RawSettings, Settings};
