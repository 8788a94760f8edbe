//! Networks (tenants): creation by platform admins, settings by managers,
//! and the people in them.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::account::{ApiTokenScope, NetworkRole, UserStatus};
use peerhub_domain::taxonomy::{CareerLevel, Profession};
use peerhub_persistence::entities::{network, network_member, user};
use peerhub_persistence::networks::{self, Member, allowed_domains};
use peerhub_persistence::{access, account_control, stored};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, PathMember, closed_query, etag};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::ApiResult;
use crate::routes::me::present;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": super::EX_NETWORK_ID, "name": "PPN Midlands", "slug": "ppn-midlands", "description": "Psychological Professions Network, Midlands", "allowed_email_domains": ["nhs.net", "nhs.uk"], "require_register_to_propose": null, "escalation_overdue_days": 30, "private_note_retention_days": 365, "closed_match_retention_days": 730, "audit_retention_days": 2555, "version": 1, "created_at": "2026-11-01T09:00:00Z", "updated_at": "2026-11-01T09:00:00Z"}))]
pub struct NetworkView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    /// Email domains that may self-register (exact or subdomain match).
    pub allowed_email_domains: Vec<String>,
    /// The register a member must hold to propose a new community, if any.
    pub require_register_to_propose: Option<String>,
    /// Days after which an escalation that is not closed is overdue
    /// (1–365, default 30; docs/governance.md).
    #[schema(minimum = 1, maximum = 365, example = 30)]
    pub escalation_overdue_days: i32,
    /// Days a private match note is kept after its match closed (30–3650,
    /// default 365; docs/operations.md, "Retention").
    #[schema(minimum = 30, maximum = 3650, example = 365)]
    pub private_note_retention_days: i32,
    /// Days a closed match keeps its people and text before it is
    /// anonymised (90–3650, default 730).
    #[schema(minimum = 90, maximum = 3650, example = 730)]
    pub closed_match_retention_days: i32,
    /// Days the network's audit entries are kept (365–3650, default 2555).
    #[schema(minimum = 365, maximum = 3650, example = 2555)]
    pub audit_retention_days: i32,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<network::Model> for NetworkView {
    type Error = peerhub_persistence::Failure;

    fn try_from(n: network::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            allowed_email_domains: allowed_domains(&n)?,
            id: n.id,
            name: n.name,
            slug: n.slug,
            description: n.description,
            require_register_to_propose: n.require_register_to_propose,
            escalation_overdue_days: n.escalation_overdue_days,
            private_note_retention_days: n.private_note_retention_days,
            closed_match_retention_days: n.closed_match_retention_days,
            audit_retention_days: n.audit_retention_days,
            version: n.version,
            created_at: n.created_at,
            updated_at: n.updated_at,
        })
    }
}

crate::page_schema!(NetworkPage, NetworkView);

fn network_response(
    status: actix_web::http::StatusCode,
    n: network::Model,
) -> ApiResult<HttpResponse> {
    let mut r = HttpResponse::build(status);
    r.insert_header(("ETag", etag(n.version)));
    if status == actix_web::http::StatusCode::CREATED {
        r.insert_header(("Location", format!("/v1/networks/{}", n.id)));
    }
    Ok(r.json(NetworkView::try_from(n)?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "PPN Midlands", "slug": "ppn-midlands", "allowed_email_domains": ["nhs.net", "nhs.uk"], "require_register_to_propose": null}))]
pub struct CreateNetwork {
    /// 1–200 characters.
    #[validate(length(max = 1000))]
    pub name: String,
    /// 2–64 of a-z, 0-9 and inner hyphens; unique.
    #[validate(length(max = 200))]
    pub slug: String,
    #[validate(length(max = 10000))]
    pub description: Option<String>,
    /// Up to 50 domain names.
    #[serde(default)]
    pub allowed_email_domains: Vec<String>,
    pub require_register_to_propose: Option<String>,
}

/// Create a network
///
/// The slug must be unique (409 `slug-taken`). Nobody is a member yet:
/// invite the first manager next.
///
/// Access: platform admins; API tokens are refused.
#[utoipa::path(
    tag = "networks",
    operation_id = "createNetwork",
    security(("bearer" = [])),
    request_body = CreateNetwork,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Created", body = NetworkView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Not a platform admin", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`slug-taken`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/networks")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<CreateNetwork>,
) -> ApiResult<HttpResponse> {
    access::platform_admin(&auth.0)?;
    let b = body.0;
    let n = networks::create(
        &state.db,
        &auth.ctx(),
        networks::NewNetwork {
            name: b.name,
            slug: b.slug,
            description: b.description,
            allowed_email_domains: b.allowed_email_domains,
            require_register_to_propose: b.require_register_to_propose,
        },
    )
    .await?;
    network_response(actix_web::http::StatusCode::CREATED, n)
}

