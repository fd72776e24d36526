//! Reading files and following imports. Where the text comes from is a [`Sources`], so
//! the same checker reads the file system, memory (tests, fuzzing) or a git revision.
//!
//! The compiler stays in its folders: an import is read only when it resolves inside one
//! of the *import roots* ([`CheckOptions::roots`] and the folder of every file given),
//! after following symbolic links; only regular files are opened, and none larger than
//! [`CheckOptions::max_file_size`].

use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::CheckOptions;
use crate::model::LineIndex;
use crate::syntax::{self, ast};

/// Where the checker reads source text from.
pub trait Sources {
    fn read(&self, path: &Path) -> std::io::Result<String>;

    /// Reads a file of at most `limit` bytes; a larger one is an error of kind
    /// [`std::io::ErrorKind::FileTooLarge`]. Sources that can tell the size before
    /// reading (the file system, git) override this so that nothing large is read.
    fn read_limited(&self, path: &Path, limit: u64) -> std::io::Result<String> {
        let text = self.read(path)?;
        if text.len() as u64 > limit {
            return Err(too_large(text.len() as u64, limit));
        }
        Ok(text)
    }

    /// The path with symbolic links resolved, to tell whether a file really is inside
    /// an import root. Sources without links (memory, git) give the path normalized.
    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        Ok(normalize(path))
    }
}

/// The file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsSources;

impl Sources for FsSources {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        read_file(path, super::DEFAULT_MAX_FILE_SIZE)
    }

    fn read_limited(&self, path: &Path, limit: u64) -> std::io::Result<String> {
        read_file(path, limit)
    }

    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// Reads a contract from disk: only a regular file (after following links), at most
/// `limit` bytes, valid UTF-8. A FIFO, a device or a folder is refused before it is
/// opened, so nothing can make the read hang or grow without bound.
pub fn read_file(path: &Path, limit: u64) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    check_regular(&meta)?;
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    let file = std::fs::File::open(path)?;
    // The path may have been replaced between the two looks: check what was opened.
    let opened = file.metadata()?;
    check_regular(&opened)?;
    let mut bytes = Vec::with_capacity(opened.len().min(limit) as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

fn check_regular(meta: &std::fs::Metadata) -> std::io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let what = if meta.is_dir() {
        "a folder"
    } else {
        special_file_kind(&meta.file_type())
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("it is {what}, not a regular file"),
    ))
}

#[cfg(unix)]
fn special_file_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

fn too_large(size: u64, limit: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!(
            "it is {}, more than the limit of {}",
            format_size(size),
            format_size(limit)
        ),
    )
}

/// `16 MiB`, `512 KiB`, `100 bytes`: the largest binary unit that divides the size, else
/// the unit below with a decimal.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            return if bytes.is_multiple_of(unit) {
                format!("{} {name}", bytes / unit)
            } else {
                format!("{:.1} {name}", bytes as f64 / unit as f64)
            };
        }
    }
    if bytes == 1 {
        "1 byte".into()
    } else {
        format!("{bytes} bytes")
    }
}

