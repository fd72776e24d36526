//! Messages, enums and typed errors as serde types, and the Rust type of a field.

use super::names;
use super::plan::Plan;
use super::view::{EnumView, ErrorView, FieldView, StructView, VariantView};
use crate::gen::comment_lines;
use crate::model::*;

/// What the module being generated sees: its file, and for fields, the message whose
/// fields they are.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub model: &'a Model,
    pub plan: &'a Plan,
    pub file: FileId,
    pub owner: Option<MessageId>,
}

impl Scope<'_> {
    /// The path of a declared type as seen from the module being generated.
    fn path(&self, file: FileId, name: &str) -> String {
        if file == self.file {
            name.to_string()
        } else {
            format!("super::{}::{name}", self.plan.modules[&file].name)
        }
    }

    pub fn message(&self, id: MessageId) -> String {
        self.path(self.model.message(id).file, &self.plan.messages[&id])
    }

    pub fn error(&self, id: ErrorId) -> String {
        self.path(self.model.error(id).file, &self.plan.errors[&id])
    }

    fn rust_type(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::Int => "i64".into(),
            Type::Float => "f64".into(),
            Type::String => "String".into(),
            Type::Bytes => "Vec<u8>".into(),
            Type::Time => "brief_runtime::Timestamp".into(),
            Type::List(t) => format!("Vec<{}>", self.rust_type(t)),
            Type::Map(t) => format!("std::collections::BTreeMap<String, {}>", self.rust_type(t)),
            Type::Message(id) => self.message(*id),
            Type::Enum(id) => self.path(self.model.enum_(*id).file, &self.plan.enums[id]),
        }
    }

    fn field(&self, fields: &mut crate::gen::names::Namespace, f: &Field) -> FieldView {
        let name = names::field_name(fields, &f.name);
        let mut serde = Vec::new();
        if name.trim_start_matches("r#") != f.name {
            serde.push(format!("rename = {}", names::string_literal(&f.name)));
        }
        if f.optional || f.ty.is_collection() {
            // Absent lists and maps decode as empty, absent optionals as None.
            serde.push("default".into());
        }
        serde.push("with = \"brief_runtime::wire\"".into());
        if f.optional {
            serde.push("skip_serializing_if = \"Option::is_none\"".into());
        }
        let mut ty = self.rust_type(&f.ty);
        if let Type::Message(target) = f.ty {
            // A direct field back into its own cycle would give the struct infinite size.
            if self
                .owner
                .is_some_and(|owner| reaches(self.model, target, owner))
            {
                ty = format!("Box<{ty}>");
            }
        }
        if f.optional {
            ty = format!("Option<{ty}>");
        }
        FieldView {
            name,
            docs: comment_lines(&f.doc),
            serde: serde.join(", "),
            ty,
            deprecated: deprecated(&f.doc, f.deprecated),
        }
    }

    fn data(&self, name: &str, doc: &Option<String>, fields: &[Field]) -> StructView {
        let mut namespace = names::fields();
        StructView {
            boxed: self.owner.is_some_and(|m| {
                self.model.message(m).fields.iter().any(|f| match f.ty {
                    Type::Message(next) => reaches(self.model, next, m),
                    _ => false,
                })
            }),
            name: name.to_string(),
            docs: comment_lines(doc),
            fields: fields
                .iter()
                .map(|f| self.field(&mut namespace, f))
                .collect(),
        }
    }

    pub fn message_view(&self, id: MessageId) -> StructView {
        let m = self.model.message(id);
        let scope = Scope {
            owner: Some(id),
            ..*self
        };
        scope.data(&self.plan.messages[&id], &m.doc, &m.fields)
    }

    pub fn enum_view(&self, id: EnumId) -> EnumView {
        let e = self.model.enum_(id);
        let mut variants = names::variants(false);
        EnumView {
            name: self.plan.enums[&id].clone(),
            docs: comment_lines(&e.doc),
            variants: e
                .values
                .iter()
                .map(|v| VariantView {
                    name: names::variant_name(&mut variants, &v.name),
                    wire: names::string_literal(&v.name),
                    docs: comment_lines(&v.doc),
                })
                .collect(),
        }
    }

    pub fn error_view(&self, id: ErrorId) -> ErrorView {
        let e = self.model.error(id);
        ErrorView {
            data: self.data(&self.plan.errors[&id], &e.doc, &e.fields),
            code: code_variant(e.code),
        }
    }
}

/// `#[deprecated(note = "<the doc>")]` for something the contract deprecates, so that
/// the compiler says why; plain `#[deprecated]` without a doc.
pub fn deprecated(doc: &Option<String>, deprecated: bool) -> Option<String> {
    deprecated.then(|| match doc {
        Some(d) => format!("#[deprecated(note = {})]", names::string_literal(d)),
        None => "#[deprecated]".to_string(),
    })
}

/// Whether `to` is reachable from `from` through direct (not list or map) message fields.
fn reaches(model: &Model, from: MessageId, to: MessageId) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![from];
    while let Some(m) = stack.pop() {
        if m == to {
            return true;
        }
        if !seen.insert(m) {
            continue;
        }
        for f in &model.message(m).fields {
            if let Type::Message(next) = f.ty {
                stack.push(next);
            }
        }
    }
    false
}

/// `not_found` → `NotFound`, the runtime's `Code` variant.
pub fn code_variant(code: ErrorCode) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(code.as_str())
}
