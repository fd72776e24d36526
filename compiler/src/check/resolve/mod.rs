//! Binding names: declarations get ids, types and rpcs are resolved against each file's
//! scope (its own declarations and those of the files it imports), and the rules of the
//! language are checked on the way.
//!
//! The passes, each in its own file, run over every file in this order:
//! 1. [`declarations`]: every message, enum and error gets an id; names are checked;
//! 2. [`scope`]: what each file's imports bring into scope, and looking names up;
//! 3. the bodies, walked here: fields and type expressions ([`types`]), the service, rpcs
//!    and their modifiers ([`rpcs`]), schemas;
//! 4. [`graph`]: import cycles, messages that contain themselves, unused imports.

mod declarations;
mod graph;
mod rpcs;
mod scope;
mod types;

use std::collections::{BTreeMap, HashMap, HashSet};

use super::errors::{span as src_span, CheckError};
use super::load::Unit;
use super::names;
use super::{Diagnostic, Omitted, Related};
use crate::model::{self, *};
use crate::syntax::ast;

/// Types nest at most this deep (`[][]map[string]...`): deeper is surely a mistake, and
/// a bound keeps every later recursive walk over types shallow.
pub const MAX_TYPE_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy)]
enum DeclRef {
    Message(MessageId),
    Enum(EnumId),
    Error(ErrorId),
}

impl DeclRef {
    fn symbol(self) -> Symbol {
        match self {
            DeclRef::Message(id) => Symbol::Message(id),
            DeclRef::Enum(id) => Symbol::Enum(id),
            DeclRef::Error(id) => Symbol::Error(id),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Declared {
    decl: DeclRef,
    file: usize,
    /// The declaration's name.
    span: ast::Span,
}

/// Diagnostics of one file, kept and counted.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    errors: usize,
    warnings: usize,
    omitted_errors: usize,
    omitted_warnings: usize,
}

struct Resolver<'u> {
    units: &'u [Unit],
    model: Model,
    diagnostics: Vec<Diagnostic>,
    /// Errors (and, separately, warnings) kept per file.
    limit: usize,
    tallies: Vec<Tally>,
    /// Per file: the messages, enums and errors it declares.
    own: Vec<BTreeMap<&'u str, Declared>>,
    /// Per file: the declared names folded ([`names::fold`]), to find collisions.
    own_folded: Vec<HashMap<String, Declared>>,
    /// Per file: what its imports bring into scope.
    imported: Vec<HashMap<&'u str, Declared>>,
    /// Per file: the imported names folded.
    imported_folded: Vec<HashMap<String, Declared>>,
    /// (file, imported file) pairs where a name was actually used.
    used_imports: HashSet<(usize, usize)>,
    /// Name → the first file that declares it, built when an unknown name needs it.
    declared_anywhere: Option<HashMap<&'u str, usize>>,
}

pub(crate) fn resolve(units: Vec<Unit>, limit: usize) -> (Model, Vec<Diagnostic>, Vec<Omitted>) {
    let n = units.len();
    let mut r = Resolver {
        units: &units,
        model: Model::default(),
        diagnostics: Vec::new(),
        limit,
        tallies: vec![Tally::default(); n],
        own: vec![BTreeMap::new(); n],
        own_folded: vec![HashMap::new(); n],
        imported: vec![HashMap::new(); n],
        imported_folded: vec![HashMap::new(); n],
        used_imports: HashSet::new(),
        declared_anywhere: None,
    };
    r.create_files();
    for file in 0..n {
        r.declare(file);
    }
    for file in 0..n {
        r.build_scope(file);
    }
    for file in 0..n {
        r.resolve_file(file);
    }
    r.check_import_cycles();
    r.check_infinite_types();
    r.check_unused_imports();
    r.model.references.sort();
    let omitted = r
        .tallies
        .iter()
        .enumerate()
        .filter(|(_, t)| t.omitted_errors + t.omitted_warnings > 0)
        .map(|(file, t)| Omitted {
            path: r.path_of(file),
            errors: t.omitted_errors,
            warnings: t.omitted_warnings,
            limit,
        })
        .collect();
    (r.model, r.diagnostics, omitted)
}

fn asts(unit: &Unit) -> &[ast::Decl] {
    unit.ast.as_ref().map_or(&[], |a| a.decls.as_slice())
}

impl<'u> Resolver<'u> {
    fn path_of(&self, file: usize) -> String {
        self.units[file].path.to_string_lossy().replace('\\', "/")
    }