/// List the networks I belong to
///
/// Oldest first; a platform admin gets every network.
///
/// Access: any signed-in person (their own networks; every network for platform admins); API tokens with `networks:read`.
#[utoipa::path(
    tag = "networks",
    operation_id = "listNetworks",
    security(("bearer" = []), ("apiToken" = ["networks:read"])),
    params(PageQuery),
    responses((status = 200, description = "Networks, oldest first", body = NetworkPage))
)]
#[get("/v1/networks")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(Some(ApiTokenScope::NetworksRead))?;
    let page = networks::list_visible(&state.db, &auth.0, &q.to_request()?).await?;
    let page = try_page(page, |n| Ok(NetworkView::try_from(n)?))?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read a network
///
/// The answer carries the network's version as its `ETag`. Someone outside
/// the network gets 404, as if it did not exist.
///
/// Access: members and managers of the network and platform admins; API tokens with `networks:read`.
#[utoipa::path(
    tag = "networks",
    operation_id = "getNetwork",
    security(("bearer" = []), ("apiToken" = ["networks:read"])),
    params(("id" = uuid::Uuid, Path, description = "Network id")),
    responses(
        (status = 200, description = "The network", body = NetworkView, headers(("ETag" = String))),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/networks/{id}")]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: PathId) -> ApiResult<HttpResponse> {
    let n = access::network(
        &state.db,
        &auth.0,
        &id,
        Need::Member,
        Some(ApiTokenScope::NetworksRead),
    )
    .await?;
    network_response(actix_web::http::StatusCode::OK, n)
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"allowed_email_domains": ["nhs.net", "nhs.uk", "gov.uk"]}))]
pub struct NetworkPatch {
    #[validate(length(max = 1000))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub allowed_email_domains: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub require_register_to_propose: Option<Option<String>>,
    /// Days after which an escalation that is not closed is overdue: 1–365
    /// (`out_of_range` otherwise).
    #[schema(example = 45)]
    pub escalation_overdue_days: Option<i32>,
    /// Days a private match note is kept after its match closed: 30–3650
    /// (`out_of_range` otherwise; docs/operations.md, "Retention").
    #[schema(example = 365)]
    pub private_note_retention_days: Option<i32>,
    /// Days before a closed match is anonymised: 90–3650.
    #[schema(example = 730)]
    pub closed_match_retention_days: Option<i32>,
    /// Days the network's audit entries are kept: 365–3650.
    #[schema(example = 2555)]
    pub audit_retention_days: Option<i32>,
}

/// Change a network's settings
///
/// Absent fields stay as they are; `null` clears an optional field.
/// Honours `If-Match` (412 `stale-version` when stale).
///
/// Access: managers of the network and platform admins; API tokens are refused.
#[utoipa::path(
    tag = "networks",
    operation_id = "updateNetwork",
    security(("bearer" = [])),
    request_body = NetworkPatch,
    params(("id" = uuid::Uuid, Path, description = "Network id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Updated", body = NetworkView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/networks/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<NetworkPatch>,
) -> ApiResult<HttpResponse> {
    access::network(&state.db, &auth.0, &id, Need::Manager, None).await?;
    let b = body.0;
    let n = networks::update(
        &state.db,
        &auth.ctx(),
        &id,
        networks::NetworkPatch {
            name: b.name,
            description: b.description,
            allowed_email_domains: b.allowed_email_domains,
            require_register_to_propose: b.require_register_to_propose,
            escalation_overdue_days: b.escalation_overdue_days,
            private_note_retention_days: b.private_note_retention_days,
            closed_match_retention_days: b.closed_match_retention_days,
            audit_retention_days: b.audit_retention_days,
        },
        if_match.0,
    )
    .await?;
    network_response(actix_web::http::StatusCode::OK, n)
}

/// A person in a network.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"network_id": super::EX_NETWORK_ID, "user_id": super::EX_USER_ID, "email": "sam.patel@nhs.net", "display_name": "Sam Patel", "status": "active", "role": "member", "job_title": "Senior PWP", "organisation": "Midlands Partnership NHS FT", "region": "West Midlands", "profession": "PWP", "level": "senior", "joined_at": "2026-11-01T09:00:00Z", "version": 1}))]
pub struct NetworkMemberView {
    pub network_id: String,
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    /// The account's status.
    pub status: UserStatus,
    pub role: NetworkRole,
    pub job_title: Option<String>,
    pub organisation: Option<String>,
    pub region: Option<String>,
    pub profession: Option<Profession>,
    pub level: Option<CareerLevel>,
    pub joined_at: Option<DateTime<Utc>>,
    /// Version of the membership (the `ETag` for role changes).
    pub version: Option<i32>,
}

impl NetworkMemberView {
    /// The person `u` with their membership `m` of the network; stored
    /// codes that do not decode are an error.
    pub fn from_parts(
        network_id: &str,
        u: user::Model,
        m: &network_member::Model,
    ) -> ApiResult<Self> {
        Ok(Self {
            network_id: network_id.to_owned(),
            status: stored::decode("user.status", &u.status)?,
            role: stored::decode("network_member.role", &m.role)?,
            profession: u
                .profession
                .as_deref()
                .map(|p| stored::decode("user.profession", p))
                .transpose()?,
            level: u
                .level
                .as_deref()
                .map(|l| stored::decode("user.level", l))
                .transpose()?,
            user_id: u.id,
            email: u.email,
            display_name: u.display_name,
            job_title: u.job_title,
            organisation: u.organisation,
            region: u.region,
            joined_at: Some(m.created_at),
            version: Some(m.version),
        })
    }

    fn from_member(m: Member) -> ApiResult<Self> {
        Self::from_parts(&m.membership.network_id, m.user, &m.membership)
    }
}

crate::page_schema!(NetworkMemberPage, NetworkMemberView);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberFilter {
    /// Only people with this role in the network.
    #[param(value_type = Option<NetworkRole>)]
    pub role: Option<String>,
}

/// List the people in a network
///
/// In joining order, optionally only those with one role. An unknown `role`
/// answers 422 naming the allowed values.
///
/// Access: managers of the network and platform admins; API tokens with `users:read`.
#[utoipa::path(
    tag = "networks",
    operation_id = "listNetworkMembers",
    security(("bearer" = []), ("apiToken" = ["users:read"])),
    params(("id" = uuid::Uuid, Path, description = "Network id"), MemberFilter, PageQuery),
    responses(
        (status = 200, description = "People, in joining order", body = NetworkMemberPage),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/networks/{id}/members")]
pub async fn members(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    f: web::Query<MemberFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let role = closed_query::<NetworkRole>("role", f.role.as_deref())?;
    let page_req = q.to_request()?;
    access::network(
        &state.db,
        &auth.0,
        &id,
        Need::Manager,
        Some(ApiTokenScope::UsersRead),
    )
    .await?;
    let page = networks::members(&state.db, &id, role, &page_req).await?;
    let page = try_page(page, NetworkMemberView::from_member)?;
    Ok(page_response(&req, &state, page, |v| v))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "manager"}))]
