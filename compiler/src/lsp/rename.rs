//! Renaming a message, enum or error: its declaration and every use, in every file of
//! the workspace, refused when the checker would reject the result.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::check::{Checked, Sources};
use crate::model::{Model, Span};

use super::documents::Documents;

/// Why `name` cannot name a declaration at all, by the grammar's `ident` rule.
pub fn invalid_name(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    (!valid).then(|| {
        format!("`{name}` is not a name: a name starts with a letter or `_` and holds only ASCII letters, digits and `_`")
    })
}

/// The texts of the files a rename changes, with every span replaced by `new_name`.
pub fn renamed_texts(model: &Model, spans: &[Span], new_name: &str) -> HashMap<PathBuf, String> {
    let mut by_file: BTreeMap<_, Vec<Span>> = BTreeMap::new();
    for &span in spans {
        by_file.entry(span.file).or_default().push(span);
    }
    by_file
        .into_iter()
        .map(|(file, mut spans)| {
            let f = model.file(file);
            spans.sort();
            spans.dedup();
            let mut text = f.source.to_string();
            for span in spans.iter().rev() {
                text.replace_range(span.start as usize..span.end as usize, new_name);
            }
            (crate::check::normalize(&f.path), text)
        })
        .collect()
}

/// The open documents and the disk, with some files' text replaced.
pub struct Edited<'a> {
    pub docs: &'a Documents,
    pub texts: &'a HashMap<PathBuf, String>,
}

impl Sources for Edited<'_> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.texts.get(&crate::check::normalize(path)) {
            Some(text) => Ok(text.clone()),
            None => self.docs.read(path),
        }
    }
}

/// The first error the rename brings (one more of its code in some file than before),
/// as `message (path:line:column)`.
pub fn new_error(before: &Checked, after: &Checked) -> Option<String> {
    let mut counts: HashMap<(String, String), isize> = HashMap::new();
    for d in before.diagnostics.errors() {
        *counts.entry((d.path.clone(), d.code())).or_default() += 1;
    }
    for d in after.diagnostics.errors() {
        let count = counts.entry((d.path.clone(), d.code())).or_default();
        *count -= 1;
        if *count < 0 {
            let (start, _) = d.offset_range();
            let (line, column) = d.lines.line_column(&d.source, start);
            return Some(format!("{} ({}:{line}:{column})", d.error, d.path));
        }
    }
    None
}
