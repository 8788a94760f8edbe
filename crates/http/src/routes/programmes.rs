//! Matching programmes: their settings, supporters, requests, matching runs
//! and manual pairs.
use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::matching::plan::{RunSideKind, UnmatchedReason};
use peerhub_domain::matching::request::MatchRequestStatus;
use peerhub_domain::matching::score::{
    Constraints, Preferences, PreferredMeetingMode, ProgrammeKind, ScoreFeature,
    SensitiveAttribute, Weights,
};
use peerhub_domain::matching::supporter::{SupporterStatus, SupporterUnmatchableReason};
use peerhub_domain::taxonomy::{CareerLevel, Profession};
use peerhub_persistence::entities::{match_request, matching_run, programme, programme_supporter};
use peerhub_persistence::matching::{
    self, ManualPair, NewProgramme, NewRequest, NewSupporter, ProgrammeAccess, ProgrammePatch,
    RunResult, StoredReason, SupporterPatch, programme_access,
};
use peerhub_persistence::{StoreError, access, meetings};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::matches::{MatchView, match_views};
use super::meetings::with_etag;
use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, closed_query, uuid_field, uuid_param};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::ApiResult;
use crate::routes::me::present;
use crate::state::AppState;

/// Registers this module's handlers (literal paths before templated ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get_one)
        .service(update)
        .service(add_supporter)
        .service(list_supporters)
        .service(update_supporter)
        .service(create_request)
        .service(list_requests)
        .service(get_request)
        .service(withdraw_request)
        .service(create_run)
        .service(list_runs)
        .service(get_run)
        .service(create_match);
}

pub(crate) const EX_PROGRAMME_ID: &str = "0193a6f2-8888-7b3a-9d4e-2f1a0b9c8d7e";
const EX_SUPPORTER_ID: &str = "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e";
pub(crate) const EX_REQUEST_ID: &str = "0193a6f2-aaaa-7b3a-9d4e-2f1a0b9c8d7e";
const EX_RUN_ID: &str = "0193a6f2-bbbb-7b3a-9d4e-2f1a0b9c8d7e";
const EX_LEAD_ID: &str = "0193a6f2-cccc-7b3a-9d4e-2f1a0b9c8d7e";

/// Loads a programme for the caller, answering 404 for a bad id.
async fn load(
    state: &AppState,
    auth: &Auth,
    raw_id: &str,
    need: Need,
) -> ApiResult<ProgrammeAccess> {
    let id = uuid_param(raw_id, "programme")?;
    Ok(programme_access(&state.db, &auth.0, &id, need).await?)
}

