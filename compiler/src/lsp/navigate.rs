//! Which declaration a name refers to, and where it is declared.

use crate::model::{EnumId, ErrorId, FileId, MessageId, Model, Span};

use super::completion::{visible, DeclKind};

/// A declaration a name can refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbol {
    Message(MessageId),
    Enum(EnumId),
    Error(ErrorId),
}

/// The declaration named by the word at `offset` of `file` (the end of a word counts,
/// as a cursor right after it does), looked up in the file's scope.
pub fn symbol_at(model: &Model, file: FileId, offset: usize) -> Option<Symbol> {
    let source = &model.file(file).source;
    let word = word_at(source, offset)?;
    let name = &source[word.0..word.1];
    let found = visible(model, file).into_iter().find(|v| v.name == name)?;
    let f = model.file(found.file);
    Some(match found.kind {
        DeclKind::Message => Symbol::Message(
            *f.messages
                .iter()
                .find(|&&m| model.message(m).name == name)?,
        ),
        DeclKind::Enum => Symbol::Enum(*f.enums.iter().find(|&&e| model.enum_(e).name == name)?),
        DeclKind::Error => Symbol::Error(*f.errors.iter().find(|&&e| model.error(e).name == name)?),
    })
}

/// The byte range of the identifier at or right before `offset`.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize)> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text[..offset].rfind(|c| !is_word(c)).map_or(0, |i| i + 1);
    let end = text[offset..]
        .find(|c| !is_word(c))
        .map_or(text.len(), |i| offset + i);
    (start < end).then_some((start, end))
}

/// The span of a declaration's name.
pub fn definition(model: &Model, symbol: Symbol) -> Span {
    let (span, name) = match symbol {
        Symbol::Message(id) => (model.message(id).span, &model.message(id).name),
        Symbol::Enum(id) => (model.enum_(id).span, &model.enum_(id).name),
        Symbol::Error(id) => (model.error(id).span, &model.error(id).name),
    };
    // The declaration's span starts at its keyword; the name is the next word.
    let text = model.snippet(span);
    let keyword_end = text.find(char::is_whitespace).unwrap_or(0);
    let start = text[keyword_end..]
        .find(name.as_str())
        .map_or(0, |i| keyword_end + i);
    Span {
        file: span.file,
        start: span.start + start as u32,
        end: span.start + (start + name.len()) as u32,
    }
}
