//! The governance report of a network for a period (docs/governance.md,
//! "Download the governance report"): JSON, CSV or a printable HTML page
//! with server-rendered SVG charts, chosen by `Accept`.
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use peerhub_domain::governance::report::Period;
use peerhub_persistence::governance::report;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Auth;
use crate::extract::PathId;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

mod charts;
mod csv_file;
mod html;
mod negotiate;
pub mod view;

use negotiate::Representation;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(governance_report);
}

/// The period of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day of the period (`YYYY-MM-DD`, inclusive, UTC). Give both
    /// `from` and `to`, or neither for the last full calendar quarter.
    #[param(value_type = Option<String>, format = Date, example = "2026-07-01")]
    pub from: Option<String>,
    /// Last day of the period (`YYYY-MM-DD`, inclusive, UTC); at most five
    /// years after `from`.
    #[param(value_type = Option<String>, format = Date, example = "2026-09-30")]
    pub to: Option<String>,
}

const CSV_EXAMPLE: &str = "community_id,community_name,status,meetings_expected,meetings_held,meetings_cancelled,invitations,attendances,attendance_rate,members_at_end,joiners,leavers,pending_applications,oldest_pending_days,terms_state,terms_review_due,no_chair,no_secretary,minutes_approved,held_without_approved_minutes,actions_open,actions_overdue,advise,assure,alert,escalation_points,commendation_points,escalations_raised,escalations_open,escalations_overdue\r\n0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e,Perinatal PWP CoP,active,3,2,1,24,19,0.7917,12,1,1,1,10,overdue,2026-09-01,1,0,1,1,3,1,2,1,1,1,3,1,1,0\r\n,Network total,total,3,2,1,24,19,0.7917,12,1,1,1,10,,,1,0,1,1,3,1,2,1,1,1,3,1,1,0\r\n";

/// Download a network's governance report
///
/// One row per Community of Practice (active, and archived during the
/// period) and a network total: meetings expected by the cadence, held
/// and cancelled; attendance; members at the period's end, joiners and
/// leavers; pending applications; the state of the Terms of Reference;
/// core-team gaps; minutes; actions; Triple A points; escalations. How
/// each figure is counted: docs/governance.md.
///
/// `Accept` chooses the representation: `application/json` (the default),
/// `text/csv` (RFC 4180, one row per CoP and a `total` row, as an
/// attachment) or `text/html` (one self-contained printable page with SVG
/// charts, no scripts and no external resources). Anything else is 406
/// `not-acceptable`.
///
/// Access: managers of the network and platform admins; API tokens with
/// `reports:read`.
#[utoipa::path(
    tag = "governance",
    operation_id = "getGovernanceReport",
    security(("bearer" = []), ("apiToken" = ["reports:read"])),
    params(("id" = uuid::Uuid, Path, description = "Network id"), ReportQuery),
    responses(
        (status = 200, description = "The report, in the representation `Accept` asks for",
            headers(
                ("Content-Disposition" = String, description = "CSV only: `attachment; filename=\"governance-report-<from>-to-<to>.csv\"`"),
                ("Vary" = String, description = "`Accept`"),
            ),
            content(
                (view::GovernanceReport = "application/json"),
                (String = "text/csv", example = json!(CSV_EXAMPLE)),
                (String = "text/html", example = json!("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Governance report: PPN Midlands, 2026-07-01 to 2026-09-30</title>…</head><body><h1>…</h1><figure><svg role=\"img\" viewBox=\"0 0 680 120\">…</svg><figcaption>…</figcaption></figure><table>…</table></body></html>")),
            )
        ),
        (status = 400, description = "The id is not a UUID", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: you do not manage the network; `insufficient-scope`: an API token without `reports:read`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 406, description = "`not-acceptable`: `Accept` allows none of `application/json`, `text/csv`, `text/html`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` (`invalid_date`, `required`, `after_to`), `to` (`invalid_date`, `required`, `period_too_long`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/networks/{id}/reports/governance")]
pub async fn governance_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    q: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let wanted = negotiate::choose(&req)?;
    let now = Utc::now();
    let period = Period::parse(q.from.as_deref(), q.to.as_deref(), now.date_naive())?;
    let r = report::governance_report(&state.db, &auth.0, &id.0, period, now).await?;
    let mut res = match wanted {
        Representation::Json => HttpResponse::Ok().json(view::report(&r)),
        Representation::Csv => {
            let body = csv_file::render(&r).map_err(|e| ApiError::Internal(e.into()))?;
            let filename = format!(
                "governance-report-{}-to-{}.csv",
                r.period.from, r.period.to
            );
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ))
                .body(body)
        }
        Representation::Html => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            // The page needs nothing but its own inline styles.
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ))
            .body(html::render(&r)),
    };
    res.headers_mut()
        .append(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(res)
}
