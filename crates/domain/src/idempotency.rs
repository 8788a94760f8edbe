//! Idempotency keys: a key is `in_progress` while its first request runs,
//! then `done` with the saved response (docs/decisions.md).
use crate::closed_set;

closed_set!(
    /// Where an Idempotency-Key stands.
    KeyStatus { InProgress => "in_progress", Done => "done" }
);

/// How long keys (and their saved responses) are kept.
pub const KEY_TTL_HOURS: i64 = 24;
/// A reservation older than this is considered abandoned (its request died).
pub const STALE_RESERVATION_SECS: i64 = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_stored_values() {
        assert_eq!(KeyStatus::InProgress.as_str(), "in_progress");
        assert_eq!(KeyStatus::parse("done"), Some(KeyStatus::Done));
        assert_eq!(KeyStatus::parse("pending"), None);
    }
}
