//! Typed JSON columns: every column that holds JSON becomes `jsonb` on
//! PostgreSQL, converted in place (`USING col::jsonb`). A stored value
//! that is not JSON makes the cast, and so the whole migration, fail and
//! roll back: nothing is guessed or dropped. SQLite keeps the TEXT columns
//! (sea-orm reads JSON from them) and gets the same check: the migration
//! fails if any stored value is not valid JSON (docs/decisions.md, "Typed
//! JSON columns").
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Every JSON column, as (table, column).
pub const JSON_COLUMNS: &[(&str, &str)] = &[
    ("users", "registers"),
    ("users", "specialties"),
    ("users", "interests"),
    ("users", "sensitive"),
    ("networks", "allowed_email_domains"),
    ("invitations", "community_ids"),
    ("api_tokens", "scopes"),
    ("terms_versions", "aims"),
    ("terms_versions", "eligibility"),
    ("applications", "checks"),
    ("community_proposals", "details"),
    ("meetings", "agenda"),
    ("minutes", "content"),
    ("minutes_revisions", "content"),
    ("programmes", "weights"),
    ("programmes", "constraints"),
    ("match_requests", "preferences"),
    ("matches", "reasons"),
    ("matching_runs", "result"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                for (table, col) in JSON_COLUMNS {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{table}\" ALTER COLUMN \"{col}\" TYPE jsonb USING \"{col}\"::jsonb"
                    ))
                    .await?;
                }
            }
            DbBackend::Sqlite => {
                for (table, col) in JSON_COLUMNS {
                    let row = db
                        .query_one_raw(Statement::from_string(
                            DbBackend::Sqlite,
                            format!(
                                "SELECT id FROM \"{table}\" WHERE \"{col}\" IS NOT NULL AND NOT json_valid(\"{col}\") LIMIT 1"
                            ),
                        ))
                        .await?;
                    if let Some(row) = row {
                        let id: String = row.try_get_by_index(0)?;
                        return Err(DbErr::Migration(format!(
                            "{table}.{col} of {id} is not JSON; fix it and migrate again"
                        )));
                    }
                }
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "JSON columns: unsupported database {other:?}"
                )));
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            for (table, col) in JSON_COLUMNS {
                db.execute_unprepared(&format!(
                    "ALTER TABLE \"{table}\" ALTER COLUMN \"{col}\" TYPE text USING \"{col}\"::text"
                ))
                .await?;
            }
        }
        Ok(())
    }
}
