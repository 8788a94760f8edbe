//! Governance reporting (docs/governance.md): the bodies a network reports
//! to, post-meeting feedback forms and the escalations raised from them.
//! Each rule is a pure function with its unit tests beside it.
pub mod bodies;
pub mod bulletin;
pub mod escalation;
pub mod feedback;
pub mod report;
