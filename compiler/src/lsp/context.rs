//! What may be written at the cursor, from the tokens before it. The text being typed
//! rarely parses, so this reads tokens (skipping comments, docs and strings) rather than
//! the parse tree; what the names mean still comes from the checked model.

/// A place in a contract where completion can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A field's type: builtins, messages and enums.
    FieldType,
    /// The key of `map[...]`: only `string`.
    MapKey,
    /// After a field's type on the same line: `deprecated`.
    AfterFieldType,
    /// An rpc's input or output, a schema's message: messages.
    Message,
    /// After an rpc's output: the modifiers not written yet.
    Modifier {
        written: Vec<String>,
        new_line: bool,
    },
    /// Inside `throws(...)`: the errors not listed yet.
    Throws { listed: Vec<String> },
    /// Inside `error Name(...)`: the protocol's error codes.
    ErrorCode,
    /// Where a declaration starts: the keywords.
    Declaration,
    /// Somewhere nothing is suggested (a name being declared, a doc, a string).
    Nothing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Punct(char),
    /// A doc string or a quoted string, already closed.
    Text,
}

/// The tokens before `offset` with whether a line break precedes each, or `None` when
/// the offset is inside a comment, a doc or a string.
fn tokens(text: &str, offset: usize) -> Option<Vec<(Tok, bool)>> {
    let bytes = &text.as_bytes()[..offset];
    let mut out = Vec::new();
    let mut newline = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                newline = true;
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                match bytes[i..].iter().position(|&c| c == b'\n') {
                    Some(n) => i += n,
                    None => return None,
                }
            }
            b'`' => match bytes[i + 1..].iter().position(|&c| c == b'`') {
                Some(n) => {
                    out.push((Tok::Text, std::mem::take(&mut newline)));
                    i += n + 2;
                }
                None => return None,
            },
            b'"' => match bytes[i + 1..].iter().position(|&c| c == b'"' || c == b'\n') {
                Some(n) if bytes[i + 1 + n] == b'"' => {
                    out.push((Tok::Text, std::mem::take(&mut newline)));
                    i += n + 2;
                }
                _ => return None,
            },
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                let n = bytes[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .unwrap_or(bytes.len() - i);
                let word = String::from_utf8_lossy(&bytes[i..i + n]).into_owned();
                out.push((Tok::Word(word), std::mem::take(&mut newline)));
                i += n;
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                // Multi-byte characters only occur in docs, strings and comments of a
                // valid file; elsewhere they are one token of noise.
                let c = text[i..].chars().next().unwrap_or('?');
                out.push((Tok::Punct(c), std::mem::take(&mut newline)));
                i += c.len_utf8();
            }
        }
    }
    Some(out)
}

/// What fits at `offset`; a word being typed there is what completion replaces.
pub fn slot_at(text: &str, offset: usize) -> Slot {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    // The word under the cursor is being typed: the slot is the one before it.
    let word_start = text[..offset]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let Some(tokens) = tokens(text, word_start) else {
        return Slot::Nothing;
    };
    let cursor_on_new_line = text[..word_start]
        .rfind(|c: char| !c.is_whitespace() || c == '\n')
        .is_some_and(|i| text.as_bytes()[i] == b'\n')
        || tokens.is_empty();
    // The declaration the cursor is in: from its keyword at the top level.
    let mut depth = 0usize;
    let mut start = 0;
    for (i, (tok, _)) in tokens.iter().enumerate() {
        match tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth = depth.saturating_sub(1),
            Tok::Word(w) if depth == 0 && is_keyword(w) => start = i,
            _ => {}
        }
    }
    let decl = &tokens[start..];
    let Some((Tok::Word(keyword), _)) = decl.first() else {
        return Slot::Declaration;
    };
    match keyword.as_str() {
        "message" | "error" => in_body_decl(keyword, decl, cursor_on_new_line),
        "rpc" => in_rpc(decl, cursor_on_new_line),
        "schema" => match decl {
            [_, (Tok::Text, _)] => Slot::Message,
            _ if cursor_on_new_line && depth == 0 => Slot::Declaration,
            _ => Slot::Nothing,
        },
        "enum" if open_body(decl) => Slot::Nothing,
        _ if cursor_on_new_line => Slot::Declaration,
        _ => Slot::Nothing,
    }
}

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "import" | "service" | "rpc" | "schema" | "message" | "enum" | "error"
    )
}

/// The body `{` is open and not closed yet.
fn open_body(decl: &[(Tok, bool)]) -> bool {
    let mut depth = 0i32;
    let mut opened = false;
    for (tok, _) in decl {
        match tok {
            Tok::Punct('{') => {
                depth += 1;
                opened = true;
            }
            Tok::Punct('}') => depth -= 1,
            _ => {}
        }
    }
    opened && depth > 0
}

