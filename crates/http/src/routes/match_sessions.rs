//! Sessions a match's participants log, end-of-match feedback, and the
//! programme evaluation summary for managers (aggregates only, no personal
//! content).
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use peerhub_domain::matching::evaluation::{self as rules, FeedbackSummary, Ratings};
use peerhub_domain::matching::request::MatchRequestStatus;
use peerhub_persistence::entities::{match_feedback, match_session};
use peerhub_persistence::match_sessions::{self, Evaluation, NewSession};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::extract::{JsonBody, PathId};
use crate::pagination::{PageQuery, page_response};
use crate::problem::ApiResult;
use crate::state::AppState;

const EX_MATCH_ID: &str = "0193a6f2-9a01-7b3a-9d4e-2f1a0b9c8d7e";
const EX_PROGRAMME_ID: &str = "0193a6f2-9a02-7b3a-9d4e-2f1a0b9c8d7e";
const EX_SESSION_ID: &str = "0193a6f2-9a03-7b3a-9d4e-2f1a0b9c8d7e";
const EX_FEEDBACK_ID: &str = "0193a6f2-9a04-7b3a-9d4e-2f1a0b9c8d7e";

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_session)
        .service(list_sessions)
        .service(give_feedback)
        .service(evaluation);
}

// ---------------------------------------------------------------- sessions

/// A session to log.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2027-03-09", "duration_minutes": 50}))]
pub struct SessionBody {
    /// The day it was held (`YYYY-MM-DD`): not in the future and not before
    /// the match became active (both judged in any time zone, UTC−12 to
    /// UTC+14, so a session logged just after local midnight is accepted).
    pub held_on: NaiveDate,
    /// 1–480.
    #[schema(minimum = 1, maximum = 480)]
    pub duration_minutes: i32,
}

/// A logged session.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_SESSION_ID, "match_id": EX_MATCH_ID, "held_on": "2027-03-09", "duration_minutes": 50,
    "logged_by": super::EX_USER_ID, "created_at": "2027-03-09T18:05:00Z"
}))]
pub struct SessionView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub match_id: String,
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
    /// The participant who logged it.
    #[schema(format = Uuid)]
    pub logged_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn session_view(s: match_session::Model) -> SessionView {
    SessionView {
        id: s.id,
        match_id: s.match_id,
        held_on: s.held_on,
        duration_minutes: s.duration_minutes,
        logged_by: s.logged_by,
        created_at: s.created_at,
    }
}

crate::page_schema!(SessionPage, SessionView);

/// Log a session of an active match
///
/// Sessions are logged by the people who held them.
///
/// Access: the two participants of an active match; managers and everyone
/// else get 404.
#[utoipa::path(
    tag = "matches",
    operation_id = "createMatchSession",
    security(("bearer" = [])),
    request_body = SessionBody,
    params(("id" = uuid::Uuid, Path, description = "Match id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Logged", body = SessionView),
        (status = 404, description = "No such match, or you are not one of its participants", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`match-not-active`: the match is proposed, accepted, declined, expired or ended", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`held_on` (`in_future`, `before_match`), `duration_minutes` (`out_of_range`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/matches/{id}/sessions")]
pub async fn create_session(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<SessionBody>,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let b = body.0;
    let s = match_sessions::create(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        NewSession {
            held_on: b.held_on,
            duration_minutes: b.duration_minutes,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(session_view(s)))
}

/// List a match's sessions
///
/// In the order they were logged (oldest first; not sorted by `held_on`, so
/// pages stay stable when an earlier date is logged late).
///
/// Access: the two participants, managers of the programme's network and
/// platform admins; anyone else gets 404.
#[utoipa::path(
    tag = "matches",
    operation_id = "listMatchSessions",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Match id"), PageQuery),
    responses(
        (status = 200, description = "Sessions, in the order they were logged", body = SessionPage),
        (status = 404, description = "No such match visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/matches/{id}/sessions")]
pub async fn list_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let page = q.to_request()?;
    let p = match_sessions::list(&state.db, &auth.0, &id, &page).await?;
    Ok(page_response(&req, &state, p, session_view))
}

// ---------------------------------------------------------------- feedback

