//! Request extractors that answer problem+json on every failure: JSON
//! bodies (415, 413, 400, 422), path and query parameters (400), If-Match.
use std::future::Future;
use std::pin::Pin;

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use peerhub_domain::FieldViolation;
use serde::de::DeserializeOwned;

use crate::problem::ApiError;
use crate::state::AppState;

/// A JSON request body, deserialised strictly (unknown fields rejected) and
/// validated with `validator`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

pub(crate) fn is_json(ct: Option<&str>) -> bool {
    let Some(ct) = ct else { return false };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

pub(crate) fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        format!("The request body is larger than the limit of {limit} bytes."),
    )
}

/// Reads the whole body, refusing more than `limit` bytes.
pub(crate) async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large(limit));
    }
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                "unreadable-body",
                format!("The request body could not be read: {e}"),
            )
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Maps a serde error (with its path) to 400 (not JSON) or 422 (wrong shape).
pub(crate) fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    use serde_json::error::Category;
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            "malformed-json",
            format!("The request body is not valid JSON: {inner}"),
        ),
        Category::Data => {
            let msg = inner.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            let base = if path == "." { String::new() } else { path };
            let named = |prefix: &str| -> Option<String> {
                let rest = msg.strip_prefix(prefix)?;
                let name = rest.split('`').next()?;
                Some(
                    if base.is_empty() || base == name || base.ends_with(&format!(".{name}")) {
                        if base.is_empty() {
                            name.to_owned()
                        } else {
                            base.clone()
                        }
                    } else {
                        format!("{base}.{name}")
                    },
                )
            };
            let (field, code) = if let Some(f) = named("unknown field `") {
                (f, "unknown_field")
            } else if let Some(f) = named("missing field `") {
                (f, "required")
            } else {
                (
                    if base.is_empty() {
                        "body".to_owned()
                    } else {
                        base
                    },
                    "invalid_type",
                )
            };
            ApiError::validation(vec![FieldViolation {
                field,
                code: code.into(),
                message: msg,
            }])
        }
    }
}

/// Parses JSON bytes into `T` with field-path errors.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad_request(
            "malformed-json",
            "The request body is empty; send a JSON object.",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v: T = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
    de.end().map_err(|e| {
        ApiError::bad_request(
            "malformed-json",
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    Ok(v)
}

impl<T: DeserializeOwned + validator::Validate + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let limit = req
                .app_data::<web::Data<AppState>>()
                .map(|s| s.settings.max_body_bytes)
                .unwrap_or(64 * 1024);
            let ct = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            if !is_json(ct) {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Send the body as JSON with Content-Type: application/json.",
                ));
            }
            let bytes = read_body(&req, &mut payload, limit).await?;
            let v: T = parse_json(&bytes)?;
            v.validate()?;
            Ok(JsonBody(v))
        })
    }
}

/// A JSON body that may be left out: no body, an empty one or `null` is
/// `T::default()`; any other body must be JSON and valid like [`JsonBody`].
pub struct OptionalJsonBody<T>(pub T);

impl<T: DeserializeOwned + validator::Validate + Default + 'static> FromRequest
    for OptionalJsonBody<T>
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let limit = req
                .app_data::<web::Data<AppState>>()
                .map(|s| s.settings.max_body_bytes)
                .unwrap_or(64 * 1024);
            let bytes = read_body(&req, &mut payload, limit).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
                return Ok(OptionalJsonBody(T::default()));
            }
            let ct = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            if !is_json(ct) {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Send the body as JSON with Content-Type: application/json.",
                ));
            }
            let v: T = parse_json(&bytes)?;
            v.validate()?;
            Ok(OptionalJsonBody(v))
        })
    }
}

/// `If-Match` as a version number; `None` when absent or `*`.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_if_match(req))
    }
}

