//! Completion of type names, modifiers, error codes and keywords, by where the cursor is.

use std::collections::HashSet;

use lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind,
};

use crate::model::{ErrorCode, FileId, Model};

use super::context::Slot;

/// The builtin types, with what they are on the wire.
pub const BUILTINS: &[(&str, &str)] = &[
    ("bool", "`true` or `false`"),
    ("int", "a 64-bit signed integer (a JSON number)"),
    ("float", "a 64-bit floating-point number (a JSON number)"),
    ("string", "a UTF-8 string"),
    ("bytes", "bytes, as a base64 string in JSON"),
    (
        "time",
        "an instant, as an RFC 3339 string with microsecond precision",
    ),
];

/// The rpc modifiers: label, snippet to insert, what it means.
const MODIFIERS: &[(&str, &str, &str)] = &[
    (
        "idempotent",
        "idempotent",
        "repeating the call has the same effect as one call: clients may retry it",
    ),
    (
        "readonly",
        "readonly",
        "no side effects; implies `idempotent`; may also be served by HTTP GET",
    ),
    (
        "timeout()",
        "timeout(${1:1s})",
        "the server's promised latency bound and the clients' default deadline (1s when not given)",
    ),
    (
        "deprecated",
        "deprecated",
        "still served; generated code carries the deprecation marker",
    ),
    (
        "throws()",
        "throws($1)",
        "the typed errors the rpc may return",
    ),
];

const KEYWORDS: &[&str] = &[
    "import", "service", "rpc", "schema", "message", "enum", "error",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    Message,
    Enum,
    Error,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Message => "message",
            DeclKind::Enum => "enum",
            DeclKind::Error => "error",
        }
    }
}

/// A message, enum or error a file can name: its own and those its imports declare.
#[derive(Debug, Clone)]
pub struct Visible<'m> {
    pub name: &'m str,
    pub kind: DeclKind,
    pub doc: Option<&'m str>,
    pub file: FileId,
}

/// What `file` can name, its own declarations first (imports are not transitive).
pub fn visible(model: &Model, file: FileId) -> Vec<Visible<'_>> {
    let mut files = vec![file];
    for import in &model.file(file).imports {
        if !files.contains(&import.file) {
            files.push(import.file);
        }
    }
    let mut out = Vec::new();
    for id in files {
        let f = model.file(id);
        let messages = f
            .messages
            .iter()
            .map(|&m| model.message(m))
            .map(|m| (&m.name, DeclKind::Message, &m.doc));
        let enums = f
            .enums
            .iter()
            .map(|&e| model.enum_(e))
            .map(|e| (&e.name, DeclKind::Enum, &e.doc));
        let errors = f
            .errors
            .iter()
            .map(|&e| model.error(e))
            .map(|e| (&e.name, DeclKind::Error, &e.doc));
        for (name, kind, doc) in messages.chain(enums).chain(errors) {
            out.push(Visible {
                name,
                kind,
                doc: doc.as_deref(),
                file: id,
            });
        }
    }
    out
}

/// The items for a slot. `scope` is what the file can name (from its last check that
/// parsed); `snippets` says whether the editor takes snippet syntax.
pub fn items(
    slot: &Slot,
    model: Option<&Model>,
    file: Option<FileId>,
    snippets: bool,
) -> Vec<CompletionItem> {
    let scope = match (model, file) {
        (Some(model), Some(file)) => visible(model, file),
        _ => Vec::new(),
    };
    let declared = |kinds: &[DeclKind], except: &[String]| -> Vec<CompletionItem> {
        let mut seen = HashSet::new();
        scope
            .iter()
            .filter(|v| kinds.contains(&v.kind) && !except.iter().any(|e| e == v.name))
            .filter(|v| seen.insert(v.name))
            .map(|v| {
                let from = model
                    .filter(|_| Some(v.file) != file)
                    .map(|m| format!(" (from {})", m.file(v.file).display_path()))
                    .unwrap_or_default();
                CompletionItem {
                    label: v.name.to_string(),
                    kind: Some(match v.kind {
                        DeclKind::Message => CompletionItemKind::STRUCT,
                        DeclKind::Enum => CompletionItemKind::ENUM,
                        DeclKind::Error => CompletionItemKind::CLASS,
                    }),
                    detail: Some(format!("{}{from}", v.kind.keyword())),
                    documentation: v.doc.map(markdown),
                    ..Default::default()
                }
            })
            .collect()
    };
    let keyword = |label: &str, detail: &str| CompletionItem {
        label: label.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        documentation: (!detail.is_empty()).then(|| markdown(detail)),
        ..Default::default()
    };
    match slot {
        Slot::FieldType => {
            let mut items: Vec<CompletionItem> = BUILTINS
                .iter()
                .map(|(name, doc)| CompletionItem {
                    detail: Some("builtin type".into()),
                    ..keyword(name, doc)
                })
                .collect();
            items.extend(declared(&[DeclKind::Message, DeclKind::Enum], &[]));
            items
        }
        Slot::MapKey => vec![keyword("string", "map keys are always strings")],
        Slot::AfterFieldType => vec![keyword(
            "deprecated",
            "the field is still read and written; generated code marks it deprecated",
        )],
        Slot::Message => declared(&[DeclKind::Message], &[]),
        Slot::Throws { listed } => declared(&[DeclKind::Error], listed),
        Slot::Modifier { written, new_line } => {
            let mut items: Vec<CompletionItem> = MODIFIERS
                .iter()
                .filter(|(label, _, _)| {
                    let name = label.trim_end_matches("()");
                    !written.iter().any(|w| w == name)
                })
                .map(|(label, snippet, doc)| {
                    let mut item = keyword(label, doc);
                    if snippets && snippet.contains('$') {
                        item.insert_text = Some(snippet.to_string());
                        item.insert_text_format = Some(InsertTextFormat::SNIPPET);
                    }
                    item.detail = Some("rpc modifier".into());
                    item
                })
                .collect();
            if *new_line {
                items.extend(KEYWORDS.iter().map(|k| keyword(k, "")));
            }
            items
        }
        Slot::ErrorCode => ErrorCode::ALL
            .iter()
            .map(|code| CompletionItem {
                detail: Some(format!("HTTP {}", code.http_status())),
                kind: Some(CompletionItemKind::CONSTANT),
                ..keyword(code.as_str(), "")
            })
            .collect(),
        Slot::Declaration => KEYWORDS.iter().map(|k| keyword(k, "")).collect(),
        Slot::Nothing => Vec::new(),
    }
}

pub fn markdown(text: &str) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modifiers_offered_are_the_ones_the_checker_accepts() {
        let sources = crate::MemorySources::new([(
            "a.brief",
            "service \"a\"\nrpc a (M) M bogus\nmessage M {}\n",
        )]);
        let checked = crate::check_with(&sources, &["a.brief".into()]).unwrap();
        let help = checked
            .diagnostics
            .iter()
            .find_map(|d| miette::Diagnostic::help(&d.error).map(|h| h.to_string()))
            .unwrap();
        let offered: Vec<&str> = MODIFIERS
            .iter()
            .map(|(label, _, _)| label.trim_end_matches("()"))
            .collect();
        assert_eq!(help, format!("the modifiers are: {}", offered.join(", ")));
    }
}