/// Inside `message Name { ... }` or `error Name(code) { ... }`.
fn in_body_decl(keyword: &str, decl: &[(Tok, bool)], on_new_line: bool) -> Slot {
    if keyword == "error" && matches!(decl, [_, (Tok::Word(_), _), (Tok::Punct('('), _)]) {
        return Slot::ErrorCode;
    }
    let Some(open) = decl.iter().position(|(t, _)| *t == Tok::Punct('{')) else {
        return Slot::Nothing;
    };
    if !open_body(decl) {
        return if on_new_line {
            Slot::Declaration
        } else {
            Slot::Nothing
        };
    }
    // Fields: `name type [deprecated] [doc]`, one after another.
    #[derive(PartialEq)]
    enum State {
        Name,
        Type,
        ListOpen,
        MapOpen,
        MapKey,
        MapClose,
        AfterType,
    }
    let mut state = State::Name;
    for (tok, newline) in &decl[open + 1..] {
        state = match (state, tok) {
            (State::Name, Tok::Word(_)) => State::Type,
            (State::Type, Tok::Punct('[')) => State::ListOpen,
            (State::ListOpen, Tok::Punct(']')) => State::Type,
            (State::Type, Tok::Word(w)) if w == "map" => State::MapOpen,
            (State::MapOpen, Tok::Punct('[')) => State::MapKey,
            (State::MapKey, Tok::Word(_)) => State::MapClose,
            (State::MapClose, Tok::Punct(']')) => State::Type,
            (State::Type, Tok::Word(_)) => State::AfterType,
            (State::AfterType, Tok::Punct('?')) => State::AfterType,
            (State::AfterType, Tok::Word(w)) if w == "deprecated" && !newline => State::Name,
            (State::AfterType, Tok::Word(_)) => State::Type,
            (_, _) => State::Name,
        };
    }
    match state {
        State::Type => Slot::FieldType,
        State::MapKey => Slot::MapKey,
        State::AfterType if !on_new_line => Slot::AfterFieldType,
        _ => Slot::Nothing,
    }
}

/// Inside `rpc name (In) Out modifiers...`.
fn in_rpc(decl: &[(Tok, bool)], on_new_line: bool) -> Slot {
    let words = |toks: &[(Tok, bool)]| -> Vec<String> {
        toks.iter()
            .filter_map(|(t, _)| match t {
                Tok::Word(w) => Some(w.clone()),
                _ => None,
            })
            .collect()
    };
    match decl {
        [_, (Tok::Word(_), _), (Tok::Punct('('), _)] => return Slot::Message,
        [_, (Tok::Word(_), _), (Tok::Punct('('), _), (Tok::Word(_), _), (Tok::Punct(')'), _)] => {
            return Slot::Message
        }
        _ => {}
    }
    if decl.len() < 6 {
        return Slot::Nothing;
    }
    let rest = &decl[6..];
    // Inside the parentheses of a modifier?
    if let Some(open) = rest.iter().rposition(|(t, _)| *t == Tok::Punct('(')) {
        if !rest[open..].iter().any(|(t, _)| *t == Tok::Punct(')')) {
            return match rest[..open].last() {
                Some((Tok::Word(w), _)) if w == "throws" => Slot::Throws {
                    listed: words(&rest[open..]),
                },
                _ => Slot::Nothing,
            };
        }
    }
    if rest.iter().any(|(t, _)| *t == Tok::Text) {
        // The doc comes last: a new declaration may follow it.
        return if on_new_line {
            Slot::Declaration
        } else {
            Slot::Nothing
        };
    }
    // Words outside parentheses are the modifiers written so far.
    let mut written = Vec::new();
    let mut depth = 0;
    for (t, _) in rest {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Word(w) if depth == 0 => written.push(w.clone()),
            _ => {}
        }
    }
    Slot::Modifier {
        written,
        new_line: on_new_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slot at `|` in the text.
    fn slot(marked: &str) -> Slot {
        let at = marked.find('|').unwrap();
        slot_at(&marked.replace('|', ""), at)
    }

    #[test]
    fn field_types_and_what_follows_them() {
        assert_eq!(slot("message M {\n    a |"), Slot::FieldType);
        assert_eq!(slot("message M {\n    a In|"), Slot::FieldType);
        assert_eq!(slot("message M {\n    a []|"), Slot::FieldType);
        assert_eq!(slot("message M {\n    a map[|"), Slot::MapKey);
        assert_eq!(slot("message M {\n    a map[string]|"), Slot::FieldType);
        assert_eq!(slot("message M {\n    a int |"), Slot::AfterFieldType);
        assert_eq!(slot("message M {\n    a int\n    |"), Slot::Nothing);
        assert_eq!(slot("message M { a int b |"), Slot::FieldType);
        assert_eq!(slot("message M {\n    a int `doc` |"), Slot::Nothing);
        assert_eq!(
            slot("message M {\n    a int deprecated\n    b |"),
            Slot::FieldType
        );
        assert_eq!(slot("error E(not_found) {\n    id |"), Slot::FieldType);
        assert_eq!(slot("message M { a int }\n|"), Slot::Declaration);
        assert_eq!(slot("message M {\n    a int `doc |"), Slot::Nothing);
        assert_eq!(slot("// message M { a |"), Slot::Nothing);
    }

    #[test]
    fn rpc_parts() {
        assert_eq!(slot("rpc get (|"), Slot::Message);
        assert_eq!(slot("rpc get (GetIn) |"), Slot::Message);
        assert_eq!(slot("rpc get (GetIn) G|"), Slot::Message);
        assert_eq!(
            slot("rpc get (GetIn) GetOut readonly |"),
            Slot::Modifier {
                written: vec!["readonly".into()],
                new_line: false
            }
        );
        assert_eq!(
            slot("rpc get (GetIn) GetOut timeout(2s) throws(A, |"),
            Slot::Throws {
                listed: vec!["A".into()]
            }
        );
        assert_eq!(slot("rpc get (GetIn) GetOut timeout(|"), Slot::Nothing);
        assert_eq!(slot("rpc get (GetIn) GetOut `doc`\n|"), Slot::Declaration);
        assert_eq!(slot("schema \"a.b\" |"), Slot::Message);
        assert_eq!(slot("error E(|"), Slot::ErrorCode);
        assert_eq!(slot("|"), Slot::Declaration);
        assert_eq!(slot("service \"s\"\n|"), Slot::Declaration);
    }
}
