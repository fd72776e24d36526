//! Reading files and following imports. Where the text comes from is a [`Sources`], so
//! the same checker reads the file system, memory (tests, fuzzing) or a git revision.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::syntax::{self, ast};

/// Where the checker reads source text from.
pub trait Sources {
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// The file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsSources;

impl Sources for FsSources {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// The file system seen from a folder: relative paths are read below it, so that
/// diagnostics and generated headers name files relative to it wherever the process runs.
#[derive(Debug, Clone)]
pub struct RootedSources {
    root: PathBuf,
    absolute_root: Option<PathBuf>,
}

impl RootedSources {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let absolute_root = std::fs::canonicalize(&root).ok();
        RootedSources {
            root,
            absolute_root,
        }
    }

    /// `path` (as found on disk from the current folder) relative to the root, when it
    /// is below it; otherwise unchanged.
    pub fn relative(&self, path: &Path) -> PathBuf {
        let absolute = std::fs::canonicalize(path).ok();
        match (&self.absolute_root, absolute) {
            (Some(root), Some(abs)) => abs
                .strip_prefix(root)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| path.to_path_buf()),
            _ => path.to_path_buf(),
        }
    }
}

impl Sources for RootedSources {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(self.root.join(path))
    }
}

/// Files held in memory, by path.
#[derive(Debug, Clone, Default)]
pub struct MemorySources {
    files: BTreeMap<PathBuf, String>,
}

impl MemorySources {
    pub fn new<P: Into<PathBuf>, S: Into<String>>(files: impl IntoIterator<Item = (P, S)>) -> Self {
        MemorySources {
            files: files
                .into_iter()
                .map(|(p, s)| (normalize(&p.into()), s.into()))
                .collect(),
        }
    }

    pub fn insert(&mut self, path: impl Into<PathBuf>, source: impl Into<String>) {
        self.files.insert(normalize(&path.into()), source.into());
    }

    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.files.keys()
    }
}

impl Sources for MemorySources {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}

/// A file a user asked for could not be read: a usage problem, not a diagnostic.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct LoadError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Every `*.brief` file under each path (a path that is a file is taken as it is), in a
/// stable order, without duplicates.
pub fn collect_brief_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| LoadError {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(normalize(p)));
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let file_type = entry.file_type().map_err(io)?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if file_type.is_dir() && !hidden {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "brief") {
            out.push(path);
        }
    }
    Ok(())
}

/// `a/./b/../c` → `a/c`, without touching the file system (the file may live in git).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// One file as read: its text, its parse tree (if it parsed), and the files it imports.
pub(crate) struct Unit {
    pub path: PathBuf,
    pub source: Arc<str>,
    pub ast: Result<ast::Ast, syntax::SyntaxError>,
    pub is_root: bool,
    /// For each `import` declaration, in order: the index of the imported unit, or why not.
    pub imports: Vec<Result<usize, String>>,
}

/// Reads the roots and, transitively, everything they import.
pub(crate) fn load(sources: &dyn Sources, roots: &[PathBuf]) -> Result<Vec<Unit>, LoadError> {
    let mut units: Vec<Unit> = Vec::new();
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    for root in roots {
        let path = normalize(root);
        if let Some(&i) = by_path.get(&path) {
            units[i].is_root = true;
            continue;
        }
        let text = sources.read(&path).map_err(|source| LoadError {
            path: root.clone(),
            source,
        })?;
        by_path.insert(path.clone(), units.len());
        units.push(new_unit(path, text, true));
    }
    // Units appended while following imports are visited by the same loop.
    let mut next = 0;
    while next < units.len() {
        let import_paths: Vec<String> = match &units[next].ast {
            Ok(ast) => ast
                .decls
                .iter()
                .filter_map(|d| match d {
                    ast::Decl::Import(i) => Some(i.path.text.clone()),
                    _ => None,
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let dir = units[next]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut resolved = Vec::with_capacity(import_paths.len());
        for written in import_paths {
            resolved.push(resolve_import(
                sources,
                &dir,
                &written,
                &mut units,
                &mut by_path,
            ));
        }
        units[next].imports = resolved;
        next += 1;
    }
    Ok(units)
}

fn resolve_import(
    sources: &dyn Sources,
    dir: &Path,
    written: &str,
    units: &mut Vec<Unit>,
    by_path: &mut HashMap<PathBuf, usize>,
) -> Result<usize, String> {
    if written.is_empty() {
        return Err("the path is empty".into());
    }
    if Path::new(written).is_absolute() {
        return Err("the path must be relative to the importing file".into());
    }
    let path = normalize(&dir.join(written));
    if let Some(&i) = by_path.get(&path) {
        return Ok(i);
    }
    match sources.read(&path) {
        Ok(text) => {
            by_path.insert(path.clone(), units.len());
            units.push(new_unit(path, text, false));
            Ok(units.len() - 1)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("{} does not exist", path.display()))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn new_unit(path: PathBuf, text: String, is_root: bool) -> Unit {
    let ast = syntax::parse(&text);
    Unit {
        path,
        source: Arc::from(text),
        ast,
        is_root,
        imports: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
        assert_eq!(normalize(Path::new("./")), PathBuf::from("."));
    }
}
