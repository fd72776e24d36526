//! Endpoints and the balancer: power of two choices on in-flight requests, skipping
//! open circuits, preferring endpoints that have not just refused a connection, and
//! endpoints this call has not tried yet. Picking allocates nothing.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::Arc;
use std::time::Duration;

use super::breaker::{Admit, Breaker, State};
use super::metrics::EndpointMetrics;
use super::policy::BreakerPolicy;

/// What every endpoint of a client is built with.
#[derive(Debug, Clone, Default)]
pub(crate) struct EndpointOptions {
    pub(crate) breaker: Option<BreakerPolicy>,
    pub(crate) avoid_after_connect_error: Duration,
}

/// One endpoint of a client: its base URL, circuit breaker and in-flight count.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) url: Arc<str>,
    service: Arc<str>,
    breaker: Option<Breaker>,
    in_flight: AtomicU32,
    avoid_until_ms: AtomicU64,
    avoid_ms: u64,
    metrics: Arc<EndpointMetrics>,
}

/// An attempt in progress on an endpoint: counts as in flight until finished (or
/// dropped, when the caller gives up).
pub(crate) struct InFlight<'a> {
    endpoint: &'a Endpoint,
    admit: Option<Admit>,
}

impl InFlight<'_> {
    /// Records the attempt's outcome. `unhealthy`: the outcome says the server is
    /// unhealthy; `connect_failed`: no connection could be made.
    pub(crate) fn finish(mut self, unhealthy: bool, connect_failed: bool, now_ms: u64) {
        let e = self.endpoint;
        if connect_failed && e.avoid_ms > 0 {
            e.avoid_until_ms.store(now_ms + e.avoid_ms, Relaxed);
        }
        if let (Some(b), Some(admit)) = (&e.breaker, self.admit.take()) {
            if let Some(state) = b.record(admit, unhealthy, now_ms) {
                e.changed(state);
            }
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.endpoint.in_flight.fetch_sub(1, Relaxed);
        if let (Some(b), Some(admit)) = (&self.endpoint.breaker, self.admit) {
            b.abandon(admit);
        }
    }
}

impl Endpoint {
    pub(crate) fn new(service: &Arc<str>, url: &str, options: &EndpointOptions) -> Self {
        Endpoint {
            url: url.into(),
            service: service.clone(),
            breaker: options.breaker.map(Breaker::new),
            in_flight: AtomicU32::new(0),
            avoid_until_ms: AtomicU64::new(0),
            avoid_ms: options.avoid_after_connect_error.as_millis() as u64,
            metrics: EndpointMetrics::register(service, url),
        }
    }

    fn usable(&self, now_ms: u64) -> bool {
        self.breaker.as_ref().is_none_or(|b| b.available(now_ms))
    }

    fn avoided(&self, now_ms: u64) -> bool {
        self.avoid_until_ms.load(Relaxed) > now_ms
    }

    fn in_flight(&self) -> u32 {
        self.in_flight.load(Relaxed)
    }

    /// Lets an attempt through the breaker; `None` when the circuit refuses it.
    pub(crate) fn start(&self, now_ms: u64) -> Option<InFlight<'_>> {
        let admit = match &self.breaker {
            None => None,
            Some(b) => {
                let (admit, changed) = b.admit(now_ms);
                if let Some(state) = changed {
                    self.changed(state);
                }
                Some(admit?)
            }
        };
        self.in_flight.fetch_add(1, Relaxed);
        Some(InFlight {
            endpoint: self,
            admit,
        })
    }

    /// How long until this endpoint's circuit lets a probe through.
    pub(crate) fn next_probe_in(&self, now_ms: u64) -> Duration {
        self.breaker
            .as_ref()
            .map_or(Duration::ZERO, |b| b.next_probe_in(now_ms))
    }

    fn changed(&self, state: State) {
        self.metrics.set_state(state);
        match state {
            State::Open => tracing::warn!(
                service = %self.service, endpoint = %self.url,
                "circuit breaker opened: calls to this endpoint stop until the cool-down is over"
            ),
            State::HalfOpen => tracing::info!(
                service = %self.service, endpoint = %self.url,
                "circuit breaker half-open: letting probe calls through"
            ),
            State::Closed => tracing::info!(
                service = %self.service, endpoint = %self.url,
                "circuit breaker closed: the endpoint answers again"
            ),
        }
    }
}

/// Endpoints a call has tried, as a bit set of indices (modulo 64).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tried(u64);

impl Tried {
    pub(crate) fn add(&mut self, i: usize) {
        self.0 |= 1 << (i % 64);
    }

    fn has(self, i: usize) -> bool {
        self.0 & (1 << (i % 64)) != 0
    }
}

/// The balancer's verdict.
pub(crate) enum Pick<'a> {
    /// Send to endpoint `index`.
    Go(usize, InFlight<'a>),
    /// There is no endpoint at all.
    Empty,
    /// Every endpoint's circuit is open.
    AllOpen,
}

