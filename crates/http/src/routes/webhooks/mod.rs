//! Webhook subscriptions (docs/integrations.md): managers of a network
//! point PeerHub's events at an `https` receiver, read each delivery with
//! its attempts, redeliver, ping, and rotate the signing secret. People
//! only: an API token gets 403 `insufficient-scope` (a subscription sends
//! the network's events out; it is administration, like the audit trail).
use chrono::{DateTime, Utc};
use peerhub_domain::webhook::catalogue::subscribable_codes;
use peerhub_domain::webhook::{ALL_EVENTS, DisabledReason};
use peerhub_persistence::webhooks::Subscription;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa_actix_web::service_config::ServiceConfig;

pub mod deliveries;
pub mod input;
pub mod spec;
pub mod subscriptions;

/// Registers this module's handlers.
pub fn register(cfg: &mut ServiceConfig) {
    subscriptions::register(cfg);
    deliveries::register(cfg);
}

/// An example subscription id.
pub const EX_WEBHOOK_ID: &str = "0193a6f2-5555-7b3a-9d4e-2f1a0b9c8d7e";
/// An example secret (never a real one).
pub const EX_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One entry of `events`: an event type of the catalogue, or `*` alone
/// for every event type (including ones added later).
pub struct EventSelector;

impl utoipa::PartialSchema for EventSelector {
    fn schema() -> RefOr<Schema> {
        let mut codes = vec![ALL_EVENTS];
        codes.extend(subscribable_codes());
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(codes))
            .description(Some(
                "An event type of the catalogue, or `*` (alone) for every event type.",
            ))
            .into()
    }
}

impl ToSchema for EventSelector {}

/// The secrets' rotation: while the previous secret still signs.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"previous_expires_at": "2026-12-09T10:00:00Z"}))]
pub struct SecretRotation {
    /// Until when deliveries also carry a signature with the previous
    /// secret; `null` when only the current secret signs.
    pub previous_expires_at: Option<DateTime<Utc>>,
}

/// A webhook subscription. Never carries its secret: that is shown once,
/// when the subscription is created and when the secret is rotated.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": EX_WEBHOOK_ID, "network_id": crate::routes::EX_NETWORK_ID,
    "url": "https://hooks.example.org/peerhub", "events": ["meeting.scheduled", "minutes.published"],
    "description": "Trust intranet", "enabled": true, "disabled_reason": null,
    "secret_rotation": {"previous_expires_at": null},
    "created_at": "2026-12-08T10:00:00Z", "updated_at": "2026-12-08T10:00:00Z", "version": 1
}))]
pub struct WebhookView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub network_id: String,
    /// Where deliveries are POSTed.
    #[schema(example = "https://hooks.example.org/peerhub")]
    pub url: String,
    /// `["*"]` for every event type, or the types named.
    #[schema(value_type = Vec<EventSelector>, example = json!(["meeting.scheduled"]))]
    pub events: Vec<String>,
    #[schema(example = "Trust intranet")]
    pub description: String,
    /// Whether events are delivered. Pings are sent either way.
    pub enabled: bool,
    /// Why it is disabled: `manual` (a manager), `gone` (the receiver
    /// answered 410) or `failing` (deliveries kept failing); `null` while
    /// enabled.
    pub disabled_reason: Option<DisabledReason>,
    pub secret_rotation: SecretRotation,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Also the `ETag`.
    pub version: i32,
}

impl WebhookView {
    pub fn of(s: Subscription, now: DateTime<Utc>) -> Self {
        let r = s.row;
        Self {
            events: s.events.codes(),
            disabled_reason: s.disabled_reason,
            secret_rotation: SecretRotation {
                previous_expires_at: r.previous_secret_expires_at.filter(|t| *t > now),
            },
            id: r.id,
            network_id: r.network_id,
            url: r.url,
            description: r.description,
            enabled: r.enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

crate::page_schema!(WebhookPage, WebhookView);
