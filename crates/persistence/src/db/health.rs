//! Whether PostgreSQL is known to be unreachable, and the probe that
//! notices it is back.
//!
//! One watcher per process (a server talks to one database). A storage
//! error that means "cannot reach the database" marks it down
//! ([`DbHealth::mark_down`], called where such errors are classified, in
//! [`crate::error`]); from then on the HTTP layer answers 503 at once
//! instead of letting every request wait for the pool's acquire timeout. A
//! background probe opens a fresh connection at once and then every
//! [`PROBE_INTERVAL`]; the first that succeeds marks the database up again.
//! Pooled connections opened before the latest outage are discarded when
//! next handed out, so a restarted server's dead sockets cause no errors.
//!
//! SQLite never registers a target: its errors are local, not outages.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::PgConnectOptions;

use super::startup::try_connect;

/// How often the probe retries while the database is down.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// What a 503 for an unreachable database puts in `Retry-After`, in
/// seconds: a couple of probe intervals, so a client that honours it
/// retries soon after recovery without hammering the server.
pub const RETRY_AFTER_SECS: u64 = 2;

/// How to reach the database for a probe.
#[derive(Clone)]
struct Target {
    options: PgConnectOptions,
    timeout: Duration,
}

/// The process's view of database reachability.
pub struct DbHealth {
    epoch: Instant,
    /// Milliseconds since `epoch` (plus one) when the current outage was
    /// noticed; 0 while the database is up.
    down_since: AtomicU64,
    /// Like `down_since`, for the latest outage; kept after recovery to
    /// tell stale pooled connections apart.
    last_outage: AtomicU64,
    /// True while a probe task runs.
    probing: AtomicBool,
    target: Mutex<Option<Target>>,
}

/// The process-wide watcher.
pub fn health() -> &'static DbHealth {
    static HEALTH: OnceLock<DbHealth> = OnceLock::new();
    HEALTH.get_or_init(DbHealth::new)
}

impl DbHealth {
    fn new() -> Self {
        Self {
            epoch: Instant::now(),
            down_since: AtomicU64::new(0),
            last_outage: AtomicU64::new(0),
            probing: AtomicBool::new(false),
            target: Mutex::new(None),
        }
    }

    fn now_mark(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    /// Watches this PostgreSQL from now on (called by [`super::connect`]).
    pub(crate) fn watch(&self, options: PgConnectOptions, timeout: Duration) {
        if let Ok(mut t) = self.target.lock() {
            *t = Some(Target { options, timeout });
        }
    }

    fn target(&self) -> Option<Target> {
        self.target.lock().ok().and_then(|t| t.clone())
    }

    /// True while the database is known to be unreachable.
    pub fn is_down(&self) -> bool {
        self.down_since.load(Ordering::SeqCst) != 0
    }

    /// How long the current outage has lasted, if there is one.
    pub fn down_for(&self) -> Option<Duration> {
        match self.down_since.load(Ordering::SeqCst) {
            0 => None,
            since => Some(Duration::from_millis(self.now_mark().saturating_sub(since))),
        }
    }

    /// Records that the database could not be reached and makes sure a
    /// probe is running. Does nothing when no PostgreSQL is watched.
    pub fn mark_down(&'static self, cause: &dyn std::fmt::Display) {
        let Some(target) = self.target() else {
            return;
        };
        let now = self.now_mark();
        if self
            .down_since
            .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            self.last_outage.store(now, Ordering::SeqCst);
            tracing::warn!(
                cause = %cause,
                "database unreachable: answering 503 at once until a probe connects"
            );
        }
        self.spawn_probe(target);
    }

    /// Records that the database answers again.
    fn mark_up(&self) {
        let since = self.down_since.swap(0, Ordering::SeqCst);
        if since != 0 {
            let ms = self.now_mark().saturating_sub(since);
            tracing::info!(down_ms = ms, "database reachable again");
        }
    }

    /// True for a pooled connection of this age that was opened before the
    /// latest outage began (its socket is dead or soon will be).
    pub(crate) fn opened_before_last_outage(&self, age: Duration) -> bool {
        let last = self.last_outage.load(Ordering::SeqCst);
        if last == 0 {
            return false;
        }
        let age_ms = u64::try_from(age.as_millis()).unwrap_or(u64::MAX);
        self.now_mark().saturating_sub(age_ms) < last
    }

    fn spawn_probe(&'static self, target: Target) {
        if self.probing.swap(true, Ordering::SeqCst) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(self.probe(target));
            }
            Err(_) => self.probing.store(false, Ordering::SeqCst),
        }
    }

    async fn probe(&'static self, target: Target) {
        let mut attempts: u64 = 0;
        while self.is_down() {
            match try_connect(&target.options, target.timeout).await {
                Ok(()) => self.mark_up(),
                Err(cause) => {
                    attempts += 1;
                    // The first failure and then one line a minute.
                    if attempts == 1 || attempts.is_multiple_of(60) {
                        tracing::warn!(%cause, attempts, "database still unreachable");
                    }
                    tokio::time::sleep(PROBE_INTERVAL).await;
                }
            }
        }
        self.probing.store(false, Ordering::SeqCst);
        // Marked down again between the last check and the store above.
        if self.is_down() {
            self.spawn_probe(target);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> &'static DbHealth {
        Box::leak(Box::new(DbHealth::new()))
    }

    #[tokio::test]
    async fn without_a_watched_postgres_nothing_is_marked_down() {
        let h = fresh();
        h.mark_down(&"pool timed out");
        assert!(!h.is_down());
        assert!(!h.opened_before_last_outage(Duration::from_secs(3600)));
    }

    #[tokio::test]
    async fn an_unreachable_postgres_stays_down_and_old_connections_are_stale() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let h = fresh();
        let o: PgConnectOptions = format!("postgres://app@127.0.0.1:{port}/peerhub")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        h.watch(o, Duration::from_millis(500));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!h.is_down());
        h.mark_down(&"connection refused");
        assert!(h.is_down());
        // A connection opened well before the outage is stale; one opened
        // after it began (age shorter than the outage) is not.
        assert!(h.opened_before_last_outage(Duration::from_secs(60)));
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(h.is_down(), "the probe cannot have reached a closed port");
        assert!(h.down_for().is_some_and(|d| d >= Duration::from_secs(1)));
        assert!(!h.opened_before_last_outage(Duration::from_millis(100)));
        assert!(h.probing.load(Ordering::SeqCst));
    }
}
