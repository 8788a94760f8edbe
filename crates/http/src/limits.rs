//! The limits on the credential routes (docs/operations.md, "Abuse
//! limits"): their settings, and the per-address rate limiter (GCRA from
//! `governor`). The middleware that applies them is `crate::guard`.
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Limits on the credential routes (see docs/operations.md, "Abuse limits").
#[derive(Clone, Debug)]
pub struct AuthGuards {
    /// Password hashes computed at once (`PEERHUB_HASH_CONCURRENCY`).
    pub hash_concurrency: usize,
    /// Hashes allowed to wait for a slot; beyond it, 503 `busy`
    /// (`PEERHUB_HASH_QUEUE`).
    pub hash_queue: usize,
    /// Sustained requests per minute per client address on the
    /// unauthenticated auth routes (`PEERHUB_AUTH_RATE_PER_MINUTE`).
    pub auth_rate_per_minute: u32,
    /// Burst allowed above the sustained rate (`PEERHUB_AUTH_BURST`).
    pub auth_burst: u32,
    /// Proxies whose `X-Forwarded-For` is believed
    /// (`PEERHUB_TRUSTED_PROXIES`, comma-separated addresses or CIDRs).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// At most one verification, "someone tried to register" or reset
    /// email per address per this many seconds
    /// (`PEERHUB_NOTICE_INTERVAL_SECS`).
    pub notice_interval_secs: i64,
    /// How long a just-rotated refresh token still returns its successor,
    /// once (`PEERHUB_REFRESH_GRACE_SECS`).
    pub refresh_grace_secs: i64,
}

impl Default for AuthGuards {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            hash_concurrency: (2 * cores).max(2),
            hash_queue: 32,
            auth_rate_per_minute: 30,
            auth_burst: 10,
            trusted_proxies: Vec::new(),
            notice_interval_secs: 300,
            refresh_grace_secs: 10,
        }
    }
}

/// A per-address limiter for the unauthenticated credential routes.
pub struct AuthLimiter {
    inner: DefaultKeyedRateLimiter<IpAddr>,
}

/// Keys kept before stale ones are swept (bounds the limiter's memory).
const SWEEP_AT: usize = 10_000;

impl AuthLimiter {
    pub fn new(g: &AuthGuards) -> Self {
        let rate = NonZeroU32::new(g.auth_rate_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(g.auth_burst).unwrap_or(NonZeroU32::MIN);
        Self {
            inner: RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst)),
        }
    }

    /// `Ok` when `ip` may go on, else the whole seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.inner.len() > SWEEP_AT {
            self.inner.retain_recent();
            self.inner.shrink_to_fit();
        }
        self.inner.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn limiter_allows_the_burst_then_says_how_long_to_wait() {
        let l = AuthLimiter::new(&AuthGuards {
            auth_rate_per_minute: 6,
            auth_burst: 3,
            ..AuthGuards::default()
        });
        let a = ip("198.51.100.1");
        for _ in 0..3 {
            assert!(l.check(a).is_ok());
        }
        let wait = l.check(a).unwrap_err();
        assert!((1..=10).contains(&wait), "{wait}");
        // another address has its own allowance
        assert!(l.check(ip("198.51.100.2")).is_ok());
    }
}
