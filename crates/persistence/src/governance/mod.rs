//! Governance reporting (docs/governance.md): the bodies a network reports
//! to, post-meeting feedback forms and their escalations.
pub mod bodies;
pub mod bulletin;
pub mod escalation_list;
pub mod escalations;
pub mod feedback;
pub mod report;
