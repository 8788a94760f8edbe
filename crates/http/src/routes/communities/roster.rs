//! The roster of a community: the member list as a JSON page or a CSV
//! file, and the CSV download as its own operation.
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::account::ApiTokenScope;
use peerhub_domain::community::{CommunityRole, ExportFormat, MembershipStatus};
use peerhub_domain::taxonomy::{CareerLevel, Profession};
use peerhub_persistence::access;
use peerhub_persistence::rosters::{self, RosterEntry, RosterFilter};
use peerhub_persistence::stored::decode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, Caller};
use crate::extract::{PathId, closed_query};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

use super::csv::{csv_response, wants_csv};

/// `list_members` with the schema of its `format` parameter. utoipa
/// collects the schemas of bodies only, and `ExportFormat` appears in no
/// body, so without this its `$ref` would dangle.
pub(super) struct WithParamSchemas(pub(super) list_members);

impl actix_web::dev::HttpServiceFactory for WithParamSchemas {
    fn register(self, config: &mut actix_web::dev::AppService) {
        self.0.register(config)
    }
}

impl utoipa_actix_web::OpenApiFactory for WithParamSchemas {
    fn paths(&self) -> utoipa::openapi::path::Paths {
        self.0.paths()
    }

    fn schemas(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::{PartialSchema, ToSchema};
        self.0.schemas(schemas);
        schemas.push((ExportFormat::name().into_owned(), ExportFormat::schema()));
    }
}

/// One membership of a community, with the person's directory details.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "user_id": crate::routes::EX_USER_ID, "display_name": "Sam Patel", "email": "sam.patel@nhs.net",
    "role": "secretary", "status": "active", "joined_at": "2026-11-01T09:00:00Z", "ended_at": null,
    "updated_at": "2026-11-20T14:05:00Z", "profession": "PWP", "level": "senior",
    "organisation": "Midlands Partnership NHS FT", "region": "West Midlands", "version": 2
}))]
pub struct RosterEntryView {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    pub role: CommunityRole,
    pub status: MembershipStatus,
    pub joined_at: DateTime<Utc>,
    /// When the membership ended (`left` or `removed`).
    pub ended_at: Option<DateTime<Utc>>,
    /// Last change to the membership (role, status); what `updated_since`
    /// filters on.
    pub updated_at: DateTime<Utc>,
    pub profession: Option<Profession>,
    pub level: Option<CareerLevel>,
    pub organisation: Option<String>,
    pub region: Option<String>,
    /// Version of the membership: the `ETag` for role changes.
    pub version: i32,
}

impl TryFrom<RosterEntry> for RosterEntryView {
    type Error = ApiError;

    fn try_from(e: RosterEntry) -> ApiResult<Self> {
        Ok(Self {
            role: e.role()?,
            status: e.status()?,
            profession: e
                .profession
                .as_deref()
                .map(|p| decode("user.profession", p))
                .transpose()?,
            level: e
                .level
                .as_deref()
                .map(|l| decode("user.level", l))
                .transpose()?,
            user_id: e.user_id,
            display_name: e.display_name,
            email: e.email,
            joined_at: e.joined_at,
            ended_at: e.ended_at,
            updated_at: e.updated_at,
            organisation: e.organisation,
            region: e.region,
            version: e.version,
        })
    }
}

crate::page_schema!(RosterPage, RosterEntryView);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// Only members with this role in the community.
    #[param(value_type = Option<CommunityRole>)]
    pub role: Option<String>,
    /// RFC 3339 time, e.g. `2026-11-01T00:00:00Z`: only memberships changed
    /// at or after it.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-01T00:00:00Z")]
    pub updated_since: Option<String>,
    /// Also list memberships that ended (`left`, `removed`), so a sync can
    /// delete them. Default `false`.
    pub include_departed: Option<bool>,
}

/// The representation of the member list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (a page) or `csv` (the whole roster as a file). Without it the
    /// `Accept` header decides (JSON unless `text/csv` is preferred); with
    /// it, it wins over `Accept`. Generated clients that want a typed CSV
    /// download use `GET /v1/communities/{id}/members.csv`.
    #[param(value_type = Option<ExportFormat>)]
    pub format: Option<String>,
}

impl FormatQuery {
    /// Whether to answer CSV: an explicit `format` wins, otherwise the
    /// `Accept` header decides.
    fn wants_csv(&self, req: &HttpRequest) -> Result<bool, ApiError> {
        Ok(
            match closed_query::<ExportFormat>("format", self.format.as_deref())? {
                Some(ExportFormat::Csv) => true,
                Some(ExportFormat::Json) => false,
                None => wants_csv(req),
            },
        )
    }
}

impl RosterQuery {
    fn to_filter(&self) -> Result<RosterFilter, ApiError> {
        let role = closed_query::<CommunityRole>("role", self.role.as_deref())?;
        let updated_since = match self.updated_since.as_deref().map(str::trim) {
            None => None,
            Some(raw) => Some(parse_time(raw).ok_or_else(|| {
                ApiError::field(
                    "updated_since",
                    "invalid_datetime",
                    "must be an RFC 3339 date-time, e.g. 2026-11-01T00:00:00Z",
                )
            })?),
        };
        Ok(RosterFilter {
            role,
            updated_since,
            include_departed: self.include_departed.unwrap_or(false),
        })
    }
}

