//! Each network's retention settings (docs/operations.md, "Retention"):
//! `private_note_retention_days`, `closed_match_retention_days` and
//! `audit_retention_days`, with the defaults of
//! `peerhub_domain::retention`. One column per statement (SQLite alters
//! one column at a time).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (column, default days).
const COLUMNS: [(Networks, i32); 3] = [
    (Networks::PrivateNoteRetentionDays, 365),
    (Networks::ClosedMatchRetentionDays, 730),
    (Networks::AuditRetentionDays, 2555),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (c, days) in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(Networks::Table)
                    .add_column(integer(c).default(days))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (c, _) in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(Networks::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Networks {
    Table,
    PrivateNoteRetentionDays,
    ClosedMatchRetentionDays,
    AuditRetentionDays,
}
