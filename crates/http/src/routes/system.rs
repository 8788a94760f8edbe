//! Metrics and reference data.
use actix_web::{HttpResponse, get, web};
use peerhub_domain::account::ApiTokenScope;
use peerhub_domain::taxonomy::{CareerLevel, Profession};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Renders the Prometheus exposition, refreshing the pool gauges (summed
/// over the process's pools) first.
pub fn render_metrics(state: &AppState) -> String {
    let (size, idle) = state
        .pools
        .iter()
        .map(peerhub_persistence::db::pool_stats)
        .fold((0, 0), |(s, i), (ps, pi)| (s + ps, i + pi));
    state.metrics.pool_size.set(i64::from(size));
    state.metrics.pool_idle.set(i64::from(idle));
    state.metrics.render()
}

/// Prometheus metrics
///
/// The text exposition format. The optional admin port
/// (`PEERHUB_ADMIN_BIND`) serves it openly; on the public port a token
/// without `metrics:read` gets 403 `insufficient-scope` and anyone but a
/// platform admin 403 `forbidden`.
///
/// Access: platform admins; API tokens of platform admins with `metrics:read`.
#[utoipa::path(
    tag = "health",
    operation_id = "getMetrics",
    security(("bearer" = []), ("apiToken" = ["metrics:read"])),
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    auth.require_scope(Some(ApiTokenScope::MetricsRead))?;
    let p = &auth.0;
    // A token never exceeds its owner: metrics are for platform admins.
    if !p.is_platform_admin {
        return Err(ApiError::forbidden(
            "forbidden",
            "metrics need a platform admin (or a platform admin's API token with metrics:read)",
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(render_metrics(&state)))
}

/// A profession of the taxonomy and its label.
#[derive(Serialize, ToSchema)]
pub struct ProfessionEntry {
    /// Stable code used in profiles and eligibility rules.
    pub code: Profession,
    #[schema(example = "Psychological Wellbeing Practitioner")]
    pub label: String,
}

/// A career level and its label.
#[derive(Serialize, ToSchema)]
pub struct CareerLevelEntry {
    /// Stable code used in profiles and eligibility rules.
    pub code: CareerLevel,
    #[schema(example = "Senior")]
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct Taxonomy {
    pub professions: Vec<ProfessionEntry>,
    /// Least to most experienced.
    pub levels: Vec<CareerLevelEntry>,
    /// Scopes an API token may carry.
    #[schema(example = json!(["memberships:read", "reports:read", "users:read", "networks:read", "metrics:read"]))]
    pub api_token_scopes: Vec<ApiTokenScope>,
}

/// The profession and level taxonomy, and the API token scopes
///
/// Codes with the labels to show people. The answer carries
/// `Cache-Control: public, max-age=3600`.
///
/// Access: anyone (no authentication).
#[utoipa::path(
    tag = "reference",
    operation_id = "getTaxonomy",
    security(()),
    responses((status = 200, description = "Codes accepted by profiles and eligibility rules", body = Taxonomy))
)]
#[get("/v1/taxonomy")]
pub async fn taxonomy() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(Taxonomy {
            professions: Profession::ALL
                .iter()
                .map(|&code| ProfessionEntry {
                    code,
                    label: code.label().to_owned(),
                })
                .collect(),
            levels: CareerLevel::ALL
                .iter()
                .map(|&code| CareerLevelEntry {
                    code,
                    label: code.label().to_owned(),
                })
                .collect(),
            api_token_scopes: ApiTokenScope::ALL.to_vec(),
        })
}
