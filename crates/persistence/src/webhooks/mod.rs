//! Webhooks (docs/integrations.md): subscriptions ([`subscriptions`]),
//! their deliveries as managers see them ([`deliveries`]), and the
//! workers' side ([`worker`]): fanning outbox events out to deliveries,
//! claiming due deliveries on any number of nodes, and recording attempts.
pub mod deliveries;
pub mod subscriptions;
pub mod worker;

use chrono::{DateTime, Utc};
use peerhub_domain::webhook::{DisabledReason, EventFilter};

use crate::entities::webhook;
use crate::error::Failure;
use crate::stored::decode;

/// A subscription as read back: the row with its closed sets decoded.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub row: webhook::Model,
    pub events: EventFilter,
    pub disabled_reason: Option<DisabledReason>,
}

impl Subscription {
    /// Decodes a stored row; a value that does not decode is a 500, never
    /// "every event" or "enabled".
    pub fn decode(row: webhook::Model) -> Result<Self, Failure> {
        let codes: Vec<String> = row.event_types.decode("webhooks.event_types", &row.id)?;
        let events = EventFilter::parse(&codes).map_err(|e| {
            Failure::internal(format!(
                "stored webhooks.event_types of {} does not decode: {e}",
                row.id
            ))
        })?;
        let disabled_reason = row
            .disabled_reason
            .as_deref()
            .map(|r| decode("webhooks.disabled_reason", r))
            .transpose()?;
        Ok(Self {
            row,
            events,
            disabled_reason,
        })
    }

    /// The secrets that sign now: the current one, and the previous one
    /// while its overlap lasts.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<String> {
        signing_secrets(&self.row, now)
    }
}

/// The secrets of `row` that sign at `now`, the current one first.
pub fn signing_secrets(row: &webhook::Model, now: DateTime<Utc>) -> Vec<String> {
    let mut out = vec![row.secret.clone()];
    if let (Some(prev), Some(until)) = (&row.previous_secret, row.previous_secret_expires_at)
        && now < until
    {
        out.push(prev.clone());
    }
    out
}

/// A new `whsec_` secret from the operating system's random source.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut key = [0u8; peerhub_domain::webhook::signing::SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut key);
    peerhub_domain::webhook::signing::secret_from_key(&key)
}
