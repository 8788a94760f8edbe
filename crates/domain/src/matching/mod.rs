//! Matching: scoring pairs, the optimal engines, and a run's plan.
pub mod assignment;
pub mod blossom;
pub mod complaint_view;
pub mod evaluation;
pub mod lifecycle;
pub mod plan;
pub mod score;
