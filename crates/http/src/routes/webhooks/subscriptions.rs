//! `/v1/webhooks` and `/v1/webhooks/{id}`: create, list, read, change,
//! delete, and rotate the secret.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerhub_domain::Violations;
use peerhub_persistence::access;
use peerhub_persistence::webhooks::subscriptions::{self, Change, NewSubscription};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::{EX_SECRET, EX_WEBHOOK_ID, WebhookPage, WebhookView, input};
use crate::auth::Auth;
use crate::extract::{IfMatch, JsonBody, PathId, etag, uuid_field};
use crate::pagination::{PageQuery, page_response};
use crate::problem::ApiResult;
use crate::routes::EX_NETWORK_ID;
use crate::state::AppState;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(read)
        .service(update)
        .service(remove)
        .service(rotate_secret);
}

/// A new subscription.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "network_id": EX_NETWORK_ID, "url": "https://hooks.example.org/peerhub",
    "events": ["meeting.scheduled", "minutes.published"], "description": "Trust intranet"
}))]
pub struct CreateWebhook {
    /// The network whose events to send.
    #[schema(value_type = uuid::Uuid)]
    #[serde(default)]
    pub network_id: Option<String>,
    /// An absolute `https` URL (at most 2048 characters) whose host
    /// resolves to public addresses only; no user name or password, no
    /// fragment.
    #[schema(example = "https://hooks.example.org/peerhub")]
    #[serde(default)]
    pub url: Option<String>,
    /// `["*"]` for every event type, or 1–50 event types.
    #[schema(value_type = Vec<super::EventSelector>, example = json!(["meeting.scheduled"]))]
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// 0–500 characters (default empty).
    #[schema(example = "Trust intranet")]
    #[serde(default)]
    pub description: String,
    /// Default `true`.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A subscription with its secret, shown only here and in the answer to
/// a rotation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_WEBHOOK_ID, "network_id": EX_NETWORK_ID,
    "url": "https://hooks.example.org/peerhub", "events": ["meeting.scheduled"],
    "description": "Trust intranet", "enabled": true, "disabled_reason": null,
    "secret_rotation": {"previous_expires_at": null},
    "created_at": "2026-12-08T10:00:00Z", "updated_at": "2026-12-08T10:00:00Z", "version": 1,
    "secret": EX_SECRET
}))]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (`whsec_` and base64): store it now, it is never
    /// shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

fn one(status: StatusCode, v: &WebhookView) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::build(status);
    r.insert_header(("ETag", etag(v.version)));
    r
}

