//! Throughput of a brief server against bare hyper doing the same work (read the JSON
//! body, decode `{"a":..,"b":..}`, encode `{"sum":..}`), over loopback HTTP/1.1 with
//! keep-alive connections.
//!
//! Run: `cargo bench -p brief-runtime --bench throughput` (env `BENCH_SECS`, default 3,
//! and `BENCH_CONNS`, default 32). The server runs on its own single-threaded runtime,
//! the load generator on another, so on a 2-core machine each gets one core.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use brief_runtime::{Context, Error, Router, RpcInfo, Server, ServerConfig};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct SumIn {
    #[serde(with = "brief_runtime::wire")]
    a: i64,
    #[serde(with = "brief_runtime::wire")]
    b: i64,
}

#[derive(Serialize)]
struct SumOut {
    #[serde(with = "brief_runtime::wire")]
    sum: i64,
}

const SUM: RpcInfo = RpcInfo::new("summer", "sum");

fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn start_bare(rt: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let input: SumIn = serde_json::from_slice(&body).unwrap();
                        let out = serde_json::to_vec(&SumOut {
                            sum: input.a + input.b,
                        })
                        .unwrap();
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(out)))
                                .unwrap(),
                        )
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

fn start_brief(rt: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let mut router = Router::new();
    router.unary(&SUM, |_ctx: Context, input: SumIn| async move {
        Ok::<_, Error>(SumOut {
            sum: input.a + input.b,
        })
    });
    let mut config = ServerConfig::default();
    config.handle_signals = false;
    rt.spawn(Server::with_config(router, config).serve_listener(listener));
    addr
}

fn load(addr: SocketAddr, conns: usize, secs: u64) -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..conns {
            let stop = stop.clone();
            let count = count.clone();
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
                tokio::spawn(conn);
                while !stop.load(Ordering::Relaxed) {
                    let req = Request::post("/summer/sum")
                        .header("host", "localhost")
                        .header("content-type", "application/json")
                        .body(Full::new(Bytes::from_static(br#"{"a":1,"b":2}"#)))
                        .unwrap();
                    let resp = send.send_request(req).await.unwrap();
                    assert_eq!(resp.status(), 200);
                    let body = resp.into_body().collect().await.unwrap().to_bytes();
                    assert_eq!(&body[..], br#"{"sum":3}"#);
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        // Warm up, then measure.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let c0 = count.load(Ordering::Relaxed);
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_secs(secs)).await;
        let n = count.load(Ordering::Relaxed) - c0;
        let rate = n as f64 / t0.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        rate
    })
}

fn main() {
    // Listing or test-mode runs (`--list`, `--test`) do nothing.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let conns: usize = std::env::var("BENCH_CONNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    let bare_rt = server_runtime();
    let bare = start_bare(&bare_rt);
    let brief_rt = server_runtime();
    let brief = start_brief(&brief_rt);

    let bare_rate = load(bare, conns, secs);
    let brief_rate = load(brief, conns, secs);
    println!("bare hyper : {bare_rate:>10.0} req/s");
    println!("brief      : {brief_rate:>10.0} req/s");
    println!("ratio      : {:>10.1} %", 100.0 * brief_rate / bare_rate);
}
