//! Helpers shared by the CLI tests (each test crate uses a part of them).
#![allow(dead_code)]

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Finished {
    pub code: Option<i32>,
    pub stderr: String,
    pub took: Duration,
}

/// Runs `brief ARGS` in `dir` (through `sh` to set a memory limit, in KiB, when given),
/// killing it and failing if it runs longer than `limit`: a hang is a failure, not a
/// stuck test.
pub fn run_bounded(
    dir: &std::path::Path,
    args: &[&str],
    limit: Duration,
    memory_kib: Option<u64>,
) -> Finished {
    let brief = env!("CARGO_BIN_EXE_brief");
    let mut cmd = match memory_kib {
        Some(kib) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                .arg(brief)
                .args(args);
            c
        }
        None => {
            let mut c = Command::new(brief);
            c.args(args);
            c
        }
    };
    let start = Instant::now();
    let mut child = cmd
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr while waiting, so a full pipe cannot stall the child.
    let mut stderr_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Finished {
                code: status.code(),
                stderr: reader.join().unwrap(),
                took: start.elapsed(),
            };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("brief {} did not finish within {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
