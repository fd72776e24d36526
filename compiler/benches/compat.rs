//! `brief compat` on two versions of a 1,000-file contract set.
//!
//! `cargo bench -p brief --bench compat` measures, as the median of several runs:
//! - the library: reading and checking both folders, then comparing;
//! - the comparison alone, on checked models;
//! - the CLI end to end: `brief compat OLD NEW` and `brief compat --against HEAD`
//!   (the old version read through `git ls-tree` and `git cat-file`);
//!
//! and writes the results between `<!-- compat:start -->` and `<!-- compat:end -->` in
//! docs/benchmarks.md. Run without `--bench` (as `cargo test --benches` does) it only
//! checks, on a small set, that everything runs.

#[path = "support/benchmarks_doc.rs"]
mod benchmarks_doc;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use brief::check::{self, collect_brief_files};
use brief::compat::{self, Level};

/// One service file: rpcs, nested messages with lists and maps, an enum, an error and an
/// event, importing the shared types.
fn service_file(i: usize, changed: bool) -> String {
    let name = word(i);
    let mut s = String::new();
    let _ = writeln!(s, "import \"../common/common.brief\"\n");
    let _ = writeln!(s, "service \"svc-{name}\" `Service number {i}`\n");
    let _ = writeln!(
        s,
        "rpc get{i} (Get{i}In) Get{i}Out readonly timeout(300ms) throws(Missing{i}) `Reads one item`"
    );
    let _ = writeln!(
        s,
        "rpc put{i} (Put{i}In) Put{i}Out idempotent `Writes one item`"
    );
    let _ = writeln!(
        s,
        "rpc list{i} (List{i}In) List{i}Out readonly `Lists items`\n"
    );
    let _ = writeln!(
        s,
        "schema \"{name}.item.changed\" Item{i} `An item changed`\n"
    );
    let _ = writeln!(
        s,
        "error Missing{i}(not_found) {{\n    id int\n}} `No such item`\n"
    );
    let _ = writeln!(s, "message Get{i}In {{\n    id int `The item`\n}}\n");
    let _ = writeln!(
        s,
        "message Get{i}Out {{\n    item Item{i}\n    meta Meta?\n}}\n"
    );
    if changed {
        // A required input field: breaking.
        let _ = writeln!(
            s,
            "message Put{i}In {{\n    item Item{i}\n    reason string\n    page Page?\n}}\n"
        );
    } else {
        let _ = writeln!(
            s,
            "message Put{i}In {{\n    item Item{i}\n    page Page?\n}}\n"
        );
    }
    let _ = writeln!(s, "message Put{i}Out {{\n    version int\n}}\n");
    let _ = writeln!(
        s,
        "message List{i}In {{\n    page Page\n    filter map[string]string\n}}\n"
    );
    let _ = writeln!(
        s,
        "message List{i}Out {{\n    items []Item{i}\n    next Page?\n}}\n"
    );
    let _ = writeln!(
        s,
        "message Item{i} {{\n    id int\n    name string `Display name`\n    price float\n    tags []string\n    state State{i}\n    parts []Part{i}\n    attributes map[string]Part{i}\n    created time\n    blob bytes?\n}}\n"
    );
    let _ = writeln!(
        s,
        "message Part{i} {{\n    sku string\n    count int\n    children []Part{i}\n}}\n"
    );
    let extra = if changed { "\n    archived" } else { "" };
    let _ = writeln!(s, "enum State{i} {{\n    draft\n    live{extra}\n}}");
    s
}

/// `i` in letters, for service names and topics: 0 → `a`, 27 → `bb`.
fn word(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (i % 26) as u8);
        i /= 26;
        if i == 0 {
            break;
        }
    }
    String::from_utf8(s).expect("ascii")
}

const COMMON: &str = "message Page {\n    size int\n    token string?\n}\n\nmessage Meta {\n    requestId string\n    took int\n}\n";

