//! Communities of Practice, one file per sub-resource: the community
//! itself ([`community`]), its Terms of Reference ([`terms`]), its roster as
//! JSON or CSV ([`roster`], [`csv`]), and core-team roles and my own
//! memberships ([`members`]).
use utoipa_actix_web::service_config::ServiceConfig;

pub mod community;
pub mod csv;
pub mod members;
pub mod roster;
pub mod terms;

pub use community::{Cadence, CommunityPatch, CommunityView, CreateCommunity};
pub use terms::{EligibilityRulesDto, TermsDraftRequest, TermsView};

/// Registers the communities' handlers (literal paths before templated
/// ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(community::create)
        .service(community::list)
        .service(community::get_one)
        .service(community::update)
        .service(community::archive)
        .service(terms::current_terms)
        .service(terms::terms_versions)
        .service(terms::draft_terms)
        .service(terms::approve_terms)
        .service(members::my_memberships)
        .service(roster::export_members_csv)
        .service(roster::WithParamSchemas(roster::list_members))
        .service(members::update_member);
}
