//! Binding names: declarations get ids, types and rpcs are resolved against each file's
//! scope (its own declarations and those of the files it imports), and the rules of the
//! language are checked on the way.
//!
//! The passes, each in its own file, run over every file in this order:
//! 1. [`declarations`]: every message, enum and error gets an id; names are checked;
//! 2. [`scope`]: what each file's imports bring into scope, and looking names up;
//! 3. [`bodies`]: the second walk over each file: the service, schemas, the fields of
//!    messages and errors ([`types`]), rpcs and their modifiers ([`rpcs`]);
//! 4. [`graph`]: import cycles, messages that contain themselves, unused imports.

mod bodies;
mod declarations;
mod graph;
mod rpcs;
mod scope;
mod types;

use std::collections::{BTreeMap, HashMap, HashSet};

use super::errors::{span as src_span, CheckError};
use super::load::Unit;
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