/// Create a webhook subscription
///
/// Starts sending the network's events of the types named to `url`, each
/// signed (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
/// `webhook-signature`) with a new secret that this answer shows once.
/// Every invalid field is reported at once. The URL's host is resolved:
/// an address that is not public (loopback, private, link-local,
/// metadata…) is `address_not_public`, a name with no address
/// `url_unresolvable`. A network has at most 20 subscriptions.
///
/// Access: managers of the network and platform admins. People only: an
/// API token gets 403 `insufficient-scope`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "createWebhook",
    security(("bearer" = [])),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Created; the only time the secret is shown besides a rotation", body = CreatedWebhook, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "`forbidden`: you do not manage the network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`webhook-limit-reached`: the network has 20 subscriptions", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`network_id` (`required`, `invalid_uuid`), `url` (`required`, `too_long`, `invalid_url`, `https_required`, `credentials_in_url`, `address_not_public`, `url_unresolvable`), `events` (`required`, `too_many`, `invalid_value`, `unknown_event_type`), `description` (`too_long`, `control_characters`, `invisible_characters`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: JsonBody<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let b = body.0;
    let mut v = Violations::new();
    let network_id = match b.network_id.as_deref() {
        None => {
            v.add(
                "network_id",
                peerhub_domain::validation::Invalid::new("required", "must name the network"),
            );
            None
        }
        Some(raw) => match uuid_field(raw, "network_id") {
            Ok(id) => Some(id),
            Err(_) => {
                v.add(
                    "network_id",
                    peerhub_domain::validation::Invalid::new("invalid_uuid", "must be a UUID"),
                );
                None
            }
        },
    };
    // Who may comes before what: a stranger learns nothing from the
    // fields, and makes the server look up no name.
    if let Some(n) = &network_id {
        access::network(
            &state.db,
            &auth.0,
            n,
            peerhub_domain::access::Need::Manager,
            None,
        )
        .await?;
    }
    let events = input::events(&mut v, b.events.as_deref());
    let description = input::description(&mut v, &b.description);
    let url = if network_id.is_some() {
        input::url(
            &mut v,
            b.url.as_deref(),
            state.settings.webhook_allow_private,
        )
        .await
    } else {
        None
    };
    v.into_result()?;
    let (Some(network_id), Some(url), Some(events), Some(description)) =
        (network_id, url, events, description)
    else {
        return Err(crate::problem::ApiError::Internal(anyhow::anyhow!(
            "webhook input passed its checks without a value"
        )));
    };
    let created = subscriptions::create(
        &state.db,
        &auth.ctx(),
        &auth.0,
        NewSubscription {
            network_id,
            url,
            events,
            description,
            enabled: b.enabled,
        },
    )
    .await?;
    let view = WebhookView::of(created.subscription, Utc::now());
    Ok(one(StatusCode::CREATED, &view)
        .insert_header(("Location", format!("/v1/webhooks/{}", view.id)))
        .json(CreatedWebhook {
            webhook: view,
            secret: created.secret,
        }))
}

/// The filters of `GET /v1/webhooks`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookQuery {
    /// The network whose subscriptions to list (required).
    #[param(value_type = uuid::Uuid, example = "0193a6f2-1111-7b3a-9d4e-2f1a0b9c8d7e")]
    pub network_id: Option<String>,
    /// Only enabled (`true`) or disabled (`false`) subscriptions.
    pub enabled: Option<bool>,
}

/// List a network's webhook subscriptions
///
/// Oldest first, one page at a time (`limit`, `cursor`, `Link`). Secrets
/// are never listed.
///
/// Access: managers of the network and platform admins; people only (an
/// API token gets 403 `insufficient-scope`).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listWebhooks",
    security(("bearer" = [])),
    params(WebhookQuery, PageQuery),
    responses(
        (status = 200, description = "A page of subscriptions", body = WebhookPage, headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 403, description = "`forbidden`: you do not manage the network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such network visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`network_id` (`required`, `invalid_uuid`), `limit` (`out_of_range`), `cursor` (`invalid_cursor`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/webhooks")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    f: web::Query<WebhookQuery>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let network_id = match f.network_id.as_deref() {
        None => {
            return Err(crate::problem::ApiError::field(
                "network_id",
                "required",
                "must name the network",
            ));
        }
        Some(raw) => uuid_field(raw, "network_id")?,
    };
    let page = q.to_request()?;
    let p = subscriptions::list(&state.db, &auth.0, &network_id, f.enabled, &page).await?;
    let now = Utc::now();
    Ok(page_response(&req, &state, p, |s| WebhookView::of(s, now)))
}

/// Read a webhook subscription
///
/// Without its secret. The version is the `ETag`.
///
/// Access: managers of its network and platform admins; people only.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "getWebhook",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookView, headers(("ETag" = String))),
        (status = 403, description = "`forbidden`: you do not manage its network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/webhooks/{id}")]
pub async fn read(state: web::Data<AppState>, auth: Auth, id: PathId) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let s = subscriptions::get(&state.db, &auth.0, &id).await?;
    let v = WebhookView::of(s, Utc::now());
    Ok(one(StatusCode::OK, &v).json(v))
}

