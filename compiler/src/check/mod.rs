//! Parse trees → the resolved [`Model`], or diagnostics explaining why not.
//!
//! Every problem in every file is reported in one run, sorted by file and position, up
//! to [`CheckOptions::max_diagnostics_per_file`] errors and as many warnings per file;
//! the rest are counted ([`Diagnostics::omitted`]).

pub mod errors;
mod load;
pub mod names;
mod resolve;

use std::path::PathBuf;
use std::sync::Arc;

pub use errors::CheckError;
pub use load::{
    collect_brief_files, format_size, normalize, parse_size, read_file, FsSources, LoadError,
    MemorySources, RootedSources, Sources,
};

use crate::model::{LineIndex, Model};

/// The largest contract file read unless told otherwise: 16 MiB, hundreds of times the
/// largest contract anyone writes by hand.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 << 20;

/// How many errors, and separately how many warnings, are kept per file unless told
/// otherwise. The rest are counted, so a file with thousands of problems costs no more
/// to report than one with a hundred.
pub const DEFAULT_MAX_DIAGNOSTICS_PER_FILE: usize = 100;

/// How a check reads its files and how much it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// Folders imports may read from, besides the folder of each file given (and, for
    /// [`check_paths_with`], each folder given). Nothing outside them is read.
    pub roots: Vec<PathBuf>,
    /// The largest file read, in bytes; a larger one is refused before it is read.
    pub max_file_size: u64,
    /// Errors (and, separately, warnings) kept per file.
    pub max_diagnostics_per_file: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            roots: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_diagnostics_per_file: DEFAULT_MAX_DIAGNOSTICS_PER_FILE,
        }
    }
}

/// One problem, with the file it is in.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The file's path, `/`-separated.
    pub path: String,
    pub source: Arc<str>,
    /// The line index of `source`, shared by every diagnostic of the file.
    pub lines: Arc<LineIndex>,
    pub error: CheckError,
    /// Places in other files the problem involves (the declaration an import brings in,
    /// for instance), shown after the diagnostic and listed in its JSON spans.
    pub related: Vec<Related>,
}

/// A labelled span of a diagnostic, in its own file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub start: usize,
    pub end: usize,
    pub text: Option<String>,
    /// The place the diagnostic is about: its position is the diagnostic's position.
    pub primary: bool,
}

/// A place in another file that a diagnostic involves.
#[derive(Debug, Clone)]
pub struct Related {
    pub path: String,
    pub source: Arc<str>,
    pub lines: Arc<LineIndex>,
    pub start: usize,
    pub end: usize,
    pub label: String,
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

    /// Every label, in the order the error declares them; exactly one is primary (the
    /// one marked so, else the first).
    pub fn labels(&self) -> Vec<Label> {
        use miette::Diagnostic as _;
        let mut labels: Vec<Label> = self
            .error
            .labels()
            .into_iter()
            .flatten()
            .map(|l| Label {
                start: l.offset(),
                end: l.offset() + l.len(),
                text: l.label().map(str::to_string),
                primary: l.primary(),
            })
            .collect();
        if !labels.iter().any(|l| l.primary) {
            if let Some(first) = labels.first_mut() {
                first.primary = true;
            }
        }
        labels
    }

    /// Byte range of the primary label.
    pub fn offset_range(&self) -> (usize, usize) {
        self.labels()
            .into_iter()
            .find(|l| l.primary)
            .map_or((0, 0), |l| (l.start, l.end))
    }
}

/// The diagnostics of a file that were counted but not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Omitted {
    pub path: String,
    pub errors: usize,
    pub warnings: usize,
    /// The per-file limit that was reached.
    pub limit: usize,
}

/// The diagnostics of a run, sorted by file and position.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    omitted: Vec<Omitted>,
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        let mut d = Diagnostics {
            items,
            omitted: Vec::new(),
        };
        d.sort();
        d
    }
}

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error) || self.omitted.iter().any(|o| o.errors > 0)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// The same diagnostics without the warnings (omitted warnings dropped too).
    pub fn only_errors(&self) -> Diagnostics {
        Diagnostics {
            items: self.errors().cloned().collect(),
            omitted: self
                .omitted
                .iter()
                .filter(|o| o.errors > 0)
                .map(|o| Omitted {
                    warnings: 0,
                    ..o.clone()
                })
                .collect(),
        }
    }

    /// The diagnostics kept, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// How many diagnostics were kept.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Nothing was reported, kept or counted.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.omitted.is_empty()
    }

    /// Per file, what was counted beyond the limit, in file order.
    pub fn omitted(&self) -> &[Omitted] {
        &self.omitted
    }

    /// Errors and warnings in all, kept or not.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self.errors().count() + self.omitted.iter().map(|o| o.errors).sum::<usize>();
        let warnings = self.items.len() - self.errors().count()
            + self.omitted.iter().map(|o| o.warnings).sum::<usize>();
        (errors, warnings)
    }

    fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.path, a.offset_range(), a.code()).cmp(&(&b.path, b.offset_range(), b.code()))
        });
        self.items
            .dedup_by(|a, b| a.path == b.path && a.error == b.error);
        self.omitted.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

/// The result of checking: the model (complete only when there are no errors) and every
/// diagnostic found.
#[derive(Debug, Clone)]
pub struct Checked {
    pub model: Model,
    pub diagnostics: Diagnostics,
}

/// Checks the given files and everything they import, reading through `sources`, with
/// the default options: imports stay inside the folders of the files given.
///
/// Fails only when a file given cannot be read; every problem inside the files is a
/// diagnostic.
pub fn check_with(sources: &dyn Sources, files: &[PathBuf]) -> Result<Checked, LoadError> {
    check_with_options(sources, files, &CheckOptions::default())
}

/// Checks the given files and everything they import, reading through `sources`.
pub fn check_with_options(
    sources: &dyn Sources,
    files: &[PathBuf],
    options: &CheckOptions,
) -> Result<Checked, LoadError> {
    let units = load::load(sources, files, options)?;
    let (model, items, omitted) = resolve::resolve(units, options.max_diagnostics_per_file);
    let mut diagnostics = Diagnostics { items, omitted };
    diagnostics.sort();
    Ok(Checked { model, diagnostics })
}

/// Checks files and folders (every `*.brief` below a folder) on disk.
pub fn check_paths(paths: &[PathBuf]) -> Result<Checked, LoadError> {
    check_paths_with(paths, &CheckOptions::default())
}

/// Checks files and folders on disk; each folder given is an import root too.
pub fn check_paths_with(paths: &[PathBuf], options: &CheckOptions) -> Result<Checked, LoadError> {
    let files = collect_brief_files(paths)?;
    let mut options = options.clone();
    options
        .roots
        .extend(paths.iter().filter(|p| p.is_dir()).cloned());
    check_with_options(&FsSources, &files, &options)
}

/// Checks one source text held in memory under a made-up path.
pub fn check_source(path: &str, source: &str) -> Checked {
    let sources = MemorySources::new([(path, source)]);
    // A text already in memory is checked whatever its size.
    let options = CheckOptions {
        max_file_size: u64::MAX,
        ..CheckOptions::default()
    };
    check_with_options(&sources, &[PathBuf::from(path)], &options).expect("the file is in memory")
}
