//! What every target checks about one file: the front end never panics, diagnostics
//! render, and a file that parses formats to a fixed point that checks the same way.

use brief::diagnostics::{render, Style};
use brief::fmt::format_source;

pub fn codes(checked: &brief::Checked) -> Vec<String> {
    let mut codes: Vec<String> = checked.diagnostics.iter().map(|d| d.code()).collect();
    codes.sort();
    codes
}

pub fn render_all(checked: &brief::Checked) {
    let json = render(&checked.diagnostics, Style::Json);
    // One line per diagnostic kept, and one per file whose others were only counted.
    let lines = checked.diagnostics.len() + checked.diagnostics.omitted().len();
    assert_eq!(json.lines().count(), lines);
    let text = render(&checked.diagnostics, Style::Text { color: false });
    assert_eq!(text.is_empty(), checked.diagnostics.is_empty());
}

/// Formats `input` (which `checked` is the result of checking, alone, as `path`) and
/// checks the formatter's promises.
pub fn check_formatting(path: &str, input: &str, checked: &brief::Checked) {
    let original = codes(checked);
    let syntax_error = original.iter().any(|c| c == "brief::syntax");
    match format_source(input) {
        Err(_) => assert!(syntax_error, "format_source failed but check saw no syntax error"),
        Ok(formatted) => {
            assert!(!syntax_error, "format_source succeeded on a syntax error");
            let again = format_source(&formatted).expect("formatted text parses");
            assert_eq!(again, formatted, "formatting is not idempotent");
            let after = codes(&brief::check_source(path, &formatted));
            assert_eq!(after, original, "formatting changed the diagnostics:\n{formatted}");
        }
    }
}