fn parse_if_match(req: &HttpRequest) -> Result<IfMatch, ApiError> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(IfMatch(None));
    };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(IfMatch(None));
    }
    let bad = || {
        ApiError::bad_request(
            "invalid-if-match",
            "If-Match must be the ETag of the resource, e.g. \"3\", or *",
        )
    };
    // Several ETags may be listed; we compare against the first.
    let first = s.split(',').next().unwrap_or("").trim();
    let first = first.strip_prefix("W/").unwrap_or(first);
    let inner = first
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .ok_or_else(bad)?;
    // A well-formed ETag that is not one of ours can never match.
    inner.parse::<i32>().map(|n| IfMatch(Some(n))).map_err(|_| {
        ApiError::new(
            actix_web::http::StatusCode::PRECONDITION_FAILED,
            "stale-version",
            "If-Match does not match the current version; fetch the resource again and retry.",
        )
    })
}

/// The `ETag` value for a version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        PathError::Deserialize(e) => format!("A path parameter is invalid: {e}"),
        _ => "A path parameter is invalid.".into(),
    };
    ApiError::bad_request("invalid-path-parameter", detail).into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        QueryPayloadError::Deserialize(e) => format!("A query parameter is invalid: {e}"),
        _ => "The query string is invalid.".into(),
    };
    ApiError::bad_request("invalid-query-parameter", detail).into()
}

/// The one answer to a path id that is not a UUID: 400 `invalid-parameter`
/// whose `errors[0]` is `{field: <the parameter>, code: "invalid_uuid"}`,
/// the field being `id` for a route's `{id}` (docs/api-guide.md, "Problem
/// codes").
pub fn invalid_path_id(param: &str) -> ApiError {
    ApiError::Status {
        status: actix_web::http::StatusCode::BAD_REQUEST,
        code: "invalid-parameter",
        detail: format!("The {param} in the path must be a UUID."),
        errors: vec![FieldViolation {
            field: param.to_owned(),
            code: "invalid_uuid".into(),
            message: format!("{param} must be a UUID"),
        }],
        retry_after: None,
        allow: None,
    }
}

/// The path parameter `param` of the matched route as a hyphenated UUID;
/// [`invalid_path_id`] when it is missing or not a UUID. The extractors
/// below are built on it; use it directly only for a parameter they do not
/// cover.
pub fn path_uuid(req: &HttpRequest, param: &str) -> Result<String, ApiError> {
    req.match_info()
        .get(param)
        .and_then(|raw| uuid::Uuid::parse_str(raw).ok())
        .map(|u| u.hyphenated().to_string())
        .ok_or_else(|| invalid_path_id(param))
}

/// The `{id}` of a route's path as a hyphenated UUID. A value that is not a
/// UUID answers [`invalid_path_id`] before the handler runs, so every route
/// taking a `PathId` gives the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathId(pub String);

impl PathId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for PathId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PathId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequest for PathId {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(path_uuid(req, "id").map(PathId))
    }
}

/// The `{id}` and `{user_id}` of a route about one person in a network or
/// community (`/v1/…/{id}/members/{user_id}`), both hyphenated UUIDs. Like
/// [`PathId`], a value that is not a UUID answers [`invalid_path_id`] naming
/// the parameter (`id` checked first) before the handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMember {
    /// The network or community.
    pub id: String,
    /// The person.
    pub user_id: String,
}

impl FromRequest for PathMember {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(path_uuid(req, "id").and_then(|id| {
            Ok(PathMember {
                id,
                user_id: path_uuid(req, "user_id")?,
            })
        }))
    }
}

/// Parses a UUID given in a body or query field (422 naming the field).
pub fn uuid_field(raw: &str, field: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| ApiError::field(field, "invalid_uuid", "must be a UUID"))
}

/// Parses an optional query value of a closed set. The query struct keeps
/// the raw `Option<String>` (declared in OpenAPI as the enum with
/// `#[param(value_type = Option<TheEnum>)]`), so an unknown value answers 422
/// naming the allowed values, not actix's bare 400.
pub fn closed_query<T: peerhub_domain::closed::ClosedSet>(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<T>, ApiError> {
    match raw {
        None => Ok(None),
        Some(s) => T::parse_field(s).map(Some).map_err(|e| {
            ApiError::validation(vec![peerhub_domain::FieldViolation {
                field: field.to_owned(),
                code: e.code.to_owned(),
                message: e.message,
            }])
        }),
    }
}
