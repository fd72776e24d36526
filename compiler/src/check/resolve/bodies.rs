//! The second walk over each file's declarations: the service, the bodies of messages
//! and errors, rpcs and schemas, each resolved against the file's scope.

use std::collections::HashMap;

use super::declarations::{NameSet, Seen};
use super::{asts, types, DeclRef, Resolver};
use crate::check::errors::{span as src_span, CheckError};
use crate::check::names;
use crate::model::*;
use crate::syntax::ast;

impl<'u> Resolver<'u> {
    /// The second walk over a file's declarations: bodies, the service, rpcs, schemas.
    pub(super) fn resolve_file(&mut self, file: usize) {
        let units = self.units;
        let mut service: Option<&'u ast::ServiceDecl> = None;
        let mut rpc_names = NameSet::default();
        let mut topics: HashMap<&str, ast::Span> = HashMap::new();
        // An rpc needs a service anywhere in its file, before or after it.
        let has_service = asts(&units[file])
            .iter()
            .any(|d| matches!(d, ast::Decl::Service(_)));
        for decl in asts(&units[file]) {
            match decl {
                ast::Decl::Service(s) => {
                    if let Some(first) = service {
                        self.report(
                            file,
                            CheckError::MultipleServices {
                                span: src_span(s.span),
                                first: src_span(first.span),
                            },
                        );
                        continue;
                    }
                    service = Some(s);
                    self.service(file, s);
                }
                ast::Decl::Message(m) => {
                    let Some(DeclRef::Message(id)) = self.own_id(file, &m.name, m.span) else {
                        continue;
                    };
                    let owner = format!("message `{}`", m.name.text);
                    let fields = self.fields(file, &m.name.text, &owner, &m.fields);
                    self.model.messages[id.index()].fields = fields;
                }
                ast::Decl::Error(e) => {
                    let Some(DeclRef::Error(id)) = self.own_id(file, &e.name, e.span) else {
                        continue;
                    };
                    let owner = format!("error `{}`", e.name.text);
                    let fields = self.fields(file, &e.name.text, &owner, &e.fields);
                    self.model.errors[id.index()].fields = fields;
                }
                ast::Decl::Rpc(rpc) => {
                    let service_name = service.map(|s| s.name.text.as_str());
                    if !self.first_rpc_of_name(file, &mut rpc_names, &rpc.name, service_name) {
                        continue;
                    }
                    if let Some(r) = self.rpc(file, rpc, has_service) {
                        self.model.files[file].rpcs.push(r);
                    }
                }
                ast::Decl::Schema(s) => {
                    if !self.first_of_name(
                        file,
                        &mut topics,
                        &s.topic,
                        "a topic carries one kind of event",
                    ) {
                        continue;
                    }
                    self.schema(file, s);
                }
                ast::Decl::Import(_) | ast::Decl::Enum(_) => {}
            }
        }
    }

    fn service(&mut self, file: usize, s: &ast::ServiceDecl) {
        if !names::is_service_name(&s.name.text) {
            let suggestion = names::to_kebab_case(&s.name.text);
            self.report(
                file,
                CheckError::ServiceName {
                    name: s.name.text.clone(),
                    span: src_span(s.name.span),
                    help: (names::is_service_name(&suggestion))
                        .then(|| format!("write \"{suggestion}\"")),
                },
            );
        }
        self.model.files[file].service = Some(Service {
            name: s.name.text.clone(),
            doc: s.doc.as_ref().map(|d| d.text.clone()),
            span: Self::span(file, s.span),
        });
    }

    fn schema(&mut self, file: usize, s: &ast::SchemaDecl) {
        if !names::is_topic(&s.topic.text) {
            let suggestion = s
                .topic
                .text
                .split('.')
                .map(heck::ToSnakeCase::to_snake_case)
                .collect::<Vec<_>>()
                .join(".");
            self.report(
                file,
                CheckError::TopicFormat {
                    topic: s.topic.text.clone(),
                    span: src_span(s.topic.span),
                    help: names::is_topic(&suggestion).then(|| format!("write \"{suggestion}\"")),
                },
            );
        }
        let owner = format!("schema \"{}\"", s.topic.text);
        let suggestion = names::to_pascal_case(&s.topic.text.replace('.', "_"));
        let role = types::Role::SchemaMessage;
        if let Some(message) = self.message_ref(file, &s.message, role, &owner, suggestion) {
            self.model.files[file].schemas.push(Schema {
                topic: s.topic.text.clone(),
                message,
                doc: s.doc.as_ref().map(|d| d.text.clone()),
                span: Self::span(file, s.span),
            });
        }
    }

    /// Records `name` as seen; a name seen before is reported and `false` returned.
    fn first_of_name(
        &mut self,
        file: usize,
        seen: &mut HashMap<&'u str, ast::Span>,
        name: &'u ast::Token,
        help: &str,
    ) -> bool {
        if let Some(first) = seen.get(name.text.as_str()) {
            let first = *first;
            self.duplicate(file, name, first, help);
            return false;
        }
        seen.insert(&name.text, name.span);
        true
    }

    /// Like [`Self::first_of_name`] for rpcs, which must also not collide once folded.
    fn first_rpc_of_name(
        &mut self,
        file: usize,
        seen: &mut NameSet<'u>,
        name: &'u ast::Token,
        service: Option<&str>,
    ) -> bool {
        match seen.insert(name) {
            Seen::New => true,
            Seen::Same(first) => {
                self.duplicate(
                    file,
                    name,
                    first.span,
                    "rpc names are unique within a service",
                );
                false
            }
            Seen::Collides(first) => {
                let owner = service.map_or(String::new(), |s| format!(" in service \"{s}\""));
                self.collision(file, "rpc", name, first, owner);
                true
            }
        }
    }
}
