//! The match view, shared by the match and programme routes.
use chrono::{DateTime, Utc};
use peerhub_domain::matching::lifecycle::{MatchRole, MatchStatus};
use peerhub_domain::matching::score::{ProgrammeKind, ScoreFeature};
use peerhub_persistence::entities::peer_match;
use peerhub_persistence::matching::{self, StoredReason};
use peerhub_persistence::meetings;
use serde::Serialize;
use utoipa::ToSchema;

use super::{EX_MATCH_ID, EX_PROGRAMME_ID, EX_REQUEST_ID, EX_USER_ID};
use crate::problem::ApiResult;
use crate::state::AppState;

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

/// One of the two people in a match.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    pub user_id: String,
    pub display_name: String,
    /// `peer` or `supporter` (supporter programmes), `member` (mutual).
    pub role: MatchRole,
    /// Their request (a supporter has none).
    pub request_id: Option<String>,
    /// Supporter programmes: the supporter's registration.
    pub supporter_id: Option<String>,
    /// When they can meet, from their request.
    pub availability: Option<String>,
    /// When they accepted, if they have.
    pub accepted_at: Option<DateTime<Utc>>,
}

/// A match as its viewer may see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_MATCH_ID, "programme_id": EX_PROGRAMME_ID, "kind": "supporter", "run_id": null, "status": "active",
    "score": 75, "reasons": [
        {"feature": "profession", "points": 30, "text": "same profession (PWP): +30"},
        {"feature": "specialties", "points": 20, "text": "2 specialties in common (long term conditions, supervision): +20"},
        {"feature": "level", "points": 15, "text": "supporter at least as experienced (senior ≥ qualified): +15"},
        {"feature": "region", "points": 10, "text": "same region (West Midlands): +10"}],
    "participants": [
        {"user_id": EX_USER_ID, "display_name": "Omar Haddad", "role": "peer", "request_id": EX_REQUEST_ID, "supporter_id": null, "availability": "Tuesday evenings", "accepted_at": "2026-11-22T09:00:00Z"},
        {"user_id": "0193a6f2-cccc-7b3a-9d4e-2f1a0b9c8d7e", "display_name": "Lena Ward", "role": "supporter", "request_id": null, "supporter_id": "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e", "availability": null, "accepted_at": "2026-11-22T10:00:00Z"}],
    "expires_at": "2026-12-05T09:00:00Z", "activated_at": "2026-11-22T10:00:00Z",
    "declined_by": null, "declined_at": null, "ended_by": null, "ended_at": null, "end_reason": null,
    "version": 3, "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-22T10:00:00Z"
}))]
pub struct MatchView {
    pub id: String,
    pub programme_id: String,
    /// The kind of its programme: `mutual` or `supporter`.
    pub kind: ProgrammeKind,
    /// The run that proposed it; `null` for a manager's own pair.
    pub run_id: Option<String>,
    /// `proposed`, `accepted` (by one of them), `active`, `declined`,
    /// `expired` or `ended` (a proposal past its deadline reads as
    /// `expired`).
    pub status: MatchStatus,
    /// The sum of the reasons shown to you.
    pub score: i64,
    /// Why they were paired, feature by feature. A reason about your own
    /// sensitive preference is shown to you only.
    pub reasons: Vec<ReasonView>,
    pub participants: Vec<ParticipantView>,
    /// A proposal expires then unless both have accepted.
    pub expires_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub declined_by: Option<String>,
    pub declined_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The private reason for ending, shown only to whoever ended it.
    pub end_reason: Option<String>,
    /// Also the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Views of matches for `viewer` (names and requests loaded once).
pub async fn match_views(
    state: &AppState,
    items: Vec<peer_match::Model>,
    viewer: &str,
) -> ApiResult<Vec<MatchView>> {
    let mut users = Vec::new();
    let mut request_ids = Vec::new();
    for m in &items {
        users.push(m.user_a_id.clone());
        users.push(m.user_b_id.clone());
        request_ids.push(m.request_a_id.clone());
        if let Some(b) = &m.request_b_id {
            request_ids.push(b.clone());
        }
    }
    let names = meetings::display_names(&state.db, users).await?;
    let requests = matching::requests_by_id(&state.db, request_ids).await?;
    items
        .into_iter()
        .map(|m| {
            let status = matching::match_status(&m)?;
            let (score, reasons) =
                matching::visible_reasons(&matching::match_reasons(&m)?, Some(viewer));
            // A match with a supporter is of a supporter programme.
            let kind = if m.supporter_id.is_some() {
                ProgrammeKind::Supporter
            } else {
                ProgrammeKind::Mutual
            };
            let side =
                |user: &str, request: Option<&String>, role: MatchRole, accepted| ParticipantView {
                    user_id: user.to_owned(),
                    display_name: names.get(user).cloned().unwrap_or_default(),
                    role,
                    request_id: request.cloned(),
                    supporter_id: None,
                    availability: request
                        .and_then(|r| requests.get(r))
                        .and_then(|r| r.availability.clone()),
                    accepted_at: accepted,
                };
            let a = side(
                &m.user_a_id,
                Some(&m.request_a_id),
                MatchRole::of(kind, true),
                m.accepted_a_at,
            );
            let mut b = side(
                &m.user_b_id,
                m.request_b_id.as_ref(),
                MatchRole::of(kind, false),
                m.accepted_b_at,
            );
            b.supporter_id = m.supporter_id.clone();
            Ok(MatchView {
                kind,
                status,
                score,
                reasons: reasons.into_iter().map(ReasonView::from).collect(),
                participants: vec![a, b],
                end_reason: m
                    .end_reason
                    .filter(|_| m.ended_by.as_deref() == Some(viewer)),
                id: m.id,
                programme_id: m.programme_id,
                run_id: m.run_id,
                expires_at: m.expires_at,
                activated_at: m.activated_at,
                declined_by: m.declined_by,
                declined_at: m.declined_at,
                ended_by: m.ended_by,
                ended_at: m.ended_at,
                version: m.version,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
        })
        .collect()
}
