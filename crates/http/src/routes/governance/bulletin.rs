//! The bulletin digest: a network's upcoming meetings and the CoPs open to
//! join, as JSON, Markdown or a printable HTML page, and sending it to the
//! network's members once per period (docs/governance.md, "The bulletin").
use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, html};
use peerhub_domain::community::CommunityKind;
use peerhub_domain::governance::bulletin::{self as rules, Digest, Period};
use peerhub_domain::meeting::MeetingDeliveryMode;
use peerhub_persistence::governance::bulletin::{self, Sent};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::Person;
use crate::extract::{JsonBody, PathId};
use crate::negotiate;
use crate::problem::ApiResult;
use crate::routes::views::EX_NETWORK_ID;
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(get_bulletin).service(send_bulletin);
}

/// The media types the bulletin is offered in, the default first.
const OFFERED: &[&str] = &["application/json", "text/markdown", "text/html"];

/// The period of a bulletin.
#[derive(Debug, Deserialize, IntoParams, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BulletinPeriod {
    /// First day covered (UTC), default today.
    pub from: Option<NaiveDate>,
    /// Last day covered (UTC), default 13 days after `from` (14 days in
    /// all). At most 92 days in all.
    pub to: Option<NaiveDate>,
}

impl BulletinPeriod {
    fn period(&self) -> ApiResult<Period> {
        Ok(rules::period(self.from, self.to, Utc::now().date_naive())?)
    }
}

/// The days a bulletin covers, both inclusive.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodView {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// An upcoming meeting in the bulletin.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulletinMeetingView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub community_id: String,
    pub community_name: String,
    pub title: String,
    /// Local wall-clock start, ISO 8601 without an offset (`2026-12-10T14:00:00`), in `timezone`.
    pub starts_at_local: String,
    /// IANA time zone, e.g. `Europe/London`.
    pub timezone: String,
    pub duration_minutes: i32,
    pub mode: MeetingDeliveryMode,
    pub location: Option<String>,
    /// Only for members of the meeting's CoP; `null` otherwise.
    pub join_url: Option<String>,
}

/// A CoP open to join: active, and an open group or with places left.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulletinCommunityView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub focus: String,
    pub kind: CommunityKind,
    /// Capacity less current members (0 for a full open group).
    pub places_left: i64,
}

/// A network's bulletin for a period.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "network_id": EX_NETWORK_ID, "network_name": "PPN Midlands",
    "period": {"from": "2026-12-06", "to": "2026-12-19"},
    "meetings": [{"id": "0193a6f2-7777-7b3a-9d4e-2f1a0b9c8d7e", "community_id": "0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e",
        "community_name": "PWP Practice Development CoP", "title": "December meeting",
        "starts_at_local": "2026-12-10T14:00", "timezone": "Europe/London", "duration_minutes": 90,
        "mode": "teams", "location": null, "join_url": null}],
    "more_meetings": false,
    "communities": [{"id": "0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e", "name": "PWP Practice Development CoP",
        "focus": "Professional growth for PWPs", "kind": "closed", "places_left": 2}]
}))]
pub struct BulletinView {
    #[schema(format = Uuid)]
    pub network_id: String,
    pub network_name: String,
    pub period: PeriodView,
    /// Scheduled meetings starting in the period, by start; at most 200.
    pub meetings: Vec<BulletinMeetingView>,
    /// More meetings fell in the period than are listed.
    pub more_meetings: bool,
    /// CoPs open to join, by name.
    pub communities: Vec<BulletinCommunityView>,
}

