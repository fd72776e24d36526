//! Reading contracts at a git revision without checking anything out: `git ls-tree` to
//! list the files, one `git cat-file --batch` to read them all, and a [`Sources`] so the
//! ordinary checker follows imports inside the revision.
//!
//! Paths stay as the user writes them in the working tree (`rpc/summer.brief`); they are
//! mapped to the repository only to ask git.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use crate::check::{normalize, Sources};

/// Git could not be run, the folder is not in a repository, or the revision is unknown.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GitError(pub String);

/// The files of one commit, read lazily and cached.
#[derive(Debug)]
pub struct GitTree {
    /// The repository's root, as git reports it (symlinks resolved).
    toplevel: PathBuf,
    /// The revision as the user wrote it (`main`).
    rev: String,
    /// The commit it resolves to.
    commit: String,
    /// The current directory, symlinks resolved, to map the user's paths.
    cwd: PathBuf,
    /// Repository path → what the commit holds there.
    cache: RefCell<HashMap<String, Blob>>,
    /// The largest file read; larger blobs are skipped unread.
    max_file_size: u64,
}

/// A file of the commit, as read.
#[derive(Debug, Clone)]
enum Blob {
    Text(String),
    /// Not in the commit (or not a file there).
    Missing,
    /// Larger than the limit: its size.
    TooLarge(u64),
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| GitError(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(GitError(format!(
            "git {} failed: {}",
            args.join(" "),
            stderr.trim()
        )));
    }
    Ok(output.stdout)
}

fn line(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_string()
}

impl GitTree {
    /// Opens the repository that holds `path` (a file or folder of the working tree) at
    /// revision `rev`: a branch, `origin/main`, a tag or a commit.
    pub fn open(path: &Path, rev: &str) -> Result<GitTree, GitError> {
        let mut dir = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        if dir.as_os_str().is_empty() {
            dir = PathBuf::from(".");
        }
        let toplevel = match git(&dir, &["rev-parse", "--show-toplevel"]) {
            Ok(out) => PathBuf::from(line(out)),
            Err(e) if e.0.contains("not a git repository") => {
                return Err(GitError(format!(
                    "--against compares with a git revision, but {} is not inside a git \
                     repository; compare two paths instead: brief compat OLD NEW",
                    dir.display()
                )))
            }
            Err(e) => return Err(e),
        };
        let commit = git(
            &dir,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map(line)
        .map_err(|_| {
            let has_commits =
                git(&dir, &["rev-list", "-n", "1", "--all"]).is_ok_and(|out| !out.is_empty());
            if has_commits {
                GitError(format!("unknown git revision `{rev}`"))
            } else {
                GitError(format!(
                    "the git repository at {} has no commits yet, so there is no `{rev}` to \
                     compare with: commit the contracts first, or compare two paths: brief \
                     compat OLD NEW",
                    toplevel.display()
                ))
            }
        })?;
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .map_err(|e| GitError(format!("cannot read the current directory: {e}")))?;
        Ok(GitTree {
            toplevel,
            rev: rev.to_string(),
            commit,
            cwd,
            cache: RefCell::new(HashMap::new()),
            max_file_size: crate::check::DEFAULT_MAX_FILE_SIZE,
        })
    }

    /// Reads no file larger than `limit` bytes (default 16 MiB).
    pub fn max_file_size(mut self, limit: u64) -> Self {
        self.max_file_size = limit;
        self
    }

    /// The revision as given.
    pub fn rev(&self) -> &str {
        &self.rev
    }

    /// The path inside the repository of a path as the user writes it, or `None` when
    /// it is outside the repository.
    fn repo_path(&self, path: &Path) -> Option<String> {
        let absolute = normalize(&self.cwd.join(path));
        let rel = absolute.strip_prefix(&self.toplevel).ok()?;
        let s = rel.to_string_lossy().replace('\\', "/");
        Some(if s.is_empty() { ".".into() } else { s })
    }

    /// Every `*.brief` file under `path` (a file or folder) in the revision, skipping
    /// hidden folders like `brief check` does, as paths under `path`. Reads them all in
    /// one `git cat-file` run. Empty when `path` did not exist at the revision.
    pub fn brief_files(&self, path: &Path) -> Result<Vec<PathBuf>, GitError> {
        let Some(base) = self.repo_path(path) else {
            return Err(GitError(format!(
                "{} is outside the git repository at {}",
                path.display(),
                self.toplevel.display()
            )));
        };
        let listing = git(
            &self.toplevel,
            &[
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                &self.commit,
                "--",
                &base,
            ],
        )?;
        let mut repo_paths = Vec::new();
        let mut user_paths = Vec::new();
        for name in listing.split(|&b| b == 0).filter(|n| !n.is_empty()) {
            let name = String::from_utf8_lossy(name).to_string();
            if !name.ends_with(".brief") {
                continue;
            }
            let below = if base == "." {
                Path::new(&name)
            } else if name == base {
                Path::new("")
            } else {
                match Path::new(&name).strip_prefix(&base) {
                    Ok(p) => p,
                    Err(_) => continue,
                }
            };
            let hidden = below.parent().is_some_and(|dirs| {
                dirs.components().any(|c| match c {
                    Component::Normal(s) => s.to_string_lossy().starts_with('.'),
                    _ => false,
                })
            });
            if hidden {
                continue;
            }
            user_paths.push(normalize(&path.join(below)));
            repo_paths.push(name);
        }
        let contents = self.cat_files(&repo_paths)?;
        let mut cache = self.cache.borrow_mut();
        for (p, c) in repo_paths.into_iter().zip(contents) {
            cache.insert(p, c);
        }
        Ok(user_paths)
    }

    /// Reads blobs of the commit in one `git cat-file --batch`, skipping (unread) any
    /// larger than the limit.
    fn cat_files(&self, paths: &[String]) -> Result<Vec<Blob>, GitError> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.toplevel)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| GitError(format!("cannot run git: {e}")))?;
        let mut input = String::new();
        for p in paths {
            input.push_str(&self.commit);
            input.push(':');
            input.push_str(p);
            input.push('\n');
        }
        let mut stdin = child.stdin.take().expect("piped");
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let stdout = child.stdout.take().expect("piped");
        let result = self.read_batch(&mut BufReader::new(stdout), paths.len());
        let _ = writer.join();
        let status = child
            .wait()
            .map_err(|e| GitError(format!("git cat-file: {e}")))?;
        if !status.success() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return Err(GitError(format!("git cat-file failed: {}", err.trim())));
        }
        result
    }

    /// Parses `git cat-file --batch` output: per object a header `<oid> <type> <size>`
    /// (or `<object> missing`), then the contents and a newline.
    fn read_batch(&self, out: &mut impl BufRead, count: usize) -> Result<Vec<Blob>, GitError> {
        let truncated = || GitError("git cat-file: truncated output".into());
        let mut result = Vec::with_capacity(count);
        for _ in 0..count {
            let mut header = String::new();
            out.read_line(&mut header).map_err(|_| truncated())?;
            let parts: Vec<&str> = header.trim_end().split(' ').collect();
            let [_, kind, size] = parts[..] else {
                // `<object> missing` or `<object> ambiguous`.
                result.push(Blob::Missing);
                continue;
            };
            let size: u64 = size
                .parse()
                .map_err(|_| GitError(format!("git cat-file: bad header `{}`", header.trim())))?;
            if size > self.max_file_size {
                std::io::copy(&mut out.take(size + 1), &mut std::io::sink())
                    .map_err(|_| truncated())?;
                result.push(Blob::TooLarge(size));
                continue;
            }
            let mut body = vec![0; size as usize + 1];
            out.read_exact(&mut body).map_err(|_| truncated())?;
            body.pop();
            result.push(if kind == "blob" {
                Blob::Text(String::from_utf8_lossy(&body).into_owned())
            } else {
                Blob::Missing
            });
        }
        Ok(result)
    }
}

