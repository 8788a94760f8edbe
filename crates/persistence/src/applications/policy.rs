//! Who may see and act on an application: the facts are loaded here, the
//! rule is [`peerhub_domain::application::policy::authorize`].
use peerhub_domain::access::{
    CommunityNeed, Decision as AccessDecision, Principal, decide_community,
};
use peerhub_domain::application::policy::{self, Caller};
use sea_orm::ConnectionTrait;

pub use peerhub_domain::application::policy::ApplicationNeed;

use crate::entities::application;
use crate::error::Failure;
use crate::load;

/// Loads an application the caller may do `need` with: 404 when they may
/// not know it exists, 403 `forbidden` when they may see it but not do
/// this, 403 `insufficient-scope` for API tokens.
pub async fn authorize<C: ConnectionTrait>(
    conn: &C,
    principal: &Principal,
    application_id: &str,
    need: ApplicationNeed,
) -> Result<application::Model, Failure> {
    let a =
        load::find_or_404::<application::Entity, _>(conn, application_id, "application").await?;
    let network_role = crate::access::role_in(conn, &principal.user_id, &a.network_id).await?;
    let community_role =
        crate::access::community_role_of(conn, &principal.user_id, &a.community_id).await?;
    // Decide by role as the person; the rule applies the token rule.
    let person = Principal {
        token_scopes: None,
        ..principal.clone()
    };
    let by = |need| decide_community(&person, network_role, community_role, need, None);
    policy::authorize(
        Caller {
            as_core: by(CommunityNeed::Core),
            is_manager: by(CommunityNeed::Manager) == AccessDecision::Allow,
            is_applicant: a.user_id == principal.user_id,
            is_token: principal.is_token(),
        },
        need,
    )
    .map_err(|r| Failure::Refused(r.into()))?;
    Ok(a)
}
