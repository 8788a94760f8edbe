//! Liveness, readiness, and the gate that answers 503 at once while the
//! database is known to be down.
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, get, web};
use peerhub_persistence::db::health;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;
use crate::state::AppState;

peerhub_domain::closed_set!(
    /// The answer of a health check that passed: always `ok` (a failed
    /// check answers a problem instead).
    HealthCheckStatus { Ok => "ok" }
);

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    pub status: HealthCheckStatus,
}

/// Liveness: the process is up and serving HTTP
///
/// Answers 200 while the process can serve requests, without touching the
/// database.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "health",
    operation_id = "getLiveness",
    security(()),
    responses((status = 200, description = "The process is alive", body = HealthStatus))
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: HealthCheckStatus::Ok,
    })
}

/// Readiness: the database answers
///
/// 503 with `Retry-After` at once while the database is known to be down
/// (a background probe retries it every second); otherwise pings it with
/// a 3-second timeout, and a failed ping marks it down.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "health",
    operation_id = "getReadiness",
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database is unreachable", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(down) = health().down_for() {
        return Err(known_down(down));
    }
    match tokio::time::timeout(
        Duration::from_secs(3),
        peerhub_persistence::db::ping(&state.db),
    )
    .await
    {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(HealthStatus {
            status: HealthCheckStatus::Ok,
        })),
        // Converting classifies the error (and marks the database down
        // when it is unreachable); any failed ping means "not ready".
        Ok(Err(e)) => Err(ApiError::Unavailable(
            peerhub_persistence::StoreError::from(e).into(),
        )),
        Err(_) => {
            let e = anyhow::anyhow!("database ping timed out");
            health().mark_down(&e);
            Err(ApiError::Unavailable(e))
        }
    }
}

fn known_down(down: Duration) -> ApiError {
    ApiError::Unavailable(anyhow::anyhow!(
        "database known down for {} ms",
        down.as_millis()
    ))
}

/// Paths answered without the database: liveness, readiness (which
/// decides for itself) and the API description.
pub fn needs_database(path: &str) -> bool {
    !(path.starts_with("/health/")
        || path == "/openapi.json"
        || path == "/docs"
        || path.starts_with("/docs/"))
}

/// Middleware: while the database is known to be down, answers 503
/// `database-unavailable` (with `Retry-After`) at once instead of letting
/// the request wait for the pool's acquire timeout.
pub async fn database_gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(down) = health().down_for()
        && needs_database(req.path())
    {
        return Ok(req.error_response(known_down(down)));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::needs_database;

    #[test]
    fn only_health_and_docs_skip_the_database_gate() {
        for p in [
            "/health/live",
            "/health/ready",
            "/openapi.json",
            "/docs",
            "/docs/index.html",
        ] {
            assert!(!needs_database(p), "{p}");
        }
        for p in ["/v1/networks", "/v1/auth/login", "/healthz", "/docsx", "/"] {
            assert!(needs_database(p), "{p}");
        }
    }
}
