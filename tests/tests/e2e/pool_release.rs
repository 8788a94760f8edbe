//! The pool returns a connection without the upstream on-release ping when
//! nothing is waiting to be sent (`vendor/sqlx-core/PEERHUB.md`). The one
//! case the ping still covers: a transaction dropped without commit queues
//! its `ROLLBACK`, which must reach the server at once, not when the
//! connection is next used, or the transaction's locks stay held while the
//! connection idles in the pool.
use std::time::{Duration, Instant};

use peerhub_persistence::db::{DbOptions, connect};
use peerhub_persistence::sea_orm::{
    ConnectionTrait, Database, DbBackend, Statement, TransactionTrait,
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

/// The column `v` of the one row `sql` answers on `db`.
async fn value_of<T: peerhub_persistence::sea_orm::TryGetable>(
    db: &peerhub_persistence::db::Db,
    sql: &str,
) -> T {
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
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
    let pool = connect(
        &url,
        &DbOptions {
            max_connections: 1,
            ..DbOptions::default()
        },
    )
    .await
    .unwrap();
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
