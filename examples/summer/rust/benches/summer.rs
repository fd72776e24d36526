//! Requests per second and latency of the GENERATED summer server against bare hyper 1,
//! over real loopback sockets with HTTP/1.1 keep-alive.
//!
//! Three servers answer `POST /summer/sum` with body `{"a":1,"b":2}`:
//!
//! * bare hyper, fixed body: reads the request body and answers a constant `{"sum":3}`;
//! * bare hyper, JSON: decodes the body into the generated `SumIn` and encodes a `SumOut`
//!   with `serde_json`, the same work the generated server does, minus the runtime;
//! * generated: `summer_example::rpc::summer::router(Adder)` on `brief_runtime::Server`
//!   (routing, content-type check, context, deadline, metrics, request id, ...).
//!
//! Each server runs on its own tokio runtime with one worker thread; the load generator
//! (64 keep-alive connections, one task each, a minimal wrk-like HTTP/1.1 client) runs on a
//! single-threaded runtime on the main thread, so on a 2-core machine each side gets one
//! core. Every round is a 1 s warm-up then a measured window; every server gets 2 rounds
//! (interleaved) and the best one counts. Every latency of the measured window is kept,
//! p50 and p99 come from the sorted list.
//!
//! Run: `cargo bench -p summer-example --bench summer`. Environment: `BENCH_SECS`
//! (measured seconds per round, default 5), `BENCH_CONNS` (default 64), `BENCH_WRITE=0`
//! to not rewrite the `rust` section of `docs/benchmarks.md`, `BENCH_ONLY=generated`
//! (or `bare-fixed`, `bare-json`) to load one server only, e.g. under `perf record`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use summer_example::rpc::summer::{SumIn, SumOut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ANSWER: &[u8] = br#"{"sum":3}"#;
const WARM_UP: Duration = Duration::from_secs(1);
const ROUNDS: usize = 2;

const WARMING: u8 = 0;
const MEASURING: u8 = 1;
const STOPPED: u8 = 2;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    BareFixed,
    BareJson,
    Generated,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::BareFixed => "bare-fixed",
            Kind::BareJson => "bare-json",
            Kind::Generated => "generated",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::BareFixed => "bare hyper, fixed body",
            Kind::BareJson => "bare hyper, same JSON decode/encode",
            Kind::Generated => "generated (brief)",
        }
    }
}

/// A tokio runtime with one worker thread, for one server.
fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime")
}

