//! Looking people up within a network.
use actix_web::{HttpRequest, HttpResponse, get, web};
use peerhub_domain::access::Need;
use peerhub_domain::account::{Email, Scope};
use peerhub_persistence::{Page, access, accounts};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Auth;
use crate::extract::uuid_field;
use crate::pagination::page_response;
use crate::problem::{ApiError, ApiResult};
use crate::routes::networks::{NetworkMemberPage, NetworkMemberView};

use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserLookup {
    /// Exact email address (case-insensitive).
    pub email: String,
    /// The network to look in.
    #[param(format = Uuid)]
    pub network_id: String,
}

/// Look a person up by email in a network (managers, or an API token with
/// `users:read`). Answers an empty page when nobody in the network matches.
#[utoipa::path(
    tag = "users",
    operation_id = "lookupUsers",
    security(("bearer" = [])),
    params(UserLookup),
    responses(
        (status = 200, description = "Zero or one person", body = NetworkMemberPage),
        (status = 403, description = "Not a manager, or a token without users:read", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/users")]
pub async fn lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<UserLookup>,
) -> ApiResult<HttpResponse> {
    let network_id = uuid_field(&q.network_id, "network_id")?;
    let email = Email::parse(&q.email).map_err(|e| ApiError::field("email", e.code, e.message))?;
    access::network(
        &state.db,
        &auth.0,
        &network_id,
        Need::Manager,
        Some(Scope::UsersRead),
    )
    .await?;
    let found = accounts::find_in_network(&state.db, &network_id, &email).await?;
    let page = Page {
        items: found.into_iter().collect::<Vec<_>>(),
        next_after: None,
    };
    Ok(page_response(&req, &state, page, |(u, m)| {
        let role = m.role.clone();
        NetworkMemberView::from_parts(&network_id, u, role, Some(&m))
    }))
}
