//! Shared test helpers: a hand-written service standing in for generated code, a
//! server launcher and raw HTTP helpers.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use brief_runtime::{
    Client, ClientConfig, Code, Context, Error, Router, RpcInfo, Server, ServerConfig,
    ShutdownHandle, WireMessage,
};
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---- what the code generator would write for `summer.brief` -----------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SumIn {
    #[serde(with = "brief_runtime::wire")]
    pub a: i64,
    #[serde(with = "brief_runtime::wire")]
    pub b: i64,
}
impl WireMessage for SumIn {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SumOut {
    #[serde(with = "brief_runtime::wire")]
    pub sum: i64,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    pub info: Option<String>,
}
impl WireMessage for SumOut {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailIn {
    #[serde(with = "brief_runtime::wire")]
    pub code: String,
    #[serde(with = "brief_runtime::wire")]
    pub message: String,
}
impl WireMessage for FailIn {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Empty {}
impl WireMessage for Empty {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SleepIn {
    #[serde(with = "brief_runtime::wire")]
    pub ms: i64,
}
impl WireMessage for SleepIn {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Echo {
    #[serde(with = "brief_runtime::wire")]
    pub text: String,
}
impl WireMessage for Echo {}

/// `error NotFound(not_found) { id int }`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotFound {
    #[serde(with = "brief_runtime::wire")]
    pub id: i64,
}
impl WireMessage for NotFound {}

pub const SUM_RPC: RpcInfo = RpcInfo {
    service: "summer",
    name: "sum",
    idempotent: true,
    readonly: false,
    timeout: Duration::from_millis(300),
};
pub const FAIL_RPC: RpcInfo = RpcInfo::new("summer", "fail");
pub const SLEEP_RPC: RpcInfo = RpcInfo {
    timeout: Duration::from_secs(5),
    ..RpcInfo::new("summer", "sleep")
};
pub const ECHO_RPC: RpcInfo = RpcInfo {
    service: "summer",
    name: "echo",
    idempotent: true,
    readonly: true,
    timeout: Duration::from_secs(1),
};

pub trait Summer: Send + Sync + 'static {
    fn sum(
        &self,
        ctx: &Context,
        input: SumIn,
    ) -> impl Future<Output = Result<SumOut, Error>> + Send;
    fn fail(
        &self,
        ctx: &Context,
        input: FailIn,
    ) -> impl Future<Output = Result<Empty, Error>> + Send;
    fn sleep(
        &self,
        ctx: &Context,
        input: SleepIn,
    ) -> impl Future<Output = Result<Empty, Error>> + Send;
    fn echo(&self, ctx: &Context, input: Echo) -> impl Future<Output = Result<Echo, Error>> + Send;
}

pub fn mount<S: Summer>(router: &mut Router, svc: Arc<S>) {
    let s = svc.clone();
    router.unary(&SUM_RPC, move |ctx: Context, input: SumIn| {
        let s = s.clone();
        async move { s.sum(&ctx, input).await }
    });
    let s = svc.clone();
    router.unary(&FAIL_RPC, move |ctx: Context, input: FailIn| {
        let s = s.clone();
        async move { s.fail(&ctx, input).await }
    });
    let s = svc.clone();
    router.unary(&SLEEP_RPC, move |ctx: Context, input: SleepIn| {
        let s = s.clone();
        async move { s.sleep(&ctx, input).await }
    });
    let s = svc;
    router.unary(&ECHO_RPC, move |ctx: Context, input: Echo| {
        let s = s.clone();
        async move { s.echo(&ctx, input).await }
    });
}

#[derive(Clone)]
pub struct SummerClient {
    pub inner: Client,
}

impl SummerClient {
    pub async fn sum(&self, input: &SumIn) -> Result<SumOut, Error> {
        self.inner.unary(&SUM_RPC, input).await
    }
    pub async fn fail(&self, input: &FailIn) -> Result<Empty, Error> {
        self.inner.unary(&FAIL_RPC, input).await
    }
    pub async fn sleep(
        &self,
        input: &SleepIn,
        opts: &brief_runtime::CallOptions,
    ) -> Result<Empty, Error> {
        self.inner.unary_with(&SLEEP_RPC, input, opts).await
    }
    pub async fn echo(&self, input: &Echo) -> Result<Echo, Error> {
        self.inner.unary(&ECHO_RPC, input).await
    }
}

// ---- the user's implementation ------------------------------------------------------

#[derive(Default)]
pub struct Impl {
    pub completed: AtomicUsize,
    pub cancelled: AtomicUsize,
}

struct CancelGuard<'a>(&'a AtomicUsize, bool);
impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if !self.1 {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Summer for Impl {
    async fn sum(&self, _ctx: &Context, input: SumIn) -> Result<SumOut, Error> {
        if input.a == -1 {
            panic!("boom: the handler panicked on purpose");
        }
        Ok(SumOut {
            sum: input.a + input.b,
            info: None,
        })
    }

    async fn fail(&self, _ctx: &Context, input: FailIn) -> Result<Empty, Error> {
        let code: Code = input
            .code
            .parse()
            .map_err(|_| Error::invalid_argument("bad code"))?;
        Err(Error::typed(
            code,
            input.message,
            "summer.NotFound",
            &NotFound { id: 42 },
        ))
    }

    async fn sleep(&self, _ctx: &Context, input: SleepIn) -> Result<Empty, Error> {
        let mut guard = CancelGuard(&self.cancelled, false);
        tokio::time::sleep(Duration::from_millis(input.ms as u64)).await;
        guard.1 = true;
        self.completed.fetch_add(1, Ordering::SeqCst);
        Ok(Empty {})
    }

    async fn echo(&self, _ctx: &Context, input: Echo) -> Result<Echo, Error> {
        Ok(input)
    }
}

// ---- harness ------------------------------------------------------------------------

pub struct Running {
    pub addr: SocketAddr,
    pub shutdown: ShutdownHandle,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits for `serve` to return `Ok(())`, at most `within`.
    pub async fn stopped(self, within: Duration) {
        tokio::time::timeout(within, self.task)
            .await
            .expect("serve returned in time")
            .expect("serve did not panic")
            .expect("serve returned Ok");
    }
}

pub async fn start(router: Router, configure: impl FnOnce(&mut ServerConfig)) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = ServerConfig::default();
    config.handle_signals = false;
    // Tests stop servers all the time; the drain delay is for load balancers.
    config.drain_delay = Duration::ZERO;
    configure(&mut config);
    let server = Server::with_config(router, config);
    let shutdown = server.shutdown_handle();
    let task = tokio::spawn(server.serve_listener(listener));
    Running {
        addr,
        shutdown,
        task,
    }
}

pub async fn start_summer(configure: impl FnOnce(&mut ServerConfig)) -> (Running, Arc<Impl>) {
    let svc = Arc::new(Impl::default());
    let mut router = Router::new();
    mount(&mut router, svc.clone());
    (start(router, configure).await, svc)
}

pub fn summer_client(url: &str) -> SummerClient {
    SummerClient {
        inner: Client::new("summer", ClientConfig::with_url(url)).unwrap(),
    }
}

/// Sends one request over a fresh HTTP/1.1 connection.
pub async fn raw(addr: SocketAddr, req: Request<Full<Bytes>>) -> (StatusCode, HeaderMap, Bytes) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let resp = send.send_request(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes(),
    )
}

pub fn post(path: &str, content_type: &str, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    Request::post(path)
        .header("host", "localhost")
        .header("content-type", content_type)
        .body(Full::new(body.into()))
        .unwrap()
}

/// Writes `request` verbatim on a new connection and reads until the server closes.
pub async fn raw_tcp(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

pub fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

/// A keep-alive `POST /summer/sum` of `{"a":1,"b":2}`, as written on the wire.
pub const SUM_REQUEST: &[u8] = b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":2}";

/// Reads one HTTP/1.1 response with a `Content-Length` body from `s`.
pub async fn read_response(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("a response within 5 s")
            .unwrap();
        assert!(
            n > 0,
            "closed without a full answer: {}",
            String::from_utf8_lossy(&out)
        );
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if out.len() >= end + 4 + len {
                return text;
            }
        }
    }
}

/// Writes `req` on `s` and reads the response.
pub async fn exchange(s: &mut TcpStream, req: &[u8]) -> String {
    s.write_all(req).await.unwrap();
    read_response(s).await
}

/// Reads until the server closes `s` (or `limit` passes); returns what was read and
/// how long until the close, `None` when the connection was still open at `limit`.
pub async fn read_until_closed(s: &mut TcpStream, limit: Duration) -> (String, Option<Duration>) {
    let start = std::time::Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                return (
                    String::from_utf8_lossy(&out).into_owned(),
                    Some(start.elapsed()),
                )
            }
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), None),
        }
    }
}
