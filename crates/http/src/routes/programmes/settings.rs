//! A programme itself: its settings, creating, reading, listing and changing it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::matching::score::{Constraints, ProgrammeKind, Weights};
use peerhub_persistence::access;
use peerhub_persistence::entities::programme;
use peerhub_persistence::matching::{
    self, ConstraintsPatch, NewProgramme, ProgrammePatch, WeightsPatch,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{EX_LEAD_ID, load};
use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::ApiResult;
use crate::routes::views::{EX_NETWORK_ID, EX_PROGRAMME_ID, with_etag};
use crate::state::AppState;

/// Points per feature, each 0–100. In a request body, missing weights take
/// their defaults (on create) or keep their current value (on update).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"profession": 30, "specialties": 20, "level": 15, "region": 10, "interests": 10, "preferences": 15}))]
pub struct WeightsBody {
    /// Same profession. Default 30.
    pub profession: Option<i64>,
    /// Specialties in common (full for 2 or more). Default 20.
    pub specialties: Option<i64>,
    /// Level fit (mutual: same level; supporter: at least as experienced). Default 15.
    pub level: Option<i64>,
    /// Same region when meeting in person. Default 10.
    pub region: Option<i64>,
    /// Shared interests (full for 2 or more). Default 10.
    pub interests: Option<i64>,
    /// The requester's stated preferences met. Default 15.
    pub preferences: Option<i64>,
}

impl WeightsBody {
    /// The change this body asks for, merged field by field by the store.
    fn patch(self) -> WeightsPatch {
        WeightsPatch {
            profession: self.profession,
            specialties: self.specialties,
            level: self.level,
            region: self.region,
            interests: self.interests,
            preferences: self.preferences,
        }
    }

    fn of(w: Weights) -> Self {
        Self {
            profession: Some(w.profession),
            specialties: Some(w.specialties),
            level: Some(w.level),
            region: Some(w.region),
            interests: Some(w.interests),
            preferences: Some(w.preferences),
        }
    }
}

/// Hard constraints and the minimum score. In a request body, missing
/// fields are off / 0 (on create) or keep their current value (on update).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"exclude_same_team": true, "exclude_line_manager": true, "exclude_previous_pairs": true, "min_score": 20}))]
pub struct ConstraintsBody {
    /// Never pair two people of the same team.
    pub exclude_same_team: Option<bool>,
    /// Never pair someone with their line manager.
    pub exclude_line_manager: Option<bool>,
    /// Never pair again two people matched (in any way, declined included) before in this programme.
    pub exclude_previous_pairs: Option<bool>,
    /// Pairs scoring below this are never proposed (0–600, and at most the sum of the weights).
    pub min_score: Option<i64>,
}

impl ConstraintsBody {
    /// The change this body asks for, merged field by field by the store.
    fn patch(self) -> ConstraintsPatch {
        ConstraintsPatch {
            exclude_same_team: self.exclude_same_team,
            exclude_line_manager: self.exclude_line_manager,
            exclude_previous_pairs: self.exclude_previous_pairs,
            min_score: self.min_score,
        }
    }

    fn of(c: Constraints) -> Self {
        Self {
            exclude_same_team: Some(c.exclude_same_team),
            exclude_line_manager: Some(c.exclude_line_manager),
            exclude_previous_pairs: Some(c.exclude_previous_pairs),
            min_score: Some(c.min_score),
        }
    }
}

/// A matching programme.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_PROGRAMME_ID, "network_id": EX_NETWORK_ID, "name": "NHS staff peer support",
    "description": "1:1 support from trained, supervised peers", "kind": "supporter",
    "weights": {"profession": 30, "specialties": 20, "level": 15, "region": 10, "interests": 10, "preferences": 15},
    "constraints": {"exclude_same_team": true, "exclude_line_manager": true, "exclude_previous_pairs": true, "min_score": 20},
    "max_score": 100, "proposal_days": 14, "safeguarding_lead_id": EX_LEAD_ID, "version": 1,
    "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"
}))]
pub struct ProgrammeView {
    pub id: String,
    pub network_id: String,
    pub name: String,
    pub description: Option<String>,
    /// `mutual` (peer exchange: any two people waiting pair up) or
    /// `supporter` (1:1 support from supporters with a capacity).
    pub kind: ProgrammeKind,
    pub weights: WeightsBody,
    pub constraints: ConstraintsBody,
    /// The highest score a pair can reach with these weights.
    pub max_score: i64,
    /// Days a proposal waits for both answers before it expires.
    pub proposal_days: i32,
    /// The manager safeguarding concerns go to.
    pub safeguarding_lead_id: Option<String>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn programme_view(p: programme::Model) -> ApiResult<ProgrammeView> {
    let w = matching::weights_of(&p)?;
    let c = matching::constraints_of(&p)?;
    Ok(ProgrammeView {
        kind: matching::kind_of(&p)?,
        max_score: w.max_score(),
        weights: WeightsBody::of(w),
        constraints: ConstraintsBody::of(c),
        id: p.id,
        network_id: p.network_id,
        name: p.name,
        description: p.description,
        proposal_days: p.proposal_days,
        safeguarding_lead_id: p.safeguarding_lead_id,
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

fn respond_programme(status: StatusCode, p: programme::Model) -> ApiResult<HttpResponse> {
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/programmes/{}", p.id));
    let version = p.version;
    Ok(with_etag(status, version, location).json(programme_view(p)?))
}

/// A programme to create.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "NHS staff peer support", "description": "1:1 support from trained, supervised peers",
    "kind": "supporter", "weights": {"profession": 30, "level": 20},
    "constraints": {"exclude_same_team": true, "exclude_line_manager": true, "exclude_previous_pairs": true, "min_score": 20},
    "proposal_days": 14, "safeguarding_lead_id": EX_LEAD_ID
}))]
pub struct ProgrammeBody {
    /// 1–200 characters.
    #[validate(length(max = 1000))]
    pub name: String,
    /// Up to 4,000 characters.
    #[validate(length(max = 20000))]
    pub description: Option<String>,
    /// `mutual` (peer exchange) or `supporter` (1:1 support); fixed once
    /// created.
    pub kind: ProgrammeKind,
    pub weights: Option<WeightsBody>,
    pub constraints: Option<ConstraintsBody>,
    /// 1–90 days (default 14).
    pub proposal_days: Option<i32>,
    /// A manager of the network, who receives safeguarding concerns.
    #[schema(format = Uuid)]
    pub safeguarding_lead_id: String,
}

