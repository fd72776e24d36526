//! The shutdown sequence over real sockets: serve during the drain delay with
//! `/readyz` at 503, then close the listener and every connection cleanly.

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

async fn is_closed(s: &mut TcpStream, within: Duration) -> bool {
    let mut b = [0u8; 1];
    matches!(
        tokio::time::timeout(within, s.read(&mut b)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

const READYZ: &[u8] = b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test]
async fn drain_then_close_every_connection_cleanly() {
    let (srv, _) = start_summer(|c| c.drain_delay = Duration::from_millis(600)).await;
    let mut busy = TcpStream::connect(srv.addr).await.unwrap();
    let mut unused = TcpStream::connect(srv.addr).await.unwrap();
    assert!(exchange(&mut busy, SUM_REQUEST)
        .await
        .starts_with("HTTP/1.1 200"));
    assert!(exchange(&mut unused, SUM_REQUEST)
        .await
        .starts_with("HTTP/1.1 200"));

    let start = Instant::now();
    srv.shutdown.shutdown();
    // During the drain delay: /readyz says 503, rpcs are served as before, connections
    // stay open, and new connections are accepted.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let ready = exchange(&mut busy, READYZ).await;
    assert!(ready.starts_with("HTTP/1.1 503"), "{ready}");
    let during = exchange(&mut busy, SUM_REQUEST).await;
    assert!(during.starts_with("HTTP/1.1 200"), "{during}");
    assert!(
        !during.to_ascii_lowercase().contains("connection: close"),
        "{during}"
    );
    let mut fresh = TcpStream::connect(srv.addr).await.unwrap();

    // A client in steady use gets `Connection: close` on its first answer after the
    // listener closed, and on none before.
    loop {
        let answer = exchange(&mut busy, SUM_REQUEST).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        if answer.to_ascii_lowercase().contains("connection: close") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "no Connection: close"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        start.elapsed() >= Duration::from_millis(600),
        "{:?}",
        start.elapsed()
    );
    assert!(
        TcpStream::connect(srv.addr).await.is_err(),
        "still accepting"
    );
    // A connection accepted before that still gets its first request answered.
    let first = exchange(&mut fresh, SUM_REQUEST).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(
        first.to_ascii_lowercase().contains("connection: close"),
        "{first}"
    );
    assert!(is_closed(&mut busy, Duration::from_secs(1)).await);
    // ... and a connection nobody uses is closed after half a second.
    assert!(is_closed(&mut unused, Duration::from_secs(3)).await);
    srv.stopped(Duration::from_secs(3)).await;
    assert!(start.elapsed() >= Duration::from_millis(600));
}

#[tokio::test]
async fn http2_connections_get_goaway_when_the_listener_closes() {
    let (srv, _) = start_summer(|c| c.drain_delay = Duration::from_millis(200)).await;
    let stream = TcpStream::connect(srv.addr).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http2::handshake::<_, _, http_body_util::Full<bytes::Bytes>>(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(stream),
        )
        .await
        .unwrap();
    let conn = tokio::spawn(conn);
    let resp = send
        .send_request(post(
            "http://x/summer/sum",
            "application/json",
            r#"{"a":1,"b":2}"#,
        ))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let start = Instant::now();
    srv.shutdown.shutdown();
    // The client's connection ends cleanly (GOAWAY, then close) once the drain is over.
    tokio::time::timeout(Duration::from_secs(3), conn)
        .await
        .expect("the HTTP/2 connection ended")
        .unwrap()
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(190),
        "{:?}",
        start.elapsed()
    );
    srv.stopped(Duration::from_secs(3)).await;
}
