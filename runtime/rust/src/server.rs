//! [`Router`] and [`Server`]: serving brief rpcs over HTTP/1.1 and h2c.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{
    HeaderValue, ACCEPT_ENCODING, ALLOW, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE,
    RETRY_AFTER,
};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpListener;

use crate::client::BoxFuture;
use crate::metrics::RpcMetrics;
use crate::{codec, compress, Code, Context, Error, RpcInfo};

/// A registered rpc handler: takes the request's [`Context`] and the (decompressed)
/// JSON body, returns the JSON body of the response or an [`Error`].
pub type Handler =
    Arc<dyn Fn(Context, Bytes) -> BoxFuture<'static, Result<Bytes, Error>> + Send + Sync>;

struct Route {
    info: RpcInfo,
    handler: Handler,
    metrics: RpcMetrics,
}

/// Renders extra Prometheus text for `/metrics` (see [`Router::metrics_source`]).
pub type MetricsSource = Arc<dyn Fn(&mut String) + Send + Sync>;

/// The table of rpcs a [`Server`] serves, keyed by `/{service}/{rpc}`.
///
/// Generated code registers one closure per rpc with [`Router::unary`]:
///
/// ```
/// use brief_runtime::{Context, Error, Router, RpcInfo};
/// #[derive(serde::Deserialize)] struct SumIn { a: i64, b: i64 }
/// #[derive(serde::Serialize)] struct SumOut { sum: i64 }
/// const SUM: RpcInfo = RpcInfo::new("summer", "sum");
///
/// let mut router = Router::new();
/// router.unary(&SUM, |_ctx: Context, input: SumIn| async move {
///     Ok::<_, Error>(SumOut { sum: input.a + input.b })
/// });
/// ```
#[derive(Default)]
pub struct Router {
    routes: HashMap<String, Route>,
    metrics_sources: Vec<MetricsSource>,
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Router::default()
    }

    /// Registers a typed unary handler: the body is decoded into `I` (bad input is
    /// answered with `invalid_argument` naming the field path, without calling `f`),
    /// `f` is called with the request's context, and its `O` is encoded as the
    /// response. Replaces any handler registered for the same rpc.
    pub fn unary<I, O, F, Fut>(&mut self, rpc: &RpcInfo, f: F) -> &mut Self
    where
        I: DeserializeOwned,
        O: Serialize,
        F: Fn(Context, I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, Error>> + Send + 'static,
    {
        self.unary_raw(rpc, move |ctx: Context, body: Bytes| {
            let input = codec::decode::<I>(&body);
            let fut = input.map(|input| f(ctx, input));
            async move {
                let out = fut?.await?;
                codec::encode(&out)
            }
        })
    }

    /// Registers an untyped unary handler over JSON bytes.
    pub fn unary_raw<F, Fut>(&mut self, rpc: &RpcInfo, f: F) -> &mut Self
    where
        F: Fn(Context, Bytes) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Bytes, Error>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |ctx, body| Box::pin(f(ctx, body)));
        self.routes.insert(
            rpc.path(),
            Route {
                info: *rpc,
                handler,
                metrics: RpcMetrics::default(),
            },
        );
        self
    }

    /// Moves every route of `other` into this router (to serve several services).
    pub fn merge(&mut self, other: Router) -> &mut Self {
        self.routes.extend(other.routes);
        self.metrics_sources.extend(other.metrics_sources);
        self
    }

    /// Adds Prometheus text of the service's own to every `/metrics` answer, after the
    /// rpc metrics (the data bus adds its delivery lag per subscriber this way).
    pub fn metrics_source(
        &mut self,
        render: impl Fn(&mut String) + Send + Sync + 'static,
    ) -> &mut Self {
        self.metrics_sources.push(Arc::new(render));
        self
    }

    /// The rpcs registered so far.
    pub fn rpcs(&self) -> impl Iterator<Item = &RpcInfo> {
        self.routes.values().map(|r| &r.info)
    }

    fn render_metrics(&self) -> String {
        let mut routes: Vec<&Route> = self.routes.values().collect();
        routes.sort_by_key(|r| (r.info.service, r.info.name));
        let mut out = String::with_capacity(4096);
        crate::metrics::render(
            &mut out,
            "brief_server",
            routes
                .iter()
                .map(|r| (r.info.service, r.info.name, &r.metrics)),
        );
        crate::metrics::render_client(&mut out);
        for render in &self.metrics_sources {
            render(&mut out);
        }
        out
    }
}