/// Create a matching programme in a network
///
/// A programme is `mutual` (peer exchange) or `supporter` (1:1 support from
/// trained, supervised supporters). Missing weights take their defaults;
/// the safeguarding lead must be a manager of the network.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "createProgramme",
    security(("bearer" = [])),
    request_body = ProgrammeBody,
    params(("id" = uuid::Uuid, Path, description = "Network id")),
    responses(
        (status = 201, description = "Created", body = ProgrammeView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, e.g. `weights.level` `out_of_range`, `constraints.min_score` `unreachable`, `safeguarding_lead_id` `not_manager`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/networks/{id}/programmes")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<ProgrammeBody>,
) -> ApiResult<HttpResponse> {
    let network_id = id.0;
    let b = body.0;
    let p = matching::create_programme_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &network_id,
        Need::Manager,
        NewProgramme {
            name: b.name,
            description: b.description,
            kind: b.kind,
            weights: b.weights.map(|w| w.patch().over(Weights::default())),
            constraints: b
                .constraints
                .map(|c| c.patch().over(Constraints::default())),
            proposal_days: b.proposal_days,
            safeguarding_lead_id: b.safeguarding_lead_id,
        },
    )
    .await?;
    respond_programme(StatusCode::CREATED, p)
}

crate::page_schema!(ProgrammePage, ProgrammeView);

/// List a network's programmes
///
/// Programmes of the network, oldest first.
///
/// Access: members and managers of the network, and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "listProgrammes",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Network id"), PageQuery),
    responses(
        (status = 200, description = "Programmes, oldest first", body = ProgrammePage),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/networks/{id}/programmes")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let network_id = id.0;
    access::network(&state.db, &auth.0, &network_id, Need::Member, None).await?;
    let page = matching::list_programmes(&state.db, &network_id, &q.to_request()?).await?;
    let page = try_page(page, programme_view)?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read a programme
///
/// The programme with its settings; its `ETag` is its version.
///
/// Access: members and managers of the programme's network, and platform
/// admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "getProgramme",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 200, description = "The programme", body = ProgrammeView, headers(("ETag" = String))),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/programmes/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Member).await?;
    respond_programme(StatusCode::OK, a.programme)
}

/// Changes to a programme; absent fields stay. Weights and constraints
/// are merged field by field into the current ones.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"constraints": {"min_score": 30}, "proposal_days": 21}))]
pub struct ProgrammePatchBody {
    #[validate(length(max = 1000))]
    pub name: Option<String>,
    /// An empty string removes it.
    #[validate(length(max = 20000))]
    pub description: Option<String>,
    pub weights: Option<WeightsBody>,
    pub constraints: Option<ConstraintsBody>,
    pub proposal_days: Option<i32>,
    #[schema(format = Uuid)]
    pub safeguarding_lead_id: Option<String>,
}

/// Change a programme's settings
///
/// New settings apply to the next run and manual pair; existing matches
/// keep their score. Weights and constraints are merged field by field.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "updateProgramme",
    security(("bearer" = [])),
    request_body = ProgrammePatchBody,
    params(("id" = uuid::Uuid, Path, description = "Programme id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Updated", body = ProgrammeView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/programmes/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<ProgrammePatchBody>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let patch = ProgrammePatch {
        name: b.name,
        description: b
            .description
            .map(|d| Some(d).filter(|d| !d.trim().is_empty())),
        weights: b.weights.map(WeightsBody::patch),
        constraints: b.constraints.map(ConstraintsBody::patch),
        proposal_days: b.proposal_days,
        safeguarding_lead_id: b.safeguarding_lead_id,
    };
    let p = matching::update_programme_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        Need::Manager,
        patch,
        if_match.0,
    )
    .await?;
    respond_programme(StatusCode::OK, p)
}
