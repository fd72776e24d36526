//! Interop, Rust side: the generated Rust client calls the Go probe server
//! (`tests/interop/go/cmd/probe-server`, Go code generated from the same
//! `contracts/probe.brief`) and the Go summer server. The Go side of the interop tests
//! (Go client → Rust servers, and the Go → Rust → Go chain) is
//! `tests/interop/go/interop_test.go`; `bash tests/interop/run.sh` runs both.
//!
//! The Go binaries are built here with `go build` unless `PROBE_SERVER_GO` and
//! `SUMMER_SERVER_GO` name them; the Rust summer client is `SUMMER_CALL_RUST`, else the
//! `summer-call` beside this test's binary, else built with cargo. Without a `go`
//! toolchain the tests print SKIPPED and pass.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use brief_runtime::{CallOptions, Code, Context, Server};
use brief_tests::contracts::probe::*;
use brief_tests::probe::ProbeService;
use brief_tests::scenarios;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether a Go toolchain is installed; says so loudly when it is not.
fn have_go() -> bool {
    static HAVE_GO: OnceLock<bool> = OnceLock::new();
    *HAVE_GO.get_or_init(|| {
        let ok = Command::new("go")
            .arg("version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "\n*** SKIPPED: the Rust → Go interop tests need `go` on PATH and it is missing ***\n"
            );
        }
        ok
    })
}

