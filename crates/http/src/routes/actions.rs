//! Actions tracked from approved minutes: listing, reading, marking done.
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::Utc;
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::meeting::ActionStatus;
use peerhub_persistence::access;
use peerhub_persistence::entities::action;
use peerhub_persistence::meetings;
use peerhub_persistence::minutes::{self, ActionFilter};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::meetings::via_community;
use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, closed_query, etag, uuid_field};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::ApiResult;
use crate::routes::views::meetings::{ActionView, action_view};
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_actions)
        .service(get_action)
        .service(update_action);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionQuery {
    /// Only actions owned by this person.
    #[param(format = Uuid)]
    pub owner_id: Option<String>,
    /// Only actions of this community (you must be able to see it).
    #[param(format = Uuid)]
    pub community_id: Option<String>,
    /// Only actions recorded in this meeting's minutes.
    #[param(format = Uuid)]
    pub meeting_id: Option<String>,
    /// Only actions with this status.
    #[param(value_type = Option<ActionStatus>)]
    pub status: Option<String>,
    /// `true`: only open actions past their due date.
    pub overdue: Option<bool>,
}

crate::page_schema!(ActionPage, ActionView);

/// List actions from the minutes of my communities
///
/// Actions from approved minutes of the communities I belong to (and of
/// every community of the networks I manage), oldest first. `overdue=true`
/// keeps open actions past their due date.
///
/// Access: any signed-in person, who sees the actions of their own
/// communities and of every community in the networks they manage;
/// platform admins see all.
#[utoipa::path(
    tag = "minutes",
    operation_id = "listActions",
    security(("bearer" = [])),
    params(ActionQuery, PageQuery),
    responses(
        (status = 200, description = "Actions, oldest first", body = ActionPage),
        (status = 403, description = "Not a member of that community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/actions")]
pub async fn list_actions(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<ActionQuery>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let id_of = |v: &Option<String>, field: &str| -> ApiResult<Option<String>> {
        v.as_deref().map(|x| uuid_field(x, field)).transpose()
    };
    let owner_id = id_of(&f.owner_id, "owner_id")?;
    let community_id = id_of(&f.community_id, "community_id")?;
    let meeting_id = id_of(&f.meeting_id, "meeting_id")?;
    if let Some(c) = &community_id {
        access::community(&state.db, &auth.0, c, CommunityNeed::Member, None).await?;
    }
    let status = closed_query::<ActionStatus>("status", f.status.as_deref())?;
    let page = minutes::list_actions(
        &state.db,
        &auth.0,
        &ActionFilter {
            owner_id,
            community_id,
            meeting_id,
            status,
            overdue_on: (f.overdue == Some(true)).then(|| Utc::now().date_naive()),
        },
        &q.to_request()?,
    )
    .await?;
    let names = meetings::display_names(
        &state.db,
        page.items.iter().map(|a| a.owner_id.clone()).collect(),
    )
    .await?;
    let page = try_page(page, |a| action_view(a, &names))?;
    Ok(page_response(&req, &state, page, |v| v))
}

async fn action_access(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> ApiResult<(action::Model, access::CommunityAccess)> {
    let a = minutes::find_action(&state.db, id).await?;
    let acc = via_community(
        state,
        auth,
        &a.community_id,
        CommunityNeed::Member,
        "action",
    )
    .await?;
    Ok((a, acc))
}

fn respond(
    a: action::Model,
    names: &std::collections::HashMap<String, String>,
) -> ApiResult<HttpResponse> {
    let version = a.version;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(version)))
        .json(action_view(a, names)?))
}

/// Read an action
///
/// One action from approved minutes, with its owner's name and whether it
/// is overdue.
///
/// Access: members of the action's community, managers of its network and
/// platform admins.
#[utoipa::path(
    tag = "minutes",
    operation_id = "getAction",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Action id")),
    responses(
        (status = 200, description = "The action", body = ActionView, headers(("ETag" = String))),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/actions/{id}")]
pub async fn get_action(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let (a, _) = action_access(&state, &auth, &id).await?;
    let names = meetings::display_names(&state.db, vec![a.owner_id.clone()]).await?;
    respond(a, &names)
}

/// The new status of an action.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done"}))]
pub struct ActionPatch {
    pub status: ActionStatus,
}

/// Mark an action done, or open again
///
/// Marking it done records who and when; emits `action.status_changed`.
/// Setting the status it already has changes nothing.
///
/// Access: the action's owner, the community's core team, managers of its
/// network and platform admins.
#[utoipa::path(
    tag = "minutes",
    operation_id = "updateAction",
    security(("bearer" = [])),
    request_body = ActionPatch,
    params(("id" = uuid::Uuid, Path, description = "Action id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "Updated", body = ActionView, headers(("ETag" = String))),
        (status = 403, description = "Not the owner, the core team or a manager", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid status", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/actions/{id}")]
pub async fn update_action(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<ActionPatch>,
) -> ApiResult<HttpResponse> {
    let a = minutes::set_action_status_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        CommunityNeed::Member,
        body.0.status,
        if_match.0,
    )
    .await?;
    let names = meetings::display_names(&state.db, vec![a.owner_id.clone()]).await?;
    respond(a, &names)
}
