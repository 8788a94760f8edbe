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
mod m20261208_000009_feedback;
mod m20261208_000010_report_indexes;
mod m20261208_000011_bulletin;
mod m20261208_000012_audit_indexes;
mod m20261208_000013_retention;
mod m20261209_000014_webhooks;

/// Every JSON column, as (table, column): `jsonb` on PostgreSQL. Those
/// converted by `m20261207_000007_json_columns`, then those created later
/// (already `jsonb`).
pub const JSON_COLUMNS: &[(&str, &str)] = &JSON_COLUMN_LIST;

const JSON_COLUMN_LIST: [(&str, &str);
    m20261207_000007_json_columns::JSON_COLUMNS.len()
        + m20261208_000009_feedback::JSON_COLUMNS.len()
        + m20261209_000014_webhooks::JSON_COLUMNS.len()] = concat(&[
    m20261207_000007_json_columns::JSON_COLUMNS,
    m20261208_000009_feedback::JSON_COLUMNS,
    m20261209_000014_webhooks::JSON_COLUMNS,
]);

/// The lists one after another (`N` must be their total length).
const fn concat<const N: usize>(
    lists: &[&[(&'static str, &'static str)]],
) -> [(&'static str, &'static str); N] {
    let mut out = [("", ""); N];
    let (mut i, mut n) = (0, 0);
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].len() {
            out[n] = lists[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "JSON_COLUMN_LIST has the wrong length");
    out
}

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
            Box::new(m20261208_000009_feedback::Migration),
            Box::new(m20261208_000010_report_indexes::Migration),
            Box::new(m20261208_000011_bulletin::Migration),
            Box::new(m20261208_000012_audit_indexes::Migration),
            Box::new(m20261208_000013_retention::Migration),
            Box::new(m20261209_000014_webhooks::Migration),
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
