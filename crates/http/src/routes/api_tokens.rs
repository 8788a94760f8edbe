//! Personal API tokens for integrations and scripts.
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::account::ApiTokenScope;
use peerhub_persistence::api_tokens::{self, stored_scopes};
use peerhub_persistence::entities::api_token;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Person;
use crate::extract::{JsonBody, PathId};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "HR sync", "scopes": ["memberships:read", "users:read"], "expires_at": "2027-01-31T00:00:00Z", "current_password": "my current passphrase"}))]
pub struct CreateApiToken {
    /// A label to recognise the token by (1–100 characters).
    #[validate(length(max = 1000))]
    pub name: String,
    /// One or more scopes (also listed by GET /v1/taxonomy); repeats count
    /// once.
    #[validate(length(max = 20))]
    pub scopes: Vec<ApiTokenScope>,
    /// Expiry, at most 366 days ahead (default 90 days).
    pub expires_at: Option<DateTime<Utc>>,
    /// My current password: a new credential needs re-authentication
    /// (403 `reauthentication-failed`, under the login lockout).
    #[validate(length(max = 1024))]
    pub current_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a6f2-3333-7b3a-9d4e-2f1a0b9c8d7e", "name": "HR sync", "scopes": ["memberships:read"], "token_prefix": "phk_3q2-7w", "expires_at": "2027-01-31T00:00:00Z", "revoked_at": null, "last_used_at": null, "created_at": "2026-11-01T09:00:00Z"}))]
pub struct ApiTokenView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<ApiTokenScope>,
    /// The first characters of the secret, to tell tokens apart.
    pub token_prefix: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<api_token::Model> for ApiTokenView {
    type Error = ApiError;

    fn try_from(t: api_token::Model) -> Result<Self, ApiError> {
        Ok(Self {
            scopes: stored_scopes(&t)?,
            id: t.id,
            name: t.name,
            token_prefix: t.token_prefix,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
            created_at: t.created_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"token": {"id": "0193a6f2-3333-7b3a-9d4e-2f1a0b9c8d7e", "name": "HR sync", "scopes": ["memberships:read"], "token_prefix": "phk_3q2-7w", "expires_at": "2027-01-31T00:00:00Z", "revoked_at": null, "last_used_at": null, "created_at": "2026-11-01T09:00:00Z"}, "secret": "phk_3q2-7wAAAAB..."}))]
pub struct CreatedApiToken {
    pub token: ApiTokenView,
    /// The secret, shown this once only. Send it as `Authorization: Bearer`.
    pub secret: String,
}

crate::page_schema!(ApiTokenPage, ApiTokenView);

/// Create an API token acting for me, limited to its scopes
///
/// The secret is in the answer only this once. Needs my current password
/// (403 `reauthentication-failed`, under the login lockout: 429
/// `too-many-attempts`). The token expires at `expires_at` (default 90
/// days, at most 366).
///
/// Access: any signed-in person (their own tokens); API tokens are refused.
#[utoipa::path(
    tag = "api-tokens",
    operation_id = "createApiToken",
    security(("bearer" = [])),
    request_body = CreateApiToken,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Created; the secret is in the body only this once", body = CreatedApiToken),
        (status = 403, description = "`reauthentication-failed`: the current password is wrong; `insufficient-scope` for API tokens", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`: the lockout of the address applies; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/api-tokens")]
pub async fn create(
    state: web::Data<AppState>,
    person: Person,
    req: HttpRequest,
    body: JsonBody<CreateApiToken>,
) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let b = body.0;
    let ctx = auth.ctx_with_client(&req);
    peerhub_persistence::accounts::reauthenticate(
        &state.db,
        &ctx,
        &auth.0.user_id,
        &b.current_password,
    )
    .await?;
    let (t, secret) = api_tokens::create(
        &state.db,
        &ctx,
        &auth.0.user_id,
        &b.name,
        &b.scopes,
        b.expires_at,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/api-tokens/{}", t.id)))
        .json(CreatedApiToken {
            token: t.try_into()?,
            secret,
        }))
}

/// List my API tokens
///
/// Every token I created, revoked and expired ones included, oldest first;
/// never their secrets.
///
/// Access: any signed-in person (their own tokens); API tokens are refused.
#[utoipa::path(
    tag = "api-tokens",
    operation_id = "listApiTokens",
    security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "My tokens", body = ApiTokenPage))
)]
#[get("/v1/api-tokens")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    person: Person,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let page = api_tokens::list(&state.db, &auth.0.user_id, &q.to_request()?).await?;
    let page = try_page(page, ApiTokenView::try_from)?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Revoke one of my API tokens
///
/// Idempotent: revoking a revoked token answers 204 again. Someone else's
/// token answers 404.
///
/// Access: any signed-in person (their own tokens); API tokens are refused.
#[utoipa::path(
    tag = "api-tokens",
    operation_id = "revokeApiToken",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token of mine", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/api-tokens/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    person: Person,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let auth = person.0;
    api_tokens::revoke(&state.db, &auth.ctx(), &auth.0.user_id, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