// ------------------------------------------------------------------ views

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
    fn over(self, base: Weights) -> Weights {
        Weights {
            profession: self.profession.unwrap_or(base.profession),
            specialties: self.specialties.unwrap_or(base.specialties),
            level: self.level.unwrap_or(base.level),
            region: self.region.unwrap_or(base.region),
            interests: self.interests.unwrap_or(base.interests),
            preferences: self.preferences.unwrap_or(base.preferences),
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
    fn over(self, base: Constraints) -> Constraints {
        Constraints {
            exclude_same_team: self.exclude_same_team.unwrap_or(base.exclude_same_team),
            exclude_line_manager: self
                .exclude_line_manager
                .unwrap_or(base.exclude_line_manager),
            exclude_previous_pairs: self
                .exclude_previous_pairs
                .unwrap_or(base.exclude_previous_pairs),
            min_score: self.min_score.unwrap_or(base.min_score),
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
    "id": EX_PROGRAMME_ID, "network_id": super::EX_NETWORK_ID, "name": "NHS staff peer support",
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

// ------------------------------------------------------------- programmes

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
    id: web::Path<String>,
    body: JsonBody<ProgrammeBody>,
) -> ApiResult<HttpResponse> {
    let network_id = uuid_param(&id, "network")?;
    access::network(&state.db, &auth.0, &network_id, Need::Manager, None).await?;
    let b = body.0;
    let p = matching::create_programme(
        &state.db,
        &auth.ctx(),
        &network_id,
        NewProgramme {
            name: b.name,
            description: b.description,
            kind: b.kind,
            weights: b.weights.map(|w| w.over(Weights::default())),
            constraints: b.constraints.map(|c| c.over(Constraints::default())),
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
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let network_id = uuid_param(&id, "network")?;
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
    id: web::Path<String>,
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
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<ProgrammePatchBody>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Manager).await?;
    let b = body.0;
    let p = a.programme;
    let patch = ProgrammePatch {
        name: b.name,
        description: b
            .description
            .map(|d| Some(d).filter(|d| !d.trim().is_empty())),
        weights: match b.weights {
            Some(w) => Some(w.over(matching::weights_of(&p)?)),
            None => None,
        },
        constraints: match b.constraints {
            Some(c) => Some(c.over(matching::constraints_of(&p)?)),
            None => None,
        },
        proposal_days: b.proposal_days,
        safeguarding_lead_id: b.safeguarding_lead_id,
    };
    let p = matching::update_programme(&state.db, &auth.ctx(), p, patch, if_match.0).await?;
    respond_programme(StatusCode::OK, p)
}

// ------------------------------------------------------------- supporters

/// A supporter in a supporter programme.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_SUPPORTER_ID, "programme_id": EX_PROGRAMME_ID, "user_id": super::EX_USER_ID, "display_name": "Lena Ward",
    "capacity": 3, "trained_on": "2026-03-12", "supervisor_id": EX_LEAD_ID, "status": "active",
    "matchable": true, "unmatchable_reasons": [], "open_matches": 1, "free_places": 2, "version": 1,
    "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"
}))]
pub struct SupporterView {
    pub id: String,
    pub programme_id: String,
    pub user_id: String,
    pub display_name: String,
    /// How many people they support at once (1–20).
    pub capacity: i32,
    /// When they completed supporter training.
    pub trained_on: Option<NaiveDate>,
    /// Who supervises their support work.
    pub supervisor_id: Option<String>,
    /// `active` or `paused` (keeps current matches, gets no new ones).
    pub status: SupporterStatus,
    /// Whether runs and manual pairs may use them: active, with a training
    /// date and a supervisor.
    pub matchable: bool,
    /// Why not: `paused`, `no_training_date`, `no_supervisor` (empty when
    /// matchable).
    pub unmatchable_reasons: Vec<SupporterUnmatchableReason>,
    /// Proposed, accepted or active matches now.
    pub open_matches: i32,
    /// `capacity - open_matches` (never below 0).
    pub free_places: i32,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn supporter_views(
    state: &AppState,
    items: Vec<programme_supporter::Model>,
) -> ApiResult<Vec<SupporterView>> {
    let ids = items.iter().map(|s| s.id.clone()).collect();
    let open = matching::open_matches_by_supporter(&state.db, ids).await?;
    let names =
        meetings::display_names(&state.db, items.iter().map(|s| s.user_id.clone()).collect())
            .await?;
    items
        .into_iter()
        .map(|s| {
            let why = matching::unmatchable_reasons(&s)?;
            let open_matches = open.get(&s.id).copied().unwrap_or(0);
            Ok(SupporterView {
                status: matching::supporter_status(&s)?,
                display_name: names.get(&s.user_id).cloned().unwrap_or_default(),
                matchable: why.is_empty(),
                unmatchable_reasons: why,
                open_matches,
                free_places: std::cmp::max(s.capacity - open_matches, 0),
                id: s.id,
                programme_id: s.programme_id,
                user_id: s.user_id,
                capacity: s.capacity,
                trained_on: s.trained_on,
                supervisor_id: s.supervisor_id,
                version: s.version,
                created_at: s.created_at,
                updated_at: s.updated_at,
            })
        })
        .collect()
}

async fn respond_supporter(
    state: &AppState,
    status: StatusCode,
    s: programme_supporter::Model,
) -> ApiResult<HttpResponse> {
    let version = s.version;
    let view = supporter_views(state, vec![s])
        .await?
        .pop()
        .ok_or(StoreError::NotFound("supporter"))?;
    Ok(with_etag(status, version, None).json(view))
}

/// A supporter to register.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": super::EX_USER_ID, "capacity": 3, "trained_on": "2026-03-12", "supervisor_id": EX_LEAD_ID}))]
pub struct SupporterBody {
    /// A member of the programme's network.
    #[schema(format = Uuid)]
    pub user_id: String,
    /// 1–20 people at once.
    pub capacity: i32,
    /// Date of supporter training (not in the future). Without it the
    /// supporter is registered but not matchable.
    pub trained_on: Option<NaiveDate>,
    /// A member of the network (not the supporter). Without one the
    /// supporter is registered but not matchable.
    #[schema(format = Uuid)]
    pub supervisor_id: Option<String>,
}

/// Register a supporter in a supporter programme
///
/// A supporter needs a training date and a supervisor to be matched.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "addSupporter",
    security(("bearer" = [])),
    request_body = SupporterBody,
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 201, description = "Registered", body = SupporterView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-supporter`, `not-a-supporter-programme`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, e.g. `capacity` `out_of_range`, `trained_on` `in_future`, `supervisor_id` `self`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/programmes/{id}/supporters")]
pub async fn add_supporter(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: JsonBody<SupporterBody>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Manager).await?;
    let b = body.0;
    let user_id = uuid_field(&b.user_id, "user_id")?;
    let supervisor_id = b
        .supervisor_id
        .as_deref()
        .map(|s| uuid_field(s, "supervisor_id"))
        .transpose()?;
    let s = matching::add_supporter(
        &state.db,
        &auth.ctx(),
        &a.programme,
        NewSupporter {
            user_id,
            capacity: b.capacity,
            trained_on: b.trained_on,
            supervisor_id,
        },
    )
    .await?;
    respond_supporter(&state, StatusCode::CREATED, s).await
}

crate::page_schema!(SupporterPage, SupporterView);

/// List a programme's supporters
///
/// Supporters, oldest first, with whether they can be matched and their
/// free places.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "listSupporters",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Programme id"), PageQuery),
    responses(
        (status = 200, description = "Supporters, oldest first", body = SupporterPage),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/programmes/{id}/supporters")]
pub async fn list_supporters(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Manager).await?;
    let page = matching::list_supporters(&state.db, &a.programme.id, &q.to_request()?).await?;
    let next = page.next_after.clone();
    let views = supporter_views(&state, page.items).await?;
    let page = peerhub_persistence::Page {
        items: views,
        next_after: next,
    };
    Ok(page_response(&req, &state, page, |v| v))
}

/// Changes to a supporter; absent fields stay, `null` clears
/// `trained_on` or `supervisor_id` (which makes them unmatchable).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 2, "status": "active"}))]
pub struct SupporterPatchBody {
    pub capacity: Option<i32>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>)]
    pub trained_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub supervisor_id: Option<Option<String>>,
    /// `active`, or `paused` (keeps current matches, gets no new ones).
    pub status: Option<SupporterStatus>,
}

/// Change a supporter's capacity, training, supervisor or status
///
/// Lowering capacity below their open matches ends none of them; they just
/// get no new ones.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "updateSupporter",
    security(("bearer" = [])),
    request_body = SupporterPatchBody,
    params(("id" = uuid::Uuid, Path, description = "Supporter id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Updated", body = SupporterView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such supporter visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/supporters/{id}")]
pub async fn update_supporter(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<SupporterPatchBody>,
) -> ApiResult<HttpResponse> {
    let sid = uuid_param(&id, "supporter")?;
    let s = matching::find_supporter(&state.db, &sid).await?;
    let a = programme_access(&state.db, &auth.0, &s.programme_id, Need::Manager)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => StoreError::NotFound("supporter"),
            e => e,
        })?;
    let b = body.0;
    let supervisor_id = match b.supervisor_id {
        Some(Some(x)) => Some(Some(uuid_field(&x, "supervisor_id")?)),
        other => other,
    };
    let s = matching::update_supporter(
        &state.db,
        &auth.ctx(),
        &a.programme,
        s,
        SupporterPatch {
            capacity: b.capacity,
            trained_on: b.trained_on,
            supervisor_id,
            status: b.status,
        },
        if_match.0,
    )
    .await?;
    respond_supporter(&state, StatusCode::OK, s).await
}

// --------------------------------------------------------------- requests

/// Preferences about the other person; all optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"areas": ["burnout", "returning to practice"], "profession": "PWP", "level": "senior", "mode": "online", "sensitive": {"ethnicity": "Black British"}}))]
pub struct PreferencesBody {
    /// Up to 20 areas they want to talk about (each up to 100 characters),
    /// matched against the other person's specialties and interests.
    pub areas: Vec<String>,
    /// Preferred profession of the other person (taxonomy code).
    pub profession: Option<Profession>,
    /// Preferred level of the other person.
    pub level: Option<CareerLevel>,
    /// `in_person`, `online` or `either` (the same as none).
    pub mode: Option<PreferredMeetingMode>,
    /// Where to meet in person (default: their own region).
    pub region: Option<String>,
    /// Wanted values of sensitive attributes, keyed by attribute. Used
    /// only when the other person has self-declared that attribute; shown
    /// to nobody but the requester (in their own request and their match's
    /// reasons). A key outside the set is refused with `unknown_attribute`
    /// on `preferences.sensitive`, naming the allowed ones.
    #[schema(value_type = BTreeMap<SensitiveAttribute, String>)]
    pub sensitive: BTreeMap<String, String>,
}

impl PreferencesBody {
    fn into_domain(self) -> Preferences {
        Preferences {
            areas: self.areas,
            profession: self.profession.map(|p| p.as_str().to_owned()),
            level: self.level.map(|l| l.as_str().to_owned()),
            mode: self.mode,
            region: self.region,
            // Keys are checked (and read case-insensitively) with the rest
            // of the preferences, so that an unknown one is named precisely.
            sensitive: self.sensitive,
        }
    }

    fn of(p: Preferences, with_sensitive: bool) -> ApiResult<Self> {
        use peerhub_persistence::stored::decode;
        let sensitive = if with_sensitive {
            p.sensitive
                .into_iter()
                .map(|(k, v)| {
                    let k: SensitiveAttribute = decode("match_request.preferences.sensitive", &k)?;
                    Ok((k.as_str().to_owned(), v))
                })
                .collect::<ApiResult<_>>()?
        } else {
            BTreeMap::new()
        };
        Ok(Self {
            areas: p.areas,
            profession: p
                .profession
                .map(|x| decode("match_request.preferences.profession", &x))
                .transpose()?,
            level: p
                .level
                .map(|x| decode("match_request.preferences.level", &x))
                .transpose()?,
            mode: p.mode,
            region: p.region,
            sensitive,
        })
    }
}

/// A request to be matched.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_REQUEST_ID, "programme_id": EX_PROGRAMME_ID, "user_id": super::EX_USER_ID, "display_name": "Omar Haddad",
    "preferences": {"areas": ["burnout"], "profession": null, "level": "senior", "mode": "online", "region": null, "sensitive": {}},
    "availability": "Tuesday or Thursday evenings", "status": "waiting", "withdrawn_at": null,
    "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"
}))]
pub struct RequestView {
    pub id: String,
    pub programme_id: String,
    pub user_id: String,
    pub display_name: String,
    /// `sensitive` is shown to the requester only (empty for managers).
    pub preferences: PreferencesBody,
    pub availability: Option<String>,
    /// `waiting` (in the next run), `matched` (in an open match), `closed`
    /// (its match ended) or `withdrawn`.
    pub status: MatchRequestStatus,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn request_view(
    r: match_request::Model,
    viewer: &str,
    names: &HashMap<String, String>,
) -> ApiResult<RequestView> {
    let own = r.user_id == viewer;
    Ok(RequestView {
        preferences: PreferencesBody::of(matching::preferences_of(&r)?, own)?,
        display_name: names.get(&r.user_id).cloned().unwrap_or_default(),
        status: matching::request_status_of(&r)?,
        id: r.id,
        programme_id: r.programme_id,
        user_id: r.user_id,
        availability: r.availability,
        withdrawn_at: r.withdrawn_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// A request to make.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"preferences": {"areas": ["burnout", "returning to practice"], "level": "senior", "mode": "online"}, "availability": "Tuesday or Thursday evenings"}))]
pub struct RequestBody {
    #[serde(default)]
    pub preferences: PreferencesBody,
    /// When they can meet, up to 1,000 characters.
    #[validate(length(max = 5000))]
    pub availability: Option<String>,
}

/// Ask to be matched in a programme
///
/// One open request per person per programme. In a supporter programme
/// this asks for a supporter; in a mutual one it joins the people waiting
/// to pair up.
///
/// Access: members and managers of the programme's network, for themselves.
#[utoipa::path(
    tag = "programmes",
    operation_id = "createMatchRequest",
    security(("bearer" = [])),
    request_body = RequestBody,
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 201, description = "Waiting for the next run", body = RequestView, headers(("Location" = String))),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-requested`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid preferences, e.g. `preferences.sensitive` `unknown_attribute`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/programmes/{id}/requests")]
pub async fn create_request(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: JsonBody<RequestBody>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Member).await?;
    let b = body.0;
    let r = matching::create_request(
        &state.db,
        &auth.ctx(),
        &a.programme,
        &auth.0.user_id,
        NewRequest {
            preferences: b.preferences.into_domain(),
            availability: b.availability,
        },
    )
    .await?;
    let names = meetings::display_names(&state.db, vec![r.user_id.clone()]).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/match-requests/{}", r.id)))
        .json(request_view(r, &auth.0.user_id, &names)?))
}

