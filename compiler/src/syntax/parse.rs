use pest::iterators::Pair;
use pest::Parser as _;
use pest_derive::Parser;

use super::ast::*;

#[derive(Parser)]
#[grammar = "../../grammar/brief.pest"]
struct BriefParser;

/// Why a file could not be parsed: one message at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

/// Parses one file. A file has at most one syntax error: pest stops at the first.
///
/// The file is parsed one declaration at a time (rules `next_decl` and `end_of_file`),
/// so that pest's token queue, some fifty bytes per token, holds one declaration rather
/// than the whole file: memory stays close to the size of the tree that is kept.
pub fn parse(source: &str) -> Result<Ast, SyntaxError> {
    let comment_ends = super::scan_comments(source)
        .into_iter()
        .map(|c| (c.span.end, c.span.start))
        .collect();
    let mut b = Builder {
        source,
        base: 0,
        comment_ends,
    };
    let mut decls = Vec::new();
    let mut pos = 0;
    loop {
        let rest = &source[pos..];
        match BriefParser::parse(Rule::next_decl, rest) {
            Ok(mut pairs) => {
                let pair = pairs.next().expect("next_decl yields its declaration");
                b.base = pos;
                pos += pair.as_span().end();
                decls.push(b.decl(pair));
            }
            Err(_) if BriefParser::parse(Rule::end_of_file, rest).is_ok() => break,
            // The fast path keeps no detail; parse again with it to say what was expected.
            Err(_) => return Err(explain_failure(source)),
        }
    }
    Ok(Ast { decls })
}

fn explain_failure(source: &str) -> SyntaxError {
    // pest's error-detail switch is global: without the lock, a thread finishing its own
    // explanation could switch detail off in the middle of another's (the library may be
    // used from several threads, as the tests do), and the message would depend on timing.
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let result = {
        let _guard = DETAIL.lock().unwrap_or_else(|e| e.into_inner());
        pest::set_error_detail(true);
        let result = BriefParser::parse(Rule::file, source);
        pest::set_error_detail(false);
        result
    };
    let err = match result {
        Err(err) => err,
        Ok(_) => {
            return SyntaxError {
                message: "the parser failed on this input".into(),
                span: Span::new(0, 0),
                help: None,
            }
        }
    };
    let mut pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<String> = Vec::new();
    if let Some(attempts) = err.parse_attempts() {
        // The farthest point any alternative reached is where the input went wrong.
        pos = pos.max(attempts.max_position);
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            // Whitespace and comment starts are always acceptable; they explain nothing.
            // Whitespace, comment starts and the rest of an identifier explain nothing.
            let noise = token.trim().is_empty()
                || matches!(token.as_str(), "//" | "\u{feff}" | "_" | "BUILTIN_RULE")
                || token.contains("..");
            match token.as_str() {
                _ if noise => {}
                "`" => push_unique(&mut expected, "a doc string".into()),
                _ => push_unique(&mut expected, format!("`{token}`")),
            }
        }
        for stack in attempts.call_stacks() {
            // Only the rule that failed: its parents say where we are, not what fits.
            if let Some(name) = stack.deepest.get_rule().copied().and_then(describe_rule) {
                push_unique(&mut expected, name.to_string());
            }
        }
    }
    if expected.is_empty() {
        if let pest::error::ErrorVariant::ParsingError { positives, .. } = &err.variant {
            for rule in positives {
                if let Some(name) = describe_rule(*rule) {
                    push_unique(&mut expected, name.to_string());
                }
            }
        }
    }
    // Inside a body, "a declaration" only means the body was never closed.
    if expected.iter().any(|e| e == "`}`") {
        expected.retain(|e| e != "a declaration");
    }
    // Literal tokens such as `}` are more precise than rule names; keep them first.
    expected.sort_by_key(|e| !e.starts_with('`'));
    let (found, found_span) = token_at(source, pos);
    let mut message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let mut help = help_for(source, pos, &found);
    // Where a type could start right after a name, that name is a field without a type.
    if expected.iter().any(|e| e == "`[]`") {
        if let Some(name) = word_before(source, pos) {
            message = format!("field `{name}` needs a type, found {found}");
            help = help.or_else(|| {
                Some(format!(
                    "write its type after the name: `{name} string`, `{name} []Item`, `{name} Item?`"
                ))
            });
        }
    }
    // An unclosed doc string swallows the rest of the file: point at where it opens.
    if found == "end of file" {
        if let Some(open) = unclosed_doc_start(source) {
            return SyntaxError {
                message: "unterminated doc string".into(),
                span: Span::new(open, open + 1),
                help,
            };
        }
    }
    SyntaxError {
        help,
        message,
        span: found_span,
    }
}

