//! Proves the claim of `docs/resilience.md`: the breaker, the retry budget and the
//! balancer allocate nothing per call. The test binary's allocator counts the
//! allocations of the current thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use super::balance::{pick, Endpoint, EndpointOptions, Pick, Tried};
use super::budget::RetryBudget;
use super::policy::{BreakerPolicy, RetryBudgetPolicy};
use super::window::now_ms;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; counting touches only a const-initialized
// thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, i.e. from the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn breaker_budget_and_balancer_allocate_nothing_per_call() {
    let service: Arc<str> = "alloc-test".into();
    let options = EndpointOptions {
        breaker: Some(BreakerPolicy::default()),
        avoid_after_connect_error: Duration::from_secs(5),
    };
    let endpoints: Vec<Arc<Endpoint>> = (0..3)
        .map(|i| Arc::new(Endpoint::new(&service, &format!("http://e{i}"), &options)))
        .collect();
    let budget = RetryBudget::new(&RetryBudgetPolicy::default());
    let one_call = || {
        let now = now_ms();
        budget.deposit(now);
        match pick(&endpoints, Tried::default(), now) {
            Pick::Go(_, flight) => flight.finish(false, false, now_ms()),
            _ => panic!("no endpoint"),
        }
        budget.withdraw(now);
    };
    one_call(); // warm-up: the clock's epoch is set on first use
    let before = allocations();
    for _ in 0..10_000 {
        one_call();
    }
    assert_eq!(allocations() - before, 0);
    // The counter works: an allocation is seen.
    let v = std::hint::black_box(vec![1u8; 16]);
    assert_eq!(allocations() - before, 1);
    drop(v);
}
