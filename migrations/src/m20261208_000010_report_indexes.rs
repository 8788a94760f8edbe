//! Covering indexes for the governance report's aggregate queries
//! (docs/governance.md, "Download the governance report"; measured by
//! `make bench`, docs/decisions.md). Its heaviest query pairs every held
//! meeting with the members of its CoP at its start and looks up each
//! pair's answer: with these, the members, the answers and the network's
//! meetings are read from the indexes alone, in community order.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A network's meetings by community and start, with what the
        // report filters on.
        m.create_index(
            Index::create()
                .name("ix_meetings_report")
                .table(Meetings::Table)
                .col(Meetings::NetworkId)
                .col(Meetings::CommunityId)
                .col(Meetings::StartsAt)
                .col(Meetings::Status)
                .col(Meetings::Id)
                .to_owned(),
        )
        .await?;
        // Who was a member of a CoP at an instant (the invitees of a
        // meeting, `meetings::invitee_ids`).
        m.create_index(
            Index::create()
                .name("ix_community_members_span")
                .table(CommunityMembers::Table)
                .col(CommunityMembers::CommunityId)
                .col(CommunityMembers::JoinedAt)
                .col(CommunityMembers::EndedAt)
                .col(CommunityMembers::UserId)
                .to_owned(),
        )
        .await?;
        // An invitee's answer and attendance without reading the row.
        m.create_index(
            Index::create()
                .name("ix_meeting_responses_presence")
                .table(MeetingResponses::Table)
                .col(MeetingResponses::MeetingId)
                .col(MeetingResponses::UserId)
                .col(MeetingResponses::Attendance)
                .col(MeetingResponses::Rsvp)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_meeting_responses_presence")
                .table(MeetingResponses::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_community_members_span")
                .table(CommunityMembers::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_meetings_report")
                .table(Meetings::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    NetworkId,
    CommunityId,
    StartsAt,
    Status,
}

#[derive(DeriveIden)]
enum CommunityMembers {
    Table,
    CommunityId,
    UserId,
    JoinedAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum MeetingResponses {
    Table,
    MeetingId,
    UserId,
    Attendance,
    Rsvp,
}
