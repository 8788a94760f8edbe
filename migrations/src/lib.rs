//! PeerHub database migrations. Every migration is portable across SQLite and
//! PostgreSQL and runs inside a transaction on both.
pub use sea_orm_migration::prelude::*;

mod cols;
mod m20261121_000001_platform;
mod m20261121_000002_communities;
mod m20261121_000003_meetings;
mod m20261121_000004_profile_team;
mod m20261121_000005_matching;
mod m20261206_000006_account_security;
mod m20261207_000007_json_columns;
mod m20261207_000008_governance;

/// Every JSON column, as (table, column): `jsonb` on PostgreSQL.
pub use m20261207_000007_json_columns::JSON_COLUMNS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_platform::Migration),
            Box::new(m20261121_000002_communities::Migration),
            Box::new(m20261121_000003_meetings::Migration),
            Box::new(m20261121_000004_profile_team::Migration),
            Box::new(m20261121_000005_matching::Migration),
            Box::new(m20261206_000006_account_security::Migration),
            Box::new(m20261207_000007_json_columns::Migration),
            Box::new(m20261207_000008_governance::Migration),
        ]
    }
}

/// Names of all migrations, in order. Test harnesses use it to key
/// migrated template databases.
pub fn migration_names() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}
