//! Showing diagnostics: rustc-like text through miette, or one JSON object per line.

use std::fmt::Write as _;

use miette::{Diagnostic as _, GraphicalReportHandler, GraphicalTheme, NamedSource};
use serde::Serialize;

use crate::check::{Diagnostic, Diagnostics};
use crate::model::{line_column, line_starts};

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// miette's graphical report, with colors when `color` is set.
    Text { color: bool },
    /// One JSON object per diagnostic, per line.
    Json,
}

/// Renders every diagnostic, in order, followed by a summary line for text.
pub fn render(diagnostics: &Diagnostics, style: Style) -> String {
    let mut out = String::new();
    match style {
        Style::Text { color } => {
            for d in diagnostics.iter() {
                out.push_str(&render_text(d, color));
            }
            let errors = diagnostics.errors().count();
            let warnings = diagnostics.len() - errors;
            if errors + warnings > 0 {
                let _ = writeln!(
                    out,
                    "{}, {}",
                    plural(errors, "error"),
                    plural(warnings, "warning")
                );
            }
        }
        Style::Json => {
            for d in diagnostics.iter() {
                out.push_str(&serde_json::to_string(&to_json(d)).expect("plain data serializes"));
                out.push('\n');
            }
        }
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One diagnostic in miette's graphical style, 100 columns wide.
pub fn render_text(d: &Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    // A snippet of a line thousands of columns wide helps nobody (and miette cannot lay
    // out labels past column 65,535): say where instead of showing it.
    let (start, end) = d.offset_range();
    let source = if touches_wide_line(&d.source, start, end) {
        None
    } else {
        Some(NamedSource::new(&d.path, d.source.clone()).with_language("brief"))
    };
    let with_source = WithSource { d, source };
    let mut out = String::new();
    handler
        .render_report(&mut out, &with_source)
        .expect("writing to a String cannot fail");
    out
}

/// Lines wider than this are not shown in snippets.
const MAX_SNIPPET_LINE: usize = 2_000;

fn touches_wide_line(source: &str, start: usize, end: usize) -> bool {
    let from = source[..start.min(source.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let to = source[end.min(source.len())..]
        .find('\n')
        .map_or(source.len(), |i| end + i);
    source.get(from..to).is_some_and(|lines| {
        lines
            .split('\n')
            .any(|l| l.chars().count() > MAX_SNIPPET_LINE)
    })
}

/// The fields `--format json` prints.
#[derive(Debug, Serialize, PartialEq)]
pub struct JsonDiagnostic {
    pub severity: &'static str,
    pub code: String,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub help: Option<String>,
}

pub fn to_json(d: &Diagnostic) -> JsonDiagnostic {
    let starts = line_starts(&d.source);
    let (start, end) = d.offset_range();
    let (line, column) = line_column(&d.source, &starts, start);
    let (end_line, end_column) = line_column(&d.source, &starts, end);
    JsonDiagnostic {
        severity: if d.is_error() { "error" } else { "warning" },
        code: d.code(),
        message: d.error.to_string(),
        file: d.path.clone(),
        line,
        column,
        end_line,
        end_column,
        help: d.error.help().map(|h| h.to_string()),
    }
}

/// A diagnostic together with the file it points into, as miette wants it.
struct WithSource<'a> {
    d: &'a Diagnostic,
    /// `None` when the snippet is left out; the message then carries the position.
    source: Option<NamedSource<std::sync::Arc<str>>>,
}

impl std::fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.d.error.fmt(f)
    }
}

impl std::fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.d.error, f)?;
        if self.source.is_none() {
            let j = to_json(self.d);
            write!(
                f,
                "\n  at {}:{}:{} (line too long to show)",
                j.file, j.line, j.column
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for WithSource<'_> {}

impl miette::Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.d.error.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.d.error.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.d.error.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.source.as_ref()?;
        self.d.error.labels()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_very_long_line_is_located_not_shown() {
        let source = format!("{}x", " ".repeat(70_000));
        let checked = crate::check_source("wide.brief", &source);
        let text = render(&checked.diagnostics, Style::Text { color: false });
        assert!(text.contains("brief::syntax"), "{text}");
        assert!(
            text.contains("at wide.brief:1:70001 (line too long to show)"),
            "{text}"
        );
    }
}
