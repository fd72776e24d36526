//! [`Client`]: calling brief rpcs, with deadlines and context propagation.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use http::{Request, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::headers;
use crate::{codec, compress, Code, Context, Error, RpcInfo};

/// A boxed, `Send` future (the return type of [`Transport::send`] and of handlers).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One attempt of a call, as the layers of a client's stack see it. The [`Client`]
/// fills it from the rpc, the encoded input and the current [`Context`].
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
    /// The endpoint to use (an index into the transport's endpoints); `None` lets the
    /// transport choose (round-robin). A load-balancing layer sets it.
    pub endpoint: Option<usize>,
}

/// A stage of a client's stack: sends one [`OutgoingCall`] and returns the response
/// body (JSON, decompressed) or the call's [`Error`].
///
/// [`HttpTransport`] is the bottom of the stack. Retries, circuit breakers and load
/// balancing are meant to be layers that wrap an `Arc<dyn Transport>` and call it
/// (once or more, adjusting `attempt` and `endpoint`); install them with
/// [`Client::with_layer`].
pub trait Transport: Send + Sync + 'static {
    /// Sends one call.
    fn send(&self, call: OutgoingCall) -> BoxFuture<'_, Result<Bytes, Error>>;

    /// How many endpoints the transport knows (layers use it to pick one).
    fn endpoint_count(&self) -> usize {
        1
    }
}

/// Per-call options.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// An explicit timeout; the call's deadline is the smallest of this, the rpc's
    /// timeout and the current context's remaining deadline.
    pub timeout: Option<Duration>,
}

impl CallOptions {
    /// Options with an explicit timeout.
    pub fn timeout(timeout: Duration) -> Self {
        CallOptions {
            timeout: Some(timeout),
        }
    }
}

/// How a [`Client`] finds and talks to its service.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Base URLs given in code (`http://host:port`). When empty, the client reads
    /// `SERVICE_<NAME>_URL` (see [`endpoint_env_var`]).
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

/// The environment variable that holds a service's endpoints:
/// `SERVICE_<NAME>_URL`, the name upper-cased with `-` and `.` turned into `_`
/// (`image-storage` → `SERVICE_IMAGE_STORAGE_URL`).
pub fn endpoint_env_var(service: &str) -> String {
    let mut s = String::from("SERVICE_");
    for c in service.chars() {
        s.push(match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        });
    }
    s.push_str("_URL");
    s
}

/// A client of one service: generic, typed per call. Generated clients wrap one.
/// Cheap to clone (shared connection pool).
///
/// Every call takes the current [`Context`] (the request being served, if any) into
/// account: deadline, request id, trace context and baggage are passed on.
#[derive(Clone)]
pub struct Client {
    service: Arc<str>,
    stack: Arc<dyn Transport>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of `service` over HTTP. Endpoints come from `config.base_urls`, else
    /// from `SERVICE_<NAME>_URL` (one URL or several separated by commas). Fails with
    /// `failed_precondition`, naming the variable, when neither is set or a URL is bad.
    pub fn new(service: &str, config: ClientConfig) -> Result<Client, Error> {
        let transport = HttpTransport::new(service, config)?;
        Ok(Client::with_transport(service, Arc::new(transport)))
    }

    /// A client of `service` configured from the environment only.
    pub fn from_env(service: &str) -> Result<Client, Error> {
        Client::new(service, ClientConfig::default())
    }

    /// A client over a custom transport stack.
    pub fn with_transport(service: &str, stack: Arc<dyn Transport>) -> Client {
        Client {
            service: service.into(),
            stack,
        }
    }

    /// Wraps the client's stack in a layer (retries, circuit breaking, ...).
    pub fn with_layer(
        self,
        layer: impl FnOnce(Arc<dyn Transport>) -> Arc<dyn Transport>,
    ) -> Client {
        Client {
            service: self.service,
            stack: layer(self.stack),
        }
    }

