//! Retention of private match notes, closed matches and the audit trail
//! (docs/operations.md, "Retention"). Each network sets how long it keeps
//! each of them; housekeeping applies the settings.
//!
//! - A private match note is deleted `private_note_retention_days` after
//!   its match closed.
//! - A closed match is anonymised `closed_match_retention_days` after it
//!   closed: the people, reasons and free text go, the status, score,
//!   dates, sessions and feedback ratings stay, so programme evaluation
//!   still counts it.
//! - An audit entry of the network is deleted `audit_retention_days` after
//!   it was written.
use chrono::{DateTime, Duration, Utc};

use crate::matching::lifecycle::MatchStatus;
use crate::validation::Invalid;

/// One retention setting of a network: its default and allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub field: &'static str,
    pub default: i32,
    pub min: i32,
    pub max: i32,
}

/// Days a private match note is kept after its match closed.
pub const PRIVATE_NOTES: Setting = Setting {
    field: "private_note_retention_days",
    default: 365,
    min: 30,
    max: 3650,
};

/// Days a closed match keeps its people and text before it is anonymised.
pub const CLOSED_MATCHES: Setting = Setting {
    field: "closed_match_retention_days",
    default: 730,
    min: 90,
    max: 3650,
};

/// Days an audit entry of the network is kept (seven years by default).
pub const AUDIT: Setting = Setting {
    field: "audit_retention_days",
    default: 2555,
    min: 365,
    max: 3650,
};

/// Days sent, failed and erased outbox messages (emails and events) and
/// finished webhook deliveries with their attempts are kept. An operator
/// setting (`PEERHUB_OUTBOX_RETENTION_DAYS`), not a network's: these rows
/// serve operators tracing a delivery.
pub const DELIVERED_MESSAGES: Setting = Setting {
    field: "PEERHUB_OUTBOX_RETENTION_DAYS",
    default: 30,
    min: 1,
    max: 3650,
};

/// What stands in for the people of an anonymised match: side a, side b.
/// Never the id of an account (account ids are UUIDs).
pub const ANONYMISED_A: &str = "anonymised-a";
pub const ANONYMISED_B: &str = "anonymised-b";

/// Most rows one retention statement touches; housekeeping repeats until
/// nothing is left.
pub const BATCH: u64 = 500;

impl Setting {
    /// A value for this setting: a whole number of days in its range.
    pub fn parse(&self, days: i32) -> Result<i32, Invalid> {
        if (self.min..=self.max).contains(&days) {
            Ok(days)
        } else {
            Err(Invalid::new(
                "out_of_range",
                format!("must be between {} and {}", self.min, self.max),
            ))
        }
    }
}

/// Rows that closed (or were written) before this instant are due at `now`.
pub fn cutoff(days: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(i64::from(days))
}

/// When a match closed: declined when declined, expired when its proposal
/// expired, ended when ended. `None` while it is open (or when the closing
/// date is missing, so nothing is removed on a guess).
pub fn match_closed_at(
    status: MatchStatus,
    declined_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match status {
        MatchStatus::Declined => declined_at,
        MatchStatus::Expired => Some(expires_at),
        MatchStatus::Ended => ended_at,
        MatchStatus::Proposed | MatchStatus::Accepted | MatchStatus::Active => None,
    }
}

/// Whether a match that closed at `closed_at` is past a retention of
/// `days` at `now`.
pub fn is_due(closed_at: Option<DateTime<Utc>>, days: i32, now: DateTime<Utc>) -> bool {
    closed_at.is_some_and(|c| c < cutoff(days, now))
}

/// Whether a match already was anonymised.
pub fn is_anonymised(user_a_id: &str) -> bool {
    user_a_id == ANONYMISED_A
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 8, 12, 0, 0).unwrap()
    }

    #[test]
    fn settings_accept_their_range_only() {
        for s in [PRIVATE_NOTES, CLOSED_MATCHES, AUDIT] {
            assert_eq!(s.parse(s.min), Ok(s.min));
            assert_eq!(s.parse(s.max), Ok(s.max));
            assert_eq!(s.parse(s.default), Ok(s.default));
            assert_eq!(s.parse(s.min - 1).unwrap_err().code, "out_of_range");
            assert_eq!(s.parse(s.max + 1).unwrap_err().code, "out_of_range");
            assert!(s.parse(-1).is_err());
        }
        assert_eq!(AUDIT.default, 7 * 365);
    }

    #[test]
    fn closing_date_follows_the_status() {
        let d = Some(now() - Duration::days(3));
        let e = now() - Duration::days(2);
        let x = Some(now() - Duration::days(1));
        assert_eq!(match_closed_at(MatchStatus::Declined, d, e, None), d);
        assert_eq!(
            match_closed_at(MatchStatus::Expired, None, e, None),
            Some(e)
        );
        assert_eq!(match_closed_at(MatchStatus::Ended, d, e, x), x);
        for open in [
            MatchStatus::Proposed,
            MatchStatus::Accepted,
            MatchStatus::Active,
        ] {
            assert_eq!(match_closed_at(open, d, e, x), None);
        }
        assert_eq!(match_closed_at(MatchStatus::Ended, None, e, None), None);
    }

    #[test]
    fn due_only_strictly_after_the_retention() {
        let closed = |days| Some(now() - Duration::days(days));
        assert!(is_due(closed(400), 365, now()));
        assert!(!is_due(closed(100), 365, now()));
        assert!(!is_due(closed(365), 365, now()));
        assert!(is_due(
            Some(cutoff(365, now()) - Duration::seconds(1)),
            365,
            now()
        ));
        assert!(!is_due(None, 30, now()));
    }

    #[test]
    fn anonymised_sides_are_not_account_ids() {
        assert!(is_anonymised(ANONYMISED_A));
        assert!(!is_anonymised("0193a6f0-0000-7000-8000-000000000000"));
        assert_ne!(ANONYMISED_A, ANONYMISED_B);
    }
}
