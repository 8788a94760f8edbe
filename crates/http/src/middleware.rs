//! Cross-cutting request handling: request ids, tracing spans, metrics,
//! security headers, JSON bodies ending in a newline, and the
//! Idempotency-Key replay store.
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

mod newline;
pub use newline::json_newline;

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
    // The path as the router sees it (percent-decoded), with credentials
    // replaced; the query string is never logged.
    let logged_path = loggable_path(req.match_info().as_str());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let span =
        tracing::info_span!("request", request_id = %id, method = %method, path = %logged_path);
    // Problem documents echo the path as `instance`: redacted too, so a
    // secret never travels further than the request that carried it.
    let info = RequestInfo {
        id: id.clone(),
        path: logged_path.clone(),
    };
    let fut = async move {
        let mut res = match next.call(req).await {
            Ok(r) => r.map_into_boxed_body(),
            Err(e) => return Err(e),
        };
        // The route template (`/v1/invitations/{token}/accept`), never the
        // concrete path, labels metrics and the access log line.
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

/// What replaces a credential in a logged path.
pub const REDACTED: &str = "[redacted]";

/// Collections whose next path segment is a credential, whatever follows
/// it: the calendar-feed secret (`GET /v1/calendar-feeds/{secret}.ics`)
/// and the invitation token (`POST /v1/invitations/{token}/accept`). The
/// segment is redacted on every method, so a wrong method or a typo'd
/// suffix (a 404 or 405) does not log it either.
const SECRET_COLLECTIONS: [&str; 2] = ["calendar-feeds", "invitations"];

/// The request path as logged: a credential segment (see
/// [`SECRET_COLLECTIONS`]) becomes `[redacted]` (keeping a short file
/// extension, so `/v1/calendar-feeds/[redacted].ics`), and so does any
/// other segment that looks like a token (20+ characters mixing letters
/// with digits or both letter cases, and not a UUID) — a safety net for
/// unknown paths and for routes added later. Takes a path without its
/// query string; query strings are never logged.
pub fn loggable_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let secret_at = match segments.as_slice() {
        ["", "v1", collection, ..] if SECRET_COLLECTIONS.contains(collection) => Some(3),
        _ => None,
    };
    segments
        .iter()
        .enumerate()
        .map(|(i, seg)| {
            if seg.is_empty() || (secret_at != Some(i) && !looks_like_token(seg)) {
                return (*seg).to_owned();
            }
            match seg.rsplit_once('.') {
                Some((_, ext))
                    if (1..=4).contains(&ext.len())
                        && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
                {
                    format!("{REDACTED}.{ext}")
                }
                _ => REDACTED.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A segment that is probably a random credential rather than a word, a
/// number or a UUID (ids are UUIDs and stay, so logs can still be joined
/// to records).
fn looks_like_token(seg: &str) -> bool {
    if seg.len() < 20 || uuid::Uuid::try_parse(seg).is_ok() {
        return false;
    }
    let has = |f: fn(&u8) -> bool| seg.as_bytes().iter().any(f);
    let letters = has(u8::is_ascii_alphabetic);
    let digits = has(u8::is_ascii_digit);
    (letters && digits) || (has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase))
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
    // A handler that serves a page (the governance report's HTML) sets its
    // own, equally closed policy allowing its inline styles.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
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

/// Routes that mint or spend credentials, where `Idempotency-Key` is
/// ignored: every `/v1/auth/*` route (register, verify, login, refresh,
/// logout, logout-all, password reset and its confirmation, and any added
/// later) and accepting an invitation (`POST /v1/invitations/{token}/accept`,
/// which logs the invitee in).
///
/// Why: a stored response there is a live credential. Replaying a captured
/// `POST /v1/auth/refresh` with its Idempotency-Key would hand out the
/// successor tokens again for the store's 24 hours, without the reuse of a
/// rotated refresh token revoking its family; a replayed login or
/// invitation acceptance would mint sessions the same way. These routes
/// are safe to retry without it: a retried login starts another session,
/// a retried refresh of a rotated token is the rotation rule's business
/// (its short grace window aside, refused, and the family revoked), logout
/// is idempotent by nature, and the one-time tokens of verify, reset and
/// invitations answer 409/404 once spent. So the header is not validated,
/// nothing is reserved or stored, and the response never carries
/// `Idempotent-Replayed`.
///
/// Takes the path as the router sees it (percent-decoded), so an encoded
/// spelling of a path cannot route to these handlers past the check.
pub fn idempotency_exempt(path: &str) -> bool {
    path.starts_with("/v1/auth/")
        || (path.starts_with("/v1/invitations/") && path.ends_with("/accept"))
}

/// Idempotency-Key handling for POST: the first response for a key is
/// stored and replayed for repeats by the same caller to the same path,
/// except on the credential routes of [`idempotency_exempt`].
pub async fn idempotency(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(&IDEMPOTENCY_KEY) {
        Some(k)
            if req.method() == Method::POST && !idempotency_exempt(req.match_info().as_str()) =>
        {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_segments_are_redacted() {
        let secret = "Zk3q9w0mXcV1b2n3m4a5s6d7f8g9h0j1k2l3z4x5c6v";
        assert_eq!(
            loggable_path(&format!("/v1/calendar-feeds/{secret}.ics")),
            "/v1/calendar-feeds/[redacted].ics"
        );
        assert_eq!(
            loggable_path(&format!("/v1/invitations/{secret}/accept")),
            "/v1/invitations/[redacted]/accept"
        );
        // short or odd values in a credential position are redacted too
        assert_eq!(
            loggable_path("/v1/invitations/abc/accept"),
            "/v1/invitations/[redacted]/accept"
        );
        assert_eq!(
            loggable_path("/v1/calendar-feeds/x"),
            "/v1/calendar-feeds/[redacted]"
        );
        assert_eq!(loggable_path("/v1/invitations"), "/v1/invitations");
        // anything token-like elsewhere
        assert_eq!(
            loggable_path(&format!("/v1/nope/phk_{secret}")),
            "/v1/nope/[redacted]"
        );
        assert_eq!(
            loggable_path(&format!("/v1/{}", "ab12".repeat(16))),
            "/v1/[redacted]"
        );
    }

    #[test]
    fn ids_and_words_stay() {
        for p in [
            "/v1/networks/0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e/members",
            "/v1/communities/0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e/terms/3/approve",
            "/v1/auth/password-reset/confirm",
            "/docs/swagger-ui-standalone-preset.js",
            "/health/ready",
            "/",
        ] {
            assert_eq!(loggable_path(p), p);
        }
    }

    #[test]
    fn credential_routes_are_exempt_from_idempotency() {
        for p in [
            "/v1/auth/register",
            "/v1/auth/verify",
            "/v1/auth/login",
            "/v1/auth/refresh",
            "/v1/auth/logout",
            "/v1/auth/logout-all",
            "/v1/auth/password-reset",
            "/v1/auth/password-reset/confirm",
            "/v1/invitations/tok/accept",
        ] {
            assert!(idempotency_exempt(p), "{p}");
        }
        for p in [
            "/v1/networks",
            "/v1/invitations",
            "/v1/api-tokens",
            "/v1/me/calendar-feed",
            "/v1/applications/0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e/accept-offer",
            "/v1/matches/0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e/accept",
        ] {
            assert!(!idempotency_exempt(p), "{p}");
        }
    }
}
