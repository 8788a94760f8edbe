//! Connection setup for SQLite and PostgreSQL, and how the process copes
//! with PostgreSQL going away (see [`health`] and [`startup`]).
use std::time::Duration;

use peerhub_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
};

pub mod health;
pub mod startup;

pub use health::{DbHealth, PROBE_INTERVAL, RETRY_AFTER_SECS, health};
pub use startup::{ConnectCause, ConnectError};

pub type Db = DatabaseConnection;

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Upper bound on open connections (SQLite in-memory always uses 1).
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before it fails
    /// with 503. Short on purpose: during an outage a request should
    /// answer quickly instead of holding a worker.
    pub acquire_timeout: Duration,
    /// How long one attempt to open a connection may take.
    pub connect_timeout: Duration,
    /// How long start-up keeps retrying PostgreSQL while the cause is one
    /// waiting can fix (connection refused, server starting); other
    /// causes (bad host name, credentials, TLS) fail at once.
    pub startup_timeout: Duration,
}

/// The name existing callers use.
pub type PoolSettings = DbOptions;

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            // The server sizes the pool from its worker count
            // (`PEERHUB_DB_MAX_CONNECTIONS`); this is the same rule for one.
            max_connections: default_max_connections(1),
            acquire_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            startup_timeout: Duration::from_secs(30),
        }
    }
}

/// A connection idle at least this long is pinged before it is handed out
/// (one round trip after a quiet spell, none under load).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(60);

/// Opens a pool. SQLite connections each get foreign keys, WAL and a busy
/// timeout. For PostgreSQL it first checks the server is reachable
/// (retrying what waiting can fix for up to `startup_timeout`, failing at
/// once with the real cause otherwise), then opens a lazy pool and has
/// [`health`] watch it.
///
/// Connections are not pinged on every acquire (that costs a round trip
/// per request); a broken one surfaces as an "unavailable" error, which
/// marks the database down, and connections opened before the latest
/// outage are discarded unused when next handed out.
pub async fn connect(url: &str, pool: &DbOptions) -> Result<Db, DbErr> {
    let (opts, pg) = options(url, pool, pool.max_connections)?;
    let Some(pg) = pg else {
        return Database::connect(opts).await;
    };
    startup::wait_until_reachable(&pg, pool.connect_timeout, pool.startup_timeout).await?;
    let db = Database::connect(opts).await?;
    health().watch(pg, pool.connect_timeout);
    Ok(db)
}

/// Pools of their own for the HTTP workers, one per worker, for
/// PostgreSQL (`None` for SQLite, or for fewer than two workers).
///
/// Each actix worker runs its own single-threaded runtime, and a socket
/// belongs to the runtime that opened it: a worker that uses a connection
/// another worker opened is told its answer has arrived by that other
/// worker's thread, one more wake-up and context switch per statement. A
/// pool per worker keeps each connection on the thread that uses it
/// (docs/decisions.md, "One PostgreSQL pool per HTTP worker"). SQLite
/// connections answer from their own threads, so it keeps one pool.
///
/// `max_connections` is shared out: the pool [`connect`] opened (background
/// jobs, the admin listener) keeps [`shared_pool_size`], and each worker
/// gets [`worker_pool_size`]. The pools are lazy, like the shared one, and
/// use the same settings and outage handling.
pub async fn worker_pools(
    url: &str,
    pool: &DbOptions,
    workers: usize,
) -> Result<Option<Vec<Db>>, DbErr> {
    if workers < 2 || url.starts_with("sqlite:") {
        return Ok(None);
    }
    let size = worker_pool_size(pool.max_connections, workers);
    let mut pools = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (opts, _) = options(url, pool, size)?;
        pools.push(Database::connect(opts).await?);
    }
    Ok(Some(pools))
}

/// The default of `PEERHUB_DB_MAX_CONNECTIONS` for `workers` API workers:
/// 2 per worker and 2 for the shared pool (6 on 2 workers). Each busy
/// connection is a PostgreSQL backend wanting a CPU; with the database on
/// the same small machine, more of them than this made more reads wait
/// 100 ms to 1 s for one, for no more throughput (docs/decisions.md,
/// "How many database connections").
pub fn default_max_connections(workers: usize) -> u32 {
    let workers = u32::try_from(workers).unwrap_or(u32::MAX).max(1);
    workers.saturating_mul(2).saturating_add(2)
}

/// The size of the shared pool when the HTTP workers have pools of their
/// own: a fifth of `max_connections`, at least 2 (a background job and a
/// readiness check at once).
pub fn shared_pool_size(max_connections: u32) -> u32 {
    (max_connections / 5).max(2)
}

/// The size of each HTTP worker's pool: what the shared pool leaves of
/// `max_connections`, split evenly, at least 2 (a request may hold a
/// transaction while a helper reads on its own connection).
pub fn worker_pool_size(max_connections: u32, workers: usize) -> u32 {
    let workers = u32::try_from(workers).unwrap_or(u32::MAX).max(1);
    (max_connections.saturating_sub(shared_pool_size(max_connections)) / workers).max(2)
}

