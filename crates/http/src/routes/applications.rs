//! Applications to join a community: applying, the review queue, decisions,
//! withdrawal, place offers from the wait-list, and members leaving or
//! being removed (which frees a place for the wait-list).
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::{CommunityNeed, Need};
use peerhub_domain::community::{
    ApplicationDecision, ApplicationDecisionOutcome, ApplicationStatus,
};
use peerhub_domain::eligibility::{Check, EligibilityOutcome, EligibilityVerdict};
use peerhub_persistence::access;
use peerhub_persistence::applications::{
    self, ApplicationNeed, DecisionInput, OfferResult, QueueEntry, checks_of, status_of, verdict_of,
};
use peerhub_persistence::entities::application;
use peerhub_persistence::memberships;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, PathMember, closed_query, etag};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Registers this module's handlers (literal paths before `{param}` ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(apply)
        .service(list_for_community)
        .service(review_queue)
        .service(get_application)
        .service(decide)
        .service(withdraw)
        .service(accept_offer)
        .service(decline_offer)
        .service(end_membership);
}

const EX_APPLICATION_ID: &str = "0193a6f2-4444-7b3a-9d4e-2f1a0b9c8d7e";
const EX_COMMUNITY_ID: &str = "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e";

// -------------------------------------------------------------------- DTOs

/// One eligibility rule checked against the applicant's profile.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"rule": "professions", "outcome": "not_met", "reason": "profession CAP is not one of PWP, CYWP, EMHP, MHWP"}))]
pub struct CheckView {
    /// `professions`, `levels`, `regions`, `registers` or `other_criteria[i]`.
    pub rule: String,
    pub outcome: EligibilityOutcome,
    /// Plain English.
    pub reason: String,
}

impl From<Check> for CheckView {
    fn from(c: Check) -> Self {
        Self {
            rule: c.rule,
            outcome: c.outcome,
            reason: c.reason,
        }
    }
}

/// The verdict of the eligibility rules of the Terms of Reference.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"verdict": "ineligible", "checks": [{"rule": "professions", "outcome": "not_met", "reason": "profession CAP is not one of PWP, CYWP, EMHP, MHWP"}, {"rule": "regions", "outcome": "met", "reason": "region West Midlands is one of West Midlands, East Midlands"}]}))]
pub struct EligibilityView {
    /// `eligible` (every rule met), `ineligible` (a rule not met) or
    /// `needs_review` (missing profile data or free-text criteria).
    pub verdict: EligibilityVerdict,
    pub checks: Vec<CheckView>,
}

fn eligibility_of(a: &application::Model) -> ApiResult<EligibilityView> {
    Ok(EligibilityView {
        verdict: verdict_of(a)?,
        checks: checks_of(a)?.into_iter().map(CheckView::from).collect(),
    })
}

/// An application to join a community.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_APPLICATION_ID, "community_id": EX_COMMUNITY_ID, "network_id": super::EX_NETWORK_ID, "user_id": super::EX_USER_ID,
    "statement": "I lead a PWP team in Stoke and would like to share practice.",
    "status": "pending",
    "eligibility": {"verdict": "eligible", "checks": [{"rule": "professions", "outcome": "met", "reason": "profession PWP is one of PWP, CYWP, EMHP, MHWP"}]},
    "terms_version": 1, "decided_by": null, "decided_at": null, "decision_reason": null, "override_reason": null, "offer_expires_at": null,
    "version": 1, "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"
}))]
pub struct ApplicationView {
    pub id: String,
    pub community_id: String,
    pub network_id: String,
    /// The applicant.
    pub user_id: String,
    pub statement: Option<String>,
    pub status: ApplicationStatus,
    /// Computed when applying and again when a manager decides.
    pub eligibility: EligibilityView,
    /// The Terms of Reference version the eligibility was checked against.
    pub terms_version: i32,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    /// Why an ineligible applicant was approved or wait-listed anyway.
    pub override_reason: Option<String>,
    /// While `offered`: accept before this time.
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<application::Model> for ApplicationView {
    type Error = ApiError;

    fn try_from(a: application::Model) -> ApiResult<Self> {
        Ok(Self {
            eligibility: eligibility_of(&a)?,
            status: status_of(&a)?,
            id: a.id,
            community_id: a.community_id,
            network_id: a.network_id,
            user_id: a.user_id,
            statement: a.statement,
            terms_version: a.terms_number,
            decided_by: a.decided_by,
            decided_at: a.decided_at,
            decision_reason: a.decision_reason,
            override_reason: a.override_reason,
            offer_expires_at: a.offer_expires_at,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        })
    }
}

crate::page_schema!(ApplicationPage, ApplicationView);

fn application_response(status: StatusCode, a: application::Model) -> ApiResult<HttpResponse> {
    let mut r = HttpResponse::build(status);
    r.insert_header(("ETag", etag(a.version)));
    if status == StatusCode::CREATED {
        r.insert_header(("Location", format!("/v1/applications/{}", a.id)));
    }
    Ok(r.json(ApplicationView::try_from(a)?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"statement": "I lead a PWP team in Stoke and would like to share practice."}))]
