//! Decode speed of the JSON codec: a two-field request (the common case), a typical
//! message with lists, maps and nested messages, and recursive `children` chains.
//!
//! Run: `cargo bench -p brief-runtime --bench codec`. Each case runs for `BENCH_MS`
//! (default 300) milliseconds per round, 7 rounds; the median round is reported. Run
//! without `--bench` (as `cargo test --benches` does) it does nothing.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use brief_runtime::{decode, Timestamp, WireMessage};
use serde::{Deserialize, Serialize};

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

/// `message Node { children []Node  next Node? }`
#[derive(Serialize, Deserialize)]
struct Node {
    #[serde(default, with = "brief_runtime::wire")]
    children: Vec<Node>,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    next: Option<Box<Node>>,
}
impl WireMessage for Node {}
impl WireMessage for Box<Node> {}

/// A `children` chain of `n` messages.
fn chain(n: usize) -> Vec<u8> {
    format!(
        "{}{{}}{}",
        r#"{"children":["#.repeat(n - 1),
        "]}".repeat(n - 1)
    )
    .into_bytes()
}

/// The median over 7 rounds of the time of one call of `f`.
fn measure(round: Duration, mut f: impl FnMut()) -> Duration {
    let mut per_call = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < round {
            f();
            n += 1;
        }
        per_call.push(start.elapsed() / n);
    }
    per_call.sort();
    per_call[3]
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
    let small = br#"{"a":1,"b":2}"#;
    let t = measure(round, || {
        black_box(decode::<SumIn>(black_box(small)).unwrap());
    });
    println!("small ({} B): {t:?}", small.len());
    let t = measure(round, || {
        black_box(decode::<Order>(black_box(ORDER.as_bytes())).unwrap());
    });
    println!("order ({} B): {t:?}", ORDER.len());
    for n in [60, 512, 1024] {
        let body = chain(n);
        if let Err(e) = decode::<Node>(&body) {
            println!("chain {n}: fails: {}", e.code());
            continue;
        }
        let t = measure(round, || {
            black_box(decode::<Node>(black_box(&body)).unwrap());
        });
        println!("chain {n} ({} B): {t:?}", body.len());
    }
}
