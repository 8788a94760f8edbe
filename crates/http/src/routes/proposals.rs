//! Community proposals: members propose a new Community of Practice;
//! managers approve (creating it, with the proposer as chair) or reject.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::community::{
    CommunityKind, DeliveryMode, OrganisedAround, ProposalDecision, ProposalStatus, RawSettings,
};
use peerhub_persistence::communities::TermsDraft;
use peerhub_persistence::entities::community_proposal;
use peerhub_persistence::proposals;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{JsonBody, PathId, closed_query, etag, uuid_field};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::ApiResult;
use crate::routes::communities::{Cadence, EligibilityRulesDto, TermsDraftRequest};
use crate::state::AppState;

const EX_PROPOSAL_ID: &str = "0193a6f2-4444-7b3a-9d4e-2f1a0b9c8d7e";
const EX_COMMUNITY_ID: &str = "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e";

/// Registers this module's handlers (literal paths first).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(decide);
}

/// Proposed Terms of Reference as stored with a proposal: on approval they
/// become the community's first draft (version 1), for managers to approve.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "purpose": "A space for psychological practitioners to share practice and grow professionally.",
    "aims": ["Share good practice", "Support CPD"],
    "eligibility": {"professions": ["PWP", "CYWP", "EMHP", "MHWP"], "levels": [], "regions": ["West Midlands"], "allow_out_of_region": true, "registers": [], "other_criteria": []},
    "meeting_arrangements": "Quarterly on Teams, two hours.",
    "chairing_arrangements": "A chair and co-chair elected yearly.",
    "notes_arrangements": "The secretary takes minutes.",
    "max_secretaries": 1
}))]
pub struct ProposedTermsView {
    pub purpose: String,
    pub aims: Vec<String>,
    pub eligibility: EligibilityRulesDto,
    pub meeting_arrangements: String,
    pub chairing_arrangements: String,
    pub notes_arrangements: String,
    pub max_secretaries: i32,
}

/// A proposal for a new community.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "network_id": super::EX_NETWORK_ID,
    "name": "Positive Psychology Practitioners",
    "focus": "Applying positive psychology in everyday practice",
    "audience": "Practitioners on the Register of Positive Psychology Practitioners",
    "kind": "closed", "capacity": 8, "cadence": {"every": 1, "unit": "months"}, "duration_minutes": 90,
    "delivery_mode": "online", "organised_around": "subject_expertise", "fee_note": null,
    "rationale": "Several members asked for a regular peer space on this subject.",
    "terms": {
        "purpose": "Peer support for practitioners of positive psychology.",
        "aims": ["Share practice"],
        "eligibility": {"registers": ["Register of Positive Psychology Practitioners"]},
        "meeting_arrangements": "Monthly online, 90 minutes.",
        "chairing_arrangements": "The proposer chairs for the first year.",
        "notes_arrangements": "Notes shared after each meeting."
    }
}))]
pub struct CreateProposal {
    #[schema(format = Uuid)]
    pub network_id: String,
    /// 1–200 characters.
    pub name: String,
    pub focus: String,
    /// Who the community is for.
    pub audience: String,
    pub kind: CommunityKind,
    /// 1–500; default 10 for closed and 20 for open groups.
    pub capacity: Option<i32>,
    pub cadence: Cadence,
    /// 1–720.
    pub duration_minutes: i32,
    /// Default `online`.
    pub delivery_mode: Option<DeliveryMode>,
    /// Default `field_of_practice`.
    pub organised_around: Option<OrganisedAround>,
    /// E.g. an optional facilitator fee; up to 500 characters.
    pub fee_note: Option<String>,
    /// Why the community is needed; up to 4000 characters.
    pub rationale: Option<String>,
    /// Proposed Terms of Reference, as for POST /v1/communities/{id}/terms.
    pub terms: Option<TermsDraftRequest>,
}

