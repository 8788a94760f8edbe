//! Meetings: series, meetings, RSVPs and attendance, minutes with their
//! approved revisions, actions, and personal calendar-feed secrets.
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
) -> Result<(), DbErr> {
    let mut ix = Index::create();
    ix.name(name).table(table);
    for c in cols {
        ix.col(c);
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
                .table(MeetingSeries::Table)
                .col(id_col(MeetingSeries::Id))
                .col(ref_col(MeetingSeries::CommunityId))
                .col(ref_col(MeetingSeries::NetworkId))
                .col(string_len(MeetingSeries::Timezone, 64))
                .col(string_len(MeetingSeries::FirstStartsAtLocal, 19))
                .col(integer(MeetingSeries::CadenceEvery))
                .col(string_len(MeetingSeries::CadenceUnit, 16))
                .col(integer(MeetingSeries::Occurrences))
                .col(string_len(MeetingSeries::Status, 16))
                .col(text_null(MeetingSeries::CancelReason))
                .col(ts_null(MeetingSeries::CancelledAt))
                .col(ref_col_null(MeetingSeries::CreatedBy))
                .col(ts(MeetingSeries::CreatedAt))
                .foreign_key(&mut fk(
                    MeetingSeries::Table,
                    MeetingSeries::CommunityId,
                    Communities::Table,
                    Communities::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_meeting_series_community",
            MeetingSeries::Table,
            vec![MeetingSeries::CommunityId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Meetings::Table)
                .col(id_col(Meetings::Id))
                .col(ref_col(Meetings::CommunityId))
                .col(ref_col(Meetings::NetworkId))
                .col(ref_col_null(Meetings::SeriesId))
                .col(string_len(Meetings::Title, 200))
                .col(ts(Meetings::StartsAt))
                .col(ts(Meetings::EndsAt))
                .col(string_len(Meetings::StartsAtLocal, 19))
                .col(string_len(Meetings::Timezone, 64))
                .col(integer(Meetings::DurationMinutes))
                .col(string_len(Meetings::Mode, 16))
                .col(text_null(Meetings::Location))
                .col(text_null(Meetings::JoinUrl))
                .col(text(Meetings::Agenda))
                .col(string_len(Meetings::Status, 16))
                .col(text_null(Meetings::CancelReason))
                .col(ts_null(Meetings::CancelledAt))
                .col(integer(Meetings::Sequence).default(0))
                .col(integer(Meetings::Version).default(1))
                .col(ref_col_null(Meetings::CreatedBy))
                .col(ts(Meetings::CreatedAt))
                .col(ts(Meetings::UpdatedAt))
                .foreign_key(&mut fk(
                    Meetings::Table,
                    Meetings::CommunityId,
                    Communities::Table,
                    Communities::Id,
                ))
                .foreign_key(&mut fk(
                    Meetings::Table,
                    Meetings::SeriesId,
                    MeetingSeries::Table,
                    MeetingSeries::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_meetings_community_start",
            Meetings::Table,
            vec![
                Meetings::CommunityId.into_iden(),
                Meetings::StartsAt.into_iden(),
                Meetings::Id.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_meetings_start",
            Meetings::Table,
            vec![Meetings::StartsAt.into_iden(), Meetings::Id.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_meetings_series",
            Meetings::Table,
            vec![Meetings::SeriesId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MeetingResponses::Table)
                .col(id_col(MeetingResponses::Id))
                .col(ref_col(MeetingResponses::MeetingId))
                .col(ref_col(MeetingResponses::UserId))
                .col(string_len_null(MeetingResponses::Rsvp, 16))
                .col(ts_null(MeetingResponses::RsvpAt))
                .col(string_len_null(MeetingResponses::Attendance, 16))
                .col(ref_col_null(MeetingResponses::AttendanceBy))
                .col(ts_null(MeetingResponses::AttendanceAt))
                .col(ts(MeetingResponses::CreatedAt))
                .col(ts(MeetingResponses::UpdatedAt))
                .foreign_key(&mut fk(
                    MeetingResponses::Table,
                    MeetingResponses::MeetingId,
                    Meetings::Table,
                    Meetings::Id,
                ))
                .foreign_key(&mut fk(
                    MeetingResponses::Table,
                    MeetingResponses::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_meeting_responses")
                .table(MeetingResponses::Table)
                .col(MeetingResponses::MeetingId)
                .col(MeetingResponses::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_meeting_responses_user",
            MeetingResponses::Table,
            vec![MeetingResponses::UserId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Minutes::Table)
                .col(id_col(Minutes::Id))
                .col(ref_col(Minutes::MeetingId))
                .col(ref_col(Minutes::CommunityId))
                .col(ref_col(Minutes::NetworkId))
                .col(string_len(Minutes::Status, 16))
                .col(integer(Minutes::Revision))
                .col(text(Minutes::Content))
                .col(ref_col_null(Minutes::DraftedBy))
                .col(ref_col_null(Minutes::SubmittedBy))
                .col(ts_null(Minutes::SubmittedAt))
                .col(integer_null(Minutes::PublishedRevision))
                .col(integer(Minutes::Version).default(1))
                .col(ts(Minutes::CreatedAt))
                .col(ts(Minutes::UpdatedAt))
                .foreign_key(&mut fk(
                    Minutes::Table,
                    Minutes::MeetingId,
                    Meetings::Table,
                    Meetings::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_minutes_meeting")
                .table(Minutes::Table)
                .col(Minutes::MeetingId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MinutesRevisions::Table)
                .col(id_col(MinutesRevisions::Id))
                .col(ref_col(MinutesRevisions::MeetingId))
                .col(integer(MinutesRevisions::Revision))
                .col(text(MinutesRevisions::Content))
                .col(ref_col_null(MinutesRevisions::SubmittedBy))
                .col(ref_col_null(MinutesRevisions::ApprovedBy))
                .col(ts(MinutesRevisions::ApprovedAt))
                .foreign_key(&mut fk(
                    MinutesRevisions::Table,
                    MinutesRevisions::MeetingId,
                    Meetings::Table,
                    Meetings::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_minutes_revisions")
                .table(MinutesRevisions::Table)
                .col(MinutesRevisions::MeetingId)
                .col(MinutesRevisions::Revision)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Actions::Table)
                .col(id_col(Actions::Id))
                .col(ref_col(Actions::CommunityId))
                .col(ref_col(Actions::NetworkId))
                .col(ref_col(Actions::MeetingId))
                .col(text(Actions::Description))
                .col(ref_col(Actions::OwnerId))
                .col(date(Actions::DueOn))
                .col(string_len(Actions::Status, 16))
                .col(ts_null(Actions::DoneAt))
                .col(ref_col_null(Actions::DoneBy))
                .col(integer(Actions::Version).default(1))
                .col(ts(Actions::CreatedAt))
                .col(ts(Actions::UpdatedAt))
                .foreign_key(&mut fk(
                    Actions::Table,
                    Actions::MeetingId,
                    Meetings::Table,
                    Meetings::Id,
                ))
                .foreign_key(&mut fk(
                    Actions::Table,
                    Actions::OwnerId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_actions_community",
            Actions::Table,
            vec![
                Actions::CommunityId.into_iden(),
                Actions::Status.into_iden(),
            ],
        )
        .await?;
        index(
            m,
            "ix_actions_owner",
            Actions::Table,
            vec![Actions::OwnerId.into_iden(), Actions::Status.into_iden()],
        )
        .await?;
        index(
            m,
            "ix_actions_meeting",
            Actions::Table,
            vec![Actions::MeetingId.into_iden()],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CalendarFeeds::Table)
                .col(id_col(CalendarFeeds::Id))
                .col(ref_col(CalendarFeeds::UserId))
                .col(string_len(CalendarFeeds::SecretHash, 64))
                .col(ts(CalendarFeeds::CreatedAt))
                .foreign_key(&mut fk(
                    CalendarFeeds::Table,
                    CalendarFeeds::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_calendar_feeds_user")
                .table(CalendarFeeds::Table)
                .col(CalendarFeeds::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_calendar_feeds_secret")
                .table(CalendarFeeds::Table)
                .col(CalendarFeeds::SecretHash)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            CalendarFeeds::Table.into_iden(),
            Actions::Table.into_iden(),
            MinutesRevisions::Table.into_iden(),
            Minutes::Table.into_iden(),
            MeetingResponses::Table.into_iden(),
            Meetings::Table.into_iden(),
            MeetingSeries::Table.into_iden(),
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
}

#[derive(DeriveIden)]
enum Communities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MeetingSeries {
    Table,
    Id,
    CommunityId,
    NetworkId,
    Timezone,
    FirstStartsAtLocal,
    CadenceEvery,
    CadenceUnit,
    Occurrences,
    Status,
    CancelReason,
    CancelledAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    CommunityId,
    NetworkId,
    SeriesId,
    Title,
    StartsAt,
    EndsAt,
    StartsAtLocal,
    Timezone,
    DurationMinutes,
    Mode,
    Location,
    JoinUrl,
    Agenda,
    Status,
    CancelReason,
    CancelledAt,
    Sequence,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeetingResponses {
    Table,
    Id,
    MeetingId,
    UserId,
    Rsvp,
    RsvpAt,
    Attendance,
    AttendanceBy,
    AttendanceAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Minutes {
    Table,
    Id,
    MeetingId,
    CommunityId,
    NetworkId,
    Status,
    Revision,
    Content,
    DraftedBy,
    SubmittedBy,
    SubmittedAt,
    PublishedRevision,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MinutesRevisions {
    Table,
    Id,
    MeetingId,
    Revision,
    Content,
    SubmittedBy,
    ApprovedBy,
    ApprovedAt,
}

#[derive(DeriveIden)]
enum Actions {
    Table,
    Id,
    CommunityId,
    NetworkId,
    MeetingId,
    Description,
    OwnerId,
    DueOn,
    Status,
    DoneAt,
    DoneBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    Id,
    UserId,
    SecretHash,
    CreatedAt,
}