/// How a [`Server`] behaves. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Address to listen on for [`Server::serve`] (default `127.0.0.1:8080`).
    pub listen: String,
    /// Largest request body accepted, before and after decompression (default 4 MiB).
    pub body_limit: usize,
    /// How long in-flight requests may take to finish after shutdown starts
    /// (default 10 s).
    pub grace_period: Duration,
    /// Responses at least this big are gzip-compressed for clients that accept gzip
    /// (default 1 KiB).
    pub compress_min_bytes: usize,
    /// Whether [`Server::serve`] shuts down gracefully on SIGTERM and Ctrl-C
    /// (default true).
    pub handle_signals: bool,
    /// How long, after shutdown starts, the server keeps accepting connections while
    /// `/readyz` already answers 503, so that load balancers notice before the
    /// listener closes (default 0; a few seconds suits Kubernetes).
    pub drain_delay: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            body_limit: 4 << 20,
            grace_period: Duration::from_secs(10),
            compress_min_bytes: 1024,
            handle_signals: true,
            drain_delay: Duration::ZERO,
        }
    }
}

/// Triggers and observes a [`Server`]'s graceful shutdown. Cheap to clone.
#[derive(Clone)]
pub struct ShutdownHandle {
    tx: Arc<tokio::sync::watch::Sender<bool>>,
    draining: Arc<AtomicBool>,
}

impl ShutdownHandle {
    fn new() -> Self {
        ShutdownHandle {
            tx: Arc::new(tokio::sync::watch::channel(false).0),
            draining: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Starts a graceful shutdown: `/readyz` turns 503, the listener stops accepting,
    /// in-flight requests finish (up to the grace period), then `serve` returns.
    pub fn shutdown(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.tx.send_replace(true);
    }

    /// True once shutdown has started.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    async fn wait(&self) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|v| *v).await;
    }
}

struct Inner {
    router: Router,
    body_limit: usize,
    compress_min_bytes: usize,
    draining: Arc<AtomicBool>,
}

/// An HTTP server for a [`Router`]: HTTP/1.1 and h2c (prior knowledge) on one port,
/// plus `/healthz`, `/readyz` and `/metrics`, with graceful shutdown.
///
/// ```no_run
/// # async fn run(router: brief_runtime::Router) -> std::io::Result<()> {
/// brief_runtime::Server::from_env(router).serve().await
/// # }
/// ```
pub struct Server {
    router: Router,
    config: ServerConfig,
    shutdown: ShutdownHandle,
}

impl Server {
    /// A server with the default [`ServerConfig`].
    pub fn new(router: Router) -> Self {
        Server::with_config(router, ServerConfig::default())
    }

    /// A server with `config`.
    pub fn with_config(router: Router, config: ServerConfig) -> Self {
        Server {
            router,
            config,
            shutdown: ShutdownHandle::new(),
        }
    }

    /// A server configured from the environment: `$LISTEN` (default `127.0.0.1:8080`).
    pub fn from_env(router: Router) -> Self {
        let mut config = ServerConfig::default();
        if let Ok(listen) = std::env::var("LISTEN") {
            if !listen.trim().is_empty() {
                config.listen = listen.trim().to_string();
            }
        }
        Server::with_config(router, config)
    }

    /// The configuration, to adjust before serving.
    pub fn config_mut(&mut self) -> &mut ServerConfig {
        &mut self.config
    }

    /// Sets the request body limit (bytes).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.body_limit = bytes;
        self
    }

