//! The summer service mounted in apps that own the listener, over real loopback sockets:
//! next to a plain axum route with a tower layer around both (the app of
//! `examples/axum.rs`, which docs/rust.md shows), and in a plain hyper server over
//! HTTP/1.1 and h2c. The brief server's per-request behaviour holds when mounted:
//! routing on the raw path, error statuses, the request's Context, the deadline, the
//! body limit and gzip.

use std::net::SocketAddr;
use std::time::Duration;

use brief_runtime::{Code, Context, Error, IncomingCall, Next, ServerConfig};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use summer_example::rpc::summer::{self, SumIn, SumOut, Summer};
use tokio::net::{TcpListener, TcpStream};

#[path = "../examples/axum.rs"]
#[allow(dead_code)] // its `main` is the example's, not the test's
mod example;

/// Adds, and reports in `info` what reached it through the [`Context`]; `a == -1`
/// makes it take 10 s (past any deadline the tests set).
struct Probe;

impl Summer for Probe {
    async fn sum(&self, ctx: &Context, input: SumIn) -> Result<SumOut, Error> {
        if input.a == -1 {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        let sum = input
            .a
            .checked_add(input.b)
            .ok_or_else(|| Error::out_of_range("the sum does not fit in 64 bits"))?;
        let seen = serde_json::json!({
            "request_id": ctx.request_id,
            "remaining_ms": ctx.remaining().map(|d| d.as_millis() as u64),
            "caller": ctx.caller,
            "traceparent": ctx.traceparent,
            "current_request_id": Context::current().map(|c| c.request_id),
        });
        Ok(SumOut {
            sum,
            info: Some(seen.to_string()),
        })
    }
}

/// Serves `app` with axum on a fresh loopback port (until the test's runtime ends).
async fn serve_axum(app: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&self.body)))
    }

    fn stamped(&self) -> bool {
        self.headers
            .get("x-served-by")
            .is_some_and(|v| v == "summer-app")
    }
}

/// Sends one request over a fresh connection, HTTP/1.1 or h2c (prior knowledge).
async fn send(addr: SocketAddr, h2: bool, req: Request<Full<Bytes>>) -> Answer {
    let io = TokioIo::new(TcpStream::connect(addr).await.unwrap());
    let resp = if h2 {
        let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .unwrap();
        tokio::spawn(conn);
        send.send_request(req).await.unwrap()
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        send.send_request(req).await.unwrap()
    };
    let (parts, body) = resp.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

fn post(path: &str) -> hyper::http::request::Builder {
    Request::post(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
}

fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "localhost")
        .body(Full::default())
        .unwrap()
}

