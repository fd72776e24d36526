//! Serving one request: routing on the raw path, the protocol checks, the body, the
//! deadline, the handler and its answer.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::header::{
    HeaderValue, ACCEPT_ENCODING, ALLOW, CONNECTION, CONTENT_ENCODING, CONTENT_TYPE,
};
use http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use http_body_util::Full;
use hyper::body::Incoming;

use super::body::{
    discard_body, get_message, read_body, with_deadline, BodyDeadline, BodyHeaders, Elapsed,
    RequestBody,
};
use super::connection::CLOSE_GRACEFULLY;
use super::http::{
    clip, error_response, is_json, is_rpc_shaped, is_valid_request_id, text, Resp, JSON,
};
use super::router::Route;
use super::{Conn, Inner};
use crate::client::BoxFuture;
use crate::{compress, Code, Context, Error};

const CLOSE: HeaderValue = HeaderValue::from_static("close");

/// Serves one request of a connection of the standalone [`super::Server`]. Once the
/// listener has closed, every answer closes its connection: `Connection: close` on
/// HTTP/1.1, GOAWAY on HTTP/2, so a client learns that the connection is done before it
/// sends anything more on it.
///
/// hyper moves the future of every request into place, so its size is a cost paid per
/// request: the request is owned once, by the caller, and borrowed from there on; the
/// rare paths are boxed.
pub(crate) async fn serve(conn: &Conn, req: &mut Request<Incoming>) -> Resp {
    let inner = &*conn.inner;
    let h1 = req.version() < Version::HTTP_2;
    let mut resp = answer(inner, req).await;
    if inner
        .life
        .as_ref()
        .is_some_and(|l| l.closing.load(Ordering::Relaxed))
    {
        if h1 {
            resp.headers_mut().insert(CONNECTION, CLOSE);
        } else {
            conn.state.request_close(CLOSE_GRACEFULLY);
        }
    }
    resp
}

/// Answers one request, for the standalone server and a mounted
/// [`super::RouterService`] alike: the rpcs, and (standalone only) health, readiness
/// and metrics.
pub(crate) async fn answer<B: RequestBody>(inner: &Inner, req: &mut Request<B>) -> Resp {
    let start = Instant::now();
    // The raw path, never percent-decoded: `/summer/%73um` names no rpc.
    match inner.router.routes.get(req.uri().path()) {
        Some(route) => {
            let (resp, code) = serve_rpc(inner, route, req, start).await;
            route.metrics.record(code, start.elapsed());
            resp
        }
        None => serve_other(inner, req).await,
    }
}

/// Everything that is not an rpc: health, readiness, metrics (standalone only: mounted,
/// they are the host app's), unknown paths.
fn serve_other<'a, B: RequestBody>(
    inner: &'a Inner,
    req: &'a mut Request<B>,
) -> BoxFuture<'a, Resp> {
    Box::pin(async move {
        let life = inner.life.as_ref();
        match req.uri().path() {
            "/healthz" if life.is_some() => text(StatusCode::OK, "ok\n"),
            "/readyz" if life.is_some_and(|l| l.draining.load(Ordering::Relaxed)) => {
                text(StatusCode::SERVICE_UNAVAILABLE, "draining\n")
            }
            "/readyz" if life.is_some() => text(StatusCode::OK, "ready\n"),
            "/metrics" if life.is_some() => {
                let mut r = Response::new(Full::new(Bytes::from(inner.router.render_metrics())));
                r.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                );
                r
            }
            p if is_rpc_shaped(p) => {
                let e = Error::unimplemented(format!("no such rpc: {}", clip(p)));
                discard_body(req.body_mut(), inner.body_limit).await;
                error_response(&e, None)
            }
            _ => {
                discard_body(req.body_mut(), inner.body_limit).await;
                text(StatusCode::NOT_FOUND, "not found\n")
            }
        }
    })
}

fn fail(e: Error, status: Option<StatusCode>) -> (Resp, Option<Code>) {
    let code = e.code();
    (error_response(&e, status), Some(code))
}

/// The answer to a request whose method or content type the rpc does not take.
fn reject<B>(route: &Route, req: &Request<B>) -> Option<(Resp, Option<Code>)> {
    let method = req.method();
    if method == Method::POST {
        if is_json(req.headers().get(CONTENT_TYPE)) {
            return None;
        }
        let (mut r, c) = fail(
            Error::unimplemented("unsupported content type: use application/json"),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        );
        r.headers_mut()
            .insert("accept-post", HeaderValue::from_static("application/json"));
        return Some((r, c));
    }
    if method == Method::GET && route.info.readonly {
        return None;
    }
    let allow = if route.info.readonly {
        "GET, POST"
    } else {
        "POST"
    };
    let (mut r, c) = fail(
        Error::unimplemented(format!(
            "method {} not allowed: use {allow}",
            clip(method.as_str())
        )),
        Some(StatusCode::METHOD_NOT_ALLOWED),
    );
    r.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    Some((r, c))
}

async fn serve_rpc<B: RequestBody>(
    inner: &Inner,
    route: &Route,
    req: &mut Request<B>,
    start: Instant,
) -> (Resp, Option<Code>) {
    if let Some(rejected) = reject(route, req) {
        discard_body(req.body_mut(), inner.body_limit).await;
        return rejected;
    }
    let mut ctx = Context::from_headers(req.headers(), start);
    if !is_valid_request_id(&ctx.request_id) {
        ctx.request_id = crate::rand::uuid_v4();
    }
    let deadline = ctx.deadline;
    let accept_gzip = req
        .headers()
        .get(ACCEPT_ENCODING)
        .is_some_and(|v| compress::accepts_gzip(v.as_bytes()));
    let message = if req.method() == Method::GET {
        get_message(req.uri().query().unwrap_or(""), inner.body_limit)
    } else {
        let limits = BodyDeadline {
            rpc: deadline,
            arrival: start,
            timeout: inner.body_read_timeout,
        };
        let declared = BodyHeaders::of(req.headers());
        match read_body(req.body_mut(), declared, inner.body_limit, limits).await {
            Ok(body) => Ok(body),
            Err(e) if e.unread && req.version() < Version::HTTP_2 => {
                // The rest of the body is still on the wire: this connection cannot
                // carry another request.
                let (mut r, c) = fail(e.error, None);
                r.headers_mut().insert(CONNECTION, CLOSE);
                return (r, c);
            }
            Err(e) => Err(e.error),
        }
    };
    let message = match message {
        Ok(m) => m,
        Err(e) => return fail(e, None),
    };
    let headers = if route.wants_headers() {
        std::mem::take(req.headers_mut())
    } else {
        HeaderMap::new()
    };
    let handler = route.call(ctx.clone(), headers, message);
    let run = crate::context::scope_current(ctx, CatchUnwind { inner: handler });
    tokio::pin!(run);
    let result = match with_deadline(run, deadline).await {
        Ok(r) => r,
        Err(Elapsed) => Err(Error::deadline_exceeded(
            "deadline exceeded while handling the request",
        )),
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
