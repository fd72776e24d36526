//! The documents an editor has open, and the view of the workspace the checker reads:
//! open documents as they are in the editor (saved or not), every other file from disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::Uri;

use crate::check::{normalize, FsSources, Sources};

use super::uri;

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Uri,
    /// The path the checker knows it by: the file's path for `file://` URIs; the URI
    /// itself for documents that are not files (an unsaved `untitled:` buffer).
    pub path: PathBuf,
    pub version: i32,
    pub text: Arc<str>,
}

/// The open documents, by path. Cloning is cheap (texts are shared), so the analysis
/// thread works on a snapshot while the editor goes on typing.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    by_path: HashMap<PathBuf, Document>,
    /// Bumped by every change to any document: analyses remember the one they saw.
    pub generation: u64,
}

/// The path a document is checked under.
pub fn path_of(uri: &Uri) -> PathBuf {
    normalize(&uri::to_path(uri).unwrap_or_else(|| PathBuf::from(uri.as_str())))
}

impl Documents {
    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> PathBuf {
        let path = path_of(&uri);
        self.generation += 1;
        self.by_path.insert(
            path.clone(),
            Document {
                uri,
                path: path.clone(),
                version,
                text: Arc::from(text),
            },
        );
        path
    }

    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.generation += 1;
        self.by_path.remove(&path_of(uri))
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.by_path.get(&path_of(uri))
    }

    pub fn by_path(&self, path: &Path) -> Option<&Document> {
        self.by_path.get(&normalize(path))
    }

    /// Replaces a document's text; `None` if it is not open.
    pub fn update(&mut self, uri: &Uri, version: i32, text: String) -> Option<PathBuf> {
        let doc = self.by_path.get_mut(&path_of(uri))?;
        doc.version = version;
        doc.text = Arc::from(text);
        self.generation += 1;
        Some(doc.path.clone())
    }

    /// Every open document.
    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.by_path.values()
    }

    /// The URI to show for a path: the open document's, else the file's.
    pub fn uri_of(&self, path: &Path) -> Uri {
        match self.by_path(path) {
            Some(doc) => doc.uri.clone(),
            None => uri::from_path(path),
        }
    }
}

impl Sources for Documents {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.by_path(path) {
            Some(doc) => Ok(doc.text.to_string()),
            None => FsSources.read(path),
        }
    }
}
