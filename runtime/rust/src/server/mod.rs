//! [`Router`] and [`Server`]: serving brief rpcs over HTTP/1.1 and h2c, on a server of
//! their own or mounted in another app as a [`RouterService`].
//!
//! - `router`: the rpc table and its middleware;
//! - `rpc`: serving one request (routing, checks, deadline, handler, answer);
//! - `body`: reading a request's message within its size and time limits;
//! - `http`: response helpers and bounds on echoed input;
//! - `connection`: per-connection state, timeouts and the connection cap;
//! - `config`: [`ServerConfig`] and its environment variables;
//! - `service`: [`RouterService`], a router mounted in another app (axum, hyper, tower);
//! - this file: accepting connections and shutting down.

mod body;
mod config;
mod connection;
mod http;
mod router;
mod rpc;
mod service;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};

pub use config::ServerConfig;
pub use router::{Handler, IncomingCall, MetricsSource, Middleware, Next, Router};
pub use service::RouterService;

use connection::{ConnState, Registry, TrackedIo};

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

    /// Starts a graceful shutdown: `/readyz` turns 503 while the server keeps serving for
    /// the drain delay; then the listener closes, every answer closes its connection
    /// (`Connection: close`, HTTP/2 GOAWAY), unused connections are closed, in-flight
    /// requests finish (up to the grace period), and `serve` returns.
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

/// What every request of a router shares, served by a [`Server`] or mounted as a
/// [`RouterService`]: the rpcs and the limits that apply per request.
struct Inner {
    router: Router,
    body_limit: usize,
    body_read_timeout: Duration,
    compress_min_bytes: usize,
    /// The standalone server's life; `None` when mounted in another app, whose health
    /// endpoints, connections and shutdown are its own.
    life: Option<Life>,
}

impl Inner {
    fn new(mut router: Router, config: &ServerConfig, life: Option<Life>) -> Self {
        router.build_chains();
        Inner {
            router,
            body_limit: config.body_limit,
            body_read_timeout: config.body_read_timeout,
            compress_min_bytes: config.compress_min_bytes,
            life,
        }
    }
}

/// What only a standalone [`Server`] has.
struct Life {
    /// Shutdown has started: `/readyz` answers 503.
    draining: Arc<AtomicBool>,
    /// The listener has closed: every answer closes its connection.
    closing: AtomicBool,
}

/// One connection: the server's shared state and the connection's own counters. The
/// service clones this per request, so the reference count it touches is the
/// connection's own, not one shared by every connection of the server.
struct Conn {
    inner: Arc<Inner>,
    state: ConnState,
}

impl AsRef<ConnState> for Conn {
    fn as_ref(&self) -> &ConnState {
        &self.state
    }
}

/// An HTTP server for a [`Router`]: HTTP/1.1 and h2c (prior knowledge) on one port,
/// plus `/healthz`, `/readyz` and `/metrics`, with graceful shutdown. Every limit and
/// timeout is in [`ServerConfig`].
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
    /// An invalid environment variable seen by [`Server::from_env`], reported by
    /// `serve` (so that `from_env` keeps returning a `Server`).
    env_error: Option<String>,
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
            env_error: None,
        }
    }

    /// A server configured from the environment: `LISTEN` (default `127.0.0.1:8080`) and
    /// the `BRIEF_*` variables named on each [`ServerConfig`] field. An invalid value
    /// makes [`Server::serve`] fail with an error naming the variable.
    pub fn from_env(router: Router) -> Self {
        match ServerConfig::from_env_vars(|name| std::env::var(name).ok()) {
            Ok(config) => Server::with_config(router, config),
            Err(e) => Server {
                env_error: Some(e),
                ..Server::new(router)
            },
        }
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
    /// out, so `main` can exit 0. A bind error names the address:
    /// `cannot listen on 127.0.0.1:8080: address in use`.
    pub async fn serve(self) -> std::io::Result<()> {
        self.check()?;
        let listen = self.config.listen.clone();
        let listener = TcpListener::bind(&listen).await.map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot listen on {listen}: {}", describe(&e)),
            )
        })?;
        self.serve_listener(listener).await
    }

    fn check(&self) -> std::io::Result<()> {
        let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
        if let Some(e) = &self.env_error {
            return Err(invalid(e.clone()));
        }
        self.config.check().map_err(invalid)
    }

    /// Serves on an already bound listener (bind `127.0.0.1:0` in tests).
    pub async fn serve_listener(self, listener: TcpListener) -> std::io::Result<()> {
        self.check()?;
        let Server {
            router,
            config,
            shutdown,
            ..
        } = self;
        let local: Option<SocketAddr> = listener.local_addr().ok();
        let addr = local.map_or_else(|| "?".to_string(), |a| a.to_string());
        announce(&format!("brief: serving addr={addr}"));
        let life = Life {
            draining: shutdown.draining.clone(),
            closing: AtomicBool::new(false),
        };
        let inner = Arc::new(Inner::new(router, &config, Some(life)));
        let registry = Arc::new(Registry::new(&config));
        tokio::spawn(connection::sweeper(Arc::downgrade(&registry)));
        let builder = builder(&config);

        let stop = shutdown.wait();
        tokio::pin!(stop);
        let signals = wait_for_signal(config.handle_signals);
        tokio::pin!(signals);
        let interactive = loop {
            tokio::select! {
                stream = accept(&listener, &registry) => {
                    spawn_connection(&builder, &inner, &registry, stream);
                }
                _ = &mut stop => break false,
                signal = &mut signals => break signal == Signal::Interrupt,
            }
        };
        shutdown.shutdown();
        let drain = if interactive {
            Duration::ZERO
        } else {
            config.drain_delay
        };
        announce(&format!(
            "brief: draining addr={addr} drain_delay={drain:?}"
        ));
        if !drain.is_zero() {
            let until = tokio::time::Instant::now() + drain;
            loop {
                tokio::select! {
                    stream = accept(&listener, &registry) => {
                        spawn_connection(&builder, &inner, &registry, stream);
                    }
                    _ = tokio::time::sleep_until(until) => break,
                }
            }
        }
        drop(listener);
        if let Some(life) = &inner.life {
            life.closing.store(true, Ordering::SeqCst);
        }
        registry.begin_shutdown();
        let grace_over = tokio::time::Instant::now() + config.grace_period;
        loop {
            let closed = registry.closed();
            tokio::pin!(closed);
            closed.as_mut().enable();
            if registry.open() == 0 {
                break;
            }
            tokio::select! {
                _ = closed => {}
                _ = tokio::time::sleep_until(grace_over) => {
                    tracing::warn!(open = registry.open(), "grace period over with requests still in flight");
                    registry.close_all();
                    break;
                }
            }
        }
        announce(&format!("brief: stopped addr={addr}"));
        Ok(())
    }
}

