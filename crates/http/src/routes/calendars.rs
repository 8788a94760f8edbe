//! iCalendar (RFC 5545) feeds: per meeting, per community, and a personal
//! feed at a secret URL for calendar apps.
use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::Utc;
use peerhub_domain::access::CommunityNeed;
use peerhub_domain::calendar::{self, EventStatus, Organizer};
use peerhub_domain::meeting::MeetingStatus;
use peerhub_persistence::Failure;
use peerhub_persistence::entities::meeting;
use peerhub_persistence::meetings;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::meetings::meeting_access;
use crate::auth::{Auth, Caller, Person};
use crate::extract::PathId;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(community_calendar)
        .service(meeting_calendar)
        .service(rotate_feed)
        .service(delete_feed)
        .service(feed);
}

/// The text of a meeting's calendar entry: agenda, join link, location.
fn description(m: &meeting::Model, community_name: &str) -> Result<String, Failure> {
    let mut out = format!("{community_name}\n");
    if let Some(r) = &m.cancel_reason {
        out.push_str(&format!("\nCancelled: {r}\n"));
    }
    if let Some(u) = &m.join_url {
        out.push_str(&format!("\nJoin online: {u}\n"));
    }
    if let Some(l) = &m.location {
        out.push_str(&format!("\nLocation: {l}\n"));
    }
    let agenda = meetings::agenda_of(m)?;
    if !agenda.is_empty() {
        out.push_str("\nAgenda:\n");
        for (i, a) in agenda.iter().enumerate() {
            match a.minutes {
                Some(n) => out.push_str(&format!("{}. {} ({n} min)\n", i + 1, a.title)),
                None => out.push_str(&format!("{}. {}\n", i + 1, a.title)),
            }
        }
    }
    Ok(out.trim_end().to_owned())
}

/// Renders meetings as one RFC 5545 calendar. A stored agenda or status
/// that does not decode fails the feed (500), never a default.
pub fn render_calendar(
    name: &str,
    ms: &[meeting::Model],
    community_names: &HashMap<String, String>,
    organizer_email: &str,
) -> Result<String, Failure> {
    let descriptions: Vec<(String, &str, MeetingStatus)> = ms
        .iter()
        .map(|m| {
            let cname = community_names
                .get(&m.community_id)
                .map(String::as_str)
                .unwrap_or("");
            Ok((description(m, cname)?, cname, meetings::status_of(m)?))
        })
        .collect::<Result<_, Failure>>()?;
    let uids: Vec<String> = ms.iter().map(|m| meetings::ical_uid(&m.id)).collect();
    let events: Vec<calendar::Event<'_>> = ms
        .iter()
        .zip(descriptions.iter())
        .zip(uids.iter())
        .filter_map(|((m, (desc, cname, status)), uid)| {
            let tz = calendar::parse_timezone(&m.timezone).ok()?;
            Some(calendar::Event {
                uid,
                sequence: m.sequence,
                status: if *status == MeetingStatus::Cancelled {
                    EventStatus::Cancelled
                } else {
                    EventStatus::Confirmed
                },
                summary: &m.title,
                description: desc,
                location: m.location.as_deref().or(m.join_url.as_deref()),
                url: m.join_url.as_deref(),
                tz,
                start: m.starts_at,
                duration_minutes: m.duration_minutes,
                created: m.created_at,
                last_modified: m.updated_at,
                organizer: Some(Organizer {
                    name: cname,
                    email: organizer_email,
                }),
            })
        })
        .collect();
    Ok(calendar::render(name, &events))
}

fn ics_response(body: String, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{filename}.ics\""),
        ))
        .insert_header(("Cache-Control", "private, no-cache"))
        .body(body)
}

/// Download a meeting as an iCalendar file
///
/// An RFC 5545 calendar with the meeting as one `VEVENT` (its `UID` and
/// `SEQUENCE` let calendar apps update the entry they imported).
///
/// Access: members of the community, managers of its network and platform
/// admins.
#[utoipa::path(
    tag = "calendars",
    operation_id = "getMeetingCalendar",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "iCalendar with one VEVENT", content_type = "text/calendar", body = String),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}/calendar.ics")]
pub async fn meeting_calendar(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let (m, a) = meeting_access(&state, &auth, &id, CommunityNeed::Member).await?;
    let names = HashMap::from([(a.community.id.clone(), a.community.name.clone())]);
    let body = render_calendar(
        &m.title,
        std::slice::from_ref(&m),
        &names,
        &state.settings.organizer_email,
    )?;
    Ok(ics_response(body, "meeting"))
}

