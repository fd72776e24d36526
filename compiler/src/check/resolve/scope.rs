//! What each file's imports bring into scope, and looking names up in a file's scope.

use std::collections::HashMap;

use super::{DeclRef, Declared, Resolver};
use crate::check::errors::{span as src_span, CheckError};
use crate::check::load::ImportFailure;
use crate::check::names;
use crate::model::{self, FileId, ReferenceKind, Symbol};
use crate::syntax::ast;

const BUILTINS: &[&str] = &["bool", "int", "float", "string", "bytes", "time"];

impl<'u> Resolver<'u> {
    /// Collects what a file's imports bring into scope and records the import edges.
    pub(super) fn build_scope(&mut self, file: usize) {
        let units = self.units;
        let import_decls = super::asts(&units[file]).iter().filter_map(|d| match d {
            ast::Decl::Import(i) => Some(i),
            _ => None,
        });
        for (decl, target) in import_decls.zip(&units[file].imports) {
            let target = match target {
                Ok(t) => *t,
                Err(failure) => {
                    self.import_failed(file, decl, failure);
                    continue;
                }
            };
            self.reference(
                file,
                decl.path.span,
                Symbol::File(FileId(target as u32)),
                ReferenceKind::Import,
            );
            let repeated = target == file
                || self.model.files[file]
                    .imports
                    .iter()
                    .any(|i| i.file.index() == target);
            self.model.files[file].imports.push(model::Import {
                path: decl.path.text.clone(),
                file: FileId(target as u32),
                span: Self::span(file, decl.span),
            });
            // A self-import is reported as a cycle; a repeated one adds nothing.
            if !repeated {
                self.bring_into_scope(file, decl, target);
            }
        }
    }

    fn import_failed(&mut self, file: usize, decl: &ast::ImportDecl, failure: &ImportFailure) {
        let path = decl.path.text.clone();
        let span = src_span(decl.path.span);
        let error = match failure {
            ImportFailure::Invalid(reason) => CheckError::ImportNotFound {
                path,
                reason: reason.to_string(),
                span,
            },
            ImportFailure::Unreadable(reason) => CheckError::ImportNotFound {
                path,
                reason: reason.clone(),
                span,
            },
            ImportFailure::OutsideRoots {
                roots,
                through_link,
            } => CheckError::ImportOutsideRoots {
                path,
                roots: roots.clone(),
                span,
                help: Some(
                    if *through_link {
                        "the path is inside a root, but a symbolic link on the way leads out of it"
                    } else {
                        "imports stay inside the folders given to brief (a file given stands for its folder): give a folder that holds both files, or add one with `--root`"
                    }
                    .to_string(),
                ),
            },
        };
        self.report(file, error);
    }

    /// The declarations of `target` become visible in `file`, unless a name is taken.
    fn bring_into_scope(&mut self, file: usize, decl: &ast::ImportDecl, target: usize) {
        let units = self.units;
        let names: Vec<(&'u str, Declared)> =
            self.own[target].iter().map(|(k, v)| (*k, *v)).collect();
        for (name, declared) in names {
            let folded = names::fold(name);
            let declared_there = || {
                format!(
                    "`{name}` is declared in {}, which this file imports",
                    self.path_of(target)
                )
            };
            if let Some(local) = self.own[file].get(name) {
                let local = local.span;
                let related = vec![self.related(target, declared.span, declared_there())];
                self.report_related(
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
                    related,
                );
            } else if let Some(other) = self.imported[file].get(name) {
                let other = *other;
                let related = vec![
                    self.related(other.file, other.span, format!("`{name}` declared here")),
                    self.related(target, declared.span, format!("`{name}` declared here too")),
                ];
                self.report_related(
                    file,
                    CheckError::ImportConflict {
                        name: name.to_string(),
                        span: src_span(decl.path.span),
                        help: Some(format!(
                            "`{name}` is declared in both {} and {}; keep it in one file",
                            units[other.file].path.display(),
                            units[target].path.display()
                        )),
                    },
                    related,
                );
            } else if let Some(local) = self.own_folded[file].get(&folded) {
                let local = *local;
                let related = vec![self.related(target, declared.span, declared_there())];
                let error = CheckError::NameCollision {
                    kind: decl_kind(local.decl),
                    name: self.name_at(local),
                    other: name.to_string(),
                    owner: format!(" imported from {}", self.path_of(target)),
                    span: src_span(local.span),
                    first: None,
                };
                self.report_related(file, error, related);
                // A name of its own, only a dangerous one: it stays usable.
                self.imported[file].insert(name, declared);
            } else if let Some(other) = self.imported_folded[file].get(&folded) {
                let other = *other;
                let other_name = self.name_at(other);
                let related = vec![
                    self.related(
                        other.file,
                        other.span,
                        format!("`{other_name}` declared here"),
                    ),
                    self.related(target, declared.span, format!("`{name}` declared here")),
                ];
                let error = CheckError::NameCollision {
                    kind: decl_kind(declared.decl),
                    name: name.to_string(),
                    other: other_name,
                    owner: format!(
                        " (both imported, from {} and {})",
                        self.path_of(other.file),
                        self.path_of(target)
                    ),
                    span: src_span(decl.path.span),
                    first: None,
                };
                self.report_related(file, error, related);
                self.imported[file].insert(name, declared);
            } else {
                self.imported[file].insert(name, declared);
                self.imported_folded[file].insert(folded, declared);
            }
        }
    }

    /// Looks a name up in a file's scope; a name found is recorded as a reference.
    pub(super) fn lookup(
        &mut self,
        file: usize,
        name: &ast::Token,
        kind: ReferenceKind,
    ) -> Option<DeclRef> {
        let decl = match self.own[file].get(name.text.as_str()) {
            Some(d) => d.decl,
            None => {
                let d = *self.imported[file].get(name.text.as_str())?;
                self.used_imports.insert((file, d.file));
                d.decl
            }
        };
        self.reference(file, name.span, decl.symbol(), kind);
        Some(decl)
    }

    pub(super) fn unknown_type(&mut self, file: usize, name: &ast::Token) {
        if !self.keeps_errors(file) {
            return;
        }
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
            if let Some(f) = self.declared_elsewhere(file, &name.text) {
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

    /// A file other than `file` that declares `name`, the first loaded.
    fn declared_elsewhere(&mut self, file: usize, name: &str) -> Option<usize> {
        let own = &self.own;
        let index = self.declared_anywhere.get_or_insert_with(|| {
            let mut index: HashMap<&str, usize> = HashMap::new();
            for (f, names) in own.iter().enumerate() {
                for name in names.keys() {
                    index.entry(name).or_insert(f);
                }
            }
            index
        });
        // `name` is not declared in `file` (it is unknown there), so this is another file.
        index.get(name).copied().filter(|&f| f != file)
    }
}

fn decl_kind(decl: DeclRef) -> &'static str {
    match decl {
        DeclRef::Message(_) => "message",
        DeclRef::Enum(_) => "enum",
        DeclRef::Error(_) => "error",
    }
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
