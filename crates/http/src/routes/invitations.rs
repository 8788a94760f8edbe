//! Invitations into a network.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::account::{NetworkRole, TokenType};
use peerhub_domain::network::InvitationStatus;
use peerhub_persistence::entities::invitation;
use peerhub_persistence::invitations::{self, community_ids_of, effective_status, role_of};
use peerhub_persistence::{access, sessions};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Auth, anonymous_ctx, issue_access_token};
use crate::extract::{JsonBody, closed_query, uuid_field};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::routes::auth::TokenPair;
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"network_id": super::EX_NETWORK_ID, "email": "alex.jones@gmail.com", "role": "member", "community_ids": []}))]
pub struct CreateInvitation {
    #[schema(format = Uuid)]
    #[validate(length(max = 64))]
    pub network_id: String,
    #[validate(length(max = 254))]
    pub email: String,
    /// The role the invitee gets in the network (default `member`).
    #[serde(default = "default_role")]
    #[schema(default = "member")]
    pub role: NetworkRole,
    /// Communities to offer the invitee once they join.
    #[serde(default)]
    pub community_ids: Vec<String>,
}

fn default_role() -> NetworkRole {
    NetworkRole::Member
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f2-4444-7b3a-9d4e-2f1a0b9c8d7e", "network_id": super::EX_NETWORK_ID, "email": "alex.jones@gmail.com", "role": "member", "community_ids": [], "status": "pending", "expires_at": "2026-12-05T09:00:00Z", "created_by": super::EX_USER_ID, "accepted_user_id": null, "accepted_at": null, "created_at": "2026-11-21T09:00:00Z"}))]
pub struct InvitationView {
    pub id: String,
    pub network_id: String,
    pub email: String,
    pub role: NetworkRole,
    pub community_ids: Vec<String>,
    /// `expired` once a pending invitation passes `expires_at`.
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    pub created_by: String,
    pub accepted_user_id: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<invitation::Model> for InvitationView {
    type Error = ApiError;

    fn try_from(i: invitation::Model) -> Result<Self, ApiError> {
        Ok(Self {
            status: effective_status(&i, Utc::now())?,
            role: role_of(&i)?,
            community_ids: community_ids_of(&i)?,
            id: i.id,
            network_id: i.network_id,
            email: i.email,
            expires_at: i.expires_at,
            created_by: i.created_by,
            accepted_user_id: i.accepted_user_id,
            accepted_at: i.accepted_at,
            created_at: i.created_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedInvitation {
    pub invitation: InvitationView,
    /// The single-use token (also emailed to the invitee).
    pub token: String,
    /// Where the invitee accepts: POST here with a display name and password.
    pub accept_url: String,
}

crate::page_schema!(InvitationPage, InvitationView);

/// Invite someone into a network
///
/// The token goes to the invitee by email and is also returned here, to
/// pass on another way if needed. The invitation expires after 14 days.
///
/// Access: managers of the network and platform admins; API tokens are refused.
#[utoipa::path(
    tag = "invitations",
    operation_id = "createInvitation",
    security(("bearer" = [])),
    request_body = CreateInvitation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Invitation created", body = CreatedInvitation),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/invitations")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<CreateInvitation>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let network_id = uuid_field(&b.network_id, "network_id")?;
    let net = access::network(&state.db, &auth.0, &network_id, Need::Manager, None).await?;
    let (inv, token) = invitations::create(
        &state.db,
        &auth.ctx(),
        &net,
        invitations::NewInvitation {
            network_id,
            email: b.email,
            role: b.role,
            community_ids: b.community_ids,
        },
        &state.links(),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/v1/invitations?network_id={}", inv.network_id),
        ))
        .json(CreatedInvitation {
            accept_url: state.links().invitation_api(&token),
            invitation: inv.try_into()?,
            token,
        }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvitationFilter {
    /// The network whose invitations to list.
    #[param(format = Uuid)]
    pub network_id: String,
    /// Only invitations with this status (`expired`: pending ones past
    /// their expiry).
    #[param(value_type = Option<InvitationStatus>)]
    pub status: Option<String>,
}

/// List a network's invitations
///
/// Oldest first, optionally only those with one status. An unknown
/// `status` answers 422 naming the allowed values.
///
/// Access: managers of the network and platform admins; API tokens are refused.
#[utoipa::path(
    tag = "invitations",
    operation_id = "listInvitations",
    security(("bearer" = [])),
    params(InvitationFilter, PageQuery),
    responses(
        (status = 200, description = "Invitations, oldest first", body = InvitationPage),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/invitations")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<InvitationFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let network_id = uuid_field(&f.network_id, "network_id")?;
    let status = closed_query::<InvitationStatus>("status", f.status.as_deref())?;
    let page_req = q.to_request()?;
    access::network(&state.db, &auth.0, &network_id, Need::Manager, None).await?;
    let page = invitations::list(&state.db, &network_id, status, &page_req).await?;
    let page = try_page(page, InvitationView::try_from)?;
    Ok(page_response(&req, &state, page, |v| v))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Alex Jones", "password": "a long passphrase"}))]
pub struct AcceptInvitation {
    #[validate(length(max = 1000))]
    pub display_name: String,
    /// For a new account: a password that meets the password policy
    /// (docs/api-guide.md, "Password policy"). If the invited email already
    /// has an account, its current password.
    #[validate(length(max = 1024))]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedInvitation {
    pub user_id: String,
    pub network_id: String,
    /// Logged in straight away.
    pub tokens: TokenPair,
}

/// Accept an invitation and log in
///
/// Creates an already-verified account, or adds an existing account (given
/// its password: 401 `invalid-credentials` when wrong) to the network, and
/// answers a token pair. A used or expired invitation answers 409
/// `invitation-not-pending`. `Idempotency-Key` is ignored here. The token
/// in the path is the credential.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "invitations",
    operation_id = "acceptInvitation",
    security(()),
    request_body = AcceptInvitation,
    params(("token" = String, Path, description = "The invitation token")),
    responses(
        (status = 201, description = "Joined", body = AcceptedInvitation),
        (status = 401, description = "The email has an account and the password is wrong", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invitation-not-pending`: used or expired", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/invitations/{token}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: JsonBody<AcceptInvitation>,
) -> ApiResult<HttpResponse> {
    if token.len() > 200 {
        return Err(ApiError::not_found("invitation"));
    }
    let b = body.0;
    let (u, net) = invitations::accept(
        &state.db,
        &anonymous_ctx(),
        &token,
        &b.display_name,
        &b.password,
    )
    .await?;
    let refresh = sessions::start(&state.db, &u.id, state.settings.refresh_token_ttl).await?;
    Ok(HttpResponse::Created().json(AcceptedInvitation {
        tokens: TokenPair {
            access_token: issue_access_token(&state, &u.id)?,
            refresh_token: refresh,
            token_type: TokenType::Bearer,
            expires_in: state.settings.access_token_ttl.num_seconds(),
        },
        user_id: u.id,
        network_id: net.id,
    }))
}
