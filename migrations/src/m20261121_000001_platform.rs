//! Platform tables: accounts, networks, tokens, invitations, audit trail,
//! outbox and idempotency keys.
use sea_orm_migration::{prelude::*, schema::*};

use crate::cols::{id_col, ref_col, ref_col_null, ts, ts_null};

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
                .table(Users::Table)
                .col(id_col(Users::Id))
                .col(string_len_uniq(Users::Email, 254))
                .col(string(Users::PasswordHash))
                .col(string_len(Users::DisplayName, 100))
                .col(string_len(Users::Status, 32))
                .col(boolean(Users::IsPlatformAdmin).default(false))
                .col(string_len_null(Users::JobTitle, 200))
                .col(string_len_null(Users::Organisation, 200))
                .col(string_len_null(Users::Region, 100))
                .col(string_len_null(Users::Profession, 64))
                .col(string_len_null(Users::Level, 32))
                .col(text(Users::Registers))
                .col(text(Users::Specialties))
                .col(text(Users::Interests))
                .col(text_null(Users::Sensitive))
                .col(integer(Users::Version).default(1))
                .col(ts(Users::CreatedAt))
                .col(ts(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Networks::Table)
                .col(id_col(Networks::Id))
                .col(string_len(Networks::Name, 200))
                .col(string_len_uniq(Networks::Slug, 64))
                .col(text_null(Networks::Description))
                .col(text(Networks::AllowedEmailDomains))
                .col(string_len_null(Networks::RequireRegisterToPropose, 200))
                .col(integer(Networks::Version).default(1))
                .col(ts(Networks::CreatedAt))
                .col(ts(Networks::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(NetworkMembers::Table)
                .col(id_col(NetworkMembers::Id))
                .col(ref_col(NetworkMembers::NetworkId))
                .col(ref_col(NetworkMembers::UserId))
                .col(string_len(NetworkMembers::Role, 32))
                .col(integer(NetworkMembers::Version).default(1))
                .col(ts(NetworkMembers::CreatedAt))
                .col(ts(NetworkMembers::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NetworkMembers::Table, NetworkMembers::NetworkId)
                        .to(Networks::Table, Networks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NetworkMembers::Table, NetworkMembers::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_network_members_network_user")
                .table(NetworkMembers::Table)
                .col(NetworkMembers::NetworkId)
                .col(NetworkMembers::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_network_members_user")
                .table(NetworkMembers::Table)
                .col(NetworkMembers::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(EmailVerifications::Table)
                .col(id_col(EmailVerifications::Id))
                .col(ref_col(EmailVerifications::UserId))
                .col(string_len_uniq(EmailVerifications::TokenHash, 64))
                .col(ts(EmailVerifications::ExpiresAt))
                .col(ts_null(EmailVerifications::UsedAt))
                .col(ts(EmailVerifications::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(EmailVerifications::Table, EmailVerifications::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(id_col(RefreshTokens::Id))
                .col(ref_col(RefreshTokens::UserId))
                .col(ref_col(RefreshTokens::FamilyId))
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(ts(RefreshTokens::ExpiresAt))
                .col(ts_null(RefreshTokens::RotatedAt))
                .col(ts_null(RefreshTokens::RevokedAt))
                .col(ts(RefreshTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginThrottle::Table)
                .col(string_len(LoginThrottle::Key, 254).primary_key())
                .col(integer(LoginThrottle::Failures))
                .col(ts(LoginThrottle::WindowStartedAt))
                .col(ts_null(LoginThrottle::LockedUntil))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(id_col(Invitations::Id))
                .col(ref_col(Invitations::NetworkId))
                .col(string_len(Invitations::Email, 254))
                .col(string_len(Invitations::Role, 32))
                .col(text(Invitations::CommunityIds))
                .col(string_len_uniq(Invitations::TokenHash, 64))
                .col(string_len(Invitations::Status, 32))
                .col(ts(Invitations::ExpiresAt))
                .col(ref_col(Invitations::CreatedBy))
                .col(ref_col_null(Invitations::AcceptedUserId))
                .col(ts_null(Invitations::AcceptedAt))
                .col(integer(Invitations::Version).default(1))
                .col(ts(Invitations::CreatedAt))
                .col(ts(Invitations::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Invitations::Table, Invitations::NetworkId)
                        .to(Networks::Table, Networks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Invitations::Table, Invitations::CreatedBy)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_invitations_network")
                .table(Invitations::Table)
                .col(Invitations::NetworkId)
                .col(Invitations::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(id_col(ApiTokens::Id))
                .col(ref_col(ApiTokens::UserId))
                .col(string_len(ApiTokens::Name, 100))
                .col(text(ApiTokens::Scopes))
                .col(string_len_uniq(ApiTokens::TokenHash, 64))
                .col(string_len(ApiTokens::TokenPrefix, 16))
                .col(ts_null(ApiTokens::ExpiresAt))
                .col(ts_null(ApiTokens::RevokedAt))
                .col(ts_null(ApiTokens::LastUsedAt))
                .col(ts(ApiTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiTokens::Table, ApiTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(id_col(AuditEvents::Id))
                .col(ts(AuditEvents::OccurredAt))
                .col(ref_col_null(AuditEvents::ActorId))
                .col(ref_col_null(AuditEvents::NetworkId))
                .col(string_len(AuditEvents::Action, 64))
                .col(string_len(AuditEvents::EntityType, 64))
                .col(string_len(AuditEvents::EntityId, 64))
                .col(text(AuditEvents::ChangedFields))
                .col(string_len_null(AuditEvents::RequestId, 128))
                .to_owned(),
        )
        .await?;
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
        .await?;

        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(id_col(Outbox::Id))
                .col(ts(Outbox::CreatedAt))
                .col(string_len(Outbox::Kind, 16))
                .col(string_len(Outbox::Topic, 64))
                .col(ref_col_null(Outbox::NetworkId))
                .col(string_len(Outbox::AggregateType, 64))
                .col(string_len(Outbox::AggregateId, 64))
                .col(string_len_null(Outbox::Recipient, 254))
                .col(text(Outbox::Payload))
                .col(string_len(Outbox::Status, 16))
                .col(integer(Outbox::Attempts).default(0))
                .col(ts(Outbox::AvailableAt))
                .col(ts_null(Outbox::SentAt))
                .col(text_null(Outbox::LastError))
                .col(string_len_null(Outbox::RequestId, 128))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_pending")
                .table(Outbox::Table)
                .col(Outbox::Status)
                .col(Outbox::AvailableAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(id_col(IdempotencyKeys::Id))
                .col(string_len_uniq(IdempotencyKeys::ScopeHash, 64))
                .col(string_len(IdempotencyKeys::RequestHash, 64))
                .col(string_len(IdempotencyKeys::Status, 16))
                .col(integer_null(IdempotencyKeys::ResponseStatus))
                .col(text_null(IdempotencyKeys::ResponseHeaders))
                .col(text_null(IdempotencyKeys::ResponseBody))
                .col(ts(IdempotencyKeys::CreatedAt))
                .col(ts(IdempotencyKeys::ExpiresAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            IdempotencyKeys::Table.into_iden(),
            Outbox::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Invitations::Table.into_iden(),
            LoginThrottle::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            EmailVerifications::Table.into_iden(),
            NetworkMembers::Table.into_iden(),
            Networks::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    DisplayName,
    Status,
    IsPlatformAdmin,
    JobTitle,
    Organisation,
    Region,
    Profession,
    Level,
    Registers,
    Specialties,
    Interests,
    Sensitive,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    Id,
    Name,
    Slug,
    Description,
    AllowedEmailDomains,
    RequireRegisterToPropose,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NetworkMembers {
    Table,
    Id,
    NetworkId,
    UserId,
    Role,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmailVerifications {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    NetworkId,
    Email,
    Role,
    CommunityIds,
    TokenHash,
    Status,
    ExpiresAt,
    CreatedBy,
    AcceptedUserId,
    AcceptedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    Scopes,
    TokenHash,
    TokenPrefix,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorId,
    NetworkId,
    Action,
    EntityType,
    EntityId,
    ChangedFields,
    RequestId,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    CreatedAt,
    Kind,
    Topic,
    NetworkId,
    AggregateType,
    AggregateId,
    Recipient,
    Payload,
    Status,
    Attempts,
    AvailableAt,
    SentAt,
    LastError,
    RequestId,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    ScopeHash,
    RequestHash,
    Status,
    ResponseStatus,
    ResponseHeaders,
    ResponseBody,
    CreatedAt,
    ExpiresAt,
}
