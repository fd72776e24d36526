//! The bus's own series on `/metrics`, beside the runtime's per-rpc ones.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use crate::deliver::Stats;

pub(crate) struct BusMetrics {
    engine: &'static str,
    stored: AtomicU64,
    duplicates: AtomicU64,
    subscriptions: Mutex<Vec<(String, String, Arc<Stats>)>>,
}

impl BusMetrics {
    pub(crate) fn new(engine: &'static str) -> Self {
        BusMetrics {
            engine,
            stored: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            subscriptions: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn add_subscription(&self, subscriber: &str, topic: &str, stats: Arc<Stats>) {
        self.subscriptions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((subscriber.to_string(), topic.to_string(), stats));
    }

    /// A publish stored `stored` new events and found `duplicates` it had already.
    pub(crate) fn published(&self, stored: usize, duplicates: usize) {
        self.stored.fetch_add(stored as u64, Relaxed);
        self.duplicates.fetch_add(duplicates as u64, Relaxed);
    }

    pub(crate) fn render(&self, out: &mut String) {
        let engine = self.engine;
        let _ = writeln!(
            out,
            "# HELP brief_bus_events_stored_total Events stored (ids the bus did not hold yet).\n\
             # TYPE brief_bus_events_stored_total counter\n\
             brief_bus_events_stored_total{{engine=\"{engine}\"}} {}\n\
             # HELP brief_bus_events_duplicate_total Published events not stored again because the bus held their id.\n\
             # TYPE brief_bus_events_duplicate_total counter\n\
             brief_bus_events_duplicate_total{{engine=\"{engine}\"}} {}",
            self.stored.load(Relaxed),
            self.duplicates.load(Relaxed),
        );
        let subs = self.subscriptions.lock().unwrap_or_else(|e| e.into_inner());
        type Series = (&'static str, &'static str, &'static str, fn(&Stats) -> u64);
        let series: [Series; 4] = [
            (
                "brief_bus_subscriber_lag_events",
                "gauge",
                "Events stored and not yet acknowledged by the subscriber.",
                |s| s.lag.load(Relaxed),
            ),
            (
                "brief_bus_deliveries_total",
                "counter",
                "Events the subscriber acknowledged.",
                |s| s.delivered.load(Relaxed),
            ),
            (
                "brief_bus_delivery_failures_total",
                "counter",
                "Delivery attempts that failed and were retried.",
                |s| s.failed_attempts.load(Relaxed),
            ),
            (
                "brief_bus_subscriber_failing",
                "gauge",
                "1 while delivery of the subscriber's current event keeps failing.",
                |s| s.failing.load(Relaxed),
            ),
        ];
        for (name, kind, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (subscriber, topic, stats) in subs.iter() {
                let _ = writeln!(
                    out,
                    "{name}{{subscriber=\"{subscriber}\",topic=\"{topic}\"}} {}",
                    value(stats)
                );
            }
        }
    }
}
