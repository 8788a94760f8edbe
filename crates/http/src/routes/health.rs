//! Liveness and readiness.
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
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
/// Pings the database with a 3-second timeout; 503 with `Retry-After` while
/// it does not answer.
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
    match tokio::time::timeout(
        Duration::from_secs(3),
        peerhub_persistence::db::ping(&state.db),
    )
    .await
    {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(HealthStatus {
            status: HealthCheckStatus::Ok,
        })),
        Ok(Err(e)) => Err(ApiError::Unavailable(e.into())),
        Err(_) => Err(ApiError::Unavailable(anyhow::anyhow!(
            "database ping timed out"
        ))),
    }
}
