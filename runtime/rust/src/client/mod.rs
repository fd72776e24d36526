//! [`Client`]: calling brief rpcs, with deadlines, context propagation and the
//! resilience layers (retries, retry budget, circuit breakers, balancing, discovery).

#[cfg(test)]
mod alloc_test;
mod balance;
mod breaker;
mod budget;
mod discovery;
mod http;
mod metrics;
mod policy;
mod resilient;
mod window;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{codec, Code, Context, Error, RpcInfo};
use balance::EndpointOptions;
use budget::RetryBudget;
use discovery::EndpointSet;
use resilient::{deadline_error, Resilient};

pub use discovery::{endpoint_env_var, Resolve, SystemResolver};
pub use http::HttpTransport;
pub use metrics::client_metrics_text;
pub(crate) use metrics::render as render_resilience_metrics;
pub use policy::{BreakerPolicy, ResilienceConfig, RetryBudgetPolicy, RetryPolicy};

/// A boxed, `Send` future (the return type of [`Transport::send`] and of handlers).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One attempt of a call, as a client's attempt transport sees it. The [`Client`]
/// fills it from the rpc, the encoded input and the current [`Context`]; the
/// resilience layers set `attempt` and `endpoint` before each attempt.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OutgoingCall {
    /// The rpc being called.
    pub rpc: RpcInfo,
    /// The encoded (uncompressed) JSON input.
    pub body: Bytes,
    /// When the whole call (all attempts) must be done.
    pub deadline: Instant,
    /// Attempt number, 1 for the first try (sent as `X-Brief-Attempt`).
    pub attempt: u32,
    /// `X-Request-Id` to send.
    pub request_id: String,
    /// `traceparent` to send (already a new span under the caller's trace).
    pub traceparent: String,
    /// `tracestate` to pass on.
    pub tracestate: Option<String>,
    /// `baggage` to pass on.
    pub baggage: Option<String>,
    /// The base URL of the endpoint the balancer chose for this attempt.
    pub endpoint: Option<Arc<str>>,
}

/// Sends one attempt of a call to the endpoint in [`OutgoingCall::endpoint`] and
/// returns the response body (JSON, decompressed) or the attempt's [`Error`].
///
/// [`HttpTransport`] is the bottom of every client; [`Client::with_layer`] wraps it in
/// layers of your own (headers, logging, test doubles) that see every attempt. An
/// error for a request that certainly never left should be marked
/// [`Error::with_unsent`], so that even a rpc that is not idempotent is retried.
pub trait Transport: Send + Sync + 'static {
    /// Sends one attempt.
    fn send<'a>(&'a self, call: &'a OutgoingCall) -> BoxFuture<'a, Result<Bytes, Error>>;
}

/// Per-call options.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// An explicit timeout; the call's deadline is the smallest of this, the rpc's
    /// timeout and the current context's remaining deadline.
    pub timeout: Option<Duration>,
    /// The retry policy of this call, instead of the rpc's or the client's.
    pub retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// Options with an explicit timeout.
    pub fn timeout(timeout: Duration) -> Self {
        CallOptions {
            timeout: Some(timeout),
            ..CallOptions::default()
        }
    }

    /// Sets the retry policy of the call (`RetryPolicy::off()`: no retries).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

/// How a [`Client`] finds and talks to its service.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Base URLs given in code (`http://host:port`, or `dns+http://host:port` for every
    /// address of `host`). When empty, the client reads `SERVICE_<NAME>_URL` (see
    /// [`endpoint_env_var`]).
    pub base_urls: Vec<String>,
    /// This service's name, sent as `X-Brief-Caller` (default: `$SERVICE_NAME`).
    pub caller: Option<String>,
    /// Gzip request bodies of at least 1 KiB (default false). Responses are always
    /// accepted gzip-compressed.
    pub compress_requests: bool,
    /// Largest response body accepted (default 4 MiB).
    pub response_limit: usize,
    /// Use HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1 (default false).
    pub http2_prior_knowledge: bool,
    /// How long an idle pooled connection is kept (default 90 s).
    pub pool_idle_timeout: Duration,
    /// Retries, retry budget, circuit breakers, balancing and DNS refresh (on by
    /// default; [`ResilienceConfig::off`] turns them off).
    pub resilience: ResilienceConfig,
    /// Resolves the hosts of `dns+http://` endpoints (default: the system resolver).
    pub resolver: Arc<dyn Resolve>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_urls: Vec::new(),
            caller: std::env::var("SERVICE_NAME").ok().filter(|s| !s.is_empty()),
            compress_requests: false,
            response_limit: 4 << 20,
            http2_prior_knowledge: false,
            pool_idle_timeout: Duration::from_secs(90),
            resilience: ResilienceConfig::default(),
            resolver: Arc::new(SystemResolver),
        }
    }
}

impl ClientConfig {
    /// A config with one explicit base URL.
    pub fn with_url(url: impl Into<String>) -> Self {
        ClientConfig {
            base_urls: vec![url.into()],
            ..ClientConfig::default()
        }
    }
}

