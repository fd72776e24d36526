//! The summer example's two binaries, as a user runs them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn curl_like(port: u16, body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "POST /summer/sum HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_call_and_stop() {
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_summer-server"))
        .env("LISTEN", format!("127.0.0.1:{port}"))
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // What `curl -d '{"a":1,"b":2}' -H 'content-type: application/json' .../summer/sum` sends.
    let response = curl_like(port, r#"{"a":1,"b":2}"#);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with(r#"{"sum":3}"#), "{response}");

    let out = Command::new(env!("CARGO_BIN_EXE_summer-call"))
        .args(["40", "2"])
        .env("SERVICE_SUMMER_URL", format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"sum":42}"#);

    let out = Command::new(env!("CARGO_BIN_EXE_summer-call"))
        .args(["1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let out = Command::new(env!("CARGO_BIN_EXE_summer-call"))
        .args(["1", "2"])
        .env_remove("SERVICE_SUMMER_URL")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("SERVICE_SUMMER_URL"));

    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let status = server.wait().unwrap();
    assert!(status.success(), "{status}");
}
