//! Fields and type expressions: `[]`/`map[string]` prefixes, builtin and declared base
//! types, and the messages rpcs and schemas name.

use super::declarations::{NameSet, Seen};
use super::{DeclRef, Resolver, MAX_TYPE_DEPTH};
use crate::check::errors::{span as src_span, CheckError};
use crate::check::names;
use crate::model::*;
use crate::syntax::ast;

/// Where a name must be a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    RpcInput,
    RpcOutput,
    SchemaMessage,
}

impl Role {
    /// The word messages use: "the input of rpc `x`".
    fn word(self) -> &'static str {
        match self {
            Role::RpcInput => "input",
            Role::RpcOutput => "output",
            Role::SchemaMessage => "message",
        }
    }

    fn reference(self) -> ReferenceKind {
        match self {
            Role::RpcInput => ReferenceKind::RpcInput,
            Role::RpcOutput => ReferenceKind::RpcOutput,
            Role::SchemaMessage => ReferenceKind::SchemaMessage,
        }
    }
}

impl Resolver<'_> {
    /// The fields of message or error `owner` (`owner_kind` is "message `M`").
    pub(super) fn fields(
        &mut self,
        file: usize,
        owner: &str,
        owner_kind: &str,
        fields: &[ast::Field],
    ) -> Vec<Field> {
        let mut seen = NameSet::default();
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            match seen.insert(&f.name) {
                Seen::Same(first) => {
                    self.report(
                        file,
                        CheckError::DuplicateField {
                            name: f.name.text.clone(),
                            owner: owner.to_string(),
                            span: src_span(f.name.span),
                            first: src_span(first.span),
                        },
                    );
                    continue;
                }
                Seen::Collides(first) => {
                    self.collision(file, "field", &f.name, first, format!(" in {owner_kind}"));
                }
                Seen::New => {}
            }
            if !names::is_lower_camel_case(&f.name.text) {
                self.warn_case(
                    file,
                    "field",
                    &f.name,
                    "lowerCamelCase",
                    names::to_lower_camel_case(&f.name.text),
                );
            }
            let Some(ty) = self.resolve_type(file, &f.ty) else {
                continue;
            };
            out.push(Field {
                name: f.name.text.clone(),
                ty,
                optional: f.ty.optional,
                deprecated: f.deprecated,
                doc: f.doc.as_ref().map(|d| d.text.clone()),
                span: Self::span(file, f.span),
                type_span: Self::span(file, f.ty.span),
            });
        }
        out
    }

    fn resolve_type(&mut self, file: usize, ty: &ast::TypeExpr) -> Option<Type> {
        let depth = ty.prefixes.len() + 1;
        if depth > MAX_TYPE_DEPTH {
            self.report(
                file,
                CheckError::TypeTooDeep {
                    depth,
                    max: MAX_TYPE_DEPTH,
                    span: src_span(ty.span),
                },
            );
            return None;
        }
        let mut ok = true;
        for prefix in &ty.prefixes {
            if let ast::TypePrefix::Map { key, .. } = prefix {
                if key.text != "string" {
                    self.report(
                        file,
                        CheckError::MapKey {
                            key: key.text.clone(),
                            span: src_span(key.span),
                        },
                    );
                    ok = false;
                }
            }
        }
        let base = match Type::builtin(&ty.base.text) {
            Some(t) => t,
            None => match self.lookup(file, &ty.base, ReferenceKind::FieldType) {
                Some(DeclRef::Message(id)) => Type::Message(id),
                Some(DeclRef::Enum(id)) => Type::Enum(id),
                Some(DeclRef::Error(_)) => {
                    self.report(
                        file,
                        CheckError::ErrorAsType {
                            name: ty.base.text.clone(),
                            span: src_span(ty.base.span),
                        },
                    );
                    return None;
                }
                None => {
                    self.unknown_type(file, &ty.base);
                    return None;
                }
            },
        };
        if !ok {
            return None;
        }
        Some(
            ty.prefixes
                .iter()
                .rev()
                .fold(base, |inner, prefix| match prefix {
                    ast::TypePrefix::List(_) => Type::List(Box::new(inner)),
                    ast::TypePrefix::Map { .. } => Type::Map(Box::new(inner)),
                }),
        )
    }

    /// An rpc's input or output, or a schema's message: must name a message.
    pub(super) fn message_ref(
        &mut self,
        file: usize,
        name: &ast::Token,
        role: Role,
        owner: &str,
        suggestion: String,
    ) -> Option<MessageId> {
        let found = if Type::builtin(&name.text).is_some() || name.text == "map" {
            "a builtin type"
        } else {
            match self.lookup(file, name, role.reference()) {
                Some(DeclRef::Message(id)) => return Some(id),
                Some(DeclRef::Enum(_)) => "an enum",
                Some(DeclRef::Error(_)) => "an error",
                None => {
                    self.unknown_type(file, name);
                    return None;
                }
            }
        };
        self.report(
            file,
            CheckError::NotAMessage {
                role: role.word(),
                owner: owner.to_string(),
                name: name.text.clone(),
                found,
                suggestion,
                span: src_span(name.span),
            },
        );
        None
    }
}
