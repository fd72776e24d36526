//! The canonical layout of a `.brief` file.
//!
//! - one declaration per line, one blank line between declarations; runs of imports,
//!   rpcs or schemas stay together unless the source separated them;
//! - fields and enum values indented by four spaces, their names, types and docs aligned
//!   in columns within each run of lines not broken by a blank line;
//! - a body written on one line without docs or comments stays on one line
//!   (`error NotFound(not_found) { id int }`);
//! - continuation lines of a doc string line up under its first character;
//! - every comment is kept, before or after the item it was written next to.
//!
//! Formatting never changes the checked model, and formatting twice gives the same bytes.

use crate::syntax::ast::*;
use crate::syntax::{parse, scan_comments, Comment, SyntaxError};

const INDENT: &str = "    ";

/// The canonical text of a file, or why it cannot be parsed.
pub fn format_source(source: &str) -> Result<String, SyntaxError> {
    let ast = parse(source)?;
    let comments = scan_comments(source);
    let mut f = Formatter {
        src: source,
        comments: &comments,
        next_comment: 0,
        out: String::with_capacity(source.len() + source.len() / 8),
    };
    f.file(&ast);
    Ok(f.out)
}

struct Formatter<'a> {
    src: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    out: String,
}

/// A blank line stands in `src[from..to]`.
fn has_blank_line(src: &str, from: usize, to: usize) -> bool {
    let text = &src[from.min(to)..to];
    let mut lines = text.split('\n');
    lines.next();
    let mut interior: Vec<&str> = lines.collect();
    interior.pop(); // the part of the last line before `to`
    interior.iter().any(|l| l.trim().is_empty())
}

fn is_one_liner(d: &Decl) -> bool {
    matches!(
        d,
        Decl::Import(_) | Decl::Rpc(_) | Decl::Schema(_) | Decl::Service(_)
    )
}

fn same_kind(a: &Decl, b: &Decl) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

