//! Terms of Reference: the eligibility rules, drafting, approving and
//! reading versions.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::community::TermsStatus;
use peerhub_domain::eligibility::EligibilityRules;
use peerhub_domain::taxonomy::{CareerLevel, Profession};
use peerhub_persistence::Failure;
use peerhub_persistence::access;
use peerhub_persistence::communities::{self, TermsDraft, aims_of, rules_of, terms_status_of};
use peerhub_persistence::entities::terms_version;
use peerhub_persistence::stored::decode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{JsonBody, PathId};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Structured eligibility rules. An empty list means no rule of that kind.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"professions": ["PWP", "CYWP", "EMHP", "MHWP"], "levels": ["trainee", "qualified", "senior", "lead"], "regions": ["West Midlands", "East Midlands"], "allow_out_of_region": true, "registers": [], "other_criteria": []}))]
pub struct EligibilityRulesDto {
    /// Profession codes from GET /v1/taxonomy.
    #[serde(default)]
    pub professions: Vec<Profession>,
    #[serde(default)]
    pub levels: Vec<CareerLevel>,
    #[serde(default)]
    pub regions: Vec<String>,
    /// Whether people from other regions may be admitted at the core team's
    /// discretion (they get `needs_review` instead of `ineligible`).
    #[serde(default)]
    pub allow_out_of_region: bool,
    /// Any one of these registers suffices.
    #[serde(default)]
    pub registers: Vec<String>,
    /// Free-text criteria; each always needs a person to review.
    #[serde(default)]
    pub other_criteria: Vec<String>,
}

impl From<EligibilityRulesDto> for EligibilityRules {
    fn from(d: EligibilityRulesDto) -> Self {
        Self {
            professions: d
                .professions
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            levels: d.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            regions: d.regions,
            allow_out_of_region: d.allow_out_of_region,
            registers: d.registers,
            other_criteria: d.other_criteria,
        }
    }
}

/// Stored rules (validated when drafted, so their codes decode; one that
/// does not is an error, never dropped).
impl TryFrom<EligibilityRules> for EligibilityRulesDto {
    type Error = Failure;

    fn try_from(d: EligibilityRules) -> Result<Self, Failure> {
        Ok(Self {
            professions: d
                .professions
                .iter()
                .map(|p| decode("eligibility.professions", p))
                .collect::<Result<_, _>>()?,
            levels: d
                .levels
                .iter()
                .map(|l| decode("eligibility.levels", l))
                .collect::<Result<_, _>>()?,
            regions: d.regions,
            allow_out_of_region: d.allow_out_of_region,
            registers: d.registers,
            other_criteria: d.other_criteria,
        })
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "purpose": "A space for psychological practitioners to share and develop practice.",
    "aims": ["Share good practice", "Support professional growth"],
    "eligibility": {"professions": ["PWP", "CYWP", "EMHP", "MHWP"], "levels": ["trainee", "qualified", "senior", "lead"], "regions": ["West Midlands", "East Midlands"], "allow_out_of_region": true},
    "meeting_arrangements": "Every 3 months for 2 hours on Teams.",
    "chairing_arrangements": "A chair and up to two co-chairs, elected yearly.",
    "notes_arrangements": "The secretary drafts notes with actions; the chair approves them."
}))]
pub struct TermsDraftRequest {
    #[validate(length(max = 20000))]
    pub purpose: String,
    #[serde(default)]
    pub aims: Vec<String>,
    #[serde(default)]
    pub eligibility: EligibilityRulesDto,
    #[validate(length(max = 20000))]
    pub meeting_arrangements: String,
    #[validate(length(max = 20000))]
    pub chairing_arrangements: String,
    #[validate(length(max = 20000))]
    pub notes_arrangements: String,
    /// How many secretaries the core team may have (1–5, default 1).
    pub max_secretaries: Option<i32>,
}

impl From<TermsDraftRequest> for TermsDraft {
    fn from(b: TermsDraftRequest) -> Self {
        TermsDraft {
            purpose: b.purpose,
            aims: b.aims,
            eligibility: b.eligibility.into(),
            meeting_arrangements: b.meeting_arrangements,
            chairing_arrangements: b.chairing_arrangements,
            notes_arrangements: b.notes_arrangements,
            max_secretaries: b.max_secretaries,
        }
    }
}

