//! The metrics of the resilience layers, rendered after the per-rpc client metrics
//! (`brief_client_*`) on every `/metrics`: retries and budget exhaustion per rpc, and
//! circuit breaker state and transitions per endpoint.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use super::breaker::State;

/// Breaker state and transitions of one endpoint of one service, shared by every
/// client of that service in the process (the gauge shows the state last entered).
#[derive(Debug)]
pub(crate) struct EndpointMetrics {
    state: AtomicU8,
    /// Transitions into closed, open, half-open.
    transitions: [AtomicU64; 3],
}

type EndpointRegistry = Mutex<BTreeMap<(Arc<str>, Arc<str>), Weak<EndpointMetrics>>>;

fn endpoints() -> &'static EndpointRegistry {
    static REGISTRY: OnceLock<EndpointRegistry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl EndpointMetrics {
    /// The metrics of `url` as an endpoint of `service` (created on first use; gone
    /// from `/metrics` once no client holds the endpoint).
    pub(crate) fn register(service: &Arc<str>, url: &str) -> Arc<EndpointMetrics> {
        let mut reg = endpoints().lock().unwrap_or_else(PoisonError::into_inner);
        let key = (service.clone(), Arc::<str>::from(url));
        if let Some(m) = reg.get(&key).and_then(Weak::upgrade) {
            return m;
        }
        let m = Arc::new(EndpointMetrics {
            state: AtomicU8::new(State::Closed as u8),
            transitions: Default::default(),
        });
        reg.insert(key, Arc::downgrade(&m));
        m
    }

    pub(crate) fn set_state(&self, state: State) {
        self.state.store(state as u8, Relaxed);
        self.transitions[state as usize].fetch_add(1, Relaxed);
    }
}

/// Retries and budget exhaustion of one rpc.
#[derive(Debug, Default)]
pub(crate) struct RetryMetrics {
    retries: AtomicU64,
    budget_exhausted: AtomicU64,
}

type RpcRegistry = Mutex<BTreeMap<(&'static str, &'static str), Arc<RetryMetrics>>>;

fn rpcs() -> &'static RpcRegistry {
    static REGISTRY: OnceLock<RpcRegistry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The retry counters of `service`/`rpc` (looked up only when a call retries).
fn retry_metrics(service: &'static str, rpc: &'static str) -> Arc<RetryMetrics> {
    rpcs()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry((service, rpc))
        .or_default()
        .clone()
}

/// Counts a retry of `service`/`rpc`.
pub(crate) fn count_retry(service: &'static str, rpc: &'static str) {
    retry_metrics(service, rpc).retries.fetch_add(1, Relaxed);
}

/// Counts a retry of `service`/`rpc` that the budget refused.
pub(crate) fn count_budget_exhausted(service: &'static str, rpc: &'static str) {
    retry_metrics(service, rpc)
        .budget_exhausted
        .fetch_add(1, Relaxed);
}

/// Appends a metric family's `# HELP` and `# TYPE` lines.
fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Appends one sample: `name{service="..",key="value"[,state=".."]} n`.
fn sample(
    out: &mut String,
    name: &str,
    service: &str,
    label: (&str, &str),
    state: Option<&str>,
    n: u64,
) {
    let (key, value) = label;
    let _ = write!(
        out,
        "{name}{{service=\"{}\",{key}=\"{}\"",
        escape(service),
        escape(value)
    );
    if let Some(state) = state {
        let _ = write!(out, ",state=\"{state}\"");
    }
    let _ = writeln!(out, "}} {n}");
}

type RpcCounter = fn(&RetryMetrics) -> &AtomicU64;

/// Appends the resilience metrics (Prometheus text) to `out`.
pub(crate) fn render(out: &mut String) {
    let rpcs = rpcs().lock().unwrap_or_else(PoisonError::into_inner);
    let per_rpc: [(&str, &str, RpcCounter); 2] = [
        (
            "brief_client_retries_total",
            "Retries made (attempts after the first), by rpc.",
            |m| &m.retries,
        ),
        (
            "brief_client_retry_budget_exhausted_total",
            "Retries not made because the client's retry budget was spent, by rpc.",
            |m| &m.budget_exhausted,
        ),
    ];
    for (name, help, counter) in per_rpc {
        if rpcs.is_empty() {
            break;
        }
        header(out, name, "counter", help);
        for ((service, rpc), m) in rpcs.iter() {
            sample(
                out,
                name,
                service,
                ("rpc", rpc),
                None,
                counter(m).load(Relaxed),
            );
        }
    }
    drop(rpcs);
    let mut reg = endpoints().lock().unwrap_or_else(PoisonError::into_inner);
    reg.retain(|_, m| m.strong_count() > 0);
    let live: Vec<_> = reg
        .iter()
        .filter_map(|((s, u), m)| Some((s.clone(), u.clone(), m.upgrade()?)))
        .collect();
    drop(reg);
    if live.is_empty() {
        return;
    }
    let name = "brief_client_circuit_state";
    let help = "Circuit breaker state per endpoint: 0 closed, 1 open, 2 half-open.";
    header(out, name, "gauge", help);
    for (service, url, m) in &live {
        let state = u64::from(m.state.load(Relaxed));
        sample(out, name, service, ("endpoint", url), None, state);
    }
    let name = "brief_client_circuit_transitions_total";
    let help = "Circuit breaker state changes per endpoint, by the state entered.";
    header(out, name, "counter", help);
    for (service, url, m) in &live {
        for state in [State::Closed, State::Open, State::HalfOpen] {
            let n = m.transitions[state as usize].load(Relaxed);
            sample(
                out,
                name,
                service,
                ("endpoint", url),
                Some(state.as_str()),
                n,
            );
        }
    }
}

/// A Prometheus label value: backslash, quote and newline escaped.
fn escape(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains(['\\', '"', '\n']) {
        return v.into();
    }
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .into()
}

/// The Prometheus text of every client metric of this process (`brief_client_*`):
/// calls per rpc and code, latency, retries, budget exhaustion, breaker states. A
/// server's `/metrics` includes it; a process without a server can serve this.
pub fn client_metrics_text() -> String {
    let mut out = String::new();
    crate::metrics::render_client(&mut out);
    out
}
