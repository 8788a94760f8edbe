//! A person's notification preferences: the optional emails they want.
use actix_web::{HttpResponse, get, patch, web};
use peerhub_domain::notification::NotificationTopic;
use peerhub_persistence::notifications;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Person;
use crate::extract::JsonBody;
use crate::problem::ApiResult;
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(get_preferences).service(update_preferences);
}

/// Which optional emails a person wants. Notices about their own account,
/// applications, memberships, matches and meetings are always sent.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"bulletin": true}))]
pub struct NotificationPreferences {
    /// The network bulletin: upcoming meetings and CoPs open to join
    /// (docs/governance.md).
    pub bulletin: bool,
}

/// Changes to the preferences; topics left out stay as they are.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bulletin": false}))]
pub struct NotificationPreferencesPatch {
    /// `false` stops the network bulletin.
    #[serde(default)]
    pub bulletin: Option<bool>,
}

fn view(prefs: &[(NotificationTopic, bool)]) -> NotificationPreferences {
    let wants = |t: NotificationTopic| prefs.iter().any(|(x, w)| *x == t && *w);
    NotificationPreferences {
        bulletin: wants(NotificationTopic::Bulletin),
    }
}

/// Read your notification preferences
///
/// Access: any signed-in person (not API tokens).
#[utoipa::path(
    tag = "me",
    operation_id = "getNotificationPreferences",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your preferences", body = NotificationPreferences),
        (status = 401, description = "Not signed in", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/notifications")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    person: Person,
) -> ApiResult<HttpResponse> {
    let prefs = notifications::preferences(&state.db, &person.0.0.user_id).await?;
    Ok(HttpResponse::Ok().json(view(&prefs)))
}

/// Change your notification preferences
///
/// Only the topics sent change. Audited (which preference changed, not
/// its value).
///
/// Access: any signed-in person (not API tokens).
#[utoipa::path(
    tag = "me",
    operation_id = "updateNotificationPreferences",
    security(("bearer" = [])),
    request_body = NotificationPreferencesPatch,
    responses(
        (status = 200, description = "Your preferences after the change", body = NotificationPreferences),
        (status = 401, description = "Not signed in", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/me/notifications")]
pub async fn update_preferences(
    state: web::Data<AppState>,
    person: Person,
    body: JsonBody<NotificationPreferencesPatch>,
) -> ApiResult<HttpResponse> {
    let mut changes = Vec::new();
    if let Some(b) = body.0.bulletin {
        changes.push((NotificationTopic::Bulletin, b));
    }
    let prefs =
        notifications::set(&state.db, &person.0.ctx(), &person.0.0.user_id, &changes).await?;
    Ok(HttpResponse::Ok().json(view(&prefs)))
}
