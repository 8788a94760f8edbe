//! Governance reporting (docs/governance.md): the governance bodies of a
//! network, post-meeting feedback forms and the escalations raised from
//! them.
use utoipa_actix_web::service_config::ServiceConfig;

pub mod bodies;
pub mod bulletin;
pub mod escalations;
pub mod feedback;
pub mod report;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    bodies::register(cfg);
    bulletin::register(cfg);
    feedback::register(cfg);
    escalations::register(cfg);
    report::register(cfg);
}
