//! The community itself: its view, create, list, read, change and archive.
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Need};
use peerhub_domain::community::{
    CadenceUnit, CommunityKind, CommunityStatus, DeliveryMode, OrganisedAround, RawSettings,
};
use peerhub_persistence::access;
use peerhub_persistence::communities::{self, ListFilter, settings_of, status_of};
use peerhub_persistence::entities::community;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Auth, Caller};
use crate::extract::{IfMatch, JsonBody, PathId, closed_query, etag, uuid_field};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::{ApiError, ApiResult};
use crate::routes::me::present;
use crate::state::AppState;

pub(super) const EX_COMMUNITY_ID: &str = "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e";

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    /// How many units between meetings (1–52 weeks or 1–12 months).
    #[schema(example = 3)]
    pub every: i32,
    /// The unit of `every`.
    pub unit: CadenceUnit,
}

/// A Community of Practice.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_COMMUNITY_ID, "network_id": crate::routes::EX_NETWORK_ID, "name": "Psychological Practitioners",
    "focus": "Professional growth through sharing and enhancing skills, knowledge and practice.",
    "audience": "Trainee, qualified, senior and lead PWP, CYWP, EMHP and MHWP practitioners across the Midlands.",
    "organised_around": "field_of_practice", "kind": "closed", "capacity": 40, "fee_note": null,
    "cadence": {"every": 3, "unit": "months"}, "duration_minutes": 120, "delivery_mode": "online",
    "status": "active", "member_count": 12, "has_approved_terms": true, "version": 1,
    "created_at": "2026-11-01T09:00:00Z", "updated_at": "2026-11-01T09:00:00Z", "archived_at": null
}))]
pub struct CommunityView {
    pub id: String,
    pub network_id: String,
    pub name: String,
    pub focus: String,
    /// Who the community is for.
    pub audience: String,
    pub organised_around: OrganisedAround,
    pub kind: CommunityKind,
    /// Places; approvals beyond it go to the wait-list.
    pub capacity: i32,
    pub fee_note: Option<String>,
    pub cadence: Cadence,
    pub duration_minutes: i32,
    pub delivery_mode: DeliveryMode,
    pub status: CommunityStatus,
    /// Current members (core team included).
    pub member_count: u64,
    /// Whether an approved Terms of Reference exists (needed to apply).
    pub has_approved_terms: bool,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

async fn view(state: &AppState, c: community::Model) -> ApiResult<CommunityView> {
    let s = communities::summaries(&state.db, std::slice::from_ref(&c.id)).await?;
    let (count, terms) = s.get(&c.id).copied().unwrap_or((0, false));
    to_view(c, count, terms)
}

fn to_view(
    c: community::Model,
    member_count: u64,
    has_approved_terms: bool,
) -> ApiResult<CommunityView> {
    let s = settings_of(&c)?;
    let status = status_of(&c)?;
    Ok(CommunityView {
        cadence: Cadence {
            every: s.cadence_every,
            unit: s.cadence_unit,
        },
        id: c.id,
        network_id: c.network_id,
        name: c.name,
        focus: c.focus,
        audience: c.audience,
        organised_around: s.organised_around,
        kind: s.kind,
        capacity: c.capacity,
        fee_note: c.fee_note,
        duration_minutes: c.duration_minutes,
        delivery_mode: s.delivery_mode,
        status,
        member_count,
        has_approved_terms,
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
        archived_at: c.archived_at,
    })
}

async fn respond(
    state: &AppState,
    status: actix_web::http::StatusCode,
    c: community::Model,
) -> ApiResult<HttpResponse> {
    let v = view(state, c).await?;
    let mut r = HttpResponse::build(status);
    r.insert_header(("ETag", etag(v.version)));
    if status == actix_web::http::StatusCode::CREATED {
        r.insert_header(("Location", format!("/v1/communities/{}", v.id)));
    }
    Ok(r.json(v))
}

crate::page_schema!(CommunityPage, CommunityView);

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "network_id": crate::routes::EX_NETWORK_ID, "name": "Psychological Practitioners",
    "focus": "Professional growth through sharing and enhancing skills, knowledge and practice.",
    "audience": "Trainee, qualified, senior and lead PWP, CYWP, EMHP and MHWP practitioners across the Midlands.",
    "kind": "closed", "capacity": 40, "cadence": {"every": 3, "unit": "months"}, "duration_minutes": 120, "delivery_mode": "online"
}))]
pub struct CreateCommunity {
    #[schema(format = Uuid)]
    #[validate(length(max = 64))]
    pub network_id: String,
    #[validate(length(max = 1000))]
    pub name: String,
    #[validate(length(max = 20000))]
    pub focus: String,
    #[validate(length(max = 20000))]
    pub audience: String,
    /// Default `field_of_practice`.
    pub organised_around: Option<OrganisedAround>,
    pub kind: CommunityKind,
    /// 1–500; default 10 for closed and 20 for open groups.
    pub capacity: Option<i32>,
    #[validate(length(max = 5000))]
    pub fee_note: Option<String>,
    pub cadence: Cadence,
    /// 1–720.
    pub duration_minutes: i32,
    /// Default `online`.
    pub delivery_mode: Option<DeliveryMode>,
    /// `active` (default) or `proposed`; `archived` is refused (422
    /// `invalid_value`).
    pub status: Option<CommunityStatus>,
}