/// End-of-match feedback: a short rating set, no free text.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"overall": 5, "felt_safe": 5, "helpfulness": 4, "would_recommend": true}))]
pub struct FeedbackBody {
    /// How the match went overall, 1 (poor) – 5 (excellent).
    #[schema(minimum = 1, maximum = 5)]
    pub overall: i32,
    /// How safe the conversations felt, 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub felt_safe: i32,
    /// How helpful the match was, 1–5.
    #[schema(minimum = 1, maximum = 5)]
    pub helpfulness: i32,
    /// Would recommend the programme to a colleague.
    pub would_recommend: bool,
}

/// Feedback as stored.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_FEEDBACK_ID, "match_id": EX_MATCH_ID, "programme_id": EX_PROGRAMME_ID, "user_id": super::EX_USER_ID,
    "overall": 5, "felt_safe": 5, "helpfulness": 4, "would_recommend": true, "created_at": "2027-06-01T10:00:00Z"
}))]
pub struct FeedbackView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub match_id: String,
    #[schema(format = Uuid)]
    pub programme_id: String,
    /// The participant who gave it (you).
    #[schema(format = Uuid)]
    pub user_id: String,
    pub overall: i32,
    pub felt_safe: i32,
    pub helpfulness: i32,
    pub would_recommend: bool,
    pub created_at: DateTime<Utc>,
}

fn feedback_view(f: match_feedback::Model) -> FeedbackView {
    FeedbackView {
        id: f.id,
        match_id: f.match_id,
        programme_id: f.programme_id,
        user_id: f.user_id,
        overall: f.overall,
        felt_safe: f.felt_safe,
        helpfulness: f.helpfulness,
        would_recommend: f.would_recommend,
        created_at: f.created_at,
    }
}

/// Give end-of-match feedback
///
/// Each participant once, after the match has ended. It feeds the
/// programme's evaluation summary, where ratings are shown only as
/// aggregates of at least three responses; the audit trail records that
/// feedback was given, never the values.
///
/// Access: the two participants of an ended match; anyone else gets 404.
#[utoipa::path(
    tag = "matches",
    operation_id = "giveMatchFeedback",
    security(("bearer" = [])),
    request_body = FeedbackBody,
    params(("id" = uuid::Uuid, Path, description = "Match id"), ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        (status = 201, description = "Recorded", body = FeedbackView),
        (status = 404, description = "No such match, or you are not one of its participants", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`match-not-ended`, `feedback-exists`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rating outside 1–5 (`out_of_range`, naming the field), a missing field (`required`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/matches/{id}/feedback")]
pub async fn give_feedback(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<FeedbackBody>,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let b = body.0;
    let f = match_sessions::give_feedback(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        Ratings {
            overall: b.overall,
            felt_safe: b.felt_safe,
            helpfulness: b.helpfulness,
            would_recommend: b.would_recommend,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(feedback_view(f)))
}

// -------------------------------------------------------------- evaluation

/// Matches by effective status (a proposal past its deadline counts as
/// expired).
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchCountsView {
    pub proposed: u64,
    pub accepted: u64,
    pub active: u64,
    pub declined: u64,
    pub expired: u64,
    pub ended: u64,
    pub total: u64,
    /// Median days from activation to end over ended matches (one
    /// decimal); `null` when none has ended.
    pub median_days_ended: Option<f64>,
}

/// Requests by status.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestCountsView {
    pub waiting: u64,
    pub matched: u64,
    pub withdrawn: u64,
    pub closed: u64,
    /// All requests, whatever their status.
    pub total: u64,
}

/// Sessions logged on the programme's matches.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionStatsView {
    pub total: u64,
    /// Median sessions per active or ended match (those with none count as
    /// 0); `null` when there is no such match.
    pub median_per_match: Option<f64>,
    /// Median length of a session in minutes; `null` without sessions.
    pub median_minutes: Option<f64>,
}

/// One rating over all responses.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingView {
    /// Mean, one decimal.
    pub mean: f64,
    /// How many answered 1, 2, 3, 4 and 5.
    pub distribution: Vec<u32>,
}

/// End-of-match feedback, aggregated. Figures are `null` and `suppressed`
/// is true while fewer than `min_responses` (3) responses exist, so no
/// figure can be traced to one or two people.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackStatsView {
    pub responses: u64,
    /// The constant `MIN_RESPONSES` (3).
    pub min_responses: u64,
    pub suppressed: bool,
    pub overall: Option<RatingView>,
    pub felt_safe: Option<RatingView>,
    pub helpfulness: Option<RatingView>,
    /// Share who would recommend the programme, percent with one decimal.
    pub would_recommend_percent: Option<f64>,
}

