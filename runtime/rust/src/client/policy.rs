//! The knobs of a client's resilience layers, with the defaults every brief runtime
//! shares (`docs/resilience.md` gives the reasoning behind each number).

use std::time::Duration;

/// How an rpc is retried. Set per client ([`ResilienceConfig::retry`]), per rpc
/// ([`ResilienceConfig::retry_rpc`]) or per call ([`crate::CallOptions::retry`]).
///
/// Whatever the policy, a call is only retried when that is safe: an `idempotent` or
/// `readonly` rpc after an outcome that says the server may try again (a connection
/// error, `unavailable`, `resource_exhausted` with `Retry-After`), any rpc when the
/// request certainly never left the client (connection refused, DNS failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 3; 1 turns retries off).
    pub max_attempts: u32,
    /// Backoff before the first retry (default 25 ms); it doubles for each further
    /// retry, and the actual sleep is a random duration below it ("full jitter").
    pub base_backoff: Duration,
    /// The largest backoff (default 1 s).
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// The defaults: 3 attempts, backoff 25 ms doubling up to 1 s, full jitter.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        base_backoff: Duration::from_millis(25),
        max_backoff: Duration::from_secs(1),
    };

    /// No retries at all (one attempt).
    pub const fn off() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::DEFAULT
        }
    }

    /// The backoff ceiling before retry number `retry` (1 for the first retry):
    /// `min(max_backoff, base_backoff × 2^(retry-1))`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let doubled = self
            .base_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(30));
        doubled.min(self.max_backoff)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

/// The retry budget of a client: retries may add at most `ratio` of the calls made in
/// the last `window`, plus `min_per_second` × `window` retries whatever the call rate.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RetryBudgetPolicy {
    /// Retries allowed per call, on average over the window (default 0.2).
    pub ratio: f64,
    /// The floor, in retries per second (default 10).
    pub min_per_second: u32,
    /// The window over which calls and retries are counted (default 10 s).
    pub window: Duration,
}

impl Default for RetryBudgetPolicy {
    fn default() -> Self {
        RetryBudgetPolicy {
            ratio: 0.2,
            min_per_second: 10,
            window: Duration::from_secs(10),
        }
    }
}

/// The circuit breaker of each endpoint.
///
/// Closed → open after `consecutive_failures` failures in a row, or when at least
/// `failure_ratio` of at least `min_calls` calls in the last `window` failed; open →
/// half-open after `cool_down` (doubled on each trip that follows a half-open probe,
/// up to `max_cool_down`); half-open lets `half_open_probes` calls through at a time,
/// closes on the first success and opens again on a failure. Only outcomes that say the
/// server is unhealthy count as failures: connection errors, `unavailable`,
/// `deadline_exceeded`, `internal`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct BreakerPolicy {
    /// Failures in a row that open the circuit (default 5).
    pub consecutive_failures: u32,
    /// Failure ratio over the window that opens the circuit (default 0.5).
    pub failure_ratio: f64,
    /// Calls in the window needed before the ratio counts (default 20).
    pub min_calls: u32,
    /// The window of the failure ratio (default 10 s).
    pub window: Duration,
    /// How long a circuit stays open before a probe (default 5 s).
    pub cool_down: Duration,
    /// The longest cool-down after repeated trips (default 60 s).
    pub max_cool_down: Duration,
    /// Calls let through at a time while half-open (default 3).
    pub half_open_probes: u32,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            consecutive_failures: 5,
            failure_ratio: 0.5,
            min_calls: 20,
            window: Duration::from_secs(10),
            cool_down: Duration::from_secs(5),
            max_cool_down: Duration::from_secs(60),
            half_open_probes: 3,
        }
    }
}

impl BreakerPolicy {
    /// The cool-down after the `trips`-th trip in a row (1 for the first).
    pub fn cool_down_after(&self, trips: u32) -> Duration {
        self.cool_down
            .saturating_mul(1u32 << trips.saturating_sub(1).min(30))
            .min(self.max_cool_down.max(self.cool_down))
    }
}

