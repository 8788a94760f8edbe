//! Authentication: JWT access tokens for people, opaque API tokens for
//! integrations, both presented as `Authorization: Bearer`.
use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::Utc;
use jsonwebtoken::{Algorithm, Header, Validation, decode, encode};
use peerhub_domain::access::Principal;
use peerhub_domain::account::ApiTokenScope;
use peerhub_domain::auth::{AuthRefusal, SessionClaim};
use peerhub_persistence::caller::{self, Who};
use peerhub_persistence::{Ctx, access, api_tokens};
use serde::{Deserialize, Serialize};

use crate::context::current_request;
use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
}

/// When a token was issued, to the millisecond: its `jti` is a UUID v7,
/// which carries that time (`iat` has whole seconds only, too coarse for a
/// cut-off followed at once by a new session).
fn issued_at_ms(c: &Claims) -> i64 {
    uuid::Uuid::parse_str(&c.jti)
        .ok()
        .and_then(|u| u.get_timestamp())
        .map(|t| {
            let (secs, nanos) = t.to_unix();
            secs as i64 * 1000 + i64::from(nanos / 1_000_000)
        })
        .unwrap_or(c.iat * 1000)
}

/// Signs an access token for `user_id`.
pub fn issue_access_token(state: &AppState, user_id: &str) -> Result<String, ApiError> {
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: user_id.to_owned(),
        iss: state.settings.jwt_issuer.clone(),
        aud: state.settings.jwt_audience.clone(),
        exp: now + state.settings.access_token_ttl.num_seconds(),
        iat: now,
        nbf: now,
        jti: uuid::Uuid::now_v7().to_string(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &state.keys.encoding,
    )
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("signing access token: {e}")))
}

fn validation(state: &AppState) -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.algorithms = vec![Algorithm::HS256];
    v.set_issuer(&[&state.settings.jwt_issuer]);
    v.set_audience(&[&state.settings.jwt_audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
    v.validate_exp = true;
    v.validate_nbf = true;
    v.leeway = 5;
    v
}

fn invalid_token() -> ApiError {
    let r = AuthRefusal::InvalidToken;
    ApiError::unauthorized(r.code(), r.message())
}

/// The authenticated caller. Extracting it answers 401 when there is no
/// valid bearer token.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl Auth {
    /// Checks that the caller may use an operation accepting API tokens
    /// with `accepts` (`None`: people only). A person passes; an API token
    /// without that scope gets the one 403 `insufficient-scope` refusal
    /// (worded once, in `peerhub_persistence::access`). Use it where scope
    /// is checked before anything else; where visibility comes first (docs/
    /// api-guide.md, "Lacking the scope"), the store's access check decides.
    pub fn require_scope(&self, accepts: Option<ApiTokenScope>) -> Result<(), ApiError> {
        Ok(access::own_account(&self.0, accepts)?)
    }

    /// The audit context with the client address (for re-authentication,
    /// whose failures are audited like failed logins).
    pub fn ctx_with_client(&self, req: &HttpRequest) -> Ctx {
        Ctx {
            client_address: crate::guard::client_address_of(req),
            ..self.ctx()
        }
    }

    /// Audit/outbox context for this caller and request.
    pub fn ctx(&self) -> Ctx {
        Ctx {
            actor_id: Some(self.0.user_id.clone()),
            request_id: current_request().map(|r| r.id),
            client_address: None,
        }
    }
}

/// Context for unauthenticated requests (registration, login…).
pub fn anonymous_ctx() -> Ctx {
    Ctx {
        actor_id: None,
        request_id: current_request().map(|r| r.id),
        client_address: None,
    }
}

/// Context for an unauthenticated request, with the client address (see
/// `guard::client_address`) for the audit trail.
pub fn client_ctx(req: &HttpRequest) -> Ctx {
    Ctx {
        client_address: crate::guard::client_address_of(req),
        ..anonymous_ctx()
    }
}

pub(crate) fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(h) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let h = h.to_str().map_err(|_| invalid_token())?;
    let (scheme, token) = h.split_once(' ').ok_or_else(invalid_token)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(invalid_token());
    }
    Ok(Some(token.trim().to_owned()))
}

