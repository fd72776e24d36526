//! Reading contracts at a git revision without checking anything out: `git ls-tree` to
//! list the files, one `git cat-file --batch` to read them all, and a [`Sources`] so the
//! ordinary checker follows imports inside the revision.
//!
//! Paths stay as the user writes them in the working tree (`rpc/summer.brief`); they are
//! mapped to the repository only to ask git.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Write};
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
    /// Repository path → contents (`None`: not in the commit).
    cache: RefCell<HashMap<String, Option<String>>>,
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
        let toplevel = PathBuf::from(line(git(&dir, &["rev-parse", "--show-toplevel"])?));
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
        .map_err(|_| GitError(format!("unknown git revision `{rev}`")))?;
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .map_err(|e| GitError(format!("cannot read the current directory: {e}")))?;
        Ok(GitTree {
            toplevel,
            rev: rev.to_string(),
            commit,
            cwd,
            cache: RefCell::new(HashMap::new()),
        })
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

    /// Reads blobs of the commit in one `git cat-file --batch`.
    fn cat_files(&self, paths: &[String]) -> Result<Vec<Option<String>>, GitError> {
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
        let mut out = Vec::new();
        child
            .stdout
            .take()
            .expect("piped")
            .read_to_end(&mut out)
            .map_err(|e| GitError(format!("cannot read from git cat-file: {e}")))?;
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
        let mut result = Vec::with_capacity(paths.len());
        let mut at = 0;
        for _ in paths {
            let Some(end) = out[at..].iter().position(|&b| b == b'\n') else {
                return Err(GitError("git cat-file: truncated output".into()));
            };
            let header = String::from_utf8_lossy(&out[at..at + end]).to_string();
            at += end + 1;
            let parts: Vec<&str> = header.split(' ').collect();
            if parts.len() == 3 {
                let size: usize = parts[2]
                    .parse()
                    .map_err(|_| GitError(format!("git cat-file: bad header `{header}`")))?;
                if at + size > out.len() {
                    return Err(GitError("git cat-file: truncated output".into()));
                }
                let body = &out[at..at + size];
                at += size + 1;
                if parts[1] == "blob" {
                    result.push(Some(String::from_utf8_lossy(body).into_owned()));
                } else {
                    result.push(None);
                }
            } else {
                // `<object> missing` or `<object> ambiguous`.
                result.push(None);
            }
        }
        Ok(result)
    }
}

impl Sources for GitTree {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let not_found =
            || std::io::Error::new(std::io::ErrorKind::NotFound, format!("not in {}", self.rev));
        let repo = self.repo_path(path).ok_or_else(not_found)?;
        if let Some(cached) = self.cache.borrow().get(&repo) {
            return cached.clone().ok_or_else(not_found);
        }
        let read = self
            .cat_files(std::slice::from_ref(&repo))
            .map_err(|e| std::io::Error::other(e.0))?
            .pop()
            .flatten();
        self.cache.borrow_mut().insert(repo, read.clone());
        read.ok_or_else(not_found)
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