    /// The service this client calls.
    pub fn service(&self) -> &str {
        &self.service
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
        let result = match tokio::time::timeout_at(deadline.into(), self.stack.send(call)).await {
            Ok(r) => r,
            Err(_) => Err(Error::deadline_exceeded(format!(
                "{}: deadline of {} ms exceeded",
                rpc.path(),
                timeout.as_millis()
            ))),
        };
        crate::metrics::client_rpc(rpc.service, rpc.name)
            .record(result.as_ref().err().map(Error::code), now.elapsed());
        result
    }
}

/// The bottom of a client's stack: pooled HTTP/1.1 (or h2c) connections to a list of
/// endpoints, used round-robin.
pub struct HttpTransport {
    endpoints: Vec<String>,
    next: AtomicUsize,
    http: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
    caller: Option<HeaderValue>,
    compress_requests: bool,
    response_limit: usize,
}

impl HttpTransport {
    /// Builds the transport of `service` from `config` (see [`Client::new`]).
    pub fn new(service: &str, config: ClientConfig) -> Result<Self, Error> {
        let var = endpoint_env_var(service);
        let (urls, source) = if config.base_urls.is_empty() {
            match std::env::var(&var) {
                Ok(v) if !v.trim().is_empty() => (
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                    format!("${var}"),
                ),
                _ => {
                    return Err(Error::failed_precondition(format!(
                        "no endpoint for service {service:?}: set {var} (e.g. http://host:8080) or give a base URL in ClientConfig"
                    )))
                }
            }
        } else {
            (
                config.base_urls.clone(),
                "ClientConfig.base_urls".to_string(),
            )
        };
        let mut endpoints = Vec::with_capacity(urls.len());
        for url in urls {
            endpoints.push(parse_base_url(&url).map_err(|why| {
                Error::failed_precondition(format!(
                    "bad endpoint {url:?} for service {service:?} in {source}: {why}"
                ))
            })?);
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_keepalive(Some(Duration::from_secs(60)));
        let mut builder = hyper_util::client::legacy::Client::builder(TokioExecutor::new());
        builder
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .http2_only(config.http2_prior_knowledge);
        Ok(HttpTransport {
            endpoints,
            next: AtomicUsize::new(0),
            http: builder.build(connector),
            caller: config
                .caller
                .as_deref()
                .and_then(|c| HeaderValue::from_str(c).ok()),
            compress_requests: config.compress_requests,
            response_limit: config.response_limit,
        })
    }

    /// The endpoints' base URLs.
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    async fn send_inner(&self, call: OutgoingCall) -> Result<Bytes, Error> {
        let n = self.endpoints.len();
        let idx = match call.endpoint {
            Some(i) => i % n,
            None if n == 1 => 0,
            None => self.next.fetch_add(1, Ordering::Relaxed) % n,
        };
        let base = &self.endpoints[idx];
        let mut uri =
            String::with_capacity(base.len() + call.rpc.service.len() + call.rpc.name.len() + 2);
        uri.push_str(base);
        uri.push('/');
        uri.push_str(call.rpc.service);
        uri.push('/');
        uri.push_str(call.rpc.name);
        let uri: Uri = uri
            .parse()
            .map_err(|e| Error::internal(format!("bad request URI: {e}")))?;

        let remaining = call.deadline.saturating_duration_since(Instant::now());
        let ms = remaining.as_millis().max(1);
        let mut builder = Request::post(uri)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(
                headers::CONNECT_PROTOCOL_VERSION,
                HeaderValue::from_static("1"),
            )
            .header(headers::CONNECT_TIMEOUT_MS, ms.to_string())
            .header(ACCEPT_ENCODING, HeaderValue::from_static("gzip"))
            .header(headers::ATTEMPT, call.attempt.to_string())
            .header(headers::TRACEPARENT, call.traceparent.as_str());
        if let Ok(v) = HeaderValue::from_str(&call.request_id) {
            builder = builder.header(headers::REQUEST_ID, v);
        }
        if let Some(ts) = call
            .tracestate
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            builder = builder.header(headers::TRACESTATE, ts);
        }
        if let Some(b) = call
            .baggage
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            builder = builder.header(headers::BAGGAGE, b);
        }
        if let Some(c) = &self.caller {
            builder = builder.header(headers::CALLER, c.clone());
        }
        let body = if self.compress_requests && call.body.len() >= 1024 {
            builder = builder.header(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            compress::gzip(&call.body)
        } else {
            call.body
        };
        let req = builder
            .body(Full::new(body))
            .map_err(|e| Error::internal(format!("cannot build request: {e}")))?;

        let path = call.rpc.path();
        let resp =
            self.http.request(req).await.map_err(|e| {
                Error::unavailable(format!("{path} at {base}: {}", error_chain(&e)))
            })?;
        let status = resp.status();
        let gzip = resp
            .headers()
            .get(CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let limit = self.response_limit;
        let body = match Limited::new(resp.into_body(), limit).collect().await {
            Ok(c) => c.to_bytes(),
            Err(e) if e.is::<LengthLimitError>() => {
                return Err(Error::resource_exhausted(format!(
                    "{path}: response larger than the limit of {limit} bytes"
                )))
            }
            Err(e) => {
                return Err(Error::unavailable(format!(
                    "{path} at {base}: reading response failed: {e}"
                )))
            }
        };
        let body = if gzip {
            compress::gunzip(&body, limit).map_err(|e| {
                Error::new(
                    if e.code() == Code::ResourceExhausted {
                        Code::ResourceExhausted
                    } else {
                        Code::Internal
                    },
                    format!("{path}: {}", e.message()),
                )
            })?
        } else {
            body
        };
        if status.as_u16() == 200 {
            Ok(body)
        } else {
            let mut err = Error::from_http_response(status.as_u16(), &body);
            if let Some(after) = retry_after {
                err = err.with_retry_after(after);
            }
            Err(err)
        }
    }
}

impl Transport for HttpTransport {
    fn send(&self, call: OutgoingCall) -> BoxFuture<'_, Result<Bytes, Error>> {
        Box::pin(self.send_inner(call))
    }

