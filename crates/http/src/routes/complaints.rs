//! (being written)
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's handlers.
pub fn register(_cfg: &mut ServiceConfig) {}
