//! The `brief` binary end to end: exit codes, output formats, `fmt` on disk, help, the
//! files it agrees to read, and what `codegen` says.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::run_bounded;

fn brief() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brief"));
    cmd.env_remove("NO_COLOR");
    cmd
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

/// Runs `brief ARGS` in the corpus folder.
fn run_in_corpus(args: &[&str]) -> Output {
    brief().args(args).current_dir(corpus()).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_exits_0_on_a_valid_contract() {
    let o = run_in_corpus(&["check", "valid/summer.brief"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(stdout(&o), "");
}

#[test]
fn check_exits_0_with_warnings_and_1_with_errors() {
    let o = run_in_corpus(&["check", "warn/redundant_modifier.brief"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("0 errors, 1 warning"), "{}", stderr(&o));

    let o = run_in_corpus(&["check", "invalid/duplicate_field.brief"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("brief::duplicate_field"));
}

#[test]
fn check_prints_exactly_the_pinned_stderr_of_every_case() {
    let mut failures = Vec::new();
    for folder in ["warn", "invalid"] {
        let mut names: Vec<String> = std::fs::read_dir(corpus().join(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".brief"))
            .collect();
        names.sort();
        for name in names {
            let case = format!("{folder}/{name}");
            let expected_path = corpus().join(case.replace(".brief", ".stderr"));
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            let o = run_in_corpus(&["check", &case]);
            let code = if folder == "warn" { 0 } else { 1 };
            if o.status.code() != Some(code) || stderr(&o) != expected {
                failures.push(format!(
                    "{case}: exit {:?}\n{}",
                    o.status.code(),
                    stderr(&o)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_of_a_folder_reads_every_file_below_it() {
    let o = run_in_corpus(&["check", "valid"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn check_exits_2_on_a_missing_path_or_a_bad_flag() {
    let o = run_in_corpus(&["check", "no/such/file.brief"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no/such/file.brief"),
        "the message names the path: {}",
        stderr(&o)
    );

    let o = run_in_corpus(&["check", "--no-such-flag", "valid/summer.brief"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--no-such-flag"), "{}", stderr(&o));

    let o = run_in_corpus(&["check", "--format", "yaml", "valid/summer.brief"]);
    assert_eq!(o.status.code(), Some(2));

    let o = run_in_corpus(&["check"]);
    assert_eq!(o.status.code(), Some(2), "a path is required");

    let o = run_in_corpus(&["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_json_has_every_field() {
    let o = run_in_corpus(&[
        "check",
        "--format",
        "json",
        "invalid/unknown_type_did_you_mean.brief",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "", "json goes to stdout only");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "severity": "error",
            "code": "brief::unknown_type",
            "message": "unknown type `SumIm`",
            "file": "invalid/unknown_type_did_you_mean.brief",
            "line": 11,
            "column": 10,
            "end_line": 11,
            "end_column": 15,
            "help": "did you mean `SumIn`?",
            "spans": [{
                "file": "invalid/unknown_type_did_you_mean.brief",
                "byte_start": 110,
                "byte_end": 115,
                "line_start": 11,
                "column_start": 10,
                "line_end": 11,
                "column_end": 15,
                "label": "not a builtin type, nor declared in this file or its imports",
                "is_primary": true,
            }],
        })
    );

    // Warnings are objects too, with a null help when there is none.
    let o = run_in_corpus(&["check", "--format", "json", "invalid/empty_enum.brief"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["severity"], "error");
    let o = run_in_corpus(&["check", "--format", "json", "invalid/duration_zero.brief"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["help"], serde_json::Value::Null);
    let o = run_in_corpus(&["check", "--format", "json", "warn/unused_import.brief"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["severity"], "warning");
    assert_eq!(v["code"], "brief::unused_import");

    // A clean contract prints nothing.
    let o = run_in_corpus(&["check", "--format", "json", "valid/summer.brief"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

const UNFORMATTED: &str = "service \"summer\"\nrpc sum (SumIn) SumOut   idempotent\nmessage SumIn {\n  a int `A`\n    bb int `B` // c\n}\nmessage SumOut { sum int }\n";

#[test]
fn fmt_check_lists_unformatted_files_and_changes_nothing() {
    let dir = scratch("fmt-check");
    let messy = dir.join("messy.brief");
    let tidy = dir.join("tidy.brief");
    std::fs::write(&messy, UNFORMATTED).unwrap();
    let formatted = brief::fmt::format_source(UNFORMATTED).unwrap();
    assert_ne!(formatted, UNFORMATTED);
    std::fs::write(&tidy, &formatted).unwrap();

    let o = brief().args(["fmt", "--check"]).arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), messy.display().to_string());
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), UNFORMATTED);
    assert_eq!(std::fs::read_to_string(&tidy).unwrap(), formatted);

    let o = brief()
        .args(["fmt", "--check"])
        .arg(&tidy)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = scratch("fmt-write");
    let messy = dir.join("messy.brief");
    std::fs::write(&messy, UNFORMATTED).unwrap();

    let o = brief().arg("fmt").arg(&messy).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = std::fs::read_to_string(&messy).unwrap();
    assert_eq!(written, brief::fmt::format_source(UNFORMATTED).unwrap());
    assert!(written.contains("    bb int `B` // c\n"), "{written}");
    // Nothing is left beside it.
    let entries = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(entries, 1);

    let o = brief()
        .args(["fmt", "--check"])
        .arg(&messy)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn fmt_reports_a_file_it_cannot_parse_and_leaves_it() {
    let dir = scratch("fmt-broken");
    let broken = dir.join("broken.brief");
    std::fs::write(&broken, "message M {\n  a int,\n}\n").unwrap();
    let o = brief().arg("fmt").arg(&broken).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("brief::syntax"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "message M {\n  a int,\n}\n"
    );

    let o = brief()
        .arg("fmt")
        .arg(dir.join("missing.brief"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// The subcommands `brief --help` lists (others are being added; every one must answer).
fn subcommands() -> Vec<String> {
    let o = brief().arg("--help").output().unwrap();
    let help = stdout(&o);
    let section = help
        .split("Commands:")
        .nth(1)
        .expect("--help lists the commands");
    section
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped description continues on a line indented further than the names.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_and_version_work_everywhere() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        let o = brief().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(
            stdout(&o).contains("Usage: brief"),
            "{args:?}: {}",
            stdout(&o)
        );
    }
    let o = brief().arg("--version").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).trim(), format!("brief {}", brief::VERSION));

    let commands = subcommands();
    for expected in ["check", "fmt"] {
        assert!(commands.iter().any(|c| c == expected), "{commands:?}");
    }
    for command in &commands {
        let o = brief().args([command, "--help"]).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{command} --help: {}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!("Usage: brief {command}")),
            "{command} --help: {}",
            stdout(&o)
        );
        let o = brief().args(["help", command]).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "help {command}");

        let o = brief().args([command, "--version"]).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{command} --version: {}",
            stderr(&o)
        );
        assert!(
            stdout(&o).contains(brief::VERSION),
            "{command} --version: {}",
            stdout(&o)
        );
    }
}

#[test]
fn codegen_reads_brief_toml_beside_the_contracts_from_any_folder() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let example = repo.join("examples/summer");
    // The committed Go code of the example is what brief.toml asks for, whichever
    // folder the command runs in.
    for (cwd, path) in [(&repo, "examples/summer/rpc"), (&example, "rpc")] {
        let o = brief()
            .current_dir(cwd)
            .args(["codegen", path, "--check"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    }
}

#[test]
fn codegen_without_flags_or_brief_toml_says_what_is_missing() {
    let dir = std::env::temp_dir().join(format!("brief-cli-noconfig-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("rpc")).unwrap();
    std::fs::write(dir.join("rpc/a.brief"), "message A { x int }\n").unwrap();
    let o = brief()
        .current_dir(&dir)
        .args(["codegen", "rpc"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no --lang/--out given and no brief.toml"),
        "{}",
        stderr(&o)
    );
    let o = brief()
        .current_dir(&dir)
        .args(["codegen", "rpc", "--lang", "rust"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "--lang without --out is a usage error"
    );
}

// ------------------------------------------------------------------ what brief reads

/// Runs `brief ARGS` in `dir`, which must finish within 20 s in 1 GiB of address space
/// (reading a device or waiting on a FIFO would not).
fn check_quickly(dir: &Path, args: &[&str]) -> common::Finished {
    run_bounded(dir, args, Duration::from_secs(20), Some(1 << 20))
}

/// A line no diagnostic may ever show: it stands in files outside the roots.
const SECRET: &str = "TOP-SECRET-LINE-OF-A-FILE-OUTSIDE";

/// `project/rpc/` with contracts, and `project/secret.brief` beside it, outside `rpc/`.
fn project(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("rpc")).unwrap();
    std::fs::write(
        dir.join("secret.brief"),
        format!("{SECRET}\nmessage S {{}}\n"),
    )
    .unwrap();
    dir
}

#[test]
fn imports_stay_inside_the_roots_and_show_nothing_of_what_is_outside() {
    let dir = project("roots");
    let depth = dir.components().count();
    let passwd = format!("{}etc/passwd", "../".repeat(depth + 2));
    std::fs::write(
        dir.join("rpc/a.brief"),
        format!("import \"{passwd}\"\nimport \"../secret.brief\"\nmessage A {{}}\n"),
    )
    .unwrap();
    let o = brief()
        .current_dir(&dir)
        .args(["check", "rpc", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(
        out.matches("brief::import_outside_roots").count(),
        2,
        "{out}"
    );
    assert!(out.contains(&passwd), "the import is named: {out}");
    assert!(!out.contains(SECRET) && !out.contains("root:"), "{out}");

    // The text shows the import, nothing of the file.
    let o = brief()
        .current_dir(&dir)
        .args(["check", "rpc"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(err.contains("outside the contract roots (rpc/)"), "{err}");
    assert!(!err.contains(SECRET) && !err.contains("root:"), "{err}");

    // A wider root lets the sibling in (and /etc/passwd stays out).
    let o = brief()
        .current_dir(&dir)
        .args(["check", "rpc", "--root", "."])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(
        err.matches("brief::import_outside_roots").count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("brief::syntax"),
        "secret.brief is read now: {err}"
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_a_root_are_refused() {
    let dir = project("links");
    std::os::unix::fs::symlink("../secret.brief", dir.join("rpc/link.brief")).unwrap();
    // Walking the folder meets the link: refused before anything is read.
    let run = check_quickly(&dir, &["check", "rpc"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("rpc/link.brief")
            && run.stderr.contains("symbolic link to a file outside"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);

    // Imported by a contract in the root: the path looks inside, the link leads out.
    std::fs::remove_file(dir.join("rpc/link.brief")).unwrap();
    std::fs::create_dir_all(dir.join("rpc/sub")).unwrap();
    std::os::unix::fs::symlink("../../secret.brief", dir.join("rpc/sub/link.brief")).unwrap();
    std::fs::write(
        dir.join("rpc/a.brief"),
        "import \"sub/link.brief\"\nmessage A {}\n",
    )
    .unwrap();
    let run = check_quickly(&dir, &["check", "rpc/a.brief"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("brief::import_outside_roots") && run.stderr.contains("symbolic link"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_without_reading() {
    let dir = project("special");
    std::os::unix::fs::symlink("/dev/zero", dir.join("rpc/zero.brief")).unwrap();
    let fifo = dir.join("rpc/pipe.brief");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Given directly: a usage error, at once (reading /dev/zero never ends; opening a
    // FIFO waits for a writer forever).
    for (file, kind) in [
        ("rpc/zero.brief", "a character device"),
        ("rpc/pipe.brief", "a FIFO"),
    ] {
        let run = check_quickly(&dir, &["check", file]);
        assert_eq!(run.code, Some(2), "{file}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("it is {kind}, not a regular file")),
            "{file}: {}",
            run.stderr
        );
    }
    // Imported: a diagnostic on the import (the link to /dev/zero leads out of the root
    // before it leads to a device).
    std::fs::write(
        dir.join("rpc/a.brief"),
        "import \"zero.brief\"\nimport \"pipe.brief\"\nmessage A {}\n",
    )
    .unwrap();
    let run = check_quickly(&dir, &["check", "rpc/a.brief"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("brief::import_outside_roots"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("brief::import_not_found")
            && run.stderr.contains("it is a FIFO, not a regular file"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_folder_without_contracts_is_an_error() {
    let dir = scratch("empty");
    std::fs::create_dir_all(dir.join("rpc/.hidden")).unwrap();
    std::fs::write(dir.join("rpc/.hidden/a.brief"), "message A {}\n").unwrap();
    std::fs::write(dir.join("rpc/notes.txt"), "no contracts here\n").unwrap();
    let commands: [&[&str]; 3] = [
        &["check", "rpc"],
        &["fmt", "rpc"],
        &["codegen", "rpc", "--lang", "rust", "--out", "gen"],
    ];
    for args in commands {
        let o = brief().current_dir(&dir).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("no .brief file in rpc"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert!(!dir.join("gen").exists());
}

// ------------------------------------------------------------------ codegen

#[test]
fn codegen_help_shows_the_brief_toml_example_as_written() {
    let o = brief().args(["codegen", "--help"]).output().unwrap();
    let help = stdout(&o);
    assert!(
        help.contains("    [rust]\n    out = \"src/rpc\"\n\n    [go]\n    out = \"internal/rpc\"\n    import_path = \"example.com/svc/internal/rpc\"\n"),
        "{help}"
    );
}

/// A fresh folder with `rpc/summer.brief`.
fn summer_project(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("rpc")).unwrap();
    std::fs::write(
        dir.join("rpc/summer.brief"),
        "service \"summer\"\nrpc sum (SumIn) SumOut\nmessage SumIn { a int }\nmessage SumOut { sum int }\n",
    )
    .unwrap();
    dir
}

#[test]
fn codegen_check_says_what_is_stale_and_how_to_regenerate_it() {
    let dir = summer_project("stale");
    let args = ["codegen", "rpc", "--lang", "rust", "--out", "gen"];
    let o = brief().current_dir(&dir).args(args).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let check = |o: &Output| (o.status.code(), stdout(o), stderr(o));
    let o = brief()
        .current_dir(&dir)
        .args(args)
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(check(&o).0, Some(0), "{}", stderr(&o));

    // Stale: the file is named, the problem said, and the command that fixes it given.
    let generated = dir.join("gen/summer.rs");
    let text = std::fs::read_to_string(&generated).unwrap();
    std::fs::write(&generated, text.replace("pub struct", "pub  struct")).unwrap();
    std::fs::remove_file(dir.join("gen/brief.rs")).unwrap();
    let o = brief()
        .current_dir(&dir)
        .args([
            "codegen", "--check", "rpc", "--lang", "rust", "--out", "gen",
        ])
        .output()
        .unwrap();
    let (code, out, err) = check(&o);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        out,
        "gen/brief.rs\ngen/summer.rs\n".replace('/', std::path::MAIN_SEPARATOR_STR)
    );
    assert!(err.contains("the generated code is stale"), "{err}");
    assert!(
        err.contains("summer.rs differs from what the contracts generate"),
        "{err}"
    );
    assert!(err.contains("brief.rs is missing"), "{err}");
    let command = err.lines().last().unwrap().trim();
    assert!(
        command.ends_with("codegen rpc --lang rust --out gen") && !command.contains("--check"),
        "{err}"
    );
    // That command does regenerate it.
    let mut words = command.split_whitespace();
    let program = words.next().unwrap();
    assert!(program.ends_with("brief"), "{command}");
    let o = brief().current_dir(&dir).args(words).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = brief()
        .current_dir(&dir)
        .args(args)
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn codegen_go_says_how_to_get_the_runtime_module() {
    let dir = summer_project("go-runtime");
    let generate = || {
        let o = brief()
            .current_dir(&dir)
            .args(["codegen", "rpc", "--lang", "go", "--out", "gen"])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "generation never fails for it: {}",
            stderr(&o)
        );
        stderr(&o)
    };
    // No go.mod at all (the scratch folder is inside this repository, whose root has
    // none): say where the module comes from.
    let err = generate();
    assert!(
        err.contains("github.com/brief-rpc/brief/runtime/go, which is not published")
            && err.contains("replace github.com/brief-rpc/brief/runtime/go => "),
        "{err}"
    );
    // A go.mod without the replace: named in the hint.
    std::fs::write(dir.join("go.mod"), "module example.com/svc\n\ngo 1.24\n").unwrap();
    let err = generate();
    assert!(err.contains("go.mod"), "{err}");
    assert!(
        err.contains("replace github.com/brief-rpc/brief/runtime/go => "),
        "{err}"
    );
    // With the replace: nothing to say.
    std::fs::write(
        dir.join("go.mod"),
        "module example.com/svc\n\ngo 1.24\n\nrequire github.com/brief-rpc/brief/runtime/go v0.0.0\n\nreplace github.com/brief-rpc/brief/runtime/go => ../brief/runtime/go\n",
    )
    .unwrap();
    let err = generate();
    assert!(!err.contains("not published"), "{err}");
}