    fn report(&mut self, file: usize, error: CheckError) {
        self.report_related(file, error, Vec::new());
    }

    /// Keeps the diagnostic, or only counts it once the file has `limit` of its kind.
    fn report_related(&mut self, file: usize, error: CheckError, related: Vec<Related>) {
        use miette::Diagnostic as _;
        let warning = matches!(error.severity(), Some(miette::Severity::Warning));
        let tally = &mut self.tallies[file];
        let (kept, omitted) = if warning {
            (&mut tally.warnings, &mut tally.omitted_warnings)
        } else {
            (&mut tally.errors, &mut tally.omitted_errors)
        };
        if *kept >= self.limit {
            *omitted += 1;
            return;
        }
        *kept += 1;
        let unit = &self.units[file];
        self.diagnostics.push(Diagnostic {
            path: self.path_of(file),
            source: unit.source.clone(),
            lines: unit.lines.clone(),
            error,
            related,
        });
    }

    /// Whether another error of `file` would be kept: when not, it is only counted, and
    /// what it would take to explain it (suggestions) is not worth computing.
    fn keeps_errors(&mut self, file: usize) -> bool {
        let tally = &mut self.tallies[file];
        if tally.errors < self.limit {
            return true;
        }
        tally.omitted_errors += 1;
        false
    }

    /// A place in another file, for [`Diagnostic::related`].
    fn related(&self, file: usize, span: ast::Span, label: String) -> Related {
        let unit = &self.units[file];
        Related {
            path: self.path_of(file),
            source: unit.source.clone(),
            lines: unit.lines.clone(),
            start: span.start,
            end: span.end,
            label,
        }
    }

    fn span(file: usize, s: ast::Span) -> Span {
        Span {
            file: FileId(file as u32),
            start: s.start as u32,
            end: s.end as u32,
        }
    }

    fn reference(&mut self, file: usize, span: ast::Span, symbol: Symbol, kind: ReferenceKind) {
        self.model.references.push(Reference {
            span: Self::span(file, span),
            symbol,
            kind,
        });
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
                lines: (*unit.lines).clone(),
            });
        }
    }

    /// The second walk over a file's declarations: bodies, the service, rpcs, schemas.
    fn resolve_file(&mut self, file: usize) {
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

    /// Reports `name` declared again, first at `first` (same file).
    fn duplicate(&mut self, file: usize, name: &ast::Token, first: ast::Span, help: &str) {
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
    fn collision(
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
}

/// Names of one scope, by exact spelling and folded, to tell duplicates from collisions.
#[derive(Default)]
struct NameSet<'a> {
    exact: HashMap<&'a str, &'a ast::Token>,
    folded: HashMap<String, &'a ast::Token>,
}

enum Seen<'a> {
    New,
    /// Spelled exactly like an earlier name.
    Same(&'a ast::Token),
    /// Spelled differently, but the same once folded.
    Collides(&'a ast::Token),
}

impl<'a> NameSet<'a> {
    /// Adds a name unless it is a duplicate; a colliding name is added (it is a name of
    /// its own, only a dangerous one).
    fn insert(&mut self, name: &'a ast::Token) -> Seen<'a> {
        if let Some(first) = self.exact.get(name.text.as_str()) {
            return Seen::Same(first);
        }
        self.exact.insert(&name.text, name);
        match self.folded.entry(names::fold(&name.text)) {
            std::collections::hash_map::Entry::Occupied(first) => Seen::Collides(first.get()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(name);
                Seen::New
            }
        }
    }
}
