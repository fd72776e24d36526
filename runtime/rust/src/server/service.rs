//! [`RouterService`]: a [`Router`] mounted in an app that owns the listener (axum,
//! plain hyper, anything built on tower).

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Body;

use super::{rpc, Inner, Router, ServerConfig};
use crate::client::BoxFuture;

/// What a request body's error must convert into (as in tower and axum).
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A [`Router`] as a `tower::Service<http::Request<B>>` (and a hyper `Service`), to
/// serve brief rpcs from an app that owns the listener: next to the routes of an axum
/// app, in a plain hyper server, under tower middleware. Made by
/// [`Router::into_service`]; cheap to clone (one reference count), always ready.
///
/// Each request is served as [`crate::Server`] serves it: routed on the raw path
/// (`/summer/sum`; `/summer/%73um` is `unimplemented`), checked (method, content type),
/// its body read within the body limit and the body read timeout, its
/// `Connect-Timeout-Ms` deadline enforced, gzip both ways, the [`crate::Context`]
/// (request id, deadline, trace context, caller) given to the handler, the router's
/// middleware run, errors answered with their Connect status and JSON body. A path
/// that names no rpc is answered `404` (`501 unimplemented` when shaped like an rpc).
///
/// What belongs to a connection or a process is the host app's: the connection cap,
/// header and idle timeouts, HTTP/2 settings, graceful shutdown, and `/healthz`,
/// `/readyz` and `/metrics` (which a mounted service does not answer;
/// [`RouterService::metrics_text`] gives the rpcs' metrics for the app's own
/// `/metrics`).
///
/// The service takes any request body whose data is a [`bytes::Buf`] and whose error
/// converts into `Box<dyn Error + Send + Sync>` (hyper's `Incoming`, axum's `Body`,
/// tower-http's wrappers), and answers with an `http::Response<Full<Bytes>>`, which
/// axum and hyper take as it is. Its error type is [`Infallible`]: every failure is an
/// HTTP answer.
#[derive(Clone)]
pub struct RouterService {
    inner: Arc<Inner>,
}

impl Router {
    /// This router as a service to mount in another app, with the default per-request
    /// limits of [`ServerConfig`] (see [`RouterService`]).
    pub fn into_service(self) -> RouterService {
        self.into_service_with(&ServerConfig::default())
    }

    /// This router as a service to mount in another app, with the per-request limits of
    /// `config`: `body_limit`, `body_read_timeout` and `compress_min_bytes` (its other
    /// settings are about connections and shutdown, which the host app owns).
    pub fn into_service_with(self, config: &ServerConfig) -> RouterService {
        RouterService {
            inner: Arc::new(Inner::new(self, config, None)),
        }
    }
}

impl RouterService {
    /// The rpcs' metrics in the Prometheus text format (what a standalone server
    /// answers on `/metrics`), for the host app to serve.
    pub fn metrics_text(&self) -> String {
        self.inner.router.render_metrics()
    }

    /// The path of every rpc served, `/{service}/{rpc}`, sorted (to register each with
    /// a host router that has no fallback to spare).
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.inner.router.routes.keys().cloned().collect();
        paths.sort();
        paths
    }

    fn serve<B>(
        &self,
        req: Request<B>,
    ) -> BoxFuture<'static, Result<Response<Full<Bytes>>, Infallible>>
    where
        B: Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
    {
        let inner = self.inner.clone();
        Box::pin(async move {
            // Pinned here, so that bodies that are not `Unpin` are served too, without
            // a box of their own.
            let (parts, body) = req.into_parts();
            let body = std::pin::pin!(body);
            let mut req = Request::from_parts(parts, body);
            Ok(rpc::answer(&inner, &mut req).await)
        })
    }
}

impl<B> tower_service::Service<Request<B>> for RouterService
where
    B: Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        self.serve(req)
    }
}

/// For `hyper::server::conn` and `hyper_util`'s builders directly, without an adapter.
impl<B> hyper::service::Service<Request<B>> for RouterService
where
    B: Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn call(&self, req: Request<B>) -> Self::Future {
        self.serve(req)
    }
}
