//! End-to-end tests over loopback sockets.

mod common;

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use brief_runtime::{CallOptions, Client, ClientConfig, Code, Context, Error, Router, RpcInfo};
use bytes::Bytes;
use common::*;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::{Deserialize, Serialize};

#[tokio::test]
async fn success_and_metrics() {
    let (srv, _) = start_summer(|_| {}).await;
    let client = summer_client(&srv.url());
    let out = client.sum(&SumIn { a: 1, b: 2 }).await.unwrap();
    assert_eq!(out, SumOut { sum: 3, info: None });
    // The same connection pool serves many calls.
    for i in 0..20 {
        assert_eq!(client.sum(&SumIn { a: i, b: i }).await.unwrap().sum, 2 * i);
    }
    let err = client
        .fail(&FailIn {
            code: "not_found".into(),
            message: "x".into(),
        })
        .await;
    assert_eq!(err.unwrap_err().code(), Code::NotFound);

    let (status, headers, body) = raw(
        srv.addr,
        Request::get("/metrics").body(Full::default()).unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        text.contains(r#"brief_server_requests_total{service="summer",rpc="sum",code="ok"} 21"#),
        "{text}"
    );
    assert!(text.contains(
        r#"brief_server_requests_total{service="summer",rpc="fail",code="not_found"} 1"#
    ));
    assert!(text
        .contains(r#"brief_server_request_duration_seconds_count{service="summer",rpc="sum"} 21"#));
    assert!(text.contains(
        r#"brief_server_request_duration_seconds_bucket{service="summer",rpc="sum",le="+Inf"} 21"#
    ));
    // Outgoing calls of this process (shared by all tests in this binary).
    assert!(
        text.contains(r#"brief_client_requests_total{service="summer",rpc="sum",code="ok"} "#),
        "{text}"
    );
    assert!(text
        .contains(r#"brief_client_requests_total{service="summer",rpc="fail",code="not_found"} "#));
    assert!(text
        .contains(r#"brief_client_request_duration_seconds_count{service="summer",rpc="sum"} "#));
}

#[tokio::test]
async fn every_error_code_round_trips() {
    let (srv, _) = start_summer(|_| {}).await;
    let client = summer_client(&srv.url());
    for code in Code::ALL {
        let msg = format!("failure {code}");
        let err = client
            .fail(&FailIn {
                code: code.as_str().into(),
                message: msg.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), code);
        assert_eq!(err.message(), msg);
        assert_eq!(err.details().len(), 1);
        let detail = &err.details()[0];
        assert_eq!(detail.type_name, "summer.NotFound");
        assert_eq!(detail.debug, Some(serde_json::json!({"id": 42})));
        let typed: NotFound = err.decode_detail("summer.NotFound").unwrap().unwrap();
        assert_eq!(typed, NotFound { id: 42 });

        // And on the wire: the status and the JSON body.
        let body = format!(r#"{{"code":"{code}","message":"m"}}"#);
        let (status, headers, body) =
            raw(srv.addr, post("/summer/fail", "application/json", body)).await;
        assert_eq!(status.as_u16(), code.http_status(), "{code}");
        assert_eq!(headers["content-type"], "application/json");
        let v = json(&body);
        assert_eq!(v["code"], code.as_str());
        assert_eq!(v["details"][0]["type"], "summer.NotFound");
        assert_eq!(v["details"][0]["value"], "eyJpZCI6NDJ9");
    }
}

async fn expect_error(
    srv: &Running,
    req: Request<Full<Bytes>>,
    status: u16,
    code: Code,
    message_part: &str,
) -> http::HeaderMap {
    let (st, headers, body) = raw(srv.addr, req).await;
    assert_eq!(st.as_u16(), status, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/json");
    let v = json(&body);
    assert_eq!(v["code"], code.as_str(), "{v}");
    let msg = v["message"].as_str().unwrap_or("");
    assert!(msg.contains(message_part), "{msg:?} lacks {message_part:?}");
    headers
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn bad_input_gets_the_right_code_and_status() {
    let (srv, _) = start_summer(|c| c.body_limit = 64 * 1024).await;
    let j = "application/json";

    // Unknown rpc / service on an rpc-shaped path: unimplemented, with its status 501.
    expect_error(
        &srv,
        post("/summer/nope", j, "{}"),
        501,
        Code::Unimplemented,
        "/summer/nope",
    )
    .await;
    expect_error(
        &srv,
        post("/nosvc/sum", j, "{}"),
        501,
        Code::Unimplemented,
        "no such rpc",
    )
    .await;
    // Other unknown paths: plain 404.
    for path in ["/a/b/c", "/", "/summer"] {
        let (st, _, _) = raw(srv.addr, post(path, j, "{}")).await;
        assert_eq!(st, 404, "{path}");
    }
    // Wrong method.
    let req = Request::put("/summer/sum")
        .header("content-type", j)
        .body(Full::from("{}"))
        .unwrap();
    let h = expect_error(&srv, req, 405, Code::Unimplemented, "PUT").await;
    assert_eq!(h["allow"], "POST");
    // GET on an rpc that is not readonly.
    let req = Request::get("/summer/sum?connect=v1&encoding=json&message=%7B%7D")
        .body(Full::default())
        .unwrap();
    expect_error(&srv, req, 405, Code::Unimplemented, "GET").await;
    // Wrong content type.
    let h = expect_error(
        &srv,
        post("/summer/sum", "application/proto", "{}"),
        415,
        Code::Unimplemented,
        "content type",
    )
    .await;
    assert_eq!(h["accept-post"], "application/json");
    let req = Request::post("/summer/sum").body(Full::from("{}")).unwrap();
    expect_error(&srv, req, 415, Code::Unimplemented, "content type").await;
    // Malformed JSON, missing field, wrong type.
    expect_error(
        &srv,
        post("/summer/sum", j, "{\"a\":1,"),
        400,
        Code::InvalidArgument,
        "invalid JSON",
    )
    .await;
    expect_error(
        &srv,
        post("/summer/sum", j, "{\"a\":1}"),
        400,
        Code::InvalidArgument,
        "b: missing field",
    )
    .await;
    expect_error(
        &srv,
        post("/summer/sum", j, "{\"a\":1,\"b\":\"x\"}"),
        400,
        Code::InvalidArgument,
        "b: \"x\" is not a decimal integer",
    )
    .await;
    expect_error(
        &srv,
        post("/summer/sum", j, "{\"a\":1,\"b\":[]}"),
        400,
        Code::InvalidArgument,
        "b: invalid type",
    )
    .await;
    // int as a string is fine; charset parameter is fine.
    let (st, _, body) = raw(
        srv.addr,
        post(
            "/summer/sum",
            "application/json; charset=utf-8",
            r#"{"a":"40","b":2}"#,
        ),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(json(&body), serde_json::json!({"sum": 42}));
    // Body over the limit, announced by Content-Length.
    let big = format!(r#"{{"a":1,"b":2,"pad":"{}"}}"#, "x".repeat(70 * 1024));
    expect_error(
        &srv,
        post("/summer/sum", j, big.clone()),
        429,
        Code::ResourceExhausted,
        "limit",
    )
    .await;
    // Gzip that inflates past the limit.
    let req = Request::post("/summer/sum")
        .header("content-type", j)
        .header("content-encoding", "gzip")
        .body(Full::from(gz(big.as_bytes())))
        .unwrap();
    expect_error(&srv, req, 429, Code::ResourceExhausted, "decompressed").await;
    // Unsupported content encoding; bad gzip.
    let req = Request::post("/summer/sum")
        .header("content-type", j)
        .header("content-encoding", "br")
        .body(Full::from("{}"))
        .unwrap();
    expect_error(&srv, req, 501, Code::Unimplemented, "content encoding").await;
    let req = Request::post("/summer/sum")
        .header("content-type", j)
        .header("content-encoding", "gzip")
        .body(Full::from("nope"))
        .unwrap();
    expect_error(&srv, req, 400, Code::InvalidArgument, "gzip").await;

    // Chunked request body (as connect-es sends it), within the limit.
    let resp = raw_tcp(
        srv.addr,
        b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n6\r\n{\"a\":2\r\n7\r\n,\"b\":3}\r\n0\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.ends_with("{\"sum\":5}"), "{resp}");
    // Chunked body over the limit: rejected while streaming.
    let mut req = b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..80 {
        req.extend_from_slice(b"400\r\n");
        req.extend_from_slice(&[b' '; 1024]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let resp = raw_tcp(srv.addr, &req).await;
    assert!(resp.starts_with("HTTP/1.1 429"), "{resp}");
    assert!(resp.contains("resource_exhausted"), "{resp}");

    // The server still serves.
    assert_eq!(
        summer_client(&srv.url())
            .sum(&SumIn { a: 1, b: 1 })
            .await
            .unwrap()
            .sum,
        2
    );
}

#[tokio::test]
async fn health_and_readiness() {
    let (srv, _) = start_summer(|_| {}).await;
    for path in ["/healthz", "/readyz"] {
        let (st, _, _) = raw(srv.addr, Request::get(path).body(Full::default()).unwrap()).await;
        assert_eq!(st, 200, "{path}");
    }
}

#[tokio::test]
async fn handler_panic_is_internal_and_server_keeps_serving() {
    let (srv, _) = start_summer(|_| {}).await;
    let client = summer_client(&srv.url());
    // The panic hook may print a backtrace (RUST_BACKTRACE), which can take longer
    // than `sum`'s 300 ms on a loaded machine: call it with a generous deadline.
    let sum_slow = RpcInfo {
        timeout: Duration::from_secs(10),
        ..SUM_RPC
    };
    for _ in 0..3 {
        let err = client
            .inner
            .unary::<_, SumOut>(&sum_slow, &SumIn { a: -1, b: 0 })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Internal);
        assert!(err.message().contains("panicked"), "{}", err.message());
        assert_eq!(client.sum(&SumIn { a: 2, b: 2 }).await.unwrap().sum, 4);
    }
    let (st, _, body) = raw(
        srv.addr,
        post("/summer/sum", "application/json", r#"{"a":-1,"b":0}"#),
    )
    .await;
    assert_eq!(st, 500);
    assert_eq!(json(&body)["code"], "internal");
}

#[tokio::test]
async fn client_deadline_is_kept_within_50ms() {
    let (srv, svc) = start_summer(|_| {}).await;
    let client = summer_client(&srv.url());
    // Explicit timeout smaller than the rpc's 5 s.
    let start = Instant::now();
    let err = client
        .sleep(
            &SleepIn { ms: 2000 },
            &CallOptions::timeout(Duration::from_millis(150)),
        )
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");
    // tokio timers have millisecond granularity and may fire up to ~1 ms early.
    assert!(
        took >= Duration::from_millis(148) && took < Duration::from_millis(200),
        "{took:?}"
    );
    // The rpc's own timeout (300 ms for sum) is the default: a context deadline that
    // is shorter wins.
    let start = Instant::now();
    let err = Context::new()
        .with_timeout(Duration::from_millis(100))
        .scope(client.sleep(&SleepIn { ms: 2000 }, &CallOptions::default()))
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.code(), Code::DeadlineExceeded);
    assert!(
        took >= Duration::from_millis(98) && took < Duration::from_millis(150),
        "{took:?}"
    );
    // The server cancels the handler too (it got Connect-Timeout-Ms).
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(svc.cancelled.load(Ordering::SeqCst), 2);
    assert_eq!(svc.completed.load(Ordering::SeqCst), 0);
    // A deadline that already passed fails at once.
    let ctx = Context::new().with_deadline(Instant::now());
    let err = ctx
        .scope(client.sum(&SumIn { a: 1, b: 1 }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded);
}

#[tokio::test]
async fn server_enforces_connect_timeout_ms() {
    let (srv, svc) = start_summer(|_| {}).await;
    let req = Request::post("/summer/sleep")
        .header("content-type", "application/json")
        .header("connect-timeout-ms", "80")
        .body(Full::from(r#"{"ms":3000}"#))
        .unwrap();
    let start = Instant::now();
    let (st, _, body) = raw(srv.addr, req).await;
    let took = start.elapsed();
    assert_eq!(st, 504);
    assert_eq!(json(&body)["code"], "deadline_exceeded");
    assert!(took < Duration::from_millis(130), "{took:?}");
    assert_eq!(svc.cancelled.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    let (srv, svc) = start_summer(|c| c.drain_delay = Duration::from_millis(300)).await;
    let client = summer_client(&srv.url());
    let c2 = client.clone();
    let in_flight = tokio::spawn(async move {
        c2.sleep(&SleepIn { ms: 500 }, &CallOptions::default())
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let shutdown_at = Instant::now();
    srv.shutdown.shutdown();
    // While draining, /readyz says 503 (the listener still accepts during drain_delay).
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (st, _, _) = raw(
        srv.addr,
        Request::get("/readyz").body(Full::default()).unwrap(),
    )
    .await;
    assert_eq!(st, 503);
    let (st, _, _) = raw(
        srv.addr,
        Request::get("/healthz").body(Full::default()).unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    // The in-flight request finishes successfully.
    in_flight.await.unwrap().unwrap();
    assert_eq!(svc.completed.load(Ordering::SeqCst), 1);
    // serve() returns Ok once everything is done.
    srv.stopped(Duration::from_secs(3)).await;
    assert!(shutdown_at.elapsed() >= Duration::from_millis(300));
    // Afterwards nothing listens.
    let err = client.sum(&SumIn { a: 1, b: 1 }).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err}");
}

#[tokio::test]
async fn graceful_shutdown_gives_up_after_the_grace_period() {
    let (srv, svc) = start_summer(|c| c.grace_period = Duration::from_millis(200)).await;
    let client = summer_client(&srv.url());
    let in_flight = tokio::spawn(async move {
        client
            .sleep(&SleepIn { ms: 3000 }, &CallOptions::default())
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let start = Instant::now();
    srv.shutdown.shutdown();
    srv.stopped(Duration::from_secs(2)).await;
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(195) && took < Duration::from_millis(600),
        "{took:?}"
    );
    assert_eq!(svc.completed.load(Ordering::SeqCst), 0);
    in_flight.abort();
}

#[tokio::test]
async fn h2c_prior_knowledge_works() {
    let (srv, _) = start_summer(|_| {}).await;
    let stream = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http2::handshake::<_, _, Full<Bytes>>(
        TokioExecutor::new(),
        TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    for i in 0..3 {
        let req = Request::post(format!("http://{}/summer/sum", srv.addr))
            .header("content-type", "application/json")
            .body(Full::from(format!(r#"{{"a":{i},"b":10}}"#)))
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        assert_eq!(resp.version(), http::Version::HTTP_2);
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(json(&body), serde_json::json!({"sum": i + 10}));
    }
    // An unknown rpc over h2 is a Connect error too.
    let req = Request::post(format!("http://{}/summer/nope", srv.addr))
        .header("content-type", "application/json")
        .body(Full::from("{}"))
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 501);

    // And the runtime's client in h2c mode.
    let mut cfg = ClientConfig::with_url(srv.url());
    cfg.http2_prior_knowledge = true;
    let client = SummerClient {
        inner: Client::new("summer", cfg).unwrap(),
    };
    assert_eq!(client.sum(&SumIn { a: 5, b: 6 }).await.unwrap().sum, 11);
    let err = client
        .fail(&FailIn {
            code: "aborted".into(),
            message: "m".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);
}

#[tokio::test]
async fn gzip_both_ways() {
    let (srv, _) = start_summer(|_| {}).await;
    let text = "hello brief ".repeat(1000);
    // Raw: gzip request, gzip response.
    let body = serde_json::to_vec(&serde_json::json!({"text": text})).unwrap();
    let req = Request::post("/summer/echo")
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("accept-encoding", "gzip")
        .body(Full::from(gz(&body)))
        .unwrap();
    let (st, headers, resp) = raw(srv.addr, req).await;
    assert_eq!(st, 200);
    assert_eq!(headers["content-encoding"], "gzip");
    assert!(resp.len() < body.len() / 4);
    assert_eq!(json(&gunzip(&resp))["text"], text);
    // Small responses stay uncompressed.
    let req = Request::post("/summer/echo")
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip")
        .body(Full::from(r#"{"text":"hi"}"#))
        .unwrap();
    let (_, headers, resp) = raw(srv.addr, req).await;
    assert!(headers.get("content-encoding").is_none());
    assert_eq!(&resp[..], br#"{"text":"hi"}"#);
    // Without Accept-Encoding, no compression.
    let (_, headers, _) = raw(
        srv.addr,
        post("/summer/echo", "application/json", body.clone()),
    )
    .await;
    assert!(headers.get("content-encoding").is_none());
    // The runtime's client compressing requests and accepting gzip.
    let mut cfg = ClientConfig::with_url(srv.url());
    cfg.compress_requests = true;
    let client = SummerClient {
        inner: Client::new("summer", cfg).unwrap(),
    };
    let out = client.echo(&Echo { text: text.clone() }).await.unwrap();
    assert_eq!(out.text, text);
}

#[tokio::test]
async fn get_for_readonly_rpcs() {
    let (srv, _) = start_summer(|_| {}).await;
    let req = Request::get(
        "/summer/echo?connect=v1&encoding=json&message=%7B%22text%22%3A%22a%20b%2B%22%7D",
    )
    .body(Full::default())
    .unwrap();
    let (st, _, body) = raw(srv.addr, req).await;
    assert_eq!(st, 200);
    assert_eq!(json(&body), serde_json::json!({"text": "a b+"}));
    // base64 variant.
    let msg = brief_runtime::base64::encode(br#"{"text":"x"}"#)
        .replace('+', "-")
        .replace('/', "_");
    let req = Request::get(format!(
        "/summer/echo?connect=v1&encoding=json&base64=1&message={}",
        msg.trim_end_matches('=')
    ))
    .body(Full::default())
    .unwrap();
    let (st, _, body) = raw(srv.addr, req).await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json(&body)["text"], "x");
    // Bad input over GET is invalid_argument too.
    let req = Request::get("/summer/echo?connect=v1&encoding=json&message=%7B%7D")
        .body(Full::default())
        .unwrap();
    expect_error(&srv, req, 400, Code::InvalidArgument, "text: missing field").await;
}

#[tokio::test]
async fn non_connect_errors_and_connection_failures() {
    // A "proxy" that answers 502 with HTML.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(
                        http::Response::builder()
                            .status(502)
                            .header("content-type", "text/html")
                            .body(Full::<Bytes>::from(
                                "<html>502 Bad Gateway from the proxy</html>",
                            ))
                            .unwrap(),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    let client = summer_client(&format!("http://{addr}"));
    let err = client.sum(&SumIn { a: 1, b: 1 }).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable);
    assert!(
        err.message().contains("502 Bad Gateway from the proxy"),
        "{}",
        err.message()
    );

    // Nothing listening: unavailable, quickly.
    let free = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let client = summer_client(&format!("http://{free}"));
    let err = client.sum(&SumIn { a: 1, b: 1 }).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err}");
}

#[tokio::test]
async fn discovery_from_env_round_robins() {
    let (a, _) = start_summer(|_| {}).await;
    let (b, _) = start_summer(|_| {}).await;
    std::env::set_var(
        "SERVICE_SUMMER_RR_TEST_URL",
        format!("{} , {}/", a.url(), b.url()),
    );
    let client = Client::from_env("summer.rr-test").unwrap();
    let summer = SummerClient { inner: client };
    for _ in 0..40 {
        summer.sum(&SumIn { a: 1, b: 1 }).await.unwrap();
    }
    // The balancer picks at random between idle endpoints: both get calls.
    let mut total = 0;
    for srv in [&a, &b] {
        let (_, _, body) = raw(
            srv.addr,
            Request::get("/metrics").body(Full::default()).unwrap(),
        )
        .await;
        let text = String::from_utf8(body.to_vec()).unwrap();
        let line = text
            .lines()
            .find(|l| l.contains(r#"rpc="sum",code="ok"}"#) && l.starts_with("brief_server"))
            .unwrap_or_else(|| panic!("{text}"));
        let n: u32 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(n > 0, "{text}");
        total += n;
    }
    assert_eq!(total, 40);
    std::env::set_var("SERVICE_BAD_URL_TEST_URL", "https://x");
    let err = Client::from_env("bad-url-test").unwrap_err();
    assert!(
        err.message().contains("SERVICE_BAD_URL_TEST_URL"),
        "{}",
        err.message()
    );
}

// ---- a three-service chain: A calls B calls C --------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
struct HopIn {}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HopOut {
    service: String,
    request_id: String,
    trace_id: String,
    span_id: String,
    remaining_ms: i64,
    caller: Option<String>,
    baggage: Option<String>,
    attempt: u32,
    next: Option<Box<HopOut>>,
}

const fn hop_rpc(service: &'static str) -> RpcInfo {
    RpcInfo {
        service,
        name: "hop",
        idempotent: true,
        readonly: false,
        timeout: Duration::from_secs(2),
    }
}

async fn start_hop(name: &'static str, next: Option<(&'static str, String)>) -> Running {
    let downstream = next.map(|(svc, url)| {
        let mut cfg = ClientConfig::with_url(url);
        cfg.caller = Some(name.to_string());
        (svc, Client::new(svc, cfg).unwrap())
    });
    let downstream = Arc::new(downstream);
    let mut router = Router::new();
    router.unary(&hop_rpc(name), move |ctx: Context, _in: HopIn| {
        let downstream = downstream.clone();
        async move {
            let remaining_ms = ctx.remaining().map_or(-1, |d| d.as_millis() as i64);
            tokio::time::sleep(Duration::from_millis(30)).await;
            let next = match downstream.as_ref() {
                // No context passed explicitly: the client reads the task-local.
                Some((svc, client)) => Some(Box::new(
                    client.unary::<_, HopOut>(&hop_rpc(svc), &HopIn {}).await?,
                )),
                None => None,
            };
            // The current context is the one passed to the handler.
            assert_eq!(Context::current().unwrap().request_id, ctx.request_id);
            Ok::<_, Error>(HopOut {
                service: name.to_string(),
                request_id: ctx.request_id.clone(),
                trace_id: ctx.trace_id().unwrap_or("").to_string(),
                span_id: ctx.span_id().unwrap_or("").to_string(),
                remaining_ms,
                caller: ctx.caller.clone(),
                baggage: ctx.baggage.clone(),
                attempt: ctx.attempt,
                next,
            })
        }
    });
    start(router, |_| {}).await
}

#[tokio::test]
async fn three_service_chain_propagates_context() {
    let c = start_hop("svc-c", None).await;
    let b = start_hop("svc-b", Some(("svc-c", c.url()))).await;
    let a = start_hop("svc-a", Some(("svc-b", b.url()))).await;
    let mut cfg = ClientConfig::with_url(a.url());
    cfg.caller = Some("edge".into());
    let client = Client::new("svc-a", cfg).unwrap();

    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let ctx = Context::new()
        .with_request_id("req-chain-1")
        .with_traceparent(format!("00-{trace}-00f067aa0ba902b7-01"))
        .with_baggage("userId=7")
        .with_timeout(Duration::from_millis(900));
    let out: HopOut = ctx
        .scope(client.unary(&hop_rpc("svc-a"), &HopIn {}))
        .await
        .unwrap();

    let hops = [
        &out,
        out.next.as_ref().unwrap(),
        out.next.as_ref().unwrap().next.as_ref().unwrap(),
    ];
    assert_eq!(
        hops.map(|h| h.service.as_str()),
        ["svc-a", "svc-b", "svc-c"]
    );
    assert!(hops[2].next.is_none());
    let mut spans = std::collections::HashSet::new();
    for h in hops {
        assert_eq!(h.request_id, "req-chain-1");
        assert_eq!(h.trace_id, trace);
        assert_ne!(h.span_id, "00f067aa0ba902b7");
        assert!(spans.insert(h.span_id.clone()), "span ids must differ");
        assert_eq!(h.baggage.as_deref(), Some("userId=7"));
        assert_eq!(h.attempt, 1);
    }
    assert_eq!(
        hops.map(|h| h.caller.clone()),
        [
            Some("edge".to_string()),
            Some("svc-a".into()),
            Some("svc-b".into())
        ]
    );
    // The deadline shrinks at each hop (each hop sleeps 30 ms before calling on).
    assert!(
        hops[0].remaining_ms <= 900 && hops[0].remaining_ms > 800,
        "{}",
        hops[0].remaining_ms
    );
    assert!(
        hops[1].remaining_ms <= hops[0].remaining_ms - 30,
        "{:?}",
        hops.map(|h| h.remaining_ms)
    );
    assert!(
        hops[2].remaining_ms <= hops[1].remaining_ms - 30,
        "{:?}",
        hops.map(|h| h.remaining_ms)
    );

    // Without a context, the edge call starts a new trace and request id, and the
    // deadline is the rpc's timeout.
    let out: HopOut = client.unary(&hop_rpc("svc-a"), &HopIn {}).await.unwrap();
    assert_eq!(out.trace_id.len(), 32);
    assert_ne!(out.trace_id, trace);
    assert_eq!(out.request_id.len(), 36);
    assert_eq!(out.next.as_ref().unwrap().trace_id, out.trace_id);
    assert!(
        out.remaining_ms <= 2000 && out.remaining_ms > 1900,
        "{}",
        out.remaining_ms
    );

    // A deadline too short for the chain: deadline_exceeded at the edge, in time.
    let start = Instant::now();
    let err = Context::new()
        .with_timeout(Duration::from_millis(50))
        .scope(client.unary::<_, HopOut>(&hop_rpc("svc-a"), &HopIn {}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded);
    assert!(start.elapsed() < Duration::from_millis(100));
}