/// Filters for a programme's requests.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    /// Only requests in this status: `waiting`, `matched`, `closed` or
    /// `withdrawn`.
    #[param(value_type = Option<MatchRequestStatus>)]
    pub status: Option<String>,
}

crate::page_schema!(RequestPage, RequestView);

/// List a programme's match requests
///
/// Every request for a manager, your own for anyone else; oldest first.
///
/// Access: members and managers of the programme's network, and platform
/// admins (managers see every request, anyone else their own).
#[utoipa::path(
    tag = "programmes",
    operation_id = "listMatchRequests",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Programme id"), RequestFilter, PageQuery),
    responses(
        (status = 200, description = "Requests, oldest first", body = RequestPage),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/programmes/{id}/requests")]
pub async fn list_requests(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    f: web::Query<RequestFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Member).await?;
    let status = closed_query::<MatchRequestStatus>("status", f.status.as_deref())?;
    let only = (!a.manager).then_some(auth.0.user_id.as_str());
    let page =
        matching::list_requests(&state.db, &a.programme.id, only, status, &q.to_request()?).await?;
    let names = meetings::display_names(
        &state.db,
        page.items.iter().map(|r| r.user_id.clone()).collect(),
    )
    .await?;
    let viewer = auth.0.user_id.clone();
    let page = try_page(page, |r| request_view(r, &viewer, &names))?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// A request and the programme it is in, for its owner or a manager.
async fn request_access(
    state: &AppState,
    auth: &Auth,
    raw_id: &str,
) -> ApiResult<(match_request::Model, ProgrammeAccess)> {
    let id = uuid_param(raw_id, "match request")?;
    let r = matching::find_request(&state.db, &id).await?;
    let hidden = |e: StoreError| match e {
        StoreError::NotFound(_) => StoreError::NotFound("match request"),
        e => e,
    };
    let a = programme_access(&state.db, &auth.0, &r.programme_id, Need::Member)
        .await
        .map_err(hidden)?;
    if !a.manager && r.user_id != auth.0.user_id {
        return Err(StoreError::NotFound("match request").into());
    }
    Ok((r, a))
}

/// Read a match request
///
/// Sensitive preferences are shown to the requester only.
///
/// Access: the requester, managers of the programme's network and platform
/// admins; anyone else gets 404.
#[utoipa::path(
    tag = "programmes",
    operation_id = "getMatchRequest",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 404, description = "No such request visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/match-requests/{id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (r, _) = request_access(&state, &auth, &id).await?;
    let names = meetings::display_names(&state.db, vec![r.user_id.clone()]).await?;
    Ok(HttpResponse::Ok().json(request_view(r, &auth.0.user_id, &names)?))
}