/// One version of a community's Terms of Reference.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermsView {
    pub community_id: String,
    /// Version number, 1 upwards.
    pub version: i32,
    pub status: TermsStatus,
    pub purpose: String,
    pub aims: Vec<String>,
    pub eligibility: EligibilityRulesDto,
    pub meeting_arrangements: String,
    pub chairing_arrangements: String,
    pub notes_arrangements: String,
    pub max_secretaries: i32,
    pub drafted_by: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// Twelve months after approval.
    pub review_due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<terms_version::Model> for TermsView {
    type Error = Failure;

    fn try_from(t: terms_version::Model) -> Result<Self, Failure> {
        Ok(Self {
            eligibility: rules_of(&t)?.try_into()?,
            aims: aims_of(&t)?,
            status: terms_status_of(&t)?,
            community_id: t.community_id,
            version: t.number,
            purpose: t.purpose,
            meeting_arrangements: t.meeting_arrangements,
            chairing_arrangements: t.chairing_arrangements,
            notes_arrangements: t.notes_arrangements,
            max_secretaries: t.max_secretaries,
            drafted_by: t.drafted_by,
            approved_by: t.approved_by,
            approved_at: t.approved_at,
            review_due: t.review_due,
            created_at: t.created_at,
        })
    }
}

crate::page_schema!(TermsPage, TermsView);

/// Read the current Terms of Reference
///
/// The latest approved version; 404 when none is approved yet.
///
/// Access: members of the community's network and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "getCurrentTerms",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Community id")),
    responses(
        (status = 200, description = "The current version", body = TermsView),
        (status = 404, description = "No such community, or no approved version yet", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/communities/{id}/terms")]
pub async fn current_terms(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    access::community(&state.db, &auth.0, &id, CommunityNeed::NetworkMember, None).await?;
    let t = communities::current_terms(&state.db, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("approved terms of reference"))?;
    Ok(HttpResponse::Ok().json(TermsView::try_from(t)?))
}

/// List the versions of the Terms of Reference
///
/// Every version, oldest first. Drafts are listed for the core team and
/// managers only.
///
/// Access: members of the community's network and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "listTermsVersions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Community id"), PageQuery),
    responses(
        (status = 200, description = "Versions", body = TermsPage),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/communities/{id}/terms/versions")]
pub async fn terms_versions(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page_req = q.to_request()?;
    access::community(&state.db, &auth.0, &id, CommunityNeed::NetworkMember, None).await?;
    let core = access::community(&state.db, &auth.0, &id, CommunityNeed::Core, None)
        .await
        .is_ok();
    let page = communities::terms_versions(&state.db, &id, core, &page_req).await?;
    let page = try_page(page, |t| Ok(TermsView::try_from(t)?))?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// Draft a new version of the Terms of Reference
///
/// The draft gets the next version number; it applies once a manager
/// approves it. Eligibility rules are validated (e.g. an unknown profession
/// is 422 naming `eligibility.professions[i]`).
///
/// Access: the community's core team (chair, co-chair, secretary), managers
/// of the network and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "draftTerms",
    security(("bearer" = [])),
    request_body = TermsDraftRequest,
    params(("id" = uuid::Uuid, Path, description = "Community id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Draft created", body = TermsView),
        (status = 403, description = "Neither core team nor manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`community-archived`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (e.g. an unknown profession in the rules)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/communities/{id}/terms")]
pub async fn draft_terms(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<TermsDraftRequest>,
) -> ApiResult<HttpResponse> {
    let c = access::community(&state.db, &auth.0, &id, CommunityNeed::Core, None).await?;
    let t = communities::draft_terms(&state.db, &auth.ctx(), &c, body.0.into()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/communities/{id}/terms/versions")))
        .json(TermsView::try_from(t)?))
}

/// Approve a draft of the Terms of Reference
///
/// Sets `approved_at`, `approved_by` and `review_due` (twelve months on);
/// it becomes the current version and the previously approved one is
/// `superseded`. An older draft cannot be approved over a newer approved
/// version (`terms-outdated`).
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "communities",
    operation_id = "approveTerms",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Community id"), ("version" = i32, Path, description = "Version number")),
    responses(
        (status = 200, description = "Approved", body = TermsView),
        (status = 403, description = "Not a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community or version", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`terms-not-draft` or `terms-outdated`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/communities/{id}/terms/{version}/approve")]
pub async fn approve_terms(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    id: PathId,
) -> ApiResult<HttpResponse> {
    // Not an id: a bad `{version}` answers 400 without `errors[]`.
    let version = req.match_info().get("version").unwrap_or_default();
    let version: i32 = version.parse().ok().filter(|v| *v >= 1).ok_or_else(|| {
        ApiError::bad_request(
            "invalid-parameter",
            "version must be a positive whole number",
        )
    })?;
    let c = access::community(&state.db, &auth.0, &id, CommunityNeed::Manager, None).await?;
    let t = communities::approve_terms(&state.db, &auth.ctx(), &c, version).await?;
    Ok(HttpResponse::Ok().json(TermsView::try_from(t)?))
}