/// Checks a bearer token (one statement: the account, or the API token
/// with its owner); answers the caller.
pub(crate) async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    if token.starts_with(api_tokens::TOKEN_PREFIX) {
        let (t, u) = api_tokens::authenticate(&state.db, token)
            .await?
            .ok_or_else(invalid_token)?;
        let principal = Principal {
            user_id: u.id.clone(),
            is_platform_admin: u.is_platform_admin,
            token_scopes: Some(api_tokens::stored_scopes(&t)?),
        };
        return Ok(principal);
    }
    // The account must still admit the token: active, and no log out
    // everywhere, password change or reset since it was issued. A stored
    // status that does not decode is an error, not a refusal.
    let claim = verify_session(state, token)?;
    Ok(caller::session_account(&state.db, &claim).await?)
}

/// Verifies an access token without the database: signature, issuer,
/// audience and lifetime. Whether its account still admits it is checked
/// on the account row (`caller::session_account`, or folded into a read).
fn verify_session(state: &AppState, token: &str) -> Result<SessionClaim, ApiError> {
    let data = decode::<Claims>(token, &state.keys.decoding, &validation(state))
        .map_err(|_| invalid_token())?;
    Ok(SessionClaim {
        issued_at_ms: issued_at_ms(&data.claims),
        user_id: data.claims.sub,
    })
}

fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("app state missing")))
}

/// The bearer token of `req`: 401 without one.
fn required_bearer(req: &HttpRequest) -> Result<String, ApiError> {
    bearer(req)?.ok_or_else(|| {
        ApiError::unauthorized(
            "authentication-required",
            "send Authorization: Bearer <token>",
        )
    })
}

/// Authenticates `req`: 401 without a valid bearer token.
async fn authenticate_request(req: &HttpRequest) -> Result<Principal, ApiError> {
    let state = app_state(req)?;
    let token = required_bearer(req)?;
    authenticate(state, &token).await
}

/// The caller of a read that folds authentication into its own statement
/// (`peerhub_persistence::caller`): a person's access token, verified but
/// with its account not yet read, or an API token, authenticated as
/// [`Auth`] does. Extracting it answers 401 without a bearer token or with
/// one that does not verify; the read itself answers 401 when the account
/// no longer admits the token, before any 403 or 404.
#[derive(Debug, Clone)]
pub enum Caller {
    Checked(Auth),
    Session(SessionClaim),
}

impl Caller {
    pub fn who(&self) -> Who<'_> {
        match self {
            Caller::Checked(auth) => Who::Principal(&auth.0),
            Caller::Session(claim) => Who::Session(claim),
        }
    }

    /// 403 `insufficient-scope` to an API token, for the operations only
    /// a person may use (see [`Person`]).
    pub fn person_only(&self) -> Result<(), ApiError> {
        match self {
            Caller::Checked(auth) => auth.require_scope(None),
            Caller::Session(_) => Ok(()),
        }
    }

    /// The caller authenticated on their own (one statement for a
    /// session), for a read that cannot fold it in.
    pub async fn principal(&self, state: &AppState) -> Result<Principal, ApiError> {
        match self {
            Caller::Checked(auth) => Ok(auth.0.clone()),
            Caller::Session(claim) => Ok(caller::session_account(&state.db, claim).await?),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            let token = required_bearer(&req)?;
            if token.starts_with(api_tokens::TOKEN_PREFIX) {
                let principal = authenticate(state, &token).await?;
                return Ok(Caller::Checked(Auth(principal)));
            }
            Ok(Caller::Session(verify_session(state, &token)?))
        })
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate_request(&req).await.map(Auth) })
    }
}

/// An authenticated person: a signed-in session, never an API token.
/// Extracting it answers 401 like [`Auth`] without a valid bearer token, and
/// 403 `insufficient-scope` to an API token (see [`Auth::require_scope`]).
#[derive(Debug, Clone)]
pub struct Person(pub Auth);

impl FromRequest for Person {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = Auth::from_request(req, payload);
        Box::pin(async move {
            let auth = auth.await?;
            auth.require_scope(None)?;
            Ok(Person(auth))
        })
    }
}
