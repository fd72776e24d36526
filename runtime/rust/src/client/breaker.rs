//! The circuit breaker of one endpoint: a small state machine in atomics, so that the
//! happy path (closed, success) costs a few uncontended atomic operations and never
//! allocates. It only decides; the endpoint logs and exports its transitions.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering::*};
use std::time::Duration;

use super::policy::BreakerPolicy;
use super::window::Window;

/// A breaker's state (exported as the gauge value 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Closed = 0,
    Open = 1,
    HalfOpen = 2,
}

impl State {
    fn from_u8(v: u8) -> State {
        match v {
            1 => State::Open,
            2 => State::HalfOpen,
            _ => State::Closed,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
        }
    }
}

/// How a call was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// The circuit was closed.
    Closed,
    /// A half-open probe (holds one of the probe slots until recorded).
    Probe,
}

#[derive(Debug)]
pub(crate) struct Breaker {
    policy: BreakerPolicy,
    state: AtomicU8,
    consecutive: AtomicU32,
    /// Calls and failures over the policy's window.
    window: Window,
    opened_at_ms: AtomicU64,
    /// Trips in a row without the circuit closing in between (grows the cool-down).
    trips: AtomicU32,
    probes: AtomicU32,
}

impl Breaker {
    pub(crate) fn new(policy: BreakerPolicy) -> Self {
        Breaker {
            policy,
            state: AtomicU8::new(State::Closed as u8),
            consecutive: AtomicU32::new(0),
            window: Window::new(policy.window),
            opened_at_ms: AtomicU64::new(0),
            trips: AtomicU32::new(0),
            probes: AtomicU32::new(0),
        }
    }

    pub(crate) fn state(&self) -> State {
        State::from_u8(self.state.load(Acquire))
    }

    fn reopen_at_ms(&self) -> u64 {
        let cool = self.policy.cool_down_after(self.trips.load(Acquire));
        self.opened_at_ms.load(Acquire) + cool.as_millis() as u64
    }

    /// Whether [`Breaker::admit`] would let a call through now (no side effects).
    pub(crate) fn available(&self, now_ms: u64) -> bool {
        match self.state() {
            State::Closed => true,
            State::Open => now_ms >= self.reopen_at_ms(),
            State::HalfOpen => self.probes.load(Acquire) < self.policy.half_open_probes.max(1),
        }
    }

    /// How long until the next probe may go (zero when calls go through now).
    pub(crate) fn next_probe_in(&self, now_ms: u64) -> Duration {
        match self.state() {
            State::Open => Duration::from_millis(self.reopen_at_ms().saturating_sub(now_ms)),
            _ => Duration::ZERO,
        }
    }

    /// Lets a call through, or not. The second value is a state change this caused
    /// (open → half-open once the cool-down is over).
    pub(crate) fn admit(&self, now_ms: u64) -> (Option<Admit>, Option<State>) {
        let mut changed = None;
        loop {
            match self.state() {
                State::Closed => return (Some(Admit::Closed), changed),
                State::Open => {
                    if now_ms < self.reopen_at_ms() {
                        return (None, changed);
                    }
                    if self
                        .state
                        .compare_exchange(State::Open as u8, State::HalfOpen as u8, AcqRel, Acquire)
                        .is_ok()
                    {
                        changed = Some(State::HalfOpen);
                    }
                }
                State::HalfOpen => {
                    let max = self.policy.half_open_probes.max(1);
                    if self.probes.fetch_add(1, AcqRel) < max {
                        return (Some(Admit::Probe), changed);
                    }
                    self.release_probe();
                    return (None, changed);
                }
            }
        }
    }

    fn release_probe(&self) {
        let _ = self
            .probes
            .fetch_update(AcqRel, Acquire, |p| Some(p.saturating_sub(1)));
    }

    /// Gives back what `admit` took when a call ends without an outcome to count
    /// (the caller gave up before it finished).
    pub(crate) fn abandon(&self, admit: Admit) {
        if admit == Admit::Probe {
            self.release_probe();
        }
    }

    /// Records the outcome of an admitted call (`failure`: the outcome says the server
    /// is unhealthy). Returns the new state when this changed it.
    pub(crate) fn record(&self, admit: Admit, failure: bool, now_ms: u64) -> Option<State> {
        self.window.add(now_ms, 1, u64::from(failure));
        if admit == Admit::Probe {
            self.release_probe();
        }
        match (self.state(), failure) {
            (State::Closed, false) => {
                if self.consecutive.load(Relaxed) != 0 {
                    self.consecutive.store(0, Relaxed);
                }
                None
            }
            (State::Closed, true) => {
                let in_a_row = self.consecutive.fetch_add(1, AcqRel) + 1;
                let n = self.policy.consecutive_failures;
                if (n > 0 && in_a_row >= n) || self.ratio_exceeded(now_ms) {
                    self.trip(State::Closed, 1, now_ms)
                } else {
                    None
                }
            }
            (State::HalfOpen, true) => {
                let trips = self.trips.load(Acquire).saturating_add(1);
                self.trip(State::HalfOpen, trips, now_ms)
            }
            (State::HalfOpen, false) => {
                if self
                    .state
                    .compare_exchange(State::HalfOpen as u8, State::Closed as u8, AcqRel, Acquire)
                    .is_ok()
                {
                    self.consecutive.store(0, Release);
                    self.trips.store(0, Release);
                    self.window.clear();
                    Some(State::Closed)
                } else {
                    None
                }
            }
            // Outcomes of calls let through before the circuit opened change nothing.
            (State::Open, _) => None,
        }
    }

