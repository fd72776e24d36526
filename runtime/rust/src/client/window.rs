//! A rolling window of two counters (calls and failures, or deposits and withdrawals)
//! over the last `window`, kept in ten slots of atomics: lock-free and allocation-free,
//! which is what the breaker and the retry budget need on every call.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SLOTS: usize = 10;

/// Milliseconds since the first use in this process: the clock of breakers, budgets and
/// the balancer (monotonic, one `u64` so it fits an atomic).
pub(crate) fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    // Start at 1 s so that "0" can mean "never" in timestamps.
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1_000
}

#[derive(Debug, Default)]
struct Slot {
    /// Which slot-length period (`now_ms / slot_ms`) the counts belong to.
    period: AtomicU64,
    a: AtomicU64,
    b: AtomicU64,
}

/// Two counters summed over the last `window` (to a resolution of a tenth of it).
///
/// A slot is reused once its period is over; a count that races with that reset may be
/// lost, which only makes the window forget a call or two under contention.
#[derive(Debug)]
pub(crate) struct Window {
    slots: [Slot; SLOTS],
    slot_ms: u64,
}

impl Window {
    pub(crate) fn new(window: Duration) -> Self {
        Window {
            slots: Default::default(),
            slot_ms: (window.as_millis() as u64 / SLOTS as u64).max(1),
        }
    }

    fn slot(&self, now_ms: u64) -> &Slot {
        let period = now_ms / self.slot_ms;
        let slot = &self.slots[(period % SLOTS as u64) as usize];
        let seen = slot.period.load(Relaxed);
        if seen != period
            && slot
                .period
                .compare_exchange(seen, period, Relaxed, Relaxed)
                .is_ok()
        {
            slot.a.store(0, Relaxed);
            slot.b.store(0, Relaxed);
        }
        slot
    }

    /// Adds `a` and `b` to the current slot.
    pub(crate) fn add(&self, now_ms: u64, a: u64, b: u64) {
        let slot = self.slot(now_ms);
        if a > 0 {
            slot.a.fetch_add(a, Relaxed);
        }
        if b > 0 {
            slot.b.fetch_add(b, Relaxed);
        }
    }

    /// The sums of both counters over the window ending at `now_ms`.
    pub(crate) fn sums(&self, now_ms: u64) -> (u64, u64) {
        let period = now_ms / self.slot_ms;
        let oldest = period.saturating_sub(SLOTS as u64 - 1);
        let (mut a, mut b) = (0, 0);
        for slot in &self.slots {
            let p = slot.period.load(Relaxed);
            if p >= oldest && p <= period {
                a += slot.a.load(Relaxed);
                b += slot.b.load(Relaxed);
            }
        }
        (a, b)
    }

    /// Forgets everything (a breaker that closes starts a fresh window).
    pub(crate) fn clear(&self) {
        for slot in &self.slots {
            slot.a.store(0, Relaxed);
            slot.b.store(0, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_expire_after_the_window() {
        let w = Window::new(Duration::from_secs(10));
        w.add(5_000, 3, 1);
        w.add(9_999, 1, 0);
        assert_eq!(w.sums(10_000), (4, 1));
        w.add(12_000, 1, 1);
        assert_eq!(w.sums(14_999), (5, 2));
        // 5_000 and 9_999 fall out of the window ending at 15_000..
        assert_eq!(w.sums(15_000), (2, 1));
        assert_eq!(w.sums(20_000), (1, 1));
        assert_eq!(w.sums(22_000), (0, 0));
        // A slot reused for a new period starts from zero.
        w.add(25_000, 1, 0);
        assert_eq!(w.sums(25_000), (1, 0));
        w.clear();
        assert_eq!(w.sums(25_000), (0, 0));
    }
}
