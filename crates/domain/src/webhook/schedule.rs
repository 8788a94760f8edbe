//! When a webhook delivery is tried again, when it is given up, and when a
//! subscription is switched off (docs/integrations.md, "Retries").
crate::closed_set!(
    /// Where a delivery stands: `pending` until a worker claims it
    /// (`sending`), then `succeeded`, or back to `pending` for a retry, or
    /// `failed` once its attempts are spent.
    DeliveryStatus {
        Pending => "pending",
        Sending => "sending",
        Succeeded => "succeeded",
        Failed => "failed",
    }
);

crate::closed_set!(
    /// Why a subscription is disabled: a manager turned it off (`manual`),
    /// the receiver answered 410 Gone (`gone`), or deliveries kept failing
    /// (`failing`).
    DisabledReason {
        Manual => "manual",
        Gone => "gone",
        Failing => "failing",
    }
);

/// Attempts per delivery: the first and seven retries.
pub const MAX_ATTEMPTS: i32 = 8;

/// Seconds before retry `n` (after the `n`-th failed attempt), before
/// jitter: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — about 28 hours in
/// all, as the Standard Webhooks reference schedule.
const BACKOFF: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// Deliveries in a row that spend all their attempts before the
/// subscription is disabled (`failing`); any 2xx resets the run.
pub const FAILED_DELIVERIES_TO_DISABLE: i32 = 3;

/// Seconds a receiver has to answer.
pub const TIMEOUT_SECONDS: u64 = 10;

/// Seconds a claimed delivery stays reserved for its worker; after that a
/// delivery still `sending` (its worker died) is tried again.
pub const CLAIM_SECONDS: i64 = 60;

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// 410 Gone: the receiver asks not to be called again.
    Gone,
    /// Any other status, a timeout, a refused address or a network error.
    Failed,
}

impl Outcome {
    /// The outcome of an answer with `status` (`None`: no answer).
    pub fn of(status: Option<u16>) -> Self {
        match status {
            Some(s) if (200..300).contains(&s) => Outcome::Delivered,
            Some(410) => Outcome::Gone,
            _ => Outcome::Failed,
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Next {
    pub status: DeliveryStatus,
    /// Seconds until the retry, when there is one.
    pub retry_in: Option<i64>,
    /// The subscription's new run of failed deliveries.
    pub failed_run: i32,
    /// Disable the subscription, and why.
    pub disable: Option<DisabledReason>,
}

/// After attempt number `attempt` (1-based) ended with `outcome`, when the
/// subscription had `failed_run` failed deliveries in a row. `jitter` in
/// `[0, 1)` spreads retries by ±20% so a receiver that comes back is not
/// hit by every retry at once.
pub fn after_attempt(attempt: i32, outcome: Outcome, failed_run: i32, jitter: f64) -> Next {
    match outcome {
        Outcome::Delivered => Next {
            status: DeliveryStatus::Succeeded,
            retry_in: None,
            failed_run: 0,
            disable: None,
        },
        Outcome::Gone => Next {
            status: DeliveryStatus::Failed,
            retry_in: None,
            failed_run: failed_run + 1,
            disable: Some(DisabledReason::Gone),
        },
        Outcome::Failed if attempt >= MAX_ATTEMPTS => {
            let run = failed_run + 1;
            Next {
                status: DeliveryStatus::Failed,
                retry_in: None,
                failed_run: run,
                disable: (run >= FAILED_DELIVERIES_TO_DISABLE).then_some(DisabledReason::Failing),
            }
        }
        Outcome::Failed => Next {
            status: DeliveryStatus::Pending,
            retry_in: Some(backoff(attempt, jitter)),
            failed_run,
            disable: None,
        },
    }
}

/// Seconds before the retry that follows failed attempt `attempt`, with
/// ±20% jitter (`jitter` in `[0, 1)`), at least 1.
pub fn backoff(attempt: i32, jitter: f64) -> i64 {
    let i = (attempt.max(1) as usize - 1).min(BACKOFF.len() - 1);
    let base = BACKOFF[i] as f64;
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    ((base * factor).round() as i64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_the_status() {
        assert_eq!(Outcome::of(Some(200)), Outcome::Delivered);
        assert_eq!(Outcome::of(Some(204)), Outcome::Delivered);
        assert_eq!(Outcome::of(Some(299)), Outcome::Delivered);
        assert_eq!(Outcome::of(Some(301)), Outcome::Failed);
        assert_eq!(Outcome::of(Some(410)), Outcome::Gone);
        assert_eq!(Outcome::of(Some(500)), Outcome::Failed);
        assert_eq!(Outcome::of(None), Outcome::Failed);
    }

    #[test]
    fn failures_back_off_with_jitter_over_about_a_day() {
        assert_eq!(backoff(1, 0.5), 5);
        assert_eq!(backoff(2, 0.0), 240);
        assert_eq!(backoff(2, 0.999_999), 360);
        assert_eq!(backoff(7, 0.5), 36_000);
        assert_eq!(backoff(40, 0.5), 36_000);
        assert_eq!(backoff(0, 0.5), 5);
        let total: i64 = (1..MAX_ATTEMPTS).map(|a| backoff(a, 0.5)).sum();
        assert!((24 * 3600..32 * 3600).contains(&total), "{total}");
    }

    #[test]
    fn a_failed_attempt_is_retried_until_the_last() {
        let n = after_attempt(1, Outcome::Failed, 0, 0.5);
        assert_eq!(n.status, DeliveryStatus::Pending);
        assert_eq!(n.retry_in, Some(5));
        assert_eq!(n.disable, None);
        let n = after_attempt(MAX_ATTEMPTS, Outcome::Failed, 0, 0.5);
        assert_eq!(n.status, DeliveryStatus::Failed);
        assert_eq!((n.retry_in, n.failed_run, n.disable), (None, 1, None));
    }

    #[test]
    fn a_run_of_failed_deliveries_disables() {
        let n = after_attempt(
            MAX_ATTEMPTS,
            Outcome::Failed,
            FAILED_DELIVERIES_TO_DISABLE - 1,
            0.1,
        );
        assert_eq!(n.disable, Some(DisabledReason::Failing));
        let n = after_attempt(3, Outcome::Failed, FAILED_DELIVERIES_TO_DISABLE + 5, 0.1);
        assert_eq!(n.disable, None, "only a spent delivery counts");
    }

    #[test]
    fn gone_disables_at_once_and_success_resets_the_run() {
        let n = after_attempt(1, Outcome::Gone, 0, 0.1);
        assert_eq!(
            (n.status, n.disable),
            (DeliveryStatus::Failed, Some(DisabledReason::Gone))
        );
        let n = after_attempt(4, Outcome::Delivered, 2, 0.1);
        assert_eq!(
            (n.status, n.failed_run, n.disable),
            (DeliveryStatus::Succeeded, 0, None)
        );
    }
}
