//! Checking one open document with the front end, as `brief check` would check the file,
//! reading its imports through the open documents first.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{DiagnosticSeverity, Uri};

use crate::check::{self, Checked};
use crate::model::{File, FileId};

use super::diagnostics::to_lsp;
use super::documents::Documents;
use super::text::LineIndex;

/// A document as checked at one moment.
pub struct Analysis {
    /// [`Documents::generation`] when it was made: it is current while that is.
    pub generation: u64,
    pub uri: Uri,
    pub path: PathBuf,
    pub version: i32,
    pub text: Arc<str>,
    pub lines: LineIndex,
    /// `None` when the document is too large to check.
    pub checked: Option<Checked>,
    /// The document's diagnostics, ready to publish.
    pub diagnostics: Vec<lsp_types::Diagnostic>,
    /// The document itself parsed (its declarations are in the model).
    pub parsed: bool,
}

impl Analysis {
    /// The document's file in the model.
    pub fn file(&self) -> Option<&File> {
        let checked = self.checked.as_ref()?;
        checked.model.files.iter().find(|f| f.is_root)
    }

    pub fn file_id(&self) -> Option<FileId> {
        self.file().map(|f| f.id)
    }

    /// Every file the check read: the document and what it imports, transitively.
    pub fn reads(&self, path: &Path) -> bool {
        self.checked
            .as_ref()
            .is_some_and(|c| c.model.files.iter().any(|f| f.path == path))
    }
}

/// Checks the open document at `path`; `None` if it is not open.
pub fn analyze(docs: &Documents, path: &Path, max_file_size: usize) -> Option<Analysis> {
    let doc = docs.by_path(path)?;
    let lines = LineIndex::new(&doc.text);
    let mut analysis = Analysis {
        generation: docs.generation,
        uri: doc.uri.clone(),
        path: doc.path.clone(),
        version: doc.version,
        text: doc.text.clone(),
        lines,
        checked: None,
        diagnostics: Vec::new(),
        parsed: false,
    };
    if doc.text.len() > max_file_size {
        analysis.diagnostics.push(lsp_types::Diagnostic {
            range: Default::default(),
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("brief".into()),
            message: format!(
                "this file is {} bytes, more than the {max_file_size} bytes brief checks",
                doc.text.len()
            ),
            ..Default::default()
        });
        return Some(analysis);
    }
    let checked = check::check_with(docs, std::slice::from_ref(&doc.path))
        .expect("an open document can always be read");
    let shown = display(&doc.path);
    let mut parsed = true;
    for d in checked.diagnostics.iter().filter(|d| d.path == shown) {
        parsed &= d.code() != "brief::syntax";
        analysis
            .diagnostics
            .push(to_lsp(d, &analysis.uri, &analysis.lines));
    }
    analysis.parsed = parsed;
    analysis.checked = Some(checked);
    Some(analysis)
}

/// A path as the checker writes it into diagnostics.
fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
