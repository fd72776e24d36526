//! Binding names: declarations get ids, types and rpcs are resolved against each file's
//! scope (its own declarations and those of the files it imports), and the rules of the
//! language are checked on the way.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use super::errors::{span as src_span, CheckError};
use super::load::Unit;
use super::names;
use super::Diagnostic;
use crate::model::{self, *};
use crate::syntax::ast;

/// Types nest at most this deep (`[][]map[string]...`): deeper is surely a mistake, and
/// a bound keeps every later recursive walk over types shallow.
pub const MAX_TYPE_DEPTH: usize = 32;

const MODIFIERS: &[&str] = &["idempotent", "readonly", "timeout", "deprecated", "throws"];
const BUILTINS: &[&str] = &["bool", "int", "float", "string", "bytes", "time"];

#[derive(Debug, Clone, Copy)]
enum DeclRef {
    Message(MessageId),
    Enum(EnumId),
    Error(ErrorId),
}

#[derive(Debug, Clone, Copy)]
struct Declared {
    decl: DeclRef,
    file: usize,
    span: ast::Span,
}

struct Resolver<'u> {
    units: &'u [Unit],
    model: Model,
    diagnostics: Vec<Diagnostic>,
    /// Per file: the messages, enums and errors it declares.
    own: Vec<BTreeMap<&'u str, Declared>>,
    /// Per file: what its imports bring into scope.
    imported: Vec<HashMap<&'u str, Declared>>,
    /// (file, imported file) pairs where a name was actually used.
    used_imports: HashSet<(usize, usize)>,
}

pub(crate) fn resolve(units: Vec<Unit>) -> (Model, Vec<Diagnostic>) {
    let mut r = Resolver {
        units: &units,
        model: Model::default(),
        diagnostics: Vec::new(),
        own: vec![BTreeMap::new(); units.len()],
        imported: vec![HashMap::new(); units.len()],
        used_imports: HashSet::new(),
    };
    r.create_files();
    for file in 0..units.len() {
        r.declare(file);
    }
    for file in 0..units.len() {
        r.build_scope(file);
    }
    for file in 0..units.len() {
        r.resolve_file(file);
    }
    r.check_import_cycles();
    r.check_infinite_types();
    r.check_unused_imports();
    (r.model, r.diagnostics)
}

fn asts(unit: &Unit) -> &[ast::Decl] {
    unit.ast.as_ref().map_or(&[], |a| a.decls.as_slice())
}

impl<'u> Resolver<'u> {
    fn report(&mut self, file: usize, error: CheckError) {
        self.diagnostics.push(Diagnostic {
            path: self.units[file].path.to_string_lossy().replace('\\', "/"),
            source: self.units[file].source.clone(),
            error,
        });
    }

    fn span(file: usize, s: ast::Span) -> Span {
        Span {
            file: FileId(file as u32),
            start: s.start as u32,
            end: s.end as u32,
        }
    }

    fn create_files(&mut self) {
        for (i, unit) in self.units.iter().enumerate() {
            if let Err(e) = &unit.ast {
                self.report(
                    i,
                    CheckError::Syntax {
                        message: e.message.clone(),
                        span: src_span(e.span),
                        help: e.help.clone(),
                    },
                );
            }
            self.model.files.push(model::File {
                id: FileId(i as u32),
                path: unit.path.clone(),
                source: unit.source.clone(),
                is_root: unit.is_root,
                imports: Vec::new(),
                service: None,
                rpcs: Vec::new(),
                schemas: Vec::new(),
                messages: Vec::new(),
                enums: Vec::new(),
                errors: Vec::new(),
                line_starts: model::line_starts(&unit.source),
            });
        }
    }

