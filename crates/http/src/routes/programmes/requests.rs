//! Match requests.
use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::Need;
use peerhub_domain::matching::request::MatchRequestStatus;
use peerhub_domain::matching::score::{Preferences, PreferredMeetingMode, SensitiveAttribute};
use peerhub_domain::taxonomy::{CareerLevel, Profession};
use peerhub_persistence::entities::match_request;
use peerhub_persistence::matching::{self, NewRequest, ProgrammeAccess, programme_access};
use peerhub_persistence::{Failure, meetings};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::load;
use crate::auth::Auth;
use crate::extract::{JsonBody, PathId, closed_query};
use crate::pagination::{PageQuery, page_response, try_page};
use crate::problem::ApiResult;
use crate::routes::views::{EX_PROGRAMME_ID, EX_REQUEST_ID, EX_USER_ID};
use crate::state::AppState;

/// Preferences about the other person; all optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(example = json!({"areas": ["burnout", "returning to practice"], "profession": "PWP", "level": "senior", "mode": "online", "sensitive": {"ethnicity": "Black British"}}))]
pub struct PreferencesBody {
    /// Up to 20 areas they want to talk about (each up to 100 characters),
    /// matched against the other person's specialties and interests.
    pub areas: Vec<String>,
    /// Preferred profession of the other person (taxonomy code).
    pub profession: Option<Profession>,
    /// Preferred level of the other person.
    pub level: Option<CareerLevel>,
    /// `in_person`, `online` or `either` (the same as none).
    pub mode: Option<PreferredMeetingMode>,
    /// Where to meet in person (default: their own region).
    pub region: Option<String>,
    /// Wanted values of sensitive attributes, keyed by attribute. Used
    /// only when the other person has self-declared that attribute; shown
    /// to nobody but the requester (in their own request and their match's
    /// reasons). A key outside the set is refused with `unknown_attribute`
    /// on `preferences.sensitive`, naming the allowed ones.
    #[schema(value_type = BTreeMap<SensitiveAttribute, String>)]
    pub sensitive: BTreeMap<String, String>,
}

impl PreferencesBody {
    fn into_domain(self) -> Preferences {
        Preferences {
            areas: self.areas,
            profession: self.profession.map(|p| p.as_str().to_owned()),
            level: self.level.map(|l| l.as_str().to_owned()),
            mode: self.mode,
            region: self.region,
            // Keys are checked (and read case-insensitively) with the rest
            // of the preferences, so that an unknown one is named precisely.
            sensitive: self.sensitive,
        }
    }

    fn of(p: Preferences, with_sensitive: bool) -> ApiResult<Self> {
        use peerhub_persistence::stored::decode;
        let sensitive = if with_sensitive {
            p.sensitive
                .into_iter()
                .map(|(k, v)| {
                    let k: SensitiveAttribute = decode("match_request.preferences.sensitive", &k)?;
                    Ok((k.as_str().to_owned(), v))
                })
                .collect::<ApiResult<_>>()?
        } else {
            BTreeMap::new()
        };
        Ok(Self {
            areas: p.areas,
            profession: p
                .profession
                .map(|x| decode("match_request.preferences.profession", &x))
                .transpose()?,
            level: p
                .level
                .map(|x| decode("match_request.preferences.level", &x))
                .transpose()?,
            mode: p.mode,
            region: p.region,
            sensitive,
        })
    }
}

