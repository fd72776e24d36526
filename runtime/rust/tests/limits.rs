//! The server's limits and timeouts against careless and hostile clients, over real
//! sockets: slow headers, idle connections, the connection cap, slow bodies, header
//! size, HTTP/2 settings, and the codes that bad or abandoned bodies are counted under.

mod common;

use std::time::{Duration, Instant};

use brief_runtime::ServerConfig;
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn short(c: &mut ServerConfig) {
    c.header_read_timeout = Duration::from_millis(300);
    c.idle_timeout = Duration::from_millis(600);
    c.body_read_timeout = Duration::from_millis(400);
}

#[tokio::test]
async fn slow_headers_are_cut_off_at_the_header_read_timeout() {
    let (srv, _) = start_summer(short).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    // A slowloris client: one byte of the head every 50 ms, never finishing it.
    let trickle = async {
        for b in b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
            if s.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), trickle).await;
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(1)).await;
    assert!(
        closed.is_some(),
        "a 3 s trickle of headers was still being read"
    );

    // A connection that sends nothing at all is closed too.
    let mut quiet = TcpStream::connect(srv.addr).await.unwrap();
    let (_, closed) = read_until_closed(&mut quiet, Duration::from_secs(2)).await;
    let after = closed.expect("a silent connection is closed");
    assert!(after >= Duration::from_millis(250), "{after:?}");
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_at_the_idle_timeout() {
    let (srv, _) = start_summer(short).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let resp = exchange(&mut s, SUM_REQUEST).await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let idle_from = Instant::now();
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(3)).await;
    assert!(
        closed.is_some(),
        "an idle keep-alive connection stayed open"
    );
    // Idle, not header reading: the longer idle timeout applies.
    assert!(
        idle_from.elapsed() >= Duration::from_millis(550),
        "{:?}",
        idle_from.elapsed()
    );
}

#[tokio::test]
async fn idle_connections_do_not_lock_out_a_normal_request() {
    let (srv, _) = start_summer(|c| c.max_connections = 50).await;
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(srv.addr).await.unwrap());
    }
    let start = Instant::now();
    let client = summer_client(&srv.url());
    let out = tokio::time::timeout(Duration::from_secs(3), client.sum(&SumIn { a: 20, b: 22 }))
        .await
        .expect("a normal request is answered while 300 idle connections are open");
    assert_eq!(out.unwrap().sum, 42);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // At most `max_connections` stayed open: the server closed the idlest to make room.
    let mut open = 0;
    for s in &mut idle {
        let mut b = [0u8; 1];
        // Still open: the read times out. Closed by the server: EOF or reset.
        if tokio::time::timeout(Duration::from_millis(1), s.read(&mut b))
            .await
            .is_err()
        {
            open += 1;
        }
    }
    assert!(
        open <= 50,
        "{open} idle connections still open with a cap of 50"
    );
}

