//! `brief compat`: the change cases of `tests/compat/*.case`, the corpus compared with
//! itself, formatted and reordered, the git-backed `--against`, and the CLI.
//!
//! A case file holds a header, the old and new contracts and the expected findings:
//!
//! ```text
//! # what the case is about
//! verdict: breaking            (fine | warning | breaking: written by hand, never blessed)
//! level: source                (optional; default wire)
//! mode: consumer               (optional: old = the consumer's copy, new = the provider)
//! === old [file name]          (repeatable; default contract.brief)
//! ...
//! === new [file name]
//! ...
//! === expected
//! ...                          (rewritten by `BLESS=1 cargo test -p brief --test compat`)
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use brief::check::{self, FsSources, Sources};
use brief::compat::{self, Level, Report, Severity};
use brief::model::{File, Model};
use brief::MemorySources;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

// ------------------------------------------------------------------------- change cases

struct Case {
    name: String,
    verdict: String,
    level: Level,
    consumer: bool,
    old: Vec<(String, String)>,
    new: Vec<(String, String)>,
    expected: String,
    /// The file up to and including the `=== expected` line.
    head: String,
}

fn parse_case(name: &str, text: &str) -> Case {
    let mut case = Case {
        name: name.to_string(),
        verdict: String::new(),
        level: Level::Wire,
        consumer: false,
        old: Vec::new(),
        new: Vec::new(),
        expected: String::new(),
        head: String::new(),
    };
    enum Section {
        Header,
        Old,
        New,
        Expected,
    }
    let mut section = Section::Header;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.trim_end().strip_prefix("=== ") {
            let mut words = rest.split_whitespace();
            let kind = words.next().unwrap_or_default();
            let file = words.next().unwrap_or("contract.brief").to_string();
            section = match kind {
                "old" => {
                    case.old.push((file, String::new()));
                    Section::Old
                }
                "new" => {
                    case.new.push((file, String::new()));
                    Section::New
                }
                "expected" => {
                    case.head.push_str(line);
                    Section::Expected
                }
                other => panic!("{name}: unknown section `{other}`"),
            };
            if !matches!(section, Section::Expected) {
                case.head.push_str(line);
            }
            continue;
        }
        match section {
            Section::Header => {
                case.head.push_str(line);
                let l = line.trim();
                if let Some(v) = l.strip_prefix("verdict:") {
                    case.verdict = v.trim().to_string();
                } else if let Some(v) = l.strip_prefix("level:") {
                    case.level = match v.trim() {
                        "wire" => Level::Wire,
                        "source" => Level::Source,
                        other => panic!("{name}: unknown level `{other}`"),
                    };
                } else if let Some(v) = l.strip_prefix("mode:") {
                    assert_eq!(v.trim(), "consumer", "{name}: unknown mode");
                    case.consumer = true;
                } else {
                    assert!(
                        l.is_empty() || l.starts_with('#'),
                        "{name}: unknown header line `{l}`"
                    );
                }
            }
            Section::Old => {
                case.head.push_str(line);
                case.old.last_mut().expect("a file").1.push_str(line);
            }
            Section::New => {
                case.head.push_str(line);
                case.new.last_mut().expect("a file").1.push_str(line);
            }
            Section::Expected => case.expected.push_str(line),
        }
    }
    assert!(
        ["fine", "warning", "breaking"].contains(&case.verdict.as_str()),
        "{name}: the header needs `verdict: fine|warning|breaking`"
    );
    case
}

fn check_side(case: &str, side: &str, files: &[(String, String)]) -> Model {
    let sources = MemorySources::new(
        files
            .iter()
            .map(|(name, text)| (format!("{side}/{name}"), text.clone())),
    );
    let roots: Vec<PathBuf> = files
        .iter()
        .map(|(name, _)| PathBuf::from(format!("{side}/{name}")))
        .collect();
    let checked = brief::check_with(&sources, &roots).expect("in memory");
    assert!(
        !checked.diagnostics.has_errors(),
        "{case}: the {side} contract has errors:\n{}",
        brief::diagnostics::render(
            &checked.diagnostics,
            brief::diagnostics::Style::Text { color: false }
        )
    );
    checked.model
}

/// The findings in the compact form of `=== expected`.
fn compact(report: &Report) -> String {
    let mut out = String::new();
    let loc = |l: &Option<brief::model::Location>| {
        l.as_ref()
            .map_or_else(|| "-".to_string(), ToString::to_string)
    };
    for f in &report.findings {
        let breaks: Vec<String> = f.breaks.iter().map(ToString::to_string).collect();
        out.push_str(&format!(
            "{} {} {}\n  old {} new {} breaks {}\n  {}\n",
            f.severity.as_str(),
            f.rule.id(),
            f.path,
            loc(&f.old),
            loc(&f.new),
            breaks.join(", "),
            f.message
        ));
    }
    out
}