    /// Sets the shutdown grace period.
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.config.grace_period = grace;
        self
    }

    /// A handle that shuts this server down gracefully (for tests and embedding).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Binds `config.listen` and serves until shutdown (handle, SIGTERM or Ctrl-C);
    /// returns `Ok(())` once in-flight requests have finished or the grace period ran
    /// out, so `main` can exit 0.
    pub async fn serve(self) -> std::io::Result<()> {
        let listener = TcpListener::bind(&self.config.listen).await?;
        self.serve_listener(listener).await
    }

    /// Serves on an already bound listener (bind `127.0.0.1:0` in tests).
    pub async fn serve_listener(self, listener: TcpListener) -> std::io::Result<()> {
        let Server {
            router,
            config,
            shutdown,
        } = self;
        let local: Option<SocketAddr> = listener.local_addr().ok();
        tracing::info!(addr = ?local, "brief server listening");
        let inner = Arc::new(Inner {
            router,
            body_limit: config.body_limit,
            compress_min_bytes: config.compress_min_bytes,
            draining: shutdown.draining.clone(),
        });
        // No HTTP/1 timer: a header-read timeout would arm a timer per request, which
        // costs a measurable share of throughput.
        let builder = auto::Builder::new(TokioExecutor::new());
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();

        let stop = shutdown.wait();
        tokio::pin!(stop);
        let signals = wait_for_signal(config.handle_signals);
        tokio::pin!(signals);

        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _) = match accepted {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    };
                    spawn_connection(&builder, &graceful, &inner, stream);
                }
                _ = &mut stop => break,
                _ = &mut signals => break,
            }
        }
        shutdown.shutdown();
        if !config.drain_delay.is_zero() {
            let until = tokio::time::Instant::now() + config.drain_delay;
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            spawn_connection(&builder, &graceful, &inner, stream);
                        }
                    }
                    _ = tokio::time::sleep_until(until) => break,
                }
            }
        }
        drop(listener);
        tracing::info!(addr = ?local, "brief server draining");
        if tokio::time::timeout(config.grace_period, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("grace period over with requests still in flight");
        }
        tracing::info!(addr = ?local, "brief server stopped");
        Ok(())
    }
}

fn spawn_connection(
    builder: &auto::Builder<TokioExecutor>,
    graceful: &hyper_util::server::graceful::GracefulShutdown,
    inner: &Arc<Inner>,
    stream: tokio::net::TcpStream,
) {
    let _ = stream.set_nodelay(true);
    let inner = inner.clone();
    let svc = hyper::service::service_fn(move |req| {
        let inner = inner.clone();
        async move { Ok::<_, Infallible>(handle(&inner, req).await) }
    });
    let conn = builder
        .serve_connection(TokioIo::new(stream), svc)
        .into_owned();
    let conn = graceful.watch(conn);
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "connection ended with an error");
        }
    });
}

