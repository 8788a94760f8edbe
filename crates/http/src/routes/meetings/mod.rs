//! Meetings: scheduling, changes and cancellation ([`schedule`]), reading
//! and listing ([`reading`]) and the agenda ([`agenda`]). Series, RSVP and
//! attendance, minutes, actions and calendars have their own modules; the
//! access helpers they share live here, the meeting and action views in
//! [`crate::routes::views::meetings`].
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use peerhub_domain::access::CommunityNeed;
use peerhub_persistence::access::CommunityAccess;
use peerhub_persistence::entities::meeting;
use peerhub_persistence::meetings;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Auth;
use crate::problem::ApiResult;
use crate::routes::views::meetings::to_view;
use crate::routes::views::with_etag;
// Kept for the account routes, which read actions from here.
pub use crate::routes::views::meetings::{ActionView, action_view};
use crate::state::AppState;

pub mod agenda;
pub mod reading;
pub mod schedule;

/// Registers this module's handlers (literal paths before templated ones).
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(schedule::create)
        .service(reading::list)
        .service(reading::get_one)
        .service(schedule::update)
        .service(schedule::cancel)
        .service(agenda::set_agenda);
}

/// Loads a meeting and checks the caller's standing in its community; a
/// meeting of a community the caller cannot see answers 404.
pub(crate) async fn meeting_access(
    state: &AppState,
    auth: &Auth,
    id: &str,
    need: CommunityNeed,
) -> ApiResult<(meeting::Model, CommunityAccess)> {
    Ok(meetings::meeting_access(&state.db, &auth.0, id, need).await?)
}

/// The caller's standing in the community a thing (a meeting, a series, an
/// action) belongs to; a thing of a community the caller cannot see
/// answers 404 naming the thing, not the community.
pub(crate) async fn via_community(
    state: &AppState,
    auth: &Auth,
    community_id: &str,
    need: CommunityNeed,
    what: &'static str,
) -> ApiResult<CommunityAccess> {
    Ok(meetings::via_community(&state.db, &auth.0, community_id, need, what).await?)
}

pub(crate) fn respond(status: StatusCode, m: meeting::Model) -> ApiResult<HttpResponse> {
    let location = (status == StatusCode::CREATED).then(|| format!("/v1/meetings/{}", m.id));
    let version = m.version;
    Ok(with_etag(status, version, location).json(to_view(m)?))
}

/// Why a meeting or series is cancelled.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Clashes with the regional conference; we will meet in April instead."}))]
pub struct CancelBody {
    /// 1–2,000 characters; sent to calendars and integrations.
    #[validate(length(max = 4000))]
    pub reason: String,
}
