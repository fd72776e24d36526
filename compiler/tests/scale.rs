//! `brief check` stays linear in the size of its input, however many problems it finds:
//! thousands of diagnostics, or a file of many megabytes, check within bounds that a
//! linear check meets many times over and a quadratic one (a diagnostic costing the size
//! of its file, as before) does not meet at all. These guard against complexity, not
//! speed: the measured times are in docs/benchmarks.md (`cargo bench -p brief --bench
//! frontend`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::run_bounded;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("scale-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The end of a long output, for failure messages.
fn tail(s: &str) -> &str {
    let mut start = s.len().saturating_sub(500);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Checks `text` as one file, which must end within 10 s (a linear check takes well
/// under one) with 100 diagnostics of `code` shown and `total` errors counted.
fn check_many_errors(name: &str, text: &str, code: &str, total: usize) -> Duration {
    let dir = scratch(name);
    let path = dir.join(format!("{name}.brief"));
    std::fs::write(&path, text).unwrap();
    let run = run_bounded(
        &dir,
        &["check", path.to_str().unwrap()],
        Duration::from_secs(10),
        None,
    );
    let tail = tail(&run.stderr);
    assert_eq!(run.code, Some(1), "{tail}");
    assert_eq!(run.stderr.matches(code).count(), 100, "{tail}");
    let omitted = format!("… and {} more errors in", total - 100);
    assert!(run.stderr.contains(&omitted), "{tail}");
    assert!(
        run.stderr
            .ends_with(&format!("{total} errors, 0 warnings\n")),
        "{tail}"
    );
    run.took
}

#[test]
fn twenty_thousand_duplicate_declarations() {
    // Before line indexes and the per-file cap: 15 to 29 s (release build).
    let text = "message M {}\n".repeat(20_000);
    let took = check_many_errors("duplicates", &text, "brief::duplicate_declaration", 19_999);
    eprintln!("20,000 duplicate declarations: {took:?}");
}

#[test]
fn twenty_thousand_unknown_types() {
    // Before: 25 s to more than 60 s (release build).
    let mut text = String::from("message M {\n");
    for i in 0..20_000 {
        text.push_str(&format!("    f{i} Unknown{i}\n"));
    }
    text.push_str("}\n");
    let took = check_many_errors("unknown", &text, "brief::unknown_type", 20_000);
    eprintln!("20,000 unknown types: {took:?}");
}

/// A contract of `records` rpcs with their messages; every tenth field is named in
/// snake_case, so the file is valid but full of warnings.
fn large_contract(records: usize) -> String {
    let mut s = String::with_capacity(records * 200);
    s.push_str("service \"big\"\n");
    for i in 0..records {
        let count = if i % 10 == 0 { "item_count" } else { "count" };
        s.push_str(&format!(
            "rpc call{i} (In{i}) Out{i} idempotent timeout(2s) `Calls {i}`\n\
             message In{i} {{\n    name string `The name`\n    {count} int\n    tags []string?\n}}\n\
             message Out{i} {{\n    items map[string]In{i}\n}}\n"
        ));
    }
    s
}

#[test]
fn a_valid_file_of_sixteen_megabytes() {
    let dir = scratch("large");
    let path = dir.join("large.brief");
    // Just under the default limit of 16 MiB.
    let text = large_contract(82_000);
    assert!(
        text.len() > 15 << 20 && text.len() < 16 << 20,
        "{} bytes",
        text.len()
    );
    std::fs::write(&path, &text).unwrap();
    // Linear in time (before: each of its thousands of warnings cost the whole file)
    // and in memory: the file's size times a bounded factor (the address space given
    // here is 60 times the file).
    let memory_kib = 60 * text.len() as u64 / 1024;
    let run = run_bounded(
        &dir,
        &["check", path.to_str().unwrap()],
        Duration::from_secs(120),
        Some(memory_kib),
    );
    assert_eq!(
        run.code,
        Some(0),
        "{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
    assert!(
        run.stderr.contains("… and 8100 more warnings in"),
        "{}",
        tail(&run.stderr)
    );
    assert!(run.stderr.ends_with("0 errors, 8200 warnings\n"));
    eprintln!("{} MB valid file: {:?}", text.len() >> 20, run.took);
}

#[test]
fn a_file_over_the_size_limit_is_refused_unread() {
    let dir = scratch("limit");
    let path = dir.join("large.brief");
    std::fs::write(&path, large_contract(200)).unwrap();
    let run = run_bounded(
        &dir,
        &["check", "--max-file-size", "10KiB", path.to_str().unwrap()],
        Duration::from_secs(20),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("more than the limit of 10 KiB")
            && run.stderr.contains("--max-file-size"),
        "{}",
        run.stderr
    );
    // The environment sets it too; the flag wins over it.
    let out = Command::new(env!("CARGO_BIN_EXE_brief"))
        .args(["check", path.to_str().unwrap()])
        .env("BRIEF_MAX_FILE_SIZE", "1KiB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_brief"))
        .args(["check", "--max-file-size", "1MiB", path.to_str().unwrap()])
        .env("BRIEF_MAX_FILE_SIZE", "1KiB")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
