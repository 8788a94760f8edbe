//! Cross-cutting request handling: request ids, tracing spans, metrics,
//! security headers, and the Idempotency-Key replay store.
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use peerhub_persistence::idempotency::{self, Reservation};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::context::{self, RequestInfo};
use crate::problem::ApiError;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

fn valid_request_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic())
}

/// Outermost middleware: request id, span, metrics, security headers.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let start = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|s| valid_request_id(s))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = req.method().clone();
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let info = RequestInfo {
        id: id.clone(),
        path: path.clone(),
    };
    let fut = async move {
        let mut res = match next.call(req).await {
            Ok(r) => r.map_into_boxed_body(),
            Err(e) => return Err(e),
        };
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let status = res.status();
        let elapsed = start.elapsed();
        if let Some(state) = &state {
            state
                .metrics
                .requests
                .with_label_values(&[route.as_str(), method.as_str(), status.as_str()])
                .inc();
            state
                .metrics
                .latency
                .with_label_values(&[route.as_str(), method.as_str()])
                .observe(elapsed.as_secs_f64());
        }
        tracing::info!(status = status.as_u16(), route = %route, latency_ms = elapsed.as_millis() as u64, "request finished");
        let h = res.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&id) {
            h.insert(REQUEST_ID, v);
        }
        security_headers(h, &path);
        Ok(res)
    };
    context::scope(info, fut.instrument(span)).await
}

fn security_headers(h: &mut actix_web::http::header::HeaderMap, path: &str) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    let csp = if path.starts_with("/docs") {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if path.starts_with("/v1/") && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// Stored responses can hold secrets (a new API token, an invitation
/// token, session tokens), so they are encrypted with a key derived from the
/// caller's `Authorization` header and the Idempotency-Key — values the
/// database never holds — and only the caller who can repeat the request
/// can read them back.
fn replay_cipher(principal: &[u8], key: &str) -> chacha20poly1305::ChaCha20Poly1305 {
    use chacha20poly1305::KeyInit;
    let mut h = Sha256::new();
    h.update(b"peerhub-idempotency-replay-v1");
    for p in [principal, key.as_bytes()] {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let k = h.finalize();
    chacha20poly1305::ChaCha20Poly1305::new(&k)
}

fn seal(principal: &[u8], key: &str, plain: &[u8]) -> Option<String> {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, AeadCore, OsRng};
    let cipher = replay_cipher(principal, key);
    let nonce = chacha20poly1305::ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let mut out = nonce.to_vec();
    out.extend(cipher.encrypt(&nonce, plain).ok()?);
    Some(base64::engine::general_purpose::STANDARD.encode(out))
}

fn open_sealed(principal: &[u8], key: &str, sealed: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use chacha20poly1305::aead::Aead;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, ct) = bytes.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    replay_cipher(principal, key)
        .decrypt(&nonce.into(), ct)
        .ok()
}

const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// Idempotency-Key handling for POST: the first response for a key is
/// stored and replayed for repeats by the same caller to the same path.
pub async fn idempotency(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(&IDEMPOTENCY_KEY) {
        Some(k) if req.method() == Method::POST => {
            k.to_str().ok().map(str::to_owned).unwrap_or_default()
        }
        _ => return next.call(req).await.map(|r| r.map_into_boxed_body()),
    };
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Ok(req.error_response(ApiError::bad_request(
            "invalid-idempotency-key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice).",
        )));
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let (http_req, mut payload) = req.into_parts();
    let limit = state.settings.max_body_bytes;
    // Errors become responses (not `Err`), so the outer middleware still
    // adds the request id, security headers, log line and metrics.
    let fail = |http_req, e: ApiError| Ok(ServiceResponse::new(http_req, e.error_response()));
    let body = match crate::extract::read_body(&http_req, &mut payload, limit).await {
        Ok(b) => b,
        Err(e) => return fail(http_req, e),
    };
    let principal = http_req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    let scope = sha256_hex(&[
        &principal,
        http_req.method().as_str().as_bytes(),
        http_req.path().as_bytes(),
        key.as_bytes(),
    ]);
    let fingerprint = sha256_hex(&[http_req.query_string().as_bytes(), &body]);
    let reservation = match idempotency::reserve(&state.db, &scope, &fingerprint).await {
        Ok(r) => r,
        Err(e) => return fail(http_req, e.into()),
    };
    let id = match reservation {
        Reservation::Fresh { id } => id,
        Reservation::Replay {
            status,
            headers,
            body,
        } => {
            let Some(body) = open_sealed(&principal, &key, &body) else {
                let e =
                    ApiError::Internal(anyhow::anyhow!("stored idempotent response unreadable"));
                return fail(http_req, e);
            };
            let mut res =
                HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
            for (k, v) in headers {
                res.insert_header((k, v));
            }
            res.insert_header((IDEMPOTENT_REPLAYED, "true"));
            let res = res.body(body);
            return Ok(ServiceResponse::new(http_req, res));
        }
        Reservation::Mismatch => {
            let e = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "This Idempotency-Key was already used with a different request body.",
            );
            return fail(http_req, e);
        }
        Reservation::InProgress => {
            let e = ApiError::new(
                StatusCode::CONFLICT,
                "idempotency-key-in-progress",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
            )
            .with_retry_after(1);
            return fail(http_req, e);
        }
    };
    let req = ServiceRequest::from_parts(http_req, actix_web::dev::Payload::from(body));
    let res = match next.call(req).await {
        Ok(r) => r,
        Err(e) => {
            let _ = idempotency::release(&state.db, &id).await;
            let resp = e.error_response();
            return Err(actix_web::error::InternalError::from_response(e, resp).into());
        }
    };
    let status = res.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        let _ = idempotency::release(&state.db, &id).await;
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("reading response body")))?;
    let saved: Vec<(String, String)> = REPLAYED_HEADERS
        .iter()
        .filter_map(|n| {
            head.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(|v| (n.to_string(), v.to_owned()))
        })
        .collect();
    let sealed = seal(&principal, &key, &bytes).unwrap_or_default();
    if let Err(e) = idempotency::complete(&state.db, &id, status.as_u16(), &saved, &sealed).await {
        tracing::warn!(error = %e, "could not save idempotent response");
    }
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, response))
}