/// The opening backtick of a doc string that is never closed, if any (backticks inside
/// comments and quoted strings do not count).
fn unclosed_doc_start(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => match source[i + 1..].find('`') {
                Some(n) => i += n + 2,
                None => return Some(i),
            },
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += 1;
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = source[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            _ => i += 1,
        }
    }
    None
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

fn describe_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::ident | Rule::type_name => "a name",
        Rule::type_expr | Rule::field_type | Rule::type_prefix => "a type",
        Rule::string | Rule::string_body => "a quoted string",
        Rule::doc | Rule::doc_body => "a doc string",
        // Inside `(...)` the literal `)` and `,` already say what fits.
        Rule::modifier => "an rpc modifier",
        Rule::duration => "a duration such as `300ms`",
        Rule::field => "a field",
        Rule::enum_value => "an enum value",
        Rule::kw_import
        | Rule::kw_service
        | Rule::kw_rpc
        | Rule::kw_schema
        | Rule::kw_message
        | Rule::kw_enum
        | Rule::kw_error
        | Rule::import_decl
        | Rule::service_decl
        | Rule::rpc_decl
        | Rule::schema_decl
        | Rule::message_decl
        | Rule::enum_decl
        | Rule::error_decl => "a declaration",
        _ => return None,
    })
}

/// What stands at `pos`, for "found ...", and its span.
fn token_at(source: &str, pos: usize) -> (String, Span) {
    let rest = &source[pos.min(source.len())..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".into(), Span::new(source.len(), source.len()));
    };
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    let text = &rest[..len];
    let shown = match text {
        "\n" | "\r" => "end of line".to_string(),
        "`" => "a doc string".to_string(),
        " " | "\t" => "a space".to_string(),
        _ => format!("`{}`", text.escape_debug()),
    };
    (shown, Span::new(pos, pos + len))
}

/// The identifier that ends right before `pos` (spaces between allowed), if any.
fn word_before(source: &str, pos: usize) -> Option<&str> {
    let before = source[..pos.min(source.len())].trim_end();
    let rest = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    let word = &before[rest.len()..];
    word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        .then_some(word)
}

const DURATION_FORM: &str =
    "a duration is a whole number followed right away by `ms`, `s` or `m`, as in `300ms`, `2s`, `1m`";

/// Help for a duration gone wrong inside a modifier's parentheses: a fraction (`1.5s`),
/// a space before the unit (`5 s`), a word that is no unit (`3 parsecs`).
fn duration_help(source: &str, pos: usize) -> Option<String> {
    let before = &source[..pos.min(source.len())];
    let open = before.rfind('(')?;
    let arg = before[open + 1..].rsplit(',').next()?.trim_start();
    let number = arg.trim_end();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = &source[pos..];
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    if arg.len() > number.len() {
        let unit = word(rest.trim_start());
        return Some(match unit.as_str() {
            "ms" | "s" | "m" => {
                format!("write the unit right after the number, without a space: `{number}{unit}`")
            }
            "" => DURATION_FORM.to_string(),
            other => format!("`{other}` is not a unit: {DURATION_FORM}"),
        });
    }
    let fraction = rest.strip_prefix('.')?;
    let digits: String = fraction.chars().take_while(char::is_ascii_digit).collect();
    let unit = word(&fraction[digits.len()..]);
    let per_unit: u128 = match unit.as_str() {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        _ => return Some(format!("durations take whole numbers: {DURATION_FORM}")),
    };
    // `1.5s` = 1500ms, when that is a whole number of milliseconds.
    let scale = 10u128.checked_pow(digits.len() as u32)?;
    let whole: u128 = number.parse().ok()?;
    let part: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    let total = (whole.checked_mul(scale)? + part).checked_mul(per_unit)?;
    let written = format!("{number}.{digits}{unit}");
    Some(if total.is_multiple_of(scale) && total > 0 {
        format!(
            "durations take whole numbers: write `{}ms` for `{written}` (the units are `ms`, `s` and `m`)",
            total / scale
        )
    } else {
        format!("durations take whole numbers: {DURATION_FORM}")
    })
}