fn sum(a: i64, b: i64) -> Request<Full<Bytes>> {
    post("/summer/sum")
        .body(Full::new(Bytes::from(format!(r#"{{"a":{a},"b":{b}}}"#))))
        .unwrap()
}

#[tokio::test]
async fn axum_route_and_brief_service_share_a_listener_and_a_layer() {
    let addr = serve_axum(example::app(summer::router(Probe))).await;

    let hello = send(addr, false, get("/hello")).await;
    assert_eq!(hello.status, StatusCode::OK);
    assert_eq!(&hello.body[..], b"hello from axum\n");
    assert!(hello.stamped(), "the layer wraps the axum route");

    let mut req = sum(1, 2);
    let h = req.headers_mut();
    h.insert("x-request-id", "req-from-the-caller".parse().unwrap());
    h.insert("connect-timeout-ms", "5000".parse().unwrap());
    h.insert("x-brief-caller", "checkout".parse().unwrap());
    let trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    h.insert("traceparent", trace.parse().unwrap());
    let ok = send(addr, false, req).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert!(ok.stamped(), "the layer wraps the brief service");
    let out = ok.json();
    assert_eq!(out["sum"], 3);
    let seen: serde_json::Value = serde_json::from_str(out["info"].as_str().unwrap()).unwrap();
    assert_eq!(seen["request_id"], "req-from-the-caller");
    assert_eq!(seen["current_request_id"], "req-from-the-caller");
    assert_eq!(seen["caller"], "checkout");
    assert_eq!(seen["traceparent"], trace);
    let remaining = seen["remaining_ms"].as_u64().expect("a deadline");
    assert!(
        (4000..=5000).contains(&remaining),
        "deadline from Connect-Timeout-Ms: {remaining} ms left"
    );

    let overflow = send(addr, false, sum(i64::MAX, 1)).await;
    assert_eq!(overflow.status, StatusCode::BAD_REQUEST);
    assert_eq!(overflow.json()["code"], "out_of_range");
    assert!(overflow.stamped());

    let mut slow = sum(-1, 1);
    slow.headers_mut()
        .insert("connect-timeout-ms", "100".parse().unwrap());
    let started = std::time::Instant::now();
    let late = send(addr, false, slow).await;
    assert_eq!(late.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(late.json()["code"], "deadline_exceeded");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Raw-path routing, as on brief's own server: an escaped rpc name is no rpc.
    let escaped = send(
        addr,
        false,
        post("/summer/%73um").body(Full::default()).unwrap(),
    )
    .await;
    assert_eq!(escaped.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(escaped.json()["code"], "unimplemented");
    let by_get = send(addr, false, get("/summer/sum")).await;
    assert_eq!(by_get.status, StatusCode::METHOD_NOT_ALLOWED);
    let elsewhere = send(addr, false, get("/healthz")).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "health endpoints are the host app's"
    );
    assert!(elsewhere.stamped());

    // Over h2c too (axum serves both on one port).
    let h2 = send(addr, true, sum(40, 2)).await;
    assert_eq!(h2.status, StatusCode::OK);
    assert_eq!(h2.json()["sum"], 42);
    assert!(h2.stamped());
}

#[tokio::test]
async fn per_request_limits_apply_when_mounted() {
    let mut config = ServerConfig::default();
    config.body_limit = 64;
    config.compress_min_bytes = 16;
    let mut router = summer::router(Probe);
    // brief's own middleware still runs inside a mounted service.
    router.middleware(|call: IncomingCall, next: Next| async move {
        if call.headers.get("authorization").is_none() {
            return Err(Error::new(Code::Unauthenticated, "log in first"));
        }
        next.run(call).await
    });
    let service = router.into_service_with(&config);
    // Mounted rpc by rpc (for apps whose fallback is taken).
    let mut app = axum::Router::new();
    for path in service.paths() {
        app = app.route_service(&path, service.clone());
    }
    let addr = serve_axum(app).await;

    let anonymous = send(addr, false, sum(1, 2)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.json()["code"], "unauthenticated");

    let big = format!(r#"{{"a":1,"b":2,"pad":"{}"}}"#, "x".repeat(100));
    let too_big = send(
        addr,
        false,
        post("/summer/sum")
            .header("authorization", "Bearer x")
            .body(Full::new(Bytes::from(big)))
            .unwrap(),
    )
    .await;
    assert_eq!(too_big.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(too_big.json()["code"], "resource_exhausted");

    let mut req = sum(1, 2);
    req.headers_mut()
        .insert("accept-encoding", "gzip".parse().unwrap());
    req.headers_mut()
        .insert("authorization", "Bearer x".parse().unwrap());
    let gzipped = send(addr, false, req).await;
    assert_eq!(gzipped.status, StatusCode::OK);
    assert_eq!(gzipped.headers["content-encoding"], "gzip");
    assert_eq!(&gzipped.body[..2], &[0x1f, 0x8b], "a gzip stream");

    let unrouted = send(
        addr,
        false,
        post("/summer/other").body(Full::default()).unwrap(),
    )
    .await;
    assert_eq!(unrouted.status, StatusCode::NOT_FOUND, "the app's own 404");
}

#[tokio::test]
async fn plain_hyper_serves_the_router_service() {
    let service = summer::router(Probe).into_service();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = service.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = served.clone();
            tokio::spawn(async move {
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    for h2 in [false, true] {
        let ok = send(addr, h2, sum(2, 3)).await;
        assert_eq!(ok.status, StatusCode::OK, "h2={h2}");
        assert_eq!(ok.json()["sum"], 5);
        let bad = send(
            addr,
            h2,
            post("/summer/sum")
                .body(Full::new(Bytes::from("{")))
                .unwrap(),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.json()["code"], "invalid_argument");
    }
    let metrics = service.metrics_text();
    assert!(
        metrics.contains(r#"brief_server_requests_total{service="summer",rpc="sum",code="ok"} 2"#),
        "{metrics}"
    );
    assert_eq!(service.paths(), ["/summer/sum"]);
}

/// A body type that is not `Unpin` is served as well (tower middleware wraps bodies in
/// such types).
#[tokio::test]
async fn bodies_that_are_not_unpin_are_read() {
    use tower::{Service, ServiceExt};
    pin_project_lite::pin_project! {
        struct Pinned {
            #[pin]
            inner: Full<Bytes>,
            #[pin]
            _pin: std::marker::PhantomPinned,
        }
    }
    impl hyper::body::Body for Pinned {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
            self.project().inner.poll_frame(cx)
        }
    }
    let mut service = summer::router(Probe).into_service();
    let req = sum(20, 22).map(|inner| Pinned {
        inner,
        _pin: std::marker::PhantomPinned,
    });
    let ready = ServiceExt::<Request<Pinned>>::ready(&mut service)
        .await
        .unwrap();
    let resp = ready.call(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["sum"],
        42
    );
}

/// docs/rust.md shows `examples/axum.rs` as it is, so the page cannot drift from the
/// code this file tests.
#[test]
fn the_docs_show_the_tested_example() {
    let docs = include_str!("../../../../docs/rust.md");
    let example = include_str!("../examples/axum.rs");
    assert!(
        docs.contains(example),
        "docs/rust.md must contain examples/summer/rust/examples/axum.rs verbatim"
    );
}