/// Withdraw a match request
///
/// A request in a pending proposal declines it; one in an active match
/// cannot be withdrawn (end the match instead).
///
/// Access: the requester, managers of the programme's network and platform
/// admins; anyone else gets 404.
#[utoipa::path(
    tag = "programmes",
    operation_id = "withdrawMatchRequest",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 404, description = "No such request visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`request-closed`, `request-in-active-match`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/match-requests/{id}")]
pub async fn withdraw_request(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (r, a) = request_access(&state, &auth, &id).await?;
    matching::withdraw_request(&state.db, &auth.ctx(), &a.programme, r).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ------------------------------------------------------------------- runs

/// A side of a pair in a run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunSideView {
    /// `request` (a peer's, or either side in a mutual programme) or
    /// `supporter`.
    pub kind: RunSideKind,
    /// The request's or the supporter's id.
    pub id: String,
    pub user_id: String,
    pub display_name: String,
}

/// One feature's points, in plain words.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"feature": "profession", "points": 30, "text": "same profession (PWP): +30"}))]
pub struct ReasonView {
    /// The weight its points come from.
    pub feature: ScoreFeature,
    pub points: i64,
    pub text: String,
}

impl From<StoredReason> for ReasonView {
    fn from(r: StoredReason) -> Self {
        Self {
            feature: r.feature,
            points: r.points,
            text: r.text,
        }
    }
}

