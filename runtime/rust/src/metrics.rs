//! Lock-free per-rpc metrics rendered in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use crate::Code;

/// Upper bounds of the latency histogram, in seconds.
pub(crate) const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const BUCKETS_MICROS: [u64; 13] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// Counters of one rpc: requests by outcome (index 0 = ok, 1.. = [`Code`] index + 1) and
/// a latency histogram (non-cumulative buckets, the last one is +Inf).
#[derive(Debug, Default)]
pub(crate) struct RpcMetrics {
    by_code: [AtomicU64; 17],
    buckets: [AtomicU64; 14],
    sum_micros: AtomicU64,
}

impl RpcMetrics {
    pub(crate) fn record(&self, code: Option<Code>, elapsed: Duration) {
        let i = code.map_or(0, |c| c.index() + 1);
        self.by_code[i].fetch_add(1, Relaxed);
        let micros = elapsed.as_micros() as u64;
        let b = BUCKETS_MICROS
            .iter()
            .position(|&ub| micros <= ub)
            .unwrap_or(BUCKETS_MICROS.len());
        self.buckets[b].fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(micros, Relaxed);
    }

    /// How many requests ended with `code` (`None` = ok).
    #[cfg(test)]
    pub(crate) fn count(&self, code: Option<Code>) -> u64 {
        self.by_code[code.map_or(0, |c| c.index() + 1)].load(Relaxed)
    }
}

type ClientRegistry = RwLock<BTreeMap<(&'static str, &'static str), Arc<RpcMetrics>>>;

fn client_registry() -> &'static ClientRegistry {
    static REGISTRY: OnceLock<ClientRegistry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The process-wide metrics of outgoing calls to `service`/`rpc`.
pub(crate) fn client_rpc(service: &'static str, rpc: &'static str) -> Arc<RpcMetrics> {
    let reg = client_registry();
    if let Some(m) = reg
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(service, rpc))
    {
        return m.clone();
    }
    reg.write()
        .unwrap_or_else(|e| e.into_inner())
        .entry((service, rpc))
        .or_default()
        .clone()
}

/// Renders the metrics of every rpc this process has called (`brief_client_*`).
pub(crate) fn render_client(out: &mut String) {
    let reg = client_registry().read().unwrap_or_else(|e| e.into_inner());
    if !reg.is_empty() {
        render(
            out,
            "brief_client",
            reg.iter().map(|((s, r), m)| (*s, *r, m.as_ref())),
        );
    }
    drop(reg);
    crate::client::render_resilience_metrics(out);
}

fn code_name(i: usize) -> &'static str {
    if i == 0 {
        "ok"
    } else {
        Code::ALL[i - 1].as_str()
    }
}

/// Renders the metrics of `rpcs` ((service, rpc, metrics) triples) with `prefix`
/// (`brief_server`).
pub(crate) fn render<'a>(
    out: &mut String,
    prefix: &str,
    rpcs: impl Iterator<Item = (&'a str, &'a str, &'a RpcMetrics)> + Clone,
) {
    let _ = writeln!(
        out,
        "# HELP {prefix}_requests_total Requests handled, by rpc and result code.\n# TYPE {prefix}_requests_total counter"
    );
    for (service, rpc, m) in rpcs.clone() {
        for (i, c) in m.by_code.iter().enumerate() {
            let n = c.load(Relaxed);
            if n > 0 || i == 0 {
                let _ = writeln!(
                    out,
                    "{prefix}_requests_total{{service=\"{service}\",rpc=\"{rpc}\",code=\"{}\"}} {n}",
                    code_name(i)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP {prefix}_request_duration_seconds Request latency.\n# TYPE {prefix}_request_duration_seconds histogram"
    );
    for (service, rpc, m) in rpcs {
        let mut cumulative = 0;
        for (i, b) in m.buckets.iter().enumerate() {
            cumulative += b.load(Relaxed);
            let le = BUCKETS
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |v| v.to_string());
            let _ = writeln!(
                out,
                "{prefix}_request_duration_seconds_bucket{{service=\"{service}\",rpc=\"{rpc}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let sum = m.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "{prefix}_request_duration_seconds_sum{{service=\"{service}\",rpc=\"{rpc}\"}} {sum}\n{prefix}_request_duration_seconds_count{{service=\"{service}\",rpc=\"{rpc}\"}} {cumulative}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_counts_and_histogram() {
        let m = RpcMetrics::default();
        m.record(None, Duration::from_micros(500));
        m.record(None, Duration::from_millis(30));
        m.record(Some(Code::NotFound), Duration::from_secs(20));
        assert_eq!(m.count(None), 2);
        let mut s = String::new();
        render(&mut s, "brief_server", [("summer", "sum", &m)].into_iter());
        assert!(
            s.contains("brief_server_requests_total{service=\"summer\",rpc=\"sum\",code=\"ok\"} 2")
        );
        assert!(s.contains("code=\"not_found\"} 1"));
        assert!(s.contains("le=\"0.001\"} 1\n"));
        assert!(s.contains("le=\"0.05\"} 2\n"));
        assert!(s.contains("le=\"10\"} 2\n"));
        assert!(s.contains("le=\"+Inf\"} 3\n"));
        assert!(s.contains(
            "brief_server_request_duration_seconds_count{service=\"summer\",rpc=\"sum\"} 3"
        ));
    }
}