pub struct Apply {
    /// Why you would like to join; at most 4000 characters.
    pub statement: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationFilter {
    /// Only applications with this status.
    #[param(value_type = Option<ApplicationStatus>)]
    pub status: Option<String>,
}

/// A pending application in the review queue.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_APPLICATION_ID, "community_id": EX_COMMUNITY_ID, "community_name": "Psychological Practitioners CoP",
    "applicant_id": super::EX_USER_ID, "applicant_name": "Sam Patel",
    "eligibility": {"verdict": "needs_review", "checks": [{"rule": "regions", "outcome": "needs_review", "reason": "no region on the profile; the rule asks for one of West Midlands, East Midlands"}]},
    "terms_version": 1, "submitted_at": "2026-11-18T09:00:00Z", "age_days": 3
}))]
pub struct QueueItem {
    /// The application id.
    pub id: String,
    pub community_id: String,
    pub community_name: String,
    pub applicant_id: String,
    pub applicant_name: String,
    pub eligibility: EligibilityView,
    pub terms_version: i32,
    pub submitted_at: DateTime<Utc>,
    /// Whole days since the application was submitted.
    pub age_days: i64,
}

crate::page_schema!(QueuePage, QueueItem);

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "approve", "reason": null, "override_reason": "Agreed with the chair: a CAP working in a PWP service"}))]
pub struct ApplicationDecisionRequest {
    pub decision: ApplicationDecision,
    /// Required to reject (sent to the applicant); at most 4000 characters.
    pub reason: Option<String>,
    /// Required to approve or wait-list an applicant whose current verdict
    /// is `ineligible`; at most 4000 characters.
    pub override_reason: Option<String>,
}