/// Registers the shutdown signal handlers at once (so a SIGTERM that arrives right
/// after `serve` started is not missed) and returns a future that completes on the
/// first of them (never when `enabled` is false).
fn wait_for_signal(enabled: bool) -> impl Future<Output = ()> {
    #[cfg(unix)]
    let streams = if enabled {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate())
            .map_err(|e| tracing::warn!(error = %e, "cannot handle SIGTERM"))
            .ok();
        let int = signal(SignalKind::interrupt())
            .map_err(|e| tracing::warn!(error = %e, "cannot handle SIGINT"))
            .ok();
        Some((term, int))
    } else {
        None
    };
    async move {
        #[cfg(unix)]
        {
            async fn recv(s: Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            match streams {
                Some((term, int)) => {
                    tokio::select! {
                        _ = recv(term) => tracing::info!("SIGTERM received"),
                        _ = recv(int) => tracing::info!("SIGINT received"),
                    }
                }
                None => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            if enabled {
                let _ = tokio::signal::ctrl_c().await;
            } else {
                std::future::pending::<()>().await;
            }
        }
    }
}

type Resp = Response<Full<Bytes>>;

const JSON: HeaderValue = HeaderValue::from_static("application/json");

fn text(status: StatusCode, body: &'static str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn error_response(err: &Error, status: Option<StatusCode>) -> Resp {
    let status = status.unwrap_or_else(|| {
        StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    });
    let mut r = Response::new(Full::new(Bytes::from(err.to_json())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, JSON);
    if let Some(after) = err.retry_after() {
        if let Ok(v) = HeaderValue::from_str(&after.as_secs().max(1).to_string()) {
            r.headers_mut().insert(RETRY_AFTER, v);
        }
    }
    r
}

/// True for paths of the form `/{x}/{y}` with non-empty x and y.
fn is_rpc_shaped(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    match rest.split_once('/') {
        Some((a, b)) => !a.is_empty() && !b.is_empty() && !b.contains('/'),
        None => false,
    }
}

/// Reads and drops the body of a request answered without it. A client that streams its
/// body after the headers (connect-es over HTTP/1.1) would otherwise be cut off mid-write
/// and see a broken pipe instead of our answer. Bounded in size and time: past either,
/// the connection is closed as it would have been.
async fn discard_body(req: Request<Incoming>, limit: usize) {
    let mut body = req.into_body();
    let mut seen = 0usize;
    let drain = async {
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, Bytes::len);
            if seen > limit {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

fn is_json(ct: Option<&HeaderValue>) -> bool {
    let Some(v) = ct.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let media = v.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/json")
}

async fn handle(inner: &Inner, req: Request<Incoming>) -> Resp {
    let start = Instant::now();
    let path = req.uri().path();
    let Some(route) = inner.router.routes.get(path) else {
        return match path {
            "/healthz" => text(StatusCode::OK, "ok\n"),
            "/readyz" if inner.draining.load(Ordering::Relaxed) => {
                text(StatusCode::SERVICE_UNAVAILABLE, "draining\n")
            }
            "/readyz" => text(StatusCode::OK, "ready\n"),
            "/metrics" => {
                let mut r = Response::new(Full::new(Bytes::from(inner.router.render_metrics())));
                r.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                );
                r
            }
            p if is_rpc_shaped(p) => {
                let resp = error_response(&Error::unimplemented(format!("no such rpc: {p}")), None);
                discard_body(req, inner.body_limit).await;
                resp
            }
            _ => {
                discard_body(req, inner.body_limit).await;
                text(StatusCode::NOT_FOUND, "not found\n")
            }
        };
    };
    let (resp, code) = serve_rpc(inner, route, req, start).await;
    route.metrics.record(code, start.elapsed());
    resp
}

async fn serve_rpc(
    inner: &Inner,
    route: &Route,
    req: Request<Incoming>,
    start: Instant,
) -> (Resp, Option<Code>) {
    let fail = |e: Error, status: Option<StatusCode>| {
        let code = e.code();
        (error_response(&e, status), Some(code))
    };
    let method = req.method().clone();
    let is_get = if method == Method::POST {
        if !is_json(req.headers().get(CONTENT_TYPE)) {
            let (mut r, c) = fail(
                Error::unimplemented("unsupported content type: use application/json"),
                Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            );
            r.headers_mut()
                .insert("accept-post", HeaderValue::from_static("application/json"));
            discard_body(req, inner.body_limit).await;
            return (r, c);
        }
        false
    } else if method == Method::GET && route.info.readonly {
        true
    } else {
        let allow = if route.info.readonly {
            "GET, POST"
        } else {
            "POST"
        };
        let (mut r, c) = fail(
            Error::unimplemented(format!("method {method} not allowed: use {allow}")),
            Some(StatusCode::METHOD_NOT_ALLOWED),
        );
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allow));
        discard_body(req, inner.body_limit).await;
        return (r, c);
    };

    let ctx = Context::from_headers(req.headers(), start);
    let deadline = ctx.deadline;
    let accept_gzip = req
        .headers()
        .get(ACCEPT_ENCODING)
        .is_some_and(|v| compress::accepts_gzip(v.as_bytes()));
    let work = async {
        let body = if is_get {
            get_message(req.uri().query().unwrap_or(""), inner.body_limit)?
        } else {
            read_body(req, inner.body_limit).await?
        };
        let fut = (route.handler)(ctx.clone(), body);
        crate::context::scope_current(ctx, CatchUnwind { inner: fut }).await
    };
    let result = match deadline {
        Some(d) => match tokio::time::timeout_at(d.into(), work).await {
            Ok(r) => r,
            Err(_) => Err(Error::deadline_exceeded(
                "deadline exceeded while handling the request",
            )),
        },
        None => work.await,
    };
    match result {
        Ok(body) => {
            let mut resp;
            if accept_gzip && body.len() >= inner.compress_min_bytes {
                resp = Response::new(Full::new(compress::gzip(&body)));
                resp.headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            } else {
                resp = Response::new(Full::new(body));
            }
            resp.headers_mut().insert(CONTENT_TYPE, JSON);
            (resp, None)
        }
        Err(e) => {
            if matches!(e.code(), Code::Internal | Code::Unknown | Code::DataLoss) {
                tracing::error!(rpc = %route.info.path(), error = %e, "rpc failed");
            }
            fail(e, None)
        }
    }
}

async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, Error> {
    let too_big =
        || Error::resource_exhausted(format!("message larger than the limit of {limit} bytes"));
    let headers = req.headers();
    if let Some(len) = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<u64>().ok())
    {
        if len > limit as u64 {
            return Err(too_big());
        }
    }
    let gzip = match headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes) {
        None | Some(b"identity") => false,
        Some(v) if v.eq_ignore_ascii_case(b"gzip") => true,
        Some(v) => {
            return Err(Error::unimplemented(format!(
                "unsupported content encoding {:?}",
                String::from_utf8_lossy(v)
            )))
        }
    };
    let body = match Limited::new(req.into_body(), limit).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => return Err(too_big()),
        Err(e) => return Err(Error::canceled(format!("reading request body failed: {e}"))),
    };
    if gzip {
        compress::gunzip(&body, limit)
    } else {
        Ok(body)
    }
}

