//! What a name refers to and every place that names it, from the front end's reference
//! spans ([`Model::symbol_at`], [`Model::references_to`]): the server never looks a
//! name up by its text.

use std::path::PathBuf;

use lsp_types::Location;

use crate::model::{Model, Span, Symbol};

use super::documents::Documents;
use super::text::span_range;

/// A declaration (or a file) found in one check, to be found again in another check
/// that read other files: by its file and where its name starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub path: PathBuf,
    pub start: u32,
    pub file_itself: bool,
}

pub fn anchor(model: &Model, symbol: Symbol) -> Anchor {
    let span = model.definition(symbol);
    Anchor {
        path: model.file(span.file).path.clone(),
        start: span.start,
        file_itself: matches!(symbol, Symbol::File(_)),
    }
}

/// The symbol an anchor names in `model`, if the model read its file.
pub fn find(model: &Model, anchor: &Anchor) -> Option<Symbol> {
    let file = model.files.iter().find(|f| f.path == anchor.path)?;
    if anchor.file_itself {
        return Some(Symbol::File(file.id));
    }
    model
        .symbol_at(file.id, anchor.start)
        .filter(|&s| model.definition(s).start == anchor.start)
}

/// The name under the cursor: a reference's span, or a declaration's name.
pub fn name_at(model: &Model, symbol: Symbol, file: crate::model::FileId, offset: u32) -> Span {
    match model.reference_at(file, offset) {
        Some(r) => r.span,
        None => model.definition(symbol),
    }
}

/// Every use of a symbol, with its declaration first when asked for (a file has no
/// declaration to show).
pub fn uses(model: &Model, symbol: Symbol, with_declaration: bool) -> Vec<Span> {
    let declaration =
        (with_declaration && !matches!(symbol, Symbol::File(_))).then(|| model.definition(symbol));
    declaration
        .into_iter()
        .chain(model.references_to(symbol).map(|r| r.span))
        .collect()
}

/// A span as the editor names it: the open document's URI, else the file's.
pub fn location(docs: &Documents, model: &Model, span: Span) -> Location {
    let file = model.file(span.file);
    Location::new(
        docs.uri_of(&file.path),
        span_range(file, span.start as usize, span.end as usize),
    )
}
