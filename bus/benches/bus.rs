//! Publish throughput and end-to-end latency of `brief-bus` on both stores, against bare
//! JetStream publishes with the NATS client as the anchor, in one run. Writes the
//! `events` section of docs/benchmarks.md.
//!
//! `cargo bench -p brief-bus --bench bus` (needs `nats-server` on PATH).
//! `BENCH_NO_WRITE=1` prints the table without touching docs/benchmarks.md.
//!
//! Everything runs on this machine: the bus, its publishers and the subscriber share
//! one process (a 2-worker tokio runtime); nats-server is a process of its own.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use brief_bus::config::Config;
use brief_bus::Bus;
use brief_runtime::{Client, ClientConfig};
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const ROUNDS: usize = 3;
const BATCH: usize = 500;
const BATCH_PUBLISHERS: usize = 4;
const BATCHED_EVENTS: usize = 100_000;
const SINGLE_PUBLISHERS: usize = 32;
const SINGLE_EVENTS: usize = 10_000;
const LATENCY_EVENTS: usize = 1_000;
const LATENCY_INTERVAL: Duration = Duration::from_millis(2);

/// The data of every benchmark event: a typical small message.
const DATA: &str = r#"{"serviceId":123456,"userId":42,"name":"image-storage","plan":"standard","region":"eu-west-1","tags":["a","b","c"]}"#;

fn event_json(topic: &str, id: &str) -> String {
    format!(
        r#"{{"specversion":"1.0","id":"{id}","source":"bench","type":"{topic}","time":"2026-01-02T03:04:05.123456Z","datacontenttype":"application/json","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","data":{DATA}}}"#
    )
}

struct Row {
    what: String,
    batched: f64,
    /// CPU time per event of the batched run, of this process and nats-server.
    batched_cpu: Duration,
    single: f64,
    p50: Duration,
    p99: Duration,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// CPU time (user + system) a process has used so far, from /proc (Linux only; zero
/// elsewhere).
fn cpu_time(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// CPU time of this process and, when given, nats-server.
fn cpu_of(nats: Option<u32>) -> Duration {
    cpu_time(std::process::id()) + nats.map_or(Duration::ZERO, cpu_time)
}

/// Arrival times of events at the subscriber, by id.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// A subscriber that records when each event arrived and answers 200.
async fn start_sink() -> (SocketAddr, Arrivals) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let arrivals: Arrivals = Default::default();
    let seen = arrivals.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let seen = seen.clone();
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let seen = seen.clone();
                async move {
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    let at = Instant::now();
                    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    seen.lock()
                        .unwrap()
                        .insert(v["id"].as_str().unwrap().to_string(), at);
                    Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from_static(
                        b"{}",
                    ))))
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (addr, arrivals)
}

async fn publish(client: &Client, events: &[String]) {
    let body = format!("{{\"events\":[{}]}}", events.join(","));
    client
        .unary_raw(
            &brief_bus::rpc::data_bus::PUBLISH,
            Bytes::from(body),
            &Default::default(),
        )
        .await
        .expect("publish");
}

