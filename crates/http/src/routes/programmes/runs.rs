//! Matching runs.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::matching::plan::{RunSideKind, UnmatchedReason};
use peerhub_domain::matching::supporter::SupporterUnmatchableReason;
use peerhub_persistence::Failure;
use peerhub_persistence::entities::matching_run;
use peerhub_persistence::matching::{self, RunResult, programme_access};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{EX_LEAD_ID, EX_RUN_ID, EX_SUPPORTER_ID, load};
use crate::auth::Auth;
use crate::extract::{JsonBody, PathId};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::ApiResult;
use crate::routes::views::matches::ReasonView;
use crate::routes::views::{EX_PROGRAMME_ID, EX_REQUEST_ID, EX_USER_ID};
use crate::state::AppState;

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
            "a": {"kind": "request", "id": EX_REQUEST_ID, "user_id": EX_USER_ID, "display_name": "Omar Haddad"},
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
                    Failure::internal(format!("run result without a code for {}", u.request_id))
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

/// A run as read back: its stored result decoded when `with_result`.
fn run_view(r: matching_run::Model, with_result: bool) -> ApiResult<RunView> {
    let result = if with_result {
        Some(matching::result_of(&r)?)
    } else {
        None
    };
    view_of(r, result)
}

fn view_of(r: matching_run::Model, result: Option<RunResult>) -> ApiResult<RunView> {
    let result = result.map(result_view).transpose()?;
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
    id: PathId,
    body: JsonBody<RunBody>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Manager).await?;
    let ran = matching::run(&state.db, &auth.ctx(), &a.programme, body.0.dry_run).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/matching-runs/{}", ran.run.id)))
        .json(view_of(ran.run, Some(ran.result))?))
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
    id: PathId,
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
    id: PathId,
) -> ApiResult<HttpResponse> {
    let rid = id.0;
    let r = matching::find_run(&state.db, &rid).await?;
    programme_access(&state.db, &auth.0, &r.programme_id, Need::Manager)
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => Failure::not_found("matching run"),
            e => e,
        })?;
    Ok(HttpResponse::Ok().json(run_view(r, true)?))
}
