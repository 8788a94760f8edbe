//! The audit trail, read-only: `GET /v1/audit-events` as a JSON page or
//! the same page as CSV (docs/integrations.md, "Read the audit trail").
//! Entries are append-only; there is no operation that writes one, so
//! other methods on the path answer 405.
use actix_web::body::BoxBody;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use peerhub_domain::audit::{CSV_HEADER, CsvEntry, Filter, RawFilter, csv_cells};
use peerhub_persistence::Page;
use peerhub_persistence::audit::{self, Entry};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Auth;
use crate::negotiate;
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::routes::{EX_NETWORK_ID, EX_USER_ID};
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list);
}

const JSON: &str = "application/json";
const CSV: &str = "text/csv";

/// An example of the CSV form (header and one row).
const CSV_EXAMPLE: &str = "id,occurred_at,actor_id,actor_display_name,network_id,action,entity_type,entity_id,changed_fields,request_id,client_address\r\n0193a6f2-eeee-7b3a-9d4e-2f1a0b9c8d7e,2026-12-08T10:15:00Z,0193a6f2-2222-7b3a-9d4e-2f1a0b9c8d7e,Maya Okafor,0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e,minutes.approved,minutes,0193a6f2-7777-7b3a-9d4e-2f1a0b9c8d7e,status published_revision,0193a6f2-ffff-7b3a-9d4e-2f1a0b9c8d7e,\r\n";

/// The filters of `GET /v1/audit-events`. Each narrows the page; all
/// together must all hold.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The network whose entries to read. Required unless you are a
    /// platform admin (who may leave it out to read every entry, including
    /// those of no network such as sign-ins).
    #[param(value_type = Option<uuid::Uuid>, example = "0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e")]
    pub network_id: Option<String>,
    /// Only entries about this kind of entity: a slug of `a`–`z` and `_`,
    /// e.g. `minutes`, `community_member`, `match_note`
    /// (docs/integrations.md lists those written today).
    #[param(value_type = Option<String>, pattern = "^[a-z_]{1,50}$", max_length = 50, example = "minutes")]
    pub entity_type: Option<String>,
    /// Only entries about this entity.
    #[param(value_type = Option<uuid::Uuid>, example = "0193a6f2-7777-7b3a-9d4e-2f1a0b9c8d7e")]
    pub entity_id: Option<String>,
    /// Only entries of what this person did.
    #[param(value_type = Option<uuid::Uuid>, example = "0193a6f2-2222-7b3a-9d4e-2f1a0b9c8d7e")]
    pub actor_id: Option<String>,
    /// Only entries of this action: `a`–`z`, `_` and `.`, e.g.
    /// `minutes.approved`.
    #[param(value_type = Option<String>, pattern = "^[a-z_.]{1,80}$", max_length = 80, example = "minutes.approved")]
    pub action: Option<String>,
    /// RFC 3339 date-time: only entries at or after it.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-01T00:00:00Z")]
    pub from: Option<String>,
    /// RFC 3339 date-time: only entries before it (exclusive); not before
    /// `from`.
    #[param(value_type = Option<String>, format = DateTime, example = "2027-01-01T00:00:00Z")]
    pub to: Option<String>,
}

impl AuditQuery {
    fn to_filter(&self) -> Result<Filter, ApiError> {
        Ok(Filter::parse(&RawFilter {
            network_id: self.network_id.as_deref(),
            entity_type: self.entity_type.as_deref(),
            entity_id: self.entity_id.as_deref(),
            actor_id: self.actor_id.as_deref(),
            action: self.action.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
        })?)
    }
}

/// The person who acted.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": EX_USER_ID, "display_name": "Maya Okafor"}))]
pub struct AuditActor {
    pub id: String,
    /// Their display name now (pseudonymised once they are erased).
    pub display_name: String,
}

/// One audit entry: who did what to which entity, and the names of the
/// fields that changed. Never the values: no note text, concern details,
/// passwords or other content.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a6f2-eeee-7b3a-9d4e-2f1a0b9c8d7e", "occurred_at": "2026-12-08T10:15:00Z",
    "actor": {"id": EX_USER_ID, "display_name": "Maya Okafor"}, "network_id": EX_NETWORK_ID,
    "action": "minutes.approved", "entity_type": "minutes",
    "entity_id": "0193a6f2-7777-7b3a-9d4e-2f1a0b9c8d7e",
    "changed_fields": ["status", "published_revision"],
    "request_id": "0193a6f2-ffff-7b3a-9d4e-2f1a0b9c8d7e", "client_address": null
}))]
pub struct AuditEvent {
    /// A UUID v7.
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// Who acted; `null` when no signed-in person did (a failed sign-in,
    /// housekeeping).
    pub actor: Option<AuditActor>,
    /// The network the entity belongs to; `null` for account-level
    /// entries (sign-ins, profile changes), which only platform admins
    /// read here.
    pub network_id: Option<String>,
    /// `<entity>.<what happened>`, e.g. `minutes.approved`.
    #[schema(example = "minutes.approved")]
    pub action: String,
    #[schema(example = "minutes")]
    pub entity_type: String,
    pub entity_id: String,
    /// Names of the fields that changed, never their values.
    pub changed_fields: Vec<String>,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
    /// The client address, recorded only on entries with no actor (failed
    /// sign-ins).
    pub client_address: Option<String>,
}

