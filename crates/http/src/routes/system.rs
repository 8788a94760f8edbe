//! Metrics and reference data.
use actix_web::{HttpResponse, get, web};
use peerhub_domain::account::Scope;
use peerhub_domain::taxonomy::{LEVELS, PROFESSIONS};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Renders the Prometheus exposition, refreshing the pool gauges first.
pub fn render_metrics(state: &AppState) -> String {
    let (size, idle) = peerhub_persistence::db::pool_stats(&state.db);
    state.metrics.pool_size.set(i64::from(size));
    state.metrics.pool_idle.set(i64::from(idle));
    state.metrics.render()
}

/// Prometheus metrics. On the public port this needs a platform admin, or a
/// platform admin's API token with `metrics:read`; the optional admin port
/// serves it openly.
#[utoipa::path(
    tag = "health",
    operation_id = "getMetrics",
    security(("bearer" = [])),
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    let p = &auth.0;
    if let Some(scopes) = &p.token_scopes
        && !scopes.contains(&Scope::MetricsRead)
    {
        return Err(ApiError::forbidden(
            "insufficient-scope",
            "this API token does not have metrics:read",
        ));
    }
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

#[derive(Serialize, ToSchema)]
pub struct TaxonomyEntry {
    /// Stable code used in profiles and eligibility rules.
    #[schema(example = "PWP")]
    pub code: String,
    #[schema(example = "Psychological Wellbeing Practitioner")]
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct Taxonomy {
    pub professions: Vec<TaxonomyEntry>,
    /// Least to most experienced.
    pub levels: Vec<TaxonomyEntry>,
    /// Scopes an API token may carry.
    #[schema(example = json!(["memberships:read", "reports:read", "users:read", "networks:read", "metrics:read"]))]
    pub api_token_scopes: Vec<String>,
}

/// The profession and level taxonomy, and the API token scopes.
#[utoipa::path(
    tag = "reference",
    operation_id = "getTaxonomy",
    responses((status = 200, description = "Codes accepted by profiles and eligibility rules", body = Taxonomy))
)]
#[get("/v1/taxonomy")]
pub async fn taxonomy() -> HttpResponse {
    let entries = |l: &[(&str, &str)]| {
        l.iter()
            .map(|(c, n)| TaxonomyEntry {
                code: (*c).to_owned(),
                label: (*n).to_owned(),
            })
            .collect()
    };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(Taxonomy {
            professions: entries(PROFESSIONS),
            levels: entries(LEVELS),
            api_token_scopes: Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
        })
}
