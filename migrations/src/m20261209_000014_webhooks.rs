//! Webhooks (docs/integrations.md): subscriptions per network, one
//! delivery per (event, subscription) — the unique index is what makes
//! fan-out exactly-once when several nodes dispatch — and every attempt
//! with its status code, duration and error.
//!
//! `webhooks.event_types` is a JSON column, created `jsonb` on PostgreSQL
//! (listed in [`JSON_COLUMNS`]).
use sea_orm_migration::{prelude::*, schema::*};

use crate::cols::*;

pub const JSON_COLUMNS: &[(&str, &str)] = &[("webhooks", "event_types")];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Webhooks::Table)
                .col(id_col(Webhooks::Id))
                .col(ref_col(Webhooks::NetworkId))
                .col(string_len(Webhooks::Url, 2048))
                .col(string_len(Webhooks::Description, 500))
                .col(json_binary(Webhooks::EventTypes))
                .col(boolean(Webhooks::Enabled))
                .col(string_len_null(Webhooks::DisabledReason, 20))
                .col(string_len(Webhooks::Secret, 120))
                .col(string_len_null(Webhooks::PreviousSecret, 120))
                .col(ts_null(Webhooks::PreviousSecretExpiresAt))
                .col(integer(Webhooks::FailedRun).default(0))
                .col(ref_col_null(Webhooks::CreatedBy))
                .col(ts(Webhooks::CreatedAt))
                .col(ts(Webhooks::UpdatedAt))
                .col(integer(Webhooks::Version).default(1))
                .foreign_key(
                    ForeignKey::create()
                        .from(Webhooks::Table, Webhooks::NetworkId)
                        .to(Networks::Table, Networks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhooks_network_created")
                .table(Webhooks::Table)
                .col(Webhooks::NetworkId)
                .col(Webhooks::CreatedAt)
                .col(Webhooks::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(id_col(WebhookDeliveries::Id))
                .col(ref_col(WebhookDeliveries::WebhookId))
                .col(ref_col(WebhookDeliveries::NetworkId))
                .col(ref_col_null(WebhookDeliveries::EventId))
                .col(string_len(WebhookDeliveries::EventType, 60))
                .col(text(WebhookDeliveries::Body))
                .col(string_len(WebhookDeliveries::Status, 20))
                .col(integer(WebhookDeliveries::Attempts).default(0))
                .col(ts(WebhookDeliveries::NextAttemptAt))
                .col(integer_null(WebhookDeliveries::LastStatusCode))
                .col(integer_null(WebhookDeliveries::LastDurationMs))
                .col(string_len_null(WebhookDeliveries::LastError, 500))
                .col(ts(WebhookDeliveries::CreatedAt))
                .col(ts_null(WebhookDeliveries::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                        .to(Webhooks::Table, Webhooks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One delivery per event and subscription, whichever node fans out.
        m.create_index(
            Index::create()
                .name("webhook_deliveries_event_webhook")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::EventId)
                .col(WebhookDeliveries::WebhookId)
                .unique()
                .to_owned(),
        )
        .await?;
        // The workers' queue: due deliveries by time.
        m.create_index(
            Index::create()
                .name("webhook_deliveries_due")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::Status)
                .col(WebhookDeliveries::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        // The deliveries list: newest first per subscription.
        m.create_index(
            Index::create()
                .name("webhook_deliveries_webhook_created")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::WebhookId)
                .col((WebhookDeliveries::CreatedAt, IndexOrder::Desc))
                .col((WebhookDeliveries::Id, IndexOrder::Desc))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookAttempts::Table)
                .col(id_col(WebhookAttempts::Id))
                .col(ref_col(WebhookAttempts::DeliveryId))
                .col(ts(WebhookAttempts::AttemptedAt))
                .col(integer_null(WebhookAttempts::StatusCode))
                .col(integer(WebhookAttempts::DurationMs))
                .col(string_len_null(WebhookAttempts::Error, 500))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                        .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhook_attempts_delivery")
                .table(WebhookAttempts::Table)
                .col(WebhookAttempts::DeliveryId)
                .col(WebhookAttempts::AttemptedAt)
                .to_owned(),
        )
        .await?;
        // The dispatcher's queue: pending events by id.
        m.create_index(
            Index::create()
                .name("outbox_kind_status_id")
                .table(Outbox::Table)
                .col(Outbox::Kind)
                .col(Outbox::Status)
                .col(Outbox::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("outbox_kind_status_id")
                .table(Outbox::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(WebhookAttempts::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Kind,
    Status,
    Id,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    NetworkId,
    Url,
    Description,
    EventTypes,
    Enabled,
    DisabledReason,
    Secret,
    PreviousSecret,
    PreviousSecretExpiresAt,
    FailedRun,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    NetworkId,
    EventId,
    EventType,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastStatusCode,
    LastDurationMs,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    StatusCode,
    DurationMs,
    Error,
}
