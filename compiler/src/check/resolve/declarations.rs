//! The first pass: every message, enum and error of a file gets an id, and the names of
//! declarations and enum values are checked (case, reserved words, duplicates,
//! collisions).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::{DeclRef, Declared, Resolver};
use crate::check::errors::{span as src_span, CheckError};
use crate::check::names;
use crate::model::*;
use crate::syntax::ast;

impl Resolver<'_> {
    /// Gives every message, enum and error of a file an id and checks its name.
    pub(super) fn declare(&mut self, file: usize) {
        let fid = FileId(file as u32);
        for decl in super::asts(&self.units[file]) {
            let (name, kind, doc, span) = match decl {
                ast::Decl::Message(m) => (&m.name, "message", &m.doc, m.span),
                ast::Decl::Enum(e) => (&e.name, "enum", &e.doc, e.span),
                ast::Decl::Error(e) => (&e.name, "error", &e.doc, e.span),
                _ => continue,
            };
            let doc = doc.as_ref().map(|d| d.text.clone());
            let mspan = Self::span(file, span);
            let name_span = Self::span(file, name.span);
            let declared = match decl {
                ast::Decl::Message(_) => {
                    let id = MessageId(self.model.messages.len() as u32);
                    self.model.messages.push(Message {
                        name: name.text.clone(),
                        name_span,
                        file: fid,
                        fields: Vec::new(),
                        doc,
                        span: mspan,
                    });
                    self.model.files[file].messages.push(id);
                    DeclRef::Message(id)
                }
                ast::Decl::Enum(e) => {
                    let id = EnumId(self.model.enums.len() as u32);
                    let values = self.enum_values(file, e);
                    self.model.enums.push(Enum {
                        name: name.text.clone(),
                        name_span,
                        file: fid,
                        values,
                        doc,
                        span: mspan,
                    });
                    self.model.files[file].enums.push(id);
                    DeclRef::Enum(id)
                }
                ast::Decl::Error(e) => {
                    let id = ErrorId(self.model.errors.len() as u32);
                    let code = self.error_code(file, &e.code);
                    self.model.errors.push(ErrorType {
                        name: name.text.clone(),
                        name_span,
                        file: fid,
                        code,
                        fields: Vec::new(),
                        doc,
                        span: mspan,
                    });
                    self.model.files[file].errors.push(id);
                    DeclRef::Error(id)
                }
                _ => unreachable!("filtered above"),
            };
            self.check_type_name(file, name, kind);
            let entry = Declared {
                decl: declared,
                file,
                span: name.span,
            };
            if let Some(first) = self.own[file].get(name.text.as_str()) {
                let first = first.span;
                self.duplicate(
                    file,
                    name,
                    first,
                    "messages, enums and errors share one namespace",
                );
                continue;
            }
            self.own[file].insert(&name.text, entry);
            match self.own_folded[file].entry(names::fold(&name.text)) {
                Entry::Vacant(slot) => {
                    slot.insert(entry);
                }
                Entry::Occupied(first) => {
                    let first = *first.get();
                    let other = self.name_at(first);
                    self.report(
                        file,
                        CheckError::NameCollision {
                            kind,
                            name: name.text.clone(),
                            other,
                            owner: String::new(),
                            span: src_span(name.span),
                            first: Some(src_span(first.span)),
                        },
                    );
                }
            }
        }
    }

    /// The name of a declaration as written.
    pub(super) fn name_at(&self, d: Declared) -> String {
        match d.decl {
            DeclRef::Message(id) => self.model.messages[id.index()].name.clone(),
            DeclRef::Enum(id) => self.model.enums[id.index()].name.clone(),
            DeclRef::Error(id) => self.model.errors[id.index()].name.clone(),
        }
    }

    fn check_type_name(&mut self, file: usize, name: &ast::Token, kind: &'static str) {
        if names::RESERVED.contains(&name.text.as_str()) {
            self.report(
                file,
                CheckError::ReservedName {
                    name: name.text.clone(),
                    kind,
                    suggestion: format!("{}{}", names::to_pascal_case(&name.text), "Value"),
                    span: src_span(name.span),
                },
            );
        } else if !names::is_pascal_case(&name.text) {
            self.warn_case(
                file,
                kind,
                name,
                "PascalCase",
                names::to_pascal_case(&name.text),
            );
        }
    }

    pub(super) fn warn_case(
        &mut self,
        file: usize,
        kind: &'static str,
        name: &ast::Token,
        expected: &'static str,
        suggestion: String,
    ) {
        let help = (!suggestion.is_empty() && suggestion != name.text)
            .then(|| format!("rename it `{suggestion}`"));
        self.report(
            file,
            CheckError::NameCase {
                kind,
                name: name.text.clone(),
                expected,
                span: src_span(name.span),
                help,
            },
        );
    }

    fn enum_values(&mut self, file: usize, e: &ast::EnumDecl) -> Vec<EnumValue> {
        if e.values.is_empty() {
            self.report(
                file,
                CheckError::EmptyEnum {
                    name: e.name.text.clone(),
                    span: src_span(e.name.span),
                },
            );
        }
        let mut seen = NameSet::default();
        let mut values = Vec::with_capacity(e.values.len());
        for v in &e.values {
            match seen.insert(&v.name) {
                Seen::Same(first) => {
                    self.report(
                        file,
                        CheckError::DuplicateEnumValue {
                            name: v.name.text.clone(),
                            owner: e.name.text.clone(),
                            span: src_span(v.name.span),
                            first: src_span(first.span),
                        },
                    );
                    continue;
                }
                Seen::Collides(first) => {
                    let owner = format!(" in enum `{}`", e.name.text);
                    self.collision(file, "enum value", &v.name, first, owner);
                }
                Seen::New => {}
            }
            if !names::is_lower_snake_case(&v.name.text)
                && !names::is_lower_camel_case(&v.name.text)
            {
                let suggestion = heck::ToSnakeCase::to_snake_case(v.name.text.as_str());
                self.warn_case(
                    file,
                    "enum value",
                    &v.name,
                    "lower_snake_case or lowerCamelCase",
                    suggestion,
                );
            }
            values.push(EnumValue {
                name: v.name.text.clone(),
                doc: v.doc.as_ref().map(|d| d.text.clone()),
                span: Self::span(file, v.span),
            });
        }
        values
    }

    fn error_code(&mut self, file: usize, code: &ast::Token) -> ErrorCode {
        if let Some(c) = ErrorCode::parse(&code.text) {
            return c;
        }
        let candidates = ErrorCode::ALL.iter().map(|c| c.as_str());
        let help = match names::did_you_mean(&code.text, candidates) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "the codes are: {}",
                ErrorCode::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.report(
            file,
            CheckError::UnknownErrorCode {
                code: code.text.clone(),
                span: src_span(code.span),
                help: Some(help),
            },
        );
        ErrorCode::Unknown
    }
}