/// The application after a decision, and what the decision did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_APPLICATION_ID, "community_id": EX_COMMUNITY_ID, "network_id": super::EX_NETWORK_ID, "user_id": super::EX_USER_ID,
    "statement": null, "status": "waitlisted",
    "eligibility": {"verdict": "eligible", "checks": []},
    "terms_version": 1, "decided_by": super::EX_USER_ID, "decided_at": "2026-11-21T10:00:00Z", "decision_reason": null, "override_reason": null, "offer_expires_at": null,
    "version": 2, "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T10:00:00Z",
    "outcome": "waitlisted_full", "membership_id": null
}))]
pub struct DecisionView {
    #[serde(flatten)]
    pub application: ApplicationView,
    /// `admitted` (approved; now a member), `waitlisted_full` (approved, but
    /// the community is full: on the wait-list), `waitlisted` (put on the
    /// wait-list) or `rejected`.
    pub outcome: ApplicationDecisionOutcome,
    /// The new membership when `admitted`.
    pub membership_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemovalQuery {
    /// Why a manager removes the member (sent to them); at most 1000
    /// characters. Ignored when leaving.
    #[param(max_length = 1000)]
    pub reason: Option<String>,
}

// ---------------------------------------------------------------- handlers

/// Apply to join a community
///
/// The eligibility verdict is computed from your profile and the current
/// Terms of Reference; the application starts `pending`.
///
/// Access: members of the community's network and platform admins.
#[utoipa::path(
    tag = "applications",
    operation_id = "applyToCommunity",
    security(("bearer" = [])),
    request_body = Apply,
    params(("id" = uuid::Uuid, Path, description = "Community id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Submitted (`pending`)", body = ApplicationView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "`insufficient-scope` (API tokens cannot apply)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`community-not-active`, `no-approved-terms`, `already-member` or `application-open`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`statement` too long, unknown fields)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/communities/{id}/applications")]
pub async fn apply(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<Apply>,
) -> ApiResult<HttpResponse> {
    let c = access::community(&state.db, &auth.0, &id, CommunityNeed::NetworkMember, None).await?;
    let a = applications::submit(
        &state.db,
        &auth.ctx(),
        &auth.0.user_id,
        &c.id,
        body.0.statement,
    )
    .await?;
    application_response(StatusCode::CREATED, a)
}

/// List a community's applications
///
/// Oldest first, optionally by status.
///
/// Access: the community's core team (chair, co-chair, secretary), managers
/// of the network and platform admins.
#[utoipa::path(
    tag = "applications",
    operation_id = "listCommunityApplications",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Community id"), ApplicationFilter, PageQuery),
    responses(
        (status = 200, description = "Applications, oldest first", body = ApplicationPage),
        (status = 403, description = "Not on the core team or a manager, or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `status`, `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/communities/{id}/applications")]
pub async fn list_for_community(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    f: web::Query<ApplicationFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let status = closed_query::<ApplicationStatus>("status", f.status.as_deref())?;
    let page_req = q.to_request()?;
    access::community(&state.db, &auth.0, &id, CommunityNeed::Core, None).await?;
    let page = applications::list_for_community(&state.db, &id, status, &page_req).await?;
    let page = try_page(page, ApplicationView::try_from)?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read a network's review queue
///
/// Pending applications across the network's communities, oldest first,
/// with verdict and age.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "applications",
    operation_id = "getReviewQueue",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Network id"), PageQuery),
    responses(
        (status = 200, description = "Pending applications, oldest first", body = QueuePage),
        (status = 403, description = "Not a manager, or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/networks/{id}/review-queue")]
pub async fn review_queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page_req = q.to_request()?;
    access::network(&state.db, &auth.0, &id, Need::Manager, None).await?;
    let page = applications::review_queue(&state.db, &id, &page_req).await?;
    let now = Utc::now();
    let page = try_page(page, |e: QueueEntry| {
        let a = e.application;
        Ok(QueueItem {
            eligibility: eligibility_of(&a)?,
            age_days: (now - a.created_at).num_days().max(0),
            id: a.id,
            community_id: a.community_id,
            community_name: e.community_name,
            applicant_id: a.user_id,
            applicant_name: e.applicant_name,
            terms_version: a.terms_number,
            submitted_at: a.created_at,
        })
    })?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read an application
///
/// Anyone who may not see the application gets 404.
///
/// Access: the applicant, the community's core team (chair, co-chair,
/// secretary), managers of the network and platform admins.
#[utoipa::path(
    tag = "applications",
    operation_id = "getApplication",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "The application", body = ApplicationView, headers(("ETag" = String))),
        (status = 403, description = "`insufficient-scope` (API tokens)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/applications/{id}")]
pub async fn get_application(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let a = applications::authorize(&state.db, &auth.0, &id, ApplicationNeed::Read).await?;
    application_response(StatusCode::OK, a)
}

/// Decide on a pending or wait-listed application
///
/// The verdict is computed again from the current profile and Terms of
/// Reference. Approving admits while the community has a place and
/// wait-lists otherwise (`outcome: waitlisted_full`); the applicant gets an
/// email.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "applications",
    operation_id = "decideApplication",
    security(("bearer" = [])),
    request_body = ApplicationDecisionRequest,
    params(("id" = uuid::Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "Decided", body = DecisionView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager (`forbidden`), or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`application-not-pending`, `already-waitlisted`, `community-not-active` or `already-member`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: `decision`, `reason` (required to reject), `override_reason` (`override_required` for an ineligible applicant)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/applications/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<ApplicationDecisionRequest>,
) -> ApiResult<HttpResponse> {
    applications::authorize(&state.db, &auth.0, &id, ApplicationNeed::Decide).await?;
    let b = body.0;
    let d = applications::decide(
        &state.db,
        &auth.ctx(),
        &id,
        DecisionInput {
            decision: b.decision,
            reason: b.reason,
            override_reason: b.override_reason,
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(d.application.version)))
        .json(DecisionView {
            application: ApplicationView::try_from(d.application)?,
            outcome: d.outcome,
            membership_id: d.membership.map(|m| m.id),
        }))
}