/// `16MiB`, `512KiB`, `2GiB`, `1000` (bytes); also `K`/`M`/`G` and `KB`/`MB`/`GB`, taken
/// as binary units too.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| {
        format!("`{text}` is not a size: write e.g. `16MiB`, `512KiB` or `1000000`")
    })?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size: the units are KiB, MiB and GiB"
            ))
        }
    };
    number
        .checked_mul(scale)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
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
        read_file(&self.root.join(path), super::DEFAULT_MAX_FILE_SIZE)
    }

    fn read_limited(&self, path: &Path, limit: u64) -> std::io::Result<String> {
        read_file(&self.root.join(path), limit)
    }

    fn real_path(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(self.root.join(path))
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
///
/// A symbolic link met below a folder must lead to a place inside that folder: a link
/// out of it (`rpc/x.brief → /etc/passwd`) is an error, as is one that leads nowhere.
pub fn collect_brief_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| LoadError {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let real_root = std::fs::canonicalize(path).map_err(|source| LoadError {
                path: path.clone(),
                source,
            })?;
            walk(path, &real_root, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(normalize(p)));
    Ok(out)
}

fn walk(dir: &Path, real_root: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
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
            walk(&path, real_root, out)?;
        } else if path.extension().is_some_and(|e| e == "brief") {
            if file_type.is_symlink() {
                let target = std::fs::canonicalize(&path).map_err(|source| LoadError {
                    path: path.clone(),
                    source,
                })?;
                if !target.starts_with(real_root) {
                    return Err(LoadError {
                        path,
                        source: std::io::Error::new(
                            std::io::ErrorKind::PermissionDenied,
                            "it is a symbolic link to a file outside the folder given",
                        ),
                    });
                }
            }
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

/// Whether normalized `path` is `root` or below it; `.` holds every relative path that
/// does not climb out with `..`.
fn is_within(path: &Path, root: &Path) -> bool {
    if root == Path::new(".") {
        return path.is_relative()
            && !matches!(path.components().next(), Some(Component::ParentDir));
    }
    path.starts_with(root)
}

/// Paths are shown with `/` on every platform.
fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Why an import was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ImportFailure {
    /// Empty or absolute: not a relative path at all.
    Invalid(&'static str),
    /// Resolves (or links) outside every import root; `roots` names them.
    OutsideRoots { roots: String, through_link: bool },
    /// Missing, unreadable, not a regular file, too large: the reason.
    Unreadable(String),
}

/// One file as read: its text, its parse tree (if it parsed), and the files it imports.
pub(crate) struct Unit {
    pub path: PathBuf,
    pub source: Arc<str>,
    pub lines: Arc<LineIndex>,
    pub ast: Result<ast::Ast, syntax::SyntaxError>,
    pub is_root: bool,
    /// For each `import` declaration, in order: the index of the imported unit, or why not.
    pub imports: Vec<Result<usize, ImportFailure>>,
}

/// The folders imports must stay inside, as written and with links resolved.
struct ImportRoots {
    lexical: Vec<PathBuf>,
    real: Vec<PathBuf>,
}

impl ImportRoots {
    fn new(sources: &dyn Sources, files: &[PathBuf], extra: &[PathBuf]) -> ImportRoots {
        let mut lexical: Vec<PathBuf> = Vec::new();
        let parents = files.iter().map(|f| {
            normalize(
                &normalize(f)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            )
        });
        for root in parents.chain(extra.iter().map(|r| normalize(r))) {
            if !lexical.contains(&root) {
                lexical.push(root);
            }
        }
        let real = lexical
            .iter()
            .filter_map(|r| sources.real_path(r).ok())
            .collect();
        ImportRoots { lexical, real }
    }

    /// Inside a root written the same way (both relative or both absolute).
    fn lexically_inside(&self, path: &Path) -> bool {
        self.lexical
            .iter()
            .any(|r| r.is_absolute() == path.is_absolute() && is_within(path, r))
    }

    /// Every root is written the way `path` is, so the lexical answer is the answer.
    fn all_comparable(&self, path: &Path) -> bool {
        self.lexical
            .iter()
            .all(|r| r.is_absolute() == path.is_absolute())
    }

    fn really_inside(&self, real: &Path) -> bool {
        self.real.iter().any(|r| is_within(real, r))
    }

    fn describe(&self) -> String {
        self.lexical
            .iter()
            .map(|r| format!("{}/", display(r).trim_end_matches('/')))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Reads the files given and, transitively, everything they import.
pub(crate) fn load(
    sources: &dyn Sources,
    files: &[PathBuf],
    options: &CheckOptions,
) -> Result<Vec<Unit>, LoadError> {
    let roots = ImportRoots::new(sources, files, &options.roots);
    let mut units: Vec<Unit> = Vec::new();
    let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
    for file in files {
        let path = normalize(file);
        if let Some(&i) = by_path.get(&path) {
            units[i].is_root = true;
            continue;
        }
        let text = sources
            .read_limited(&path, options.max_file_size)
            .map_err(|source| LoadError {
                path: file.clone(),
                source,
            })?;
        by_path.insert(path.clone(), units.len());
        units.push(new_unit(path, text, true));
    }
    let mut loader = Loader {
        sources,
        roots,
        max_file_size: options.max_file_size,
        units,
        by_path,
    };
    // Units appended while following imports are visited by the same loop.
    let mut next = 0;
    while next < loader.units.len() {
        let import_paths: Vec<String> = match &loader.units[next].ast {
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
        let dir = loader.units[next]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let resolved = import_paths
            .iter()
            .map(|written| loader.import(&dir, written))
            .collect();
        loader.units[next].imports = resolved;
        next += 1;
    }
    Ok(loader.units)
}

struct Loader<'s> {
    sources: &'s dyn Sources,
    roots: ImportRoots,
    max_file_size: u64,
    units: Vec<Unit>,
    by_path: HashMap<PathBuf, usize>,
}

impl Loader<'_> {
    fn import(&mut self, dir: &Path, written: &str) -> Result<usize, ImportFailure> {
        if written.is_empty() {
            return Err(ImportFailure::Invalid("the path is empty"));
        }
        if Path::new(written).is_absolute() {
            return Err(ImportFailure::Invalid(
                "the path must be relative to the importing file",
            ));
        }
        let path = normalize(&dir.join(written));
        if let Some(&i) = self.by_path.get(&path) {
            return Ok(i);
        }
        let outside = |through_link| ImportFailure::OutsideRoots {
            roots: self.roots.describe(),
            through_link,
        };
        // Nothing outside the roots is touched: not read, not even looked up.
        let lexically_inside = self.roots.lexically_inside(&path);
        if !lexically_inside && self.roots.all_comparable(&path) {
            return Err(outside(false));
        }
        let real = self
            .sources
            .real_path(&path)
            .map_err(|e| unreadable(&path, e))?;
        if !self.roots.really_inside(&real) {
            return Err(outside(lexically_inside));
        }
        let text = self
            .sources
            .read_limited(&path, self.max_file_size)
            .map_err(|e| unreadable(&path, e))?;
        self.by_path.insert(path.clone(), self.units.len());
        self.units.push(new_unit(path, text, false));
        Ok(self.units.len() - 1)
    }
}

fn unreadable(path: &Path, e: std::io::Error) -> ImportFailure {
    if e.kind() == std::io::ErrorKind::NotFound {
        ImportFailure::Unreadable(format!("{} does not exist", display(path)))
    } else {
        ImportFailure::Unreadable(format!("{}: {e}", display(path)))
    }
}

fn new_unit(path: PathBuf, text: String, is_root: bool) -> Unit {
    let ast = syntax::parse(&text);
    Unit {
        path,
        lines: Arc::new(LineIndex::new(&text)),
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

    #[test]
    fn within_a_root() {
        assert!(is_within(Path::new("a.brief"), Path::new(".")));
        assert!(is_within(Path::new("rpc/a.brief"), Path::new("rpc")));
        assert!(!is_within(Path::new("../a.brief"), Path::new(".")));
        assert!(!is_within(Path::new("rpcx/a.brief"), Path::new("rpc")));
        assert!(!is_within(Path::new("/etc/passwd"), Path::new(".")));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("2 GB"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert_eq!(format_size(16 << 20), "16 MiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(10), "10 bytes");
    }
}