    fn ratio_exceeded(&self, now_ms: u64) -> bool {
        let (calls, failures) = self.window.sums(now_ms);
        calls >= u64::from(self.policy.min_calls.max(1))
            && failures as f64 >= self.policy.failure_ratio * calls as f64
    }

    fn trip(&self, from: State, trips: u32, now_ms: u64) -> Option<State> {
        // Set the timestamps first: whoever sees the circuit open must see when.
        self.opened_at_ms.store(now_ms, Release);
        self.trips.store(trips, Release);
        if self
            .state
            .compare_exchange(from as u8, State::Open as u8, AcqRel, Acquire)
            .is_ok()
        {
            self.probes.store(0, Release);
            Some(State::Open)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(BreakerPolicy::default())
    }

    fn call(b: &Breaker, failure: bool, now: u64) -> Option<State> {
        let (admit, _) = b.admit(now);
        b.record(admit.expect("admitted"), failure, now)
    }

    #[test]
    fn opens_after_consecutive_failures_and_recovers() {
        let b = breaker();
        let t = 100_000;
        for _ in 0..4 {
            assert_eq!(call(&b, true, t), None);
        }
        // A success in between resets the streak.
        assert_eq!(call(&b, false, t), None);
        for _ in 0..4 {
            assert_eq!(call(&b, true, t), None);
        }
        assert_eq!(call(&b, true, t), Some(State::Open));
        assert_eq!(b.admit(t + 4_999), (None, None));
        assert!(!b.available(t + 4_999));
        assert_eq!(b.next_probe_in(t + 4_000), Duration::from_secs(1));
        // After the cool-down: half-open, three probes at a time.
        assert!(b.available(t + 5_000));
        assert_eq!(
            b.admit(t + 5_000),
            (Some(Admit::Probe), Some(State::HalfOpen))
        );
        assert_eq!(b.admit(t + 5_000), (Some(Admit::Probe), None));
        assert_eq!(b.admit(t + 5_000), (Some(Admit::Probe), None));
        assert_eq!(b.admit(t + 5_000), (None, None));
        b.abandon(Admit::Probe);
        assert_eq!(b.admit(t + 5_000), (Some(Admit::Probe), None));
        // The first success closes it.
        assert_eq!(
            b.record(Admit::Probe, false, t + 5_010),
            Some(State::Closed)
        );
        assert_eq!(b.state(), State::Closed);
        assert_eq!(b.record(Admit::Probe, false, t + 5_010), None);
    }

    #[test]
    fn failed_probe_reopens_with_a_longer_cool_down() {
        let b = breaker();
        let t = 100_000;
        for _ in 0..5 {
            call(&b, true, t);
        }
        assert_eq!(b.state(), State::Open);
        let (admit, _) = b.admit(t + 5_000);
        assert_eq!(b.record(admit.unwrap(), true, t + 5_000), Some(State::Open));
        assert!(!b.available(t + 5_000 + 9_999));
        assert!(b.available(t + 5_000 + 10_000));
        let (admit, _) = b.admit(t + 15_000);
        assert_eq!(
            b.record(admit.unwrap(), true, t + 15_000),
            Some(State::Open)
        );
        assert_eq!(b.next_probe_in(t + 15_000), Duration::from_secs(20));
        // Closing resets the growth.
        let (admit, _) = b.admit(t + 35_000);
        b.record(admit.unwrap(), false, t + 35_000);
        for _ in 0..5 {
            call(&b, true, t + 36_000);
        }
        assert_eq!(b.next_probe_in(t + 36_000), Duration::from_secs(5));
    }

    #[test]
    fn opens_on_failure_ratio() {
        let b = breaker();
        let t = 100_000;
        // Alternating outcomes never make five in a row, but half of 20 calls fail.
        for i in 0..19 {
            assert_eq!(call(&b, i % 2 == 0, t + i), None, "call {i}");
        }
        assert_eq!(call(&b, true, t + 19), Some(State::Open));
        // The same ratio over fewer than 20 calls does not.
        let b = breaker();
        for i in 0..19 {
            call(&b, i % 2 == 1, t);
        }
        assert_eq!(b.state(), State::Closed);
        // Failures older than the window are forgotten.
        let b = breaker();
        for i in 0..10 {
            call(&b, i % 2 == 0, t);
        }
        for i in 0..10 {
            assert_eq!(call(&b, i % 2 == 0, t + 10_000), None);
        }
    }

    #[test]
    fn late_outcomes_while_open_change_nothing() {
        let b = breaker();
        let t = 100_000;
        for _ in 0..5 {
            call(&b, true, t);
        }
        assert_eq!(b.record(Admit::Closed, false, t + 1), None);
        assert_eq!(b.record(Admit::Closed, true, t + 1), None);
        assert_eq!(b.state(), State::Open);
        assert_eq!(b.next_probe_in(t + 1), Duration::from_millis(4_999));
    }
}
