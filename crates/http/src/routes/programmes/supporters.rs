//! A programme's supporters.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::matching::supporter::{SupporterStatus, SupporterUnmatchableReason};
use peerhub_persistence::entities::programme_supporter;
use peerhub_persistence::matching::{self, NewSupporter, SupporterPatch};
use peerhub_persistence::{Failure, meetings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{EX_LEAD_ID, EX_SUPPORTER_ID, load};
use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId};
use crate::pagination::{PageQuery, page_response};
use crate::problem::ApiResult;
use crate::routes::me::present;
use crate::routes::views::{EX_PROGRAMME_ID, EX_USER_ID, with_etag};
use crate::state::AppState;

/// A supporter in a supporter programme.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_SUPPORTER_ID, "programme_id": EX_PROGRAMME_ID, "user_id": EX_USER_ID, "display_name": "Lena Ward",
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
        .ok_or(Failure::not_found("supporter"))?;
    Ok(with_etag(status, version, None).json(view))
}

/// A supporter to register.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": EX_USER_ID, "capacity": 3, "trained_on": "2026-03-12", "supervisor_id": EX_LEAD_ID}))]
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
    id: PathId,
    body: JsonBody<SupporterBody>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let s = matching::add_supporter_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        Need::Manager,
        NewSupporter {
            user_id: b.user_id,
            capacity: b.capacity,
            trained_on: b.trained_on,
            supervisor_id: b.supervisor_id,
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
    id: PathId,
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
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<SupporterPatchBody>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let s = matching::update_supporter_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        Need::Manager,
        SupporterPatch {
            capacity: b.capacity,
            trained_on: b.trained_on,
            supervisor_id: b.supervisor_id,
            status: b.status,
        },
        if_match.0,
    )
    .await?;
    respond_supporter(&state, StatusCode::OK, s).await
}