impl<'a> Formatter<'a> {
    /// Comments that start before `pos` and were not printed yet.
    fn take_before(&mut self, pos: usize) -> Vec<&'a Comment> {
        let start = self.next_comment;
        while self.next_comment < self.comments.len()
            && self.comments[self.next_comment].span.start < pos
        {
            self.next_comment += 1;
        }
        self.comments[start..self.next_comment].iter().collect()
    }

    /// Whether a comment not printed yet starts before `pos` (comments are sorted, so
    /// the next one tells).
    fn comment_before(&self, pos: usize) -> bool {
        self.comments
            .get(self.next_comment)
            .is_some_and(|c| c.span.start < pos)
    }

    /// The comment that follows `pos` on the same line, if any.
    fn take_same_line(&mut self, pos: usize) -> Option<&'a Comment> {
        let c = self.comments.get(self.next_comment)?;
        if c.span.start >= pos && !self.src[pos..c.span.start].contains('\n') {
            self.next_comment += 1;
            return Some(c);
        }
        None
    }

    /// Where the next thing to print really starts: its first leading comment, if any.
    fn start_with_comments(&self, pos: usize) -> usize {
        match self.comments.get(self.next_comment) {
            Some(c) if c.span.start < pos => c.span.start,
            _ => pos,
        }
    }

    fn line(&mut self, indent: &str, text: &str) {
        self.out.push_str(indent);
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Leading comments on their own lines, keeping one blank line where the source had one.
    fn leading(&mut self, indent: &str, item_start: usize) {
        let comments = self.take_before(item_start);
        for (i, c) in comments.iter().enumerate() {
            self.line(indent, &c.text);
            let next = comments.get(i + 1).map_or(item_start, |n| n.span.start);
            if has_blank_line(self.src, c.span.end, next) {
                self.out.push('\n');
            }
        }
    }

    /// Comments inside `[.., end)` and the one right after it on its line: the last is
    /// appended to the line being built, any others go on lines of their own before it
    /// (at `indent`), since two comments on one line would read back as one.
    fn trailing(&mut self, indent: &str, line: &mut String, end: usize) {
        let mut comments = self.take_before(end);
        comments.extend(self.take_same_line(end));
        self.attach(indent, line, comments);
    }

    /// Appends the last comment to `line` and prints the others on their own lines first.
    fn attach(&mut self, indent: &str, line: &mut String, mut comments: Vec<&'a Comment>) {
        let Some(last) = comments.pop() else {
            return;
        };
        for c in comments {
            self.line(indent, &c.text);
        }
        line.push(' ');
        line.push_str(&last.text);
    }

    fn file(&mut self, ast: &Ast) {
        let mut prev: Option<&Decl> = None;
        for decl in &ast.decls {
            if let Some(p) = prev {
                let keep_together = is_one_liner(p)
                    && same_kind(p, decl)
                    && !has_blank_line(
                        self.src,
                        p.span().end,
                        self.start_with_comments(decl.span().start),
                    );
                if !keep_together {
                    self.out.push('\n');
                }
            }
            self.leading("", decl.span().start);
            self.decl(decl);
            prev = Some(decl);
        }
        let rest = self.take_before(usize::MAX);
        if !rest.is_empty() && !ast.decls.is_empty() {
            self.out.push('\n');
        }
        for c in rest {
            self.line("", &c.text);
        }
    }

    fn decl(&mut self, decl: &Decl) {
        let mut line = String::new();
        match decl {
            Decl::Import(d) => {
                line.push_str(&format!("import \"{}\"", d.path.text));
            }
            Decl::Service(d) => {
                line.push_str(&format!("service \"{}\"", d.name.text));
                self.doc_after(&mut line, &d.doc);
            }
            Decl::Rpc(d) => {
                line.push_str(&format!(
                    "rpc {} ({}) {}",
                    d.name.text, d.input.text, d.output.text
                ));
                for m in &d.modifiers {
                    line.push(' ');
                    line.push_str(&m.name.text);
                    if let Some(args) = &m.args {
                        let args: Vec<&str> =
                            args.iter().map(|a| a.token().text.as_str()).collect();
                        line.push_str(&format!("({})", args.join(", ")));
                    }
                }
                self.doc_after(&mut line, &d.doc);
            }
            Decl::Schema(d) => {
                line.push_str(&format!("schema \"{}\" {}", d.topic.text, d.message.text));
                self.doc_after(&mut line, &d.doc);
            }
            Decl::Message(d) => {
                let header = format!("message {}", d.name.text);
                self.body_decl(header, &d.fields, &d.doc, d.span);
                return;
            }
            Decl::Error(d) => {
                let header = format!("error {}({})", d.name.text, d.code.text);
                self.body_decl(header, &d.fields, &d.doc, d.span);
                return;
            }
            Decl::Enum(d) => {
                self.enum_decl(d);
                return;
            }
        }
        self.trailing("", &mut line, decl.span().end);
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// ` `doc`` after a line, continuation lines aligned under the doc's first character.
    fn doc_after(&self, line: &mut String, doc: &Option<Doc>) {
        if let Some(doc) = doc {
            line.push(' ');
            let column = line.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            push_doc(line, &doc.text, column);
        }
    }

    fn close_brace(&self, span: Span, doc: &Option<Doc>) -> usize {
        let end = doc.as_ref().map_or(span.end, |d| d.span.start);
        self.src[..end].rfind('}').unwrap_or(end)
    }

    fn body_decl(&mut self, header: String, fields: &[Field], doc: &Option<Doc>, span: Span) {
        let close = self.close_brace(span, doc);
        let open = self.src[span.start..close]
            .find('{')
            .map_or(span.start, |i| span.start + i);
        let has_comments = self.comment_before(close);
        let inline = !self.src[open..close].contains('\n')
            && !has_comments
            && fields.iter().all(|f| f.doc.is_none());
        if fields.is_empty() && !has_comments {
            let mut line = format!("{header} {{}}");
            self.doc_after(&mut line, doc);
            self.finish_decl_line(line, span.end);
        } else if inline {
            let parts: Vec<String> = fields.iter().map(field_text).collect();
            let mut line = format!("{header} {{ {} }}", parts.join(" "));
            self.doc_after(&mut line, doc);
            self.finish_decl_line(line, span.end);
        } else {
            let rows: Vec<Row> = fields
                .iter()
                .map(|f| Row {
                    cells: vec![f.name.text.clone(), type_cell(f)],
                    doc: f.doc.as_ref().map(|d| d.text.clone()),
                    span: f.span,
                })
                .collect();
            self.block(header, open, &rows, close, doc, span);
        }
    }

    fn enum_decl(&mut self, d: &EnumDecl) {
        let close = self.close_brace(d.span, &d.doc);
        let open = self.src[d.span.start..close]
            .find('{')
            .map_or(d.span.start, |i| d.span.start + i);
        let rows: Vec<Row> = d
            .values
            .iter()
            .map(|v| Row {
                cells: vec![v.name.text.clone()],
                doc: v.doc.as_ref().map(|d| d.text.clone()),
                span: v.span,
            })
            .collect();
        let has_comments = self.comment_before(close);
        if rows.is_empty() && !has_comments {
            let mut line = format!("enum {} {{}}", d.name.text);
            self.doc_after(&mut line, &d.doc);
            self.finish_decl_line(line, d.span.end);
            return;
        }
        let inline = !self.src[open..close].contains('\n')
            && !has_comments
            && d.values.iter().all(|v| v.doc.is_none());
        if inline {
            let values: Vec<&str> = d.values.iter().map(|v| v.name.text.as_str()).collect();
            let mut line = format!("enum {} {{ {} }}", d.name.text, values.join(" "));
            self.doc_after(&mut line, &d.doc);
            self.finish_decl_line(line, d.span.end);
            return;
        }
        self.block(
            format!("enum {}", d.name.text),
            open,
            &rows,
            close,
            &d.doc,
            d.span,
        );
    }

    fn finish_decl_line(&mut self, line: String, end: usize) {
        self.finish_line("", line, end);
    }

    /// Prints a line ending at `end` with its trailing comments; `indent` is where extra
    /// comments go.
    fn finish_line(&mut self, indent: &str, mut line: String, end: usize) {
        self.trailing(indent, &mut line, end);
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// `header {`, aligned rows, `}` and the declaration's doc.
    fn block(
        &mut self,
        header: String,
        open: usize,
        rows: &[Row],
        close: usize,
        doc: &Option<Doc>,
        span: Span,
    ) {
        let mut first = format!("{header} {{");
        // Comments between the header and `{`, or after `{` on its line, stay up here.
        let first_item = rows.first().map_or(close, |r| r.span.start);
        let mut header_comments = self.take_before(open);
        let brace_line = self.take_same_line(open + 1);
        if let Some(c) = brace_line.filter(|c| c.span.start < first_item) {
            header_comments.push(c);
        }
        self.attach("", &mut first, header_comments);
        self.line("", &first);

        // Groups of rows not separated by blank lines share column widths.
        let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
        let mut group_start = 0;
        for i in 1..rows.len() {
            if has_blank_line(
                self.src,
                rows[i - 1].span.end,
                self.comment_start_between(rows[i - 1].span.end, rows[i].span.start),
            ) {
                groups.push(group_start..i);
                group_start = i;
            }
        }
        if !rows.is_empty() {
            groups.push(group_start..rows.len());
        }
        for (gi, group) in groups.iter().enumerate() {
            if gi > 0 {
                self.out.push('\n');
            }
            let rows = &rows[group.clone()];
            let widths = column_widths(rows);
            for row in rows {
                self.leading(INDENT, row.span.start);
                let mut line = String::from(INDENT);
                let last = row.cells.len() - 1;
                for (ci, cell) in row.cells.iter().enumerate() {
                    line.push_str(cell);
                    if ci < last || row.doc.is_some() {
                        let pad = widths[ci] - cell.chars().count() + 1;
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                }
                if let Some(doc) = &row.doc {
                    let column = line.chars().count() + 1;
                    push_doc(&mut line, doc, column);
                }
                self.trailing(INDENT, &mut line, row.span.end);
                self.out.push_str(&line);
                self.out.push('\n');
            }
        }
        // Own-line comments after the last row stay inside the body.
        let last_end = rows.last().map_or(open + 1, |r| r.span.end);
        let body_rest = self.take_before(close);
        if !body_rest.is_empty()
            && !rows.is_empty()
            && has_blank_line(self.src, last_end, body_rest[0].span.start)
        {
            self.out.push('\n');
        }
        for c in body_rest {
            self.line(INDENT, &c.text);
        }
        let mut last = String::from("}");
        self.doc_after(&mut last, doc);
        // Extra comments between `}` and the end of the doc stay inside the body.
        self.finish_line(INDENT, last, span.end);
    }

    /// The start of the first unprinted comment in `[from, to)`, or `to`.
    fn comment_start_between(&self, from: usize, to: usize) -> usize {
        // Comments are sorted: stop at the first one past `to`, so that each lookup costs
        // the comments in the range, not all those left in the file.
        self.comments[self.next_comment..]
            .iter()
            .take_while(|c| c.span.start < to)
            .find(|c| c.span.start >= from && c.own_line)
            .map_or(to, |c| c.span.start)
    }
}

struct Row {
    cells: Vec<String>,
    doc: Option<String>,
    span: Span,
}

fn column_widths(rows: &[Row]) -> Vec<usize> {
    let columns = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    (0..columns)
        .map(|c| {
            rows.iter()
                // A cell's width matters only where something follows it.
                .filter(|r| c + 1 < r.cells.len() || r.doc.is_some())
                .filter_map(|r| r.cells.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect()
}

fn type_cell(f: &Field) -> String {
    let mut s = f.ty.source_text();
    if f.deprecated {
        s.push_str(" deprecated");
    }
    s
}

fn field_text(f: &Field) -> String {
    format!("{} {}", f.name.text, type_cell(f))
}

/// Appends `` `text` ``; continuation lines start at `column` (1-based) so they sit under
/// the first character of the doc.
///
/// A doc written starting on the line after its backtick can keep indentation that the
/// one-line-start layout cannot express (the first line indented, or every continuation
/// line indented relative to the first): such a doc is printed in that layout again, every
/// line under the backtick's column, so that parsing the output gives the same text.
fn push_doc(line: &mut String, text: &str, column: usize) {
    line.push('`');
    let indented = |l: &str| l.starts_with(char::is_whitespace);
    let mut continuation = text.split('\n').skip(1).filter(|l| !l.trim().is_empty());
    let block =
        indented(text) || continuation.clone().next().is_some() && continuation.all(indented);
    if block {
        line.push('\n');
        line.extend(std::iter::repeat_n(' ', column));
    }
    for (i, l) in text.split('\n').enumerate() {
        if i > 0 {
            line.push('\n');
            if !l.is_empty() {
                line.extend(std::iter::repeat_n(' ', column));
            }
        }
        line.push_str(l);
    }
    line.push('`');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format_source(s).unwrap()
    }

    #[test]
    fn aligns_fields_and_docs() {
        let src = "message SumOut {\nsum int `A sum`\n  info string? `Info`\n}\n";
        assert_eq!(
            fmt(src),
            "message SumOut {\n    sum  int     `A sum`\n    info string? `Info`\n}\n"
        );
    }

    #[test]
    fn keeps_comments_in_place() {
        let src = "// header\n\n// about M\nmessage M { // opening\n  // lead\n  a int // trail\n  // end\n} // after\n// eof\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "// header\n\n// about M\nmessage M { // opening\n    // lead\n    a int // trail\n    // end\n} // after\n\n// eof\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn one_line_bodies_stay_one_line() {
        assert_eq!(
            fmt("error NotFound(not_found){id int}`No such item`"),
            "error NotFound(not_found) { id int } `No such item`\n"
        );
    }

    #[test]
    fn one_line_enum_bodies_stay_one_line() {
        assert_eq!(
            fmt("enum Color{red  green blue}`Colors`"),
            "enum Color { red green blue } `Colors`\n"
        );
        // Written over several lines, or with a doc on a value, it is laid out as a block.
        assert_eq!(
            fmt("enum Color { red `Red` green }"),
            "enum Color {\n    red `Red`\n    green\n}\n"
        );
        assert_eq!(
            fmt("enum Color {\n red green }"),
            "enum Color {\n    red\n    green\n}\n"
        );
    }

    #[test]
    fn groups_rpcs_and_separates_other_declarations() {
        let src = "service \"s\"\nrpc a (M) M\nrpc b (M) M readonly  timeout( 2s )\n\n\nrpc c (M) M\nmessage M {}";
        assert_eq!(
            fmt(src),
            "service \"s\"\n\nrpc a (M) M\nrpc b (M) M readonly timeout(2s)\n\nrpc c (M) M\n\nmessage M {}\n"
        );
    }

    #[test]
    fn docs_starting_on_the_next_line_keep_their_indentation() {
        // Found by tests/mutation.rs: these used to change on a second formatting.
        for src in [
            "message M {\n  a int `\n    First\n      indented`\n}",
            "message M {\n  a int `\n        Indented first\n second`\n}",
            "service \"s\" ` \r\n A\n    b\n      c`\n",
        ] {
            let once = fmt(src);
            assert_eq!(fmt(&once), once, "{src:?}");
            let doc = |s: &str| match &parse(s).unwrap().decls[0] {
                Decl::Message(m) => m.fields[0].doc.clone().unwrap().text,
                Decl::Service(d) => d.doc.clone().unwrap().text,
                _ => unreachable!(),
            };
            assert_eq!(doc(&once), doc(src), "{src:?}");
        }
        assert_eq!(
            fmt("message M {\n  a int `\n    First\n      indented`\n}"),
            "message M {\n    a int `\n           First\n             indented`\n}\n"
        );
    }

    #[test]
    fn multi_line_docs_line_up() {
        let src = "message M {\n  a int `First\n     second\n       indented`\n}";
        let out = fmt(src);
        assert_eq!(
            out,
            "message M {\n    a int `First\n           second\n             indented`\n}\n"
        );
        assert_eq!(fmt(&out), out);
    }
}
