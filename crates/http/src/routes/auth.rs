//! Registration, email verification, login, token refresh and logout.
use actix_web::{HttpResponse, post, web};
use peerhub_persistence::{accounts, sessions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{anonymous_ctx, issue_access_token};
use crate::extract::JsonBody;
use crate::problem::ApiResult;
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "sam.patel@nhs.net", "password": "a long passphrase", "display_name": "Sam Patel", "network_id": super::EX_NETWORK_ID}))]
pub struct RegisterRequest {
    #[validate(length(max = 254))]
    pub email: String,
    /// 12 to 128 characters, not all the same character, not the email.
    #[validate(length(max = 1024))]
    pub password: String,
    #[validate(length(max = 1000))]
    pub display_name: String,
    /// The network to join; the email's domain must be one it allows.
    #[schema(format = Uuid)]
    #[validate(length(max = 64))]
    pub network_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "pending_verification", "detail": "If this address can register, a verification email is on its way."}))]
pub struct RegistrationAccepted {
    pub status: String,
    pub detail: String,
}

/// Register with an email address from one of the network's allowed domains.
///
/// Answers 202 whether or not the address already has an account (so this
/// cannot be used to find out who is registered); the mailbox gets either a
/// verification token or a note that an account exists. Addresses outside
/// the allowed domains get 403 `invitation-required`.
#[utoipa::path(
    tag = "auth",
    operation_id = "register",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Verification notice queued", body = RegistrationAccepted),
        (status = 403, description = "`invitation-required`: the email domain is not allowed", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: JsonBody<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    accounts::register(
        &state.db,
        &anonymous_ctx(),
        accounts::Registration {
            email: b.email,
            password: b.password,
            display_name: b.display_name,
            network_id: b.network_id,
        },
        &state.links(),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(RegistrationAccepted {
        status: "pending_verification".into(),
        detail: "If this address can register, a verification email is on its way.".into(),
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "Q2hlY2sgeW91ciBpbmJveCBmb3IgdGhlIHJlYWwgdG9rZW4"}))]
pub struct VerifyRequest {
    /// The token from the verification email.
    #[validate(length(min = 1, max = 200))]
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user_id": super::EX_USER_ID, "status": "active"}))]
pub struct VerifyResponse {
    pub user_id: String,
    pub status: String,
}

/// Confirm an email address.
#[utoipa::path(
    tag = "auth",
    operation_id = "verifyEmail",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Email verified; the account is active", body = VerifyResponse),
        (status = 422, description = "Unknown, used or expired token", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    body: JsonBody<VerifyRequest>,
) -> ApiResult<HttpResponse> {
    let u = accounts::verify_email(&state.db, &anonymous_ctx(), &body.0.token).await?;
    Ok(HttpResponse::Ok().json(VerifyResponse {
        user_id: u.id,
        status: u.status,
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "sam.patel@nhs.net", "password": "a long passphrase"}))]
pub struct LoginRequest {
    #[validate(length(max = 254))]
    pub email: String,
    #[validate(length(max = 1024))]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9...", "refresh_token": "phr_3q2-7wAAAAB...", "token_type": "Bearer", "expires_in": 900}))]
pub struct TokenPair {
    /// JWT (HS256) to send as `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use; exchange at /v1/auth/refresh.
    pub refresh_token: String,
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

async fn token_pair(
    state: &AppState,
    user_id: &str,
    refresh_token: String,
) -> ApiResult<TokenPair> {
    Ok(TokenPair {
        access_token: issue_access_token(state, user_id)?,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: state.settings.access_token_ttl.num_seconds(),
    })
}

/// Log in with email and password.
///
/// Unknown email and wrong password give the same 401. After 5 failures in
/// 15 minutes the address is locked for 15 minutes (429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPair),
        (status = 401, description = "`invalid-credentials`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`email-not-verified` or `account-disabled`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts`; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: JsonBody<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let u = accounts::login(&state.db, &anonymous_ctx(), &body.0.email, &body.0.password).await?;
    let refresh_token = sessions::start(&state.db, &u.id, state.settings.refresh_token_ttl).await?;
    Ok(HttpResponse::Ok().json(token_pair(&state, &u.id, refresh_token).await?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "phr_3q2-7wAAAAB..."}))]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200))]
    pub refresh_token: String,
}

/// Exchange a refresh token for a new token pair.
///
/// Each refresh token works once. Presenting one that was already rotated
/// revokes its whole family (every token descended from the same login).
#[utoipa::path(
    tag = "auth",
    operation_id = "refreshTokens",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenPair),
        (status = 401, description = "`invalid-refresh-token`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let (u, raw) = sessions::rotate(
        &state.db,
        &anonymous_ctx(),
        &body.0.refresh_token,
        state.settings.refresh_token_ttl,
    )
    .await?;
    Ok(HttpResponse::Ok().json(token_pair(&state, &u.id, raw).await?))
}

/// Log out: revoke the refresh token's family. Idempotent.
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out"))
)]
#[post("/v1/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    sessions::logout(&state.db, &anonymous_ctx(), &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}