/// Download every meeting of a community as an iCalendar file
///
/// An RFC 5545 calendar with every meeting of the community; cancelled
/// ones are marked `STATUS:CANCELLED`.
///
/// Access: members of the community, managers of its network and platform
/// admins.
#[utoipa::path(
    tag = "calendars",
    operation_id = "getCommunityCalendar",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Community id")),
    responses(
        (status = 200, description = "iCalendar with every meeting, cancelled ones marked `STATUS:CANCELLED`", content_type = "text/calendar", body = String),
        (status = 403, description = "Not a member of the community", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/communities/{id}/calendar.ics")]
pub async fn community_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    id: PathId,
) -> ApiResult<HttpResponse> {
    let id = id.0;
    // One statement: the meetings with their community's name and the
    // caller's account (a session is authenticated here) and standing; a
    // community without meetings is checked on its own.
    let (name, ms) =
        meetings::calendar_of(&state.db, caller.who(), &id, CommunityNeed::Member).await?;
    let body = render_calendar(
        &name,
        &ms,
        &HashMap::from([(id, name.clone())]),
        &state.settings.organizer_email,
    )?;
    Ok(ics_response(body, "community"))
}

/// My calendar feed's address. The secret is shown once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "url": "https://api.example.org/v1/calendar-feeds/Zk3q9w0mXcV1b2n3m4a5s6d7f8g9h0j1k2l3z4x5c6v.ics",
    "webcal_url": "webcal://api.example.org/v1/calendar-feeds/Zk3q9w0mXcV1b2n3m4a5s6d7f8g9h0j1k2l3z4x5c6v.ics",
    "secret": "Zk3q9w0mXcV1b2n3m4a5s6d7f8g9h0j1k2l3z4x5c6v"
}))]
pub struct FeedView {
    /// Subscribe a calendar app to this URL. Anyone with it can read your
    /// meetings; rotate it if it leaks.
    pub url: String,
    /// The same feed with the `webcal:` scheme, which opens calendar apps.
    pub webcal_url: String,
    pub secret: String,
}

/// Create or rotate my personal calendar feed
///
/// A secret URL with every meeting I am invited to, for calendar apps. The
/// secret is shown only in this response; the previous URL stops working
/// at once (404).
///
/// Access: any signed-in person (their own feed); API tokens are refused.
#[utoipa::path(
    tag = "calendars",
    operation_id = "rotateCalendarFeed",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new feed URL (shown once)", body = FeedView),
        (status = 403, description = "API tokens cannot manage feeds", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/calendar-feed")]
pub async fn rotate_feed(state: web::Data<AppState>, person: Person) -> ApiResult<HttpResponse> {
    let auth = person.0;
    let secret = meetings::rotate_feed(&state.db, &auth.ctx(), &auth.0.user_id).await?;
    let url = format!(
        "{}/v1/calendar-feeds/{secret}.ics",
        state.settings.public_base_url.trim_end_matches('/')
    );
    let webcal_url = match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.clone(),
    };
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(FeedView {
            url,
            webcal_url,
            secret,
        }))
}

/// Switch my calendar feed off
///
/// Its URL stops working (404). 404 when there is no feed to switch off.
///
/// Access: any signed-in person (their own feed); API tokens are refused.
#[utoipa::path(
    tag = "calendars",
    operation_id = "deleteCalendarFeed",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Switched off"),
        (status = 403, description = "API tokens cannot manage feeds", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No feed to switch off", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/me/calendar-feed")]
pub async fn delete_feed(state: web::Data<AppState>, person: Person) -> ApiResult<HttpResponse> {
    let auth = person.0;
    if meetings::delete_feed(&state.db, &auth.ctx(), &auth.0.user_id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found("calendar feed"))
    }
}

/// Read a personal calendar feed, for calendar apps
///
/// Every meeting the feed's owner is invited to from a year ago on,
/// cancelled ones included (so calendar apps remove them). No bearer token:
/// the secret in the URL is the credential; an old or unknown secret
/// answers 404.
///
/// Access: anyone with the feed's secret URL (no authentication).
#[utoipa::path(
    tag = "calendars",
    operation_id = "getCalendarFeed",
    security(()),
    params(("secret" = String, Path, description = "The feed secret from POST /v1/me/calendar-feed")),
    responses(
        (status = 200, description = "iCalendar", content_type = "text/calendar", body = String),
        (status = 404, description = "No such feed", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calendar-feeds/{secret}.ics")]
pub async fn feed(
    state: web::Data<AppState>,
    secret: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let secret = secret.into_inner();
    if secret.is_empty() || secret.len() > 128 {
        return Err(ApiError::not_found("calendar feed"));
    }
    let u = meetings::feed_owner(&state.db, &secret).await?;
    let ms = meetings::of_person(&state.db, &u.id, Utc::now()).await?;
    let mut ids: Vec<String> = ms.iter().map(|m| m.community_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let names = meetings::community_names(&state.db, ids).await?;
    let body = render_calendar(
        &format!("PeerHub: {}", u.display_name),
        &ms,
        &names,
        &state.settings.organizer_email,
    )?;
    Ok(ics_response(body, "peerhub"))
}
