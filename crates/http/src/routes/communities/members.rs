//! Core-team roles (changing a member's role) and my own memberships.
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::community::{CommunityRole, CommunityStatus};
use peerhub_persistence::access;
use peerhub_persistence::rosters::{self, MyMembership};
use peerhub_persistence::stored::decode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Auth, Person};
use crate::extract::{IfMatch, JsonBody, PathMember, etag};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

use super::community::EX_COMMUNITY_ID;
use super::roster::RosterEntryView;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "co_chair"}))]
pub struct RoleChange {
    /// The new role (`member` takes a core-team role back).
    pub role: CommunityRole,
}

/// Change a member's role in the community
///
/// `chair`, `co_chair` (several allowed), `secretary` (at most
/// `max_secretaries` of the current approved Terms of Reference, one
/// without), `facilitator` or back to `member`. Honours `If-Match` with the
/// membership version.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "community-members",
    operation_id = "updateCommunityMember",
    security(("bearer" = [])),
    request_body = RoleChange,
    params(
        ("id" = uuid::Uuid, Path, description = "Community id"),
        ("user_id" = uuid::Uuid, Path, description = "The member's user id"),
        ("If-Match" = Option<String>, Header, description = "Membership version (`version` in the roster)"),
    ),
    responses(
        (status = 200, description = "The membership with its new role", body = RosterEntryView, headers(("ETag" = String, description = "Membership version"))),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you, or the person is not an active member of it", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`secretary-limit` or `community-archived`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid role", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/communities/{id}/members/{user_id}")]
pub async fn update_member(
    state: web::Data<AppState>,
    auth: Auth,
    path: PathMember,
    if_match: IfMatch,
    body: JsonBody<RoleChange>,
) -> ApiResult<HttpResponse> {
    let PathMember { id, user_id } = path;
    access::community(&state.db, &auth.0, &id, CommunityNeed::Manager, None).await?;
    let e = rosters::set_role(
        &state.db,
        &auth.ctx(),
        &id,
        &user_id,
        body.0.role,
        if_match.0,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(e.version)))
        .json(RosterEntryView::try_from(e)?))
}

/// One of my active community memberships.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "community_id": EX_COMMUNITY_ID, "community_name": "Psychological Practitioners CoP",
    "community_status": "active", "network_id": crate::routes::EX_NETWORK_ID, "role": "chair",
    "joined_at": "2026-11-01T09:00:00Z"
}))]
pub struct MyMembershipView {
    pub community_id: String,
    pub community_name: String,
    pub community_status: CommunityStatus,
    pub network_id: String,
    pub role: CommunityRole,
    pub joined_at: DateTime<Utc>,
}

impl TryFrom<MyMembership> for MyMembershipView {
    type Error = ApiError;

    fn try_from(m: MyMembership) -> ApiResult<Self> {
        Ok(Self {
            community_status: peerhub_persistence::communities::status_of(&m.community)?,
            role: decode("community_member.role", &m.membership.role)?,
            community_id: m.community.id,
            community_name: m.community.name,
            network_id: m.community.network_id,
            joined_at: m.membership.joined_at,
        })
    }
}

crate::page_schema!(MyMembershipPage, MyMembershipView);

/// List my community memberships
///
/// My active community memberships and roles, oldest first. API tokens get
/// 403 `insufficient-scope`.
///
/// Access: any signed-in person (their own memberships).
#[utoipa::path(
    tag = "community-members",
    operation_id = "listMyMemberships",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "My memberships, oldest first", body = MyMembershipPage),
        (status = 403, description = "`insufficient-scope`: API tokens cannot use this", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/memberships")]
pub async fn my_memberships(
    req: HttpRequest,
    state: web::Data<AppState>,
    person: Person,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let page_req = q.to_request()?;
    let page = rosters::of_user(&state.db, &auth.0.user_id, &page_req).await?;
    let page = try_page(page, MyMembershipView::try_from)?;
    Ok(page_response(&req, &state, page, |v| v))
}