impl Sources for GitTree {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let not_found =
            || std::io::Error::new(std::io::ErrorKind::NotFound, format!("not in {}", self.rev));
        let repo = self.repo_path(path).ok_or_else(not_found)?;
        let cached = self.cache.borrow().get(&repo).cloned();
        let blob = match cached {
            Some(blob) => blob,
            None => {
                let blob = self
                    .cat_files(std::slice::from_ref(&repo))
                    .map_err(|e| std::io::Error::other(e.0))?
                    .pop()
                    .unwrap_or(Blob::Missing);
                self.cache.borrow_mut().insert(repo, blob.clone());
                blob
            }
        };
        match blob {
            Blob::Text(text) => Ok(text),
            Blob::Missing => Err(not_found()),
            Blob::TooLarge(size) => Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!(
                    "it is {} at {}, more than the limit of {}",
                    crate::check::format_size(size),
                    self.rev,
                    crate::check::format_size(self.max_file_size)
                ),
            )),
        }
    }
}

/// The default folder of `brief compat --against`: the nearest folder, from the current
/// one up, that holds `brief.toml` (not above the repository's root), else `.`; as a
/// relative path so findings show short paths.
pub fn default_path() -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else {
        return PathBuf::from(".");
    };
    let mut up = PathBuf::from(".");
    let mut dir = cwd.as_path();
    loop {
        if dir.join("brief.toml").is_file() {
            return normalize(&up);
        }
        if dir.join(".git").exists() {
            return PathBuf::from(".");
        }
        match dir.parent() {
            Some(parent) => {
                dir = parent;
                up.push("..");
            }
            None => return PathBuf::from("."),
        }
    }
}
