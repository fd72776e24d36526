//! Which names refer to which declarations: what an editor needs for "go to definition",
//! "find references" and "rename".

use super::{EnumId, ErrorId, FileId, MessageId, Model, Span};

/// Something a name in a contract can refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Symbol {
    Message(MessageId),
    Enum(EnumId),
    Error(ErrorId),
    /// A file, named by an `import`.
    File(FileId),
}

/// Where a name is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferenceKind {
    /// The base type of a field (`items []Item?` refers to `Item`).
    FieldType,
    RpcInput,
    RpcOutput,
    /// One name of an rpc's `throws(...)`.
    Throws,
    /// The message of a `schema`.
    SchemaMessage,
    /// The path of an `import`.
    Import,
}

/// One use of a declaration's name (or, for an import, of a file's path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// The name as written (for an import: the quoted path, quotes included).
    pub span: Span,
    pub symbol: Symbol,
    pub kind: ReferenceKind,
}

impl Model {
    /// What the name at `offset` in `file` refers to: a reference, or a declaration's own
    /// name (so that "find references" works from either end). An offset at the end of a
    /// name still counts, as an editor's cursor right after a word does.
    pub fn symbol_at(&self, file: FileId, offset: u32) -> Option<Symbol> {
        if let Some(r) = self.reference_at(file, offset) {
            return Some(r.symbol);
        }
        let f = self.files.get(file.index())?;
        let on = |span: Span| span.start <= offset && offset <= span.end;
        f.messages
            .iter()
            .map(|&id| (Symbol::Message(id), self.message(id).name_span))
            .chain(
                f.enums
                    .iter()
                    .map(|&id| (Symbol::Enum(id), self.enum_(id).name_span)),
            )
            .chain(
                f.errors
                    .iter()
                    .map(|&id| (Symbol::Error(id), self.error(id).name_span)),
            )
            .find(|(_, span)| on(*span))
            .map(|(symbol, _)| symbol)
    }

    /// The reference whose name covers `offset` in `file` (end inclusive).
    pub fn reference_at(&self, file: FileId, offset: u32) -> Option<&Reference> {
        // Sorted by (file, start): the candidate is the last one starting at or before
        // the offset.
        let i = self
            .references
            .partition_point(|r| (r.span.file, r.span.start) <= (file, offset));
        let r = self.references[..i].last()?;
        (r.span.file == file && offset <= r.span.end).then_some(r)
    }

    /// Every use of a symbol, in file and position order.
    pub fn references_to(&self, symbol: Symbol) -> impl Iterator<Item = &Reference> + '_ {
        self.references.iter().filter(move |r| r.symbol == symbol)
    }

    /// Where a symbol is declared: the name of a message, enum or error; the start of a
    /// file.
    pub fn definition(&self, symbol: Symbol) -> Span {
        match symbol {
            Symbol::Message(id) => self.message(id).name_span,
            Symbol::Enum(id) => self.enum_(id).name_span,
            Symbol::Error(id) => self.error(id).name_span,
            Symbol::File(file) => Span {
                file,
                start: 0,
                end: 0,
            },
        }
    }

    /// The name of a symbol as written in contracts (a file's path for a file).
    pub fn symbol_name(&self, symbol: Symbol) -> String {
        match symbol {
            Symbol::Message(id) => self.message(id).name.clone(),
            Symbol::Enum(id) => self.enum_(id).name.clone(),
            Symbol::Error(id) => self.error(id).name.clone(),
            Symbol::File(id) => self.file(id).display_path(),
        }
    }
}