/// A proposed pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunPairView {
    /// The proposal it created; `null` in a dry run.
    pub match_id: Option<String>,
    /// The request (supporter programmes: the peer's).
    pub a: RunSideView,
    /// The other request, or the supporter.
    pub b: RunSideView,
    /// The sum of the reasons' points.
    pub score: i64,
    pub reasons: Vec<ReasonView>,
}

/// Someone who stays unmatched, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunUnmatchedView {
    pub request_id: String,
    pub user_id: String,
    pub display_name: String,
    /// Why, as a code (the first that applies).
    pub code: UnmatchedReason,
    /// The same in plain words, with the details, e.g. `all candidates
    /// excluded: same team` or `no candidate above the minimum score (40)`.
    pub reason: String,
}

/// A supporter with places left, or left out of the run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunSupporterView {
    pub supporter_id: String,
    pub user_id: String,
    pub display_name: String,
    pub places: i64,
    /// Why they were left out (`unmatchable_supporters` only; empty for
    /// free places).
    pub unmatchable_reasons: Vec<SupporterUnmatchableReason>,
    /// The same in plain words (`unmatchable_supporters` only), e.g. `not
    /// matchable: no supervisor`.
    pub reason: Option<String>,
}

/// What a run found.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunResultView {
    pub pairs: Vec<RunPairView>,
    pub unmatched: Vec<RunUnmatchedView>,
    pub free_places: Vec<RunSupporterView>,
    pub unmatchable_supporters: Vec<RunSupporterView>,
}