/// Prints a line about the server's life: through `tracing` when the program set up a
/// subscriber, else on stderr (the Go runtime's `slog` default prints the same words),
/// so that a server started without any logging set up still says where it listens.
fn announce(line: &str) {
    let has_subscriber =
        tracing::dispatcher::get_default(|d| !d.is::<tracing::subscriber::NoSubscriber>());
    if has_subscriber {
        tracing::info!("{line}");
    } else {
        eprintln!("INFO {line}");
    }
}

/// The words for a bind error (`address in use`), without Rust's `(os error 98)`.
fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => "address in use".into(),
        std::io::ErrorKind::AddrNotAvailable => "address not available".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The hyper builder with the configured limits. HTTP/1 gets no timer on purpose: its
/// header-read and idle timeouts are the sweeper's (see `connection`).
fn builder(config: &ServerConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .max_buf_size(config.max_header_bytes.max(8192));
    let mut h2 = builder.http2();
    h2.max_concurrent_streams(config.h2_max_concurrent_streams)
        .max_header_list_size(u32::try_from(config.max_header_bytes).unwrap_or(u32::MAX));
    if !config.h2_keepalive_interval.is_zero() {
        h2.timer(TokioTimer::new())
            .keep_alive_interval(config.h2_keepalive_interval)
            .keep_alive_timeout(config.h2_keepalive_timeout);
    }
    builder
}

/// Accepts the next connection, keeping under the connection cap: at the cap the
/// idlest connection is closed to make room, and when every connection is busy this
/// waits for one to close (new connections queue in the kernel meanwhile). Running out
/// of file descriptors is handled the same way.
async fn accept(listener: &TcpListener, registry: &Registry) -> TcpStream {
    loop {
        if registry.is_full() {
            make_room(registry).await;
            continue;
        }
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(e) if is_out_of_files(&e) => {
                tracing::warn!(error = %e, open = registry.open(), "out of file descriptors");
                make_room(registry).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn make_room(registry: &Registry) {
    let closed = registry.closed();
    tokio::pin!(closed);
    closed.as_mut().enable();
    if registry.evict_idlest() {
        closed.await;
    } else {
        // Every connection is busy: wait for one to finish (or poll again soon, for
        // the out-of-files case where the connection closing may not be ours).
        let _ = tokio::time::timeout(Duration::from_millis(100), closed).await;
    }
}

fn is_out_of_files(e: &std::io::Error) -> bool {
    // EMFILE (24) and ENFILE (23) on Linux and the BSDs.
    matches!(e.raw_os_error(), Some(23 | 24))
}

fn spawn_connection(
    builder: &auto::Builder<TokioExecutor>,
    inner: &Arc<Inner>,
    registry: &Arc<Registry>,
    stream: TcpStream,
) {
    let _ = stream.set_nodelay(true);
    let conn = Arc::new(Conn {
        inner: inner.clone(),
        state: ConnState::default(),
    });
    let slot = registry.insert(conn.clone());
    let svc = {
        let conn = conn.clone();
        hyper::service::service_fn(move |mut req| {
            let conn = conn.clone();
            conn.state.request_started();
            async move {
                let _in_flight = conn.state.in_flight();
                Ok::<_, std::convert::Infallible>(rpc::serve(&conn, &mut req).await)
            }
        })
    };
    let io = TokioIo::new(TrackedIo::new(stream, conn.clone()));
    let served = builder.serve_connection(io, svc).into_owned();
    let registry = registry.clone();
    tokio::spawn(async move {
        connection::drive(served, &conn.state).await;
        registry.remove(slot);
    });
}

#[derive(PartialEq, Eq)]
enum Signal {
    Terminate,
    Interrupt,
}

/// Registers the shutdown signal handlers at once (so a SIGTERM that arrives right
/// after `serve` started is not missed) and returns a future that completes on the
/// first of them (never when `enabled` is false).
fn wait_for_signal(enabled: bool) -> impl Future<Output = Signal> {
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
                        _ = recv(term) => {
                            announce("brief: SIGTERM received");
                            Signal::Terminate
                        }
                        _ = recv(int) => {
                            announce("brief: SIGINT received, stopping without a drain delay");
                            Signal::Interrupt
                        }
                    }
                }
                None => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            if enabled {
                let _ = tokio::signal::ctrl_c().await;
                Signal::Interrupt
            } else {
                std::future::pending().await
            }
        }
    }
}