/// `$env_var`, or `go build -o <tmp>/<name> <package>` run in `dir` (once per process).
fn go_binary(
    cell: &'static OnceLock<Result<PathBuf, String>>,
    env_var: &str,
    dir: &str,
    package: &str,
    name: &str,
) -> PathBuf {
    let built = cell.get_or_init(|| {
        if let Some(path) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("interop-go")
            .join(name);
        let result = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg(package)
            .current_dir(repo_root().join(dir))
            .output()
            .map_err(|e| format!("running go build: {e}"))?;
        if !result.status.success() {
            return Err(format!(
                "go build {package} in {dir} failed:\n{}",
                String::from_utf8_lossy(&result.stderr)
            ));
        }
        Ok(out)
    });
    match built {
        Ok(path) => path.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn go_probe_server() -> PathBuf {
    static CELL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    go_binary(
        &CELL,
        "PROBE_SERVER_GO",
        "tests/interop/go",
        "./cmd/probe-server",
        "probe-server",
    )
}

fn go_summer_server() -> PathBuf {
    static CELL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    go_binary(
        &CELL,
        "SUMMER_SERVER_GO",
        "examples/summer/go",
        "./cmd/server",
        "summer-server",
    )
}

/// The Rust summer client binary: `$SUMMER_CALL_RUST`, the one cargo built beside this
/// test, or one built now.
fn rust_summer_call() -> PathBuf {
    if let Some(path) = std::env::var_os("SUMMER_CALL_RUST").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/interop-<hash> → target/<profile>/summer-call
    let beside = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join(format!("summer-call{}", std::env::consts::EXE_SUFFIX)));
    if let Some(path) = beside.filter(|p| p.exists()) {
        return path;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-p", "summer-example", "--bin", "summer-call"])
        .current_dir(repo_root())
        .status()
        .expect("running cargo build -p summer-example");
    assert!(status.success(), "cargo build -p summer-example failed");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join(format!("summer-call{}", std::env::consts::EXE_SUFFIX))
}

/// A server process, stopped with SIGTERM (then killed) when dropped, also when the
/// test panics.
struct Process {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- output of the server on {}:\n{log}", self.url);
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let started = Instant::now();
            while matches!(self.child.try_wait(), Ok(None)) {
                if started.elapsed() > Duration::from_secs(5) {
                    let _ = self.child.kill();
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// Starts `bin` on a free loopback port with `env`, and waits for `/readyz`.
fn start(bin: &Path, env: &[(&str, &str)]) -> Process {
    let mut last_error = String::new();
    for _ in 0..3 {
        let port = free_port();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop-logs");
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!("{port}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .env("LISTEN", format!("127.0.0.1:{port}"))
            .envs(env.iter().copied())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let mut process = Process {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if ready(port) {
                return process;
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                let log = std::fs::read_to_string(&process.log).unwrap_or_default();
                last_error = format!("{} exited early: {status}\n{log}", bin.display());
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if last_error.is_empty() {
            panic!("{} not ready after 20 s", bin.display());
        }
    }
    panic!("{last_error}");
}

#[tokio::test]
async fn rust_client_go_server_every_type_round_trips() {
    if !have_go() {
        return;
    }
    let server = start(&go_probe_server(), &[]);
    let client = ProbeClient::with_url(&server.url).unwrap();
    scenarios::every_type_round_trips(&client).await;
}

#[tokio::test]
async fn rust_client_go_server_every_error_code_round_trips() {
    if !have_go() {
        return;
    }
    let server = start(&go_probe_server(), &[]);
    let client = ProbeClient::with_url(&server.url).unwrap();
    scenarios::every_error_code_round_trips(&client).await;
}

#[tokio::test]
async fn rust_client_go_server_typed_errors_come_back_typed() {
    if !have_go() {
        return;
    }
    let server = start(&go_probe_server(), &[]);
    let client = ProbeClient::with_url(&server.url).unwrap();
    scenarios::typed_errors_come_back_typed(&client).await;
}

#[tokio::test]
async fn rust_client_go_server_panic_and_deadline() {
    if !have_go() {
        return;
    }
    let server = start(&go_probe_server(), &[]);
    let client = ProbeClient::with_url(&server.url).unwrap();
    for _ in 0..2 {
        let err = client.crash(&Empty {}).await.unwrap_err();
        assert_eq!(err.code(), Code::Internal, "{err}");
    }
    let started = Instant::now();
    let err = client
        .sleep_with(
            &SleepIn { millis: 1500 },
            &CallOptions::timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
    client.sleep(&SleepIn { millis: 10 }).await.unwrap();
}

/// Rust client → Go → Rust (in this process) → Go: the ids and the deadline travel.
#[tokio::test]
async fn chain_rust_go_rust_go_keeps_request_and_trace_ids() {
    if !have_go() {
        return;
    }
    let bin = go_probe_server();
    let a = start(&bin, &[("SERVICE_NAME", "go-a")]);
    let c = start(&bin, &[("SERVICE_NAME", "go-c")]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(Server::new(router(ProbeService)).serve_listener(listener));

    let client = ProbeClient::with_url(&a.url).unwrap();
    let ctx = Context::new()
        .with_request_id("req-interop-rust-go")
        .with_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .with_timeout(Duration::from_secs(3));
    let out = ctx
        .scope(client.hop(&HopIn {
            next: vec![b, c.url.clone()],
        }))
        .await
        .unwrap();
    assert_eq!(out.seen.len(), 3, "{:?}", out.seen);
    let mut spans = BTreeSet::new();
    for hop in &out.seen {
        assert_eq!(hop.request_id, "req-interop-rust-go", "{:?}", out.seen);
        assert_eq!(
            hop.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736",
            "{:?}",
            out.seen
        );
        assert_eq!(hop.span_id.len(), 16, "{:?}", out.seen);
        assert!(
            spans.insert(hop.span_id.clone()),
            "span ids repeat: {:?}",
            out.seen
        );
    }
    assert_eq!(out.seen[1].caller.as_deref(), Some("go-a"));
    let remaining: Vec<i64> = out.seen.iter().map(|s| s.remaining_ms).collect();
    assert!(remaining[0] <= 3000 && remaining[2] > 0, "{remaining:?}");
    assert!(remaining.windows(2).all(|w| w[1] <= w[0]), "{remaining:?}");
}

#[test]
fn summer_rust_client_go_server() {
    if !have_go() {
        return;
    }
    let call = rust_summer_call();
    let server = start(&go_summer_server(), &[]);
    let out = Command::new(&call)
        .args(["1", "2"])
        .env("SERVICE_SUMMER_URL", &server.url)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", call.display()));
    assert!(
        out.status.success(),
        "rust summer-call → go summer server: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"sum":3}"#);
}