fn help_for(source: &str, pos: usize, found: &str) -> Option<String> {
    if let Some(help) = duration_help(source, pos) {
        return Some(help);
    }
    let before = source[..pos.min(source.len())].trim_end();
    if found == "`,`" {
        return Some("fields and enum values are separated by newlines, not commas".into());
    }
    if found == "`;`" {
        return Some("brief has no semicolons: separate items with a newline or a space".into());
    }
    // `timeout(5 s)`: a number, a space, then a word.
    let word_follows =
        found.starts_with("`") && found[1..].starts_with(|c: char| c.is_ascii_alphabetic());
    if word_follows
        && before.ends_with(|c: char| c.is_ascii_digit())
        && source[..pos].ends_with(char::is_whitespace)
    {
        return Some(
            "write the unit right after the number, without a space: `5s`, `300ms`".into(),
        );
    }
    if found == "`=`" {
        return Some("fields have no numbers or defaults: write `name Type`".into());
    }
    if found == "end of file" && before.matches('`').count() % 2 == 1 {
        return Some("a doc string opened with ` is never closed".into());
    }
    let word = found.trim_matches('`');
    let keywords = [
        "service", "rpc", "message", "enum", "error", "schema", "import",
    ];
    if let Some(k) = crate::check::names::did_you_mean(word, keywords) {
        return Some(format!("did you mean `{k}`?"));
    }
    if found == "`deprecated`" {
        return Some("write `deprecated` on the same line as the field's type".into());
    }
    // `deprecated` on the line after a type starts a new field of that name.
    let last_line = before.rsplit('\n').next().unwrap_or("");
    if last_line.trim() == "deprecated" {
        return Some(
            "`deprecated` marks a field only on the same line as its type; \
             on a line of its own it is read as the name of a new field"
                .into(),
        );
    }
    if source[pos.min(source.len())..].starts_with(' ') || before.ends_with('[') {
        return Some("type expressions have no spaces inside: `map[string]int`, `[]Item`".into());
    }
    None
}

/// Builds the AST. pest's spans of rules that end in an absent optional part run on over
/// the whitespace and comments after them; every span is trimmed back to its last token.
struct Builder<'s> {
    source: &'s str,
    /// Where the text pest is parsing starts in `source`: pest's positions are relative
    /// to it.
    base: usize,
    /// (end, start) of every comment, sorted by end.
    comment_ends: Vec<(usize, usize)>,
}

