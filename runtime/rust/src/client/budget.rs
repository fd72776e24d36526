//! The retry budget of a client: retries may add at most `ratio` to the calls made in
//! the last `window`, plus a floor of `min_per_second` × `window` retries, so that a
//! failing dependency sees at most ~20% more traffic instead of a retry storm (the
//! design of Finagle's and Linkerd's budgets).

use std::sync::{Mutex, PoisonError};

use super::policy::RetryBudgetPolicy;
use super::window::Window;

/// Calls (counter a) and retries (counter b) over the policy's window.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    window: Window,
    /// `ratio` in thousandths.
    ratio_milli: u64,
    /// The floor: retries allowed in any window whatever the call rate.
    reserve: u64,
    /// Makes check-and-take one step, so concurrent retries never overdraw the budget.
    /// Only retries take it; calls deposit without it.
    withdrawing: Mutex<()>,
}

impl RetryBudget {
    pub(crate) fn new(policy: &RetryBudgetPolicy) -> Self {
        let ratio = policy.ratio.clamp(0.0, 1_000.0);
        RetryBudget {
            window: Window::new(policy.window),
            ratio_milli: (ratio * 1000.0).round() as u64,
            reserve: u64::from(policy.min_per_second)
                * (policy.window.as_millis() as u64 / 1000).max(1),
            withdrawing: Mutex::new(()),
        }
    }

    /// Counts a call (its first attempt).
    pub(crate) fn deposit(&self, now_ms: u64) {
        self.window.add(now_ms, 1, 0);
    }

    /// Takes one retry from the budget; false when it is spent.
    pub(crate) fn withdraw(&self, now_ms: u64) -> bool {
        let _one_at_a_time = self
            .withdrawing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (calls, retries) = self.window.sums(now_ms);
        // retries + 1 <= ratio × calls + reserve, in thousandths.
        if (retries + 1) * 1000 > self.ratio_milli * calls + self.reserve * 1000 {
            return false;
        }
        self.window.add(now_ms, 0, 1);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn policy() -> RetryBudgetPolicy {
        RetryBudgetPolicy::default()
    }

    #[test]
    fn floor_then_ratio() {
        let b = RetryBudget::new(&policy());
        let now = 50_000;
        // No calls yet: the floor (10/s × 10 s) alone.
        let floor = (0..1000).take_while(|_| b.withdraw(now)).count();
        assert_eq!(floor, 100);
        // Each call adds 0.2 retries.
        for _ in 0..1000 {
            b.deposit(now);
        }
        let more = (0..1000).take_while(|_| b.withdraw(now)).count();
        assert_eq!(more, 200);
        // Ten seconds later it has all been forgotten.
        let later = now + 10_000;
        let again = (0..1000).take_while(|_| b.withdraw(later)).count();
        assert_eq!(again, 100);
    }

    #[test]
    fn custom_policy() {
        let mut p = policy();
        p.ratio = 0.5;
        p.min_per_second = 0;
        p.window = Duration::from_secs(1);
        let b = RetryBudget::new(&p);
        assert!(!b.withdraw(5_000));
        b.deposit(5_000);
        b.deposit(5_000);
        b.deposit(5_000);
        b.deposit(5_000);
        assert!(b.withdraw(5_000));
        assert!(b.withdraw(5_100));
        assert!(!b.withdraw(5_200));
    }
}
