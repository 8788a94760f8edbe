//! Matching programmes: their settings, supporters, requests, matching runs
//! and manual pairs.
use peerhub_domain::access::Need;
use peerhub_persistence::matching::{ProgrammeAccess, programme_access};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Auth;
use crate::problem::ApiResult;
use crate::state::AppState;

pub mod pairs;
pub mod requests;
pub mod runs;
pub mod settings;
pub mod supporters;

/// Registers this module's handlers (literal paths before templated ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(settings::create)
        .service(settings::list)
        .service(settings::get_one)
        .service(settings::update)
        .service(supporters::add_supporter)
        .service(supporters::list_supporters)
        .service(supporters::update_supporter)
        .service(requests::create_request)
        .service(requests::list_requests)
        .service(requests::get_request)
        .service(requests::withdraw_request)
        .service(runs::create_run)
        .service(runs::list_runs)
        .service(runs::get_run)
        .service(pairs::create_match);
}

const EX_SUPPORTER_ID: &str = "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e";
const EX_RUN_ID: &str = "0193a6f2-bbbb-7b3a-9d4e-2f1a0b9c8d7e";
const EX_LEAD_ID: &str = "0193a6f2-cccc-7b3a-9d4e-2f1a0b9c8d7e";

/// Loads a programme for the caller (404 when it is not visible to them).
async fn load(state: &AppState, auth: &Auth, id: &str, need: Need) -> ApiResult<ProgrammeAccess> {
    Ok(programme_access(&state.db, &auth.0, id, need).await?)
}