/// A matching run.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_RUN_ID, "programme_id": EX_PROGRAMME_ID, "dry_run": true, "requests": 3, "supporters": 1,
    "pairs": 1, "unmatched": 2, "total_score": 75, "duration_ms": 0.04, "created_by": EX_LEAD_ID,
    "created_at": "2026-11-21T09:00:00Z",
    "result": {
        "pairs": [{"match_id": null,
            "a": {"kind": "request", "id": EX_REQUEST_ID, "user_id": super::EX_USER_ID, "display_name": "Omar Haddad"},
            "b": {"kind": "supporter", "id": EX_SUPPORTER_ID, "user_id": EX_LEAD_ID, "display_name": "Lena Ward"},
            "score": 75, "reasons": [
                {"feature": "profession", "points": 30, "text": "same profession (PWP): +30"},
                {"feature": "level", "points": 15, "text": "supporter at least as experienced (senior ≥ qualified): +15"},
                {"feature": "specialties", "points": 20, "text": "2 specialties in common (long term conditions, supervision): +20"},
                {"feature": "region", "points": 10, "text": "same region (West Midlands): +10"}]}],
        "unmatched": [
            {"request_id": "0193a6f2-dddd-7b3a-9d4e-2f1a0b9c8d7e", "user_id": "0193a6f2-eeee-7b3a-9d4e-2f1a0b9c8d7e", "display_name": "Rachel Green", "code": "all_excluded", "reason": "all candidates excluded: same team"},
            {"request_id": "0193a6f2-ffff-7b3a-9d4e-2f1a0b9c8d7e", "user_id": "0193a6f2-1234-7b3a-9d4e-2f1a0b9c8d7e", "display_name": "Daniel Kim", "code": "better_overall_fit", "reason": "candidates were matched with others for a better overall fit"}],
        "free_places": [],
        "unmatchable_supporters": [{"supporter_id": "0193a6f2-4321-7b3a-9d4e-2f1a0b9c8d7e", "user_id": "0193a6f2-5678-7b3a-9d4e-2f1a0b9c8d7e", "display_name": "George Mills", "places": 0, "unmatchable_reasons": ["no_supervisor"], "reason": "not matchable: no supervisor"}]
    }
}))]
pub struct RunView {
    pub id: String,
    pub programme_id: String,
    /// A dry run shows what a run would propose and changes nothing.
    pub dry_run: bool,
    /// Requests waiting when it ran.
    pub requests: i32,
    /// Matchable supporters (supporter programmes).
    pub supporters: i32,
    pub pairs: i32,
    pub unmatched: i32,
    /// The sum of the pairs' scores as shown (the engine maximises the
    /// total including private preference points, which are not shown).
    pub total_score: i64,
    /// How long the engine took, in milliseconds.
    pub duration_ms: f64,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Left out of lists; present when reading one run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<RunResultView>,
}