/// Parses RFC 3339. An unencoded `+` in a query string arrives as a space,
/// so `…T09:00:00 01:00` is read as `…T09:00:00+01:00`.
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_rfc3339(&raw.replace(' ', "+")))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// List a community's members, as a JSON page or a CSV file
///
/// Paginated JSON by default. With `format=csv`, or without `format` and
/// with `Accept: text/csv` (preferred at least as much as JSON), the answer
/// is an RFC 4180 CSV file of **all** matching members (no pagination;
/// `limit` and `cursor` are ignored), streamed, with a header row, CRLF
/// line ends, and cells that start with `=`, `+`, `-` or `@` prefixed with
/// `'` so spreadsheets do not run them as formulas. An explicit `format`
/// wins over `Accept`. Departed members (`left`, `removed`) are listed only
/// with `include_departed=true`.
///
/// Access: members of the community's network and platform admins; API
/// tokens with `memberships:read`.
#[utoipa::path(
    tag = "community-members",
    operation_id = "listCommunityMembers",
    security(("bearer" = []), ("apiToken" = ["memberships:read"])),
    params(("id" = uuid::Uuid, Path, description = "Community id"), RosterQuery, FormatQuery, PageQuery),
    responses(
        (status = 200, description = "Members in joining order: a JSON page (`format=json`, the default), or the whole roster as CSV (`format=csv`, or `Accept: text/csv` without `format`)",
            headers(
                ("Link" = String, description = "JSON only: `<…>; rel=\"next\"` when there is a next page"),
                ("Content-Disposition" = String, description = "CSV only: `attachment; filename=\"community-<id>-members.csv\"`"),
            ),
            content(
                (RosterPage = "application/json"),
                (String = "text/csv", example = json!("user_id,display_name,email,role,status,joined_at,ended_at,updated_at,profession,level,organisation,region\r\n0193a6f2-2222-7b3a-9d4e-2f1a0b9c8d7e,\"Patel, Sam\",sam.patel@nhs.net,secretary,active,2026-11-01T09:00:00Z,,2026-11-20T14:05:00Z,PWP,senior,Midlands Partnership NHS FT,West Midlands\r\n")),
            )
        ),
        (status = 400, description = "The id is not a UUID, or a query value does not parse (`include_departed=yes`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient-scope`: an API token without `memberships:read`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `role`, `updated_since`, `format`, `limit` or `cursor` (an unknown `role` or `format` names the allowed values)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/communities/{id}/members")]
pub async fn list_members(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: PathId,
    f: web::Query<RosterQuery>,
    fmt: web::Query<FormatQuery>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    // The caller's account (a session is authenticated here) and standing
    // in the community, then the page: two statements.
    access::community_standing(
        &state.db,
        caller.who(),
        &id,
        CommunityNeed::NetworkMember,
        Some(ApiTokenScope::MembershipsRead),
    )
    .await?;
    let filter = f.to_filter()?;
    if fmt.wants_csv(&req)? {
        return csv_response(state.db.clone(), id.0, filter).await;
    }
    let page_req = q.to_request()?;
    let page = rosters::list(&state.db, &id, &filter, &page_req).await?;
    let page = try_page(page, RosterEntryView::try_from)?;
    let mut res = page_response(&req, &state, page, |v| v);
    res.headers_mut()
        .append(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(res)
}

/// Download a community's members as a CSV file
///
/// The same file as `GET /v1/communities/{id}/members?format=csv`, as its
/// own operation whose only answer is `text/csv`, so that generated clients
/// get a typed download (a string) instead of the JSON page: every matching
/// member (no pagination), streamed, RFC 4180 with a header row and CRLF
/// line ends, formula-like cells prefixed with `'`. Departed members only
/// with `include_departed=true`.
///
/// Access: members of the community's network and platform admins; API
/// tokens with `memberships:read`.
#[utoipa::path(
    tag = "community-members",
    operation_id = "exportCommunityMembersCsv",
    security(("bearer" = []), ("apiToken" = ["memberships:read"])),
    params(("id" = uuid::Uuid, Path, description = "Community id"), RosterQuery),
    responses(
        (status = 200, description = "The whole roster as CSV",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"community-<id>-members.csv\"`")),
            content((String = "text/csv", example = json!("user_id,display_name,email,role,status,joined_at,ended_at,updated_at,profession,level,organisation,region\r\n0193a6f2-2222-7b3a-9d4e-2f1a0b9c8d7e,\"Patel, Sam\",sam.patel@nhs.net,secretary,active,2026-11-01T09:00:00Z,,2026-11-20T14:05:00Z,PWP,senior,Midlands Partnership NHS FT,West Midlands\r\n")))
        ),
        (status = 403, description = "`insufficient-scope`: an API token without `memberships:read`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `role` or `updated_since`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/communities/{id}/members.csv")]
pub async fn export_members_csv(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    f: web::Query<RosterQuery>,
) -> ApiResult<HttpResponse> {
    let c = access::community(
        &state.db,
        &auth.0,
        &id,
        CommunityNeed::NetworkMember,
        Some(ApiTokenScope::MembershipsRead),
    )
    .await?;
    let filter = f.to_filter()?;
    csv_response(state.db.clone(), c.id, filter).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_with_unencoded_plus() {
        assert!(parse_time("2026-11-01T00:00:00Z").is_some());
        assert!(parse_time("2026-11-01T00:00:00 01:00").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}
