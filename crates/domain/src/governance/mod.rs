//! Governance reporting (docs/governance.md): the bodies a network reports
//! to. Each rule is a pure function with its unit tests beside it.
pub mod bodies;
