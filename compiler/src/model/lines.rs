//! Positions in a file: byte offsets ↔ lines and columns, computed from one index of
//! line starts built once per file, so that every lookup costs a binary search and a walk
//! over one line, never over the whole file.
//!
//! A line ends at `\n` (`\r\n` is a `\n` preceded by whitespace): a lone `\r` is
//! whitespace in brief, not a line break.

/// Where each line of a file starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the first character of each line; the first is 0.
    starts: Vec<usize>,
    /// The length of the text, so offsets past the end can be clamped.
    len: usize,
}

/// A position as the Language Server Protocol counts it: 0-based line, and 0-based column
/// in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Utf16Position {
    pub line: u32,
    pub character: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(newlines(text).map(|i| i + 1))
            .collect();
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// How many lines the text has (a text ending in `\n` has an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The 0-based line an offset is on (an offset past the end is on the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.starts.partition_point(|&s| s <= offset).max(1) - 1
    }

    /// The byte range of a 0-based line, without its `\n`.
    pub fn line_range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line)?;
        let end = self.starts.get(line + 1).map_or(self.len, |next| next - 1);
        Some(start..end)
    }

    /// 1-based line and column (counted in characters) of a byte offset, as messages
    /// show them.
    pub fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let column = text
            .get(self.starts[line]..offset)
            .map_or(0, |s| s.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }

    /// The LSP position of a byte offset.
    pub fn utf16_position(&self, text: &str, offset: usize) -> Utf16Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let character = text[self.starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum::<usize>();
        Utf16Position {
            line: line as u32,
            character: character as u32,
        }
    }

    /// The byte offset of an LSP position, or `None` for a line past the end. A column
    /// past the end of its line is the end of the line, and a column inside a character
    /// (between the two halves of a surrogate pair) is that character's start.
    pub fn offset_of_utf16(&self, text: &str, position: Utf16Position) -> Option<usize> {
        let range = self.line_range(position.line as usize)?;
        let mut units = 0usize;
        for (i, c) in text[range.clone()].char_indices() {
            let next = units + c.len_utf16();
            if next > position.character as usize {
                return Some(range.start + i);
            }
            units = next;
        }
        Some(range.end)
    }
}

fn newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter_map(|(i, b)| (b == b'\n').then_some(i))
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_columns_count_characters() {
        let src = "ab\nçd\n";
        let lines = LineIndex::new(src);
        assert_eq!(lines.line_column(src, 0), (1, 1));
        assert_eq!(lines.line_column(src, 3), (2, 1));
        assert_eq!(lines.line_column(src, 5), (2, 2));
        assert_eq!(lines.line_column(src, src.len()), (3, 1));
        assert_eq!(lines.line_count(), 3);
        assert_eq!(lines.line_range(1), Some(3..6));
        assert_eq!(lines.line_range(3), None);
    }

    #[test]
    fn utf16_positions_round_trip() {
        // `é` is one UTF-16 unit in two bytes, `😀` two units in four bytes.
        let src = "a😀b\r\n\té😀c\nlast";
        let lines = LineIndex::new(src);
        let table = [
            (0, 0, 0),
            (1, 0, 1),
            (5, 0, 3),
            (6, 0, 4), // the `\r`
            (8, 1, 0),
            (9, 1, 1),
            (11, 1, 2),
            (15, 1, 4),
            (17, 2, 0),
            (src.len(), 2, 4),
        ];
        for (offset, line, character) in table {
            let position = Utf16Position { line, character };
            assert_eq!(lines.utf16_position(src, offset), position, "{offset}");
            assert_eq!(lines.offset_of_utf16(src, position), Some(offset));
        }
        // Inside the surrogate pair: the character's start; past the line: its end.
        let inside = Utf16Position {
            line: 0,
            character: 2,
        };
        assert_eq!(lines.offset_of_utf16(src, inside), Some(1));
        let past = Utf16Position {
            line: 2,
            character: 99,
        };
        assert_eq!(lines.offset_of_utf16(src, past), Some(src.len()));
        let no_line = Utf16Position {
            line: 3,
            character: 0,
        };
        assert_eq!(lines.offset_of_utf16(src, no_line), None);
        // An offset inside a character counts from that character's start.
        let at_emoji = Utf16Position {
            line: 0,
            character: 1,
        };
        assert_eq!(lines.utf16_position(src, 2), at_emoji);
    }
}