impl Builder<'_> {
    fn span_of(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let start = self.base + s.start();
        let mut end = self.base + s.end();
        loop {
            let trimmed = self.source[start..end].trim_end().len();
            end = start + trimmed;
            match self.comment_ends.binary_search_by_key(&end, |(e, _)| *e) {
                Ok(i) if self.comment_ends[i].1 >= start => end = self.comment_ends[i].1,
                _ => break,
            }
        }
        Span::new(start, end)
    }

    fn token(&self, pair: Pair<Rule>) -> Token {
        Token {
            text: pair.as_str().to_string(),
            span: self.span_of(&pair),
        }
    }

    /// A string literal's content (without quotes) and the span of the whole literal.
    fn string_token(&self, pair: Pair<Rule>) -> Token {
        let span = self.span_of(&pair);
        let body = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        Token {
            text: body.to_string(),
            span,
        }
    }

    /// One declaration, from its pair.
    fn decl(&self, pair: Pair<Rule>) -> Decl {
        let span = self.span_of(&pair);
        let rule = pair.as_rule();
        // The first inner pair of every declaration is its keyword.
        let mut inner = pair.into_inner();
        inner.next();
        match rule {
            Rule::import_decl => Decl::Import(ImportDecl {
                path: self.string_token(inner.next().unwrap()),
                span,
            }),
            Rule::service_decl => Decl::Service(ServiceDecl {
                name: self.string_token(inner.next().unwrap()),
                doc: inner.next().map(|p| self.build_doc(p)),
                span,
            }),
            Rule::rpc_decl => {
                let name = self.token(inner.next().unwrap());
                let input = self.token(inner.next().unwrap());
                let output = self.token(inner.next().unwrap());
                let mut modifiers = Vec::new();
                let mut doc = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::modifier => modifiers.push(self.build_modifier(p)),
                        _ => doc = Some(self.build_doc(p)),
                    }
                }
                Decl::Rpc(RpcDecl {
                    name,
                    input,
                    output,
                    modifiers,
                    doc,
                    span,
                })
            }
            Rule::schema_decl => Decl::Schema(SchemaDecl {
                topic: self.string_token(inner.next().unwrap()),
                message: self.token(inner.next().unwrap()),
                doc: inner.next().map(|p| self.build_doc(p)),
                span,
            }),
            Rule::message_decl => {
                let name = self.token(inner.next().unwrap());
                let (fields, doc) = self.build_fields(inner);
                Decl::Message(MessageDecl {
                    name,
                    fields,
                    doc,
                    span,
                })
            }
            Rule::error_decl => {
                let name = self.token(inner.next().unwrap());
                let code = self.token(inner.next().unwrap());
                let (fields, doc) = self.build_fields(inner);
                Decl::Error(ErrorDecl {
                    name,
                    code,
                    fields,
                    doc,
                    span,
                })
            }
            Rule::enum_decl => {
                let name = self.token(inner.next().unwrap());
                let mut values = Vec::new();
                let mut doc = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::enum_value => {
                            let vspan = self.span_of(&p);
                            let mut vi = p.into_inner();
                            values.push(EnumValue {
                                name: self.token(vi.next().unwrap()),
                                doc: vi.next().map(|p| self.build_doc(p)),
                                span: vspan,
                            });
                        }
                        _ => doc = Some(self.build_doc(p)),
                    }
                }
                Decl::Enum(EnumDecl {
                    name,
                    values,
                    doc,
                    span,
                })
            }
            other => unreachable!("`decl` has no alternative {other:?}"),
        }
    }

    fn build_modifier(&self, pair: Pair<Rule>) -> Modifier {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.token(inner.next().unwrap());
        let args = inner.next().map(|args| {
            args.into_inner()
                .map(|a| match a.as_rule() {
                    Rule::duration => ModifierArg::Duration(self.token(a)),
                    _ => ModifierArg::Name(self.token(a)),
                })
                .collect()
        });
        Modifier { name, args, span }
    }

    fn build_fields(&self, pairs: pest::iterators::Pairs<Rule>) -> (Vec<Field>, Option<Doc>) {
        let mut fields = Vec::new();
        let mut doc = None;
        for p in pairs {
            match p.as_rule() {
                Rule::field => fields.push(self.build_field(p)),
                _ => doc = Some(self.build_doc(p)),
            }
        }
        (fields, doc)
    }

    fn build_field(&self, pair: Pair<Rule>) -> Field {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.token(inner.next().unwrap());
        let field_type = inner.next().unwrap();
        let mut ft = field_type.into_inner();
        let ty = self.build_type(ft.next().unwrap());
        let deprecated = ft.next().is_some();
        Field {
            name,
            ty,
            deprecated,
            doc: inner.next().map(|p| self.build_doc(p)),
            span,
        }
    }

    fn build_type(&self, pair: Pair<Rule>) -> TypeExpr {
        let span = self.span_of(&pair);
        let mut prefixes = Vec::new();
        let mut base = None;
        let mut optional = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::type_prefix => {
                    let inner = p.into_inner().next().unwrap();
                    let pspan = self.span_of(&inner);
                    match inner.as_rule() {
                        Rule::list_prefix => prefixes.push(TypePrefix::List(pspan)),
                        _ => prefixes.push(TypePrefix::Map {
                            key: self.token(inner.into_inner().next().unwrap()),
                            span: pspan,
                        }),
                    }
                }
                Rule::type_name => base = Some(self.token(p)),
                _ => optional = true,
            }
        }
        TypeExpr {
            prefixes,
            base: base.expect("type_expr always has a base name"),
            optional,
            span,
        }
    }

    fn build_doc(&self, pair: Pair<Rule>) -> Doc {
        let span = self.span_of(&pair);
        let body = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        Doc {
            text: trim_doc(body),
            span,
        }
    }
}

