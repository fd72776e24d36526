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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Utf16Position;

    const COMMON: &str =
        "message Money { cents int }\nerror Gone(not_found) {}\nenum Kind { a b }\n";
    const SHOP: &str = "import \"common.brief\"\nservice \"shop\"\n\
        rpc buy (Order) Money throws(Gone)\n\
        schema \"shop.sold\" Order\n\
        message Order {\n    price Money\n    kinds []Kind?\n    byName map[string]Money\n}\n";

    fn model() -> Model {
        let sources = crate::MemorySources::new([("common.brief", COMMON), ("shop.brief", SHOP)]);
        let checked = crate::check_with(&sources, &["shop.brief".into()]).unwrap();
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        checked.model
    }

    /// The offset of the `nth` occurrence of `needle` in `text`.
    fn at(text: &str, needle: &str, nth: usize) -> u32 {
        text.match_indices(needle).nth(nth).unwrap().0 as u32
    }

    #[test]
    fn every_use_of_a_declaration_is_recorded() {
        let m = model();
        let shop = m
            .files
            .iter()
            .find(|f| f.path.ends_with("shop.brief"))
            .unwrap();
        let money = m
            .messages
            .iter()
            .position(|msg| msg.name == "Money")
            .unwrap();
        let money = Symbol::Message(crate::model::MessageId(money as u32));
        let uses: Vec<(ReferenceKind, &str)> = m
            .references_to(money)
            .map(|r| (r.kind, m.snippet(r.span)))
            .collect();
        assert_eq!(
            uses,
            [
                (ReferenceKind::RpcOutput, "Money"),
                (ReferenceKind::FieldType, "Money"),
                (ReferenceKind::FieldType, "Money"),
            ]
        );
        // From a use to the declaration, and from the declaration's own name.
        let on_use = at(SHOP, "Money", 1) + 2;
        assert_eq!(m.symbol_at(shop.id, on_use), Some(money));
        let definition = m.definition(money);
        assert_eq!(m.snippet(definition), "Money");
        assert_eq!(m.symbol_at(definition.file, definition.start), Some(money));
        // The end of a name still counts; the space after it does not.
        let end = at(SHOP, "Order", 0) + 5;
        assert!(matches!(
            m.symbol_at(shop.id, end),
            Some(Symbol::Message(_))
        ));
        assert_eq!(m.symbol_at(shop.id, end + 1), None);

        let kinds: Vec<ReferenceKind> = m
            .references
            .iter()
            .filter(|r| r.span.file == shop.id)
            .map(|r| r.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                ReferenceKind::Import,
                ReferenceKind::RpcInput,
                ReferenceKind::RpcOutput,
                ReferenceKind::Throws,
                ReferenceKind::SchemaMessage,
                ReferenceKind::FieldType,
                ReferenceKind::FieldType,
                ReferenceKind::FieldType,
            ]
        );
        // The import names the file; `throws` names the error.
        let import = m.reference_at(shop.id, at(SHOP, "common", 0)).unwrap();
        let common = m
            .files
            .iter()
            .find(|f| f.path.ends_with("common.brief"))
            .unwrap();
        assert_eq!(import.symbol, Symbol::File(common.id));
        assert_eq!(m.snippet(import.span), "\"common.brief\"");
        let gone = m.symbol_at(shop.id, at(SHOP, "Gone", 0)).unwrap();
        assert_eq!(m.symbol_name(gone), "Gone");
        assert_eq!(m.references_to(gone).count(), 1);
    }

    #[test]
    fn positions_convert_to_and_from_utf16() {
        let sources = crate::MemorySources::new([(
            "a.brief",
            "// é😀\nmessage M { a int `é😀 doc` b M? }\n",
        )]);
        let m = crate::check_with(&sources, &["a.brief".into()])
            .unwrap()
            .model;
        let file = &m.files[0];
        let b = file.source.find("b M?").unwrap();
        let position = file.utf16_position(b);
        // `é` is one UTF-16 unit, `😀` two: the column counts units, not bytes.
        let line = &file.source[file.source.find('\n').unwrap() + 1..b];
        assert_eq!(position.line, 1);
        assert_eq!(position.character as usize, line.encode_utf16().count());
        assert_ne!(position.character as usize, line.len());
        assert_eq!(file.offset_of_utf16(position), Some(b));
        // The symbol at an editor's position.
        let on_m = file.offset_of_utf16(Utf16Position {
            character: position.character + 2,
            ..position
        });
        assert_eq!(
            m.symbol_at(file.id, on_m.unwrap() as u32),
            Some(Symbol::Message(file.messages[0]))
        );
    }
}