/// A programme's evaluation summary: counts, medians and rating figures,
/// never names, ids of people, or text.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "programme_id": EX_PROGRAMME_ID, "generated_at": "2027-09-01T09:00:00Z",
    "matches": {"proposed": 1, "accepted": 0, "active": 4, "declined": 1, "expired": 2, "ended": 6, "total": 14, "median_days_ended": 84.5},
    "requests": {"waiting": 3, "matched": 10, "withdrawn": 1, "closed": 0, "total": 14},
    "sessions": {"total": 41, "median_per_match": 4.0, "median_minutes": 50.0},
    "feedback": {
        "responses": 9, "min_responses": 3, "suppressed": false,
        "overall": {"mean": 4.3, "distribution": [0, 0, 1, 4, 4]},
        "felt_safe": {"mean": 4.6, "distribution": [0, 0, 0, 4, 5]},
        "helpfulness": {"mean": 4.1, "distribution": [0, 1, 1, 3, 4]},
        "would_recommend_percent": 88.9
    }
}))]
pub struct EvaluationView {
    #[schema(format = Uuid)]
    pub programme_id: String,
    pub generated_at: DateTime<Utc>,
    pub matches: MatchCountsView,
    pub requests: RequestCountsView,
    pub sessions: SessionStatsView,
    pub feedback: FeedbackStatsView,
}

fn rating(f: Option<rules::RatingFigures>) -> Option<RatingView> {
    f.map(|f| RatingView {
        mean: f.mean,
        distribution: f.distribution.to_vec(),
    })
}

fn feedback_stats(f: FeedbackSummary) -> FeedbackStatsView {
    FeedbackStatsView {
        responses: f.responses as u64,
        min_responses: rules::MIN_RESPONSES as u64,
        suppressed: f.suppressed,
        overall: rating(f.overall),
        felt_safe: rating(f.felt_safe),
        helpfulness: rating(f.helpfulness),
        would_recommend_percent: f.would_recommend_percent,
    }
}

fn evaluation_view(e: Evaluation) -> EvaluationView {
    let req = |s: MatchRequestStatus| e.requests.get(&s).copied().unwrap_or(0);
    EvaluationView {
        programme_id: e.programme_id.clone(),
        generated_at: e.generated_at,
        matches: MatchCountsView {
            proposed: e.matches.proposed,
            accepted: e.matches.accepted,
            active: e.matches.active,
            declined: e.matches.declined,
            expired: e.matches.expired,
            ended: e.matches.ended,
            total: e.matches.total(),
            median_days_ended: e.median_match_days,
        },
        requests: RequestCountsView {
            waiting: req(MatchRequestStatus::Waiting),
            matched: req(MatchRequestStatus::Matched),
            withdrawn: req(MatchRequestStatus::Withdrawn),
            closed: req(MatchRequestStatus::Closed),
            total: e.requests.values().sum(),
        },
        sessions: SessionStatsView {
            total: e.sessions_total,
            median_per_match: e.median_sessions_per_match,
            median_minutes: e.median_session_minutes,
        },
        feedback: feedback_stats(e.feedback),
    }
}

/// Read a programme's evaluation summary
///
/// Matches by status and how long ended ones lasted, requests by status,
/// sessions, and end-of-match ratings. Aggregates only; ratings are
/// withheld below three responses.
///
/// Access: managers of the programme's network and platform admins.
#[utoipa::path(
    tag = "matches",
    operation_id = "getProgrammeEvaluation",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 200, description = "The summary", body = EvaluationView),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/programmes/{id}/evaluation")]
pub async fn evaluation(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    let e = match_sessions::evaluation(&state.db, &auth.0, &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(evaluation_view(e)))
}