/// A client of one service: generic, typed per call. Generated clients wrap one.
/// Cheap to clone (shared connection pool, endpoints, breakers and retry budget).
///
/// Every call takes the current [`Context`] (the request being served, if any) into
/// account: deadline, request id, trace context and baggage are passed on.
#[derive(Clone)]
pub struct Client {
    service: Arc<str>,
    stack: Arc<Resilient>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("service", &self.service)
            .field("endpoints", &self.endpoints())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of `service` over HTTP. Endpoints come from `config.base_urls`, else
    /// from `SERVICE_<NAME>_URL` (one URL or several separated by commas). Fails with
    /// `failed_precondition`, naming the variable, when neither is set or a URL is bad.
    pub fn new(service: &str, config: ClientConfig) -> Result<Client, Error> {
        let transport = Arc::new(HttpTransport::new(&config));
        Client::with_transport(service, config, transport)
    }

    /// A client of `service` configured from the environment only.
    pub fn from_env(service: &str) -> Result<Client, Error> {
        Client::new(service, ClientConfig::default())
    }

    /// A client whose attempts go through `transport` instead of HTTP (endpoints and
    /// resilience still come from `config`).
    pub fn with_transport(
        service: &str,
        config: ClientConfig,
        transport: Arc<dyn Transport>,
    ) -> Result<Client, Error> {
        let r = &config.resilience;
        let options = EndpointOptions {
            breaker: r.breaker,
            avoid_after_connect_error: r.avoid_after_connect_error,
        };
        let endpoints = EndpointSet::discover(
            service,
            &config.base_urls,
            options,
            config.resolver.clone(),
            r.dns_refresh,
        )?;
        Ok(Client {
            service: service.into(),
            stack: Arc::new(Resilient {
                endpoints,
                transport,
                budget: r.budget.as_ref().map(|b| Arc::new(RetryBudget::new(b))),
                config: Arc::new(config.resilience),
                next: Arc::new(AtomicUsize::new(0)),
            }),
        })
    }

    /// Wraps the client's attempt transport in a layer: it sees every attempt (with
    /// its number and endpoint), beneath the retries, breakers and balancer.
    pub fn with_layer(
        self,
        layer: impl FnOnce(Arc<dyn Transport>) -> Arc<dyn Transport>,
    ) -> Client {
        let s = &self.stack;
        Client {
            service: self.service.clone(),
            stack: Arc::new(Resilient {
                endpoints: s.endpoints.clone(),
                transport: layer(s.transport.clone()),
                config: s.config.clone(),
                budget: s.budget.clone(),
                next: s.next.clone(),
            }),
        }
    }

    /// The service this client calls.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The base URLs of the service's endpoints right now.
    pub fn endpoints(&self) -> Vec<String> {
        self.stack
            .endpoints
            .snapshot()
            .iter()
            .map(|e| e.url.to_string())
            .collect()
    }

    /// Calls `rpc` with `input` and decodes its output. This is what generated clients
    /// call: `self.inner.unary(&SUM_RPC, input).await`.
    pub async fn unary<I, O>(&self, rpc: &RpcInfo, input: &I) -> Result<O, Error>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        self.unary_with(rpc, input, &CallOptions::default()).await
    }

    /// [`Client::unary`] with per-call options.
    pub async fn unary_with<I, O>(
        &self,
        rpc: &RpcInfo,
        input: &I,
        options: &CallOptions,
    ) -> Result<O, Error>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        let body = codec::encode(input)?;
        let out = self.unary_raw(rpc, body, options).await?;
        codec::decode(&out).map_err(|e| {
            Error::new(
                Code::Internal,
                format!("cannot decode response of {}: {}", rpc.path(), e.message()),
            )
        })
    }

    /// Calls `rpc` with an encoded JSON body and returns the response body.
    pub async fn unary_raw(
        &self,
        rpc: &RpcInfo,
        body: Bytes,
        options: &CallOptions,
    ) -> Result<Bytes, Error> {
        let now = Instant::now();
        let mut timeout = rpc.timeout;
        if let Some(t) = options.timeout {
            timeout = timeout.min(t);
        }
        let (remaining, request_id, traceparent, tracestate, baggage) =
            Context::with_current(|c| match c {
                Some(c) => (
                    c.remaining(),
                    c.request_id.clone(),
                    c.child_traceparent(),
                    c.tracestate.clone(),
                    c.baggage.clone(),
                ),
                None => (
                    None,
                    crate::rand::uuid_v4(),
                    crate::context::child_traceparent(None),
                    None,
                    None,
                ),
            });
        if let Some(r) = remaining {
            timeout = timeout.min(r);
        }
        let deadline = now + timeout;
        if timeout.is_zero() {
            return Err(Error::deadline_exceeded(format!(
                "{}: deadline already passed",
                rpc.path()
            )));
        }
        let call = OutgoingCall {
            rpc: *rpc,
            body,
            deadline,
            attempt: 1,
            request_id,
            traceparent,
            tracestate,
            baggage,
            endpoint: None,
        };
        let work = self.stack.call(call, timeout, options.retry);
        let result = match tokio::time::timeout_at(deadline.into(), work).await {
            Ok(r) => r,
            Err(_) => Err(deadline_error(rpc, timeout)),
        };
        crate::metrics::client_rpc(rpc.service, rpc.name)
            .record(result.as_ref().err().map(Error::code), now.elapsed());
        result
    }
}
