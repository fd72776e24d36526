//! The contract corpus in `tests/corpus` (see its README):
//!
//! - every `valid/*.brief` checks without any diagnostic and dumps as its `.model`;
//! - every `warn/*.brief` checks without errors, with warnings, printed as its `.stderr`;
//! - every `invalid/*.brief` has errors, printed as its `.stderr`;
//! - every reachable diagnostic code of `check/errors.rs` appears in some case;
//! - for every corpus file that parses, `fmt` is idempotent and keeps the model, the
//!   diagnostic codes and the comments.
//!
//! Paths are relative to `tests/corpus`, so a `.stderr` is exactly what
//! `cd tests/corpus && brief check invalid/NAME.brief` prints.
//!
//! `BLESS=1 cargo test -p brief --test corpus` rewrites the expected files.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use brief::check::Sources;
use brief::diagnostics::{render, Style};
use brief::dump::dump_model;
use brief::Checked;

/// Every diagnostic code of `compiler/src/check/errors.rs`. A new code must be added here
/// and get a case in the corpus.
const ALL_CODES: &[&str] = &[
    "brief::duplicate_declaration",
    "brief::duplicate_enum_value",
    "brief::duplicate_field",
    "brief::duplicate_modifier",
    "brief::empty_enum",
    "brief::error_as_type",
    "brief::import_conflict",
    "brief::import_cycle",
    "brief::import_not_found",
    "brief::import_outside_roots",
    "brief::infinite_type",
    "brief::invalid_duration",
    "brief::map_key",
    "brief::modifier_arguments",
    "brief::multiple_services",
    "brief::name_collision",
    "brief::name_case",
    "brief::not_a_message",
    "brief::not_an_error",
    "brief::redundant_modifier",
    "brief::reserved_name",
    "brief::rpc_without_service",
    "brief::service_name",
    "brief::syntax",
    "brief::topic_format",
    "brief::type_too_deep",
    "brief::unknown_error_code",
    "brief::unknown_modifier",
    "brief::unknown_type",
    "brief::unused_import",
];

/// Codes no input can produce. Empty: every code has a case.
const UNREACHABLE_CODES: &[&str] = &[];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

fn bless() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Files under the corpus folder, addressed by paths relative to it; `overrides` replace
/// the text of some files (the formatted version of one file).
struct CorpusSources {
    root: PathBuf,
    overrides: HashMap<PathBuf, String>,
}

impl CorpusSources {
    fn new() -> Self {
        CorpusSources {
            root: corpus(),
            overrides: HashMap::new(),
        }
    }
}

impl Sources for CorpusSources {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let path = brief::check::normalize(path);
        if let Some(text) = self.overrides.get(&path) {
            return Ok(text.clone());
        }
        std::fs::read_to_string(self.root.join(path))
    }
}

fn check(sources: &CorpusSources, rel: &str) -> Checked {
    brief::check_with(sources, &[PathBuf::from(rel)]).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The cases of one folder: its `*.brief` files, not those in subfolders, by name.
fn cases(folder: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus().join(folder))
        .unwrap_or_else(|e| panic!("{folder}: {e}"))
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".brief"))
        .map(|n| format!("{folder}/{n}"))
        .collect();
    names.sort();
    names
}

/// Every `.brief` file below the corpus folder, cases and helpers, relative to it.
fn all_brief_files() -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &rel, out);
            } else if name.ends_with(".brief") {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(&corpus(), "", &mut out);
    out.sort();
    out
}