/// The resilience layers of a client: retries, retry budget, circuit breakers, load
/// balancing and DNS re-resolution. [`Default`] is what every generated client gets.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResilienceConfig {
    /// The retry policy of every rpc without its own (default [`RetryPolicy::DEFAULT`]).
    pub retry: RetryPolicy,
    /// Retry policies of single rpcs, by rpc name (see [`ResilienceConfig::retry_rpc`]).
    pub rpc_retry: Vec<(String, RetryPolicy)>,
    /// The client's retry budget; `None` lets every retry the policy allows happen.
    pub budget: Option<RetryBudgetPolicy>,
    /// The circuit breaker of each endpoint; `None` turns breakers off.
    pub breaker: Option<BreakerPolicy>,
    /// How long the balancer avoids an endpoint that refused a connection, while
    /// others are usable (default 5 s).
    pub avoid_after_connect_error: Duration,
    /// How often `dns+http://` endpoints are re-resolved, in the background (default 5 s).
    pub dns_refresh: Duration,
}

impl Default for ResilienceConfig {
    fn default() -> Self {
        ResilienceConfig {
            retry: RetryPolicy::DEFAULT,
            rpc_retry: Vec::new(),
            budget: Some(RetryBudgetPolicy::default()),
            breaker: Some(BreakerPolicy::default()),
            avoid_after_connect_error: Duration::from_secs(5),
            dns_refresh: Duration::from_secs(5),
        }
    }
}

impl ResilienceConfig {
    /// Every layer off: one attempt, no budget, no breakers, endpoints used in turn
    /// (the plain client; DNS endpoints are still re-resolved).
    pub fn off() -> Self {
        ResilienceConfig {
            retry: RetryPolicy::off(),
            budget: None,
            breaker: None,
            avoid_after_connect_error: Duration::ZERO,
            ..ResilienceConfig::default()
        }
    }

    /// Sets the retry policy of the rpc named `rpc` (its name in the contract, `sum`).
    pub fn retry_rpc(mut self, rpc: &str, policy: RetryPolicy) -> Self {
        self.rpc_retry.retain(|(name, _)| name != rpc);
        self.rpc_retry.push((rpc.to_string(), policy));
        self
    }

    /// The retry policy of `rpc`.
    pub(crate) fn retry_for(&self, rpc: &str) -> RetryPolicy {
        self.rpc_retry
            .iter()
            .find(|(name, _)| name == rpc)
            .map_or(self.retry, |(_, p)| *p)
    }

    /// Whether any layer is on (otherwise the client skips the resilient stack).
    pub(crate) fn is_off(&self) -> bool {
        self.retry.max_attempts <= 1
            && self.rpc_retry.iter().all(|(_, p)| p.max_attempts <= 1)
            && self.budget.is_none()
            && self.breaker.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::DEFAULT;
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(25));
        assert_eq!(p.backoff_ceiling(2), Duration::from_millis(50));
        assert_eq!(p.backoff_ceiling(6), Duration::from_millis(800));
        assert_eq!(p.backoff_ceiling(7), Duration::from_secs(1));
        assert_eq!(p.backoff_ceiling(200), Duration::from_secs(1));
    }

    #[test]
    fn cool_down_grows_on_repeated_trips() {
        let p = BreakerPolicy::default();
        let secs: Vec<u64> = (1..=6).map(|t| p.cool_down_after(t).as_secs()).collect();
        assert_eq!(secs, [5, 10, 20, 40, 60, 60]);
    }

    #[test]
    fn per_rpc_retry() {
        let c = ResilienceConfig::default().retry_rpc("put", RetryPolicy::off());
        assert_eq!(c.retry_for("put").max_attempts, 1);
        assert_eq!(c.retry_for("get").max_attempts, 3);
        assert!(!c.is_off());
        assert!(ResilienceConfig::off().is_off());
    }
}