#[tokio::test]
async fn a_trickled_body_gets_deadline_exceeded_and_the_connection_closes() {
    let (srv, _) = start_summer(short).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":1,").await.unwrap();
    let start = Instant::now();
    let writer = async {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if s.write_all(b" ").await.is_err() {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(800), writer).await;
    let (resp, closed) = read_until_closed(&mut s, Duration::from_secs(3)).await;
    assert!(resp.starts_with("HTTP/1.1 504"), "{resp}");
    assert!(resp.contains("deadline_exceeded"), "{resp}");
    assert!(resp.contains("body read timeout"), "{resp}");
    assert!(
        resp.to_ascii_lowercase().contains("connection: close"),
        "{resp}"
    );
    assert!(closed.is_some(), "the connection stayed open");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn connect_timeout_ms_covers_reading_the_body() {
    let (srv, _) = start_summer(|c| c.body_read_timeout = Duration::from_secs(30)).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let start = Instant::now();
    s.write_all(b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnect-Timeout-Ms: 300\r\nContent-Length: 100\r\n\r\n{").await.unwrap();
    let (resp, _) = read_until_closed(&mut s, Duration::from_secs(3)).await;
    let took = start.elapsed();
    assert!(resp.starts_with("HTTP/1.1 504"), "{resp}");
    assert!(resp.contains("while reading the request body"), "{resp}");
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[tokio::test]
async fn malformed_chunks_are_invalid_argument_and_aborted_bodies_canceled() {
    let (srv, _) = start_summer(|_| {}).await;
    let resp = raw_tcp(
        srv.addr,
        b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"a\":1}\r\n0\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert!(resp.contains("invalid_argument"), "{resp}");

    // A client that goes away in the middle of its body.
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":").await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(s);

    let metrics = wait_for_metric(&srv, "code=\"canceled\"").await;
    assert!(
        metrics.contains("brief_server_requests_total{service=\"summer\",rpc=\"sum\",code=\"invalid_argument\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "brief_server_requests_total{service=\"summer\",rpc=\"sum\",code=\"canceled\"} 1"
        ),
        "{metrics}"
    );
}

async fn wait_for_metric(srv: &Running, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let (_, _, body) = raw(
            srv.addr,
            http::Request::get("/metrics")
                .header("host", "x")
                .body(http_body_util::Full::default())
                .unwrap(),
        )
        .await;
        let text = String::from_utf8_lossy(&body).into_owned();
        if text.contains(needle) || start.elapsed() > Duration::from_secs(3) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn oversized_headers_get_431() {
    let (srv, _) = start_summer(|c| c.max_header_bytes = 16 * 1024).await;
    let mut req = b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    req.extend(std::iter::repeat_n(b'a', 20 * 1024));
    req.extend_from_slice(b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    let resp = raw_tcp(srv.addr, &req).await;
    assert!(resp.starts_with("HTTP/1.1 431"), "{resp}");
    // Within the limit it is fine.
    let mut req = b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ".to_vec();
    req.extend(std::iter::repeat_n(b'a', 8 * 1024));
    req.extend_from_slice(
        b"\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":2}",
    );
    let resp = raw_tcp(srv.addr, &req).await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}

/// The frames of an HTTP/2 connection, as (type, flags, payload).
async fn read_frame(s: &mut TcpStream) -> Option<(u8, u8, Vec<u8>)> {
    let mut head = [0u8; 9];
    s.read_exact(&mut head).await.ok()?;
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let mut payload = vec![0u8; len];
    s.read_exact(&mut payload).await.ok()?;
    Some((head[3], head[4], payload))
}

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const EMPTY_SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

#[tokio::test]
async fn h2_settings_carry_the_stream_limit_and_idle_connections_get_goaway() {
    let (srv, _) = start_summer(|c| {
        short(c);
        c.h2_max_concurrent_streams = 7;
    })
    .await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(PREFACE).await.unwrap();
    s.write_all(EMPTY_SETTINGS).await.unwrap();
    let (kind, _, payload) = read_frame(&mut s).await.unwrap();
    assert_eq!(kind, 4, "SETTINGS first");
    let settings: Vec<(u16, u32)> = payload
        .chunks(6)
        .map(|c| {
            (
                u16::from_be_bytes([c[0], c[1]]),
                u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
            )
        })
        .collect();
    assert!(
        settings.contains(&(3, 7)),
        "SETTINGS_MAX_CONCURRENT_STREAMS: {settings:?}"
    );
    // Nothing else sent: idle, so a GOAWAY comes after the idle timeout.
    let start = Instant::now();
    let goaway = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some((kind, _, _)) = read_frame(&mut s).await {
            if kind == 7 {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(goaway, Ok(true), "no GOAWAY on an idle HTTP/2 connection");
    assert!(
        start.elapsed() >= Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn escaped_paths_do_not_name_an_rpc() {
    let (srv, _) = start_summer(|_| {}).await;
    for path in ["/summer/%73um", "/%73ummer/sum", "/summer/su%6D"] {
        let (st, _, body) = raw(srv.addr, post(path, "application/json", r#"{"a":1,"b":2}"#)).await;
        assert_eq!(st, 501, "{path}");
        assert_eq!(json(&body)["code"], "unimplemented", "{path}");
    }
}

#[tokio::test]
async fn echoed_input_is_bounded() {
    let (srv, _) = start_summer(|_| {}).await;
    let long = format!("/summer/{}", "x".repeat(50_000));
    let (st, _, body) = raw(srv.addr, post(&long, "application/json", "{}")).await;
    assert_eq!(st, 501);
    assert!(body.len() < 400, "{} bytes echoed", body.len());
    let req = http::Request::post("/summer/sum")
        .header("host", "x")
        .header("content-type", "application/json")
        .header("content-encoding", "x".repeat(10_000))
        .body(http_body_util::Full::from("{}"))
        .unwrap();
    let (st, _, body) = raw(srv.addr, req).await;
    assert_eq!(st, 501);
    assert!(body.len() < 400, "{} bytes echoed", body.len());
}

#[tokio::test]
async fn a_bind_error_names_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let mut config = ServerConfig::default();
    config.listen = addr.to_string();
    config.handle_signals = false;
    let err = brief_runtime::Server::with_config(brief_runtime::Router::new(), config)
        .serve()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot listen on {addr}: address in use")
    );
}

#[tokio::test]
async fn an_invalid_setting_is_refused_by_name() {
    let mut config = ServerConfig::default();
    config.max_connections = 0;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = brief_runtime::Server::with_config(brief_runtime::Router::new(), config)
        .serve_listener(listener)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("max_connections"), "{err}");
}
