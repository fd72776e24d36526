//! Formatting a document with `brief fmt`'s layout.

use lsp_types::TextEdit;

use crate::fmt::format_source;

use super::text::{LineIndex, LspLines};

/// The edit that formats a text (none when it is formatted already), or why it cannot
/// be formatted: a file with a syntax error is left alone, as `brief fmt` leaves it.
pub fn format(text: &str, lines: &LineIndex) -> Result<Vec<TextEdit>, String> {
    match format_source(text) {
        Ok(formatted) if formatted == text => Ok(Vec::new()),
        Ok(formatted) => Ok(vec![TextEdit::new(lines.full_range(text), formatted)]),
        Err(e) => {
            let at = lines.position(text, e.span.start);
            Err(format!(
                "cannot format a file with a syntax error: {} (line {}, column {})",
                e.message,
                at.line + 1,
                at.character + 1
            ))
        }
    }
}
