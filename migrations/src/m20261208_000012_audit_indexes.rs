//! Indexes for reading the audit trail newest first (`GET
//! /v1/audit-events`, docs/integrations.md): per network, per entity, per
//! actor and overall, each ending in `(occurred_at DESC, id DESC)`, the
//! order and keyset of its pages. They replace the first migration's
//! `(network_id, id)` and `(entity_type, entity_id)`, which are prefixes
//! of (or ordered differently from) the new ones, so every audited write
//! maintains two more indexes, not four.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, leading columns); each index then has `occurred_at DESC, id DESC`.
const INDEXES: [(&str, &[AuditEvents]); 4] = [
    ("ix_audit_events_network_time", &[AuditEvents::NetworkId]),
    (
        "ix_audit_events_entity_time",
        &[AuditEvents::EntityType, AuditEvents::EntityId],
    ),
    ("ix_audit_events_actor_time", &[AuditEvents::ActorId]),
    ("ix_audit_events_time", &[]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for old in ["ix_audit_events_network", "ix_audit_events_entity"] {
            m.drop_index(Index::drop().name(old).table(AuditEvents::Table).to_owned())
                .await?;
        }
        for (name, leading) in INDEXES {
            let mut ix = Index::create();
            ix.name(name).table(AuditEvents::Table);
            for c in leading {
                ix.col(*c);
            }
            ix.col((AuditEvents::OccurredAt, IndexOrder::Desc))
                .col((AuditEvents::Id, IndexOrder::Desc));
            m.create_index(ix).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            m.drop_index(
                Index::drop()
                    .name(name)
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_audit_events_network")
                .table(AuditEvents::Table)
                .col(AuditEvents::NetworkId)
                .col(AuditEvents::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_events_entity")
                .table(AuditEvents::Table)
                .col(AuditEvents::EntityType)
                .col(AuditEvents::EntityId)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorId,
    NetworkId,
    EntityType,
    EntityId,
}
