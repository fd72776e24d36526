use super::ast::Span;

/// A `//` comment, which the grammar skips; the formatter needs them back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment including `//`, without the line break and trailing spaces.
    pub text: String,
    pub span: Span,
    /// Nothing but whitespace stands before it on its line.
    pub own_line: bool,
}

/// Every comment of a file that parsed, in source order. Doc strings and quoted strings
/// may contain `//` and are skipped the way the grammar skips them.
pub fn scan_comments(source: &str) -> Vec<Comment> {
    let bytes = source.as_bytes();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => i = skip_past(bytes, i + 1, |b| b == b'`'),
            b'"' => i = skip_past(bytes, i + 1, |b| b == b'"' || b == b'\n'),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
                let text = source[i..end].trim_end();
                let line_start = source[..i].rfind('\n').map_or(0, |n| n + 1);
                comments.push(Comment {
                    text: text.to_string(),
                    span: Span::new(i, i + text.len()),
                    own_line: source[line_start..i].trim().is_empty(),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    comments
}

fn skip_past(bytes: &[u8], from: usize, stop: impl Fn(u8) -> bool) -> usize {
    bytes[from.min(bytes.len())..]
        .iter()
        .position(|&b| stop(b))
        .map_or(bytes.len(), |n| from + n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_outside_docs_and_strings() {
        let src = "// head\nservice \"a//b\" `doc // not`\nmessage M { // tail\n}";
        let found: Vec<_> = scan_comments(src)
            .into_iter()
            .map(|c| (c.text, c.own_line))
            .collect();
        assert_eq!(
            found,
            [
                ("// head".to_string(), true),
                ("// tail".to_string(), false)
            ]
        );
    }
}
