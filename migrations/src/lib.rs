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