fn view(network_id: &str, d: &Digest, mine: &HashSet<String>) -> BulletinView {
    BulletinView {
        network_id: network_id.to_owned(),
        network_name: d.network_name.clone(),
        period: PeriodView {
            from: d.period.from,
            to: d.period.to,
        },
        meetings: d
            .meetings
            .iter()
            .map(|m| BulletinMeetingView {
                id: m.id.clone(),
                community_id: m.community_id.clone(),
                community_name: m.community_name.clone(),
                title: m.title.clone(),
                starts_at_local: m.starts_at_local.clone(),
                timezone: m.timezone.clone(),
                duration_minutes: m.duration_minutes,
                mode: m.mode,
                location: m.location.clone(),
                join_url: m
                    .join_url
                    .clone()
                    .filter(|_| mine.contains(&m.community_id)),
            })
            .collect(),
        more_meetings: d.more_meetings,
        communities: d
            .communities
            .iter()
            .map(|c| BulletinCommunityView {
                id: c.id.clone(),
                name: c.name.clone(),
                focus: c.focus.clone(),
                kind: c.kind,
                places_left: c.places_left,
            })
            .collect(),
    }
}

/// The printable page: self-contained (no script, font or URL outside it),
/// A4 in print, headings for screen readers.
fn page(v: &BulletinView) -> Markup {
    let title = format!(
        "{} bulletin, {} to {}",
        v.network_name, v.period.from, v.period.to
    );
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (STYLE) }
            }
            body {
                header {
                    h1 { (title) }
                    p.meta { "Upcoming meetings and Communities of Practice open to join." }
                }
                main {
                    section aria-labelledby="meetings" {
                        h2 #meetings { "Upcoming meetings" }
                        @if v.meetings.is_empty() {
                            p { "No meetings are scheduled in this period." }
                        } @else {
                            table {
                                caption { "Scheduled meetings starting in the period, by start" }
                                thead { tr {
                                    th scope="col" { "When (local time)" }
                                    th scope="col" { "CoP" }
                                    th scope="col" { "Meeting" }
                                    th scope="col" { "How" }
                                } }
                                tbody {
                                    @for m in &v.meetings {
                                        tr {
                                            td { (m.starts_at_local.replacen('T', " ", 1)) br; small { (m.timezone) } }
                                            td { (m.community_name) }
                                            td { (m.title) ", " (m.duration_minutes) " minutes" }
                                            td {
                                                (rules::mode_text(m.mode))
                                                @if let Some(l) = &m.location { br; small { (l) } }
                                                @if let Some(u) = &m.join_url { br; small { "Join: " (u) } }
                                            }
                                        }
                                    }
                                }
                            }
                            @if v.more_meetings {
                                p { "More meetings are scheduled than this bulletin lists; see each CoP's calendar." }
                            }
                        }
                    }
                    section aria-labelledby="open" {
                        h2 #open { "Communities of Practice open to join" }
                        @if v.communities.is_empty() {
                            p { "No CoP is open to join at the moment." }
                        } @else {
                            ul {
                                @for c in &v.communities {
                                    li {
                                        strong { (c.name) } ": " (c.focus) " "
                                        @match c.kind {
                                            CommunityKind::Open => { "(open group)" }
                                            CommunityKind::Closed => { "(" (c.places_left) " places left)" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page's stylesheet: system fonts only, A4 in print.
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1d1d1b;margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.4}\
h1{font-size:1.6rem;color:#005eb8}h2{font-size:1.25rem;border-bottom:2px solid #005eb8;padding-bottom:.2rem}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #b1b4b6;padding:.35rem .5rem;text-align:left;vertical-align:top}\
caption{text-align:left;font-style:italic;padding:.3rem 0}.meta{color:#4c6272}small{color:#4c6272}\
@page{size:A4;margin:15mm}@media print{body{margin:0;max-width:none;font-size:10.5pt}tr{break-inside:avoid}}";

/// Preview a network's bulletin
///
/// Upcoming meetings (scheduled, starting in the period) and the CoPs open
/// to join. `Accept` picks JSON (the default), `text/markdown` (also the
/// emailed copy's text) or `text/html` (a printable page); anything else is
/// 406. A meeting's join link shows only to members of its CoP.
///
/// Access: managers of the network and platform admins (people, not API
/// tokens).
#[utoipa::path(
    tag = "governance",
    operation_id = "getBulletin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Network id"), BulletinPeriod),
    responses(
        (status = 200, description = "The bulletin", content(
            (BulletinView = "application/json"),
            (String = "text/markdown", example = json!("# PPN Midlands bulletin, 2026-12-06 to 2026-12-19\n\n## Upcoming meetings\n\n- **PWP Practice Development CoP**: December meeting, 2026-12-10 14:00 (Europe/London), 90 minutes, Microsoft Teams\n")),
            (String = "text/html"),
        )),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the offered media types is acceptable", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` after `to`, or a period over 92 days", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/networks/{id}/reports/bulletin")]
pub async fn get_bulletin(
    req: HttpRequest,
    state: web::Data<AppState>,
    person: Person,
    id: PathId,
    q: web::Query<BulletinPeriod>,
) -> ApiResult<HttpResponse> {
    let media = negotiate::choose(&req, OFFERED)?;
    let period = q.period()?;
    let (d, mine) = bulletin::preview(&state.db, &person.0.0, &id.0, period).await?;
    let body = match media {
        "text/markdown" => {
            return Ok(HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "text/markdown; charset=utf-8"))
                .insert_header((header::VARY, "Accept"))
                .body(rules::markdown(&d, |c| mine.contains(c))));
        }
        "text/html" => page(&view(&id.0, &d, &mine)).into_string(),
        _ => {
            return Ok(HttpResponse::Ok()
                .insert_header((header::VARY, "Accept"))
                .json(view(&id.0, &d, &mine)));
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::VARY, "Accept"))
        .body(body))
}

/// A bulletin sent.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "network_id": EX_NETWORK_ID, "period": {"from": "2026-12-06", "to": "2026-12-19"},
    "recipients": 42, "sent_at": "2026-12-06T09:00:00Z", "sent_by": "0193a6f2-9999-7b3a-9d4e-2f1a0b9c8d7e"
}))]
pub struct BulletinSendView {
    #[schema(format = Uuid)]
    pub network_id: String,
    pub period: PeriodView,
    /// Members it was emailed to (active accounts that have not opted out).
    pub recipients: i32,
    pub sent_at: DateTime<Utc>,
    #[schema(format = Uuid)]
    pub sent_by: Option<String>,
}

fn send_view(s: Sent) -> BulletinSendView {
    BulletinSendView {
        network_id: s.send.network_id,
        period: PeriodView {
            from: s.send.period_from,
            to: s.send.period_to,
        },
        recipients: s.send.recipients,
        sent_at: s.send.sent_at,
        sent_by: s.send.sent_by,
    }
}

/// Send a network's bulletin to its members
///
/// Emails the bulletin for the period (the body of `POST` is the same
/// `from`/`to` as the preview's query, both optional) to every active
/// member of the network who has not turned the bulletin off in their
/// notification preferences; each copy shows join links only for the
/// recipient's own CoPs. Once per network and period: the first call
/// answers 201, any later one 200 with the first send, and nothing is sent
/// again.
///
/// Access: managers of the network and platform admins (people, not API
/// tokens).
#[utoipa::path(
    tag = "governance",
    operation_id = "sendBulletin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Network id")),
    request_body = BulletinPeriodBody,
    responses(
        (status = 201, description = "Sent now", body = BulletinSendView),
        (status = 200, description = "Sent before for this period; nothing sent again", body = BulletinSendView),
        (status = 403, description = "Not a manager of the network", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` after `to`, or a period over 92 days", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/networks/{id}/reports/bulletin/send")]
pub async fn send_bulletin(
    state: web::Data<AppState>,
    person: Person,
    id: PathId,
    body: JsonBody<BulletinPeriodBody>,
) -> ApiResult<HttpResponse> {
    let period = BulletinPeriod {
        from: body.0.from,
        to: body.0.to,
    }
    .period()?;
    let sent = bulletin::send(&state.db, &person.0.ctx(), &person.0.0, &id.0, period).await?;
    let mut r = if sent.now {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(r.json(send_view(sent)))
}

/// The period of a bulletin to send.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "2026-12-06", "to": "2026-12-19"}))]
pub struct BulletinPeriodBody {
    /// First day covered (UTC), default today.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day covered (UTC), default 13 days after `from`.
    #[serde(default)]
    pub to: Option<NaiveDate>,
}
