//! Reaching PostgreSQL at start-up, with errors that name the real cause.
//!
//! The pool's own connect loop retries a refused connection until its
//! acquire timeout and then reports only "pool timed out". Here each
//! attempt is a plain connection whose error is classified: a refused
//! connection, a timeout or a server still starting is retried (bounded by
//! [`super::DbOptions::startup_timeout`], each attempt logged with its
//! cause); a name that does not resolve, refused credentials, a TLS
//! failure or a missing database fails at once. Messages name host, port
//! and database, never the password.
use std::fmt;
use std::time::{Duration, Instant};

use sea_orm::DbErr;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _};

/// Why a connection attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectCause {
    Refused,
    Unreachable,
    TimedOut,
    NameNotFound,
    NameLookupFailed,
    AuthenticationFailed,
    Tls,
    NoSuchDatabase,
    StartingUp,
    TooManyConnections,
    Other,
}

impl fmt::Display for ConnectCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ConnectCause {
    /// A stable name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "connection-refused",
            Self::Unreachable => "unreachable",
            Self::TimedOut => "timed-out",
            Self::NameNotFound => "name-not-found",
            Self::NameLookupFailed => "name-lookup-failed",
            Self::AuthenticationFailed => "authentication-failed",
            Self::Tls => "tls",
            Self::NoSuchDatabase => "no-such-database",
            Self::StartingUp => "starting-up",
            Self::TooManyConnections => "too-many-connections",
            Self::Other => "other",
        }
    }

    /// True when waiting may help (the server is starting, restarting or
    /// briefly overloaded); false when only a configuration change will.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::Refused
                | Self::Unreachable
                | Self::TimedOut
                | Self::NameLookupFailed
                | Self::StartingUp
                | Self::TooManyConnections
        )
    }
}

/// A failed connection attempt: the cause and the driver's words for it.
#[derive(Debug, Clone)]
pub struct ConnectError {
    pub cause: ConnectCause,
    /// Where we tried to connect: `host:port/database`.
    pub target: String,
    pub detail: String,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.target;
        let d = &self.detail;
        match self.cause {
            ConnectCause::Refused => write!(
                f,
                "connection refused by {t} (is PostgreSQL running and listening there?): {d}"
            ),
            ConnectCause::Unreachable => write!(f, "cannot reach {t}: {d}"),
            ConnectCause::TimedOut => write!(f, "connecting to {t} timed out: {d}"),
            ConnectCause::NameNotFound => {
                write!(f, "DNS name not found for {t} (check the host name): {d}")
            }
            ConnectCause::NameLookupFailed => {
                write!(f, "DNS lookup for {t} failed temporarily: {d}")
            }
            ConnectCause::AuthenticationFailed => write!(
                f,
                "authentication failed at {t} (check the user name and password): {d}"
            ),
            ConnectCause::Tls => write!(f, "TLS handshake with {t} failed: {d}"),
            ConnectCause::NoSuchDatabase => write!(f, "database missing at {t}: {d}"),
            ConnectCause::StartingUp => write!(f, "PostgreSQL at {t} is starting up: {d}"),
            ConnectCause::TooManyConnections => {
                write!(f, "PostgreSQL at {t} has too many connections: {d}")
            }
            ConnectCause::Other => write!(f, "connecting to {t} failed: {d}"),
        }
    }
}

impl std::error::Error for ConnectError {}

/// `host:port/database` (or the socket directory), without credentials.
pub fn describe_target(o: &PgConnectOptions) -> String {
    let db = o.get_database().unwrap_or(o.get_username());
    match o.get_socket() {
        Some(dir) => format!("{}/{db}", dir.display()),
        None => format!("{}:{}/{db}", o.get_host(), o.get_port()),
    }
}

/// The error and its sources, joined by ": " (the driver often wraps the
/// interesting part).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

fn classify_io(e: &std::io::Error) -> ConnectCause {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => ConnectCause::Refused,
        K::TimedOut => ConnectCause::TimedOut,
        K::ConnectionReset
        | K::ConnectionAborted
        | K::NotConnected
        | K::BrokenPipe
        | K::UnexpectedEof
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown
        | K::AddrNotAvailable => ConnectCause::Unreachable,
        _ => {
            // The resolver's failures carry no kind of their own.
            let text = e.to_string();
            if text.contains("Temporary failure in name resolution") {
                ConnectCause::NameLookupFailed
            } else if text.contains("failed to lookup address")
                || text.contains("could not resolve to any address")
            {
                ConnectCause::NameNotFound
            } else {
                ConnectCause::Other
            }
        }
    }
}

/// Classifies a driver error met while connecting.
pub fn classify(e: &sqlx::Error, target: &str) -> ConnectError {
    let cause = match e {
        sqlx::Error::Io(io) => classify_io(io),
        sqlx::Error::Tls(_) => ConnectCause::Tls,
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => ConnectCause::AuthenticationFailed,
            Some("3D000") => ConnectCause::NoSuchDatabase,
            Some("57P03") => ConnectCause::StartingUp,
            Some("53300") => ConnectCause::TooManyConnections,
            _ => ConnectCause::Other,
        },
        sqlx::Error::PoolTimedOut => ConnectCause::TimedOut,
        _ => ConnectCause::Other,
    };
    ConnectError {
        cause,
        target: target.to_owned(),
        detail: chain(e),
    }
}

