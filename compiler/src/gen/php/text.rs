//! Layout helpers for generated PHP: PHPDoc blocks and calls that stay within PSR-12's
//! line length (120 columns), so the output passes `phpcs --standard=PSR12` as it is.

/// PSR-12's soft line limit.
pub const LINE_LIMIT: usize = 120;

/// Where prose in docblocks wraps: narrower than code, for reading.
const PROSE_WIDTH: usize = 96;

/// A PHPDoc block: `description` lines (a contract's doc, possibly empty), then `tags`
/// (`@var list<int>`, `@throws ...`), indented by `indent` spaces. `None` when both are
/// empty. A single short description line becomes `/** ... */`.
pub fn docblock(indent: usize, description: &[String], tags: &[String]) -> Option<String> {
    let pad = " ".repeat(indent);
    let width = PROSE_WIDTH.saturating_sub(indent + 3).max(40);
    let mut lines: Vec<String> = Vec::new();
    for line in description {
        lines.extend(wrap(&escape(line), width));
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    if !lines.is_empty() && !tags.is_empty() {
        lines.push(String::new());
    }
    for tag in tags {
        let wrapped = wrap(&escape(tag), width);
        for (i, l) in wrapped.into_iter().enumerate() {
            // Continuation lines of a tag are indented under its text.
            lines.push(if i == 0 || l.is_empty() {
                l
            } else {
                format!("    {l}")
            });
        }
    }
    if lines.is_empty() {
        return None;
    }
    if lines.len() == 1 && indent + lines[0].len() + 7 <= LINE_LIMIT {
        return Some(format!("{pad}/** {} */", lines[0]));
    }
    let mut out = format!("{pad}/**\n");
    for l in lines {
        if l.is_empty() {
            out.push_str(&format!("{pad} *\n"));
        } else {
            out.push_str(&format!("{pad} * {l}\n"));
        }
    }
    out.push_str(&format!("{pad} */"));
    Some(out)
}

/// A doc string's lines, as docblock description lines. A lone carriage return ends a
/// line too, so that a file has one kind of line ending.
pub fn doc_lines(doc: &Option<String>) -> Vec<String> {
    doc.as_deref()
        .map(|d| {
            d.lines()
                .flat_map(|l| l.split('\r'))
                .map(|l| l.trim_end().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Docs for something the contract may mark `deprecated`: the doc as the description, or,
/// when deprecated, the doc as the note of `@deprecated` (PHPDoc's form), returned as the
/// first tag.
pub fn deprecatable(doc: &Option<String>, deprecated: bool) -> (Vec<String>, Vec<String>) {
    let lines = doc_lines(doc);
    if !deprecated {
        return (lines, Vec::new());
    }
    let note = if lines.is_empty() {
        "@deprecated".to_string()
    } else {
        format!("@deprecated {}", lines.join(" "))
    };
    (Vec::new(), vec![note])
}

/// Text inside a docblock must not end it.
fn escape(line: &str) -> String {
    line.replace("*/", "*\\/")
}

/// Breaks a line at spaces so that no piece is longer than `width` (a word longer than
/// `width` stays whole). Leading indentation is kept on the first piece only.
fn wrap(line: &str, width: usize) -> Vec<String> {
    if line.chars().count() <= width {
        return vec![line.to_string()];
    }
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let len = current.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push(current);
    out
}

/// An argument of a generated call: plain text, or an array literal that may be broken
/// one element per line.
pub enum Arg {
    Text(String),
    Array(Vec<String>),
}

impl Arg {
    fn inline(&self) -> String {
        match self {
            Arg::Text(t) => t.clone(),
            Arg::Array(items) => format!("[{}]", items.join(", ")),
        }
    }
}

/// `{head}({args}){tail}` at `indent`: on one line when it fits, otherwise one argument
/// per line (and an array argument that is still too long, one element per line).
pub fn call(indent: usize, head: &str, args: &[Arg], tail: &str) -> String {
    let pad = " ".repeat(indent);
    let inline: Vec<String> = args.iter().map(Arg::inline).collect();
    let one = format!("{pad}{head}({}){tail}", inline.join(", "));
    if one.len() <= LINE_LIMIT {
        return one;
    }
    let inner = " ".repeat(indent + 4);
    let mut out = format!("{pad}{head}(\n");
    for (arg, text) in args.iter().zip(&inline) {
        if inner.len() + text.len() < LINE_LIMIT {
            out.push_str(&format!("{inner}{text},\n"));
            continue;
        }
        match arg {
            Arg::Text(t) => out.push_str(&format!("{inner}{t},\n")),
            Arg::Array(items) => {
                out.push_str(&format!("{inner}[\n"));
                for item in items {
                    out.push_str(&format!("{inner}    {item},\n"));
                }
                out.push_str(&format!("{inner}],\n"));
            }
        }
    }
    out.push_str(&format!("{pad}){tail}"));
    out
}

/// A method's signature at 4 spaces: `public function name(params): ret` on one line when
/// it fits, otherwise one parameter per line (PSR-12's form, `): ret` closing them).
/// `body` is false for an interface method, which ends with `;`.
pub fn signature(name: &str, params: &[String], ret: &str, body: bool) -> String {
    let one = format!("    public function {name}({}): {ret}", params.join(", "));
    if one.len() < LINE_LIMIT {
        return if body { one } else { format!("{one};") };
    }
    let mut out = format!(
        "    public function {name}(
"
    );
    out.push_str(
        &params
            .iter()
            .map(|p| format!("        {p}"))
            .collect::<Vec<_>>()
            .join(
                ",
",
            ),
    );
    out.push_str(&format!(
        "
    ): {ret}"
    ));
    if body {
        // PSR-12: after a multi-line parameter list the brace stays on the closing line.
        out.push_str(" {");
    } else {
        out.push(';');
    }
    out
}

/// A string as a PHP expression for `{prefix}{expression};` at `indent`: one literal when
/// it fits on the line, otherwise literals of at most 80 characters joined by `.` (and
/// `"\n"` between lines), one per line.
pub fn string_expr(indent: usize, prefix: &str, s: &str) -> String {
    let one = super::names::string_literal(s);
    if indent + prefix.len() + one.len() < LINE_LIMIT && !s.contains(['\n', '\r']) {
        return format!("{}{prefix}{one};", " ".repeat(indent));
    }
    // Line breaks as "\n" and "\r" pieces, so the file keeps one kind of line ending.
    let mut pieces: Vec<String> = Vec::new();
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            pieces.push("\"\\n\"".into());
        }
        for (j, part) in line.split('\r').enumerate() {
            if j > 0 {
                pieces.push("\"\\r\"".into());
            }
            let chars: Vec<char> = part.chars().collect();
            for chunk in chars.chunks(80) {
                pieces.push(super::names::string_literal(
                    &chunk.iter().collect::<String>(),
                ));
            }
        }
    }
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}{prefix}{}", pieces[0]);
    for p in &pieces[1..] {
        out.push_str(&format!("\n{pad}    . {p}"));
    }
    out.push(';');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docblocks() {
        assert_eq!(docblock(4, &[], &[]), None);
        assert_eq!(
            docblock(4, &["A sum".into()], &[]).unwrap(),
            "    /** A sum */"
        );
        assert_eq!(
            docblock(
                0,
                &["A".into(), "".into(), "B */".into()],
                &["@var list<int>".into()]
            )
            .unwrap(),
            "/**\n * A\n *\n * B *\\/\n *\n * @var list<int>\n */"
        );
        let long = "word ".repeat(40);
        let block = docblock(8, &[long], &[]).unwrap();
        assert!(block.lines().all(|l| l.len() <= PROSE_WIDTH), "{block}");
    }

    #[test]
    fn deprecated_docs_become_the_note() {
        let (d, t) = deprecatable(&Some("Old\nway".into()), true);
        assert!(d.is_empty());
        assert_eq!(t, ["@deprecated Old way"]);
        let (d, t) = deprecatable(&Some("Doc".into()), false);
        assert_eq!((d, t.len()), (vec!["Doc".to_string()], 0));
    }

    #[test]
    fn long_strings_are_concatenated() {
        assert_eq!(string_expr(4, "return ", "a'b"), "    return 'a\\'b';");
        let two = string_expr(4, "const X = ", "one\ntwo");
        assert_eq!(
            two,
            "    const X = 'one'\n        . \"\\n\"\n        . 'two';"
        );
        assert_eq!(
            string_expr(0, "X = ", "a\rb"),
            "X = 'a'\n    . \"\\r\"\n    . 'b';"
        );
        assert_eq!(doc_lines(&Some("a\rb\r\nc".into())), ["a", "b", "c"]);
        let long = string_expr(4, "const X = ", &"x".repeat(200));
        assert!(long.lines().all(|l| l.len() <= LINE_LIMIT), "{long}");
    }

    #[test]
    fn calls_break_when_too_long() {
        let short = call(8, "$d->required", &[Arg::Text("$f".into())], ",");
        assert_eq!(short, "        $d->required($f),");
        let items: Vec<String> = (0..30).map(|i| format!("\\Brief\\Spec::LIST{i}")).collect();
        let long = call(
            12,
            "x: $d->f",
            &[Arg::Text("$f".into()), Arg::Array(items)],
            ",",
        );
        assert!(long.lines().all(|l| l.len() <= LINE_LIMIT), "{long}");
        assert!(long.ends_with("            ),"), "{long}");
    }
}
