//! `brief lsp` latency: from an edit of a 1,000-line contract to its diagnostics.
//!
//! Starts the release `brief lsp`, opens a generated contract of 1,000 lines (a service
//! with rpcs, messages with documented fields of every type, enums, errors) and times,
//! for each of many incremental edits (a typo in a field type in the middle of the file,
//! then its fix), the time from writing the `didChange` to reading the
//! `publishDiagnostics` of that version. Also times the check alone, in process. Writes
//! the results into `docs/benchmarks.md` between `<!-- lsp:start -->` and
//! `<!-- lsp:end -->`.
//!
//! ```text
//! cargo bench -p brief --bench lsp
//! ```
//!
//! Knobs: `LSP_EDITS` (default 400), `LSP_NO_WRITE=1` (print only).

#[path = "support/benchmarks_doc.rs"]
mod benchmarks_doc;
#[allow(dead_code)]
#[path = "../tests/lsp/client.rs"]
mod client;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use client::{scratch, Client};

/// The target: diagnostics within this long of an edit.
const TARGET: Duration = Duration::from_millis(20);

/// A contract of exactly `lines` lines, and the (line, column) of a field type `int` in
/// its middle.
fn contract(lines: usize) -> (String, (u32, u32)) {
    let mut out = String::from(
        "// Generated for the LSP benchmark.\nservice \"ledger\" `Keeps accounts`\n\n",
    );
    let mut n = 0;
    let mut middle = None;
    // Each call adds 15 lines; the enum and the error at the end 8.
    while out.lines().count() + 15 + 8 <= lines {
        let _ = writeln!(
            out,
            "rpc call{n} (Call{n}In) Call{n}Out idempotent timeout(2s) throws(Missing) `Call number {n}`\n"
        );
        let _ = writeln!(out, "message Call{n}In {{");
        for (field, ty) in [
            ("id", "int"),
            ("name", "string"),
            ("tags", "[]string"),
            ("extra", "map[string]float?"),
            ("kind", "Kind"),
        ] {
            if field == "id" && middle.is_none() && out.lines().count() > lines / 2 {
                middle = Some((out.lines().count() as u32, 4 + 6 + 1));
            }
            let _ = writeln!(out, "    {field:<6} {ty:<17} `The {field} of call {n}`");
        }
        let _ = writeln!(out, "}} `Input of call {n}`\n");
        let _ = writeln!(
            out,
            "message Call{n}Out {{\n    at   time\n    data bytes?\n}}\n"
        );
        n += 1;
    }
    out.push_str("enum Kind {\n    plain\n    special `Rare`\n} `What a call is`\n\n");
    out.push_str("error Missing(not_found) {\n    id int\n}\n");
    while out.lines().count() < lines {
        out.push_str("// filler\n");
    }
    (out, middle.expect("the contract has a middle"))
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument that is not ours means skip.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && a != "lsp")
    {
        return;
    }
    let edits: usize = std::env::var("LSP_EDITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let (text, (line, column)) = contract(1000);
    assert_eq!(text.lines().count(), 1000);
    assert!(brief::check_source("ledger.brief", &text)
        .diagnostics
        .is_empty());

    // The check alone, in process.
    let mut checks: Vec<Duration> = (0..50)
        .map(|_| {
            let start = Instant::now();
            let checked = brief::check_source("ledger.brief", &text);
            let elapsed = start.elapsed();
            assert!(checked.diagnostics.is_empty());
            elapsed
        })
        .collect();
    checks.sort();

    let dir = scratch("bench");
    let mut server = Client::start(&dir);
    let uri = server.open(&dir.join("ledger.brief"), 1, &text);
    assert!(server.diagnostics(&uri, 1).is_empty());
    let range = [(line, column), (line, column + 3)];
    let mut latencies = Vec::with_capacity(edits);
    let warm_up = 20;
    for i in 0..warm_up + edits {
        let version = i as i64 + 2;
        // Odd edits put a typo in, even ones take it out.
        let (replacement, expected) = if i % 2 == 0 { ("itn", 1) } else { ("int", 0) };
        let start = Instant::now();
        server.edit(&uri, version, range, replacement);
        let diagnostics = server.diagnostics(&uri, version);
        let elapsed = start.elapsed();
        assert_eq!(diagnostics.len(), expected, "{diagnostics:?}");
        if i >= warm_up {
            latencies.push(elapsed);
        }
    }
    let status = server.shutdown();
    assert!(status.success());
    latencies.sort();

    let median = percentile(&latencies, 50);
    let mut section = String::new();
    let _ = writeln!(section, "## `brief lsp`: from an edit to its diagnostics\n");
    let _ = writeln!(
        section,
        "A 1,000-line contract ({} bytes: a service with rpcs, messages with documented fields of every type, an enum, an error), open in the release `brief lsp`. Each of {edits} incremental `didChange` edits (after {warm_up} unmeasured) puts a typo into a field type in the middle of the file or takes it out; the time runs from writing the edit to reading the `publishDiagnostics` of its version, over the real stdio pipes. `cargo bench -p brief --bench lsp`.\n",
        text.len()
    );
    let _ = writeln!(
        section,
        "| what | median | p90 | p99 | max |\n|---|---|---|---|---|"
    );
    let _ = writeln!(
        section,
        "| edit → diagnostics (server) | {} | {} | {} | {} |",
        ms(median),
        ms(percentile(&latencies, 90)),
        ms(percentile(&latencies, 99)),
        ms(*latencies.last().unwrap())
    );
    let _ = writeln!(
        section,
        "| the check alone (library, in process, 50 runs) | {} | {} | {} | {} |\n",
        ms(percentile(&checks, 50)),
        ms(percentile(&checks, 90)),
        ms(percentile(&checks, 99)),
        ms(*checks.last().unwrap())
    );
    // Other work on the machine shows in the tail: say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(
        section,
        "Load average while measuring: {load} on {cores} cores (other builds and tests were running).\n"
    );
    let verdict = if median <= TARGET { "met" } else { "NOT met" };
    let _ = writeln!(
        section,
        "Target: diagnostics within {} of an edit (median): {verdict}.",
        ms(TARGET)
    );
    print!("{section}");
    if std::env::var_os("LSP_NO_WRITE").is_none() {
        benchmarks_doc::write_section("lsp", &section);
    }
    assert!(median <= TARGET, "median {} is over the target", ms(median));
}
