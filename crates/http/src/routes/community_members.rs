//! Community rosters (JSON pages or a streamed RFC 4180 CSV export),
//! core-team roles, and my own memberships.
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::{StreamExt, stream};
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::account::ApiTokenScope;
use peerhub_domain::community::{CommunityRole, CommunityStatus, ExportFormat, MembershipStatus};
use peerhub_domain::taxonomy::{CareerLevel, Profession};
use peerhub_persistence::access;
use peerhub_persistence::rosters::{self, EXPORT_CHUNK, MyMembership, RosterEntry, RosterFilter};
use peerhub_persistence::stored::decode;
use peerhub_persistence::{Db, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::{Auth, Person};
use crate::extract::{IfMatch, JsonBody, PathId, PathMember, closed_query, etag};
use crate::pagination::try_page;
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

const EX_COMMUNITY_ID: &str = "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e";

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(my_memberships)
        .service(export_members_csv)
        .service(WithParamSchemas(list_members))
        .service(update_member);
}

/// `list_members` with the schema of its `format` parameter. utoipa
/// collects the schemas of bodies only, and `ExportFormat` appears in no
/// body, so without this its `$ref` would dangle.
struct WithParamSchemas(list_members);

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
    "user_id": super::EX_USER_ID, "display_name": "Sam Patel", "email": "sam.patel@nhs.net",
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

// ------------------------------------------------------------------- CSV

/// True when the client prefers `text/csv` to JSON: `text/csv` (or
/// `text/*`) is acceptable with a quality at least that of JSON.
fn wants_csv(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    // (type, subtype, q) per media range.
    let ranges: Vec<(String, String, f32)> = accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let mime = parts.next()?.trim().to_ascii_lowercase();
            let (t, s) = mime.split_once('/')?;
            let mut q = 1.0_f32;
            for p in parts {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            Some((t.trim().to_owned(), s.trim().to_owned(), q))
        })
        .collect();
    // The most specific range matching type/subtype decides its quality.
    let quality = |t: &str, s: &str, allow_any: bool| -> Option<f32> {
        let mut best: Option<(u8, f32)> = None;
        for (rt, rs, q) in &ranges {
            let specificity = if rt == t && rs == s {
                3
            } else if rt == t && rs == "*" {
                2
            } else if allow_any && rt == "*" && rs == "*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(b, _)| specificity > b) {
                best = Some((specificity, *q));
            }
        }
        best.map(|(_, q)| q)
    };
    let Some(csv) = quality("text", "csv", false).filter(|q| *q > 0.0) else {
        return false;
    };
    let json = quality("application", "json", true).unwrap_or(0.0);
    csv >= json
}

const CSV_HEADER: &str = "user_id,display_name,email,role,status,joined_at,ended_at,updated_at,profession,level,organisation,region\r\n";

/// Appends one RFC 4180 field. Cells a spreadsheet would read as a formula
/// get a leading `'`: see [`peerhub_domain::csv::neutralise`].
fn push_cell(out: &mut String, raw: &str) {
    let guarded = peerhub_domain::csv::neutralise(raw);
    let value: &str = &guarded;
    if value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn time_cell(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn push_row(out: &mut String, e: &RosterEntry) {
    let ended = e.ended_at.as_ref().map(time_cell).unwrap_or_default();
    let cells: [&str; 12] = [
        &e.user_id,
        &e.display_name,
        &e.email,
        &e.role,
        &e.status,
        &time_cell(&e.joined_at),
        &ended,
        &time_cell(&e.updated_at),
        e.profession.as_deref().unwrap_or_default(),
        e.level.as_deref().unwrap_or_default(),
        e.organisation.as_deref().unwrap_or_default(),
        e.region.as_deref().unwrap_or_default(),
    ];
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, c);
    }
    out.push_str("\r\n");
}

fn csv_chunk(rows: &[RosterEntry], with_header: bool) -> Bytes {
    let mut out = String::with_capacity(rows.len() * 160 + CSV_HEADER.len());
    if with_header {
        out.push_str(CSV_HEADER);
    }
    for r in rows {
        push_row(&mut out, r);
    }
    Bytes::from(out)
}

/// What the export stream still has to fetch: the keyset position after
/// the last row sent, or `None` when done.
struct ExportState {
    db: Db,
    community_id: String,
    filter: RosterFilter,
    after: Option<String>,
}

/// Streams the whole roster as CSV, fetching [`EXPORT_CHUNK`] rows at a
/// time by keyset, so memory stays flat however large the community. The
/// first chunk is read before the response starts, so a database failure
/// there is still a proper problem response.
async fn csv_response(
    db: Db,
    community_id: String,
    filter: RosterFilter,
) -> ApiResult<HttpResponse> {
    let chunk = |after: Option<String>| PageRequest {
        limit: EXPORT_CHUNK,
        after,
    };
    let first = rosters::list(&db, &community_id, &filter, &chunk(None)).await?;
    let first_bytes = csv_chunk(&first.items, true);
    let filename = format!("community-{community_id}-members.csv");
    let state = ExportState {
        db,
        community_id,
        filter,
        after: first.next_after,
    };
    let rest = stream::unfold(state, move |mut st| async move {
        let after = st.after.take()?;
        match rosters::list(&st.db, &st.community_id, &st.filter, &chunk(Some(after))).await {
            Ok(page) => {
                st.after = page.next_after;
                Some((Ok(csv_chunk(&page.items, false)), st))
            }
            Err(e) => {
                tracing::error!(error = ?e, community_id = %st.community_id, "roster export failed mid-stream");
                Some((
                    Err(std::io::Error::other(
                        "roster export failed; see the server log",
                    )),
                    st,
                ))
            }
        }
    });
    let body = stream::once(async move { Ok::<_, std::io::Error>(first_bytes) }).chain(rest);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .append_header((header::VARY, "Accept"))
        .streaming(body))
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
    auth: Auth,
    id: PathId,
    f: web::Query<RosterQuery>,
    fmt: web::Query<FormatQuery>,
    q: web::Query<PageQuery>,
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
    if fmt.wants_csv(&req)? {
        return csv_response(state.db.clone(), c.id, filter).await;
    }
    let page_req = q.to_request()?;
    let page = rosters::list(&state.db, &c.id, &filter, &page_req).await?;
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

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "co_chair"}))]
pub struct RoleChange {
    /// The new role (`member` takes a core-team role back).
    pub role: CommunityRole,
}

