//! A subscription's deliveries: the list with attempts, redelivery, ping.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::Violations;
use peerhub_domain::audit::parse_time;
use peerhub_domain::validation::Invalid;
use peerhub_domain::webhook::{DeliveryStatus, EventType, message_id};
use peerhub_persistence::webhooks::deliveries::{self, Delivery, Filter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::EX_WEBHOOK_ID;
use crate::auth::Auth;
use crate::extract::{PathId, path_uuid};
use crate::pagination::{PageQuery, page_response};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list).service(redeliver).service(ping);
}

const EX_DELIVERY_ID: &str = "0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e";

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"attempted_at": "2026-12-08T10:00:01Z", "status_code": 503, "duration_ms": 212, "error": "HTTP 503"}))]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status code; `null` when it did not answer.
    pub status_code: Option<i32>,
    pub duration_ms: i32,
    /// What went wrong (timeout, refused address, status…); `null` on
    /// success.
    pub error: Option<String>,
}

/// One event sent (or to be sent) to one subscription.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_DELIVERY_ID, "webhook_id": EX_WEBHOOK_ID, "message_id": "msg_0193a6f2-6666-7b3a-9d4e-2f1a0b9c8d7e",
    "event_type": "meeting.scheduled", "event_id": "0193a6f2-7777-7b3a-9d4e-2f1a0b9c8d7e",
    "status": "pending", "attempt_count": 1, "next_attempt_at": "2026-12-08T10:00:06Z",
    "last_status_code": 503, "last_duration_ms": 212, "last_error": "HTTP 503",
    "created_at": "2026-12-08T10:00:00Z", "finished_at": null,
    "body": {"type": "meeting.scheduled", "timestamp": "2026-12-08T10:00:00.000Z", "data": {"meeting_id": "0193a6f2-8888-7b3a-9d4e-2f1a0b9c8d7e"}},
    "attempts": [{"attempted_at": "2026-12-08T10:00:01Z", "status_code": 503, "duration_ms": 212, "error": "HTTP 503"}]
}))]
pub struct DeliveryView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub webhook_id: String,
    /// The `webhook-id` header it is sent with: the same on every retry
    /// and redelivery, so a receiver can drop duplicates.
    pub message_id: String,
    pub event_type: EventType,
    /// The event; `null` for a ping.
    pub event_id: Option<String>,
    pub status: DeliveryStatus,
    /// Attempts since it was queued (or redelivered).
    pub attempt_count: i32,
    /// When it is tried next; `null` once it has succeeded or failed.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_duration_ms: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The exact JSON the receiver gets: `{type, timestamp, data}`.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// The newest attempts (at most 20), newest first.
    pub attempts: Vec<AttemptView>,
}

impl TryFrom<Delivery> for DeliveryView {
    type Error = ApiError;

    fn try_from(d: Delivery) -> Result<Self, ApiError> {
        let r = d.row;
        let body = serde_json::from_str(&r.body).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!(
                "stored body of webhook delivery {} is not JSON: {e}",
                r.id
            ))
        })?;
        let finished = matches!(d.status, DeliveryStatus::Succeeded | DeliveryStatus::Failed);
        Ok(Self {
            message_id: message_id(&r.id),
            event_type: d.event_type,
            status: d.status,
            next_attempt_at: (!finished).then_some(r.next_attempt_at),
            attempts: d
                .attempts
                .into_iter()
                .map(|a| AttemptView {
                    attempted_at: a.attempted_at,
                    status_code: a.status_code,
                    duration_ms: a.duration_ms,
                    error: a.error,
                })
                .collect(),
            id: r.id,
            webhook_id: r.webhook_id,
            event_id: r.event_id,
            attempt_count: r.attempts,
            last_status_code: r.last_status_code,
            last_duration_ms: r.last_duration_ms,
            last_error: r.last_error,
            created_at: r.created_at,
            finished_at: r.finished_at,
            body,
        })
    }
}

crate::page_schema!(DeliveryPage, DeliveryView);

