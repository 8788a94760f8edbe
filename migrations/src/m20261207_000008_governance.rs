//! Governance reporting (docs/governance.md): each network's governance
//! bodies; every existing network gets the five default ones.
use sea_orm_migration::sea_orm::prelude::DateTimeUtc;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::{prelude::*, schema::*};

use crate::cols::*;

/// The bodies every network starts with, as (key, name); the same list as
/// `peerhub_domain::governance::bodies::DEFAULT_BODIES`.
const DEFAULT_BODIES: [(&str, &str); 5] = [
    ("network_chair", "Network chair"),
    ("workforce_council", "Workforce council"),
    (
        "cppo_community",
        "Chief psychological professions officers' CoP",
    ),
    ("regional_leads", "Regional leads group"),
    (
        "national_workforce",
        "National workforce, training and education directorate",
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A body is named by its key within its network. Removed bodies
        // keep their row (`removed`) so the list version never goes back.
        m.create_table(
            Table::create()
                .table(GovernanceBodies::Table)
                .col(ref_col(GovernanceBodies::NetworkId))
                .col(string_len(GovernanceBodies::Key, 50))
                .col(integer(GovernanceBodies::Position))
                .col(string_len(GovernanceBodies::Name, 400))
                .col(string_len_null(GovernanceBodies::ContactEmail, 320))
                .col(boolean(GovernanceBodies::Retired).default(false))
                .col(boolean(GovernanceBodies::Removed).default(false))
                .col(integer(GovernanceBodies::ListVersion).default(1))
                .col(ts(GovernanceBodies::CreatedAt))
                .col(ts(GovernanceBodies::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(GovernanceBodies::NetworkId)
                        .col(GovernanceBodies::Key),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(GovernanceBodies::Table, GovernanceBodies::NetworkId)
                        .to(Networks::Table, Networks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        let db = m.get_connection();
        let backend = db.get_database_backend();
        let select = Query::select()
            .column(Networks::Id)
            .from(Networks::Table)
            .to_owned();
        let rows = db.query_all_raw(backend.build(&select)).await?;
        let now: DateTimeUtc = chrono_now();
        for row in rows {
            let network_id: String = row.try_get("", "id")?;
            for (i, (key, name)) in DEFAULT_BODIES.iter().enumerate() {
                let insert = Query::insert()
                    .into_table(GovernanceBodies::Table)
                    .columns([
                        GovernanceBodies::NetworkId,
                        GovernanceBodies::Key,
                        GovernanceBodies::Position,
                        GovernanceBodies::Name,
                        GovernanceBodies::Retired,
                        GovernanceBodies::Removed,
                        GovernanceBodies::ListVersion,
                        GovernanceBodies::CreatedAt,
                        GovernanceBodies::UpdatedAt,
                    ])
                    .values([
                        network_id.clone().into(),
                        (*key).into(),
                        (i as i32).into(),
                        (*name).into(),
                        false.into(),
                        false.into(),
                        1.into(),
                        now.into(),
                        now.into(),
                    ])
                    .map_err(|e| DbErr::Custom(e.to_string()))?
                    .to_owned();
                let stmt: Statement = backend.build(&insert);
                db.execute_raw(stmt).await?;
            }
        }

        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(GovernanceBodies::Table).to_owned())
            .await
    }
}

/// Now, for the seeded rows.
fn chrono_now() -> DateTimeUtc {
    DateTimeUtc::from(std::time::SystemTime::now())
}

#[derive(DeriveIden)]
enum Networks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum GovernanceBodies {
    Table,
    NetworkId,
    Key,
    Position,
    Name,
    ContactEmail,
    Retired,
    Removed,
    ListVersion,
    CreatedAt,
    UpdatedAt,
}