fn side_view(s: matching::RunSide) -> RunSideView {
    RunSideView {
        kind: s.kind,
        id: s.id,
        user_id: s.user_id,
        display_name: s.display_name,
    }
}

fn supporter_run_view(s: matching::RunSupporter) -> RunSupporterView {
    RunSupporterView {
        supporter_id: s.supporter_id,
        user_id: s.user_id,
        display_name: s.display_name,
        places: s.places,
        unmatchable_reasons: s.unmatchable_reasons,
        reason: s.reason,
    }
}

fn result_view(r: RunResult) -> ApiResult<RunResultView> {
    Ok(RunResultView {
        pairs: r
            .pairs
            .into_iter()
            .map(|p| RunPairView {
                match_id: p.match_id,
                a: side_view(p.a),
                b: side_view(p.b),
                score: p.score,
                reasons: p.reasons.into_iter().map(ReasonView::from).collect(),
            })
            .collect(),
        unmatched: r
            .unmatched
            .into_iter()
            .map(|u| {
                // `result_of` reads every code, also of older results.
                let code = u.code.ok_or_else(|| {
                    StoreError::Internal(format!("run result without a code for {}", u.request_id))
                })?;
                Ok(RunUnmatchedView {
                    request_id: u.request_id,
                    user_id: u.user_id,
                    display_name: u.display_name,
                    code,
                    reason: u.reason,
                })
            })
            .collect::<ApiResult<_>>()?,
        free_places: r.free_places.into_iter().map(supporter_run_view).collect(),
        unmatchable_supporters: r
            .unmatchable_supporters
            .into_iter()
            .map(supporter_run_view)
            .collect(),
    })
}

fn run_view(r: matching_run::Model, with_result: bool) -> ApiResult<RunView> {
    let result = if with_result {
        Some(result_view(matching::result_of(&r)?)?)
    } else {
        None
    };
    Ok(RunView {
        result,
        duration_ms: r.duration_micros as f64 / 1000.0,
        id: r.id,
        programme_id: r.programme_id,
        dry_run: r.dry_run,
        requests: r.requests,
        supporters: r.supporters,
        pairs: r.pairs,
        unmatched: r.unmatched,
        total_score: r.total_score,
        created_by: r.created_by,
        created_at: r.created_at,
    })
}

/// A run to start.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"dry_run": true}))]
pub struct RunBody {
    /// Show what would be proposed and change nothing (default false).
    #[serde(default)]
    pub dry_run: bool,
}