    /// Gives every message, enum and error of a file an id and checks its name.
    fn declare(&mut self, file: usize) {
        let fid = FileId(file as u32);
        for decl in asts(&self.units[file]) {
            let (name, kind, doc, span) = match decl {
                ast::Decl::Message(m) => (&m.name, "message", &m.doc, m.span),
                ast::Decl::Enum(e) => (&e.name, "enum", &e.doc, e.span),
                ast::Decl::Error(e) => (&e.name, "error", &e.doc, e.span),
                _ => continue,
            };
            let doc = doc.as_ref().map(|d| d.text.clone());
            let mspan = Self::span(file, span);
            let declared = match decl {
                ast::Decl::Message(_) => {
                    let id = MessageId(self.model.messages.len() as u32);
                    self.model.messages.push(Message {
                        name: name.text.clone(),
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
            match self.own[file].get(name.text.as_str()) {
                Some(first) => {
                    let first = first.span;
                    self.report(
                        file,
                        CheckError::DuplicateDeclaration {
                            name: name.text.clone(),
                            span: src_span(name.span),
                            first: Some(src_span(first)),
                            help: Some("messages, enums and errors share one namespace".into()),
                        },
                    );
                }
                None => {
                    self.own[file].insert(&name.text, entry);
                }
            }
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

    fn warn_case(
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
        let mut seen: HashMap<&str, ast::Span> = HashMap::new();
        let mut values = Vec::with_capacity(e.values.len());
        for v in &e.values {
            if let Some(first) = seen.get(v.name.text.as_str()) {
                let first = *first;
                self.report(
                    file,
                    CheckError::DuplicateEnumValue {
                        name: v.name.text.clone(),
                        owner: e.name.text.clone(),
                        span: src_span(v.name.span),
                        first: src_span(first),
                    },
                );
                continue;
            }
            seen.insert(&v.name.text, v.name.span);
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

    /// Collects what a file's imports bring into scope and records the import edges.
    fn build_scope(&mut self, file: usize) {
        let units = self.units;
        let import_decls = asts(&units[file]).iter().filter_map(|d| match d {
            ast::Decl::Import(i) => Some(i),
            _ => None,
        });
        for (decl, target) in import_decls.zip(&units[file].imports) {
            let target = match target {
                Ok(t) => *t,
                Err(reason) => {
                    self.report(
                        file,
                        CheckError::ImportNotFound {
                            path: decl.path.text.clone(),
                            reason: reason.clone(),
                            span: src_span(decl.path.span),
                        },
                    );
                    continue;
                }
            };
            if target == file
                || self.model.files[file]
                    .imports
                    .iter()
                    .any(|i| i.file.index() == target)
            {
                // A self-import is reported as a cycle; a repeated one adds nothing.
                self.model.files[file].imports.push(model::Import {
                    path: decl.path.text.clone(),
                    file: FileId(target as u32),
                    span: Self::span(file, decl.span),
                });
                continue;
            }
            self.model.files[file].imports.push(model::Import {
                path: decl.path.text.clone(),
                file: FileId(target as u32),
                span: Self::span(file, decl.span),
            });
            let names: Vec<(&'u str, Declared)> =
                self.own[target].iter().map(|(k, v)| (*k, *v)).collect();
            for (name, declared) in names {
                if let Some(local) = self.own[file].get(name) {
                    let local = local.span;
                    self.report(
                        file,
                        CheckError::DuplicateDeclaration {
                            name: name.to_string(),
                            span: src_span(local),
                            first: None,
                            help: Some(format!(
                                "`{name}` is also declared in {}, which this file imports",
                                units[target].path.display()
                            )),
                        },
                    );
                } else if let Some(other) = self.imported[file].get(name) {
                    let other_path = units[other.file].path.display().to_string();
                    self.report(
                        file,
                        CheckError::ImportConflict {
                            name: name.to_string(),
                            span: src_span(decl.path.span),
                            help: Some(format!(
                                "`{name}` is declared in both {other_path} and {}; keep it in one file",
                                units[target].path.display()
                            )),
                        },
                    );
                } else {
                    self.imported[file].insert(name, declared);
                }
            }
        }
    }

    fn lookup(&mut self, file: usize, name: &str) -> Option<DeclRef> {
        if let Some(d) = self.own[file].get(name) {
            return Some(d.decl);
        }
        let d = *self.imported[file].get(name)?;
        self.used_imports.insert((file, d.file));
        Some(d.decl)
    }

    fn unknown_type(&mut self, file: usize, name: &ast::Token) {
        let mut help = builtin_alias(&name.text).map(|b| format!("the builtin type is `{b}`"));
        if help.is_none() {
            let candidates: Vec<&str> = self.own[file]
                .keys()
                .chain(self.imported[file].keys())
                .copied()
                .chain(BUILTINS.iter().copied())
                .collect();
            help =
                names::did_you_mean(&name.text, candidates).map(|s| format!("did you mean `{s}`?"));
        }
        if help.is_none() {
            // Declared in a file that was loaded but is not imported here.
            let elsewhere = (0..self.units.len())
                .find(|&f| f != file && self.own[f].contains_key(name.text.as_str()));
            if let Some(f) = elsewhere {
                help = Some(format!(
                    "`{}` is declared in {}: import it",
                    name.text,
                    self.units[f].path.display()
                ));
            }
        }
        self.report(
            file,
            CheckError::UnknownType {
                name: name.text.clone(),
                span: src_span(name.span),
                help,
            },
        );
    }

    fn resolve_file(&mut self, file: usize) {
        let units = self.units;
        let mut service_span: Option<ast::Span> = None;
        let mut rpc_names: HashMap<&str, ast::Span> = HashMap::new();
        let mut topics: HashMap<&str, ast::Span> = HashMap::new();
        for decl in asts(&units[file]) {
            match decl {
                ast::Decl::Service(s) => {
                    if let Some(first) = service_span {
                        self.report(
                            file,
                            CheckError::MultipleServices {
                                span: src_span(s.span),
                                first: src_span(first),
                            },
                        );
                        continue;
                    }
                    service_span = Some(s.span);
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
                ast::Decl::Message(m) => {
                    let Some(DeclRef::Message(id)) = self.own_id(file, &m.name, m.span) else {
                        continue;
                    };
                    let fields = self.fields(file, &m.name.text, &m.fields);
                    self.model.messages[id.index()].fields = fields;
                }
                ast::Decl::Error(e) => {
                    let Some(DeclRef::Error(id)) = self.own_id(file, &e.name, e.span) else {
                        continue;
                    };
                    let fields = self.fields(file, &e.name.text, &e.fields);
                    self.model.errors[id.index()].fields = fields;
                }
                ast::Decl::Rpc(rpc) => {
                    if !self.first_of_name(
                        file,
                        &mut rpc_names,
                        &rpc.name,
                        "rpc names are unique within a service",
                    ) {
                        continue;
                    }
                    if let Some(r) = self.rpc(file, rpc) {
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
                                help: names::is_topic(&suggestion)
                                    .then(|| format!("write \"{suggestion}\"")),
                            },
                        );
                    }
                    let owner = format!("schema \"{}\"", s.topic.text);
                    let suggestion = names::to_pascal_case(&s.topic.text.replace('.', "_"));
                    if let Some(message) =
                        self.message_ref(file, &s.message, "message", &owner, suggestion)
                    {
                        self.model.files[file].schemas.push(Schema {
                            topic: s.topic.text.clone(),
                            message,
                            doc: s.doc.as_ref().map(|d| d.text.clone()),
                            span: Self::span(file, s.span),
                        });
                    }
                }
                ast::Decl::Import(_) | ast::Decl::Enum(_) => {}
            }
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
            self.report(
                file,
                CheckError::DuplicateDeclaration {
                    name: name.text.clone(),
                    span: src_span(name.span),
                    first: Some(src_span(first)),
                    help: Some(help.into()),
                },
            );
            return false;
        }
        seen.insert(&name.text, name.span);
        true
    }

    /// The id of a declaration of this file, unless it was a duplicate.
    fn own_id(&self, file: usize, name: &ast::Token, span: ast::Span) -> Option<DeclRef> {
        let d = self.own[file].get(name.text.as_str())?;
        // A later duplicate has its own arena entry but is not the one in scope.
        let decl_span = match d.decl {
            DeclRef::Message(id) => self.model.messages[id.index()].span,
            DeclRef::Enum(id) => self.model.enums[id.index()].span,
            DeclRef::Error(id) => self.model.errors[id.index()].span,
        };
        (decl_span.start as usize == span.start).then_some(d.decl)
    }

    fn fields(&mut self, file: usize, owner: &str, fields: &[ast::Field]) -> Vec<Field> {
        let mut seen: HashMap<&str, ast::Span> = HashMap::new();
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            if let Some(first) = seen.get(f.name.text.as_str()) {
                let first = *first;
                self.report(
                    file,
                    CheckError::DuplicateField {
                        name: f.name.text.clone(),
                        owner: owner.to_string(),
                        span: src_span(f.name.span),
                        first: src_span(first),
                    },
                );
                continue;
            }
            seen.insert(&f.name.text, f.name.span);
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
            None => match self.lookup(file, &ty.base.text) {
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
    fn message_ref(
        &mut self,
        file: usize,
        name: &ast::Token,
        role: &'static str,
        owner: &str,
        suggestion: String,
    ) -> Option<MessageId> {
        let found = if Type::builtin(&name.text).is_some() || name.text == "map" {
            "a builtin type"
        } else {
            match self.lookup(file, &name.text) {
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
                role,
                owner: owner.to_string(),
                name: name.text.clone(),
                found,
                suggestion,
                span: src_span(name.span),
            },
        );
        None
    }

    fn rpc(&mut self, file: usize, rpc: &ast::RpcDecl) -> Option<Rpc> {
        if self.model.files[file].service.is_none()
            && !asts(&self.units[file])
                .iter()
                .any(|d| matches!(d, ast::Decl::Service(_)))
        {
            self.report(
                file,
                CheckError::RpcWithoutService {
                    name: rpc.name.text.clone(),
                    span: src_span(rpc.name.span),
                },
            );
        }
        if !names::is_lower_camel_case(&rpc.name.text) {
            self.warn_case(
                file,
                "rpc",
                &rpc.name,
                "lowerCamelCase",
                names::to_lower_camel_case(&rpc.name.text),
            );
        }
        let owner = format!("rpc `{}`", rpc.name.text);
        let base = names::to_pascal_case(&rpc.name.text);
        let input = self.message_ref(file, &rpc.input, "input", &owner, format!("{base}In"));
        let output = self.message_ref(file, &rpc.output, "output", &owner, format!("{base}Out"));
        let modifiers = self.modifiers(file, rpc);
        Some(Rpc {
            name: rpc.name.text.clone(),
            input: input?,
            output: output?,
            modifiers,
            doc: rpc.doc.as_ref().map(|d| d.text.clone()),
            span: Self::span(file, rpc.span),
        })
    }

    fn modifiers(&mut self, file: usize, rpc: &ast::RpcDecl) -> RpcModifiers {
        let mut out = RpcModifiers::default();
        let mut seen: HashMap<&str, ast::Span> = HashMap::new();
        let mut idempotent_span = None;
        for m in &rpc.modifiers {
            let name = m.name.text.as_str();
            if !MODIFIERS.contains(&name) {
                let help = names::did_you_mean(name, MODIFIERS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some(format!("the modifiers are: {}", MODIFIERS.join(", "))));
                self.report(
                    file,
                    CheckError::UnknownModifier {
                        name: name.to_string(),
                        span: src_span(m.name.span),
                        help,
                    },
                );
                continue;
            }
            if let Some(first) = seen.get(name) {
                let first = *first;
                self.report(
                    file,
                    CheckError::DuplicateModifier {
                        what: format!("modifier `{name}`"),
                        span: src_span(m.span),
                        first: src_span(first),
                    },
                );
                continue;
            }
            seen.insert(name, m.span);
            match name {
                "timeout" => out.timeout = self.timeout(file, m),
                "throws" => out.throws = self.throws(file, m),
                flag => {
                    if m.args.is_some() {
                        self.report(
                            file,
                            CheckError::ModifierArguments {
                                name: flag.to_string(),
                                problem: "takes no arguments".into(),
                                span: src_span(m.span),
                                expected: format!("write just `{flag}`"),
                            },
                        );
                    }
                    match flag {
                        "idempotent" => {
                            out.idempotent = true;
                            idempotent_span = Some(m.span);
                        }
                        "readonly" => out.readonly = true,
                        _ => out.deprecated = true,
                    }
                }
            }
        }
        if let (Some(span), true) = (idempotent_span, out.readonly) {
            self.report(
                file,
                CheckError::RedundantModifier {
                    span: src_span(span),
                },
            );
        }
        out
    }

    fn timeout(&mut self, file: usize, m: &ast::Modifier) -> Option<Duration> {
        let arg = match m.args.as_deref() {
            Some([ast::ModifierArg::Duration(t)]) => t,
            _ => {
                self.report(
                    file,
                    CheckError::ModifierArguments {
                        name: "timeout".into(),
                        problem: "takes one duration".into(),
                        span: src_span(m.span),
                        expected: "write e.g. `timeout(300ms)`, `timeout(2s)` or `timeout(1m)`"
                            .into(),
                    },
                );
                return None;
            }
        };
        match parse_duration(&arg.text) {
            Ok(d) => Some(d),
            Err((reason, help)) => {
                self.report(
                    file,
                    CheckError::InvalidDuration {
                        text: arg.text.clone(),
                        span: src_span(arg.span),
                        reason,
                        help,
                    },
                );
                None
            }
        }
    }

    fn throws(&mut self, file: usize, m: &ast::Modifier) -> Vec<ErrorId> {
        let args = m.args.as_deref().unwrap_or(&[]);
        if args.is_empty() {
            self.report(
                file,
                CheckError::ModifierArguments {
                    name: "throws".into(),
                    problem: "needs at least one error".into(),
                    span: src_span(m.span),
                    expected: "write e.g. `throws(NotFound)`".into(),
                },
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut seen: HashMap<&str, ast::Span> = HashMap::new();
        for arg in args {
            let t = arg.token();
            let ast::ModifierArg::Name(t) = arg else {
                self.report(
                    file,
                    CheckError::ModifierArguments {
                        name: "throws".into(),
                        problem: "takes error names".into(),
                        span: src_span(t.span),
                        expected: "not an error name".into(),
                    },
                );
                continue;
            };
            if let Some(first) = seen.get(t.text.as_str()) {
                let first = *first;
                self.report(
                    file,
                    CheckError::DuplicateModifier {
                        what: format!("error `{}`", t.text),
                        span: src_span(t.span),
                        first: src_span(first),
                    },
                );
                continue;
            }
            seen.insert(&t.text, t.span);
            let found = if Type::builtin(&t.text).is_some() {
                "a builtin type"
            } else {
                match self.lookup(file, &t.text) {
                    Some(DeclRef::Error(id)) => {
                        out.push(id);
                        continue;
                    }
                    Some(DeclRef::Message(_)) => "a message",
                    Some(DeclRef::Enum(_)) => "an enum",
                    None => {
                        self.unknown_type(file, t);
                        continue;
                    }
                }
            };
            self.report(
                file,
                CheckError::NotAnError {
                    name: t.text.clone(),
                    found,
                    span: src_span(t.span),
                },
            );
        }
        out
    }

    fn check_import_cycles(&mut self) {
        // Iterative depth-first search; a back edge closes a cycle.
        let n = self.units.len();
        let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
        let mut found: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
                let imports = &self.model.files[node].imports;
                if *edge >= imports.len() {
                    state[node] = 2;
                    stack.pop();
                    continue;
                }
                let i = *edge;
                *edge += 1;
                let target = imports[i].file.index();
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(f, _)| *f == target).unwrap_or(0);
                        let cycle = stack[from..].iter().map(|(f, _)| *f).collect();
                        found.push((node, i, cycle));
                    }
                    _ => {}
                }
            }
        }
        for (node, import_index, cycle) in found {
            let mut names: Vec<String> = cycle
                .iter()
                .map(|f| self.units[*f].path.display().to_string())
                .collect();
            names.push(self.units[cycle[0]].path.display().to_string());
            let span = self.model.files[node].imports[import_index].span;
            self.report(
                node,
                CheckError::ImportCycle {
                    cycle: names.join(" → "),
                    span: miette::SourceSpan::new(
                        (span.start as usize).into(),
                        (span.end - span.start) as usize,
                    ),
                },
            );
        }
    }

    /// A message that reaches itself through required message fields has no finite value.
    fn check_infinite_types(&mut self) {
        let messages = &self.model.messages;
        let n = messages.len();
        let edges: Vec<Vec<(usize, usize)>> = messages
            .iter()
            .map(|m| {
                m.fields
                    .iter()
                    .enumerate()
                    .filter_map(|(fi, f)| match (&f.ty, f.optional) {
                        (Type::Message(id), false) => Some((fi, id.index())),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let mut state = vec![0u8; n];
        let mut found = Vec::new();
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut edge)) = stack.last_mut() {
                if *edge >= edges[node].len() {
                    state[node] = 2;
                    stack.pop();
                    continue;
                }
                let (field, target) = edges[node][*edge];
                *edge += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(m, _)| *m == target).unwrap_or(0);
                        // Each frame's edge counter is one past the edge it followed.
                        let mut path: Vec<String> = stack[from..]
                            .iter()
                            .map(|&(m, e)| {
                                let f = &messages[m].fields[edges[m][e - 1].0];
                                format!("{}.{}", messages[m].name, f.name)
                            })
                            .collect();
                        path.push(messages[target].name.clone());
                        found.push((node, field, target, path.join(" → ")));
                    }
                    _ => {}
                }
            }
        }
        for (node, field, start, cycle) in found {
            let m = &self.model.messages[node];
            let f = &m.fields[field];
            let error = CheckError::InfiniteType {
                // The message the cycle starts and ends at, as the cycle is written.
                name: self.model.messages[start].name.clone(),
                cycle,
                field: f.name.clone(),
                ty: f.ty.display(&self.model),
                span: miette::SourceSpan::new(
                    (f.span.start as usize).into(),
                    (f.span.end - f.span.start) as usize,
                ),
            };
            self.report(m.file.index(), error);
        }
    }

    fn check_unused_imports(&mut self) {
        for file in 0..self.units.len() {
            let imports = self.model.files[file].imports.clone();
            for import in imports {
                let target = import.file.index();
                if target != file
                    && !self.used_imports.contains(&(file, target))
                    && !self.own[target].is_empty()
                {
                    self.report(
                        file,
                        CheckError::UnusedImport {
                            path: import.path.clone(),
                            span: miette::SourceSpan::new(
                                (import.span.start as usize).into(),
                                (import.span.end - import.span.start) as usize,
                            ),
                        },
                    );
                }
            }
        }
    }
}

/// `300ms`, `2s`, `1m` → a positive duration; otherwise the label and help to show.
pub fn parse_duration(text: &str) -> Result<Duration, (String, Option<String>)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let units_help =
        Some("write a whole number with `ms`, `s` or `m`: `300ms`, `2s`, `1m`".to_string());
    let per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "" => return Err(("missing a unit".into(), units_help)),
        "h" => {
            return Err((
                "hours are not a unit here".into(),
                Some(format!(
                    "write `{}m`",
                    number.parse::<u64>().unwrap_or(1).saturating_mul(60)
                )),
            ))
        }
        other => return Err((format!("unknown unit `{other}`"), units_help)),
    };
    if number.is_empty() {
        return Err(("not a number".to_string(), units_help));
    }
    // Only digits are left, so a number that does not parse is too large.
    let too_long = || {
        (
            "longer than a day".to_string(),
            Some("a deadline this long would never fire; use at most 24h worth".to_string()),
        )
    };
    let value: u64 = number.parse().map_err(|_| too_long())?;
    if value == 0 {
        return Err(("a timeout must be longer than zero".into(), None));
    }
    let millis = value
        .checked_mul(per_unit)
        .filter(|ms| *ms <= 24 * 3_600_000)
        .ok_or_else(too_long)?;
    Ok(Duration::from_millis(millis))
}

/// Type names people bring from other languages.
fn builtin_alias(name: &str) -> Option<&'static str> {
    Some(match name {
        "i32" | "i64" | "int32" | "int64" | "integer" | "long" | "uint" | "u64" | "number" => "int",
        "double" | "f32" | "f64" | "float32" | "float64" | "decimal" => "float",
        "str" | "text" | "String" => "string",
        "boolean" | "Bool" | "Boolean" => "bool",
        "timestamp" | "Timestamp" | "datetime" | "DateTime" | "date" | "instant" => "time",
        "byte" | "blob" | "binary" | "Bytes" => "bytes",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        for bad in [
            "0ms",
            "300",
            "3h",
            "5us",
            "99999999999999999999ms",
            "25000000s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
