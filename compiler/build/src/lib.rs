//! Generate Rust clients and servers from `.brief` contracts in a build script.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), brief_build::Error> {
//!     brief_build::configure()
//!         .client(true)
//!         .server(true)
//!         .compile(&["rpc"])
//! }
//! ```
//!
//! ```text
//! // src/lib.rs: one module per contract, e.g. `rpc::summer`.
//! pub mod rpc {
//!     brief_runtime::include_contracts!();
//! }
//! ```
//!
//! Every contract file and every file it imports is watched with
//! `cargo:rerun-if-changed`. A contract with errors fails the build with the same
//! diagnostics `brief check` prints, once. Imports stay inside the folders given (a file
//! given stands for its folder) and those added with [`Builder::root`]; files over
//! [`Builder::max_file_size`] (16 MiB) are refused.

use std::fmt;
use std::path::{Path, PathBuf};

use brief::diagnostics::{self, Style};
use brief::gen::{self, Lang, Options};

/// The generator's settings; start from [`configure`].
#[derive(Debug, Clone)]
pub struct Builder {
    options: Options,
    check: brief::check::CheckOptions,
    out_dir: Option<PathBuf>,
    emit_rerun_if_changed: bool,
}

/// A builder with the defaults: client and server, into `OUT_DIR`, watching inputs.
pub fn configure() -> Builder {
    Builder {
        options: Options::default(),
        check: brief::check::CheckOptions::default(),
        out_dir: None,
        emit_rerun_if_changed: true,
    }
}

/// Generates client and server code for `paths` (files or folders) into `OUT_DIR`.
pub fn compile(paths: &[impl AsRef<Path>]) -> Result<(), Error> {
    configure().compile(paths)
}

impl Builder {
    /// Generate clients (default true).
    pub fn client(mut self, enable: bool) -> Self {
        self.options.client = enable;
        self
    }

    /// Generate server traits and routers (default true).
    pub fn server(mut self, enable: bool) -> Self {
        self.options.server = enable;
        self
    }

    /// Write somewhere other than `OUT_DIR` (then include the files yourself).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// A folder that imports may read from, besides the folders given to
    /// [`Builder::compile`] (a file given stands for its folder). An import that leads
    /// anywhere else fails the build.
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.check.roots.push(dir.into());
        self
    }

    /// The largest contract file read, in bytes (default 16 MiB).
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.check.max_file_size = bytes;
        self
    }

    /// Print `cargo:rerun-if-changed` for every input (default true).
    pub fn emit_rerun_if_changed(mut self, enable: bool) -> Self {
        self.emit_rerun_if_changed = enable;
        self
    }

    /// Checks the contracts and writes one module per contract plus `brief.rs`, which
    /// `brief_runtime::include_contracts!()` includes.
    pub fn compile(self, paths: &[impl AsRef<Path>]) -> Result<(), Error> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| Error::Io("OUT_DIR is not set: call this from build.rs".into()))?,
        };
        if self.emit_rerun_if_changed {
            // Folders too, so that a new contract file triggers a rebuild.
            for path in &paths {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let checked = brief::check::check_paths_with(&paths, &self.check)
            .map_err(|e| Error::Io(e.to_string()))?;
        if self.emit_rerun_if_changed {
            for file in &checked.model.files {
                println!("cargo:rerun-if-changed={}", file.path.display());
            }
        }
        let rendered = diagnostics::render(&checked.diagnostics, Style::Text { color: false });
        if checked.diagnostics.has_errors() {
            // Not printed here: `main` returning the error prints it (its `Debug` is the
            // report), and printing it here too would show every diagnostic twice.
            return Err(Error::Contract(rendered));
        }
        for line in rendered.lines() {
            if !line.trim().is_empty() {
                println!("cargo:warning={line}");
            }
        }
        let files = gen::generate(&checked.model, Lang::Rust, &self.options)
            .map_err(|e| Error::Io(e.to_string()))?;
        gen::write_files(&out_dir, &files)
            .map_err(|e| Error::Io(format!("cannot write into {}: {e}", out_dir.display())))?;
        Ok(())
    }
}

/// Why generation failed. Its `Debug` form is the full report, so that
/// `fn main() -> Result<(), brief_build::Error>` prints the diagnostics as they are.
pub enum Error {
    /// The contracts have errors; the text is the rendered diagnostics.
    Contract(String),
    /// A file could not be read or written.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Contract(report) => write!(f, "the contracts have errors:\n{report}"),
            Error::Io(message) => f.write_str(message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}
