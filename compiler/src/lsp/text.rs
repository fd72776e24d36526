//! Positions as LSP counts them (0-based line, UTF-16 column) ↔ byte offsets, and
//! applying an editor's changes to a document's text.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Where each line of a text starts, so that a position costs a binary search and a
/// walk over one line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter_map(|(i, b)| (b == b'\n').then_some(i + 1)),
            )
            .collect();
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset.min(self.len))
            .max(1)
            - 1
    }

    fn line_range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line)?;
        let end = self.starts.get(line + 1).map_or(self.len, |next| next - 1);
        Some(start..end)
    }

    /// The LSP position of a byte offset (an offset inside a character counts from its
    /// start; one past the end is the end).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let character: usize = text[self.starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of an LSP position; `None` for a line past the end. A column past
    /// the end of its line is the end of the line; one inside a surrogate pair is the
    /// character's start.
    pub fn offset(&self, text: &str, position: Position) -> Option<usize> {
        let range = self.line_range(position.line as usize)?;
        let mut units = 0usize;
        for (i, c) in text[range.clone()].char_indices() {
            units += c.len_utf16();
            if units > position.character as usize {
                return Some(range.start + i);
            }
        }
        Some(range.end)
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The whole text, for edits that replace it.
    pub fn full_range(&self, text: &str) -> Range {
        self.range(text, 0, text.len())
    }
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
    fn utf16_positions_round_trip() {
        // `é` is one UTF-16 unit in two bytes, `😀` two units in four bytes.
        let src = "a😀b\r\n\té😀c\nlast";
        let lines = LineIndex::new(src);
        for (offset, line, character) in [
            (0, 0, 0),
            (1, 0, 1),
            (5, 0, 3),
            (8, 1, 0),
            (11, 1, 2),
            (15, 1, 4),
            (17, 2, 0),
            (src.len(), 2, 4),
        ] {
            let p = Position::new(line, character);
            assert_eq!(lines.position(src, offset), p, "{offset}");
            assert_eq!(lines.offset(src, p), Some(offset));
        }
        assert_eq!(lines.offset(src, Position::new(0, 2)), Some(1));
        assert_eq!(lines.offset(src, Position::new(2, 99)), Some(src.len()));
        assert_eq!(lines.offset(src, Position::new(3, 0)), None);
    }

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
