//! The summer servers (Rust and Go) as processes, stopped with SIGTERM under steady
//! load: no request that left a client goes unanswered, `/readyz` answers 503 before
//! the listener closes, and the process exits 0. Also: the address in the start-up
//! line and in a bind error.
//!
//! The load comes from keep-alive clients that retry only what the spec allows for a
//! non-idempotent call: a request that certainly did not leave (connection refused,
//! or the connection closed cleanly before the request was written). Anything else
//! that is not a 200 answer counts as a failure.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WORKERS: usize = 8;
const DRAIN: Duration = Duration::from_millis(1000);

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// The Go summer server, built into the test's temporary directory (`None` without Go).
fn go_server() -> Option<PathBuf> {
    if Command::new("go").arg("version").output().is_err() {
        eprintln!("go is not installed: the Go server is not tested here");
        return None;
    }
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("summer-server-go");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../go");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg("./cmd/server")
        .current_dir(dir)
        .status()
        .expect("go build runs");
    assert!(status.success(), "go build ./cmd/server failed");
    Some(out)
}

/// The servers under test; `SUMMER_SERVER_RUST` and `SUMMER_SERVER_GO` name other
/// binaries (to run these tests against another build, e.g. an older one).
fn servers() -> Vec<(&'static str, PathBuf)> {
    let rust = std::env::var_os("SUMMER_SERVER_RUST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_summer-server")));
    let go = std::env::var_os("SUMMER_SERVER_GO")
        .map(PathBuf::from)
        .or_else(go_server);
    let mut all = vec![("rust", rust)];
    all.extend(go.map(|p| ("go", p)));
    all
}

/// A server process; killed if a test fails before it exits.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(bin: &PathBuf, env: &[(&str, String)]) -> Server {
        let addr = free_addr();
        let mut child = Command::new(bin)
            .env("LISTEN", addr.to_string())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let server = Server {
            child,
            addr,
            stderr,
        };
        let started = Instant::now();
        while readyz(addr) != Some(200) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{} not ready: {}",
                bin.display(),
                server.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the server did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The status of `GET /readyz` on a fresh connection; `None` when refused.
fn readyz(addr: SocketAddr) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.get(9..12)?.parse().ok()
}

/// One HTTP/1.1 response: its status and whether it closes the connection.
fn read_response(s: &mut TcpStream) -> Result<(u16, bool), String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| format!("no content-length: {head}"))?;
            if buf.len() >= end + 4 + len {
                let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                return Ok((status, head.contains("connection: close")));
            }
        }
        match s.read(&mut chunk) {
            Ok(0) => return Err(format!("closed after {} bytes of the answer", buf.len())),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("{e} after {} bytes of the answer", buf.len())),
        }
    }
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    /// Requests retried because they certainly did not leave.
    retried: AtomicU64,
    failures: Mutex<Vec<String>>,
}

const SUM: &[u8] = b"POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":2}";

/// Sends requests one after another on a keep-alive connection until the server
/// refuses connections after SIGTERM (or `stop`).
fn worker(addr: SocketAddr, terminated: &AtomicBool, stop: &AtomicBool, tally: &Tally) {
    let fail = |why: String| tally.failures.lock().unwrap().push(why);
    let mut conn: Option<TcpStream> = None;
    while !stop.load(Ordering::Relaxed) {
        let s = match &mut conn {
            Some(s) => s,
            None => match TcpStream::connect(addr) {
                Ok(s) => {
                    s.set_nodelay(true).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    conn.insert(s)
                }
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                    if !terminated.load(Ordering::SeqCst) {
                        fail("connection refused before SIGTERM".into());
                    }
                    // Gone: a real client would go to another endpoint now.
                    return;
                }
                Err(e) => return fail(format!("connect: {e}")),
            },
        };
        // Did the server close the connection while it was idle? Then the request
        // certainly did not leave: reconnect.
        s.set_nonblocking(true).unwrap();
        let mut probe = [0u8; 1];
        let peeked = s.peek(&mut probe);
        s.set_nonblocking(false).unwrap();
        match peeked {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok(0) | Err(_) => {
                tally.retried.fetch_add(1, Ordering::Relaxed);
                conn = None;
                continue;
            }
            Ok(_) => {
                fail("bytes from the server before a request".into());
                conn = None;
                continue;
            }
        }
        if s.write_all(SUM).is_err() {
            // Not written: it did not leave.
            tally.retried.fetch_add(1, Ordering::Relaxed);
            conn = None;
            continue;
        }
        match read_response(s) {
            Ok((200, close)) => {
                tally.ok.fetch_add(1, Ordering::Relaxed);
                if close {
                    conn = None;
                }
            }
            Ok((status, _)) => {
                fail(format!("status {status}"));
                conn = None;
            }
            Err(e) => {
                fail(format!("request sent, no answer: {e}"));
                conn = None;
            }
        }
    }
}

