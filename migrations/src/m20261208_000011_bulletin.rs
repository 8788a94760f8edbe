//! The bulletin digest (docs/governance.md, "The bulletin"): one row per
//! network and period sent, so sending is idempotent per period, and each
//! person's notification opt-outs.
use sea_orm_migration::{prelude::*, schema::*};

use crate::cols::*;

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
                .table(BulletinSends::Table)
                .col(id_col(BulletinSends::Id))
                .col(ref_col(BulletinSends::NetworkId))
                .col(date(BulletinSends::PeriodFrom))
                .col(date(BulletinSends::PeriodTo))
                .col(integer(BulletinSends::Recipients))
                .col(ref_col_null(BulletinSends::SentBy))
                .col(ts(BulletinSends::SentAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(BulletinSends::Table, BulletinSends::NetworkId)
                        .to(Networks::Table, Networks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("bulletin_sends_network_period")
                .table(BulletinSends::Table)
                .col(BulletinSends::NetworkId)
                .col(BulletinSends::PeriodFrom)
                .col(BulletinSends::PeriodTo)
                .unique()
                .to_owned(),
        )
        .await?;
        // A row means "does not want this kind of email"; no row, the
        // default, means they do.
        m.create_table(
            Table::create()
                .table(NotificationOptOuts::Table)
                .col(ref_col(NotificationOptOuts::UserId))
                .col(string_len(NotificationOptOuts::Topic, 40))
                .col(ts(NotificationOptOuts::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(NotificationOptOuts::UserId)
                        .col(NotificationOptOuts::Topic),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationOptOuts::Table, NotificationOptOuts::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NotificationOptOuts::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(BulletinSends::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BulletinSends {
    Table,
    Id,
    NetworkId,
    PeriodFrom,
    PeriodTo,
    Recipients,
    SentBy,
    SentAt,
}

#[derive(DeriveIden)]
enum NotificationOptOuts {
    Table,
    UserId,
    Topic,
    CreatedAt,
}
