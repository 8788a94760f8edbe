//! The outbox: what a queued message is for, where it stands, and when a
//! failed delivery is retried (docs/decisions.md).
use crate::closed_set;

closed_set!(
    /// What an outbox row is for.
    Delivery {
        /// An email notice, sent by the notifier.
        Email => "email",
        /// A domain event for integrations (webhooks).
        Event => "event",
    }
);

closed_set!(
    /// Where an outbox message stands: `pending` until a notifier claims
    /// it (`sending`), then `sent`; a delivery that keeps failing ends
    /// `failed`; an email to a person who asked to be erased is `erased`
    /// (never sent, its payload cleared).
    OutboxStatus {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Erased => "erased",
    }
);

/// Delivery attempts before a message is given up (`failed`).
pub const MAX_ATTEMPTS: i32 = 8;

/// Minutes a claimed message stays reserved for its notifier; after that a
/// message still `sending` is put back to `pending`.
pub const CLAIM_MINUTES: i64 = 5;

/// What happens after the `attempts`-th failed delivery (counting this
/// one): the new status and, when retried, the back-off in seconds
/// (30 s doubling, capped at 2^10).
pub fn after_failure(attempts: i32) -> (OutboxStatus, i64) {
    let status = if attempts >= MAX_ATTEMPTS {
        OutboxStatus::Failed
    } else {
        OutboxStatus::Pending
    };
    (status, 30 * 2i64.pow(attempts.clamp(0, 10) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_stored_values() {
        assert_eq!(Delivery::Email.as_str(), "email");
        assert_eq!(Delivery::parse("event"), Some(Delivery::Event));
        assert_eq!(OutboxStatus::Pending.as_str(), "pending");
        assert_eq!(OutboxStatus::parse("sending"), Some(OutboxStatus::Sending));
        assert_eq!(OutboxStatus::parse("sent"), Some(OutboxStatus::Sent));
        assert_eq!(OutboxStatus::parse("failed"), Some(OutboxStatus::Failed));
        assert_eq!(OutboxStatus::parse("done"), None);
    }

    #[test]
    fn failures_back_off_then_give_up() {
        assert_eq!(after_failure(1), (OutboxStatus::Pending, 60));
        assert_eq!(after_failure(2), (OutboxStatus::Pending, 120));
        assert_eq!(after_failure(MAX_ATTEMPTS - 1).0, OutboxStatus::Pending);
        assert_eq!(after_failure(MAX_ATTEMPTS).0, OutboxStatus::Failed);
        assert_eq!(after_failure(50).1, 30 * 1024);
        assert_eq!(after_failure(-3).1, 30);
    }
}