/// Compares `actual` with the expected file (or rewrites it under BLESS); returns a
/// failure description.
fn expect_file(expected_rel: &str, actual: &str) -> Option<String> {
    let path = corpus().join(expected_rel);
    if bless() {
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    (expected != actual).then(|| {
        format!("{expected_rel} differs (BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}")
    })
}

fn with_extension(case: &str, ext: &str) -> String {
    format!("{}.{ext}", case.strip_suffix(".brief").unwrap())
}

fn text(checked: &Checked) -> String {
    render(&checked.diagnostics, Style::Text { color: false })
}

fn codes(checked: &Checked) -> Vec<String> {
    let mut codes: Vec<String> = checked.diagnostics.iter().map(|d| d.code()).collect();
    codes.sort();
    codes
}

fn finish(failures: Vec<String>) {
    if !failures.is_empty() {
        panic!(
            "{} failure(s):\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

#[test]
fn valid_cases_check_clean_and_dump_as_pinned() {
    let sources = CorpusSources::new();
    let cases = cases("valid");
    assert!(cases.len() >= 35, "only {} valid cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let checked = check(&sources, case);
        if !checked.diagnostics.is_empty() {
            failures.push(format!("{case} is not clean:\n{}", text(&checked)));
            continue;
        }
        // Locations must be computable for every item.
        assert!(
            dump_model(&checked.model, true).contains('@') || checked.model.messages.is_empty()
        );
        let dump = dump_model(&checked.model, false);
        failures.extend(expect_file(&with_extension(case, "model"), &dump));
    }
    finish(failures);
}

#[test]
fn warn_cases_have_only_warnings_as_pinned() {
    let sources = CorpusSources::new();
    let cases = cases("warn");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let checked = check(&sources, case);
        let out = text(&checked);
        if checked.diagnostics.has_errors() || checked.diagnostics.is_empty() {
            failures.push(format!("{case} must have warnings and no errors:\n{out}"));
        }
        failures.extend(expect_file(&with_extension(case, "stderr"), &out));
    }
    finish(failures);
}

#[test]
fn invalid_cases_report_errors_as_pinned() {
    let sources = CorpusSources::new();
    let cases = cases("invalid");
    assert!(cases.len() >= 35, "only {} invalid cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let checked = check(&sources, case);
        let out = text(&checked);
        if !checked.diagnostics.has_errors() {
            failures.push(format!("{case} has no error:\n{out}"));
        }
        failures.extend(expect_file(&with_extension(case, "stderr"), &out));
    }
    finish(failures);
}

#[test]
fn every_expected_file_has_its_case() {
    let mut orphans = Vec::new();
    for folder in ["valid", "warn", "invalid"] {
        for entry in std::fs::read_dir(corpus().join(folder)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let Some(stem) = name
                .strip_suffix(".model")
                .or_else(|| name.strip_suffix(".stderr"))
            else {
                continue;
            };
            let wrong_kind = (folder == "valid") != name.ends_with(".model");
            if wrong_kind || !corpus().join(folder).join(format!("{stem}.brief")).exists() {
                orphans.push(format!("{folder}/{name}"));
            }
        }
    }
    assert!(
        orphans.is_empty(),
        "expected files without a case: {orphans:?}"
    );
}

#[test]
fn every_diagnostic_code_has_a_case() {
    // The list above is the list in errors.rs: a new code fails here until it is added.
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check/errors.rs"))
            .unwrap();
    let declared: BTreeSet<String> = source
        .match_indices("code(brief::")
        .map(|(i, m)| {
            let rest = &source[i + m.len()..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            format!("brief::{}", &rest[..end.unwrap()])
        })
        .collect();
    let listed: BTreeSet<String> = ALL_CODES.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        declared, listed,
        "ALL_CODES must list the codes of errors.rs"
    );

    let sources = CorpusSources::new();
    let mut seen = BTreeSet::new();
    for case in cases("invalid").into_iter().chain(cases("warn")) {
        seen.extend(codes(&check(&sources, &case)));
    }
    let missing: Vec<&&str> = ALL_CODES
        .iter()
        .filter(|c| !seen.contains(**c) && !UNREACHABLE_CODES.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a corpus case: {missing:?}"
    );
}

#[test]
fn layout_cases_keep_their_bytes() {
    // Guards against editors or git normalizing the files these cases are about.
    let read = |rel: &str| std::fs::read(corpus().join(rel)).unwrap();
    let crlf = read("valid/crlf.brief");
    assert!(crlf.windows(2).filter(|w| w == b"\r\n").count() > 5);
    assert!(read("valid/tabs.brief").contains(&b'\t'));
    assert!(read("valid/bom.brief").starts_with("\u{feff}".as_bytes()));
    assert!(read("valid/empty.brief").is_empty());
}

#[test]
fn fmt_is_idempotent_and_keeps_model_codes_and_comments() {
    let mut failures = Vec::new();
    let mut formatted_count = 0;
    for rel in all_brief_files() {
        let source = std::fs::read_to_string(corpus().join(&rel)).unwrap();
        let sources = CorpusSources::new();
        let original = check(&sources, &rel);
        let formatted = match brief::fmt::format_source(&source) {
            Ok(f) => f,
            Err(_) => {
                // Whatever fmt cannot parse, check reports as a syntax error.
                if !original
                    .diagnostics
                    .iter()
                    .any(|d| d.code() == "brief::syntax" && d.path == rel)
                {
                    failures.push(format!(
                        "{rel}: fmt fails but check reports no syntax error"
                    ));
                }
                continue;
            }
        };
        formatted_count += 1;
        match brief::fmt::format_source(&formatted) {
            Ok(again) if again == formatted => {}
            Ok(again) => failures.push(format!(
                "{rel}: fmt is not idempotent\n--- once\n{formatted}\n--- twice\n{again}"
            )),
            Err(e) => failures.push(format!(
                "{rel}: formatted text does not parse: {}\n{formatted}",
                e.message
            )),
        }
        let comments = |s: &str| -> Vec<String> {
            brief::syntax::scan_comments(s)
                .into_iter()
                .map(|c| c.text)
                .collect()
        };
        if comments(&source) != comments(&formatted) {
            failures.push(format!(
                "{rel}: fmt changed the comments\n{:?}\n{:?}",
                comments(&source),
                comments(&formatted)
            ));
        }
        let mut overridden = CorpusSources::new();
        overridden
            .overrides
            .insert(brief::check::normalize(Path::new(&rel)), formatted.clone());
        let after = check(&overridden, &rel);
        let (dump_before, dump_after) = (
            dump_model(&original.model, false),
            dump_model(&after.model, false),
        );
        if dump_before != dump_after {
            failures.push(format!(
                "{rel}: fmt changed the model\n--- before\n{dump_before}\n--- after\n{dump_after}\n--- formatted\n{formatted}"
            ));
        }
        if codes(&original) != codes(&after) {
            failures.push(format!(
                "{rel}: fmt changed the diagnostics\n--- before\n{}\n--- after\n{}",
                text(&original),
                text(&after)
            ));
        }
    }
    assert!(
        formatted_count >= 60,
        "only {formatted_count} files formatted"
    );
    finish(failures);
}
