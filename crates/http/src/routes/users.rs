//! Looking people up within a network, and account control by platform
//! admins (disabling and re-enabling an account).
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::account::{ApiTokenScope, Email, UserStatus};
use peerhub_domain::account_control::AccountAction;
use peerhub_persistence::entities::user;
use peerhub_persistence::{Page, access, account_control, accounts, stored};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, OptionalJsonBody, PathId, etag, uuid_field};
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

/// Look a person up by email in a network
///
/// Answers a page of zero or one person: empty when nobody in the network
/// has the address. Another network answers 404 as if it did not exist.
///
/// Access: managers of the network and platform admins; API tokens with `users:read`.
#[utoipa::path(
    tag = "users",
    operation_id = "lookupUsers",
    security(("bearer" = []), ("apiToken" = ["users:read"])),
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
        Some(ApiTokenScope::UsersRead),
    )
    .await?;
    let found = accounts::find_in_network(&state.db, &network_id, &email).await?;
    let items = found
        .into_iter()
        .map(|(u, m)| NetworkMemberView::from_parts(&network_id, u, &m))
        .collect::<ApiResult<Vec<_>>>()?;
    let page = Page {
        items,
        next_after: None,
    };
    Ok(page_response(&req, &state, page, |v| v))
}

/// An account as a platform admin sees it after disabling or enabling it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": super::EX_USER_ID, "email": "sam.patel@nhs.net", "display_name": "Sam Patel", "status": "disabled", "is_platform_admin": false, "version": 4, "updated_at": "2026-11-21T09:00:00Z"}))]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub status: UserStatus,
    pub is_platform_admin: bool,
    /// The account's version (also the `ETag`).
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<user::Model> for AccountView {
    type Error = ApiError;

    fn try_from(u: user::Model) -> Result<Self, ApiError> {
        Ok(Self {
            status: stored::decode("user.status", &u.status)?,
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            is_platform_admin: u.is_platform_admin,
            version: u.version,
            updated_at: u.updated_at,
        })
    }
}

/// The optional body of a disable or enable.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Left the trust; access ends with their contract"}))]
pub struct AccountControlBody {
    /// Why, in up to 1,000 characters. Sent to the person in the notice;
    /// not recorded in the audit trail.
    #[validate(length(max = 10000))]
    pub reason: Option<String>,
}

async fn control(
    state: &AppState,
    auth: &Auth,
    id: &str,
    action: AccountAction,
    reason: Option<String>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    access::platform_admin(&auth.0)?;
    let change = account_control::set_status(
        &state.db,
        &auth.ctx(),
        &auth.0.user_id,
        id,
        action,
        reason,
        if_match.0,
    )
    .await?;
    let u = change.user;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(u.version)))
        .json(AccountView::try_from(u)?))
}

/// Disable an account
///
/// The person can no longer log in (403 `account-disabled`), every refresh
/// token is revoked, and their access and API tokens are refused at once
/// (401 `invalid-token`). They are told by email. Disabling a disabled
/// account changes nothing. Nobody disables themselves (409
/// `cannot-disable-self`); pending and erased accounts answer 409
/// `account-not-verified` or `account-erased`. Honours `If-Match` with the
/// account's version.
///
/// Access: platform admins; API tokens are refused.
#[utoipa::path(
    tag = "users",
    operation_id = "disableUser",
    security(("bearer" = [])),
    request_body(content = Option<AccountControlBody>, description = "Optional: the body may be left out", example = json!({"reason": "Left the trust; access ends with their contract"})),
    params(("id" = uuid::Uuid, Path, description = "The person's user id"), ("If-Match" = Option<String>, Header, description = "The account's version")),
    responses(
        (status = 200, description = "Disabled (or already disabled)", body = AccountView, headers(("ETag" = String))),
        (status = 403, description = "Not a platform admin (`forbidden`), or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`cannot-disable-self`, `account-not-verified` or `account-erased`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`reason` too long", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/users/{id}/disable")]
pub async fn disable(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: OptionalJsonBody<AccountControlBody>,
) -> ApiResult<HttpResponse> {
    control(
        &state,
        &auth,
        &id,
        AccountAction::Disable,
        body.0.reason,
        if_match,
    )
    .await
}

/// Enable a disabled account again
///
/// The person logs in afresh (their sessions ended when it was disabled);
/// their API tokens work again until they expire. They are told by email.
/// Enabling an active account changes nothing; pending and erased accounts
/// answer 409 `account-not-verified` or `account-erased`. Honours
/// `If-Match` with the account's version.
///
/// Access: platform admins; API tokens are refused.
#[utoipa::path(
    tag = "users",
    operation_id = "enableUser",
    security(("bearer" = [])),
    request_body(content = Option<AccountControlBody>, description = "Optional: the body may be left out", example = json!({"reason": "Back from secondment"})),
    params(("id" = uuid::Uuid, Path, description = "The person's user id"), ("If-Match" = Option<String>, Header, description = "The account's version")),
    responses(
        (status = 200, description = "Enabled (or already active)", body = AccountView, headers(("ETag" = String))),
        (status = 403, description = "Not a platform admin (`forbidden`), or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`account-not-verified` or `account-erased`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`reason` too long", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/users/{id}/enable")]
pub async fn enable(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: OptionalJsonBody<AccountControlBody>,
) -> ApiResult<HttpResponse> {
    control(
        &state,
        &auth,
        &id,
        AccountAction::Enable,
        body.0.reason,
        if_match,
    )
    .await
}
