//! Parse trees → the resolved [`Model`], or diagnostics explaining why not.
//!
//! Every problem in every file is reported in one run, sorted by file and position.

pub mod errors;
mod load;
pub mod names;
mod resolve;

use std::path::PathBuf;
use std::sync::Arc;

pub use errors::CheckError;
pub use load::{
    collect_brief_files, normalize, FsSources, LoadError, MemorySources, RootedSources, Sources,
};

use crate::model::Model;

/// One problem, with the file it is in.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The file's path, `/`-separated.
    pub path: String,
    pub source: Arc<str>,
    pub error: CheckError,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        use miette::Diagnostic as _;
        !matches!(self.error.severity(), Some(miette::Severity::Warning))
    }

    /// The stable code, such as `brief::unknown_type`.
    pub fn code(&self) -> String {
        use miette::Diagnostic as _;
        self.error.code().map(|c| c.to_string()).unwrap_or_default()
    }

    /// Byte range of the primary label.
    pub fn offset_range(&self) -> (usize, usize) {
        use miette::Diagnostic as _;
        self.error
            .labels()
            .and_then(|mut labels| labels.next())
            .map_or((0, 0), |l| (l.offset(), l.offset() + l.len()))
    }
}

/// The diagnostics of a run, sorted by file and position.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (&a.path, a.offset_range(), a.code()).cmp(&(&b.path, b.offset_range(), b.code()))
        });
        self.0
            .dedup_by(|a, b| a.path == b.path && a.error == b.error);
    }
}

/// The result of checking: the model (complete only when there are no errors) and every
/// diagnostic found.
#[derive(Debug, Clone)]
pub struct Checked {
    pub model: Model,
    pub diagnostics: Diagnostics,
}

/// Checks the given files and everything they import, reading through `sources`.
///
/// Fails only when a root file cannot be read; every problem inside the files is a
/// diagnostic.
pub fn check_with(sources: &dyn Sources, roots: &[PathBuf]) -> Result<Checked, LoadError> {
    let units = load::load(sources, roots)?;
    let (model, diagnostics) = resolve::resolve(units);
    let mut diagnostics = Diagnostics(diagnostics);
    diagnostics.sort();
    Ok(Checked { model, diagnostics })
}

/// Checks files and folders (every `*.brief` below a folder) on disk.
pub fn check_paths(paths: &[PathBuf]) -> Result<Checked, LoadError> {
    let files = collect_brief_files(paths)?;
    check_with(&FsSources, &files)
}

/// Checks one source text held in memory under a made-up path.
pub fn check_source(path: &str, source: &str) -> Checked {
    let sources = MemorySources::new([(path, source)]);
    check_with(&sources, &[PathBuf::from(path)]).expect("the file is in memory")
}
