//! Showing diagnostics: rustc-like text through miette, or one JSON object per line.
//!
//! Every position is computed from the file's [`LineIndex`], built once per file, so
//! showing a diagnostic costs the lines it shows, not the size of the file.

use std::fmt::Write as _;
use std::sync::Arc;

use miette::{
    Diagnostic as _, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::check::{Diagnostic, Diagnostics, Label, Omitted, Related};
use crate::model::LineIndex;

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// miette's graphical report, with colors when `color` is set.
    Text { color: bool },
    /// One JSON object per diagnostic, per line.
    Json,
}

/// The code of the line that stands for the diagnostics of a file beyond the limit.
pub const OMITTED_CODE: &str = "brief::too_many_diagnostics";

/// Renders every diagnostic, in order (a file's omitted count after its last one),
/// followed by a summary line for text.
pub fn render(diagnostics: &Diagnostics, style: Style) -> String {
    let mut out = String::new();
    let mut omitted: std::collections::BTreeMap<&str, &Omitted> = diagnostics
        .omitted()
        .iter()
        .map(|o| (o.path.as_str(), o))
        .collect();
    let items: Vec<&Diagnostic> = diagnostics.iter().collect();
    for (i, d) in items.iter().enumerate() {
        match style {
            Style::Text { color } => out.push_str(&render_text(d, color)),
            Style::Json => push_json(&mut out, &to_json(d)),
        }
        if items.get(i + 1).is_none_or(|next| next.path != d.path) {
            if let Some(o) = omitted.remove(d.path.as_str()) {
                push_omitted(&mut out, o, style);
            }
        }
    }
    // Files whose every diagnostic was left out.
    for o in omitted.into_values() {
        push_omitted(&mut out, o, style);
    }
    if let Style::Text { .. } = style {
        let (errors, warnings) = diagnostics.counts();
        if errors + warnings > 0 {
            let _ = writeln!(
                out,
                "{}, {}",
                plural(errors, "error"),
                plural(warnings, "warning")
            );
        }
    }
    out
}

fn push_omitted(out: &mut String, o: &Omitted, style: Style) {
    match style {
        Style::Text { .. } => out.push_str(&omitted_text(o)),
        Style::Json => push_json(out, &omitted_json(o)),
    }
}

