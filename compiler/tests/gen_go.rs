//! The Go generator's output compiles, is gofmt-clean, passes `go vet`, is deterministic,
//! and works: every contract of the corpus that checks (`valid/`, `warn/`), the
//! adversarial names of `tests/names` and the summer example are generated into one Go
//! module that is vetted and built; the loopback tests of `tests/go` (a generated client
//! against a generated server) run with `-race`; the summer example's committed generated
//! code must be current and its module must build.
//!
//! Needs `go` and `gofmt` on PATH; without them the tests say so loudly and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// The machine has few cores: one Go build at a time.
static GO: Mutex<()> = Mutex::new(());

const RUNTIME_MODULE: &str = "github.com/brief-rpc/brief/runtime/go";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the compiler crate is inside the repository")
        .to_path_buf()
}

fn go_installed() -> bool {
    let ok = |p: &str, a: &[&str]| {
        Command::new(p)
            .args(a)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ok("go", &["version"])
        && Command::new("gofmt")
            .arg("-l")
            .arg(".")
            .current_dir(std::env::temp_dir())
            .output()
            .is_ok()
    {
        return true;
    }
    eprintln!("\n\n*** SKIPPED: `go`/`gofmt` not found on PATH; the generated Go code was NOT tested ***\n\n");
    false
}

fn run(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    if !out.status.success() {
        panic!(
            "{shown} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn brief(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brief"));
    cmd.current_dir(cwd);
    cmd
}

fn go(cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("go");
    cmd.args(args)
        .current_dir(cwd)
        .env("GOFLAGS", "-mod=mod")
        .env("GOWORK", "off");
    run(&mut cmd)
}

fn gofmt_clean(dir: &Path) {
    let out = run(Command::new("gofmt").arg("-l").arg(dir));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.trim().is_empty(), "gofmt would change:\n{listed}");
}

fn go_mod(module: &str, runtime: &Path) -> String {
    format!(
        "module {module}\n\ngo 1.24\n\nrequire {RUNTIME_MODULE} v0.0.0\n\nreplace {RUNTIME_MODULE} => {}\n",
        runtime.display()
    )
}

/// The cases of one folder of the corpus: the `*.brief` files directly in it.
fn corpus_cases(folder: &str) -> Vec<String> {
    let dir = repo().join("tests/corpus").join(folder);
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".brief"))
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_valid_contract_generates_vetted_go() {
    if !go_installed() {
        return;
    }
    let _one = GO.lock().unwrap_or_else(|e| e.into_inner());
    let repo = repo();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("gen_go_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let module = "briefgen.test";
    std::fs::write(tmp.join("go.mod"), go_mod(module, &repo.join("runtime/go"))).unwrap();

    // (working directory, contract path as given, case name)
    let mut cases: Vec<(PathBuf, String, String)> = Vec::new();
    for folder in ["valid", "warn"] {
        let found = corpus_cases(folder);
        assert!(!found.is_empty(), "no contracts in tests/corpus/{folder}");
        cases.extend(found.into_iter().map(|file| {
            let name = format!("{folder}_{}", file.trim_end_matches(".brief"));
            (repo.join("tests/corpus"), format!("{folder}/{file}"), name)
        }));
    }
    for part in ["keywords", "scopes", "packages"] {
        let case = (
            repo.join("tests/names"),
            part.to_string(),
            format!("names_{part}"),
        );
        cases.push(case);
    }
    cases.push((
        repo.join("examples/summer"),
        "rpc".into(),
        "example_summer".into(),
    ));

    for (cwd, path, name) in &cases {
        let out = tmp.join("cases").join(name);
        let import_path = format!("{module}/cases/{name}");
        let args = |check: bool| {
            let mut cmd = brief(cwd);
            cmd.args(["codegen", path, "--lang", "go", "--out"])
                .arg(&out)
                .args(["--go-import-path", &import_path]);
            if check {
                cmd.arg("--check");
            }
            cmd
        };
        run(&mut args(false));
        // A second run must produce the very same bytes: --check exits 1 on any difference.
        run(&mut args(true));
    }

    gofmt_clean(&tmp);
    go(&tmp, &["vet", "./..."]);
    go(&tmp, &["build", "./..."]);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn importing_contract_without_import_path_is_a_clear_error() {
    let repo = repo();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("gen_go_noimport_{}", std::process::id()));
    let out = brief(&repo.join("tests/corpus"))
        .args([
            "codegen",
            "valid/imports_basic.brief",
            "--lang",
            "go",
            "--out",
        ])
        .arg(&tmp)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "generation should fail without --go-import-path"
    );
    assert!(stderr.contains("--go-import-path"), "{stderr}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Regenerates `tests/go/gen` from `tests/go/contracts` and runs the Go loopback tests.
#[test]
fn go_loopback_tests_pass() {
    if !go_installed() {
        return;
    }
    let _one = GO.lock().unwrap_or_else(|e| e.into_inner());
    let dir = repo().join("tests/go");
    run(brief(&dir).args([
        "codegen",
        "contracts",
        "--lang",
        "go",
        "--out",
        "gen",
        "--go-import-path",
        "github.com/brief-rpc/brief/tests/go/gen",
    ]));
    gofmt_clean(&dir);
    go(&dir, &["vet", "./..."]);
    go(&dir, &["test", "-race", "-count=1", "./..."]);
}

/// The summer example's generated code is committed: it must match what the generator
/// writes now, and the example must build.
#[test]
fn summer_example_is_current_and_builds() {
    if !go_installed() {
        return;
    }
    let _one = GO.lock().unwrap_or_else(|e| e.into_inner());
    let example = repo().join("examples/summer");
    let out = brief(&example)
        .args([
            "codegen", "rpc", "--lang", "go", "--out", "go/gen", "--check",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "examples/summer/go/gen is stale; regenerate it with\n  (cd examples/summer && brief codegen rpc --lang go --out go/gen)\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let module = example.join("go");
    gofmt_clean(&module);
    go(&module, &["vet", "./..."]);
    go(&module, &["build", "./..."]);
}