/// A request to be matched.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_REQUEST_ID, "programme_id": EX_PROGRAMME_ID, "user_id": EX_USER_ID, "display_name": "Omar Haddad",
    "preferences": {"areas": ["burnout"], "profession": null, "level": "senior", "mode": "online", "region": null, "sensitive": {}},
    "availability": "Tuesday or Thursday evenings", "status": "waiting", "withdrawn_at": null,
    "created_at": "2026-11-21T09:00:00Z", "updated_at": "2026-11-21T09:00:00Z"
}))]
pub struct RequestView {
    pub id: String,
    pub programme_id: String,
    pub user_id: String,
    pub display_name: String,
    /// `sensitive` is shown to the requester only (empty for managers).
    pub preferences: PreferencesBody,
    pub availability: Option<String>,
    /// `waiting` (in the next run), `matched` (in an open match), `closed`
    /// (its match ended) or `withdrawn`.
    pub status: MatchRequestStatus,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn request_view(
    r: match_request::Model,
    viewer: &str,
    names: &HashMap<String, String>,
) -> ApiResult<RequestView> {
    let own = r.user_id == viewer;
    Ok(RequestView {
        preferences: PreferencesBody::of(matching::preferences_of(&r)?, own)?,
        display_name: names.get(&r.user_id).cloned().unwrap_or_default(),
        status: matching::request_status_of(&r)?,
        id: r.id,
        programme_id: r.programme_id,
        user_id: r.user_id,
        availability: r.availability,
        withdrawn_at: r.withdrawn_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// A request to make.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"preferences": {"areas": ["burnout", "returning to practice"], "level": "senior", "mode": "online"}, "availability": "Tuesday or Thursday evenings"}))]
pub struct RequestBody {
    #[serde(default)]
    pub preferences: PreferencesBody,
    /// When they can meet, up to 1,000 characters.
    #[validate(length(max = 5000))]
    pub availability: Option<String>,
}

/// Ask to be matched in a programme
///
/// One open request per person per programme. In a supporter programme
/// this asks for a supporter; in a mutual one it joins the people waiting
/// to pair up.
///
/// Access: members and managers of the programme's network, for themselves.
#[utoipa::path(
    tag = "programmes",
    operation_id = "createMatchRequest",
    security(("bearer" = [])),
    request_body = RequestBody,
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 201, description = "Waiting for the next run", body = RequestView, headers(("Location" = String))),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-requested`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid preferences, e.g. `preferences.sensitive` `unknown_attribute`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/programmes/{id}/requests")]
pub async fn create_request(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    body: JsonBody<RequestBody>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let r = matching::create_request_as(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        Need::Member,
        NewRequest {
            preferences: b.preferences.into_domain(),
            availability: b.availability,
        },
    )
    .await?;
    let names = meetings::display_names(&state.db, vec![r.user_id.clone()]).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/match-requests/{}", r.id)))
        .json(request_view(r, &auth.0.user_id, &names)?))
}

/// Filters for a programme's requests.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    /// Only requests in this status: `waiting`, `matched`, `closed` or
    /// `withdrawn`.
    #[param(value_type = Option<MatchRequestStatus>)]
    pub status: Option<String>,
}

crate::page_schema!(RequestPage, RequestView);

/// List a programme's match requests
///
/// Every request for a manager, your own for anyone else; oldest first.
///
/// Access: members and managers of the programme's network, and platform
/// admins (managers see every request, anyone else their own).
#[utoipa::path(
    tag = "programmes",
    operation_id = "listMatchRequests",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Programme id"), RequestFilter, PageQuery),
    responses(
        (status = 200, description = "Requests, oldest first", body = RequestPage),
        (status = 404, description = "No such programme visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/programmes/{id}/requests")]
pub async fn list_requests(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    f: web::Query<RequestFilter>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let a = load(&state, &auth, &id, Need::Member).await?;
    let status = closed_query::<MatchRequestStatus>("status", f.status.as_deref())?;
    let only = (!a.manager).then_some(auth.0.user_id.as_str());
    let page =
        matching::list_requests(&state.db, &a.programme.id, only, status, &q.to_request()?).await?;
    let names = meetings::display_names(
        &state.db,
        page.items.iter().map(|r| r.user_id.clone()).collect(),
    )
    .await?;
    let viewer = auth.0.user_id.clone();
    let page = try_page(page, |r| request_view(r, &viewer, &names))?;
    Ok(page_response(&req, &state, page, |v| v))
}

/// A request and the programme it is in, for its owner or a manager.
async fn request_access(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> ApiResult<(match_request::Model, ProgrammeAccess)> {
    let r = matching::find_request(&state.db, id).await?;
    let hidden = |e: Failure| match e {
        e if e.is_not_found() => Failure::not_found("match request"),
        e => e,
    };
    let a = programme_access(&state.db, &auth.0, &r.programme_id, Need::Member)
        .await
        .map_err(hidden)?;
    if !a.manager && r.user_id != auth.0.user_id {
        return Err(Failure::not_found("match request").into());
    }
    Ok((r, a))
}

/// Read a match request
///
/// Sensitive preferences are shown to the requester only.
///
/// Access: the requester, managers of the programme's network and platform
/// admins; anyone else gets 404.
#[utoipa::path(
    tag = "programmes",
    operation_id = "getMatchRequest",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 404, description = "No such request visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/match-requests/{id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let (r, _) = request_access(&state, &auth, &id).await?;
    let names = meetings::display_names(&state.db, vec![r.user_id.clone()]).await?;
    Ok(HttpResponse::Ok().json(request_view(r, &auth.0.user_id, &names)?))
}

/// Withdraw a match request
///
/// A request in a pending proposal declines it; one in an active match
/// cannot be withdrawn (end the match instead).
///
/// Access: the requester, managers of the programme's network and platform
/// admins; anyone else gets 404.
#[utoipa::path(
    tag = "programmes",
    operation_id = "withdrawMatchRequest",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Request id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 404, description = "No such request visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`request-closed`, `request-in-active-match`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/match-requests/{id}")]
pub async fn withdraw_request(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    matching::withdraw_request_as(&state.db, &auth.ctx(), &auth.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