/// A change to a subscription; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct WebhookPatch {
    /// A new URL, checked (and resolved) as on creation.
    #[schema(example = "https://hooks.example.org/peerhub-v2")]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<super::EventSelector>>, example = json!(["*"]))]
    pub events: Option<Vec<String>>,
    #[schema(example = "Trust intranet (v2)")]
    pub description: Option<String>,
    /// `true` turns a disabled subscription back on (clearing
    /// `disabled_reason`); `false` turns it off (`manual`).
    pub enabled: Option<bool>,
}

/// Change a webhook subscription
///
/// Absent fields stay as they are; every invalid field is reported at
/// once. Enabling a disabled subscription clears `disabled_reason` and its
/// run of failed deliveries, and pending deliveries resume; disabling it
/// records `manual`. Honours `If-Match` (412 `stale-version`).
///
/// Access: managers of its network and platform admins; people only.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "updateWebhook",
    security(("bearer" = [])),
    request_body = WebhookPatch,
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "The subscription", body = WebhookView, headers(("ETag" = String))),
        (status = 403, description = "`forbidden`: you do not manage its network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`url` (`too_long`, `invalid_url`, `https_required`, `credentials_in_url`, `address_not_public`, `url_unresolvable`), `events` (`required`, `too_many`, `invalid_value`, `unknown_event_type`), `description` (`too_long`, `control_characters`, `invisible_characters`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/webhooks/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
    body: JsonBody<WebhookPatch>,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let current = subscriptions::get(&state.db, &auth.0, &id).await?;
    let b = body.0;
    let mut v = Violations::new();
    let events = match &b.events {
        Some(e) => input::events(&mut v, Some(e)),
        None => None,
    };
    let description = match &b.description {
        Some(d) => input::description(&mut v, d),
        None => None,
    };
    let url = match b.url.as_deref() {
        Some(u) if u.trim() != current.row.url => {
            input::url(&mut v, Some(u), state.settings.webhook_allow_private).await
        }
        _ => None,
    };
    v.into_result()?;
    let s = subscriptions::update(
        &state.db,
        &auth.ctx(),
        &auth.0,
        &id,
        Change {
            url,
            events,
            description,
            enabled: b.enabled,
        },
        if_match.0,
    )
    .await?;
    let v = WebhookView::of(s, Utc::now());
    Ok(one(StatusCode::OK, &v).json(v))
}

/// Delete a webhook subscription
///
/// Stops its deliveries and deletes them with their attempts. Honours
/// `If-Match`.
///
/// Access: managers of its network and platform admins; people only.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "deleteWebhook",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`forbidden`: you do not manage its network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale-version`", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/webhooks/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    subscriptions::delete(&state.db, &auth.ctx(), &auth.0, &id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new secret, shown once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"secret": EX_SECRET, "previous_secret_expires_at": "2026-12-09T10:00:00Z"}))]
pub struct RotatedSecret {
    /// The new signing secret: store it now, it is never shown again.
    pub secret: String,
    /// Until then deliveries carry signatures with both secrets.
    pub previous_secret_expires_at: DateTime<Utc>,
}

/// Rotate a webhook subscription's secret
///
/// Makes a new secret and shows it once. For 24 hours the old one keeps
/// signing too (each delivery carries both signatures), so the receiver
/// can switch over; rotating again within those hours replaces the
/// previous secret, which then stops signing.
///
/// Access: managers of its network and platform admins; people only.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "rotateWebhookSecret",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The new secret", body = RotatedSecret),
        (status = 403, description = "`forbidden`: you do not manage its network; `insufficient-scope`: an API token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription visible to you", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    auth: Auth,
    id: PathId,
) -> ApiResult<HttpResponse> {
    auth.require_scope(None)?;
    let (rotated, until) =
        subscriptions::rotate_secret(&state.db, &auth.ctx(), &auth.0, &id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(rotated.subscription.row.version)))
        .json(RotatedSecret {
            secret: rotated.secret,
            previous_secret_expires_at: until,
        }))
}