/// Change a member's role in the community
///
/// `chair`, `co_chair` (several allowed), `secretary` (at most
/// `max_secretaries` of the current approved Terms of Reference, one
/// without), `facilitator` or back to `member`. Honours `If-Match` with the
/// membership version.
///
/// Access: managers of the network and platform admins.
#[utoipa::path(
    tag = "community-members",
    operation_id = "updateCommunityMember",
    security(("bearer" = [])),
    request_body = RoleChange,
    params(
        ("id" = uuid::Uuid, Path, description = "Community id"),
        ("user_id" = uuid::Uuid, Path, description = "The member's user id"),
        ("If-Match" = Option<String>, Header, description = "Membership version (`version` in the roster)"),
    ),
    responses(
        (status = 200, description = "The membership with its new role", body = RosterEntryView, headers(("ETag" = String, description = "Membership version"))),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you, or the person is not an active member of it", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`secretary-limit` or `community-archived`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid role", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/communities/{id}/members/{user_id}")]
pub async fn update_member(
    state: web::Data<AppState>,
    auth: Auth,
    path: PathMember,
    if_match: IfMatch,
    body: JsonBody<RoleChange>,
) -> ApiResult<HttpResponse> {
    let PathMember { id, user_id } = path;
    access::community(&state.db, &auth.0, &id, CommunityNeed::Manager, None).await?;
    let e = rosters::set_role(
        &state.db,
        &auth.ctx(),
        &id,
        &user_id,
        body.0.role,
        if_match.0,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(e.version)))
        .json(RosterEntryView::try_from(e)?))
}

/// One of my active community memberships.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "community_id": EX_COMMUNITY_ID, "community_name": "Psychological Practitioners CoP",
    "community_status": "active", "network_id": super::EX_NETWORK_ID, "role": "chair",
    "joined_at": "2026-11-01T09:00:00Z"
}))]
pub struct MyMembershipView {
    pub community_id: String,
    pub community_name: String,
    pub community_status: CommunityStatus,
    pub network_id: String,
    pub role: CommunityRole,
    pub joined_at: DateTime<Utc>,
}

impl TryFrom<MyMembership> for MyMembershipView {
    type Error = ApiError;

    fn try_from(m: MyMembership) -> ApiResult<Self> {
        Ok(Self {
            community_status: peerhub_persistence::communities::status_of(&m.community)?,
            role: decode("community_member.role", &m.membership.role)?,
            community_id: m.community.id,
            community_name: m.community.name,
            network_id: m.community.network_id,
            joined_at: m.membership.joined_at,
        })
    }
}

crate::page_schema!(MyMembershipPage, MyMembershipView);

/// List my community memberships
///
/// My active community memberships and roles, oldest first. API tokens get
/// 403 `insufficient-scope`.
///
/// Access: any signed-in person (their own memberships).
#[utoipa::path(
    tag = "community-members",
    operation_id = "listMyMemberships",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "My memberships, oldest first", body = MyMembershipPage),
        (status = 403, description = "`insufficient-scope`: API tokens cannot use this", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `limit` or `cursor`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/memberships")]
pub async fn my_memberships(
    req: HttpRequest,
    state: web::Data<AppState>,
    person: Person,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let page_req = q.to_request()?;
    let page = rosters::of_user(&state.db, &auth.0.user_id, &page_req).await?;
    let page = try_page(page, MyMembershipView::try_from)?;
    Ok(page_response(&req, &state, page, |v| v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn csv(accept: &str) -> bool {
        wants_csv(
            &TestRequest::default()
                .insert_header((header::ACCEPT, accept))
                .to_http_request(),
        )
    }

    #[test]
    fn negotiation() {
        assert!(csv("text/csv"));
        assert!(csv("text/csv, application/json"));
        assert!(csv("application/json, text/csv"));
        assert!(csv("text/csv;q=0.9, application/json;q=0.9"));
        assert!(csv("text/*, */*;q=0.1"));
        assert!(!csv("text/csv;q=0.5, application/json"));
        assert!(!csv("text/csv;q=0"));
        assert!(!csv("*/*"));
        assert!(!csv("application/json"));
        assert!(!wants_csv(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn cells_are_quoted_and_guarded() {
        let mut s = String::new();
        push_cell(&mut s, "Doe, \"Jo\"");
        assert_eq!(s, "\"Doe, \"\"Jo\"\"\"");
        for (raw, want) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@cmd", "'@cmd"),
            ("plain", "plain"),
            ("a\r\nb", "\"a\r\nb\""),
            ("=1,2", "\"'=1,2\""),
        ] {
            let mut s = String::new();
            push_cell(&mut s, raw);
            assert_eq!(s, want, "{raw}");
        }
    }

    #[test]
    fn times_parse_with_unencoded_plus() {
        assert!(parse_time("2026-11-01T00:00:00Z").is_some());
        assert!(parse_time("2026-11-01T00:00:00 01:00").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}
