//! Generated client against generated server over real loopback sockets.

use std::time::{Duration, Instant};

use brief_runtime::{ClientConfig, Code, Context, Server};
use brief_tests::contracts::probe::*;
use brief_tests::probe::ProbeService;
use brief_tests::scenarios::{self, everything};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Starts a probe server on a free port; returns its base URL.
async fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::new(router(ProbeService));
    tokio::spawn(server.serve_listener(listener));
    format!("http://{addr}")
}

#[tokio::test]
async fn every_type_round_trips() {
    let client = ProbeClient::with_url(&start().await).unwrap();
    scenarios::every_type_round_trips(&client).await;
}

#[tokio::test]
async fn every_error_code_round_trips() {
    let client = ProbeClient::with_url(&start().await).unwrap();
    scenarios::every_error_code_round_trips(&client).await;
}

#[tokio::test]
async fn typed_errors_come_back_typed() {
    let client = ProbeClient::with_url(&start().await).unwrap();
    scenarios::typed_errors_come_back_typed(&client).await;
}

/// Sends one raw HTTP/1.1 request; returns the status and the body.
async fn raw(
    base: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // A server may answer before reading a whole oversized body and close the socket.
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text[9..12].parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn code_of(body: &str) -> (String, String) {
    let v: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    (
        v["code"].as_str().unwrap_or_default().to_string(),
        v["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn bad_input_gets_the_right_code_and_status() {
    let base = start().await;
    let json = "application/json";
    let valid = brief_runtime::encode(&everything()).unwrap();
    let valid: serde_json::Value = serde_json::from_slice(&valid).unwrap();

    let (status, body) = raw(&base, "POST", "/probe/echo", json, b"{\"flag\": tru").await;
    assert_eq!(
        (status, code_of(&body).0.as_str()),
        (400, "invalid_argument"),
        "{body}"
    );

    let mut missing = valid.clone();
    missing["nested"]["k"][0]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let (status, body) = raw(
        &base,
        "POST",
        "/probe/echo",
        json,
        missing.to_string().as_bytes(),
    )
    .await;
    let (code, message) = code_of(&body);
    assert_eq!((status, code.as_str()), (400, "invalid_argument"), "{body}");
    assert!(message.contains(r#"nested["k"][0].id"#), "{message}");

    let mut wrong = valid.clone();
    wrong["count"] = serde_json::json!(true);
    let (status, body) = raw(
        &base,
        "POST",
        "/probe/echo",
        json,
        wrong.to_string().as_bytes(),
    )
    .await;
    let (code, message) = code_of(&body);
    assert_eq!((status, code.as_str()), (400, "invalid_argument"), "{body}");
    assert!(message.contains("count"), "{message}");

    let mut unknown_enum = valid.clone();
    unknown_enum["color"] = serde_json::json!("purple");
    let (status, body) = raw(
        &base,
        "POST",
        "/probe/echo",
        json,
        unknown_enum.to_string().as_bytes(),
    )
    .await;
    let (code, message) = code_of(&body);
    assert_eq!((status, code.as_str()), (400, "invalid_argument"), "{body}");
    assert!(
        message.contains("color") && message.contains("purple"),
        "{message}"
    );

    let (status, _) = raw(
        &base,
        "POST",
        "/probe/echo",
        "text/plain",
        valid.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 415);

    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(5 << 20));
    let (status, body) = raw(&base, "POST", "/probe/echo", json, big.as_bytes()).await;
    assert_eq!(
        (status, code_of(&body).0.as_str()),
        (429, "resource_exhausted"),
        "{body}"
    );

    let (status, body) = raw(&base, "POST", "/probe/nope", json, b"{}").await;
    assert_eq!(
        (status, code_of(&body).0.as_str()),
        (501, "unimplemented"),
        "{body}"
    );
}

/// connect-es over HTTP/1.1 sends the headers, then streams the body: an answer given
/// without reading the body must not cut the client off mid-write.
#[tokio::test]
async fn early_answers_wait_for_a_streamed_body() {
    let base = start().await;
    let addr = base.trim_start_matches("http://").to_string();
    for (path, content_type, status) in [
        ("/probe/nosuch", "application/json", 501),
        ("/probe/echo", "text/plain", 415),
    ] {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Writing the body after the server had a chance to answer must still succeed.
        stream.write_all(b"2\r\n{}\r\n0\r\n\r\n").await.unwrap();
        let mut response = vec![0u8; 4096];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut response));
        let n = read.await.expect("an answer within 5 s").unwrap();
        let text = String::from_utf8_lossy(&response[..n]);
        assert!(
            text.starts_with(&format!("HTTP/1.1 {status}")),
            "{path}: {text}"
        );
        // The connection stays usable: a second request on it is answered.
        let body = r#"{"code":"not_found","message":"x"}"#;
        let next = format!(
            "POST /probe/fail HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(next.as_bytes()).await.unwrap();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut response));
        let n = read.await.expect("an answer within 5 s").unwrap();
        let text = String::from_utf8_lossy(&response[..n]);
        assert!(
            text.starts_with("HTTP/1.1 404"),
            "second request on {path}: {text}"
        );
    }
}

#[tokio::test]
async fn a_panicking_handler_leaves_the_server_serving() {
    let client = ProbeClient::with_url(&start().await).unwrap();
    for _ in 0..3 {
        let err = client.crash(&Empty {}).await.unwrap_err();
        assert_eq!(err.code(), Code::Internal);
    }
    assert_eq!(client.echo(&everything()).await.unwrap(), everything());
}

#[tokio::test]
async fn a_chain_of_three_keeps_ids_and_shrinks_the_deadline() {
    let (a, b, c) = (start().await, start().await, start().await);
    let client = ProbeClient::with_url(&a).unwrap();
    let ctx = Context::new()
        .with_request_id("req-chain-1")
        .with_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .with_timeout(Duration::from_secs(3));
    let out = ctx
        .scope(client.hop(&HopIn {
            next: vec![b.clone(), c.clone()],
        }))
        .await
        .unwrap();
    assert_eq!(out.seen.len(), 3);
    let mut spans = std::collections::BTreeSet::new();
    for hop in &out.seen {
        assert_eq!(hop.request_id, "req-chain-1");
        assert_eq!(hop.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(
            spans.insert(hop.span_id.clone()),
            "span ids repeat: {:?}",
            out.seen
        );
    }
    let remaining: Vec<i64> = out.seen.iter().map(|s| s.remaining_ms).collect();
    assert!(remaining[0] <= 3000 && remaining[0] > 0, "{remaining:?}");
    assert!(remaining.windows(2).all(|w| w[1] <= w[0]), "{remaining:?}");
}

#[tokio::test]
async fn a_passed_deadline_returns_deadline_exceeded_on_time() {
    let client = ProbeClient::with_url(&start().await).unwrap();
    let started = Instant::now();
    let err = client
        .sleep_with(
            &SleepIn { millis: 1500 },
            &brief_runtime::CallOptions::timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");
    assert!(
        took >= Duration::from_millis(195) && took < Duration::from_millis(250),
        "{took:?}"
    );
}

#[tokio::test]
async fn http2_prior_knowledge_works_too() {
    let base = start().await;
    let mut config = ClientConfig::with_url(&base);
    config.http2_prior_knowledge = true;
    let client = ProbeClient::new(config).unwrap();
    assert_eq!(client.echo(&everything()).await.unwrap(), everything());
}

#[tokio::test]
async fn readonly_rpcs_answer_get() {
    let base = start().await;
    let message = brief_runtime::encode(&everything()).unwrap();
    let query: String = message
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (*b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let path = format!("/probe/echo?connect=v1&encoding=json&message={query}");
    let (status, body) = raw(&base, "GET", &path, "application/json", b"").await;
    assert_eq!(status, 200, "{body}");
    let back: Everything = brief_runtime::decode(body.as_bytes()).unwrap();
    assert_eq!(back, everything());
}
