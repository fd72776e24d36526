//! The resilient part of a call: picks an endpoint (balancer, breakers), sends an
//! attempt, and decides whether and when to try again (retry rules, backoff, retry
//! budget, deadline). The rules are those of the runtime spec; `docs/resilience.md`
//! explains them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::balance::{pick, Pick, Tried};
use super::budget::RetryBudget;
use super::discovery::EndpointSet;
use super::metrics;
use super::policy::{ResilienceConfig, RetryPolicy};
use super::window::now_ms;
use super::{OutgoingCall, Transport};
use crate::{Code, Error, RpcInfo};

/// The layers between a [`crate::Client`] and its attempt transport.
pub(crate) struct Resilient {
    pub(crate) endpoints: Arc<EndpointSet>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) config: Arc<ResilienceConfig>,
    pub(crate) budget: Option<Arc<RetryBudget>>,
    /// Round-robin position when every layer is off.
    pub(crate) next: Arc<AtomicUsize>,
}

/// Whether an outcome says the server is unhealthy (it counts against its breaker).
fn unhealthy(err: &Error) -> bool {
    matches!(
        err.code(),
        Code::Unavailable | Code::DeadlineExceeded | Code::Internal
    )
}

/// Whether an outcome may be retried, as far as the outcome goes (the rpc's
/// idempotency is checked separately).
fn retryable(err: &Error) -> bool {
    match err.code() {
        Code::Unavailable => true,
        Code::ResourceExhausted => err.retry_after().is_some(),
        _ => false,
    }
}

/// The error a call returns after its last attempt: the attempt's, with a note on how
/// many attempts were made and why there was no other (typed errors stay as sent).
fn give_up(err: Error, attempts: u32, why: Option<&str>) -> Error {
    match (attempts, why) {
        _ if !err.details().is_empty() => err,
        (1, None) => err,
        (1, Some(why)) => append(err, why),
        (n, None) => append(err, &format!("after {n} attempts")),
        (n, Some(why)) => append(err, &format!("after {n} attempts; {why}")),
    }
}

fn append(err: Error, note: &str) -> Error {
    let mut out = Error::new(err.code(), format!("{} ({note})", err.message()));
    for d in err.details() {
        out = out.with_detail(d.clone());
    }
    out
}

impl Resilient {
    /// Runs the call: one attempt when every layer is off, else as many as the
    /// rules allow before `call.deadline`.
    pub(crate) async fn call(
        &self,
        mut call: OutgoingCall,
        timeout: Duration,
        retry: Option<RetryPolicy>,
    ) -> Result<Bytes, Error> {
        let endpoints = self.endpoints.snapshot();
        if endpoints.is_empty() {
            return Err(Error::unavailable(format!(
                "{}: no endpoint of {}: {}",
                call.rpc.path(),
                call.rpc.service,
                self.endpoints.why_empty()
            )));
        }
        if self.config.is_off() {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % endpoints.len();
            call.endpoint = Some(endpoints[i].url.clone());
            return self.attempt(&call, timeout).await;
        }
        let policy = retry.unwrap_or_else(|| self.config.retry_for(call.rpc.name));
        // One clock read serves the happy path: the budget, the balancer and the
        // breaker's record of a success (windows have 1 s slots). Failures read the
        // clock again.
        let mut now = now_ms();
        if let Some(b) = &self.budget {
            b.deposit(now);
        }
        let mut tried = Tried::default();
        let mut last: Option<Error> = None;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if attempt > 1 {
                if Instant::now() >= call.deadline {
                    return Err(last.unwrap_or_else(|| deadline_error(&call.rpc, timeout)));
                }
                now = now_ms();
            }
            let (i, flight) = match pick(&endpoints, tried, now) {
                Pick::Go(i, flight) => (i, flight),
                Pick::Empty | Pick::AllOpen => {
                    return Err(match last {
                        Some(err) => append(err, "every endpoint's circuit is now open"),
                        None => self.all_open(&call, &endpoints, now),
                    })
                }
            };
            tried.add(i);
            call.attempt = attempt;
            call.endpoint = Some(endpoints[i].url.clone());
            let err = match self.attempt(&call, timeout).await {
                Ok(body) => {
                    flight.finish(false, false, now);
                    return Ok(body);
                }
                Err(err) => err,
            };
            flight.finish(unhealthy(&err), err.is_unsent(), now_ms());
            let spare_endpoint = (attempt as usize) < endpoints.len();
            match self.retry_after(&call, &policy, &err, attempt, spare_endpoint) {
                Ok(delay) => {
                    metrics::count_retry(call.rpc.service, call.rpc.name);
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    last = Some(err);
                }
                Err(why) => return Err(give_up(err, attempt, why)),
            }
        }
    }

    /// One attempt, bounded by the call's deadline.
    async fn attempt(&self, call: &OutgoingCall, timeout: Duration) -> Result<Bytes, Error> {
        match tokio::time::timeout_at(call.deadline.into(), self.transport.send(call)).await {
            Ok(r) => r,
            Err(_) => Err(deadline_error(&call.rpc, timeout)),
        }
    }

    /// How long to wait before retrying after `err`, or why not to retry
    /// (`Err(None)`: the rules say no, nothing to add to the error).
    fn retry_after(
        &self,
        call: &OutgoingCall,
        policy: &RetryPolicy,
        err: &Error,
        attempt: u32,
        spare_endpoint: bool,
    ) -> Result<Duration, Option<&'static str>> {
        let rpc = &call.rpc;
        let safe = err.is_unsent() || ((rpc.idempotent || rpc.readonly) && retryable(err));
        if !safe || attempt >= policy.max_attempts {
            return Err(None);
        }
        // A request that never left goes straight to another endpoint; anything else
        // backs off (full jitter), and never sooner than the server asked.
        let mut delay = if err.is_unsent() && spare_endpoint {
            Duration::ZERO
        } else {
            let ceiling = policy.backoff_ceiling(attempt).as_nanos() as u64;
            Duration::from_nanos(crate::rand::next_u64() % ceiling.max(1))
        };
        if let Some(after) = err.retry_after() {
            delay = delay.max(after);
        }
        if Instant::now() + delay >= call.deadline {
            return Err(Some("not retried: the deadline would pass first"));
        }
        if let Some(b) = &self.budget {
            if !b.withdraw(now_ms()) {
                metrics::count_budget_exhausted(rpc.service, rpc.name);
                return Err(Some("not retried: the client's retry budget is spent"));
            }
        }
        Ok(delay)
    }

    fn all_open(
        &self,
        call: &OutgoingCall,
        endpoints: &[Arc<super::balance::Endpoint>],
        now: u64,
    ) -> Error {
        let next = endpoints
            .iter()
            .map(|e| e.next_probe_in(now))
            .min()
            .unwrap_or_default();
        Error::unavailable(format!(
            "{}: circuit open for every endpoint of {} ({} endpoint{}); next probe in {} ms",
            call.rpc.path(),
            call.rpc.service,
            endpoints.len(),
            if endpoints.len() == 1 { "" } else { "s" },
            next.as_millis()
        ))
    }
}

/// The error of a call whose deadline passed.
pub(crate) fn deadline_error(rpc: &RpcInfo, timeout: Duration) -> Error {
    Error::deadline_exceeded(format!(
        "{}: deadline of {} ms exceeded",
        rpc.path(),
        timeout.as_millis()
    ))
}
