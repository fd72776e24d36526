//! [`HttpTransport`]: one attempt of a call over pooled HTTP/1.1 (or h2c) connections.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use http::{Request, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::{BoxFuture, ClientConfig, OutgoingCall, Transport};
use crate::context::headers;
use crate::{compress, Code, Error};

/// The bottom of a client's stack: sends one attempt to the endpoint the balancer
/// chose (`OutgoingCall::endpoint`), over a shared keep-alive connection pool.
pub struct HttpTransport {
    http: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
    caller: Option<HeaderValue>,
    compress_requests: bool,
    response_limit: usize,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport").finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// An HTTP transport with the connection settings of `config`.
    pub fn new(config: &ClientConfig) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_keepalive(Some(Duration::from_secs(60)));
        let mut builder = hyper_util::client::legacy::Client::builder(TokioExecutor::new());
        builder
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .http2_only(config.http2_prior_knowledge);
        HttpTransport {
            http: builder.build(connector),
            caller: config
                .caller
                .as_deref()
                .and_then(|c| HeaderValue::from_str(c).ok()),
            compress_requests: config.compress_requests,
            response_limit: config.response_limit,
        }
    }

    async fn send_inner(&self, call: &OutgoingCall) -> Result<Bytes, Error> {
        let path = call.rpc.path();
        let base = call
            .endpoint
            .as_deref()
            .ok_or_else(|| Error::internal(format!("{path}: no endpoint chosen")))?;
        let mut uri = String::with_capacity(base.len() + path.len());
        uri.push_str(base);
        uri.push_str(&path);
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
            call.body.clone()
        };
        let req = builder
            .body(Full::new(body))
            .map_err(|e| Error::internal(format!("cannot build request: {e}")))?;

        let resp = self.http.request(req).await.map_err(|e| {
            let err = Error::unavailable(format!("{path} at {base}: {}", error_chain(&e)));
            // A connect error (refused, unreachable, DNS) happens before a byte is sent.
            if e.is_connect() {
                err.with_unsent()
            } else {
                err
            }
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
    fn send<'a>(&'a self, call: &'a OutgoingCall) -> BoxFuture<'a, Result<Bytes, Error>> {
        Box::pin(self.send_inner(call))
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
