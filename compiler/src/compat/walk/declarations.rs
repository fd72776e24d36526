//! Source level: declarations that moved to another file, or disappeared without being
//! found renamed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{spans, DeclKind, Walker};
use crate::compat::report::wording::Change;
use crate::compat::rules::Rule;
use crate::model::{Model, Span};

impl Walker<'_> {
    pub(super) fn declarations(&mut self) {
        let (old, new) = (self.models.old, self.models.new);
        let old_decls = declarations(old);
        let new_decls = declarations(new);
        let moves = old.root_files().count() > 1 && new.root_files().count() > 1;
        let old_base = common_dir(old);
        let new_base = common_dir(new);
        let mut new_by_name: HashMap<&str, Vec<&(DeclKind, String, Span)>> = HashMap::new();
        for d in &new_decls {
            new_by_name.entry(d.1.as_str()).or_default().push(d);
        }
        for (kind, name, span) in &old_decls {
            let old_file = old.file(span.file);
            if !old_file.is_root {
                continue;
            }
            let path = format!("{} {name}", kind.word());
            let Some(found) = new_by_name.get(name.as_str()) else {
                if self.accounted.contains(&(*kind, name.clone())) {
                    continue;
                }
                let change = Change::TypeRemoved {
                    kind: kind.word(),
                    name: name.clone(),
                };
                self.emit(Rule::TypeRemoved, change, path, spans(Some(*span), None));
                continue;
            };
            if !moves {
                continue;
            }
            let old_rel = relative(&old_file.path, &old_base);
            let same_kind: Vec<_> = found.iter().filter(|d| d.0 == *kind).collect();
            let stayed = same_kind
                .iter()
                .any(|d| relative(&new.file(d.2.file).path, &new_base) == old_rel);
            let Some((_, _, new_span)) = same_kind.first().map(|d| **d) else {
                continue;
            };
            if stayed {
                continue;
            }
            let change = Change::TypeMoved {
                kind: kind.word(),
                name: name.clone(),
                from: old_rel,
                to: relative(&new.file(new_span.file).path, &new_base),
            };
            self.emit(
                Rule::TypeMoved,
                change,
                path,
                spans(Some(*span), Some(*new_span)),
            );
        }
    }
}

fn declarations(model: &Model) -> Vec<(DeclKind, String, Span)> {
    let mut out = Vec::new();
    for file in &model.files {
        for &m in &file.messages {
            let m = model.message(m);
            out.push((DeclKind::Message, m.name.clone(), m.span));
        }
        for &e in &file.enums {
            let e = model.enum_(e);
            out.push((DeclKind::Enum, e.name.clone(), e.span));
        }
        for &e in &file.errors {
            let e = model.error(e);
            out.push((DeclKind::Error, e.name.clone(), e.span));
        }
    }
    out
}

/// The folder every root file is in (the part to strip to compare file names).
fn common_dir(model: &Model) -> PathBuf {
    let mut roots = model
        .root_files()
        .map(|f| f.path.parent().unwrap_or(&f.path));
    let Some(first) = roots.next() else {
        return PathBuf::new();
    };
    let mut common: Vec<_> = first.components().collect();
    for dir in roots {
        let n = common
            .iter()
            .zip(dir.components())
            .take_while(|(a, b)| *a == b)
            .count();
        common.truncate(n);
    }
    common.iter().collect()
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
