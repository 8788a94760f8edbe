//! Matching: programmes, supporters, requests, runs, matches with their
//! sessions, private notes, feedback and safeguarding concerns, and
//! complaints about the process.
use sea_orm_migration::{prelude::*, schema::*};

use crate::cols::{id_col, ref_col, ref_col_null, ts, ts_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    from: impl IntoIden,
    col: impl IntoIden,
    to: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut ix = Index::create();
    ix.name(name).table(table);
    for c in cols {
        ix.col(c);
    }
    if unique {
        ix.unique();
    }
    m.create_index(ix.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Programmes::Table)
                .col(id_col(Programmes::Id))
                .col(ref_col(Programmes::NetworkId))
                .col(string_len(Programmes::Name, 200))
                .col(text_null(Programmes::Description))
                .col(string_len(Programmes::Kind, 16))
                .col(text(Programmes::Weights))
                .col(text(Programmes::Constraints))
                .col(integer(Programmes::ProposalDays))
                .col(ref_col_null(Programmes::SafeguardingLeadId))
                .col(integer(Programmes::Version).default(1))
                .col(ref_col_null(Programmes::CreatedBy))
                .col(ts(Programmes::CreatedAt))
                .col(ts(Programmes::UpdatedAt))
                .foreign_key(&mut fk(
                    Programmes::Table,
                    Programmes::NetworkId,
                    Networks::Table,
                    Networks::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_programmes_network",
            Programmes::Table,
            vec![Programmes::NetworkId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ProgrammeSupporters::Table)
                .col(id_col(ProgrammeSupporters::Id))
                .col(ref_col(ProgrammeSupporters::ProgrammeId))
                .col(ref_col(ProgrammeSupporters::UserId))
                .col(integer(ProgrammeSupporters::Capacity))
                .col(date_null(ProgrammeSupporters::TrainedOn))
                .col(ref_col_null(ProgrammeSupporters::SupervisorId))
                .col(string_len(ProgrammeSupporters::Status, 16))
                .col(integer(ProgrammeSupporters::Version).default(1))
                .col(ts(ProgrammeSupporters::CreatedAt))
                .col(ts(ProgrammeSupporters::UpdatedAt))
                .foreign_key(&mut fk(
                    ProgrammeSupporters::Table,
                    ProgrammeSupporters::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .foreign_key(&mut fk(
                    ProgrammeSupporters::Table,
                    ProgrammeSupporters::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_programme_supporters",
            ProgrammeSupporters::Table,
            vec![
                ProgrammeSupporters::ProgrammeId.into_iden(),
                ProgrammeSupporters::UserId.into_iden(),
            ],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MatchRequests::Table)
                .col(id_col(MatchRequests::Id))
                .col(ref_col(MatchRequests::ProgrammeId))
                .col(ref_col(MatchRequests::UserId))
                .col(text(MatchRequests::Preferences))
                .col(text_null(MatchRequests::Availability))
                .col(string_len(MatchRequests::Status, 16))
                // The user id while the request is open (waiting or
                // matched), NULL once withdrawn or closed: one open request
                // per person per programme, enforced by a unique index.
                .col(ref_col_null(MatchRequests::OpenUserId))
                .col(ts_null(MatchRequests::WithdrawnAt))
                .col(ts(MatchRequests::CreatedAt))
                .col(ts(MatchRequests::UpdatedAt))
                .foreign_key(&mut fk(
                    MatchRequests::Table,
                    MatchRequests::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .foreign_key(&mut fk(
                    MatchRequests::Table,
                    MatchRequests::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_match_requests_open",
            MatchRequests::Table,
            vec![
                MatchRequests::ProgrammeId.into_iden(),
                MatchRequests::OpenUserId.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            m,
            "ix_match_requests_user",
            MatchRequests::Table,
            vec![MatchRequests::UserId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MatchingRuns::Table)
                .col(id_col(MatchingRuns::Id))
                .col(ref_col(MatchingRuns::ProgrammeId))
                .col(boolean(MatchingRuns::DryRun))
                .col(integer(MatchingRuns::Requests))
                .col(integer(MatchingRuns::Supporters))
                .col(integer(MatchingRuns::Pairs))
                .col(integer(MatchingRuns::Unmatched))
                .col(big_integer(MatchingRuns::TotalScore))
                .col(big_integer(MatchingRuns::DurationMicros))
                .col(text(MatchingRuns::Result))
                .col(ref_col_null(MatchingRuns::CreatedBy))
                .col(ts(MatchingRuns::CreatedAt))
                .foreign_key(&mut fk(
                    MatchingRuns::Table,
                    MatchingRuns::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_matching_runs_programme",
            MatchingRuns::Table,
            vec![MatchingRuns::ProgrammeId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Matches::Table)
                .col(id_col(Matches::Id))
                .col(ref_col(Matches::ProgrammeId))
                .col(ref_col_null(Matches::RunId))
                // Mutual: the two requests. Supporter: the peer's request
                // and the supporter.
                .col(ref_col(Matches::RequestAId))
                .col(ref_col_null(Matches::RequestBId))
                .col(ref_col_null(Matches::SupporterId))
                // Supporter programmes: a = the peer, b = the supporter.
                .col(ref_col(Matches::UserAId))
                .col(ref_col(Matches::UserBId))
                .col(big_integer(Matches::Score))
                .col(text(Matches::Reasons))
                .col(string_len(Matches::Status, 16))
                .col(ts_null(Matches::AcceptedAAt))
                .col(ts_null(Matches::AcceptedBAt))
                .col(ts(Matches::ExpiresAt))
                .col(ts_null(Matches::ActivatedAt))
                .col(ref_col_null(Matches::DeclinedBy))
                .col(ts_null(Matches::DeclinedAt))
                .col(ref_col_null(Matches::EndedBy))
                .col(ts_null(Matches::EndedAt))
                .col(text_null(Matches::EndReason))
                .col(ref_col_null(Matches::CreatedBy))
                .col(integer(Matches::Version).default(1))
                .col(ts(Matches::CreatedAt))
                .col(ts(Matches::UpdatedAt))
                .foreign_key(&mut fk(
                    Matches::Table,
                    Matches::ProgrammeId,
                    Programmes::Table,
                    Programmes::Id,
                ))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_matches_programme", Matches::ProgrammeId),
            ("ix_matches_user_a", Matches::UserAId),
            ("ix_matches_user_b", Matches::UserBId),
            ("ix_matches_supporter", Matches::SupporterId),
        ] {
            index(m, name, Matches::Table, vec![col.into_iden()], false).await?;
        }

        m.create_table(
            Table::create()
                .table(MatchSessions::Table)
                .col(id_col(MatchSessions::Id))
                .col(ref_col(MatchSessions::MatchId))
                .col(date(MatchSessions::HeldOn))
                .col(integer(MatchSessions::DurationMinutes))
                .col(ref_col_null(MatchSessions::LoggedBy))
                .col(ts(MatchSessions::CreatedAt))
                .foreign_key(&mut fk(
                    MatchSessions::Table,
                    MatchSessions::MatchId,
                    Matches::Table,
                    Matches::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_match_sessions_match",
            MatchSessions::Table,
            vec![MatchSessions::MatchId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MatchNotes::Table)
                .col(id_col(MatchNotes::Id))
                .col(ref_col(MatchNotes::MatchId))
                .col(ref_col(MatchNotes::AuthorId))
                .col(text(MatchNotes::Body))
                .col(integer(MatchNotes::Version).default(1))
                .col(ts(MatchNotes::CreatedAt))
                .col(ts(MatchNotes::UpdatedAt))
                .foreign_key(&mut fk(
                    MatchNotes::Table,
                    MatchNotes::MatchId,
                    Matches::Table,
                    Matches::Id,
                ))
                .foreign_key(&mut fk(
                    MatchNotes::Table,
                    MatchNotes::AuthorId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_match_notes_author",
            MatchNotes::Table,
            vec![
                MatchNotes::AuthorId.into_iden(),
                MatchNotes::MatchId.into_iden(),
            ],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MatchFeedback::Table)
                .col(id_col(MatchFeedback::Id))
                .col(ref_col(MatchFeedback::MatchId))
                .col(ref_col(MatchFeedback::ProgrammeId))
                .col(ref_col(MatchFeedback::UserId))
                .col(integer(MatchFeedback::Overall))
                .col(integer(MatchFeedback::FeltSafe))
                .col(integer(MatchFeedback::Helpfulness))
                .col(boolean(MatchFeedback::WouldRecommend))
                .col(ts(MatchFeedback::CreatedAt))
                .foreign_key(&mut fk(
                    MatchFeedback::Table,
                    MatchFeedback::MatchId,
                    Matches::Table,
                    Matches::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_match_feedback",
            MatchFeedback::Table,
            vec![
                MatchFeedback::MatchId.into_iden(),
                MatchFeedback::UserId.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            m,
            "ix_match_feedback_programme",
            MatchFeedback::Table,
            vec![MatchFeedback::ProgrammeId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SafeguardingConcerns::Table)
                .col(id_col(SafeguardingConcerns::Id))
                .col(ref_col(SafeguardingConcerns::MatchId))
                .col(ref_col(SafeguardingConcerns::ProgrammeId))
                .col(ref_col(SafeguardingConcerns::NetworkId))
                .col(ref_col(SafeguardingConcerns::RaisedBy))
                .col(ref_col_null(SafeguardingConcerns::LeadId))
                .col(string_len(SafeguardingConcerns::Category, 32))
                .col(text(SafeguardingConcerns::Summary))
                .col(ts(SafeguardingConcerns::CreatedAt))
                .foreign_key(&mut fk(
                    SafeguardingConcerns::Table,
                    SafeguardingConcerns::MatchId,
                    Matches::Table,
                    Matches::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_safeguarding_concerns_programme",
            SafeguardingConcerns::Table,
            vec![SafeguardingConcerns::ProgrammeId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Complaints::Table)
                .col(id_col(Complaints::Id))
                .col(ref_col(Complaints::NetworkId))
                .col(ref_col(Complaints::ComplainantId))
                .col(ref_col_null(Complaints::MatchId))
                .col(ref_col_null(Complaints::SubjectUserId))
                .col(text(Complaints::Summary))
                .col(string_len(Complaints::Status, 16))
                .col(text_null(Complaints::Outcome))
                .col(ref_col_null(Complaints::HandledBy))
                .col(ts_null(Complaints::ClosedAt))
                .col(integer(Complaints::Version).default(1))
                .col(ts(Complaints::CreatedAt))
                .col(ts(Complaints::UpdatedAt))
                .foreign_key(&mut fk(
                    Complaints::Table,
                    Complaints::NetworkId,
                    Networks::Table,
                    Networks::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_complaints_network",
            Complaints::Table,
            vec![Complaints::NetworkId.into_iden()],
            false,
        )
        .await?;
        index(
            m,
            "ix_complaints_complainant",
            Complaints::Table,
            vec![Complaints::ComplainantId.into_iden()],
            false,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Complaints::Table.into_iden(),
            SafeguardingConcerns::Table.into_iden(),
            MatchFeedback::Table.into_iden(),
            MatchNotes::Table.into_iden(),
            MatchSessions::Table.into_iden(),
            Matches::Table.into_iden(),
            MatchingRuns::Table.into_iden(),
            MatchRequests::Table.into_iden(),
            ProgrammeSupporters::Table.into_iden(),
            Programmes::Table.into_iden(),
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
enum Programmes {
    Table,
    Id,
    NetworkId,
    Name,
    Description,
    Kind,
    Weights,
    Constraints,
    ProposalDays,
    SafeguardingLeadId,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProgrammeSupporters {
    Table,
    Id,
    ProgrammeId,
    UserId,
    Capacity,
    TrainedOn,
    SupervisorId,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MatchRequests {
    Table,
    Id,
    ProgrammeId,
    UserId,
    Preferences,
    Availability,
    Status,
    OpenUserId,
    WithdrawnAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MatchingRuns {
    Table,
    Id,
    ProgrammeId,
    DryRun,
    Requests,
    Supporters,
    Pairs,
    Unmatched,
    TotalScore,
    DurationMicros,
    Result,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Matches {
    Table,
    Id,
    ProgrammeId,
    RunId,
    RequestAId,
    RequestBId,
    SupporterId,
    UserAId,
    UserBId,
    Score,
    Reasons,
    Status,
    AcceptedAAt,
    AcceptedBAt,
    ExpiresAt,
    ActivatedAt,
    DeclinedBy,
    DeclinedAt,
    EndedBy,
    EndedAt,
    EndReason,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MatchSessions {
    Table,
    Id,
    MatchId,
    HeldOn,
    DurationMinutes,
    LoggedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MatchNotes {
    Table,
    Id,
    MatchId,
    AuthorId,
    Body,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MatchFeedback {
    Table,
    Id,
    MatchId,
    ProgrammeId,
    UserId,
    Overall,
    FeltSafe,
    Helpfulness,
    WouldRecommend,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SafeguardingConcerns {
    Table,
    Id,
    MatchId,
    ProgrammeId,
    NetworkId,
    RaisedBy,
    LeadId,
    Category,
    Summary,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    Id,
    NetworkId,
    ComplainantId,
    MatchId,
    SubjectUserId,
    Summary,
    Status,
    Outcome,
    HandledBy,
    ClosedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}
