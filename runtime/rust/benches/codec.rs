//! Decode speed of the JSON codec: a two-field request (the common case, next to bare
//! serde_json reading the same struct), a typical message with lists, maps and nested
//! messages, recursive chains up to the nesting limit, and hostile nesting far past it.
//! Time per byte staying flat as the chains deepen shows decoding is linear in depth.
//!
//! Run: `cargo bench -p brief-runtime --bench codec`; it writes the `codec-rust` section
//! of docs/benchmarks.md. Each case runs for `BENCH_MS` (default 300) milliseconds per
//! round, 7 rounds; the median round counts. Time is the thread's CPU time (from
//! /proc/thread-self/schedstat), which other processes on a busy machine disturb less
//! than wall time. Run without `--bench` (as `cargo test --benches` does) it does
//! nothing.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use brief_runtime::{decode, Timestamp, WireMessage};
use shapes::Node;

#[path = "../tests/shapes/mod.rs"]
mod shapes;
use serde::{Deserialize, Serialize};

/// `SumIn` as a hand-written serde struct, for bare serde_json.
#[derive(Deserialize)]
struct BareSumIn {
    a: i64,
    b: i64,
}

#[derive(Serialize, Deserialize)]
struct SumIn {
    #[serde(with = "brief_runtime::wire")]
    a: i64,
    #[serde(with = "brief_runtime::wire")]
    b: i64,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
enum Color {
    #[serde(rename = "red")]
    Red,
    #[serde(rename = "green")]
    Green,
}
impl WireMessage for Color {}

#[derive(Serialize, Deserialize)]
struct Item {
    #[serde(rename = "userId", with = "brief_runtime::wire")]
    user_id: i64,
    #[serde(with = "brief_runtime::wire")]
    color: Color,
    #[serde(default, with = "brief_runtime::wire")]
    tags: Vec<String>,
}
impl WireMessage for Item {}

#[derive(Serialize, Deserialize)]
struct Order {
    #[serde(with = "brief_runtime::wire")]
    id: i64,
    #[serde(with = "brief_runtime::wire")]
    price: f64,
    #[serde(with = "brief_runtime::wire")]
    paid: bool,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    note: Option<String>,
    #[serde(with = "brief_runtime::wire")]
    blob: Vec<u8>,
    #[serde(with = "brief_runtime::wire")]
    at: Timestamp,
    #[serde(default, with = "brief_runtime::wire")]
    items: Vec<Item>,
    #[serde(default, with = "brief_runtime::wire")]
    labels: BTreeMap<String, i64>,
    #[serde(with = "brief_runtime::wire")]
    main: Item,
    #[serde(default, with = "brief_runtime::wire")]
    colors: BTreeMap<String, Color>,
    #[serde(default, with = "brief_runtime::wire")]
    nested: Vec<Vec<i64>>,
}

const ORDER: &str = r#"{"id":"42","price":19.5,"paid":true,"note":"rush","blob":"AQIDBA==","at":"2024-05-01T12:00:00.5+02:00","items":[{"userId":1,"color":"red","tags":["a","b"]},{"userId":2,"color":"green","tags":[]},{"userId":3,"color":"red"}],"labels":{"x":1,"y":2},"main":{"userId":7,"color":"red"},"colors":{"k":"green"},"nested":[[1,2],[3]]}"#;

/// A `children` chain of `n` messages (2n - 1 levels deep).
fn chain(n: usize) -> Vec<u8> {
    format!(
        "{}{{}}{}",
        r#"{"children":["#.repeat(n - 1),
        "]}".repeat(n - 1)
    )
    .into_bytes()
}

/// A `next` chain `n` messages (levels) deep.
fn next_chain(n: usize) -> Vec<u8> {
    format!("{}{{}}{}", r#"{"next":"#.repeat(n - 1), "}".repeat(n - 1)).into_bytes()
}

/// CPU time this thread has used so far.
fn cpu_time() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text.split_whitespace().next().and_then(|n| n.parse().ok());
    Duration::from_nanos(ns.unwrap_or(0))
}

/// The median over 7 rounds of the CPU time of one call of `f` (wall time where
/// /proc is missing).
fn measure(round: Duration, mut f: impl FnMut()) -> Duration {
    let proc_ok = cpu_time() > Duration::ZERO;
    let mut per_call = Vec::new();
    for _ in 0..7 {
        let (wall, cpu) = (Instant::now(), cpu_time());
        let mut n = 0u32;
        while n == 0 || wall.elapsed() < round {
            for _ in 0..16 {
                f();
            }
            n += 16;
        }
        let spent = if proc_ok {
            cpu_time() - cpu
        } else {
            wall.elapsed()
        };
        per_call.push(spent / n);
    }
    per_call.sort();
    per_call[3]
}

struct Row {
    case: String,
    bytes: usize,
    time: Duration,
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let ms = std::env::var("BENCH_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let round = Duration::from_millis(ms);
    let mut rows = Vec::new();
    let mut row = |case: &str, body: &[u8], time: Duration| {
        println!("{case:<48} {:>7} B  {:>10.2?}", body.len(), time);
        rows.push(Row {
            case: case.to_string(),
            bytes: body.len(),
            time,
        });
    };

    let small = br#"{"a":1,"b":2}"#;
    // The first second of a run is slower whatever it does (the allocator, the CPU's
    // clock): spend it before measuring.
    let warm_up = Instant::now();
    while warm_up.elapsed() < Duration::from_secs(1) {
        black_box(decode::<Order>(black_box(ORDER.as_bytes())).unwrap());
    }
    let t = measure(round, || {
        let v = decode::<SumIn>(black_box(small)).unwrap();
        black_box(v.a + v.b);
    });
    row("`SumIn` (two ints), brief_runtime::decode", small, t);
    let t = measure(round, || {
        let v = serde_json::from_slice::<BareSumIn>(black_box(small)).unwrap();
        black_box(v.a + v.b);
    });
    row("`SumIn`, bare serde_json::from_slice", small, t);
    let t = measure(round, || {
        black_box(decode::<Order>(black_box(ORDER.as_bytes())).unwrap());
    });
    row(
        "`Order` (every type, lists, maps, messages)",
        ORDER.as_bytes(),
        t,
    );
    for n in [64, 512, 1024] {
        let body = chain(n);
        let t = measure(round, || {
            black_box(decode::<Node>(black_box(&body)).unwrap());
        });
        row(&format!("`children` chain, {n} messages"), &body, t);
    }
    let body = next_chain(brief_runtime::wire::MAX_DEPTH);
    let t = measure(round, || {
        black_box(decode::<Node>(black_box(&body)).unwrap());
    });
    row(
        &format!("`next` chain, {} messages", brief_runtime::wire::MAX_DEPTH),
        &body,
        t,
    );
    let body = r#"{"next":"#.repeat(200_000).into_bytes();
    let t = measure(round, || {
        black_box(decode::<Node>(black_box(&body)).is_err());
    });
    row("200,000 levels deep (rejected)", &body, t);

    let mut section = format!(
        "## Rust: decoding JSON\n\n\
         CPU time of one `brief_runtime::decode` (median of 7 rounds of {ms} ms, from this \
         thread's schedstat, after 1 s of warm-up), bench profile, {} cores. \
         `cargo bench -p brief-runtime --bench codec`\n\n\
         | input | bytes | time | per byte |\n|---|---:|---:|---:|\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    for r in &rows {
        section.push_str(&format!(
            "| {} | {} | {:.2} µs | {:.1} ns |\n",
            r.case,
            r.bytes,
            r.time.as_secs_f64() * 1e6,
            r.time.as_secs_f64() * 1e9 / r.bytes as f64
        ));
    }
    section.push_str(
        "\nThe chains take about the same time per byte at every depth: decoding is linear \
         in the size of the input whatever its nesting. Input deeper than the limit (2,048 \
         levels) is rejected after reading that far.\n",
    );
    match write_section(&section) {
        Ok(()) => println!("wrote the codec-rust section of docs/benchmarks.md"),
        Err(e) => eprintln!("cannot write docs/benchmarks.md: {e}"),
    }
}

/// Replaces the text between the `codec-rust` markers of docs/benchmarks.md, or
/// appends the section when the markers are missing.
fn write_section(section: &str) -> std::io::Result<()> {
    const START: &str = "<!-- codec-rust:start -->";
    const END: &str = "<!-- codec-rust:end -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/benchmarks.md");
    let old = std::fs::read_to_string(&path)?;
    let block = format!("{START}\n{section}{END}");
    let new = match (old.find(START), old.find(END)) {
        (Some(s), Some(e)) if e > s => format!("{}{block}{}", &old[..s], &old[e + END.len()..]),
        _ => format!("{}\n{block}\n", old.trim_end()),
    };
    std::fs::write(&path, new)
}
