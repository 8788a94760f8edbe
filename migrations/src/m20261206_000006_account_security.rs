//! Accounts you can trust: the password a verification token carries,
//! password resets, the session cut-off for "log out everywhere", the
//! refresh grace window, per-address notice throttling, and the client
//! address on audit entries.
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
        // SQLite alters one column per statement.
        let add =
            |table: DynIden, col: ColumnDef| Table::alter().table(table).add_column(col).to_owned();
        // The password (and display name) chosen with the registration that
        // this token answers: proving the mailbox applies exactly these.
        m.alter_table(add(
            EmailVerifications::Table.into_iden(),
            text_null(EmailVerifications::PasswordHash),
        ))
        .await?;
        m.alter_table(add(
            EmailVerifications::Table.into_iden(),
            string_len_null(EmailVerifications::DisplayName, 400),
        ))
        .await?;
        // Access tokens issued before this instant are refused.
        m.alter_table(add(
            Users::Table.into_iden(),
            ts_null(Users::SessionsValidAfter),
        ))
        .await?;
        // The successor of a rotated refresh token, sealed with a key only
        // the rotated token's holder can derive (grace window).
        m.alter_table(add(
            RefreshTokens::Table.into_iden(),
            text_null(RefreshTokens::SuccessorSealed),
        ))
        .await?;
        m.alter_table(add(
            RefreshTokens::Table.into_iden(),
            ts_null(RefreshTokens::GraceUsedAt),
        ))
        .await?;
        m.alter_table(add(
            AuditEvents::Table.into_iden(),
            string_len_null(AuditEvents::ClientAddress, 64),
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(PasswordResets::Table)
                .col(id_col(PasswordResets::Id))
                .col(ref_col(PasswordResets::UserId))
                .col(string_len_uniq(PasswordResets::TokenHash, 64))
                .col(ts(PasswordResets::ExpiresAt))
                .col(ts_null(PasswordResets::UsedAt))
                .col(ts(PasswordResets::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PasswordResets::Table, PasswordResets::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_password_resets_user")
                .table(PasswordResets::Table)
                .col(PasswordResets::UserId)
                .to_owned(),
        )
        .await?;
        // One row per (purpose, address): when the last notice went out.
        m.create_table(
            Table::create()
                .table(NoticeThrottle::Table)
                .col(string_len(NoticeThrottle::Key, 300).primary_key())
                .col(ts(NoticeThrottle::SentAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NoticeThrottle::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(PasswordResets::Table).to_owned())
            .await?;
        let drop =
            |table: DynIden, col: DynIden| Table::alter().table(table).drop_column(col).to_owned();
        m.alter_table(drop(
            AuditEvents::Table.into_iden(),
            AuditEvents::ClientAddress.into_iden(),
        ))
        .await?;
        m.alter_table(drop(
            RefreshTokens::Table.into_iden(),
            RefreshTokens::GraceUsedAt.into_iden(),
        ))
        .await?;
        m.alter_table(drop(
            RefreshTokens::Table.into_iden(),
            RefreshTokens::SuccessorSealed.into_iden(),
        ))
        .await?;
        m.alter_table(drop(
            Users::Table.into_iden(),
            Users::SessionsValidAfter.into_iden(),
        ))
        .await?;
        m.alter_table(drop(
            EmailVerifications::Table.into_iden(),
            EmailVerifications::DisplayName.into_iden(),
        ))
        .await?;
        m.alter_table(drop(
            EmailVerifications::Table.into_iden(),
            EmailVerifications::PasswordHash.into_iden(),
        ))
        .await
    }
}

#[derive(DeriveIden)]
enum EmailVerifications {
    Table,
    PasswordHash,
    DisplayName,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    SessionsValidAfter,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    SuccessorSealed,
    GraceUsedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    ClientAddress,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NoticeThrottle {
    Table,
    Key,
    SentAt,
}
