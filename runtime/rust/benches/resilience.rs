//! The happy-path cost of the client's resilience layers (balancer, breaker, retry
//! budget, retry bookkeeping) per call: the same calls through a client with every
//! layer on (the default) and through one with `ResilienceConfig::off()`, in the same
//! run, over an attempt transport that answers at once, so that the difference is the
//! layers and nothing else. Also counts allocations per call.
//!
//! Run: `cargo bench -p brief-runtime --bench resilience` (env `BENCH_CALLS`, default
//! 200000 per round; `BENCH_ROUNDS`, default 9). Writes its section of
//! docs/benchmarks.md.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use brief_runtime::{
    BoxFuture, Bytes, CallOptions, Client, ClientConfig, Error, OutgoingCall, ResilienceConfig,
    RpcInfo, Transport,
};

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator and counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Answers every attempt at once with `{}`.
struct Instant200;

impl Transport for Instant200 {
    fn send<'a>(&'a self, _call: &'a OutgoingCall) -> BoxFuture<'a, Result<Bytes, Error>> {
        Box::pin(async { Ok(Bytes::from_static(b"{}")) })
    }
}

const PUT: RpcInfo = RpcInfo {
    idempotent: true,
    ..RpcInfo::new("bench", "put")
};

fn client(resilience: ResilienceConfig) -> Client {
    let mut config = ClientConfig::default();
    config.base_urls = vec![
        "http://10.0.0.1:8080".into(),
        "http://10.0.0.2:8080".into(),
        "http://10.0.0.3:8080".into(),
    ];
    config.resilience = resilience;
    Client::with_transport("bench", config, Arc::new(Instant200)).expect("client")
}

/// Nanoseconds and allocations per call over `n` calls.
fn measure(rt: &tokio::runtime::Runtime, client: &Client, n: u64) -> (f64, f64) {
    let body = Bytes::from_static(b"{}");
    let options = CallOptions::default();
    rt.block_on(async {
        let allocs = ALLOCATIONS.load(Ordering::Relaxed);
        let start = Instant::now();
        for _ in 0..n {
            client
                .unary_raw(&PUT, body.clone(), &options)
                .await
                .expect("call");
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        let allocs = (ALLOCATIONS.load(Ordering::Relaxed) - allocs) as f64 / n as f64;
        (ns, allocs)
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Replaces the text between the `resilience-rust` markers of docs/benchmarks.md.
fn write_section(section: &str) -> std::io::Result<()> {
    const START: &str = "<!-- resilience-rust:start -->";
    const END: &str = "<!-- resilience-rust:end -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/benchmarks.md");
    let old = std::fs::read_to_string(&path)?;
    let block = format!("{START}\n{section}{END}");
    let new = match (old.find(START), old.find(END)) {
        (Some(s), Some(e)) if e > s => format!("{}{block}{}", &old[..s], &old[e + END.len()..]),
        _ => format!("{}\n{block}\n", old.trim_end()),
    };
    std::fs::write(path, new)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let calls = env_num("BENCH_CALLS", 200_000).max(1000);
    let rounds = env_num("BENCH_ROUNDS", 9).max(1) as usize;
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let off = client(ResilienceConfig::off());
    let on = client(ResilienceConfig::default());
    // Warm up both (metrics registries, the clock, caches).
    measure(&rt, &off, calls / 10);
    measure(&rt, &on, calls / 10);
    let (mut t_off, mut t_on, mut a_off, mut a_on) = (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        let (ns, a) = measure(&rt, &off, calls);
        t_off.push(ns);
        a_off.push(a);
        let (ns, a) = measure(&rt, &on, calls);
        t_on.push(ns);
        a_on.push(a);
        eprintln!(
            "round {}: off {:.0} ns/call, on {:.0} ns/call",
            round + 1,
            t_off[round],
            t_on[round]
        );
    }
    let (off_ns, on_ns) = (median(&mut t_off), median(&mut t_on));
    let (off_a, on_a) = (median(&mut a_off), median(&mut a_on));
    let cost = on_ns - off_ns;
    let section = format!(
        "### Rust\n\n\
         {calls} sequential calls per round through `Client::unary_raw` on a current-thread tokio runtime, \
         over an attempt transport that answers at once (3 endpoints), median of {rounds} interleaved rounds; \
         load average when it started: {load}. \
         `cargo bench -p brief-runtime --bench resilience`\n\n\
         | client | time per call | allocations per call |\n|---|---|---|\n\
         | `ResilienceConfig::off()` (one attempt, round-robin) | {off_ns:.0} ns | {off_a:.2} |\n\
         | default: balancer, breakers, budget, retry rules | {on_ns:.0} ns | {on_a:.2} |\n\n\
         Cost of the layers: **{cost:.0} ns per call** (target: under 2 µs), {:.2} allocations per call.\n",
        on_a - off_a
    );
    println!("{section}");
    if let Err(e) = write_section(&section) {
        eprintln!("cannot write docs/benchmarks.md: {e}");
    }
}
