//! The audit trail and the outbox, written in the same transaction as the
//! change they describe. Every mutating store method calls [`write`].
//!
//! Audit entries record *who did what to which entity and which fields
//! changed* — never values, so secrets and private text cannot leak into
//! the trail.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;

use crate::entities::{audit_event, outbox};

/// Who is acting and under which request.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub actor_id: Option<String>,
    pub request_id: Option<String>,
    /// The client's address, recorded on audit entries that have no actor
    /// (a failed login names the address it came from, never the account
    /// holder as if they had acted).
    pub client_address: Option<String>,
}

impl Ctx {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn with_actor(&self, actor_id: &str) -> Self {
        Self {
            actor_id: Some(actor_id.to_owned()),
            request_id: self.request_id.clone(),
            client_address: self.client_address.clone(),
        }
    }
}

/// One audit entry.
#[derive(Debug, Clone)]
pub struct Audit {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub network_id: Option<String>,
    /// Names of fields that changed (never their values).
    pub changed: Vec<&'static str>,
    /// How many rows a bulk change touched (retention purges), recorded
    /// as `count:N` after the field names; never what they held.
    pub count: Option<u64>,
}

impl Audit {
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: &str) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_owned(),
            network_id: None,
            changed: Vec::new(),
            count: None,
        }
    }

    pub fn network(mut self, network_id: &str) -> Self {
        self.network_id = Some(network_id.to_owned());
        self
    }

    pub fn changed(mut self, fields: Vec<&'static str>) -> Self {
        self.changed = fields;
        self
    }

    /// A bulk change of `n` rows (see [`Audit::count`]).
    pub fn count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }
}

pub use peerhub_domain::outbox::Delivery;
use peerhub_domain::webhook::EventType;

/// One outbox message.
#[derive(Debug, Clone)]
pub struct Message {
    pub delivery: Delivery,
    pub topic: &'static str,
    pub network_id: Option<String>,
    pub aggregate_type: &'static str,
    pub aggregate_id: String,
    pub recipient: Option<String>,
    pub payload: Value,
}

impl Message {
    /// A domain event for integrations: delivered to the network's webhook
    /// subscriptions that want `topic` (docs/integrations.md).
    pub fn event(
        topic: EventType,
        aggregate_type: &'static str,
        aggregate_id: &str,
        payload: Value,
    ) -> Self {
        Self {
            delivery: Delivery::Event,
            topic: topic.as_str(),
            network_id: None,
            aggregate_type,
            aggregate_id: aggregate_id.to_owned(),
            recipient: None,
            payload,
        }
    }

    /// An email notice. `payload` must hold `subject` and `body`.
    pub fn email(
        topic: &'static str,
        aggregate_type: &'static str,
        aggregate_id: &str,
        to: &str,
        payload: Value,
    ) -> Self {
        Self {
            delivery: Delivery::Email,
            topic,
            network_id: None,
            aggregate_type,
            aggregate_id: aggregate_id.to_owned(),
            recipient: Some(to.to_owned()),
            payload,
        }
    }

    pub fn network(mut self, network_id: &str) -> Self {
        self.network_id = Some(network_id.to_owned());
        self
    }
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Writes the audit entry and the outbox messages of one change. Call it
/// inside the change's transaction.
pub async fn write<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    now: DateTime<Utc>,
    audit: Audit,
    messages: Vec<Message>,
) -> Result<(), DbErr> {
    // A JSON array of field names: built as a `Value`, whose text form
    // cannot fail, so there is no error to handle and no default to invent.
    let mut changed: Vec<Value> = audit.changed.into_iter().map(Value::from).collect();
    if let Some(n) = audit.count {
        changed.push(Value::from(format!("count:{n}")));
    }
    let changed = Value::from(changed).to_string();
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(new_id()),
        occurred_at: Set(now),
        actor_id: Set(ctx.actor_id.clone()),
        network_id: Set(audit.network_id),
        action: Set(audit.action.to_owned()),
        entity_type: Set(audit.entity_type.to_owned()),
        entity_id: Set(audit.entity_id),
        changed_fields: Set(changed),
        request_id: Set(ctx.request_id.clone()),
        client_address: Set(ctx.client_address.clone()),
    })
    .exec_without_returning(conn)
    .await?;
    // One statement for all the messages (a bulletin to N members is one
    // insert, not N).
    let rows: Vec<outbox::ActiveModel> = messages
        .into_iter()
        .map(|m| outbox::ActiveModel {
            id: Set(new_id()),
            created_at: Set(now),
            kind: Set(m.delivery.as_str().to_owned()),
            topic: Set(m.topic.to_owned()),
            network_id: Set(m.network_id),
            aggregate_type: Set(m.aggregate_type.to_owned()),
            aggregate_id: Set(m.aggregate_id),
            recipient: Set(m.recipient),
            payload: Set(m.payload.to_string()),
            status: Set(peerhub_domain::outbox::OutboxStatus::Pending
                .as_str()
                .to_owned()),
            attempts: Set(0),
            available_at: Set(now),
            sent_at: Set(None),
            last_error: Set(None),
            request_id: Set(ctx.request_id.clone()),
        })
        .collect();
    // Bound the statement's parameters (15 per row) well under SQLite's
    // and PostgreSQL's limits.
    for chunk in rows.chunks(500) {
        outbox::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}
