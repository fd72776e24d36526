//! The files a search for references reads: every `*.brief` below the workspace folders
//! the editor named, and every open document, checked together, so that the uses of a
//! declaration in the files that import it are found (unsaved text included).

use std::path::{Path, PathBuf};

use lsp_types::InitializeParams;

use crate::check::{check_with_options, normalize, CheckOptions, Checked, Sources};

use super::documents::Documents;
use super::uri;

/// The folders the editor opened.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub folders: Vec<PathBuf>,
}

impl Workspace {
    /// The workspace folders, else the root URI; nothing for an editor that names none
    /// (then only the open documents are searched).
    pub fn from_params(params: &InitializeParams) -> Workspace {
        let mut uris: Vec<&lsp_types::Uri> = params
            .workspace_folders
            .iter()
            .flatten()
            .map(|f| &f.uri)
            .collect();
        if uris.is_empty() {
            #[allow(deprecated)] // superseded by workspace folders, still sent by many clients
            uris.extend(params.root_uri.as_ref());
        }
        let folders = uris
            .into_iter()
            .filter_map(uri::to_path)
            .filter(|p| p.is_absolute())
            .map(|p| normalize(&p))
            .collect();
        Workspace { folders }
    }

    /// The files to check: the open documents that are files, then every `*.brief` below
    /// the folders, reading at most `max_entries` directory entries in all (hidden
    /// folders, `node_modules` and `target` are skipped; symbolic links not followed).
    pub fn files(&self, docs: &Documents, max_entries: usize) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = docs
            .iter()
            .map(|d| d.path.clone())
            .filter(|p| p.is_absolute())
            .collect();
        files.sort();
        let mut budget = max_entries;
        for folder in &self.folders {
            walk(folder, &mut budget, &mut files);
        }
        let mut seen = std::collections::HashSet::new();
        files.retain(|p| seen.insert(p.clone()));
        files
    }

    /// Checks `files` together through `sources`. A file that cannot be read (removed
    /// since the search saw it) is left out.
    pub fn check(
        &self,
        sources: &dyn Sources,
        mut files: Vec<PathBuf>,
        max_file_size: usize,
    ) -> Option<Checked> {
        let options = CheckOptions {
            roots: self.folders.clone(),
            max_file_size: max_file_size as u64,
            ..CheckOptions::default()
        };
        loop {
            if files.is_empty() {
                return None;
            }
            match check_with_options(sources, &files, &options) {
                Ok(checked) => return Some(checked),
                Err(e) => {
                    let before = files.len();
                    files.retain(|f| normalize(f) != normalize(&e.path));
                    if files.len() == before {
                        return None;
                    }
                }
            }
        }
    }
}

fn walk(dir: &Path, budget: &mut usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let path = normalize(&entry.path());
        if file_type.is_dir() {
            if !(name.starts_with('.') || name == "node_modules" || name == "target") {
                walk(&path, budget, out);
            }
        } else if file_type.is_file() && name.ends_with(".brief") {
            out.push(path);
        }
    }
}