fn json_response(body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// The bare servers' handler: always reads the whole body; `json` decides whether the
/// answer is decoded/encoded or a constant.
async fn bare_handle(
    req: Request<Incoming>,
    json: bool,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let body = req.into_body().collect().await?.to_bytes();
    if !json {
        return Ok(json_response(Bytes::from_static(ANSWER)));
    }
    let out = serde_json::from_slice::<SumIn>(&body)
        .ok()
        .and_then(|input| input.a.checked_add(input.b))
        .map(|sum| SumOut { sum, info: None });
    Ok(match out {
        Some(out) => json_response(Bytes::from(serde_json::to_vec(&out).expect("encodes"))),
        None => {
            let mut resp = json_response(Bytes::from_static(
                br#"{"code":"invalid_argument","message":"bad input"}"#,
            ));
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            resp
        }
    })
}

fn start_bare(rt: &tokio::runtime::Runtime, json: bool) -> SocketAddr {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| bare_handle(req, json));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

fn start_generated(rt: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let router = summer_example::rpc::summer::router(summer_example::Adder);
    let mut server = brief_runtime::Server::new(router);
    // The bench's process must not install SIGTERM/Ctrl-C handlers; nothing else changes.
    server.config_mut().handle_signals = false;
    rt.spawn(server.serve_listener(listener));
    addr
}

/// The `/proc` directory of the thread that runs `rt`'s tasks (Linux only).
fn worker_thread(rt: &tokio::runtime::Runtime) -> Option<std::path::PathBuf> {
    let link = rt
        .block_on(rt.spawn(async { std::fs::read_link("/proc/thread-self") }))
        .ok()?
        .ok()?;
    Some(std::path::Path::new("/proc").join(link))
}

/// CPU time a thread has used so far, from `/proc/.../schedstat` (nanoseconds).
fn cpu_time(thread: Option<&std::path::Path>) -> Option<Duration> {
    let text = std::fs::read_to_string(thread?.join("schedstat")).ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// What one connection saw in the measured window.
#[derive(Default)]
struct ConnStats {
    latencies_ns: Vec<u64>,
    errors: u64,
}

/// The result of one round against one server.
struct Round {
    rps: f64,
    p50: Duration,
    p99: Duration,
    errors: u64,
    requests: u64,
    /// Share of one core the server's worker thread used in the measured window.
    server_busy: Option<f64>,
    /// Share of one core the load generator used in the measured window.
    client_busy: Option<f64>,
    /// Server CPU time per request.
    server_cpu_per_req: Option<Duration>,
}

/// One round: `conns` keep-alive connections sending back to back; warm-up, then
/// `secs` measured.
fn load(addr: SocketAddr, server: Option<&std::path::Path>, conns: usize, secs: u64) -> Round {
    let client = std::fs::read_link("/proc/thread-self")
        .ok()
        .map(|l| std::path::Path::new("/proc").join(l));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("load runtime");
    rt.block_on(async move {
        let phase = Arc::new(AtomicU8::new(WARMING));
        let mut tasks = Vec::with_capacity(conns);
        for _ in 0..conns {
            let phase = phase.clone();
            tasks.push(tokio::spawn(connection(addr, phase, secs)));
        }
        tokio::time::sleep(WARM_UP).await;
        phase.store(MEASURING, Ordering::Relaxed);
        let t0 = Instant::now();
        let cpu0 = (cpu_time(server), cpu_time(client.as_deref()));
        tokio::time::sleep(Duration::from_secs(secs)).await;
        phase.store(STOPPED, Ordering::Relaxed);
        let elapsed = t0.elapsed();
        let cpu1 = (cpu_time(server), cpu_time(client.as_deref()));
        let used = |a: Option<Duration>, b: Option<Duration>| Some(b?.saturating_sub(a?));
        let server_cpu = used(cpu0.0, cpu1.0);
        let client_cpu = used(cpu0.1, cpu1.1);
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let stats = t.await.expect("load task");
            all.extend_from_slice(&stats.latencies_ns);
            errors += stats.errors;
        }
        all.sort_unstable();
        let pct = |p: f64| {
            if all.is_empty() {
                Duration::ZERO
            } else {
                let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
                Duration::from_nanos(all[i])
            }
        };
        Round {
            rps: all.len() as f64 / elapsed.as_secs_f64(),
            p50: pct(0.50),
            p99: pct(0.99),
            errors,
            requests: all.len() as u64,
            server_busy: server_cpu.map(|c| c.as_secs_f64() / elapsed.as_secs_f64()),
            client_busy: client_cpu.map(|c| c.as_secs_f64() / elapsed.as_secs_f64()),
            server_cpu_per_req: server_cpu
                .filter(|_| !all.is_empty())
                .map(|c| c / all.len() as u32),
        }
    })
}

/// The request every connection sends, byte for byte (what `curl -d` would send).
const RAW_REQUEST: &[u8] = b"POST /summer/sum HTTP/1.1\r\nHost: localhost\r\n\
Content-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":2}";

/// Parses one HTTP/1.1 response at the start of `buf`: `None` while it is incomplete,
/// else its length and whether it was a `200` with exactly [`ANSWER`] as the body.
fn parse_response(buf: &[u8]) -> Option<Result<(usize, bool), ()>> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = &buf[..head_end];
    let ok_status = head.starts_with(b"HTTP/1.1 200 ");
    let mut length = None;
    for line in head.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if line[..colon].eq_ignore_ascii_case(b"content-length") {
            length = std::str::from_utf8(&line[colon + 1..])
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok());
        }
    }
    let Some(length) = length else {
        return Some(Err(())); // every server here answers with a Content-Length
    };
    let total = head_end + length;
    if buf.len() < total {
        return None;
    }
    Some(Ok((total, ok_status && &buf[head_end..total] == ANSWER)))
}

