//! RFC 9457 problem details: the one error type every handler returns.
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use peerhub_domain::{FieldViolation, Refusal, Violations};
use peerhub_persistence::{Failure, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::current_request;

/// Base of every problem `type` URI. Each code is described in
/// docs/api-guide.md.
pub const TYPE_BASE: &str = "/problems/";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "The request body has invalid fields.",
    "instance": "/v1/networks",
    "request_id": "0193a6f2-8c1e-7b3a-9d4e-2f1a0b9c8d7e",
    "code": "validation-failed",
    "errors": [{"field": "slug", "code": "invalid_slug", "message": "must be 2 to 64 characters of a-z, 0-9 and single inner hyphens, e.g. ppn-midlands"}]
}))]
pub struct Problem {
    /// URI identifying the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    pub detail: String,
    /// The request path this occurrence happened on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id (also in the `X-Request-Id` header and the logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Machine-readable problem code (the last segment of `type`).
    pub code: String,
    /// For validation problems: every failed rule, by field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldError>)]
    pub errors: Vec<FieldViolation>,
    /// For `invalid-transition`: the statuses allowed next (empty when the
    /// current status is final).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(["routed", "closed"]))]
    pub allowed: Option<Vec<String>>,
}

/// One failed validation rule.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct FieldError {
    /// The field, as a path such as `email` or `scopes[1]`.
    pub field: String,
    /// Machine-readable rule code, e.g. `too_long`.
    pub code: String,
    /// Plain-English explanation.
    pub message: String,
}

/// Every error an endpoint can answer.
#[derive(Debug)]
pub enum ApiError {
    Status {
        status: StatusCode,
        code: &'static str,
        detail: String,
        errors: Vec<FieldViolation>,
        retry_after: Option<u64>,
        allow: Option<String>,
    },
    /// A state change the workflow does not allow (409), naming the states
    /// allowed next.
    Transition {
        code: &'static str,
        detail: String,
        allowed: Vec<String>,
    },
    /// A failure we did not expect; the cause is logged, not shown.
    Internal(anyhow::Error),
    /// The database is unreachable.
    Unavailable(anyhow::Error),
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Status {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{what} not found"),
        )
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    pub fn validation(errors: Vec<FieldViolation>) -> Self {
        ApiError::Status {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation-failed",
            detail: "The request has invalid fields; see errors.".into(),
            errors,
            retry_after: None,
            allow: None,
        }
    }

    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldViolation {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }])
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        if let ApiError::Status { retry_after, .. } = &mut self {
            *retry_after = Some(secs);
        }
        self
    }

    pub fn with_allow(mut self, methods: String) -> Self {
        if let ApiError::Status { allow, .. } = &mut self {
            *allow = Some(methods);
        }
        self
    }

    fn parts(&self) -> (StatusCode, &str, String, &[FieldViolation]) {
        match self {
            ApiError::Status {
                status,
                code,
                detail,
                errors,
                ..
            } => (*status, code, detail.clone(), errors),
            ApiError::Transition { code, detail, .. } => {
                (StatusCode::CONFLICT, code, detail.clone(), &[])
            }
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal-error",
                "Something went wrong on our side; the error was logged with this request id."
                    .into(),
                &[],
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "database-unavailable",
                "The database is unavailable; retry shortly.".into(),
                &[],
            ),
        }
    }

    /// Builds the problem body (also used by middleware for 404/405/413).
    pub fn to_problem(&self) -> Problem {
        let (status, code, detail, errors) = self.parts();
        let req = current_request();
        Problem {
            type_: format!("{TYPE_BASE}{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            instance: req.as_ref().map(|r| r.path.clone()),
            request_id: req.map(|r| r.id),
            code: code.to_owned(),
            errors: errors.to_vec(),
            allowed: match self {
                ApiError::Transition { allowed, .. } => Some(allowed.clone()),
                _ => None,
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (status, code, detail, _) = self.parts();
        write!(f, "{status} {code}: {detail}")
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(e) => tracing::error!(error = ?e, "request failed"),
            // While an outage is known, it was logged once when noticed;
            // a line per refused request would flood the log.
            ApiError::Unavailable(e) if peerhub_persistence::db::health().is_down() => {
                tracing::debug!(error = %e, "database unavailable")
            }
            ApiError::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            ApiError::Status { status, code, .. } if status.is_server_error() => {
                tracing::error!(%code, "request failed")
            }
            _ => {}
        }
        let problem = self.to_problem();
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        match self {
            ApiError::Status {
                status,
                retry_after,
                allow,
                ..
            } => {
                if *status == StatusCode::UNAUTHORIZED {
                    res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"peerhub\""));
                }
                if let Some(s) = retry_after {
                    res.insert_header((header::RETRY_AFTER, s.to_string()));
                }
                if let Some(a) = allow {
                    res.insert_header((header::ALLOW, a.clone()));
                }
            }
            ApiError::Unavailable(_) => {
                res.insert_header((
                    header::RETRY_AFTER,
                    peerhub_persistence::db::RETRY_AFTER_SECS.to_string(),
                ));
            }
            ApiError::Internal(_) | ApiError::Transition { .. } => {}
        }
        res.body(serde_json::to_string(&problem).unwrap_or_else(|_| "{}".into()))
    }
}

/// The one place where the domain's refusals become problem types.
impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotFound(what) => ApiError::not_found(what),
            Refusal::Invalid(v) => ApiError::from(v),
            Refusal::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            Refusal::Transition {
                code,
                message,
                allowed,
            } => ApiError::Transition {
                code,
                detail: message,
                allowed: allowed.into_iter().map(str::to_owned).collect(),
            },
            Refusal::Forbidden { code, message } => ApiError::forbidden(code, message),
            Refusal::Unauthorized { code, message } => ApiError::unauthorized(code, message),
            Refusal::Throttled { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                "Too many failed attempts; wait before trying again (see Retry-After).",
            )
            .with_retry_after(retry_after_secs),
            Refusal::Stale { current_version } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                format!(
                    "If-Match does not match the current version (\"{current_version}\"); fetch the resource again and retry."
                ),
            ),
        }
    }
}

impl From<Failure> for ApiError {
    fn from(e: Failure) -> Self {
        match e {
            Failure::Refused(r) => ApiError::from(r),
            Failure::Busy { retry_after_secs } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "The server is handling as many sign-ins as it safely can; retry shortly (see Retry-After).",
            )
            .with_retry_after(retry_after_secs),
            Failure::Store(StoreError::Unavailable(e)) => ApiError::Unavailable(e.into()),
            Failure::Store(StoreError::Db(e)) => ApiError::Internal(e.into()),
            Failure::Store(StoreError::Internal(m)) => ApiError::Internal(anyhow::anyhow!(m)),
        }
    }
}

impl From<Violations> for ApiError {
    fn from(v: Violations) -> Self {
        ApiError::validation(v.0)
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(e: validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        for (field, errs) in e.field_errors() {
            for err in errs {
                out.push(FieldViolation {
                    field: field.to_string(),
                    code: err.code.to_string(),
                    message: err
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe_validator(err)),
                });
            }
        }
        out.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::validation(out)
    }
}

fn describe_validator(err: &validator::ValidationError) -> String {
    let p = |k: &str| err.params.get(k).map(|v| v.to_string());
    match err.code.as_ref() {
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max} characters long"),
            (None, Some(max)) => format!("must be at most {max} characters long"),
            (Some(min), None) => format!("must be at least {min} characters long"),
            _ => "has an invalid length".into(),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            _ => "is out of range".into(),
        },
        "email" => "must be an email address".into(),
        other => format!("failed rule {other}"),
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
