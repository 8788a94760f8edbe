//! Governance reporting (docs/governance.md): the governance bodies of a
//! network.
use utoipa_actix_web::service_config::ServiceConfig;

pub mod bodies;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    bodies::register(cfg);
}