/// Events per second of `total` events sent by `publishers` concurrent publishers in
/// requests of `per_request` events.
async fn bus_throughput(
    url: &str,
    round: &str,
    total: usize,
    publishers: usize,
    per_request: usize,
) -> f64 {
    let per_publisher = total / publishers;
    let mut bodies: Vec<Vec<Vec<String>>> = Vec::new();
    for p in 0..publishers {
        let events: Vec<String> = (0..per_publisher)
            .map(|i| event_json("bench.load", &format!("{round}-{p}-{i}")))
            .collect();
        bodies.push(events.chunks(per_request).map(<[String]>::to_vec).collect());
    }
    let start = Instant::now();
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|requests| {
            let client = Client::new("data-bus", ClientConfig::with_url(url)).unwrap();
            tokio::spawn(async move {
                for events in requests {
                    publish(&client, &events).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (per_publisher * publishers) as f64 / start.elapsed().as_secs_f64()
}

/// Publish → arrival at the subscriber, one event every LATENCY_INTERVAL.
async fn bus_latency(url: &str, round: &str, arrivals: &Arrivals) -> Vec<Duration> {
    let client = Client::new("data-bus", ClientConfig::with_url(url)).unwrap();
    let mut sent = Vec::with_capacity(LATENCY_EVENTS);
    let mut tick = tokio::time::interval(LATENCY_INTERVAL);
    for i in 0..LATENCY_EVENTS {
        tick.tick().await;
        let id = format!("{round}-lat-{i}");
        let start = Instant::now();
        publish(&client, &[event_json("bench.latency", &id)]).await;
        sent.push((id, start));
    }
    wait_arrivals(arrivals, &sent).await
}

async fn wait_arrivals(arrivals: &Arrivals, sent: &[(String, Instant)]) -> Vec<Duration> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        {
            let got = arrivals.lock().unwrap();
            if sent.iter().all(|(id, _)| got.contains_key(id)) {
                return sent.iter().map(|(id, start)| got[id] - *start).collect();
            }
        }
        assert!(Instant::now() < deadline, "events did not arrive");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn measure_bus(
    what: &str,
    config: &str,
    dir: &Path,
    arrivals: &Arrivals,
    nats: Option<u32>,
) -> Row {
    let config = Config::parse(config, dir).unwrap();
    let bus = Bus::start(config).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = brief_runtime::Server::new(bus.router());
    let shutdown = server.shutdown_handle();
    let served = tokio::spawn(server.serve_listener(listener));
    let (mut batched, mut single, mut latencies) = (Vec::new(), Vec::new(), Vec::new());
    let mut batched_cpu = Duration::ZERO;
    for r in 0..ROUNDS {
        let round = format!("{what}-{r}");
        let cpu = cpu_of(nats);
        batched.push(
            bus_throughput(
                &url,
                &format!("{round}-b"),
                BATCHED_EVENTS,
                BATCH_PUBLISHERS,
                BATCH,
            )
            .await,
        );
        batched_cpu += cpu_of(nats) - cpu;
        single.push(
            bus_throughput(
                &url,
                &format!("{round}-s"),
                SINGLE_EVENTS,
                SINGLE_PUBLISHERS,
                1,
            )
            .await,
        );
        latencies.extend(bus_latency(&url, &round, arrivals).await);
        eprintln!(
            "{what} round {r}: batched {:.0}/s single {:.0}/s",
            batched[r], single[r]
        );
    }
    shutdown.shutdown();
    let _ = served.await;
    bus.shutdown().await;
    latencies.sort();
    Row {
        what: what.to_string(),
        batched: median(batched),
        batched_cpu: batched_cpu / (ROUNDS * BATCHED_EVENTS) as u32,
        single: median(single),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
    }
}

/// Bare JetStream with the NATS client: the same three measurements, publishing to a
/// stream of its own and reading it with a pull consumer.
async fn measure_anchor(nats_url: &str, nats: u32) -> Row {
    let client = async_nats::connect(nats_url).await.unwrap();
    let js = jetstream::new(client);
    let stream = js
        .get_or_create_stream(jetstream::stream::Config {
            name: "ANCHOR".into(),
            subjects: vec!["anchor.>".into()],
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        })
        .await
        .unwrap();
    let payload = Bytes::from(event_json("anchor.load", "x"));
    let (mut batched, mut single, mut latencies) = (Vec::new(), Vec::new(), Vec::new());
    let mut batched_cpu = Duration::ZERO;
    for r in 0..ROUNDS {
        let cpu = cpu_of(Some(nats));
        let start = Instant::now();
        let tasks: Vec<_> = (0..BATCH_PUBLISHERS)
            .map(|p| {
                let (js, payload) = (js.clone(), payload.clone());
                tokio::spawn(async move {
                    for b in 0..BATCHED_EVENTS / BATCH_PUBLISHERS / BATCH {
                        let mut acks = Vec::with_capacity(BATCH);
                        for i in 0..BATCH {
                            let m = jetstream::message::PublishMessage::build()
                                .message_id(format!("{r}-b-{p}-{b}-{i}"))
                                .payload(payload.clone());
                            acks.push(js.send_publish("anchor.load", m).await.unwrap());
                        }
                        for ack in acks {
                            ack.await.unwrap();
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        batched.push(BATCHED_EVENTS as f64 / start.elapsed().as_secs_f64());
        batched_cpu += cpu_of(Some(nats)) - cpu;

        let start = Instant::now();
        let tasks: Vec<_> = (0..SINGLE_PUBLISHERS)
            .map(|p| {
                let (js, payload) = (js.clone(), payload.clone());
                tokio::spawn(async move {
                    for i in 0..SINGLE_EVENTS / SINGLE_PUBLISHERS {
                        let m = jetstream::message::PublishMessage::build()
                            .message_id(format!("{r}-s-{p}-{i}"))
                            .payload(payload.clone());
                        js.send_publish("anchor.load", m)
                            .await
                            .unwrap()
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        single.push(SINGLE_EVENTS as f64 / start.elapsed().as_secs_f64());

        // Latency: publish (acknowledged) → a durable pull consumer's receive.
        let consumer: jetstream::consumer::PullConsumer = stream
            .create_consumer(jetstream::consumer::pull::Config {
                durable_name: Some(format!("anchor-{r}")),
                filter_subject: format!("anchor.latency.{r}"),
                ..Default::default()
            })
            .await
            .unwrap();
        let arrivals: Arrivals = Default::default();
        let seen = arrivals.clone();
        let reader = tokio::spawn(async move {
            let mut messages = consumer.messages().await.unwrap();
            while let Some(Ok(m)) = messages.next().await {
                let at = Instant::now();
                let id = String::from_utf8_lossy(&m.payload).into_owned();
                seen.lock().unwrap().insert(id, at);
                m.ack().await.unwrap();
            }
        });
        let mut sent = Vec::with_capacity(LATENCY_EVENTS);
        let mut tick = tokio::time::interval(LATENCY_INTERVAL);
        for i in 0..LATENCY_EVENTS {
            tick.tick().await;
            let id = format!("{r}-lat-{i}");
            let start = Instant::now();
            js.publish(format!("anchor.latency.{r}"), Bytes::from(id.clone()))
                .await
                .unwrap()
                .await
                .unwrap();
            sent.push((id, start));
        }
        latencies.extend(wait_arrivals(&arrivals, &sent).await);
        reader.abort();
        eprintln!(
            "anchor round {r}: batched {:.0}/s single {:.0}/s",
            batched[r], single[r]
        );
    }
    latencies.sort();
    Row {
        what: "bare JetStream publish (async-nats), the anchor".into(),
        batched: median(batched),
        batched_cpu: batched_cpu / (ROUNDS * BATCHED_EVENTS) as u32,
        single: median(single),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
    }
}

struct Nats {
    child: Child,
    url: String,
    _dir: TempDir,
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_nats() -> Nats {
    let dir = TempDir::new("nats");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(&dir.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server on PATH");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "nats-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Nats {
        child,
        url: format!("nats://127.0.0.1:{port}"),
        _dir: dir,
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("brief-bus-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let load_before = load_average();
    let rows = runtime.block_on(async {
        let (sink, arrivals) = start_sink().await;
        // The bus finds its subscriber like any service: SERVICE_SINK_URL.
        std::env::set_var("SERVICE_SINK_URL", format!("http://{sink}"));
        let subscriptions = "[subscriptions]\n\"bench.latency\" = [\"sink\"]\n";
        let dir = TempDir::new("embedded");
        let embedded = measure_bus(
            "brief-bus, embedded store (SQLite, fsync per commit)",
            &format!("{subscriptions}[store]\npath = \"bus.db\"\n"),
            &dir.0,
            &arrivals,
            None,
        )
        .await;
        let nats = start_nats();
        let js = measure_bus(
            "brief-bus, JetStream store (1 node, file storage)",
            &format!(
                "{subscriptions}[store]\nengine = \"jetstream\"\nservers = [\"{}\"]\n",
                nats.url
            ),
            &dir.0,
            &arrivals,
            Some(nats.child.id()),
        )
        .await;
        let anchor = measure_anchor(&nats.url, nats.child.id()).await;
        vec![embedded, js, anchor]
    });
    let load_after = load_average();
    let mut table = String::from(
        "| what | batched: events/s | batched: CPU per event | single: events/s | end to end p50 | end to end p99 |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        table.push_str(&format!(
            "| {} | {:.0} | {:.1} µs | {:.0} | {:.2} ms | {:.2} ms |\n",
            r.what,
            r.batched,
            r.batched_cpu.as_secs_f64() * 1e6,
            r.single,
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3
        ));
    }
    let nats_version = Command::new("nats-server")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let section = format!(
        "## Events: brief-bus publish throughput and end-to-end latency\n\n\
         Publishers, the bus and the subscriber in one process (a {cores}-worker tokio runtime, {cores} cores), over loopback; \
         {nats_version} as its own process (JetStream, file storage, one node). Events of {} bytes. \
         Batched: {BATCH_PUBLISHERS} publishers, {BATCH} events per request, {BATCHED_EVENTS} events. \
         Single: {SINGLE_PUBLISHERS} concurrent publishers, one event per request, {SINGLE_EVENTS} events. \
         A publish counts once the bus (or JetStream) acknowledged it: after fsync for the embedded store, after JetStream's ack for the others. \
         End to end: one event every {} ms, {LATENCY_EVENTS} per round, from the start of the publish call to the subscriber's receipt \
         (bus: HTTP delivery to `/sink/events/bench.latency`; anchor: a durable pull consumer). \
         Throughput is the median of {ROUNDS} rounds, latency percentiles over all rounds. \
         CPU per event: user and system time of this process (publishers, bus, subscriber) and nats-server, over all batched rounds: \
         it depends less than throughput on what else the machine runs. \
         Load average before and after the run: {load_before} and {load_after} (on {cores} cores). \
         `cargo bench -p brief-bus --bench bus`\n\n{table}\n\
         Target: at least 50,000 events/s batched on the embedded store: {}.\n",
        event_json("bench.load", "00000000-0000-0000-0000-000000000000").len(),
        LATENCY_INTERVAL.as_millis(),
        if rows[0].batched >= 50_000.0 { "met" } else { "NOT met" },
    );
    println!("{section}");
    if std::env::var_os("BENCH_NO_WRITE").is_none() {
        match write_section(&section) {
            Ok(path) => eprintln!("wrote {}", path.display()),
            Err(e) => eprintln!("cannot write docs/benchmarks.md: {e}"),
        }
    }
}

/// The 1-minute load average, from /proc/loadavg.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Replaces the `events` section of docs/benchmarks.md, or appends it.
fn write_section(section: &str) -> std::io::Result<PathBuf> {
    const START: &str = "<!-- events:start -->";
    const END: &str = "<!-- events:end -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/benchmarks.md");
    let old = std::fs::read_to_string(&path)?;
    let block = format!("{START}\n{section}{END}");
    let new = match (old.find(START), old.find(END)) {
        (Some(s), Some(e)) if e > s => format!("{}{block}{}", &old[..s], &old[e + END.len()..]),
        _ => {
            let sep = if old.ends_with('\n') { "" } else { "\n" };
            format!("{old}{sep}{block}\n")
        }
    };
    std::fs::write(&path, new)?;
    Ok(path)
}