/// Chooses the endpoint of the next attempt.
///
/// Preference tiers: endpoints not tried by this call and not avoided, then ones that
/// recently refused a connection, then ones already tried; within a tier, the less
/// loaded of two picked at random. Endpoints whose circuit is open are never chosen.
pub(crate) fn pick(endpoints: &[Arc<Endpoint>], tried: Tried, now_ms: u64) -> Pick<'_> {
    let n = endpoints.len();
    if n == 0 {
        return Pick::Empty;
    }
    let tier = |i: usize| -> u8 {
        if tried.has(i) {
            2
        } else if endpoints[i].avoided(now_ms) {
            1
        } else {
            0
        }
    };
    // Endpoints whose breaker refused this call (a race with another call).
    let mut refused = Tried::default();
    for max_tier in 0..=2u8 {
        loop {
            let eligible =
                |i: usize| !refused.has(i) && tier(i) <= max_tier && endpoints[i].usable(now_ms);
            let Some(i) = two_choices(endpoints, eligible) else {
                break;
            };
            match endpoints[i].start(now_ms) {
                Some(flight) => return Pick::Go(i, flight),
                None => refused.add(i),
            }
            if n <= 64 && (0..n).all(|i| refused.has(i)) {
                return Pick::AllOpen;
            }
        }
    }
    Pick::AllOpen
}

/// Power of two choices among the endpoints for which `eligible` holds: two distinct
/// random picks, the one with fewer requests in flight wins. When random picks miss,
/// a scan from a random offset finds the eligible ones.
fn two_choices(endpoints: &[Arc<Endpoint>], eligible: impl Fn(usize) -> bool) -> Option<usize> {
    let n = endpoints.len();
    let r = crate::rand::next_u64();
    if n == 1 {
        return eligible(0).then_some(0);
    }
    let a = (r % n as u64) as usize;
    let b = (a + 1 + ((r >> 32) % (n as u64 - 1)) as usize) % n;
    let better = |x: usize, y: usize| {
        if endpoints[y].in_flight() < endpoints[x].in_flight() {
            y
        } else {
            x
        }
    };
    match (eligible(a), eligible(b)) {
        (true, true) => return Some(better(a, b)),
        (true, false) => return Some(a),
        (false, true) => return Some(b),
        (false, false) => {}
    }
    let start = ((r >> 16) % n as u64) as usize;
    let mut found: Option<usize> = None;
    for k in 0..n {
        let i = (start + k) % n;
        if eligible(i) {
            match found {
                None => found = Some(i),
                Some(f) => return Some(better(f, i)),
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(n: usize, breaker: bool) -> Vec<Arc<Endpoint>> {
        let service: Arc<str> = "balance-test".into();
        let options = EndpointOptions {
            breaker: breaker.then(BreakerPolicy::default),
            avoid_after_connect_error: Duration::from_secs(5),
        };
        (0..n)
            .map(|i| Arc::new(Endpoint::new(&service, &format!("http://e{i}"), &options)))
            .collect()
    }

    fn index(p: Pick<'_>) -> usize {
        match p {
            Pick::Go(i, _) => i,
            Pick::Empty => panic!("empty"),
            Pick::AllOpen => panic!("all open"),
        }
    }

    #[test]
    fn prefers_fewer_in_flight() {
        let eps = endpoints(3, true);
        let busy: Vec<_> = (0..5).map(|_| eps[0].start(1_000).unwrap()).collect();
        let mut counts = [0; 3];
        for _ in 0..300 {
            counts[index(pick(&eps, Tried::default(), 1_000))] += 1;
        }
        // Endpoint 0 loses every comparison it is part of.
        assert_eq!(counts[0], 0, "{counts:?}");
        assert!(counts[1] > 50 && counts[2] > 50, "{counts:?}");
        drop(busy);
        assert_eq!(eps[0].in_flight(), 0);
    }

    #[test]
    fn skips_open_circuits_avoided_and_tried_endpoints() {
        let eps = endpoints(3, true);
        let now = 100_000;
        for _ in 0..5 {
            eps[0].start(now).unwrap().finish(true, false, now);
        }
        eps[1].start(now).unwrap().finish(true, true, now);
        for _ in 0..50 {
            assert_eq!(index(pick(&eps, Tried::default(), now)), 2);
        }
        let mut tried = Tried::default();
        tried.add(2);
        // 1 refused a connection but is still better than trying 2 again.
        assert_eq!(index(pick(&eps, tried, now)), 1);
        tried.add(1);
        // Everything usable was tried: any of them again, but never the open one.
        for _ in 0..50 {
            assert_ne!(index(pick(&eps, tried, now)), 0);
        }
        // 0 is open: never chosen, even when everything else was tried.
        for e in &eps[1..] {
            while let Some(flight) = e.start(now) {
                flight.finish(true, false, now);
            }
        }
        assert!(matches!(pick(&eps, tried, now), Pick::AllOpen));
        assert!(matches!(pick(&[], tried, now), Pick::Empty));
        // After the cool-down, probes go through.
        assert!(matches!(pick(&eps, tried, now + 5_000), Pick::Go(..)));
    }

    #[test]
    fn without_breakers_every_endpoint_is_usable() {
        let eps = endpoints(2, false);
        for _ in 0..10 {
            eps[0].start(1_000).unwrap().finish(true, false, 1_000);
        }
        let mut seen = [false; 2];
        for _ in 0..100 {
            seen[index(pick(&eps, Tried::default(), 1_000))] = true;
        }
        assert_eq!(seen, [true, true]);
    }
}