/// A proposal and where it stands.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_PROPOSAL_ID, "network_id": super::EX_NETWORK_ID, "proposed_by": super::EX_USER_ID,
    "name": "Positive Psychology Practitioners", "focus": "Applying positive psychology in everyday practice",
    "audience": "Practitioners on the Register of Positive Psychology Practitioners",
    "organised_around": "subject_expertise", "kind": "closed", "capacity": 8, "fee_note": null,
    "cadence": {"every": 1, "unit": "months"}, "duration_minutes": 90, "delivery_mode": "online",
    "rationale": "Several members asked for a regular peer space on this subject.", "terms": null,
    "status": "approved", "decided_by": "0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e", "decided_at": "2026-11-22T10:00:00Z",
    "decision_reason": null, "community_id": EX_COMMUNITY_ID, "version": 2,
    "created_at": "2026-11-21T09:30:00Z", "updated_at": "2026-11-22T10:00:00Z"
}))]
pub struct ProposalView {
    pub id: String,
    pub network_id: String,
    /// The proposer's user id (the chair once approved).
    pub proposed_by: String,
    pub name: String,
    pub focus: String,
    pub audience: String,
    pub organised_around: OrganisedAround,
    pub kind: CommunityKind,
    pub capacity: i32,
    pub fee_note: Option<String>,
    pub cadence: Cadence,
    pub duration_minutes: i32,
    pub delivery_mode: DeliveryMode,
    pub rationale: Option<String>,
    pub terms: Option<ProposedTermsView>,
    pub status: ProposalStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    /// The community created on approval.
    pub community_id: Option<String>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProposalView {
    fn build(p: community_proposal::Model) -> ApiResult<Self> {
        let d = proposals::details_of(&p)?;
        let status = proposals::status_of(&p)?;
        Ok(Self {
            organised_around: d.organised_around,
            kind: d.kind,
            capacity: d.capacity,
            fee_note: d.fee_note,
            cadence: Cadence {
                every: d.cadence.every,
                unit: d.cadence.unit,
            },
            duration_minutes: d.duration_minutes,
            delivery_mode: d.delivery_mode,
            rationale: d.rationale,
            terms: match d.terms {
                None => None,
                Some(t) => Some(ProposedTermsView {
                    purpose: t.purpose,
                    aims: t.aims,
                    eligibility: t.eligibility.try_into()?,
                    meeting_arrangements: t.meeting_arrangements,
                    chairing_arrangements: t.chairing_arrangements,
                    notes_arrangements: t.notes_arrangements,
                    max_secretaries: t.max_secretaries,
                }),
            },
            id: p.id,
            network_id: p.network_id,
            proposed_by: p.proposed_by,
            name: p.name,
            focus: p.focus,
            audience: p.audience,
            status,
            decided_by: p.decided_by,
            decided_at: p.decided_at,
            decision_reason: p.decision_reason,
            community_id: p.community_id,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
    }
}

crate::page_schema!(ProposalPage, ProposalView);

fn proposal_response(status: StatusCode, p: community_proposal::Model) -> ApiResult<HttpResponse> {
    let v = ProposalView::build(p)?;
    let mut r = HttpResponse::build(status);
    r.insert_header(("ETag", etag(v.version)));
    if status == StatusCode::CREATED {
        r.insert_header(("Location", format!("/v1/community-proposals/{}", v.id)));
    }
    Ok(r.json(v))
}

/// Propose a new community
///
/// Stores a proposal for a manager to decide. When the network names a
/// register in `require_register_to_propose`, the proposer's profile must
/// list it (403 `register-required`).
///
/// Access: members of the network and platform admins.
#[utoipa::path(
    tag = "proposals",
    operation_id = "createCommunityProposal",
    security(("bearer" = [])),
    request_body = CreateProposal,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Proposed; pending a manager's decision", body = ProposalView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "`register-required` (the network's register is not in your profile) or `insufficient-scope` (API tokens)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, e.g. `capacity`, `cadence.every`, `terms.purpose`, `terms.eligibility.professions[0]`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/community-proposals")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<CreateProposal>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let network_id = uuid_field(&b.network_id, "network_id")?;
    let p = proposals::create(
        &state.db,
        &auth.ctx(),
        &auth.0,
        Need::Member,
        proposals::NewProposal {
            network_id,
            settings: RawSettings {
                name: Some(b.name),
                focus: Some(b.focus),
                audience: Some(b.audience),
                organised_around: b.organised_around,
                kind: Some(b.kind),
                capacity: b.capacity,
                fee_note: b.fee_note.map(Some),
                cadence_every: Some(b.cadence.every),
                cadence_unit: Some(b.cadence.unit),
                duration_minutes: Some(b.duration_minutes),
                delivery_mode: b.delivery_mode,
            },
            rationale: b.rationale,
            terms: b.terms.map(TermsDraft::from),
        },
    )
    .await?;
    proposal_response(StatusCode::CREATED, p)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalFilter {
    /// Only this network's proposals (404 when you are not in it).
    #[param(format = Uuid)]
    pub network_id: Option<String>,
    /// Only proposals with this status.
    #[param(value_type = Option<ProposalStatus>)]
    pub status: Option<String>,
}

/// List community proposals
///
/// All of a network's proposals for its managers, only my own for members;
/// oldest first.
///
/// Access: members of a network (their own proposals), managers of the
/// network (all of its proposals) and platform admins.
#[utoipa::path(
    tag = "proposals",
    operation_id = "listCommunityProposals",
    security(("bearer" = [])),
    params(ProposalFilter, PageQuery),
    responses(
        (status = 200, description = "Proposals, oldest first", body = ProposalPage),
        (status = 403, description = "`insufficient-scope`: API tokens cannot use this", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `network_id`, `status`, `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/community-proposals")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<ProposalFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let network_id = f
        .network_id
        .as_deref()
        .map(|n| uuid_field(n, "network_id"))
        .transpose()?;
    let status = closed_query::<ProposalStatus>("status", f.status.as_deref())?;
    let page_req = q.to_request()?;
    let page = proposals::list(
        &state.db,
        &auth.0,
        &proposals::ListFilter { network_id, status },
        &page_req,
    )
    .await?;
    let page = try_page(page, ProposalView::build)?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Read a community proposal
///
/// The proposal, its proposed Terms of Reference and where it stands.
///
/// Access: its proposer, managers of the network and platform admins.
#[utoipa::path(
    tag = "proposals",
    operation_id = "getCommunityProposal",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Proposal id")),
    responses(
        (status = 200, description = "The proposal", body = ProposalView, headers(("ETag" = String))),
        (status = 403, description = "Another member's proposal, or an API token (`insufficient-scope`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proposal visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/community-proposals/{id}")]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: PathId) -> ApiResult<HttpResponse> {
    let id = id.0;
    let p = proposals::get(&state.db, &auth.0, &id).await?;
    proposal_response(StatusCode::OK, p)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "reject", "reason": "An existing community already covers this; please join it instead."}))]
pub struct ProposalDecisionRequest {
    pub decision: ProposalDecision,
    /// Required when rejecting; 1–2000 characters. Sent to the proposer.
    pub reason: Option<String>,
}

/// Decide a pending community proposal
///
/// `approve` creates, in one step, the community (status `active`), a draft
/// Terms of Reference from the proposed `terms` (if any) and the proposer as
/// its `chair`; the answer carries the new `community_id`. `reject` needs a
/// `reason`. Either way the proposer is emailed.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "proposals",
    operation_id = "decideCommunityProposal",
    security(("bearer" = [])),
    request_body = ProposalDecisionRequest,
    params(
        ("id" = uuid::Uuid, Path, description = "Proposal id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key"),
    ),
    responses(
        (status = 200, description = "Decided", body = ProposalView, headers(("ETag" = String))),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proposal visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`proposal-not-pending` (already decided) or `proposer-not-member` (the proposer left the network)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `decision`, or `reason` missing for a rejection", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/community-proposals/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<ProposalDecisionRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let b = body.0;
    let p = proposals::decide(
        &state.db,
        &auth.0,
        &auth.ctx(),
        &id,
        proposals::DecisionInput {
            decision: b.decision,
            reason: b.reason,
        },
    )
    .await?;
    proposal_response(StatusCode::OK, p)
}
