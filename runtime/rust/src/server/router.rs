//! [`Router`]: the table of rpcs a server serves, and the [`Middleware`] that wraps them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::BoxFuture;
use crate::metrics::RpcMetrics;
use crate::{codec, Context, Error, RpcInfo};

/// A registered rpc handler: takes the request's [`Context`] and the (decompressed)
/// JSON body, returns the JSON body of the response or an [`Error`].
pub type Handler =
    Arc<dyn Fn(Context, Bytes) -> BoxFuture<'static, Result<Bytes, Error>> + Send + Sync>;

/// One rpc call being served, as [`Middleware`] sees it: the rpc (with its
/// `idempotent`/`readonly` modifiers and timeout), the request's [`Context`] (deadline,
/// request id, trace, caller), its headers and its JSON body.
#[non_exhaustive]
pub struct IncomingCall {
    /// The rpc called.
    pub rpc: RpcInfo,
    /// The request's context; the handler receives it as it is when the chain reaches it.
    pub ctx: Context,
    /// The request headers (e.g. `authorization`).
    pub headers: HeaderMap,
    /// The request's message as JSON (after gzip inflation).
    pub body: Bytes,
}

/// Code around every rpc a [`Router`] serves: tracing, authentication, telemetry.
/// It may look at or change the call, answer it itself (return an [`Error`] without
/// calling `next`), or call `next.run(call)` and look at the result.
///
/// Middleware runs after the server's protocol checks (method, content type, body size
/// and deadline) and around the decoding of the input, so it sees `invalid_argument`
/// answers for bad input; the rpc's deadline covers it. Closures
/// `Fn(IncomingCall, Next) -> impl Future<Output = Result<Bytes, Error>>` are middleware:
///
/// ```
/// use brief_runtime::{Code, Error, IncomingCall, Next, Router};
/// let mut router = Router::new();
/// router.middleware(|call: IncomingCall, next: Next| async move {
///     if call.headers.get("authorization").is_none() && !call.rpc.readonly {
///         return Err(Error::new(Code::Unauthenticated, "log in first"));
///     }
///     next.run(call).await
/// });
/// ```
pub trait Middleware: Send + Sync + 'static {
    /// Handles `call`, usually by calling `next.run(call)`.
    fn call(&self, call: IncomingCall, next: Next) -> BoxFuture<'static, Result<Bytes, Error>>;
}

impl<F, Fut> Middleware for F
where
    F: Fn(IncomingCall, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Bytes, Error>> + Send + 'static,
{
    fn call(&self, call: IncomingCall, next: Next) -> BoxFuture<'static, Result<Bytes, Error>> {
        Box::pin(self(call, next))
    }
}

/// The rest of a middleware chain: the middleware after this one, then the handler.
pub struct Next {
    chain: Arc<Chain>,
    position: usize,
}

/// The middleware of a route, outermost first, and its handler.
pub(crate) struct Chain {
    middleware: Vec<Arc<dyn Middleware>>,
    handler: Handler,
}

impl Next {
    /// Calls the next middleware, or the handler at the end of the chain.
    pub fn run(self, call: IncomingCall) -> BoxFuture<'static, Result<Bytes, Error>> {
        match self.chain.middleware.get(self.position) {
            Some(m) => {
                let m = m.clone();
                let next = Next {
                    chain: self.chain,
                    position: self.position + 1,
                };
                m.call(call, next)
            }
            None => (self.chain.handler)(call.ctx, call.body),
        }
    }
}

pub(crate) struct Route {
    pub(crate) info: RpcInfo,
    pub(crate) handler: Handler,
    /// The handler wrapped in the router's middleware; `None` without middleware, so
    /// that a plain server pays nothing for the feature.
    pub(crate) chain: Option<Arc<Chain>>,
    pub(crate) metrics: RpcMetrics,
}

impl Route {
    /// Runs the rpc: through the middleware when there is some, else the handler alone.
    pub(crate) fn call(
        &self,
        ctx: Context,
        headers: HeaderMap,
        body: Bytes,
    ) -> BoxFuture<'static, Result<Bytes, Error>> {
        match &self.chain {
            None => (self.handler)(ctx, body),
            Some(chain) => Next {
                chain: chain.clone(),
                position: 0,
            }
            .run(IncomingCall {
                rpc: self.info,
                ctx,
                headers,
                body,
            }),
        }
    }

    /// Whether the request's headers are needed after the handler's context is built.
    pub(crate) fn wants_headers(&self) -> bool {
        self.chain.is_some()
    }
}

/// The table of rpcs a [`crate::Server`] serves, keyed by `/{service}/{rpc}`.
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
    pub(crate) routes: HashMap<String, Route>,
    middleware: Vec<Arc<dyn Middleware>>,
    metrics_sources: Vec<MetricsSource>,
}

/// Renders extra Prometheus text for `/metrics` (see [`Router::metrics_source`]).
pub type MetricsSource = Arc<dyn Fn(&mut String) + Send + Sync>;

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
                chain: None,
                metrics: RpcMetrics::default(),
            },
        );
        self
    }

    /// Adds middleware around every rpc of this router (also those merged into it).
    /// The first added is the outermost: it sees the call first and the result last.
    pub fn middleware(&mut self, m: impl Middleware) -> &mut Self {
        self.middleware.push(Arc::new(m));
        self
    }

    /// Moves every route of `other` into this router (to serve several services),
    /// and appends `other`'s middleware to this router's.
    pub fn merge(&mut self, other: Router) -> &mut Self {
        self.routes.extend(other.routes);
        self.middleware.extend(other.middleware);
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

    /// Wraps every route in the middleware, once, when the server starts.
    pub(crate) fn build_chains(&mut self) {
        if self.middleware.is_empty() {
            return;
        }
        for route in self.routes.values_mut() {
            route.chain = Some(Arc::new(Chain {
                middleware: self.middleware.clone(),
                handler: route.handler.clone(),
            }));
        }
    }

    pub(crate) fn render_metrics(&self) -> String {
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
