//! Positions as LSP counts them (0-based line, UTF-16 column) ↔ byte offsets, and
//! applying an editor's changes to a document's text.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

pub use crate::model::LineIndex;
use crate::model::Utf16Position;

/// LSP positions on the model's line index: the front end owns the UTF-16 arithmetic,
/// this only converts its positions to and from the protocol's types.
pub trait LspLines {
    /// The LSP position of a byte offset (an offset inside a character counts from its
    /// start; one past the end is the end).
    fn position(&self, text: &str, offset: usize) -> Position;
    /// The byte offset of an LSP position; `None` for a line past the end. A column past
    /// the end of its line is the end of the line; one inside a surrogate pair is the
    /// character's start.
    fn offset(&self, text: &str, position: Position) -> Option<usize>;
    fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }
    /// The whole text, for edits that replace it.
    fn full_range(&self, text: &str) -> Range {
        self.range(text, 0, text.len())
    }
}

impl LspLines for LineIndex {
    fn position(&self, text: &str, offset: usize) -> Position {
        let p = self.utf16_position(text, offset);
        Position::new(p.line, p.character)
    }

    fn offset(&self, text: &str, position: Position) -> Option<usize> {
        self.offset_of_utf16(
            text,
            Utf16Position {
                line: position.line,
                character: position.character,
            },
        )
    }
}

/// The range of a span of one of the model's files.
pub fn span_range(file: &crate::model::File, start: usize, end: usize) -> Range {
    file.lines().range(&file.source, start, end)
}

/// Applies one change as the client sent it: a whole new text, or a range replaced.
/// Positions past the end are clamped to it, so a confused client cannot make the
/// server fail; the reply to its next request will show what the server holds.
pub fn apply_change(text: &str, change: TextDocumentContentChangeEvent) -> String {
    let Some(range) = change.range else {
        return change.text;
    };
    let lines = LineIndex::new(text);
    let at = |p: Position| lines.offset(text, p).unwrap_or(text.len());
    let start = at(range.start);
    let end = at(range.end).max(start);
    let mut out = String::with_capacity(text.len() - (end - start) + change.text.len());
    out.push_str(&text[..start]);
    out.push_str(&change.text);
    out.push_str(&text[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_ranged_and_full_changes() {
        let change = |range: Option<Range>, text: &str| TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: text.into(),
        };
        let r = |a: (u32, u32), b: (u32, u32)| {
            Some(Range::new(Position::new(a.0, a.1), Position::new(b.0, b.1)))
        };
        let text = "message M {\n  x Strnig `😀`\n}\n";
        assert_eq!(
            apply_change(text, change(r((1, 4), (1, 10)), "string")),
            "message M {\n  x string `😀`\n}\n"
        );
        assert_eq!(apply_change(text, change(None, "all")), "all");
        // Past the end: clamped, never a panic.
        assert_eq!(apply_change("ab", change(r((5, 0), (9, 9)), "c")), "abc");
        assert_eq!(apply_change("ab", change(r((0, 2), (0, 1)), "c")), "abc");
    }
}
