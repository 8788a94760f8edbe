//! Communities of Practice: communities, Terms of Reference versions,
//! applications, memberships and community proposals.
use sea_orm_migration::{prelude::*, schema::*};

use crate::cols::{id_col, ref_col, ts, ts_null};

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
                .table(Communities::Table)
                .col(id_col(Communities::Id))
                .col(ref_col(Communities::NetworkId))
                .col(string_len(Communities::Name, 200))
                .col(text(Communities::Focus))
                .col(text(Communities::Audience))
                .col(string_len(Communities::OrganisedAround, 32))
                .col(string_len(Communities::Kind, 16))
                .col(integer(Communities::Capacity))
                .col(text_null(Communities::FeeNote))
                .col(integer(Communities::CadenceEvery))
                .col(string_len(Communities::CadenceUnit, 16))
                .col(integer(Communities::DurationMinutes))
                .col(string_len(Communities::DeliveryMode, 16))
                .col(string_len(Communities::Status, 16))
                .col(integer(Communities::Version).default(1))
                .col(ts(Communities::CreatedAt))
                .col(ts(Communities::UpdatedAt))
                .col(ts_null(Communities::ArchivedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Communities::Table, Communities::NetworkId)
                        .to(Networks::Table, Networks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_communities_network")
                .table(Communities::Table)
                .col(Communities::NetworkId)
                .col(Communities::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TermsVersions::Table)
                .col(id_col(TermsVersions::Id))
                .col(ref_col(TermsVersions::CommunityId))
                .col(integer(TermsVersions::Number))
                .col(string_len(TermsVersions::Status, 16))
                .col(text(TermsVersions::Purpose))
                .col(text(TermsVersions::Aims))
                .col(text(TermsVersions::Eligibility))
                .col(text(TermsVersions::MeetingArrangements))
                .col(text(TermsVersions::ChairingArrangements))
                .col(text(TermsVersions::NotesArrangements))
                .col(integer(TermsVersions::MaxSecretaries).default(1))
                .col(ref_col(TermsVersions::DraftedBy))
                .col(string_len_null(TermsVersions::ApprovedBy, 36))
                .col(ts_null(TermsVersions::ApprovedAt))
                .col(date_null(TermsVersions::ReviewDue))
                .col(ts(TermsVersions::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(TermsVersions::Table, TermsVersions::CommunityId)
                        .to(Communities::Table, Communities::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_terms_versions_number")
                .table(TermsVersions::Table)
                .col(TermsVersions::CommunityId)
                .col(TermsVersions::Number)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Applications::Table)
                .col(id_col(Applications::Id))
                .col(ref_col(Applications::CommunityId))
                .col(ref_col(Applications::NetworkId))
                .col(ref_col(Applications::UserId))
                .col(text_null(Applications::Statement))
                .col(string_len(Applications::Status, 16))
                .col(string_len(Applications::Verdict, 16))
                .col(text(Applications::Checks))
                .col(integer(Applications::TermsNumber))
                .col(string_len_null(Applications::DecidedBy, 36))
                .col(ts_null(Applications::DecidedAt))
                .col(text_null(Applications::DecisionReason))
                .col(text_null(Applications::OverrideReason))
                .col(ts_null(Applications::OfferExpiresAt))
                .col(integer(Applications::Version).default(1))
                .col(ts(Applications::CreatedAt))
                .col(ts(Applications::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Applications::Table, Applications::CommunityId)
                        .to(Communities::Table, Communities::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Applications::Table, Applications::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_applications_queue")
                .table(Applications::Table)
                .col(Applications::NetworkId)
                .col(Applications::Status)
                .col(Applications::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_applications_community")
                .table(Applications::Table)
                .col(Applications::CommunityId)
                .col(Applications::Status)
                .col(Applications::Id)
                .to_owned(),
        )
        .await?;
        // One open application per person and community (same SQL on both
        // databases: both support partial indexes).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_applications_open ON applications (community_id, user_id) \
                 WHERE status IN ('pending', 'waitlisted', 'offered')",
            )
            .await?;

        m.create_table(
            Table::create()
                .table(CommunityMembers::Table)
                .col(id_col(CommunityMembers::Id))
                .col(ref_col(CommunityMembers::CommunityId))
                .col(ref_col(CommunityMembers::NetworkId))
                .col(ref_col(CommunityMembers::UserId))
                .col(string_len(CommunityMembers::Role, 16))
                .col(string_len(CommunityMembers::Status, 16))
                .col(string_len_null(CommunityMembers::ApplicationId, 36))
                .col(ts(CommunityMembers::JoinedAt))
                .col(ts_null(CommunityMembers::EndedAt))
                .col(integer(CommunityMembers::Version).default(1))
                .col(ts(CommunityMembers::CreatedAt))
                .col(ts(CommunityMembers::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CommunityMembers::Table, CommunityMembers::CommunityId)
                        .to(Communities::Table, Communities::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CommunityMembers::Table, CommunityMembers::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_community_members_community")
                .table(CommunityMembers::Table)
                .col(CommunityMembers::CommunityId)
                .col(CommunityMembers::Status)
                .col(CommunityMembers::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_community_members_user")
                .table(CommunityMembers::Table)
                .col(CommunityMembers::UserId)
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_community_members_active ON community_members (community_id, user_id) \
                 WHERE status = 'active'",
            )
            .await?;

        m.create_table(
            Table::create()
                .table(CommunityProposals::Table)
                .col(id_col(CommunityProposals::Id))
                .col(ref_col(CommunityProposals::NetworkId))
                .col(ref_col(CommunityProposals::ProposedBy))
                .col(string_len(CommunityProposals::Name, 200))
                .col(text(CommunityProposals::Focus))
                .col(text(CommunityProposals::Audience))
                .col(text(CommunityProposals::Details))
                .col(string_len(CommunityProposals::Status, 16))
                .col(string_len_null(CommunityProposals::DecidedBy, 36))
                .col(ts_null(CommunityProposals::DecidedAt))
                .col(text_null(CommunityProposals::DecisionReason))
                .col(string_len_null(CommunityProposals::CommunityId, 36))
                .col(integer(CommunityProposals::Version).default(1))
                .col(ts(CommunityProposals::CreatedAt))
                .col(ts(CommunityProposals::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CommunityProposals::Table, CommunityProposals::NetworkId)
                        .to(Networks::Table, Networks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_community_proposals_network")
                .table(CommunityProposals::Table)
                .col(CommunityProposals::NetworkId)
                .col(CommunityProposals::Id)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            CommunityProposals::Table.into_iden(),
            CommunityMembers::Table.into_iden(),
            Applications::Table.into_iden(),
            TermsVersions::Table.into_iden(),
            Communities::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
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
enum Communities {
    Table,
    Id,
    NetworkId,
    Name,
    Focus,
    Audience,
    OrganisedAround,
    Kind,
    Capacity,
    FeeNote,
    CadenceEvery,
    CadenceUnit,
    DurationMinutes,
    DeliveryMode,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum TermsVersions {
    Table,
    Id,
    CommunityId,
    Number,
    Status,
    Purpose,
    Aims,
    Eligibility,
    MeetingArrangements,
    ChairingArrangements,
    NotesArrangements,
    MaxSecretaries,
    DraftedBy,
    ApprovedBy,
    ApprovedAt,
    ReviewDue,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    CommunityId,
    NetworkId,
    UserId,
    Statement,
    Status,
    Verdict,
    Checks,
    TermsNumber,
    DecidedBy,
    DecidedAt,
    DecisionReason,
    OverrideReason,
    OfferExpiresAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CommunityMembers {
    Table,
    Id,
    CommunityId,
    NetworkId,
    UserId,
    Role,
    Status,
    ApplicationId,
    JoinedAt,
    EndedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CommunityProposals {
    Table,
    Id,
    NetworkId,
    ProposedBy,
    Name,
    Focus,
    Audience,
    Details,
    Status,
    DecidedBy,
    DecidedAt,
    DecisionReason,
    CommunityId,
    Version,
    CreatedAt,
    UpdatedAt,
}