/// Writes the set: `files - 1` service files and one shared file. In the new version
/// one service file in ten changes.
fn write_set(dir: &Path, files: usize, new: bool) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("common")).unwrap();
    std::fs::create_dir_all(dir.join("services")).unwrap();
    std::fs::write(dir.join("common/common.brief"), COMMON).unwrap();
    for i in 0..files - 1 {
        let text = service_file(i, new && i % 10 == 0);
        std::fs::write(dir.join(format!("services/svc{i:04}.brief")), text).unwrap();
    }
}

fn load(dir: &Path) -> brief::Model {
    let files = collect_brief_files(&[dir.to_path_buf()]).unwrap();
    let checked = check::check_with(&check::FsSources, &files).unwrap();
    assert!(
        !checked.diagnostics.has_errors(),
        "the generated set checks"
    );
    checked.model
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn run_cli(dir: &Path, args: &[&str]) -> i32 {
    Command::new(env!("CARGO_BIN_EXE_brief"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("brief runs")
        .status
        .code()
        .unwrap_or(-1)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (files, runs) = if full { (1000, 7) } else { (20, 1) };
    let base = std::env::temp_dir().join(format!("brief-compat-bench-{}", std::process::id()));
    let old_dir = base.join("old");
    let new_dir = base.join("new");
    write_set(&old_dir, files, false);
    write_set(&new_dir, files, true);
    let lines: usize = collect_brief_files(std::slice::from_ref(&old_dir))
        .unwrap()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().lines().count())
        .sum();

    let (whole, report) = time(runs, || {
        let old = load(&old_dir);
        let new = load(&new_dir);
        compat::compare(&old, &new, Level::Wire)
    });
    let expected_breaks = (files - 1).div_ceil(10);
    assert_eq!(
        report.errors().count(),
        expected_breaks * 2,
        "one input field and one enum value per changed file"
    );

    let old = load(&old_dir);
    let new = load(&new_dir);
    let (compare_only, _) = time(runs, || compat::compare(&old, &new, Level::Source));

    let (cli, code) = time(runs, || {
        run_cli(&base, &["compat", "old", "new", "--format", "json"])
    });
    assert_eq!(code, 1);

    // --against: the old version committed, the new one in the working tree.
    let repo = base.join("repo");
    write_set(&repo.join("rpc"), files, false);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "old"]);
    write_set(&repo.join("rpc"), files, true);
    let (against, code) = time(runs, || {
        run_cli(
            &repo,
            &["compat", "--against", "HEAD", "rpc", "--format", "json"],
        )
    });
    assert_eq!(code, 1);

    let _ = std::fs::remove_dir_all(&base);

    let mut section = String::new();
    let _ = writeln!(section, "## `brief compat`\n");
    let _ = writeln!(
        section,
        "Two versions of a {files}-file contract set ({lines} lines per version: {} services with 3 rpcs, \
         8 messages, an enum, an error and an event each, all importing one shared file); one service \
         file in ten changes (a required input field, an output enum value). Median of {runs} runs, \
         release build, `cargo bench -p brief --bench compat`.\n",
        files - 1
    );
    let _ = writeln!(section, "| what | time |\n|---|---|");
    let _ = writeln!(
        section,
        "| library: read and check both versions, compare (wire) | {} |",
        ms(whole)
    );
    let _ = writeln!(
        section,
        "| library: compare only, checked models (source level) | {} |",
        ms(compare_only)
    );
    let _ = writeln!(section, "| CLI: `brief compat old new` | {} |", ms(cli));
    let _ = writeln!(
        section,
        "| CLI: `brief compat --against HEAD rpc` (old version read through git) | {} |",
        ms(against)
    );
    let _ = writeln!(
        section,
        "\nTarget: under one second for the whole check. Findings: {} breaking changes.",
        report.errors().count()
    );
    print!("{section}");
    if full {
        benchmarks_doc::write_section("compat", &section);
    }
}