pub struct MemberPatch {
    /// The person's new role in the network.
    pub role: NetworkRole,
}

/// Change a person's role in the network
///
/// A network always keeps at least one manager (409 `last-manager`).
/// Honours `If-Match` with the membership version.
///
/// Access: managers of the network and platform admins; API tokens are refused.
#[utoipa::path(
    tag = "networks",
    operation_id = "updateNetworkMember",
    security(("bearer" = [])),
    request_body = MemberPatch,
    params(("id" = uuid::Uuid, Path, description = "Network id"), ("user_id" = uuid::Uuid, Path, description = "The person's user id"), ("If-Match" = Option<String>, Header, description = "Membership version")),
    responses(
        (status = 200, description = "Updated", body = NetworkMemberView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network or member", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last-manager`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid role", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/networks/{id}/members/{user_id}")]
pub async fn update_member(
    state: web::Data<AppState>,
    auth: Auth,
    path: PathMember,
    if_match: IfMatch,
    body: JsonBody<MemberPatch>,
) -> ApiResult<HttpResponse> {
    let PathMember { id, user_id } = path;
    access::network(&state.db, &auth.0, &id, Need::Manager, None).await?;
    let m = networks::set_member_role(
        &state.db,
        &auth.ctx(),
        &id,
        &user_id,
        body.0.role,
        if_match.0,
    )
    .await?;
    let v = m.membership.version;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(v)))
        .json(NetworkMemberView::from_member(m)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NetworkRemovalQuery {
    /// Why the person is removed, in up to 1,000 characters. Sent to them in
    /// the notice; not recorded in the audit trail.
    pub reason: Option<String>,
}

/// Remove a person from the network
///
/// In one transaction their network membership is deleted, their community memberships in the
/// network end as `removed` (each freed place is offered to the
/// wait-list), their open applications are withdrawn, their open matches
/// in the network's programmes close (declined while pending, ended while
/// active), their open match requests are withdrawn and their supporter
/// places paused. The person and the other person of each closed match are
/// emailed. Nobody removes themselves (409 `cannot-remove-self`); the last
/// manager stays (409 `last-manager`); only a platform admin removes a
/// platform admin (403 `platform-admin-only`). Honours `If-Match` with the
/// membership version.
///
/// Access: managers of the network and platform admins (a platform admin is removed only by another platform admin); API tokens are refused.
#[utoipa::path(
    tag = "networks",
    operation_id = "removeNetworkMember",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Network id"),
        ("user_id" = uuid::Uuid, Path, description = "The person's user id"),
        NetworkRemovalQuery,
        ("If-Match" = Option<String>, Header, description = "Membership version"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not a manager (`forbidden`), an API token (`insufficient-scope`), or a platform admin removed by someone who is not one (`platform-admin-only`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you, or the person is not in it", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`cannot-remove-self` or `last-manager`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`reason` too long", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/networks/{id}/members/{user_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    auth: Auth,
    path: PathMember,
    q: web::Query<NetworkRemovalQuery>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let PathMember { id, user_id } = path;
    access::network(&state.db, &auth.0, &id, Need::Manager, None).await?;
    account_control::remove_from_network(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        &user_id,
        q.into_inner().reason,
        if_match.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
