//! Capacity, cadence and duration rules of a community, and what approving
//! an application does given its capacity (docs/memberships.md).
use super::sets::{
    ApplicationDecision, ApplicationDecisionOutcome, ApplicationStatus, CadenceUnit,
};
use crate::validation::Invalid;

/// Largest capacity a community may have (open interest groups are ~20;
/// this leaves room for big regional groups while catching typos).
pub const MAX_CAPACITY: i32 = 500;
/// Default capacities a network suggests (closed groups 6–10,
/// open interest groups up to 20).
pub const DEFAULT_CLOSED_CAPACITY: i32 = 10;
pub const DEFAULT_OPEN_CAPACITY: i32 = 20;
/// Longest meeting a cadence may describe, in minutes.
pub const MAX_DURATION_MINUTES: i32 = 12 * 60;
/// Largest cadence interval: every 52 weeks or every 12 months.
pub const MAX_CADENCE_WEEKS: i32 = 52;
pub const MAX_CADENCE_MONTHS: i32 = 12;

/// Capacity rule: 1 to [`MAX_CAPACITY`].
pub fn check_capacity(c: i32) -> Result<i32, Invalid> {
    if (1..=MAX_CAPACITY).contains(&c) {
        Ok(c)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 1 and {MAX_CAPACITY}"),
        ))
    }
}

pub fn check_cadence(every: i32, unit: CadenceUnit) -> Result<i32, Invalid> {
    let max = match unit {
        CadenceUnit::Weeks => MAX_CADENCE_WEEKS,
        CadenceUnit::Months => MAX_CADENCE_MONTHS,
    };
    if (1..=max).contains(&every) {
        Ok(every)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 1 and {max} {}", unit.as_str()),
        ))
    }
}

pub fn check_duration(minutes: i32) -> Result<i32, Invalid> {
    if (1..=MAX_DURATION_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 1 and {MAX_DURATION_MINUTES} minutes"),
        ))
    }
}

/// What approving an application does, given the community's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// There is a place: the applicant becomes a member.
    Admit,
    /// The community is full: the application joins the wait-list.
    Waitlist,
}

/// Capacity decision: closed and open groups alike never exceed capacity;
/// `active_members` counts current members (core team included).
pub fn admission(capacity: i32, active_members: u64) -> Admission {
    if active_members < u64::try_from(capacity.max(0)).unwrap_or(0) {
        Admission::Admit
    } else {
        Admission::Waitlist
    }
}

impl ApplicationDecision {
    /// What the decision does, given whether the community has a place
    /// (only approval looks at capacity).
    pub fn effect(self, place: Admission) -> (ApplicationDecisionOutcome, ApplicationStatus) {
        match (self, place) {
            (Self::Reject, _) => (
                ApplicationDecisionOutcome::Rejected,
                ApplicationStatus::Rejected,
            ),
            (Self::Waitlist, _) => (
                ApplicationDecisionOutcome::Waitlisted,
                ApplicationStatus::Waitlisted,
            ),
            (Self::Approve, Admission::Admit) => (
                ApplicationDecisionOutcome::Admitted,
                ApplicationStatus::Approved,
            ),
            (Self::Approve, Admission::Waitlist) => (
                ApplicationDecisionOutcome::WaitlistedFull,
                ApplicationStatus::Waitlisted,
            ),
        }
    }
}
