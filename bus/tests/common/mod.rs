//! What the bus tests share: the bus and nats-server as processes, a subscriber that
//! records what it gets, and a publisher.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use brief_runtime::{Client, ClientConfig, Error};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A folder of its own under the system's temp folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "brief-bus-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
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

/// A `brief-bus` process.
pub struct BusProcess {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl BusProcess {
    /// Starts the bus with `config` (a file path) on `port` (0: any), with `env`, and
    /// waits until it listens.
    pub fn start(config: &Path, port: u16, env: &[(String, String)]) -> BusProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_brief-bus"))
            .arg(config)
            .env("LISTEN", format!("127.0.0.1:{port}"))
            .env("BUS_LOG", "info")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start brief-bus");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("brief-bus: listening on ") {
                    let _ = tx.send(addr.parse::<SocketAddr>().unwrap());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "brief-bus did not start:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        };
        BusProcess { child, addr, log }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for BusProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A subscriber service: answers `POST /{service}/events/{topic}` with 200 and keeps
/// what it got, or, while down, does not listen at all.
pub struct Sink {
    pub port: u16,
    received: Arc<Mutex<Vec<(String, Value)>>>,
    failing: Arc<AtomicBool>,
    tasks: Option<JoinSet<()>>,
}

impl Sink {
    pub async fn start() -> Sink {
        let mut sink = Sink {
            port: 0,
            received: Default::default(),
            failing: Default::default(),
            tasks: None,
        };
        sink.up().await;
        sink
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Listens again (on the same port once it had one).
    pub async fn up(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.port = listener.local_addr().unwrap().port();
        let mut tasks = JoinSet::new();
        let received = self.received.clone();
        let failing = self.failing.clone();
        tasks.spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let received = received.clone();
                let failing = failing.clone();
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let received = received.clone();
                    let failing = failing.clone();
                    async move {
                        let path = req.uri().path().to_string();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let status = if failing.load(Ordering::Relaxed) {
                            503
                        } else {
                            let event: Value = serde_json::from_slice(&body).unwrap();
                            received.lock().unwrap().push((path, event));
                            200
                        };
                        Ok::<_, std::convert::Infallible>(
                            Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from_static(b"{}")))
                                .unwrap(),
                        )
                    }
                });
                conns.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        self.tasks = Some(tasks);
    }

    /// Stops listening and drops every open connection.
    pub async fn down(&mut self) {
        if let Some(mut tasks) = self.tasks.take() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
    }

    /// Answers 503 to every event (`true`) or takes them again.
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::Relaxed);
    }

    pub fn received(&self) -> Vec<(String, Value)> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until an event with id `id` arrived, failing after `timeout`.
    pub async fn wait_for_id(&self, id: &str, timeout: Duration) {
        self.wait_until(timeout, |got| got.iter().any(|(_, e)| e["id"] == id))
            .await
    }

    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&[(String, Value)]) -> bool) {
        let start = Instant::now();
        loop {
            if done(&self.received.lock().unwrap()) {
                return;
            }
            if start.elapsed() > timeout {
                panic!(
                    "sink: still waiting after {timeout:?}; got {} events",
                    self.received.lock().unwrap().len()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(tasks) = &mut self.tasks {
            tasks.abort_all();
        }
    }
}

/// An event as a generated publisher would build it.
pub fn event(topic: &str, id: &str, data: Value) -> Value {
    json!({
        "specversion": "1.0",
        "id": id,
        "source": "bus-test",
        "type": topic,
        "time": "2026-01-02T03:04:05.123456Z",
        "datacontenttype": "application/json",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "data": data,
    })
}

/// A client of the bus's publish rpc.
/// The client's own retries are off: the tests count failed attempts themselves (and
/// retry them, same id), to show that the bus was killed while publishes were in flight.
pub fn publisher(url: &str) -> Client {
    let mut config = ClientConfig::with_url(url);
    config.resilience = brief_runtime::ResilienceConfig::off();
    Client::new("data-bus", config).unwrap()
}

/// Publishes `events`, returning `accepted` or the bus's error.
pub async fn publish(client: &Client, events: &[Value]) -> Result<i64, Error> {
    let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
    let out = client
        .unary_raw(
            &brief_bus::rpc::data_bus::PUBLISH,
            Bytes::from(body),
            &Default::default(),
        )
        .await?;
    let out: Value = serde_json::from_slice(&out).unwrap();
    Ok(out["accepted"].as_i64().unwrap())
}

/// Publishes raw bytes as the body.
pub async fn publish_raw(client: &Client, body: &str) -> Result<i64, Error> {
    let out = client
        .unary_raw(
            &brief_bus::rpc::data_bus::PUBLISH,
            Bytes::from(body.to_string()),
            &Default::default(),
        )
        .await?;
    let out: Value = serde_json::from_slice(&out).unwrap();
    Ok(out["accepted"].as_i64().unwrap())
}

/// Writes a bus configuration file and returns its path.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("brief-bus.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `SERVICE_<NAME>_URL` for each (service, sink).
pub fn sink_env(sinks: &[(&str, &Sink)]) -> Vec<(String, String)> {
    sinks
        .iter()
        .map(|(name, sink)| (brief_runtime::endpoint_env_var(name), sink.url()))
        .collect()
}

/// The ids a sink got on `path`, in order of arrival.
pub fn ids_on(received: &[(String, Value)], path: &str) -> Vec<String> {
    received
        .iter()
        .filter(|(p, _)| p == path)
        .map(|(_, e)| e["id"].as_str().unwrap().to_string())
        .collect()
}

/// The kill -9 scenario both stores share: 10,000 publishes of `load.tick` from 16
/// lanes through `urls`, `kill` run on its own thread once 3,000 are acknowledged; then
/// some publishes must have failed while the bus was down, and `sink` must get every
/// event, in each lane's order, within `timeout`.
pub async fn publish_through_a_kill(
    urls: Vec<String>,
    sink: &Sink,
    timeout: Duration,
    kill: impl FnOnce() + Send + 'static,
) {
    let (kill_tx, kill_rx) = std::sync::mpsc::channel::<()>();
    let kill_tx = std::sync::Mutex::new(Some(kill_tx));
    let killer = std::thread::spawn(move || {
        kill_rx.recv().unwrap();
        kill();
    });
    let (lanes, failed) = publish_stream(
        urls,
        "load.tick",
        10_000,
        16,
        Arc::new(move |acked| {
            if acked == 3_000 {
                if let Some(tx) = kill_tx.lock().unwrap().take() {
                    let _ = tx.send(());
                }
            }
        }),
    )
    .await;
    killer.join().unwrap();
    assert!(
        failed > 0,
        "the bus was killed while publishes were in flight"
    );
    sink.wait_until(timeout, |got| {
        let mut ids: Vec<&str> = got.iter().map(|(_, e)| e["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() >= 10_000
    })
    .await;
    assert_all_in_lane_order(
        &lanes,
        &ids_on(&sink.received(), "/counter/events/load.tick"),
    );
}

/// Publishes `total` single-event publishes from `lanes` concurrent publishers, each
/// retrying (same id) until the bus accepts, and calls `on_acked` after each success
/// with the number acknowledged so far. Returns the ids of each lane in order, and how
/// many attempts failed (and were retried).
pub async fn publish_stream(
    urls: Vec<String>,
    topic: &str,
    total: usize,
    lanes: usize,
    on_acked: Arc<dyn Fn(usize) + Send + Sync>,
) -> (Vec<Vec<String>>, usize) {
    let acked = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for lane in 0..lanes {
        let clients: Vec<Client> = urls.iter().map(|u| publisher(u)).collect();
        let topic = topic.to_string();
        let acked = acked.clone();
        let on_acked = on_acked.clone();
        let failures = failures.clone();
        tasks.spawn(async move {
            let mut ids = Vec::new();
            let mut i = lane;
            let mut turn = 0usize;
            while i < total {
                let id = format!("e-{i:05}");
                let ev = event(&topic, &id, json!({"n": i, "lane": lane}));
                let started = Instant::now();
                loop {
                    let client = &clients[turn % clients.len()];
                    turn += 1;
                    match publish(client, std::slice::from_ref(&ev)).await {
                        Ok(1) => break,
                        Ok(n) => panic!("accepted {n} for one event"),
                        Err(e) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            assert!(
                                started.elapsed() < Duration::from_secs(60),
                                "publish of {id} still failing: {e}"
                            );
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
                ids.push(id);
                on_acked(acked.fetch_add(1, Ordering::SeqCst) + 1);
                i += lanes;
            }
            (lane, ids)
        });
    }
    let mut by_lane: HashMap<usize, Vec<String>> = HashMap::new();
    while let Some(r) = tasks.join_next().await {
        let (lane, ids) = r.unwrap();
        by_lane.insert(lane, ids);
    }
    let lanes = (0..lanes).map(|l| by_lane.remove(&l).unwrap()).collect();
    (lanes, failures.load(Ordering::Relaxed))
}

/// Checks that `received` (in order of arrival) holds every id of every lane, each
/// lane's ids first seen in the lane's order.
pub fn assert_all_in_lane_order(lanes: &[Vec<String>], received: &[String]) {
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (i, id) in received.iter().enumerate() {
        first_seen.entry(id.as_str()).or_insert(i);
    }
    for lane in lanes {
        let mut last = None;
        for id in lane {
            let at = *first_seen
                .get(id.as_str())
                .unwrap_or_else(|| panic!("acknowledged event {id} was never delivered"));
            if let Some(prev) = last {
                assert!(
                    at > prev,
                    "{id} arrived before the event published before it"
                );
            }
            last = Some(at);
        }
    }
}

/// The text of `GET {url}/metrics`.
pub async fn metrics(url: &str) -> String {
    let uri: hyper::Uri = format!("{url}/metrics").parse().unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<Bytes>>();
    let resp = client.get(uri).await.unwrap();
    let body = resp.into_body().collect().await.unwrap();
    String::from_utf8(body.to_bytes().to_vec()).unwrap()
}

/// A `nats-server -js` process on loopback ports.
pub struct NatsNode {
    child: Child,
    pub port: u16,
    pub cluster_port: u16,
    _dir: TempDir,
}

impl NatsNode {
    /// One server alone.
    pub fn single() -> NatsNode {
        NatsNode::start("solo", free_port(), None)
    }

    /// A cluster of `n` servers (JetStream replicates across them).
    pub fn cluster(n: usize) -> Vec<NatsNode> {
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let routes: Vec<String> = ports
            .iter()
            .map(|(_, c)| format!("nats://127.0.0.1:{c}"))
            .collect();
        ports
            .iter()
            .enumerate()
            .map(|(i, (port, cluster))| {
                let others: Vec<&str> = routes
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, r)| r.as_str())
                    .collect();
                NatsNode::start(
                    &format!("node-{i}"),
                    *port,
                    Some((*cluster, others.join(","))),
                )
            })
            .collect()
    }

    fn start(name: &str, port: u16, cluster: Option<(u16, String)>) -> NatsNode {
        let dir = TempDir::new(&format!("nats-{name}"));
        let mut cmd = Command::new("nats-server");
        cmd.args([
            "-js",
            "-a",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-n",
            name,
            "-sd",
        ])
        .arg(&dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        let mut cluster_port = 0;
        if let Some((cport, routes)) = &cluster {
            cluster_port = *cport;
            cmd.args([
                "--cluster_name",
                "brief-test",
                "--cluster",
                &format!("nats://127.0.0.1:{cport}"),
                "--routes",
                routes,
            ]);
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot run nats-server ({e}): install it (Debian: apt-get install nats-server, or bash tests/setup.sh)")
        });
        let mut node = NatsNode {
            child,
            port,
            cluster_port,
            _dir: dir,
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = node.child.try_wait() {
                panic!("nats-server {name} exited: {status}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "nats-server {name} not listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        node
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NatsNode {
    fn drop(&mut self) {
        self.kill9();
    }
}
