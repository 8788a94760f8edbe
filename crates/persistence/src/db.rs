//! Connection setup for SQLite and PostgreSQL.
use std::time::Duration;

use peerhub_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
};

pub type Db = DatabaseConnection;

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// Opens a pool. SQLite connections each get foreign keys, WAL and a busy
/// timeout; the pool is lazy so the server can start (and report not-ready)
/// while PostgreSQL is down.
pub async fn connect(url: &str, pool: &PoolSettings) -> Result<Db, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    let is_sqlite = url.starts_with("sqlite:");
    let in_memory = is_sqlite && url.contains(":memory:");
    opts.max_connections(if in_memory { 1 } else { pool.max_connections })
        .min_connections(0)
        .acquire_timeout(pool.acquire_timeout)
        .connect_timeout(Duration::from_secs(3))
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(true)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
    if !is_sqlite {
        opts.connect_lazy(true);
    }
    let db = Database::connect(opts).await?;
    Ok(db)
}

/// Runs every pending migration. On PostgreSQL a transaction-scoped
/// advisory lock makes nodes that start together take turns (the second
/// finds nothing left to do).
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    if !is_postgres(db)
        || db
            .get_postgres_connection_pool()
            .options()
            .get_max_connections()
            < 2
    {
        return Migrator::up(db, None).await;
    }
    use sea_orm::TransactionTrait;
    let lock = db.begin().await?;
    lock.execute_unprepared("SELECT pg_advisory_xact_lock(7270001)")
        .await?;
    let result = Migrator::up(db, None).await;
    lock.commit().await?;
    result
}

/// `SELECT 1`, used by readiness checks.
pub async fn ping(db: &Db) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// Pool gauges: (open connections, idle connections).
pub fn pool_stats(db: &Db) -> (u32, u32) {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle() as u32)
        }
        DatabaseBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle() as u32)
        }
        _ => (0, 0),
    }
}

pub fn is_postgres(db: &Db) -> bool {
    db.get_database_backend() == DatabaseBackend::Postgres
}

/// Begins a transaction that will write. On SQLite it starts `IMMEDIATE`,
/// taking the write lock up front (waiting up to the busy timeout) instead
/// of failing with "database is locked" when a read later upgrades to a
/// write. On PostgreSQL it is a plain transaction; stores lock the rows
/// their rules depend on with `SELECT … FOR UPDATE` (`lock_exclusive`,
/// which SQLite ignores: its single writer already serialises them).
pub async fn begin_write(db: &Db) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