/// One client connection, a minimal HTTP/1.1 keep-alive client (like `wrk`: a fixed
/// request, responses parsed just enough to check status and body), so that the load
/// generator spends as little of its core as it can. Sends one request at a time until
/// the phase is `STOPPED`, reconnecting after a failure; records the latencies and
/// errors of the measured window.
async fn connection(addr: SocketAddr, phase: Arc<AtomicU8>, secs: u64) -> ConnStats {
    let mut stats = ConnStats {
        latencies_ns: Vec::with_capacity((secs as usize) * 4_000),
        errors: 0,
    };
    let mut buf = vec![0u8; 4096];
    'reconnect: while phase.load(Ordering::Relaxed) != STOPPED {
        let mut stream = match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(_) => {
                stats.errors += u64::from(phase.load(Ordering::Relaxed) == MEASURING);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        while phase.load(Ordering::Relaxed) != STOPPED {
            let start = Instant::now();
            let outcome = async {
                stream.write_all(RAW_REQUEST).await?;
                let mut filled = 0;
                loop {
                    if filled == buf.len() {
                        return Ok(None); // a response this big is wrong anyway
                    }
                    let n = stream.read(&mut buf[filled..]).await?;
                    if n == 0 {
                        return Ok(None);
                    }
                    filled += n;
                    match parse_response(&buf[..filled]) {
                        None => continue,
                        Some(Ok((len, good))) => return Ok(Some(good && len == filled)),
                        Some(Err(())) => return Ok(None),
                    }
                }
            }
            .await;
            let elapsed = start.elapsed();
            let measuring = phase.load(Ordering::Relaxed) == MEASURING;
            match outcome {
                Ok::<_, std::io::Error>(Some(true)) => {
                    if measuring {
                        stats.latencies_ns.push(elapsed.as_nanos() as u64);
                    }
                }
                Ok(Some(false)) => stats.errors += u64::from(measuring),
                Ok(None) | Err(_) => {
                    stats.errors += u64::from(measuring);
                    continue 'reconnect;
                }
            }
        }
    }
    stats
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
}

fn fmt_ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn fmt_us(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.2} µs", d.as_secs_f64() * 1e6))
        .unwrap_or_else(|| "n/a".into())
}

fn fmt_pct(p: Option<f64>) -> String {
    p.map(|p| format!("{:.0}%", p * 100.0))
        .unwrap_or_else(|| "n/a".into())
}

/// Today's date (UTC) as YYYY-MM-DD, from the days since 1970 (Howard Hinnant's
/// civil-from-days).
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn rustc_version() -> String {
    std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "rustc (unknown version)".into())
}

/// Replaces the text between the `rust` markers of docs/benchmarks.md (markers
/// included), or appends the section when the markers are missing.
fn write_section(section: &str) -> std::io::Result<std::path::PathBuf> {
    const START: &str = "<!-- rust:start -->";
    const END: &str = "<!-- rust:end -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/benchmarks.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Benchmarks\n\nMeasured on the development machine; each section is written by its benchmark.\n"
            .into()
    });
    let block = format!("{START}\n{section}{END}");
    let new = match (old.find(START), old.find(END)) {
        (Some(s), Some(e)) if e > s => {
            format!("{}{block}{}", &old[..s], &old[e + END.len()..])
        }
        _ => {
            let sep = if old.ends_with('\n') { "" } else { "\n" };
            format!("{old}{sep}{block}\n")
        }
    };
    std::fs::write(&path, new)?;
    Ok(path)
}

