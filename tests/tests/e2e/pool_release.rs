//! The pool returns a connection without the upstream on-release ping when
//! nothing is waiting to be sent (`vendor/sqlx-core/PEERHUB.md`). The one
//! case the ping still covers: a transaction dropped without commit queues
//! its `ROLLBACK`, which must reach the server at once, not when the
//! connection is next used, or the transaction's locks stay held while the
//! connection idles in the pool. On SQLite the rollback is queued on the
//! connection's worker thread, and the connection must not be handed out
//! again before it has run (see the second test).
use std::time::{Duration, Instant};

use peerhub_persistence::db::{DbOptions, begin_write, connect};
use peerhub_persistence::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DbBackend, Statement, TransactionTrait,
};
use peerhub_tests::*;

/// The state of backend `pid` in `pg_stat_activity`, read on `watcher`.
async fn state_of(watcher: &peerhub_persistence::db::Db, pid: i32) -> Option<String> {
    watcher
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT state FROM pg_stat_activity WHERE pid = $1",
            [pid.into()],
        ))
        .await
        .unwrap()
        .and_then(|r| r.try_get::<Option<String>>("", "state").unwrap())
}

/// A pool of one connection to `url`, with the server's settings.
async fn one_connection_pool(url: &str) -> peerhub_persistence::db::Db {
    connect(
        url,
        &DbOptions {
            max_connections: 1,
            ..DbOptions::default()
        },
    )
    .await
    .unwrap()
}

/// The column `v` of the one row `sql` answers on `db`.
async fn value_of<T: peerhub_persistence::sea_orm::TryGetable>(
    db: &peerhub_persistence::db::Db,
    sql: &str,
) -> T {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "v")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_transaction_is_rolled_back_at_once_and_its_lock_released() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let url = app.config.database_url.clone();
    // A pool of its own (the server's background jobs use the app's pool and
    // would flush a queued rollback by using the connection).
    let pool = one_connection_pool(&url).await;
    let watcher = Database::connect(url.as_str()).await.unwrap();
    // A plain statement first: the connection goes back unpinged, idle.
    let pid: i32 = value_of(&pool, "SELECT pg_backend_pid() AS v").await;
    assert_eq!(state_of(&watcher, pid).await.as_deref(), Some("idle"));

    // A transaction that takes a lock and is dropped without commit.
    let txn = pool.begin().await.unwrap();
    txn.execute_unprepared("SELECT pg_advisory_xact_lock(424242)")
        .await
        .unwrap();
    assert_eq!(
        state_of(&watcher, pid).await.as_deref(),
        Some("idle in transaction")
    );
    drop(txn);

    // The rollback reaches the server without the pool's connection being
    // used again: the backend goes idle and the lock is free.
    let start = Instant::now();
    loop {
        let state = state_of(&watcher, pid).await;
        if state.as_deref() == Some("idle") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the dropped transaction is still open: backend {pid} is {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let free: bool = value_of(&watcher, "SELECT pg_try_advisory_xact_lock(424242) AS v").await;
    assert!(free, "the dropped transaction still holds its lock");
    app.finish().await;
}

/// On SQLite a transaction dropped without commit sends its `ROLLBACK` to
/// the connection's worker thread and returns; until the worker has run it,
/// the connection still counts one open transaction. sea-orm reads that
/// count to choose the next transaction's `BEGIN`: at one it issues a plain
/// `BEGIN` (deferred) instead of `BEGIN IMMEDIATE`. A deferred write
/// transaction that reads, then writes while another connection writes,
/// fails at once with "database is locked" (the busy timeout does not
/// apply to a lock upgrade), a 500. So the pool must not hand the
/// connection out before the rollback has run: the next `begin_write` must
/// hold the write lock from its first statement, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_dropped_sqlite_transaction_the_next_write_transaction_holds_the_write_lock() {
    let dir = std::env::temp_dir().join(format!("peerhub-pool-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/pool.db?mode=rwc", dir.display());
    let pool = one_connection_pool(&url).await;
    pool.execute_unprepared("CREATE TABLE t (v INTEGER)")
        .await
        .unwrap();
    // Another writer that gives up at once instead of waiting.
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(1)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
    let other = Database::connect(opts).await.unwrap();

    for round in 0..300 {
        let txn = begin_write(&pool).await.unwrap();
        txn.execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        drop(txn);
        let txn = begin_write(&pool).await.unwrap();
        let refused = other.execute_unprepared("BEGIN IMMEDIATE").await.is_err();
        if !refused {
            other.execute_unprepared("ROLLBACK").await.unwrap();
        }
        assert!(
            refused,
            "round {round}: the write transaction after a dropped one began deferred"
        );
        txn.commit().await.unwrap();
    }
    let kept: i64 = value_of(&pool, "SELECT COUNT(*) AS v FROM t").await;
    assert_eq!(kept, 0, "a dropped transaction's insert was kept");
    pool.close().await.ok();
    let _ = std::fs::remove_dir_all(&dir);
}