/// Create a community
///
/// Creates a Community of Practice in a network, `active` unless `proposed`
/// is asked for. A create without a `capacity` gets 10 for a closed and 20
/// for an open group.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "createCommunity",
    security(("bearer" = [])),
    request_body = CreateCommunity,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Created", body = CommunityView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/communities")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<CreateCommunity>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let network_id = uuid_field(&b.network_id, "network_id")?;
    access::network(&state.db, &auth.0, &network_id, Need::Manager, None).await?;
    let raw = RawSettings {
        name: Some(b.name),
        focus: Some(b.focus),
        audience: Some(b.audience),
        organised_around: b.organised_around,
        kind: Some(b.kind),
        capacity: b.capacity,
        fee_note: Some(b.fee_note),
        cadence_every: Some(b.cadence.every),
        cadence_unit: Some(b.cadence.unit),
        duration_minutes: Some(b.duration_minutes),
        delivery_mode: b.delivery_mode,
    };
    let c = communities::create(&state.db, &auth.ctx(), &network_id, raw, b.status).await?;
    respond(&state, actix_web::http::StatusCode::CREATED, c).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommunityFilter {
    /// Only this network's communities.
    #[param(format = Uuid)]
    pub network_id: Option<String>,
    /// Only communities with this status.
    #[param(value_type = Option<CommunityStatus>)]
    pub status: Option<String>,
    /// Text to find in the name or focus (case-insensitive).
    pub q: Option<String>,
}

/// List the communities of my networks
///
/// Communities of every network the caller belongs to (every network for a
/// platform admin), oldest first, optionally by network, status or text.
///
/// Access: members of a network (its communities) and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "listCommunities",
    security(("bearer" = [])),
    params(CommunityFilter, PageQuery),
    responses((status = 200, description = "Communities, oldest first", body = CommunityPage))
)]
#[get("/v1/communities")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    f: web::Query<CommunityFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    caller.person_only()?;
    let network_id = f
        .network_id
        .as_deref()
        .map(|n| uuid_field(n, "network_id"))
        .transpose()?;
    let status = closed_query::<CommunityStatus>("status", f.status.as_deref())?;
    if f.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::field(
            "q",
            "too_long",
            "must be at most 200 characters",
        ));
    }
    // One statement: the page with the caller's account (a session is
    // authenticated on it; an empty page checks it on its own).
    let page = communities::list_with_summaries(
        &state.db,
        caller.who(),
        &ListFilter {
            network_id,
            status,
            q: f.q.clone(),
        },
        &q.to_request()?,
    )
    .await?;
    let page = try_page(page, |s| {
        to_view(s.community, s.member_count, s.has_approved_terms)
    })?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read a community
///
/// The community's settings, status, member count and whether it has
/// approved Terms of Reference.
///
/// Access: members of the community's network and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "getCommunity",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Community id")),
    responses(
        (status = 200, description = "The community", body = CommunityView, headers(("ETag" = String))),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/communities/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    caller: Caller,
    id: PathId,
) -> ApiResult<HttpResponse> {
    // One statement: the community, the caller's account (a session is
    // authenticated here), standing and the community's summary.
    let s = access::community_summary(
        &state.db,
        caller.who(),
        &id,
        CommunityNeed::NetworkMember,
        None,
    )
    .await?;
    let v = to_view(s.access.community, s.member_count, s.has_approved_terms)?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(v.version)))
        .json(v))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 12, "cadence": {"every": 2, "unit": "months"}}))]
pub struct CommunityPatch {
    #[validate(length(max = 1000))]
    pub name: Option<String>,
    #[validate(length(max = 20000))]
    pub focus: Option<String>,
    #[validate(length(max = 20000))]
    pub audience: Option<String>,
    pub organised_around: Option<OrganisedAround>,
    pub kind: Option<CommunityKind>,
    pub capacity: Option<i32>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub fee_note: Option<Option<String>>,
    pub cadence: Option<Cadence>,
    pub duration_minutes: Option<i32>,
    pub delivery_mode: Option<DeliveryMode>,
    /// `active` moves a proposed community to active (any other change is
    /// 422 `invalid_transition`). Archive with POST …/archive.
    pub status: Option<CommunityStatus>,
}

/// Change a community's settings
///
/// Changes only the fields sent; `status: active` moves a proposed
/// community to active. A larger capacity offers the freed places to the
/// wait-list. Honours `If-Match`.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "updateCommunity",
    security(("bearer" = [])),
    request_body = CommunityPatch,
    params(("id" = uuid::Uuid, Path, description = "Community id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Updated", body = CommunityView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`community-archived`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/communities/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<CommunityPatch>,
) -> ApiResult<HttpResponse> {
    access::community(&state.db, &auth.0, &id, CommunityNeed::Manager, None).await?;
    let b = body.0;
    let (cadence_every, cadence_unit) = match b.cadence {
        Some(c) => (Some(c.every), Some(c.unit)),
        None => (None, None),
    };
    let raw = RawSettings {
        name: b.name,
        focus: b.focus,
        audience: b.audience,
        organised_around: b.organised_around,
        kind: b.kind,
        capacity: b.capacity,
        fee_note: b.fee_note,
        cadence_every,
        cadence_unit,
        duration_minutes: b.duration_minutes,
        delivery_mode: b.delivery_mode,
    };
    let c = communities::update(&state.db, &auth.ctx(), &id, raw, b.status, if_match.0).await?;
    respond(&state, actix_web::http::StatusCode::OK, c).await
}

/// Archive a community
///
/// It stops taking applications and accepts no further changes; its
/// records stay readable. Idempotent. Honours `If-Match`.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "archiveCommunity",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Community id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Archived", body = CommunityView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/communities/{id}/archive")]
pub async fn archive(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    access::community(&state.db, &auth.0, &id, CommunityNeed::Manager, None).await?;
    let c = communities::archive(&state.db, &auth.ctx(), &id, if_match.0).await?;
    respond(&state, actix_web::http::StatusCode::OK, c).await
}