fn verdict(report: &Report) -> &'static str {
    if report.is_breaking() {
        "breaking"
    } else if report.warnings().next().is_some() {
        "warning"
    } else {
        "fine"
    }
}

fn case_files() -> Vec<PathBuf> {
    let dir = root().join("tests/compat");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/compat exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    files.sort();
    files
}

#[test]
fn change_cases() {
    let bless = std::env::var_os("BLESS").is_some();
    let files = case_files();
    assert!(files.len() >= 60, "only {} cases", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let case = parse_case(&name, &text);
        let old = check_side(&name, "old", &case.old);
        let new = check_side(&name, "new", &case.new);
        let report = if case.consumer {
            compat::consumer(&new, &old, "consumer")
        } else {
            compat::compare(&old, &new, case.level)
        };
        let got = compact(&report);
        if verdict(&report) != case.verdict {
            failures.push(format!(
                "{}: verdict {} but the case says {}\n{got}",
                case.name,
                verdict(&report),
                case.verdict
            ));
        }
        if got != case.expected {
            if bless {
                std::fs::write(path, format!("{}{got}", case.head)).unwrap();
            } else {
                failures.push(format!(
                    "{}: findings differ (BLESS=1 to accept)\n--- expected\n{}--- got\n{got}",
                    case.name, case.expected
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_case() {
    let mut all = String::new();
    for path in case_files() {
        all.push_str(&std::fs::read_to_string(path).unwrap());
    }
    for rule in compat::Rule::ALL {
        assert!(
            all.contains(&format!(" {} ", rule.id())),
            "no case reports {}",
            rule.id()
        );
    }
}

// ------------------------------------------------------------------------- corpus

fn corpus_files() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for dir in ["tests/corpus/valid", "examples"] {
        let dir = root().join(dir);
        if dir.is_dir() {
            paths.extend(check::collect_brief_files(&[dir]).unwrap());
        }
    }
    paths
}

/// The file system, with one file replaced.
struct Overlay {
    path: PathBuf,
    text: String,
}

impl Sources for Overlay {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        if check::normalize(path) == check::normalize(&self.path) {
            Ok(self.text.clone())
        } else {
            FsSources.read(path)
        }
    }
}

fn check_clean(sources: &dyn Sources, path: &Path) -> Option<Model> {
    let checked = brief::check_with(sources, &[path.to_path_buf()]).ok()?;
    (!checked.diagnostics.has_errors()).then_some(checked.model)
}

fn assert_nothing(report: &Report, what: &str) {
    assert!(
        report.findings.is_empty(),
        "{what}: expected no findings, got\n{}",
        report.render(compat::Format::Text)
    );
}

#[test]
fn corpus_is_compatible_with_itself_formatted_and_reordered() {
    let files = corpus_files();
    assert!(!files.is_empty(), "examples/ holds contracts");
    let mut compared = 0;
    for path in &files {
        let Some(model) = check_clean(&FsSources, path) else {
            continue;
        };
        let name = path.display().to_string();
        for level in [Level::Wire, Level::Source] {
            assert_nothing(&compat::compare(&model, &model, level), &name);
            assert_nothing(&compat::consumer(&model, &model, "self"), &name);
        }

        let source = std::fs::read_to_string(path).unwrap();
        let formatted = brief::fmt::format_source(&source).expect("a valid file formats");
        let overlay = Overlay {
            path: path.clone(),
            text: formatted,
        };
        let fmt_model = check_clean(&overlay, path)
            .unwrap_or_else(|| panic!("{name}: the formatted file has errors"));
        assert_nothing(
            &compat::compare(&model, &fmt_model, Level::Source),
            &format!("{name} vs fmt"),
        );

        let root_file = model.root_files().next().unwrap();
        let overlay = Overlay {
            path: path.clone(),
            text: reordered(&model, root_file),
        };
        let reordered_model = check_clean(&overlay, path)
            .unwrap_or_else(|| panic!("{name}: the reordered file has errors:\n{}", overlay.text));
        assert_nothing(
            &compat::compare(&model, &reordered_model, Level::Source),
            &format!("{name} vs reordered"),
        );
        assert_nothing(
            &compat::compare(&reordered_model, &model, Level::Source),
            &format!("reordered {name} vs itself"),
        );
        compared += 1;
    }
    assert!(compared > 0);

    // The whole corpus as one set of roots, too.
    let checked = check::check_paths(&files).unwrap();
    if !checked.diagnostics.has_errors() {
        assert_nothing(
            &compat::compare(&checked.model, &checked.model, Level::Source),
            "the whole corpus",
        );
    }
}

/// The file written back from the model with every declaration, field and enum value in
/// reverse order (docs left out: they change nothing either).
fn reordered(model: &Model, file: &File) -> String {
    use std::fmt::Write as _;
    let fields = |fields: &[brief::model::Field]| {
        let mut s = String::new();
        for f in fields.iter().rev() {
            let _ = writeln!(
                s,
                "    {} {}{}{}",
                f.name,
                f.ty.display(model),
                if f.optional { "?" } else { "" },
                if f.deprecated { " deprecated" } else { "" }
            );
        }
        s
    };
    let mut out = String::new();
    for import in file.imports.iter().rev() {
        let _ = writeln!(out, "import \"{}\"", import.path);
    }
    for rpc in file.rpcs.iter().rev() {
        let m = &rpc.modifiers;
        let mut mods = String::new();
        if m.deprecated {
            mods.push_str(" deprecated");
        }
        if !m.throws.is_empty() {
            let names: Vec<&str> = m
                .throws
                .iter()
                .rev()
                .map(|&e| model.error(e).name.as_str())
                .collect();
            let _ = write!(mods, " throws({})", names.join(", "));
        }
        if let Some(t) = m.timeout {
            let _ = write!(mods, " timeout({}ms)", t.as_millis());
        }
        if m.readonly {
            mods.push_str(" readonly");
        }
        if m.idempotent {
            mods.push_str(" idempotent");
        }
        let _ = writeln!(
            out,
            "rpc {} ({}) {}{mods}",
            rpc.name,
            model.message(rpc.input).name,
            model.message(rpc.output).name
        );
    }
    for schema in file.schemas.iter().rev() {
        let _ = writeln!(
            out,
            "schema \"{}\" {}",
            schema.topic,
            model.message(schema.message).name
        );
    }
    for &id in file.messages.iter().rev() {
        let m = model.message(id);
        let _ = writeln!(out, "message {} {{\n{}}}", m.name, fields(&m.fields));
    }
    for &id in file.enums.iter().rev() {
        let e = model.enum_(id);
        let values: Vec<&str> = e.values.iter().rev().map(|v| v.name.as_str()).collect();
        let _ = writeln!(out, "enum {} {{\n    {}\n}}", e.name, values.join("\n    "));
    }
    for &id in file.errors.iter().rev() {
        let e = model.error(id);
        let _ = writeln!(
            out,
            "error {}({}) {{\n{}}}",
            e.name,
            e.code,
            fields(&e.fields)
        );
    }
    if let Some(service) = &file.service {
        let _ = writeln!(out, "service \"{}\"", service.name);
    }
    out
}

// ------------------------------------------------------------------------- CLI and git

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "brief-compat-{tag}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn brief(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_brief"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const SUMMER: &str = r#"service "summer" `Adds numbers`

rpc sum (SumIn) SumOut idempotent timeout(300ms) `A sum method`

message SumIn {
    a int `A first number`
    b int `A second number`
}

message SumOut {
    sum  int     `A sum of the numbers`
    info string? `Additional info`
}
"#;

fn summer_with_c() -> String {
    SUMMER.replace(
        "    b int `A second number`\n",
        "    b int `A second number`\n    c int\n",
    )
}

#[test]
fn cli_exit_codes_and_formats() {
    let dir = temp_dir("cli");
    write(&dir.join("old/summer.brief"), SUMMER);
    write(&dir.join("same/summer.brief"), SUMMER);
    write(&dir.join("new/summer.brief"), &summer_with_c());
    write(
        &dir.join("warn/summer.brief"),
        &SUMMER.replace(" idempotent", ""),
    );
    write(
        &dir.join("broken/summer.brief"),
        &SUMMER.replace("SumOut idempotent", "Missing idempotent"),
    );

    let same = brief(&dir, &["compat", "old", "same"]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(same.stdout.contains("no breaking changes"));

    let warn = brief(&dir, &["compat", "old", "warn"]);
    assert_eq!(warn.code, 0, "{}", warn.stdout);
    assert!(warn.stdout.contains("warning[RPC_IDEMPOTENT_REMOVED]"));

    let text = brief(&dir, &["compat", "old/summer.brief", "new/summer.brief"]);
    assert_eq!(text.code, 1, "{}", text.stdout);
    assert!(text.stdout.contains("error[FIELD_REQUIRED_ADDED_ON_INPUT]"));
    assert!(text.stdout.contains("path:   rpc sum → SumIn.c"));
    assert!(text.stdout.contains("new:    new/summer.brief:8:5"));
    assert!(text.stdout.contains("breaks: old clients"));

    let json = brief(&dir, &["compat", "--format", "json", "old", "new"]);
    assert_eq!(json.code, 1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON document");
    assert_eq!(v["breaking"], 1);
    assert_eq!(v["level"], "wire");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "FIELD_REQUIRED_ADDED_ON_INPUT");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["path"], "rpc sum → SumIn.c");
    assert_eq!(f["new"]["file"], "new/summer.brief");
    assert_eq!(f["new"]["line"], 8);
    assert_eq!(f["new"]["column"], 5);
    assert_eq!(f["old"]["line"], 5);
    assert_eq!(f["breaks"][0], "old clients");

    let gh = brief(&dir, &["compat", "--format", "github", "old", "new"]);
    assert_eq!(gh.code, 1);
    assert!(
        gh.stdout.starts_with(
            "::error file=new/summer.brief,line=8,col=5,title=FIELD_REQUIRED_ADDED_ON_INPUT::required field `c`"
        ),
        "{}",
        gh.stdout
    );

    // Source level: a renamed message is fine on the wire, not for generated code.
    write(
        &dir.join("renamed/summer.brief"),
        &SUMMER.replace("SumIn", "AddIn"),
    );
    assert_eq!(brief(&dir, &["compat", "old", "renamed"]).code, 0);
    let source = brief(&dir, &["compat", "--level", "source", "old", "renamed"]);
    assert_eq!(source.code, 1);
    assert!(source.stdout.contains("error[MESSAGE_RENAMED]"));

    // Usage, read and check errors: 2.
    assert_eq!(brief(&dir, &["compat", "old"]).code, 2);
    assert_eq!(brief(&dir, &["compat", "old", "new", "same"]).code, 2);
    assert_eq!(brief(&dir, &["compat", "old", "nowhere"]).code, 2);
    assert_eq!(
        brief(&dir, &["compat", "--level", "loose", "old", "new"]).code,
        2
    );
    let broken = brief(&dir, &["compat", "old", "broken"]);
    assert_eq!(broken.code, 2);
    assert!(broken.stderr.contains("brief::"), "{}", broken.stderr);
    assert!(broken.stderr.contains("Missing"), "{}", broken.stderr);
    let broken_json = brief(&dir, &["compat", "--format", "json", "old", "broken"]);
    assert_eq!(broken_json.code, 2);
    assert!(broken_json.stdout.contains("\"severity\":\"error\""));

    let help = brief(&dir, &["compat", "--help"]);
    assert_eq!(help.code, 0);
    for word in [
        "--against",
        "--consumer",
        "--level",
        "--format",
        "Exit codes",
    ] {
        assert!(help.stdout.contains(word), "--help lacks {word}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_consumer_check() {
    let dir = temp_dir("consumer");
    write(&dir.join("summer/rpc/summer.brief"), &summer_with_c());
    // Up to date: sends c.
    write(&dir.join("web/rpc/summer.brief"), &summer_with_c());
    // An old copy: does not send c, which the provider requires.
    write(&dir.join("billing/rpc/summer.brief"), SUMMER);
    write(&dir.join("billing/rpc/other.brief"), "service \"other\"\n");

    let ok = brief(&dir, &["compat", "--consumer", "summer", "web"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);

    let bad = brief(
        &dir,
        &["compat", "--consumer", "summer/rpc", "web", "billing/rpc"],
    );
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    assert!(bad.stdout.contains("error[FIELD_REQUIRED_ADDED_ON_INPUT]"));
    assert!(
        bad.stdout.contains("breaks: consumer billing"),
        "{}",
        bad.stdout
    );
    assert!(!bad.stdout.contains("consumer web"));

    write(&dir.join("nobody/rpc/other.brief"), "service \"other\"\n");
    let none = brief(&dir, &["compat", "--consumer", "summer", "nobody"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert_eq!(brief(&dir, &["compat", "--consumer", "summer"]).code, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=brief",
            "-c",
            "user.email=brief@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn against_a_git_revision() {
    let dir = temp_dir("git");
    git(&dir, &["init", "-q"]);
    write(&dir.join("brief.toml"), "[rust]\nout = \"src/rpc\"\n");
    write(&dir.join("rpc/summer.brief"), SUMMER);
    write(
        &dir.join("rpc/events.brief"),
        "import \"common.brief\"\nschema \"service.create\" ServiceCreate\n",
    );
    write(
        &dir.join("rpc/common.brief"),
        "message ServiceCreate {\n    serviceId int\n    userId int\n}\n",
    );
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "v1"]);
    git(&dir, &["tag", "v1"]);

    let clean = brief(&dir, &["compat", "--against", "HEAD"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);

    // Change the working tree: a required input field, and an event field removed in
    // the imported file; move the sum rpc's messages to another file.
    write(&dir.join("rpc/summer.brief"), &summer_with_c());
    write(
        &dir.join("rpc/common.brief"),
        "message ServiceCreate {\n    serviceId int\n}\n",
    );
    let run = brief(&dir, &["compat", "--against", "HEAD"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("error[FIELD_REQUIRED_ADDED_ON_INPUT]"));
    assert!(
        run.stdout
            .contains("old:    rpc/summer.brief:5:1 (at HEAD)"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("error[FIELD_REQUIRED_REMOVED_ON_OUTPUT]"));
    assert!(run
        .stdout
        .contains("schema \"service.create\" → ServiceCreate.userId"));
    assert!(run.stdout.contains("breaks: old consumers"));

    // An explicit path, a tag, and from a subfolder.
    let tag = brief(&dir, &["compat", "--against", "v1", "rpc"]);
    assert_eq!(tag.code, 1, "{}", tag.stderr);
    let sub = brief(&dir.join("rpc"), &["compat", "--against", "HEAD", "."]);
    assert_eq!(sub.code, 1, "{}", sub.stderr);
    let file = brief(&dir, &["compat", "--against", "HEAD", "rpc/summer.brief"]);
    assert_eq!(file.code, 1, "{}", file.stderr);
    assert!(!file.stdout.contains("ServiceCreate"));

    // Committed: nothing changed against HEAD, still breaking against the tag.
    git(&dir, &["commit", "-q", "-am", "v2"]);
    assert_eq!(brief(&dir, &["compat", "--against", "HEAD"]).code, 0);
    assert_eq!(brief(&dir, &["compat", "--against", "HEAD~1"]).code, 1);
    let json = brief(&dir, &["compat", "--against", "v1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["old_ref"], "v1");

    // An unknown revision, a path outside any repository: 2.
    let bad = brief(&dir, &["compat", "--against", "no-such-ref"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-ref"), "{}", bad.stderr);
    let outside = temp_dir("nogit");
    write(&outside.join("a.brief"), SUMMER);
    assert_eq!(
        brief(&outside, &["compat", "--against", "HEAD", "a.brief"]).code,
        2
    );

    // A broken old revision: its diagnostics, exit 2.
    write(
        &dir.join("rpc/summer.brief"),
        "service \"summer\"\nrpc f (A) B\n",
    );
    git(&dir, &["commit", "-q", "-am", "broken"]);
    write(&dir.join("rpc/summer.brief"), SUMMER);
    let broken = brief(&dir, &["compat", "--against", "HEAD", "rpc/summer.brief"]);
    assert_eq!(broken.code, 2, "{}", broken.stdout);
    assert!(broken.stderr.contains("brief::"), "{}", broken.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&outside);
}

#[test]
fn rules_have_unique_ids_and_severities() {
    let mut ids: Vec<&str> = compat::Rule::ALL.iter().map(|r| r.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), compat::Rule::ALL.len());
    assert!(compat::Rule::ALL
        .iter()
        .any(|r| r.severity() == Severity::Warning));
}

#[test]
fn against_outside_a_repository_or_before_the_first_commit_says_so() {
    // Outside any repository (git must not look above the temporary folder).
    let dir = temp_dir("no-repo");
    write(&dir.join("rpc/summer.brief"), SUMMER);
    let ceiling = dir.parent().unwrap().to_string_lossy().into_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_brief"))
        .current_dir(&dir)
        .env("GIT_CEILING_DIRECTORIES", &ceiling)
        .args(["compat", "--against", "main", "rpc"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not inside a git repository")
            && stderr.contains("brief compat OLD NEW"),
        "{stderr}"
    );

    // A repository without commits.
    git(&dir, &["init", "-q"]);
    let run = brief(&dir, &["compat", "--against", "main", "rpc"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("has no commits yet") && run.stderr.contains("`main`"),
        "{}",
        run.stderr
    );

    // Once something is committed, an unknown revision is just that.
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "v1"]);
    let run = brief(&dir, &["compat", "--against", "no-such-branch", "rpc"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown git revision `no-such-branch`"),
        "{}",
        run.stderr
    );
}