/// Opens one connection (and closes it), within `timeout`.
pub async fn try_connect(
    options: &PgConnectOptions,
    timeout: Duration,
) -> Result<(), ConnectError> {
    match tokio::time::timeout(timeout, options.connect()).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(classify(&e, &describe_target(options))),
        Err(_) => Err(ConnectError {
            cause: ConnectCause::TimedOut,
            target: describe_target(options),
            detail: format!("no answer within {} ms", timeout.as_millis()),
        }),
    }
}

/// Connects once to check PostgreSQL is reachable, retrying causes that
/// waiting can fix for up to `budget`; fails at once on the others.
pub async fn wait_until_reachable(
    options: &PgConnectOptions,
    attempt_timeout: Duration,
    budget: Duration,
) -> Result<(), DbErr> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(250);
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let e = match try_connect(options, attempt_timeout).await {
            Ok(()) => {
                if attempt > 1 {
                    tracing::info!(attempt, "database reachable");
                }
                return Ok(());
            }
            Err(e) => e,
        };
        let elapsed = started.elapsed();
        if !e.cause.is_retryable() {
            tracing::error!(cause = %e.cause, error = %e, "cannot connect to the database; not retrying");
            return Err(DbErr::Conn(sea_orm::RuntimeErr::Internal(format!(
                "{e} (not retried: waiting will not fix this)"
            ))));
        }
        if elapsed + delay >= budget {
            tracing::error!(cause = %e.cause, error = %e, attempt, "cannot connect to the database; giving up");
            return Err(DbErr::Conn(sea_orm::RuntimeErr::Internal(format!(
                "{e} (gave up after {attempt} attempts in {} s)",
                elapsed.as_secs()
            ))));
        }
        tracing::warn!(
            cause = %e.cause,
            error = %e,
            attempt,
            retry_in_ms = delay.as_millis() as u64,
            "database not reachable yet; retrying"
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cret-pass";

    fn closed_port() -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        l.local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn options(url: &str) -> PgConnectOptions {
        url.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn a_closed_port_is_a_refused_connection_worth_retrying() {
        let port = closed_port();
        let o = options(&format!("postgres://app:{SECRET}@127.0.0.1:{port}/peerhub"));
        let e = try_connect(&o, Duration::from_secs(2))
            .await
            .err()
            .unwrap_or_else(|| panic!("connected to a closed port"));
        assert_eq!(e.cause, ConnectCause::Refused, "{e}");
        assert!(e.cause.is_retryable());
        let text = e.to_string();
        assert!(text.contains("connection refused"), "{text}");
        assert!(
            text.contains(&format!("127.0.0.1:{port}/peerhub")),
            "{text}"
        );
        assert!(!text.contains(SECRET), "{text}");
    }

    #[tokio::test]
    async fn an_unknown_host_name_is_named_as_a_dns_failure() {
        let o = options(&format!(
            "postgres://app:{SECRET}@peerhub-no-such-host.invalid:5432/peerhub"
        ));
        let e = try_connect(&o, Duration::from_secs(5))
            .await
            .err()
            .unwrap_or_else(|| panic!("resolved a .invalid name"));
        // Without a reachable resolver the lookup fails "temporarily".
        assert!(
            matches!(
                e.cause,
                ConnectCause::NameNotFound | ConnectCause::NameLookupFailed
            ),
            "{e:?}"
        );
        if e.cause == ConnectCause::NameNotFound {
            assert!(!e.cause.is_retryable());
        }
        assert!(e.to_string().contains("DNS"), "{e}");
        assert!(!e.to_string().contains(SECRET), "{e}");
    }

    #[tokio::test]
    async fn start_up_gives_up_on_refused_connections_within_its_budget() {
        let port = closed_port();
        let o = options(&format!("postgres://app:{SECRET}@127.0.0.1:{port}/peerhub"));
        let started = Instant::now();
        let e = wait_until_reachable(&o, Duration::from_secs(1), Duration::from_millis(1500))
            .await
            .err()
            .unwrap_or_else(|| panic!("reached a closed port"));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(700), "retried for {took:?}");
        assert!(took < Duration::from_secs(4), "retried for {took:?}");
        let text = e.to_string();
        assert!(text.contains("connection refused"), "{text}");
        assert!(text.contains("gave up after"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }

    #[test]
    fn only_causes_that_waiting_can_fix_are_retried() {
        use ConnectCause as C;
        for c in [
            C::Refused,
            C::Unreachable,
            C::TimedOut,
            C::StartingUp,
            C::TooManyConnections,
        ] {
            assert!(c.is_retryable(), "{c}");
        }
        for c in [
            C::NameNotFound,
            C::AuthenticationFailed,
            C::Tls,
            C::NoSuchDatabase,
            C::Other,
        ] {
            assert!(!c.is_retryable(), "{c}");
        }
    }

    #[test]
    fn io_errors_are_classified_by_kind_and_resolver_text() {
        use std::io::{Error, ErrorKind};
        let cases = [
            (
                Error::from(ErrorKind::ConnectionRefused),
                ConnectCause::Refused,
            ),
            (Error::from(ErrorKind::TimedOut), ConnectCause::TimedOut),
            (
                Error::from(ErrorKind::HostUnreachable),
                ConnectCause::Unreachable,
            ),
            (
                Error::other("failed to lookup address information: Name or service not known"),
                ConnectCause::NameNotFound,
            ),
            (
                Error::other(
                    "failed to lookup address information: Temporary failure in name resolution",
                ),
                ConnectCause::NameLookupFailed,
            ),
            (Error::other("something else"), ConnectCause::Other),
        ];
        for (e, want) in cases {
            assert_eq!(classify_io(&e), want, "{e}");
        }
    }
}