/// Doc text as the language defines it: the first line as written, continuation lines
/// without their common indentation, trailing spaces and blank edge lines dropped.
pub fn trim_doc(body: &str) -> String {
    let lines: Vec<&str> = body.split('\n').map(|l| l.trim_end()).collect();
    // Indentation is counted in characters: whitespace may be wider than a byte (U+3000).
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.chars().take_while(|c| c.is_whitespace()).count())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            out.push(line.trim_start());
        } else if line.trim().is_empty() {
            out.push("");
        } else {
            let cut = line
                .char_indices()
                .nth(indent)
                .map_or(line.len(), |(b, _)| b);
            out.push(&line[cut..]);
        }
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_example() {
        let src = "service \"summer\" `Adds numbers`\n\
                   rpc sum (SumIn) SumOut idempotent timeout(300ms) `A sum method`\n\
                   message SumIn {\n  a int `A`\n  b int\n}\n";
        let ast = parse(src).unwrap();
        assert_eq!(ast.decls.len(), 3);
        let Decl::Rpc(rpc) = &ast.decls[1] else {
            panic!("expected an rpc")
        };
        assert_eq!(rpc.modifiers.len(), 2);
        assert_eq!(rpc.modifiers[1].name.text, "timeout");
        assert_eq!(rpc.doc.as_ref().unwrap().text, "A sum method");
    }

    #[test]
    fn deprecated_binds_to_the_same_line_only() {
        let src = "message M {\n  a int deprecated\n  deprecated bool\n  c int\n}";
        let ast = parse(src).unwrap();
        let Decl::Message(m) = &ast.decls[0] else {
            panic!()
        };
        let names: Vec<_> = m.fields.iter().map(|f| f.name.text.as_str()).collect();
        assert_eq!(names, ["a", "deprecated", "c"]);
        assert!(m.fields[0].deprecated);
        assert!(!m.fields[1].deprecated);
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        let ast = parse("message messages {}\nmessage M { messageId int }").unwrap();
        assert_eq!(ast.decls.len(), 2);
    }

    #[test]
    fn docs_lose_common_continuation_indent() {
        assert_eq!(
            trim_doc("First line\n      second\n        third\n    "),
            "First line\nsecond\n  third"
        );
        assert_eq!(trim_doc("  padded  "), "padded");
        // Found by tests/mutation.rs: byte-counted indentation split a wide space.
        assert_eq!(trim_doc("a\n\u{3000}b\n  c"), "a\nb\n c");
    }

    #[test]
    fn an_unclosed_doc_is_reported_where_it_opens() {
        let src = "message M {\n  a int `open // not a comment\n  b int\n}\n";
        let err = parse(src).unwrap_err();
        assert_eq!(err.message, "unterminated doc string");
        assert_eq!(
            err.span,
            Span::new(src.find('`').unwrap(), src.find('`').unwrap() + 1)
        );
    }

    #[test]
    fn deprecated_on_the_next_line_is_explained() {
        let err = parse("message M {\n  a int\n    deprecated\n}").unwrap_err();
        assert!(err.help.unwrap().contains("same line"));
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        let err = parse("message M {\n  a int,\n}").unwrap_err();
        assert_eq!(
            &"message M {\n  a int,\n}"[err.span.start..err.span.end],
            ","
        );
        assert!(err.message.contains("found `,`"), "{}", err.message);
        assert!(err.help.unwrap().contains("newlines"));
    }
}