impl From<Entry> for AuditEvent {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at,
            actor: e.actor.map(|a| AuditActor {
                id: a.id,
                display_name: a.display_name,
            }),
            network_id: e.network_id,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            changed_fields: e.changed_fields,
            request_id: e.request_id,
            client_address: e.client_address,
        }
    }
}

crate::page_schema!(AuditEventPage, AuditEvent);

/// Read the audit trail
///
/// The audit entries of a network, newest first (by `occurred_at`, then
/// `id`), one page at a time: `limit` 1 to 200 (default 50), the next page
/// through `next_cursor` or the `Link: <…>; rel="next"` header. Filters
/// combine. Every entry names who acted, the action, the entity and the
/// *names* of the fields that changed, never their values.
///
/// With `Accept: text/csv` the same page is an RFC 4180 CSV file (a header
/// row, CRLF line ends, cells a spreadsheet would read as a formula
/// prefixed with `'`), with the same `Link` header.
///
/// The trail is append-only: nothing writes to it but the changes it
/// records, so `POST`, `PUT`, `PATCH` and `DELETE` answer 405.
///
/// Access: managers of the network; platform admins, who may leave
/// `network_id` out to read every entry. People only: an API token gets
/// 403 `insufficient-scope`.
#[utoipa::path(
    tag = "audit",
    operation_id = "listAuditEvents",
    security(("bearer" = [])),
    params(AuditQuery, PageQuery),
    responses(
        (status = 200, description = "A page of entries, newest first, as JSON or (with `Accept: text/csv`) CSV",
            headers(
                ("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page (JSON and CSV)"),
                ("Content-Disposition" = String, description = "CSV only: `attachment; filename=\"audit-events.csv\"`"),
                ("Vary" = String, description = "`Accept`"),
            ),
            content(
                (AuditEventPage = "application/json"),
                (String = "text/csv", example = json!(CSV_EXAMPLE)),
            )
        ),
        (status = 403, description = "`forbidden`: you do not manage the network; `insufficient-scope`: an API token (this operation is for people only)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 406, description = "`not-acceptable`: `Accept` allows neither `application/json` nor `text/csv`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`network_id` (`required`, `invalid_uuid`), `entity_id` or `actor_id` (`invalid_uuid`), `entity_type` or `action` (`invalid_format`), `from` (`invalid_datetime`, `after_to`), `to` (`invalid_datetime`), `limit` (`out_of_range`), `cursor` (`invalid_cursor`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/audit-events")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<AuditQuery>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let media = negotiate::choose(&req, &[JSON, CSV])?;
    let filter = f.to_filter()?;
    let page = audit::list(&state.db, &auth.0, &filter, &q.to_request()?).await?;
    let mut res = if media == CSV {
        csv_page(&req, &state, page)?
    } else {
        page_response(&req, &state, page, AuditEvent::from)
    };
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("Accept"));
    Ok(res)
}

/// The page as CSV, with the `Link` header the JSON page would have.
fn csv_page(req: &HttpRequest, state: &AppState, page: Page<Entry>) -> ApiResult<HttpResponse> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(page.items.len() * 200 + 200));
    let fail = |e: csv::Error| ApiError::Internal(anyhow::anyhow!("writing audit CSV: {e}"));
    w.write_record(CSV_HEADER).map_err(fail)?;
    for e in &page.items {
        w.write_record(csv_cells(&CsvEntry {
            id: &e.id,
            occurred_at: e.occurred_at,
            actor_id: e.actor.as_ref().map(|a| a.id.as_str()),
            actor_display_name: e.actor.as_ref().map(|a| a.display_name.as_str()),
            network_id: e.network_id.as_deref(),
            action: &e.action,
            entity_type: &e.entity_type,
            entity_id: &e.entity_id,
            changed_fields: &e.changed_fields,
            request_id: e.request_id.as_deref(),
            client_address: e.client_address.as_deref(),
        }))
        .map_err(fail)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing audit CSV: {e}")))?;
    // The same Link header as the JSON form: built by `page_response` for
    // the page's position, then given the CSV body.
    let links = Page {
        items: Vec::<()>::new(),
        next_after: page.next_after,
    };
    let mut res = page_response(req, state, links, |x| x).set_body(BoxBody::new(body));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit-events.csv\""),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_example_has_the_header_columns() {
        let mut r = csv::Reader::from_reader(CSV_EXAMPLE.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header, CSV_HEADER);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].len(), CSV_HEADER.len());
    }
}