fn main() {
    // `cargo test --benches` and listing runs pass these; there is nothing to list.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let secs = env_num("BENCH_SECS", 5).max(1);
    let conns = env_num("BENCH_CONNS", 64).max(1) as usize;

    let kinds = [Kind::BareFixed, Kind::Generated, Kind::BareJson];
    let runtimes: Vec<tokio::runtime::Runtime> = kinds.iter().map(|_| server_runtime()).collect();
    let addrs: Vec<SocketAddr> = kinds
        .iter()
        .zip(&runtimes)
        .map(|(kind, rt)| match kind {
            Kind::BareFixed => start_bare(rt, false),
            Kind::BareJson => start_bare(rt, true),
            Kind::Generated => start_generated(rt),
        })
        .collect();
    let threads: Vec<Option<std::path::PathBuf>> = runtimes.iter().map(worker_thread).collect();

    // `BENCH_ONLY=generated` (or `bare-fixed`, `bare-json`) loads one server only, for
    // profiling it (`perf record`); nothing is written then.
    let only = std::env::var("BENCH_ONLY").ok();
    let selected = |k: &Kind| match only.as_deref() {
        None => true,
        Some(o) => k.key() == o,
    };
    if only.is_some() {
        for (i, kind) in kinds.iter().enumerate().filter(|(_, k)| selected(k)) {
            let r = load(addrs[i], threads[i].as_deref(), conns, secs);
            println!(
                "{}: {:.0} req/s, server {} per request",
                kind.label(),
                r.rps,
                fmt_us(r.server_cpu_per_req)
            );
        }
        return;
    }

    let mut best: Vec<Option<Round>> = kinds.iter().map(|_| None).collect();
    for round in 1..=ROUNDS {
        for (i, kind) in kinds.iter().enumerate() {
            let r = load(addrs[i], threads[i].as_deref(), conns, secs);
            println!(
                "round {round}  {:<36} {:>9.0} req/s  p50 {:>9}  p99 {:>9}  errors {}  \
                 server {} ({} busy)  load generator {} busy",
                kind.label(),
                r.rps,
                fmt_ms(r.p50),
                fmt_ms(r.p99),
                r.errors,
                fmt_us(r.server_cpu_per_req),
                fmt_pct(r.server_busy),
                fmt_pct(r.client_busy),
            );
            if best[i].as_ref().is_none_or(|b| r.rps > b.rps) {
                best[i] = Some(r);
            }
        }
    }
    let best: Vec<Round> = best.into_iter().map(|b| b.expect("ran")).collect();
    let rate = |k: Kind| best[kinds.iter().position(|x| *x == k).expect("kind")].rps;
    let vs_fixed = 100.0 * rate(Kind::Generated) / rate(Kind::BareFixed);
    let vs_json = 100.0 * rate(Kind::Generated) / rate(Kind::BareJson);
    let cpu = |k: Kind| best[kinds.iter().position(|x| *x == k).expect("kind")].server_cpu_per_req;
    let cpu_ratio = |a: Kind, b: Kind| match (cpu(a), cpu(b)) {
        (Some(a), Some(b)) if !b.is_zero() => format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64()),
        _ => "n/a".into(),
    };

    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut command = String::new();
    if std::env::var_os("BENCH_SECS").is_some() {
        command.push_str(&format!("BENCH_SECS={secs} "));
    }
    if std::env::var_os("BENCH_CONNS").is_some() {
        command.push_str(&format!("BENCH_CONNS={conns} "));
    }
    command.push_str("cargo bench -p summer-example --bench summer");

    let mut s = String::new();
    s.push_str("## Rust: generated summer server vs bare hyper\n\n");
    s.push_str(&format!(
        "{conns} concurrent HTTP/1.1 keep-alive connections from a minimal wrk-like load generator in the same \
         process (one single-threaded tokio runtime, one request at a time per connection), over loopback, POST /summer/sum with {{\"a\":1,\"b\":2}}; \
         each server on its own 1-worker tokio runtime; 1s warm-up then {secs}s measured, best of {ROUNDS} \
         rounds each (interleaved); every latency recorded. {cores} cores, {}, {}, bench profile (release).\n\
         The fixed-body server reads the body and answers a constant {{\"sum\":3}}; the JSON one decodes \
         the generated `SumIn` and encodes a `SumOut` with serde_json; the generated one is \
         `summer_example::rpc::summer::router(Adder)` on `brief_runtime::Server` (routing, checks, context, \
         deadline, metrics, request id).\n\
         `{command}`\n\n",
        rustc_version(),
        today()
    ));
    s.push_str(
        "| server | requests/s | p50 | p99 | errors | server CPU per request | server core busy | load generator busy |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for kind in [Kind::BareFixed, Kind::BareJson, Kind::Generated] {
        let r = &best[kinds.iter().position(|x| *x == kind).expect("kind")];
        s.push_str(&format!(
            "| {} | {:.0} | {} | {} | {} | {} | {} | {} |\n",
            kind.label(),
            r.rps,
            fmt_ms(r.p50),
            fmt_ms(r.p99),
            r.errors,
            fmt_us(r.server_cpu_per_req),
            fmt_pct(r.server_busy),
            fmt_pct(r.client_busy),
        ));
    }
    s.push_str(&format!(
        "\nGenerated / bare (fixed body): {vs_fixed:.0}% (target: at least 70%; goal: within 10%). \
         Generated / bare (same JSON work): {vs_json:.0}%.\n\n\
         Server CPU time per request (from the worker thread's schedstat): generated / bare fixed = {}, \
         generated / bare JSON = {}. With the server core close to 100% busy, requests/s compares the \
         servers; when it is not, either the load generator's core was the bottleneck or other processes \
         competed for the cores, and the CPU per request is the fairer comparison.{}\n",
        cpu_ratio(Kind::Generated, Kind::BareFixed),
        cpu_ratio(Kind::Generated, Kind::BareJson),
        if best.iter().any(|r| r.server_busy.is_some_and(|b| b < 0.85)) {
            " In this run some best round had its server core under 85% busy: the machine was not quiet."
        } else {
            ""
        },
    ));

    println!();
    print!("{s}");
    let total: u64 = best.iter().map(|r| r.requests).sum();
    println!("({total} measured requests in the best rounds)");
    if std::env::var("BENCH_WRITE").as_deref() != Ok("0") {
        match write_section(&s) {
            Ok(path) => println!("wrote the rust section of {}", path.display()),
            Err(e) => eprintln!("cannot write docs/benchmarks.md: {e}"),
        }
    }
}