    fn endpoint_count(&self) -> usize {
        self.endpoints.len()
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

fn parse_base_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    if url.starts_with("dns+http://") {
        return Err("dns+http discovery is not supported by this runtime version".into());
    }
    if url.starts_with("https://") {
        return Err("https is not supported (no TLS in this runtime): use http://".into());
    }
    let uri: Uri = url.parse().map_err(|e| format!("{e}"))?;
    if uri.scheme_str() != Some("http") || uri.authority().is_none() {
        return Err("expected http://host:port".into());
    }
    if uri.query().is_some() {
        return Err("a base URL has no query".into());
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names() {
        assert_eq!(
            endpoint_env_var("image-storage"),
            "SERVICE_IMAGE_STORAGE_URL"
        );
        assert_eq!(endpoint_env_var("data.bus"), "SERVICE_DATA_BUS_URL");
        assert_eq!(endpoint_env_var("summer"), "SERVICE_SUMMER_URL");
    }

    #[test]
    fn base_urls() {
        assert_eq!(parse_base_url("http://a:1/").unwrap(), "http://a:1");
        assert_eq!(
            parse_base_url(" http://a:1/prefix ").unwrap(),
            "http://a:1/prefix"
        );
        assert!(parse_base_url("https://a").is_err());
        assert!(parse_base_url("dns+http://a:1").is_err());
        assert!(parse_base_url("a:1").is_err());
        assert!(parse_base_url("ftp://a").is_err());
    }

    #[test]
    fn missing_config_names_variable() {
        let err = Client::new("no-such-svc-xyz", ClientConfig::default()).unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition);
        assert!(
            err.message().contains("SERVICE_NO_SUCH_SVC_XYZ_URL"),
            "{}",
            err.message()
        );
    }
}