#[test]
fn sigterm_under_load_loses_no_request() {
    for (lang, bin) in servers() {
        let mut server = Server::start(
            &bin,
            &[
                ("BRIEF_DRAIN_DELAY", format!("{}ms", DRAIN.as_millis())),
                ("BRIEF_GRACE_PERIOD", "5s".into()),
            ],
        );
        let addr = server.addr;
        let terminated = AtomicBool::new(false);
        let stop = AtomicBool::new(false);
        let tally = Tally::default();
        let first_503: Mutex<Option<Instant>> = Mutex::new(None);
        let first_refused: Mutex<Option<Instant>> = Mutex::new(None);
        let mut at_sigterm = (Instant::now(), 0);
        std::thread::scope(|scope| {
            for _ in 0..WORKERS {
                scope.spawn(|| worker(addr, &terminated, &stop, &tally));
            }
            scope.spawn(|| loop {
                match readyz(addr) {
                    Some(503) => {
                        first_503.lock().unwrap().get_or_insert_with(Instant::now);
                    }
                    None if terminated.load(Ordering::SeqCst) => {
                        *first_refused.lock().unwrap() = Some(Instant::now());
                        return;
                    }
                    None if stop.load(Ordering::SeqCst) => return,
                    _ => {}
                }
                std::thread::sleep(Duration::from_millis(5));
            });
            std::thread::sleep(Duration::from_millis(300));
            at_sigterm = (Instant::now(), tally.ok.load(Ordering::SeqCst));
            terminated.store(true, Ordering::SeqCst);
            server.sigterm();
            let status = server.wait(Duration::from_secs(10));
            stop.store(true, Ordering::SeqCst);
            assert!(status.success(), "{lang}: exit status {status}");
        });
        let failures = tally.failures.lock().unwrap();
        let ok = tally.ok.load(Ordering::SeqCst);
        assert!(
            failures.is_empty(),
            "{lang}: {} of {} requests failed: {:?}",
            failures.len(),
            ok + failures.len() as u64,
            &failures[..failures.len().min(5)]
        );
        assert!(at_sigterm.1 > 0, "{lang}: no load before SIGTERM");
        assert!(ok > at_sigterm.1, "{lang}: nothing served after SIGTERM");
        let first_503 = first_503
            .lock()
            .unwrap()
            .expect("/readyz never answered 503");
        let first_refused = first_refused.lock().unwrap().expect("never refused");
        assert!(
            first_503 < first_refused,
            "{lang}: 503 only after the listener closed"
        );
        let drained = first_refused.duration_since(at_sigterm.0);
        assert!(
            drained >= DRAIN - Duration::from_millis(100),
            "{lang}: listener closed {drained:?} after SIGTERM, before the drain delay"
        );
        let log = server.stderr.lock().unwrap().clone();
        assert!(
            log.contains(&format!("brief: serving addr={addr}")),
            "{lang}: start-up line missing: {log}"
        );
        eprintln!(
            "{lang}: {ok} answered ({} after SIGTERM), {} retried before they left, listener closed {drained:?} after SIGTERM",
            ok - at_sigterm.1,
            tally.retried.load(Ordering::SeqCst)
        );
    }
}

#[test]
fn a_taken_port_is_named_in_the_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    for (lang, bin) in servers() {
        let out = Command::new(&bin)
            .env("LISTEN", addr.to_string())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{lang}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "summer-server: cannot listen on {addr}: address in use"
            )),
            "{lang}: {stderr}"
        );
    }
}
