//! Governance reporting (docs/governance.md): the bodies a network reports
//! to.
pub mod bodies;