fn push_json(out: &mut String, value: &JsonDiagnostic) {
    out.push_str(&serde_json::to_string(value).expect("plain data serializes"));
    out.push('\n');
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn omitted_summary(o: &Omitted) -> String {
    let more = |n: usize, word: &str| plural(n, &format!("more {word}"));
    let what = match (o.errors, o.warnings) {
        (e, 0) => more(e, "error"),
        (0, w) => more(w, "warning"),
        (e, w) => format!("{} and {}", more(e, "error"), more(w, "warning")),
    };
    format!(
        "{what} in {} not shown (at most {} errors and {} warnings are shown per file)",
        o.path, o.limit, o.limit
    )
}

fn omitted_text(o: &Omitted) -> String {
    format!("… and {}\n\n", omitted_summary(o))
}

fn omitted_json(o: &Omitted) -> JsonDiagnostic {
    JsonDiagnostic {
        severity: if o.errors > 0 { "error" } else { "warning" },
        code: OMITTED_CODE.to_string(),
        message: omitted_summary(o),
        file: o.path.clone(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
        help: Some("fix the problems shown and check again".into()),
        spans: Vec::new(),
    }
}

/// One diagnostic in miette's graphical style, 100 columns wide.
///
/// The header names the primary label's position, as the JSON does. A secondary label
/// that comes before the primary one, too far away to share its snippet, is shown after
/// the diagnostic as a note with its own snippet, as are places in other files.
pub fn render_text(d: &Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let source = IndexedSource::new(&d.path, d.source.clone(), d.lines.clone());
    let labels = d.labels();
    let primary = labels.iter().find(|l| l.primary).cloned();
    let wide = |l: &Label| touches_wide_line(&d.source, &d.lines, l.start, l.end);
    // A snippet of a line thousands of columns wide helps nobody (and miette cannot lay
    // out labels past column 65,535): say where instead of showing it.
    let shown = primary.as_ref().is_some_and(|p| !wide(p));
    let mut kept = Vec::new();
    let mut notes = Vec::new();
    if shown {
        let primary = primary.clone().expect("shown implies a primary label");
        for label in labels.into_iter().filter(|l| !wide(l)) {
            if label.primary
                || label.start >= primary.start
                || source.same_snippet(&label, &primary)
            {
                kept.push(label);
            } else {
                notes.push(Note::new(
                    label.text.clone().unwrap_or_default(),
                    source.clone(),
                    label.start,
                    label.end,
                ));
            }
        }
    }
    for r in &d.related {
        if !touches_wide_line(&r.source, &r.lines, r.start, r.end) {
            let source = IndexedSource::new(&r.path, r.source.clone(), r.lines.clone());
            notes.push(Note::new(r.label.clone(), source, r.start, r.end));
        }
    }
    let report = Report {
        d,
        source: shown.then_some(source),
        labels: kept,
        notes,
    };
    let mut out = String::new();
    handler
        .render_report(&mut out, &report)
        .expect("writing to a String cannot fail");
    out
}

/// Lines wider than this are not shown in snippets.
const MAX_SNIPPET_LINE: usize = 2_000;

fn touches_wide_line(source: &str, lines: &LineIndex, start: usize, end: usize) -> bool {
    (lines.line_of(start)..=lines.line_of(end)).any(|line| {
        lines.line_range(line).is_some_and(|range| {
            range.len() > MAX_SNIPPET_LINE
                && source[range].chars().take(MAX_SNIPPET_LINE + 1).count() > MAX_SNIPPET_LINE
        })
    })
}

/// The fields `--format json` prints: the primary position at the top level, as before,
/// and every label and related place in `spans`, as rustc's JSON has them.
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
    pub spans: Vec<JsonSpan>,
}

/// One labelled place. Lines and columns are 1-based, columns count characters; byte
/// offsets are 0-based, end exclusive.
#[derive(Debug, Serialize, PartialEq)]
pub struct JsonSpan {
    pub file: String,
    pub byte_start: usize,
    pub byte_end: usize,
    pub line_start: u32,
    pub column_start: u32,
    pub line_end: u32,
    pub column_end: u32,
    pub label: Option<String>,
    pub is_primary: bool,
}

fn json_span(
    file: &str,
    source: &str,
    lines: &LineIndex,
    (start, end): (usize, usize),
    label: Option<String>,
    is_primary: bool,
) -> JsonSpan {
    let (line_start, column_start) = lines.line_column(source, start);
    let (line_end, column_end) = lines.line_column(source, end);
    JsonSpan {
        file: file.to_string(),
        byte_start: start,
        byte_end: end,
        line_start,
        column_start,
        line_end,
        column_end,
        label,
        is_primary,
    }
}

pub fn to_json(d: &Diagnostic) -> JsonDiagnostic {
    let mut spans: Vec<JsonSpan> = d
        .labels()
        .into_iter()
        .map(|l| {
            json_span(
                &d.path,
                &d.source,
                &d.lines,
                (l.start, l.end),
                l.text,
                l.primary,
            )
        })
        .collect();
    spans.extend(d.related.iter().map(|r: &Related| {
        json_span(
            &r.path,
            &r.source,
            &r.lines,
            (r.start, r.end),
            Some(r.label.clone()),
            false,
        )
    }));
    let (start, end) = d.offset_range();
    let (line, column) = d.lines.line_column(&d.source, start);
    let (end_line, end_column) = d.lines.line_column(&d.source, end);
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
        spans,
    }
}

/// A file's text for miette, read through its line index.
#[derive(Debug, Clone)]
struct IndexedSource {
    name: String,
    text: Arc<str>,
    lines: Arc<LineIndex>,
}

impl IndexedSource {
    fn new(name: &str, text: Arc<str>, lines: Arc<LineIndex>) -> Self {
        IndexedSource {
            name: name.to_string(),
            text,
            lines,
        }
    }

    /// Whether miette shows two labels in one snippet: it merges the snippets (a line of
    /// context around each) of neighbouring labels when
    /// `left.line() + left.line_count() >= right.line()`.
    fn same_snippet(&self, a: &Label, b: &Label) -> bool {
        let (left, right) = if a.start <= b.start { (a, b) } else { (b, a) };
        let read = |l: &Label| self.read_span(&SourceSpan::from(l.start..l.end), 1, 1).ok();
        match (read(left), read(right)) {
            (Some(l), Some(r)) => l.line() + l.line_count() >= r.line(),
            _ => false,
        }
    }
}

impl SourceCode for IndexedSource {
    /// What miette's own implementation for text gives, found through the index: the
    /// span widened to whole lines with `before` and `after` lines of context (or, with
    /// no context, the span itself), its first line, its column when unwidened (counted
    /// in characters, as every position brief prints), and the number of line breaks
    /// before its end (miette's `line_count`).
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = &self.text;
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let lines = &self.lines;
        let first_line = lines.line_of(start);
        // miette takes a span that ends with a line break to reach the next line.
        let last_line = match end.checked_sub(1).filter(|_| end > start) {
            Some(last) => {
                let ends_with_break = matches!(text.as_bytes()[last], b'\n' | b'\r');
                lines.line_of(last) + usize::from(ends_with_break)
            }
            None => first_line,
        };
        let context_first = first_line.saturating_sub(before);
        let data_start = if before == 0 {
            start
        } else {
            lines.line_range(context_first).map_or(start, |r| r.start)
        };
        let data_end = if after == 0 {
            end
        } else {
            let context_last = (last_line + after).min(lines.line_count() - 1);
            lines
                .line_range(context_last)
                .map_or(end, |r| (r.end + 1).min(text.len()))
        };
        let column = if before == 0 {
            lines.line_column(text, start).1 as usize - 1
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[data_start..data_end],
            (data_start, data_end - data_start).into(),
            context_first,
            column,
            lines.line_of(data_end),
        )))
    }
}