/// The message of a GET request: `?connect=v1&encoding=json&message=...`
/// (`base64=1` and `compression=gzip` supported as in Connect).
fn get_message(query: &str, limit: usize) -> Result<Bytes, Error> {
    let mut message = None;
    let mut b64 = false;
    let mut gzip = false;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "message" => message = Some(percent_decode(v)?),
            "encoding" if v != "json" => {
                return Err(Error::unimplemented(format!(
                    "unsupported encoding {v:?}: use json"
                )))
            }
            "base64" => b64 = v == "1",
            "compression" => match v {
                "gzip" => gzip = true,
                "identity" | "" => {}
                other => {
                    return Err(Error::unimplemented(format!(
                        "unsupported compression {other:?}"
                    )))
                }
            },
            _ => {}
        }
    }
    let mut msg = message.unwrap_or_default();
    if b64 {
        let s = std::str::from_utf8(&msg)
            .map_err(|_| Error::invalid_argument("message is not base64"))?;
        msg = crate::base64::decode(s)
            .ok_or_else(|| Error::invalid_argument("message is not base64"))?;
    }
    if msg.len() > limit {
        return Err(Error::resource_exhausted(format!(
            "message larger than the limit of {limit} bytes"
        )));
    }
    if gzip {
        compress::gunzip(&msg, limit)
    } else {
        Ok(Bytes::from(msg))
    }
}

fn percent_decode(s: &str) -> Result<Vec<u8>, Error> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                let (Some(h), Some(l)) = (
                    b.get(i + 1).copied().and_then(hex),
                    b.get(i + 2).copied().and_then(hex),
                ) else {
                    return Err(Error::invalid_argument("bad percent-encoding in query"));
                };
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Polls a boxed handler future, turning a panic into an `internal` error.
struct CatchUnwind {
    inner: BoxFuture<'static, Result<Bytes, Error>>,
}

impl Future for CatchUnwind {
    type Output = Result<Bytes, Error>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let inner = &mut self.inner;
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(p) => p,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                tracing::error!(panic = %msg, "rpc handler panicked");
                Poll::Ready(Err(Error::internal("internal error: the handler panicked")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_rpc_shaped("/summer/sum"));
        assert!(!is_rpc_shaped("/summer"));
        assert!(!is_rpc_shaped("/a/b/c"));
        assert!(!is_rpc_shaped("//b"));
        assert!(is_json(Some(&HeaderValue::from_static(
            "application/json; charset=utf-8"
        ))));
        assert!(!is_json(Some(&HeaderValue::from_static(
            "application/proto"
        ))));
        assert!(!is_json(None));
    }

    #[test]
    fn get_query() {
        let m = get_message("connect=v1&encoding=json&message=%7B%22a%22%3A1%7D", 100).unwrap();
        assert_eq!(&m[..], br#"{"a":1}"#);
        let m = get_message("encoding=json&base64=1&message=eyJhIjoxfQ", 100).unwrap();
        assert_eq!(&m[..], br#"{"a":1}"#);
        assert_eq!(
            get_message("encoding=proto&message=x", 100)
                .unwrap_err()
                .code(),
            Code::Unimplemented
        );
        assert_eq!(
            get_message("message=%zz", 100).unwrap_err().code(),
            Code::InvalidArgument
        );
        assert_eq!(
            get_message("message=aaaa", 2).unwrap_err().code(),
            Code::ResourceExhausted
        );
    }
}
