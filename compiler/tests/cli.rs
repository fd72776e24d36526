//! The `brief` binary end to end: exit codes, output formats, `fmt` on disk, help.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
