//! The login lockout, as a pure rule: whether one more password may be
//! checked for an address, given its counter. Persistence applies it inside
//! a locked read-modify-write (`persistence::accounts::checked_password`),
//! so attempts are counted *before* their password is verified and a
//! parallel burst cannot get more than [`MAX_FAILED_LOGINS`] checks.
use chrono::{DateTime, Duration, Utc};

/// Password checks allowed per address within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILED_LOGINS: i32 = 5;
/// The window in which failures count together.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// How long an address stays locked once its checks are used up.
pub const LOCKOUT_MINUTES: i64 = 15;

/// An address's stored counter. `failures` counts checks reserved in the
/// window and not cleared by a correct password (in flight or failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i32,
    pub window_started_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// What to do with one more attempt, and the counter to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Check the password; the attempt is counted in `0`.
    Go(Counter),
    /// Refuse without checking, until `until`.
    Refuse {
        counter: Counter,
        until: DateTime<Utc>,
    },
}

/// Reserves one attempt at `now`.
pub fn reserve(c: Counter, now: DateTime<Utc>) -> Reservation {
    if let Some(until) = c.locked_until
        && until > now
    {
        return Reservation::Refuse { counter: c, until };
    }
    let lock_over = c.locked_until.is_some();
    let window_over = now - c.window_started_at >= Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let c = if window_over || lock_over {
        Counter {
            failures: 0,
            window_started_at: now,
            locked_until: None,
        }
    } else {
        c
    };
    if c.failures >= MAX_FAILED_LOGINS {
        let until = now + Duration::minutes(LOCKOUT_MINUTES);
        return Reservation::Refuse {
            counter: Counter {
                locked_until: Some(until),
                ..c
            },
            until,
        };
    }
    Reservation::Go(Counter {
        failures: c.failures + 1,
        ..c
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn fresh(now: DateTime<Utc>) -> Counter {
        Counter {
            failures: 0,
            window_started_at: now,
            locked_until: None,
        }
    }

    #[test]
    fn a_burst_gets_exactly_five_checks() {
        let now = t0();
        let mut c = fresh(now);
        let mut go = 0;
        for _ in 0..40 {
            match reserve(c, now) {
                Reservation::Go(n) => {
                    go += 1;
                    c = n
                }
                Reservation::Refuse { counter, until } => {
                    assert_eq!(until, now + Duration::minutes(LOCKOUT_MINUTES));
                    c = counter
                }
            }
        }
        assert_eq!(go, MAX_FAILED_LOGINS);
    }

    #[test]
    fn a_lock_holds_until_it_ends_then_the_count_starts_again() {
        let now = t0();
        let locked = Counter {
            failures: 5,
            window_started_at: now,
            locked_until: Some(now + Duration::minutes(15)),
        };
        assert!(matches!(
            reserve(locked, now + Duration::minutes(14)),
            Reservation::Refuse { .. }
        ));
        let later = now + Duration::minutes(15);
        assert_eq!(
            reserve(locked, later),
            Reservation::Go(Counter {
                failures: 1,
                window_started_at: later,
                locked_until: None
            })
        );
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let now = t0();
        let old = Counter {
            failures: 4,
            window_started_at: now - Duration::minutes(THROTTLE_WINDOW_MINUTES),
            locked_until: None,
        };
        assert_eq!(
            reserve(old, now),
            Reservation::Go(Counter {
                failures: 1,
                window_started_at: now,
                locked_until: None
            })
        );
        let recent = Counter {
            failures: 4,
            window_started_at: now - Duration::minutes(1),
            locked_until: None,
        };
        assert!(matches!(reserve(recent, now), Reservation::Go(c) if c.failures == 5));
    }
}
