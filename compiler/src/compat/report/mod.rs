//! Printing a [`Report`]: text for people, JSON for tools, annotations for GitHub Actions;
//! and, in [`wording`], what each finding says.

pub(crate) mod wording;

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{Finding, Report, Severity};
use crate::model::Location;

/// How `brief compat` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One block per finding and a summary line.
    #[default]
    Text,
    /// One JSON document: `{"level", "breaking", "warnings", "old_ref", "findings": [...]}`.
    Json,
    /// GitHub Actions workflow commands: `::error file=...,line=...,col=...::message`, on
    /// the new file's lines, then the summary line.
    Github,
}

pub(super) fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text(report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(report)).expect("plain data");
            s.push('\n');
            s
        }
        Format::Github => github(report),
    }
}

fn summary(report: &Report) -> String {
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    let level = report.level.as_str();
    match (errors, warnings) {
        (0, 0) => format!("no breaking changes (level: {level})"),
        (0, w) => format!(
            "no breaking changes, {} (level: {level})",
            plural(w, "warning")
        ),
        (e, w) => format!(
            "{}, {} (level: {level})",
            plural(e, "breaking change"),
            plural(w, "warning")
        ),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn breaks(f: &Finding) -> String {
    f.breaks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            f.severity.as_str(),
            f.rule.id(),
            f.message
        );
        let _ = writeln!(out, "  path:   {}", f.path);
        if let Some(old) = &f.old {
            match &report.old_label {
                Some(label) => {
                    let _ = writeln!(out, "  old:    {old} (at {label})");
                }
                None => {
                    let _ = writeln!(out, "  old:    {old}");
                }
            }
        }
        if let Some(new) = &f.new {
            let _ = writeln!(out, "  new:    {new}");
        }
        let _ = writeln!(out, "  breaks: {}", breaks(f));
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

fn location_json(l: &Option<Location>) -> Value {
    match l {
        Some(l) => json!({ "file": l.path, "line": l.line, "column": l.column }),
        None => Value::Null,
    }
}

fn to_json(report: &Report) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule.id(),
                "severity": f.severity.as_str(),
                "level": f.rule.level().as_str(),
                "message": f.message,
                "path": f.path,
                "old": location_json(&f.old),
                "new": location_json(&f.new),
                "breaks": f.breaks.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "level": report.level.as_str(),
        "breaking": report.errors().count(),
        "warnings": report.warnings().count(),
        "old_ref": report.old_label,
        "findings": findings,
    })
}

/// Escapes the message of a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property (`file=...`) of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(new) = &f.new {
            props.push(format!("file={}", escape_property(&new.path)));
            props.push(format!("line={}", new.line));
            props.push(format!("col={}", new.column));
        }
        props.push(format!("title={}", escape_property(f.rule.id())));
        let mut message = format!("{} (path: {}; breaks: {}", f.message, f.path, breaks(f));
        if let Some(old) = &f.old {
            let _ = write!(message, "; old: {old}");
            if let Some(label) = &report.old_label {
                let _ = write!(message, " at {label}");
            }
        }
        message.push(')');
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        );
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}
