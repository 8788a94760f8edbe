//! Post-meeting feedback (the "Triple A": advise, assure, alert) and the
//! escalations raised from it (docs/governance.md), and each network's
//! `escalation_overdue_days`.
//!
//! `feedback_forms.outputs` is a JSON column, created `jsonb` on
//! PostgreSQL (and JSON text on SQLite) from the start; it is listed in
//! [`JSON_COLUMNS`].
use sea_orm_migration::{prelude::*, schema::*};

use crate::cols::*;

/// The JSON columns this migration creates, as (table, column).
pub const JSON_COLUMNS: &[(&str, &str)] = &[("feedback_forms", "outputs")];

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut ix = Index::create();
    ix.name(name).table(table);
    for c in cols {
        ix.col(Alias::new(*c));
    }
    if unique {
        ix.unique();
    }
    m.create_index(ix.to_owned()).await
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Networks::Table)
                .add_column(integer(Networks::EscalationOverdueDays).default(30))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FeedbackForms::Table)
                .col(id_col(FeedbackForms::Id))
                .col(ref_col(FeedbackForms::NetworkId))
                .col(ref_col(FeedbackForms::CommunityId))
                .col(ref_col(FeedbackForms::MeetingId))
                .col(ref_col(FeedbackForms::AuthorId))
                .col(text(FeedbackForms::ContentSummary))
                .col(json_binary(FeedbackForms::Outputs))
                .col(integer(FeedbackForms::Version).default(1))
                .col(ts(FeedbackForms::CreatedAt))
                .col(ts(FeedbackForms::UpdatedAt))
                .foreign_key(&mut fk(
                    (FeedbackForms::Table, FeedbackForms::NetworkId),
                    (Networks::Table, Networks::Id),
                ))
                .foreign_key(&mut fk(
                    (FeedbackForms::Table, FeedbackForms::CommunityId),
                    (Communities::Table, Communities::Id),
                ))
                .foreign_key(&mut fk(
                    (FeedbackForms::Table, FeedbackForms::MeetingId),
                    (Meetings::Table, Meetings::Id),
                ))
                .to_owned(),
        )
        .await?;
        // One form per meeting: the index decides a parallel burst.
        index(
            m,
            "ux_feedback_forms_meeting",
            FeedbackForms::Table,
            &["meeting_id"],
            true,
        )
        .await?;
        index(
            m,
            "ix_feedback_forms_network_created",
            FeedbackForms::Table,
            &["network_id", "created_at"],
            false,
        )
        .await?;
        index(
            m,
            "ix_feedback_forms_community",
            FeedbackForms::Table,
            &["community_id"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(FeedbackPoints::Table)
                .col(id_col(FeedbackPoints::Id))
                .col(ref_col(FeedbackPoints::FormId))
                .col(ref_col(FeedbackPoints::NetworkId))
                .col(ref_col(FeedbackPoints::CommunityId))
                .col(ref_col(FeedbackPoints::MeetingId))
                .col(integer(FeedbackPoints::Position))
                .col(string_len(FeedbackPoints::Kind, 20))
                .col(string_len(FeedbackPoints::Nature, 20))
                .col(text(FeedbackPoints::Text))
                .col(ts(FeedbackPoints::CreatedAt))
                .foreign_key(&mut fk(
                    (FeedbackPoints::Table, FeedbackPoints::FormId),
                    (FeedbackForms::Table, FeedbackForms::Id),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_feedback_points_form",
            FeedbackPoints::Table,
            &["form_id", "position"],
            false,
        )
        .await?;
        index(
            m,
            "ix_feedback_points_network_kind",
            FeedbackPoints::Table,
            &["network_id", "kind", "nature"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Escalations::Table)
                .col(id_col(Escalations::Id))
                .col(ref_col(Escalations::NetworkId))
                .col(ref_col(Escalations::CommunityId))
                .col(ref_col(Escalations::MeetingId))
                .col(ref_col(Escalations::FeedbackPointId))
                .col(string_len(Escalations::Kind, 20))
                .col(string_len(Escalations::Nature, 20))
                .col(string_len(Escalations::Status, 20))
                .col(string_len_null(Escalations::RoutedTo, 50))
                .col(ts(Escalations::RaisedAt))
                .col(ts_null(Escalations::ClosedAt))
                .col(integer(Escalations::Version).default(1))
                .col(ts(Escalations::CreatedAt))
                .col(ts(Escalations::UpdatedAt))
                .foreign_key(&mut fk(
                    (Escalations::Table, Escalations::NetworkId),
                    (Networks::Table, Networks::Id),
                ))
                .foreign_key(&mut fk(
                    (Escalations::Table, Escalations::FeedbackPointId),
                    (FeedbackPoints::Table, FeedbackPoints::Id),
                ))
                .to_owned(),
        )
        .await?;
        // One escalation per point: the index decides a parallel burst.
        index(
            m,
            "ux_escalations_point",
            Escalations::Table,
            &["feedback_point_id"],
            true,
        )
        .await?;
        index(
            m,
            "ix_escalations_network_created",
            Escalations::Table,
            &["network_id", "created_at"],
            false,
        )
        .await?;
        index(
            m,
            "ix_escalations_community",
            Escalations::Table,
            &["community_id"],
            false,
        )
        .await?;
        index(
            m,
            "ix_escalations_network_status",
            Escalations::Table,
            &["network_id", "status"],
            false,
        )
        .await?;
        index(
            m,
            "ix_escalations_network_routed_to",
            Escalations::Table,
            &["network_id", "routed_to"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(EscalationTransitions::Table)
                .col(id_col(EscalationTransitions::Id))
                .col(ref_col(EscalationTransitions::EscalationId))
                .col(ref_col(EscalationTransitions::NetworkId))
                .col(string_len_null(EscalationTransitions::FromStatus, 20))
                .col(string_len(EscalationTransitions::ToStatus, 20))
                .col(string_len_null(EscalationTransitions::RoutedTo, 50))
                .col(text_null(EscalationTransitions::Note))
                .col(ref_col_null(EscalationTransitions::ActorId))
                .col(ts(EscalationTransitions::At))
                .foreign_key(&mut fk(
                    (
                        EscalationTransitions::Table,
                        EscalationTransitions::EscalationId,
                    ),
                    (Escalations::Table, Escalations::Id),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_escalation_transitions_escalation",
            EscalationTransitions::Table,
            &["escalation_id", "at"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            EscalationTransitions::Table.into_iden(),
            Escalations::Table.into_iden(),
            FeedbackPoints::Table.into_iden(),
            FeedbackForms::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Networks::Table)
                .drop_column(Networks::EscalationOverdueDays)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    Id,
    EscalationOverdueDays,
}

#[derive(DeriveIden)]
enum Communities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FeedbackForms {
    Table,
    Id,
    NetworkId,
    CommunityId,
    MeetingId,
    AuthorId,
    ContentSummary,
    Outputs,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FeedbackPoints {
    Table,
    Id,
    FormId,
    NetworkId,
    CommunityId,
    MeetingId,
    Position,
    Kind,
    Nature,
    Text,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Id,
    NetworkId,
    CommunityId,
    MeetingId,
    FeedbackPointId,
    Kind,
    Nature,
    Status,
    RoutedTo,
    RaisedAt,
    ClosedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EscalationTransitions {
    Table,
    Id,
    EscalationId,
    NetworkId,
    FromStatus,
    ToStatus,
    RoutedTo,
    Note,
    ActorId,
    At,
}