/// A place shown after a diagnostic: a secondary label far from the primary one, or a
/// place in another file.
#[derive(Debug)]
struct Note {
    message: String,
    source: IndexedSource,
    span: SourceSpan,
}

impl Note {
    fn new(message: String, source: IndexedSource, start: usize, end: usize) -> Self {
        Note {
            message,
            source,
            span: SourceSpan::from(start..end),
        }
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Note {}

impl miette::Diagnostic for Note {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            None, self.span,
        ))))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
}

/// A diagnostic as miette renders it: the labels shown in its snippet, the notes after.
struct Report<'a> {
    d: &'a Diagnostic,
    /// `None` when the snippet is left out; the message then carries the position.
    source: Option<IndexedSource>,
    labels: Vec<Label>,
    notes: Vec<Note>,
}

impl std::fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.d.error.fmt(f)
    }
}

impl std::fmt::Display for Report<'_> {
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

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.d.error.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.d.error.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.d.error.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.labels.iter().map(|l| {
            let span = SourceSpan::from(l.start..l.end);
            if l.primary {
                LabeledSpan::new_primary_with_span(l.text.clone(), span)
            } else {
                LabeledSpan::new_with_span(l.text.clone(), span)
            }
        })))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.notes.is_empty() {
            return None;
        }
        Some(Box::new(
            self.notes.iter().map(|n| n as &dyn miette::Diagnostic),
        ))
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

    #[test]
    fn the_header_and_the_json_name_the_primary_position() {
        let source = "message Point {\n    x int\n}\n\nmessage Point {\n    y int\n}\n";
        let checked = crate::check_source("dup.brief", source);
        let d = checked.diagnostics.iter().next().unwrap();
        let text = render_text(d, false);
        let header = text.lines().find(|l| l.contains("╭─[")).unwrap();
        assert!(header.contains("[dup.brief:5:9]"), "{text}");
        let json = to_json(d);
        assert_eq!((json.line, json.column), (5, 9));
        assert_eq!(json.spans.len(), 2);
        assert!(json.spans[0].is_primary);
        assert_eq!(json.spans[1].line_start, 1);
        assert_eq!(json.spans[1].label.as_deref(), Some("first declared here"));
        // The first declaration is still shown, after the diagnostic.
        assert!(text.contains("[dup.brief:1:9]"), "{text}");
    }

    #[test]
    fn places_in_other_files_are_related_spans() {
        let sources = crate::MemorySources::new([
            (
                "a.brief",
                "import \"b.brief\"\nmessage Money { cents int }\n",
            ),
            ("b.brief", "message Money { amount float }\n"),
        ]);
        let checked = crate::check_with(&sources, &["a.brief".into()]).unwrap();
        let d = checked
            .diagnostics
            .iter()
            .find(|d| d.code() == "brief::duplicate_declaration")
            .unwrap();
        let json = to_json(d);
        assert_eq!(json.file, "a.brief");
        let other: Vec<&JsonSpan> = json.spans.iter().filter(|s| s.file == "b.brief").collect();
        assert_eq!(other.len(), 1, "{json:?}");
        assert!(!other[0].is_primary);
        assert_eq!((other[0].line_start, other[0].column_start), (1, 9));
        assert_eq!((other[0].byte_start, other[0].byte_end), (8, 13));
        // The text shows it after the diagnostic, with its own snippet.
        let text = render_text(d, false);
        assert!(text.contains("[b.brief:1:9]"), "{text}");
    }

    #[test]
    fn read_span_agrees_with_miettes_own() {
        let text = "message M {\n    a int\r\n    é b\n}\n\nlast";
        let ours = IndexedSource::new("f", Arc::from(text), Arc::new(LineIndex::new(text)));
        for start in 0..text.len() {
            for end in start..=text.len() {
                // miette reads `\r\n` as one break at the `\r`: nothing points between.
                let inside_break = |i: usize| i > 0 && text.as_bytes()[i - 1] == b'\r';
                if !text.is_char_boundary(start)
                    || !text.is_char_boundary(end)
                    || inside_break(start)
                    || inside_break(end)
                {
                    continue;
                }
                for context in [0, 1] {
                    let span = SourceSpan::from(start..end);
                    let theirs = text.read_span(&span, context, context).unwrap();
                    let mine = ours.read_span(&span, context, context).unwrap();
                    let what = format!("{start}..{end} context {context}");
                    assert_eq!(mine.line(), theirs.line(), "{what}");
                    if context == 1 {
                        assert_eq!(mine.data(), theirs.data(), "{what}");
                        assert_eq!(mine.line_count(), theirs.line_count(), "{what}");
                    } else if text[..start].is_ascii() {
                        assert_eq!(mine.column(), theirs.column(), "{what}");
                    }
                }
            }
        }
    }
}