/// Withdraw my open application
///
/// A pending, wait-listed or offered application; a withdrawn offer passes
/// the place to the next person waiting.
///
/// Access: the applicant.
#[utoipa::path(
    tag = "applications",
    operation_id = "withdrawApplication",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "Withdrawn", body = ApplicationView, headers(("ETag" = String))),
        (status = 403, description = "Not the applicant (`forbidden`), or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`application-not-open`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/applications/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    applications::authorize(&state.db, &auth.0, &id, ApplicationNeed::Applicant).await?;
    let a = applications::withdraw(&state.db, &auth.ctx(), &id).await?;
    application_response(StatusCode::OK, a)
}

/// Accept the place offered to me from the wait-list
///
/// An expired offer lapses (409 `offer-expired`) and the place goes to the
/// next person.
///
/// Access: the applicant.
#[utoipa::path(
    tag = "applications",
    operation_id = "acceptOffer",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "Accepted: `approved`, and a member", body = ApplicationView, headers(("ETag" = String))),
        (status = 403, description = "Not the applicant (`forbidden`), or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`application-not-offered`; `offer-expired` (now `lapsed`); `community-full` (the capacity was lowered: back on the wait-list)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/applications/{id}/accept-offer")]
pub async fn accept_offer(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    applications::authorize(&state.db, &auth.0, &id, ApplicationNeed::Applicant).await?;
    match applications::accept_offer(&state.db, &auth.ctx(), &id).await? {
        OfferResult::Accepted(a) => application_response(StatusCode::OK, a),
        OfferResult::Expired(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "offer-expired",
            "The offer has expired and lapsed; the place has gone to the next person waiting. You may apply again.",
        )),
        OfferResult::Full(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "community-full",
            "The community has no free place after all (its capacity was lowered); your application is back on the wait-list.",
        )),
    }
}

/// Decline the place offered to me
///
/// The place goes to the next person waiting.
///
/// Access: the applicant.
#[utoipa::path(
    tag = "applications",
    operation_id = "declineOffer",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "Declined", body = ApplicationView, headers(("ETag" = String))),
        (status = 403, description = "Not the applicant (`forbidden`), or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`application-not-offered`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/applications/{id}/decline-offer")]
pub async fn decline_offer(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    applications::authorize(&state.db, &auth.0, &id, ApplicationNeed::Applicant).await?;
    let a = applications::decline_offer(&state.db, &auth.ctx(), &id).await?;
    application_response(StatusCode::OK, a)
}

/// Leave a community, or remove a member
///
/// Leave a community (yourself) or remove a member (managers). The freed
/// place is offered to the first person on the wait-list. Honours
/// `If-Match` with the membership version.
///
/// Access: the member themself (leave), managers of the network and
/// platform admins (remove).
#[utoipa::path(
    tag = "community-members",
    operation_id = "endCommunityMembership",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Community id"),
        ("user_id" = uuid::Uuid, Path, description = "The member's user id"),
        RemovalQuery,
        ("If-Match" = Option<String>, Header, description = "Membership version"),
    ),
    responses(
        (status = 204, description = "Left or removed"),
        (status = 403, description = "Neither the member nor a manager (`forbidden`), or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you, or no active membership", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`reason` too long", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/communities/{id}/members/{user_id}")]
pub async fn end_membership(
    state: web::Data<AppState>,
    auth: Auth,
    path: PathMember,
    q: web::Query<RemovalQuery>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let PathMember { id, user_id } = path;
    let (c, how) = memberships::authorize_departure(&state.db, &auth.0, &id, &user_id).await?;
    let reason = match how {
        memberships::Departure::Remove => q.into_inner().reason,
        memberships::Departure::Leave => None,
    };
    memberships::end_membership(
        &state.db,
        &auth.ctx(),
        &c.id,
        &user_id,
        how,
        reason,
        if_match.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
