//! Registration, email verification, login, token refresh and logout.
use actix_web::{HttpRequest, HttpResponse, post, web};
use peerhub_domain::account::{RegistrationStatus, TokenType, UserStatus};
use peerhub_persistence::{accounts, sessions, stored};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Person, client_ctx, issue_access_token};
use crate::extract::JsonBody;
use crate::problem::ApiResult;
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "sam.patel@nhs.net", "password": "a long passphrase", "display_name": "Sam Patel", "network_id": super::EX_NETWORK_ID}))]
pub struct RegisterRequest {
    #[validate(length(max = 254))]
    pub email: String,
    /// 12 to 128 characters, hard to guess (zxcvbn score 3 or more), not
    /// one of the most common passwords and not built from the email
    /// address or the network's name. Verifying the email applies this
    /// password.
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
    /// Always `pending_verification`, whether or not the address already
    /// has an account.
    pub status: RegistrationStatus,
    pub detail: String,
}

/// Register with an email address from one of the network's allowed domains
///
/// Answers 202 whether or not the address already has an account (so this
/// cannot be used to find out who is registered); the mailbox gets either a
/// verification token or a note that an account exists, at most one email
/// per address per notice interval (5 minutes by default). Each token
/// carries the password chosen with its registration, so only proving the
/// mailbox sets a password. Addresses outside the allowed domains get 403
/// `invitation-required`.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "auth",
    operation_id = "register",
    security(()),
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Verification notice queued", body = RegistrationAccepted),
        (status = 403, description = "`invitation-required`: the email domain is not allowed", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `password` codes name the reason (`weak_password`, `too_common`, `contains_personal_info`, `too_guessable`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: too many sign-in requests from this address; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: password hashing is at its bound; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    accounts::register(
        &state.db,
        &client_ctx(&req),
        accounts::Registration {
            email: b.email,
            password: b.password,
            display_name: b.display_name,
            network_id: b.network_id,
        },
        &state.links(),
        notice_interval(&state),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(RegistrationAccepted {
        status: RegistrationStatus::PendingVerification,
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
    /// The account's status after verifying: `active`.
    pub status: UserStatus,
}

fn notice_interval(state: &AppState) -> chrono::Duration {
    chrono::Duration::seconds(state.settings.guards.notice_interval_secs.max(0))
}

/// Confirm an email address
///
/// The account becomes active with the password and display name chosen in
/// the registration that sent this token; every other outstanding
/// verification token of the account stops working. An unknown, used or
/// expired token answers 422. The token from the email is the credential.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "auth",
    operation_id = "verifyEmail",
    security(()),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Email verified; the account is active", body = VerifyResponse),
        (status = 422, description = "Unknown, used or expired token", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<VerifyRequest>,
) -> ApiResult<HttpResponse> {
    let u = accounts::verify_email(&state.db, &client_ctx(&req), &body.0.token).await?;
    Ok(HttpResponse::Ok().json(VerifyResponse {
        status: stored::decode("user.status", &u.status)?,
        user_id: u.id,
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
    /// Always `Bearer`.
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

pub(crate) async fn token_pair(
    state: &AppState,
    user_id: &str,
    refresh_token: String,
) -> ApiResult<TokenPair> {
    Ok(TokenPair {
        access_token: issue_access_token(state, user_id)?,
        refresh_token,
        token_type: TokenType::Bearer,
        expires_in: state.settings.access_token_ttl.num_seconds(),
    })
}

/// Log in with email and password
///
/// Unknown email and wrong password give the same 401
/// `invalid-credentials`. The right password answers 403
/// `email-not-verified` or `account-disabled` for an account that cannot
/// log in yet or any more. Each address gets 5 password checks in 15
/// minutes, counted before the password is checked so parallel attempts
/// cannot get more; then it is locked for 15 minutes (429
/// `too-many-attempts` with `Retry-After`). Each client address is also
/// rate limited on the sign-in routes (429 `rate-limited`).
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPair),
        (status = 401, description = "`invalid-credentials`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`email-not-verified` or `account-disabled`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too-many-attempts` (this address is locked) or `rate-limited` (this client); see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: password hashing is at its bound; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let u = accounts::login(
        &state.db,
        &client_ctx(&req),
        &body.0.email,
        &body.0.password,
    )
    .await?;
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

/// Exchange a refresh token for a new token pair
///
/// Each refresh token works once. Two refreshes with the same token within
/// the grace window (10 s by default), as two browser tabs make, both get
/// the same new pair of tokens; any other reuse of a rotated token revokes
/// its whole family (every token descended from the same login).
/// `Idempotency-Key` is ignored here: a replayed refresh never returns
/// tokens. Unknown, expired and revoked tokens, and the token of an account
/// that is no longer active, answer 401 `invalid-refresh-token`. The
/// refresh token in the body is the credential.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "auth",
    operation_id = "refreshTokens",
    security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New token pair", body = TokenPair),
        (status = 401, description = "`invalid-refresh-token`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let (u, raw) = sessions::rotate(
        &state.db,
        &client_ctx(&req),
        &body.0.refresh_token,
        state.settings.refresh_token_ttl,
        chrono::Duration::seconds(state.settings.guards.refresh_grace_secs.max(0)),
    )
    .await?;
    Ok(HttpResponse::Ok().json(token_pair(&state, &u.id, raw).await?))
}

/// Log out: revoke the refresh token's family
///
/// Idempotent: an unknown or already revoked token also answers 204. Access
/// tokens issued to the family stay valid until they expire. The refresh
/// token in the body is the credential.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    security(()),
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out"))
)]
#[post("/v1/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    sessions::logout(&state.db, &client_ctx(&req), &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Log out everywhere
///
/// Revokes every refresh token of mine and refuses every access token issued
/// before now. API tokens are separate credentials and keep working (revoke
/// them at /v1/api-tokens).
///
/// Access: any signed-in person, for their own sessions; API tokens are refused (403 `insufficient-scope`).
#[utoipa::path(
    tag = "auth",
    operation_id = "logoutAll",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session ended"),
        (status = 401, description = "`authentication-required` or `invalid-token`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient-scope`: API tokens cannot manage sessions", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/logout-all")]
pub async fn logout_all(state: web::Data<AppState>, person: Person) -> ApiResult<HttpResponse> {
    let auth = person.0;
    accounts::logout_all(&state.db, &auth.ctx(), &auth.0.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "sam.patel@nhs.net"}))]
pub struct PasswordResetRequest {
    #[validate(length(max = 254))]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"detail": "If this address has an account, a reset email is on its way."}))]
pub struct ResetAccepted {
    pub detail: String,
}

/// Ask for a password reset
///
/// Answers 202 the same way for known and unknown addresses. When the
/// address has an active (or not yet verified) account, it gets a
/// single-use token valid for 30 minutes, at most one email per address per
/// notice interval.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "auth",
    operation_id = "requestPasswordReset",
    security(()),
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Reset email queued if the address has an account", body = ResetAccepted),
        (status = 422, description = "`email` is not an email address", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    accounts::request_password_reset(
        &state.db,
        &client_ctx(&req),
        &body.0.email,
        &state.links(),
        notice_interval(&state),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(ResetAccepted {
        detail: "If this address has an account, a reset email is on its way.".into(),
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "Q2hlY2sgeW91ciBpbmJveCBmb3IgdGhlIHJlYWwgdG9rZW4", "password": "a new long passphrase"}))]
pub struct PasswordResetConfirm {
    /// The token from the reset email.
    #[validate(length(min = 1, max = 200))]
    pub token: String,
    /// The new password (the same policy as registration).
    #[validate(length(max = 1024))]
    pub password: String,
}

/// Choose a new password with a reset token
///
/// The token works once. Every session ends (refresh tokens revoked, access
/// tokens issued before now refused), other outstanding reset and
/// verification tokens stop working, the login lockout of the address is
/// cleared, and the person is told by email. An account that was waiting
/// for email verification becomes active: the reset proves the mailbox.
/// The reset token in the body is the credential.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "auth",
    operation_id = "confirmPasswordReset",
    security(()),
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "Password set; log in with it"),
        (status = 422, description = "`token` unknown, used or expired (`invalid_token`), or `password` breaks the policy", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: password hashing is at its bound; see Retry-After", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<PasswordResetConfirm>,
) -> ApiResult<HttpResponse> {
    accounts::confirm_password_reset(
        &state.db,
        &client_ctx(&req),
        &body.0.token,
        &body.0.password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