/// Run the matching engine over everyone waiting
///
/// The best total score under the programme's constraints. Every pair
/// carries its score and reasons; everyone left unmatched gets a reason.
/// Unless `dry_run`, each pair becomes a proposed match that both people
/// must accept.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "createMatchingRun",
    security(("bearer" = [])),
    request_body = RunBody,
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 201, description = "The run and its result", body = RunView, headers(("Location" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/programmes/{id}/matching-runs")]
pub async fn create_run(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: JsonBody<RunBody>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Manager).await?;
    let r = matching::run(&state.db, &auth.ctx(), &a.programme, body.0.dry_run).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/matching-runs/{}", r.id)))
        .json(run_view(r, true)?))
}

crate::page_schema!(RunPage, RunView);

/// List a programme's matching runs
///
/// Runs, oldest first, without their results.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "listMatchingRuns",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Programme id"), PageQuery),
    responses(
        (status = 200, description = "Runs, oldest first", body = RunPage),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/programmes/{id}/matching-runs")]
pub async fn list_runs(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Manager).await?;
    let page = matching::list_runs(&state.db, &a.programme.id, &q.to_request()?).await?;
    let page = try_page(page, |r| run_view(r, false))?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read a matching run with its result
///
/// The run, its pairs with their reasons, the unmatched with their reasons,
/// and the supporters' places.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "getMatchingRun",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Run id")),
    responses(
        (status = 200, description = "The run", body = RunView),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such run visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/matching-runs/{id}")]
pub async fn get_run(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let rid = uuid_param(&id, "matching run")?;
    let r = matching::find_run(&state.db, &rid).await?;
    programme_access(&state.db, &auth.0, &r.programme_id, Need::Manager)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => StoreError::NotFound("matching run"),
            e => e,
        })?;
    Ok(HttpResponse::Ok().json(run_view(r, true)?))
}

// ------------------------------------------------------------ manual pair

/// A pair chosen by a manager.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"request_id": EX_REQUEST_ID, "supporter_id": EX_SUPPORTER_ID}))]
pub struct ManualPairBody {
    /// A waiting request (supporter programmes: the peer's).
    #[schema(format = Uuid)]
    pub request_id: String,
    /// Mutual programmes: the other waiting request.
    #[schema(format = Uuid)]
    pub other_request_id: Option<String>,
    /// Supporter programmes: a matchable supporter with a free place.
    #[schema(format = Uuid)]
    pub supporter_id: Option<String>,
}

/// Pair two people by hand
///
/// Checked against the hard constraints and the minimum score like a run's
/// pairs. It becomes a proposed match that both must accept.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "programmes",
    operation_id = "createManualMatch",
    security(("bearer" = [])),
    request_body = ManualPairBody,
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 201, description = "Proposed", body = MatchView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`request-not-waiting`, `supporter-full`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A constraint breaks (`supporter_id` or `other_request_id` with code `same_team`, `line_manager`, `previous_pair`, `below_minimum`, `same_person`), `supporter_not_matchable`, unknown ids", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/programmes/{id}/matches")]
pub async fn create_match(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    body: JsonBody<ManualPairBody>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Manager).await?;
    let b = body.0;
    let input = ManualPair {
        request_id: uuid_field(&b.request_id, "request_id")?,
        other_request_id: b
            .other_request_id
            .as_deref()
            .map(|x| uuid_field(x, "other_request_id"))
            .transpose()?,
        supporter_id: b
            .supporter_id
            .as_deref()
            .map(|x| uuid_field(x, "supporter_id"))
            .transpose()?,
    };
    let m = matching::create_manual(&state.db, &auth.ctx(), &a.programme, input).await?;
    let version = m.version;
    let id = m.id.clone();
    let view = match_views(&state, vec![m], &auth.0.user_id)
        .await?
        .pop()
        .ok_or(StoreError::NotFound("match"))?;
    Ok(with_etag(
        StatusCode::CREATED,
        version,
        Some(format!("/v1/matches/{id}")),
    )
    .json(view))
}