impl Resolver<'_> {
    /// Reports `name` declared again, first at `first` (same file).
    pub(super) fn duplicate(
        &mut self,
        file: usize,
        name: &ast::Token,
        first: ast::Span,
        help: &str,
    ) {
        self.report(
            file,
            CheckError::DuplicateDeclaration {
                name: name.text.clone(),
                span: src_span(name.span),
                first: Some(src_span(first)),
                help: Some(help.into()),
            },
        );
    }

    /// Reports `name` colliding with `first` (same scope, same file).
    pub(super) fn collision(
        &mut self,
        file: usize,
        kind: &'static str,
        name: &ast::Token,
        first: &ast::Token,
        owner: String,
    ) {
        self.report(
            file,
            CheckError::NameCollision {
                kind,
                name: name.text.clone(),
                other: first.text.clone(),
                owner,
                span: src_span(name.span),
                first: Some(src_span(first.span)),
            },
        );
    }
}

/// Names of one scope, by exact spelling and folded, to tell duplicates from collisions.
#[derive(Default)]
pub(super) struct NameSet<'a> {
    exact: HashMap<&'a str, &'a ast::Token>,
    folded: HashMap<String, &'a ast::Token>,
}

pub(super) enum Seen<'a> {
    New,
    /// Spelled exactly like an earlier name.
    Same(&'a ast::Token),
    /// Spelled differently, but the same once folded.
    Collides(&'a ast::Token),
}

impl<'a> NameSet<'a> {
    /// Adds a name unless it is a duplicate; a colliding name is added (it is a name of
    /// its own, only a dangerous one).
    pub(super) fn insert(&mut self, name: &'a ast::Token) -> Seen<'a> {
        if let Some(first) = self.exact.get(name.text.as_str()) {
            return Seen::Same(first);
        }
        self.exact.insert(&name.text, name);
        match self.folded.entry(names::fold(&name.text)) {
            Entry::Occupied(first) => Seen::Collides(first.get()),
            Entry::Vacant(slot) => {
                slot.insert(name);
                Seen::New
            }
        }
    }
}
