//! Messages, enums, typed errors and topics as Go declarations, and the Go type and
//! codec of a field.

use super::names;
use super::view::{EnumView, ErrorView, FieldView, StructView, TopicView, ValueView};
use super::Builder;
use crate::gen::comment_lines;
use crate::gen::names::Namespace;
use crate::model::*;

impl Builder<'_> {
    /// The Go name of a declared type as seen from this package.
    pub(super) fn qualify(&mut self, file: FileId, name: &str) -> String {
        if file == self.file.id {
            return name.to_string();
        }
        let alias = self.import(file);
        format!("{alias}.{name}")
    }

    pub(super) fn message(&mut self, id: MessageId) -> String {
        let file = self.model.message(id).file;
        self.qualify(file, &self.plan.messages[&id])
    }

    pub(super) fn error(&mut self, id: ErrorId) -> String {
        let file = self.model.error(id).file;
        self.qualify(file, &self.plan.errors[&id])
    }

    fn go_type(&mut self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::Int => "int64".into(),
            Type::Float => "float64".into(),
            Type::String => "string".into(),
            Type::Bytes => "[]byte".into(),
            Type::Time => {
                self.uses_time = true;
                "time.Time".into()
            }
            Type::List(t) => format!("[]{}", self.go_type(t)),
            Type::Map(t) => format!("map[string]{}", self.go_type(t)),
            Type::Message(id) => self.message(*id),
            Type::Enum(id) => {
                let file = self.model.enum_(*id).file;
                self.qualify(file, &self.plan.enums[id])
            }
        }
    }

    fn codec(&mut self, ty: &Type) -> String {
        match ty {
            Type::Bool => "brief.Bool".into(),
            Type::Int => "brief.Int".into(),
            Type::Float => "brief.Float".into(),
            Type::String => "brief.String".into(),
            Type::Bytes => "brief.Bytes".into(),
            Type::Time => "brief.Time".into(),
            Type::List(t) => format!("brief.List({})", self.codec(t)),
            Type::Map(t) => format!("brief.Map({})", self.codec(t)),
            Type::Message(id) => format!("brief.Message[{}]()", self.message(*id)),
            Type::Enum(id) => {
                let e = self.model.enum_(*id);
                if e.file == self.file.id {
                    return self.plan.codecs[id].clone();
                }
                if let Some(var) = self.foreign_codecs.get(id) {
                    return var.clone();
                }
                let ty = self.qualify(e.file, &self.plan.enums[id]);
                let var = self.namespace.claim(&format!(
                    "{}Codec",
                    names::unexported(&ty.replace('.', "_"))
                ));
                self.foreign_codecs.insert(*id, var.clone());
                var
            }
        }
    }

    fn field(&mut self, fields: &mut Namespace, f: &Field) -> FieldView {
        let name = fields.claim(&names::exported(&f.name));
        let mut ty = self.go_type(&f.ty);
        let codec = self.codec(&f.ty);
        let key = names::string_literal(&f.name);
        let (decode, encode) = if f.ty.is_collection() {
            let encode = match (&f.ty, f.optional) {
                (Type::List(elem), true) => {
                    let elem = self.codec(elem);
                    format!("brief.PutOptionalList(e, {key}, m.{name}, {elem})")
                }
                (Type::Map(elem), true) => {
                    let elem = self.codec(elem);
                    format!("brief.PutOptionalMap(e, {key}, m.{name}, {elem})")
                }
                _ => format!("brief.Put(e, {key}, m.{name}, {codec})"),
            };
            (
                format!("brief.Collection(d, {key}, &m.{name}, {codec})"),
                encode,
            )
        } else if f.optional {
            ty = format!("*{ty}");
            (
                format!("brief.Optional(d, {key}, &m.{name}, {codec})"),
                format!("brief.PutOptional(e, {key}, m.{name}, {codec})"),
            )
        } else {
            (
                format!("brief.Required(d, {key}, &m.{name}, {codec})"),
                format!("brief.Put(e, {key}, m.{name}, {codec})"),
            )
        };
        let omitempty = if f.optional { ",omitempty" } else { "" };
        FieldView {
            name,
            ty,
            tag: format!("`json:\"{}{omitempty}\"`", f.name),
            docs: docs_deprecated(&f.doc, f.deprecated, "field"),
            decode,
            encode,
        }
    }

    fn data(
        &mut self,
        name: &str,
        doc: &Option<String>,
        fields: &[Field],
        error: bool,
    ) -> StructView {
        let mut ns = names::fields(error);
        StructView {
            name: name.to_string(),
            docs: comment_lines(doc),
            fields: fields.iter().map(|f| self.field(&mut ns, f)).collect(),
        }
    }

    pub(super) fn topics(&mut self) -> Vec<TopicView> {
        self.file
            .schemas
            .iter()
            .map(|s| {
                let words = s.topic.replace(['.', '-'], "_");
                TopicView {
                    name: self
                        .namespace
                        .claim(&format!("Topic{}", names::exported(&words))),
                    topic: names::string_literal(&s.topic),
                    docs: comment_lines(&s.doc),
                }
            })
            .collect()
    }

    pub(super) fn enums(&self) -> Vec<EnumView> {
        self.file
            .enums
            .iter()
            .map(|id| {
                let e = self.model.enum_(*id);
                EnumView {
                    name: self.plan.enums[id].clone(),
                    docs: comment_lines(&e.doc),
                    codec: self.plan.codecs[id].clone(),
                    values: e
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| ValueView {
                            name: self.plan.values[&(*id, i)].clone(),
                            wire: names::string_literal(&v.name),
                            docs: comment_lines(&v.doc),
                        })
                        .collect(),
                }
            })
            .collect()
    }

    pub(super) fn messages(&mut self) -> Vec<StructView> {
        let file = self.file;
        file.messages
            .iter()
            .map(|id| {
                let m = self.model.message(*id);
                let name = self.plan.messages[id].clone();
                self.data(&name, &m.doc, &m.fields, false)
            })
            .collect()
    }

    pub(super) fn errors(&mut self) -> Vec<ErrorView> {
        let file = self.file;
        file.errors
            .iter()
            .map(|id| {
                let e = self.model.error(*id);
                let name = self.plan.errors[id].clone();
                ErrorView {
                    data: self.data(&name, &e.doc, &e.fields, true),
                    code: format!("brief.Code{}", names::exported(e.code.as_str())),
                    wire_code: e.code.as_str().to_string(),
                    type_name: names::string_literal(&self.model.error_wire_name(*id, None)),
                    message: names::string_literal(e.doc.as_deref().unwrap_or(&e.name)),
                }
            })
            .collect()
    }
}

/// Doc lines, and for something deprecated a `Deprecated:` paragraph that says why: the
/// doc itself, or a sentence when there is none.
pub(super) fn docs_deprecated(doc: &Option<String>, deprecated: bool, what: &str) -> Vec<String> {
    let mut lines = comment_lines(doc);
    if !deprecated {
        return lines;
    }
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
    match lines.first_mut() {
        Some(first) => *first = format!(" Deprecated:{first}"),
        None => lines.push(format!(
            " Deprecated: the contract marks this {what} deprecated."
        )),
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecation_notes_carry_the_doc() {
        let doc = |s: &str| Some(s.to_string());
        assert_eq!(
            docs_deprecated(&doc("Use total.\nIt is exact."), true, "field"),
            [" Deprecated: Use total.", " It is exact."]
        );
        assert_eq!(
            docs_deprecated(&None, true, "rpc"),
            [" Deprecated: the contract marks this rpc deprecated."]
        );
        assert_eq!(docs_deprecated(&doc("Kept"), false, "field"), [" Kept"]);
    }
}
