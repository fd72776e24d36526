//! Hover: a declaration's shape and doc.

use std::fmt::Write as _;

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use crate::model::{Field, FileId, Model, Symbol};

/// What to show for a symbol used in (or declared by) `from`; nothing for a file.
pub fn hover(model: &Model, symbol: Symbol, from: FileId) -> Option<Hover> {
    let mut code = String::new();
    let (doc, declared_in) = match symbol {
        Symbol::Message(id) => {
            let m = model.message(id);
            let _ = write!(code, "message {}", m.name);
            write_fields(&mut code, model, &m.fields);
            (m.doc.as_deref(), m.file)
        }
        Symbol::Enum(id) => {
            let e = model.enum_(id);
            let _ = write!(code, "enum {} {{", e.name);
            for v in &e.values {
                let _ = write!(code, "\n    {}", v.name);
            }
            code.push_str(if e.values.is_empty() { "}" } else { "\n}" });
            (e.doc.as_deref(), e.file)
        }
        Symbol::Error(id) => {
            let e = model.error(id);
            let _ = write!(code, "error {}({})", e.name, e.code);
            write_fields(&mut code, model, &e.fields);
            (e.doc.as_deref(), e.file)
        }
        Symbol::File(_) => return None,
    };
    let mut value = format!("```brief\n{code}\n```");
    if let Some(doc) = doc {
        let _ = write!(value, "\n\n{doc}");
    }
    if declared_in != from {
        let _ = write!(
            value,
            "\n\nDeclared in `{}`",
            model.file(declared_in).display_path()
        );
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: None,
    })
}

fn write_fields(code: &mut String, model: &Model, fields: &[Field]) {
    if fields.is_empty() {
        code.push_str(" {}");
        return;
    }
    let width = fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
    code.push_str(" {");
    for f in fields {
        let _ = write!(
            code,
            "\n    {:width$} {}{}{}",
            f.name,
            f.ty.display(model),
            if f.optional { "?" } else { "" },
            if f.deprecated { " deprecated" } else { "" },
        );
    }
    code.push_str("\n}");
}