/// The options of a pool of up to `max_connections` for `url`, and, for
/// PostgreSQL, the server's connection options (for the start-up wait and
/// the health watch). SQLite connections each get foreign keys, WAL and a
/// busy timeout; PostgreSQL pools are lazy, go without TLS to this machine
/// unless told otherwise, and discard connections opened before the
/// latest outage.
fn options(
    url: &str,
    pool: &DbOptions,
    max_connections: u32,
) -> Result<(ConnectOptions, Option<PgConnectOptions>), DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    let is_sqlite = url.starts_with("sqlite:");
    let in_memory = is_sqlite && url.contains(":memory:");
    opts.max_connections(if in_memory { 1 } else { max_connections })
        .min_connections(0)
        .acquire_timeout(pool.acquire_timeout)
        .connect_timeout(pool.connect_timeout)
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
    if is_sqlite {
        return Ok((opts, None));
    }
    let pg: PgConnectOptions = url.parse().map_err(|e| {
        DbErr::Conn(sea_orm::RuntimeErr::Internal(format!(
            "the database URL does not parse: {e}"
        )))
    })?;
    let pg = if loopback_without_tls_choice(url, std::env::var_os("PGSSLMODE").is_some()) {
        opts.map_sqlx_postgres_opts(|o| o.ssl_mode(PgSslMode::Disable));
        pg.ssl_mode(PgSslMode::Disable)
    } else {
        pg
    };
    opts.connect_lazy(true)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .map_sqlx_postgres_before_acquire(|_conn, meta| {
            Box::pin(async move { Ok(!health().opened_before_last_outage(meta.age)) })
        });
    Ok((opts, Some(pg)))
}

/// Whether a PostgreSQL URL names this machine (a loopback address,
/// `localhost`, or a Unix socket directory) and leaves the TLS mode unset
/// (no `sslmode` in the URL, `pgsslmode_set` false). Such a connection is
/// made without TLS: the driver's default (`prefer`) would encrypt traffic
/// that never leaves the machine, at about a fifth of a simple read's cost
/// (docs/performance.md). Any `sslmode` the operator writes is obeyed.
pub fn loopback_without_tls_choice(url: &str, pgsslmode_set: bool) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    if pgsslmode_set || u.query_pairs().any(|(k, _)| k == "sslmode") {
        return false;
    }
    // A `host` parameter overrides the authority; a path there is a socket.
    let host = u
        .query_pairs()
        .find(|(k, _)| k == "host")
        .map(|(_, v)| v.into_owned());
    match host.as_deref() {
        Some(h) if h.starts_with('/') => true,
        Some(h) => is_loopback_name(h),
        None => match u.host() {
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            Some(url::Host::Domain(d)) => is_loopback_name(d),
            // No host: the driver's default, localhost.
            None => true,
        },
    }
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
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

#[cfg(test)]
mod tests {
    use super::loopback_without_tls_choice as plain;
    use super::{default_max_connections, shared_pool_size, worker_pool_size};

    #[test]
    fn the_default_maximum_is_two_per_worker_and_two_shared() {
        for workers in [1, 2, 4] {
            let max = default_max_connections(workers);
            assert_eq!(shared_pool_size(max), 2, "{workers} workers");
            assert_eq!(worker_pool_size(max, workers), 2, "{workers} workers");
        }
        assert_eq!(default_max_connections(2), 6);
        // No workers counts as one; no overflow.
        assert_eq!(default_max_connections(0), 4);
        assert_eq!(default_max_connections(usize::MAX), u32::MAX);
    }

    #[test]
    fn worker_pools_share_out_the_maximum() {
        // The default: 10 connections, 2 workers: 2 shared, 4 each.
        assert_eq!(shared_pool_size(10), 2);
        assert_eq!(worker_pool_size(10, 2), 4);
        assert_eq!(shared_pool_size(10) + 2 * worker_pool_size(10, 2), 10);
        assert_eq!(shared_pool_size(40), 8);
        assert_eq!(worker_pool_size(40, 4), 8);
        // Small maxima keep the floors: 2 shared, 2 per worker.
        assert_eq!(shared_pool_size(1), 2);
        assert_eq!(worker_pool_size(1, 2), 2);
        assert_eq!(worker_pool_size(5, 2), 2);
        assert_eq!(worker_pool_size(10, 16), 2);
        assert_eq!(worker_pool_size(10, 0), 8);
        assert_eq!(worker_pool_size(u32::MAX, usize::MAX), 2);
    }

    #[test]
    fn loopback_without_an_sslmode_goes_without_tls() {
        for url in [
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u@127.1.2.3/db",
            "postgres://u:p@localhost/db",
            "postgres://u@LOCALHOST/db",
            "postgres://u@[::1]:5432/db",
            "postgres:///db",
            "postgres:///db?host=/var/run/postgresql",
            "postgres://u@db.example.org/db?host=127.0.0.1",
        ] {
            assert!(plain(url, false), "{url}");
        }
    }

    #[test]
    fn any_tls_choice_or_another_host_keeps_the_driver_default() {
        for url in [
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@localhost/db?sslmode=prefer",
            "postgres://u@db.internal:5432/db",
            "postgres://u@10.0.0.5/db",
            "postgres://u@[2001:db8::1]/db",
            "postgres://u@localhost.example.org/db",
            "postgres://u@127.0.0.1/db?host=db.internal",
            "not a url",
        ] {
            assert!(!plain(url, false), "{url}");
        }
        // PGSSLMODE in the environment is a choice too.
        assert!(!plain("postgres://u@127.0.0.1/db", true));
    }
}
