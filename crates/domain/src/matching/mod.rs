//! Matching: scoring pairs, the optimal engines, and a run's plan; the
//! closed sets and rules of programmes, supporters, requests, matches,
//! safeguarding concerns and complaints.
pub mod assignment;
pub mod blossom;
pub mod complaint;
pub mod complaint_view;
pub mod concern;
pub mod evaluation;
pub mod lifecycle;
pub mod plan;
pub mod request;
pub mod score;
pub mod supporter;