/// The filters of the deliveries list; all given must hold.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryStatus>)]
    pub status: Option<String>,
    /// Only deliveries of this event type.
    #[param(value_type = Option<EventType>)]
    pub event_type: Option<String>,
    /// RFC 3339 date-time: only deliveries created at or after it.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-01T00:00:00Z")]
    pub from: Option<String>,
    /// RFC 3339 date-time: only deliveries created before it; not before
    /// `from`.
    #[param(value_type = Option<String>, format = DateTime, example = "2027-01-01T00:00:00Z")]
    pub to: Option<String>,
}

impl DeliveryQuery {
    fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut v = Violations::new();
        let status = self
            .status
            .as_deref()
            .and_then(|r| v.check("status", DeliveryStatus::parse_field(r.trim())));
        let event_type = self
            .event_type
            .as_deref()
            .and_then(|r| v.check("event_type", EventType::parse_field(r.trim())));
        let from = self
            .from
            .as_deref()
            .and_then(|r| v.check("from", parse_time(r)));
        let to = self
            .to
            .as_deref()
            .and_then(|r| v.check("to", parse_time(r)));
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            v.add("from", Invalid::new("after_to", "must not be after `to`"));
        }
        v.into_result()?;
        Ok(Filter {
            status,
            event_type,
            from,
            to,
        })
    }
}

/// List a webhook subscription's deliveries
///
/// Newest first, one page at a time (`limit`, `cursor`, `Link`), each with
/// its newest attempts (at most 20) and the body sent: what the receiver
/// got, to debug it. Deliveries are kept for the operator's retention
/// period.
///
/// Access: managers of the subscription's network and platform admins;
/// people only (an API token gets 403 `insufficient-scope`).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listWebhookDeliveries",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), DeliveryQuery, PageQuery),
    responses(
        (status = 200, description = "A page of deliveries, newest first", body = DeliveryPage, headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 403, description = "`forbidden`: you do not manage its network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`status` or `event_type` (`invalid_value`), `from` (`invalid_datetime`, `after_to`), `to` (`invalid_datetime`), `limit` (`out_of_range`), `cursor` (`invalid_cursor`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/webhooks/{id}/deliveries")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    f: web::Query<DeliveryQuery>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let filter = f.to_filter()?;
    let page = deliveries::list(&state.db, &auth.0, &id, &filter, &q.to_request()?).await?;
    let page = crate::pagination::try_page(page, DeliveryView::try_from)?;
    Ok(page_response(&req, &state, page, |d| d))
}

/// Redeliver a delivery
///
/// Queues a delivery that has succeeded or failed again, due now, with
/// the same `webhook-id` and body and a fresh retry schedule; its earlier
/// attempts stay listed.
///
/// Access: managers of the subscription's network and platform admins;
/// people only.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "redeliverWebhookDelivery",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), ("delivery_id" = uuid::Uuid, Path, description = "Delivery id")),
    responses(
        (status = 202, description = "Queued", body = DeliveryView),
        (status = 403, description = "`forbidden`: you do not manage its network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription or delivery visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`delivery-in-progress`: it is still pending or being sent; `webhook-disabled`: enable the subscription first", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let delivery_id = path_uuid(&req, "delivery_id")?;
    let d = deliveries::redeliver(&state.db, &auth.ctx(), &auth.0, &id, &delivery_id).await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::try_from(d)?))
}

/// Ping a webhook subscription
///
/// Queues a `webhook.ping` event (`data: {"webhook_id": …}`) to the
/// subscription, whatever event types it asked for and even while it is
/// disabled, to test the receiver. A ping is tried once, never retried,
/// and never counts towards disabling the subscription; its outcome is
/// in the deliveries list. One ping at a time.
///
/// Access: managers of the subscription's network and platform admins;
/// people only.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "pingWebhook",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 202, description = "Queued", body = DeliveryView),
        (status = 403, description = "`forbidden`: you do not manage its network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`ping-pending`: an earlier ping has not been sent yet", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhooks/{id}/ping")]
pub async fn ping(state: web::Data<AppState>, auth: Auth, id: PathId) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let d = deliveries::ping(&state.db, &auth.ctx(), &auth.0, &id).await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::try_from(d)?))
}
