//! The outline of a document: its service, rpcs, schemas, messages (with fields), enums
//! (with values) and errors (with fields), read from the parse tree.

use lsp_types::{DocumentSymbol, SymbolKind};

use crate::syntax::ast::{Decl, Field, Span};
use crate::syntax::parse;

use super::text::{LineIndex, LspLines};

/// The symbols of a text; `None` when it does not parse.
pub fn document_symbols(text: &str, lines: &LineIndex) -> Option<Vec<DocumentSymbol>> {
    let ast = parse(text).ok()?;
    let symbol = |name: &str, detail: Option<String>, kind, span: Span, name_span: Span| {
        #[allow(deprecated)] // `deprecated` is a required field of the type, superseded by tags
        DocumentSymbol {
            name: name.to_string(),
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: lines.range(text, span.start, span.end),
            selection_range: lines.range(text, name_span.start, name_span.end),
            children: None,
        }
    };
    let fields = |fields: &[Field]| {
        Some(
            fields
                .iter()
                .map(|f| {
                    symbol(
                        &f.name.text,
                        Some(f.ty.source_text()),
                        SymbolKind::FIELD,
                        f.span,
                        f.name.span,
                    )
                })
                .collect(),
        )
    };
    let symbols = ast
        .decls
        .iter()
        .filter_map(|decl| {
            Some(match decl {
                Decl::Import(_) => return None,
                Decl::Service(s) => symbol(
                    &s.name.text,
                    Some("service".into()),
                    SymbolKind::MODULE,
                    s.span,
                    s.name.span,
                ),
                Decl::Rpc(r) => symbol(
                    &r.name.text,
                    Some(format!("({}) {}", r.input.text, r.output.text)),
                    SymbolKind::METHOD,
                    r.span,
                    r.name.span,
                ),
                Decl::Schema(s) => symbol(
                    &s.topic.text,
                    Some(format!("schema {}", s.message.text)),
                    SymbolKind::EVENT,
                    s.span,
                    s.topic.span,
                ),
                Decl::Message(m) => DocumentSymbol {
                    children: fields(&m.fields),
                    ..symbol(&m.name.text, None, SymbolKind::STRUCT, m.span, m.name.span)
                },
                Decl::Error(e) => DocumentSymbol {
                    children: fields(&e.fields),
                    ..symbol(
                        &e.name.text,
                        Some(e.code.text.clone()),
                        SymbolKind::CLASS,
                        e.span,
                        e.name.span,
                    )
                },
                Decl::Enum(e) => DocumentSymbol {
                    children: Some(
                        e.values
                            .iter()
                            .map(|v| {
                                symbol(
                                    &v.name.text,
                                    None,
                                    SymbolKind::ENUM_MEMBER,
                                    v.span,
                                    v.name.span,
                                )
                            })
                            .collect(),
                    ),
                    ..symbol(&e.name.text, None, SymbolKind::ENUM, e.span, e.name.span)
                },
            })
        })
        .collect();
    Some(symbols)
}
