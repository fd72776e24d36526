//! Subcommands of `brief`. Exit codes: 0 success, 1 problems found in the input,
//! 2 usage or I/O errors (a missing path, a folder without contracts, a bad flag).
//!
//! Each subcommand is a variant of [`Command`] with its arguments and a `run_*` function;
//! the larger ones live in their own module.

mod codegen;
mod compat;
mod lsp;
mod openapi;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use brief::check::{self, CheckOptions};
use brief::diagnostics::{self, Style};

#[derive(Parser)]
#[command(
    name = "brief",
    version,
    propagate_version = true,
    about = "Contracts for services that call each other: check, format and generate code",
    long_about = "brief reads .brief contracts (services, rpcs, messages, enums, errors, event schemas), \
                  checks them, formats them and generates clients and servers.\n\n\
                  Exit codes: 0 success, 1 problems found in the input, 2 usage or I/O errors \
                  (a missing path, a folder without contracts, a bad flag)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check contracts and report every problem, with file, line and column.
    ///
    /// Exits 0 when there are no errors (warnings are printed), 1 when there are, 2 when
    /// a path does not exist or holds no .brief file.
    Check {
        /// Files or folders; a folder means every *.brief file below it.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// How to print diagnostics: `text` (to stderr) or `json` (one object per line,
        /// to stdout).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// Rewrite contracts in the canonical layout, keeping every comment and doc.
    ///
    /// With --check, change nothing: list the files that would change and exit 1 if any.
    Fmt {
        /// Files or folders; a folder means every *.brief file below it.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Only report files that are not formatted.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        size: SizeArg,
    },
    /// Generate clients and servers from contracts.
    ///
    /// With --lang and --out, generates that language into that folder. Without them,
    /// reads brief.toml beside the contracts folder (or inside it) and generates every
    /// language it configures:
    ///
    ///     [rust]
    ///     out = "src/rpc"
    ///
    ///     [go]
    ///     out = "internal/rpc"
    ///     import_path = "example.com/svc/internal/rpc"
    ///
    ///     [php]
    ///     out = "gen"
    ///     namespace = "Acme\\Rpc"
    ///
    /// The contracts are checked first; with errors nothing is written and the exit
    /// code is 1. With --check nothing is written either: the files that are missing or
    /// stale are listed (exit 1) with the command that regenerates them.
    #[command(verbatim_doc_comment)]
    Codegen(codegen::CodegenArgs),
    /// Tell whether a change to a contract breaks anyone: old clients, old consumers,
    /// or (with --consumer) the consumers that hold a copy of it.
    ///
    /// Three ways to call it:
    ///
    ///   brief compat OLD NEW                 compare two files or folders
    ///   brief compat --against REF [PATH]    compare PATH with the same path at git REF
    ///   brief compat --consumer PROVIDER CONSUMER...
    ///                                        check a provider's contract against each
    ///                                        consumer's copy (rpc/<service>.brief)
    ///
    /// Services are matched by name, rpcs by service and name, event schemas by topic;
    /// file names do not matter, so moving declarations between files changes nothing on
    /// the wire. Each message is followed from the rpcs and schemas that reach it: what
    /// clients send follows the input-side rules, what the server or a producer writes
    /// (answers, thrown errors, events) the output-side rules. Every finding names its
    /// rule (FIELD_REQUIRED_ADDED_ON_INPUT, ...), the path that makes it matter
    /// (rpc sum → SumIn.items[] → Item.price), the old and new positions and whom it
    /// breaks. The rules, with examples and CI recipes, are in docs/compat.md.
    ///
    /// Exit codes: 0 nothing breaks (warnings allowed), 1 something breaks, 2 usage,
    /// parse, check or git errors (the contracts' diagnostics are printed as by
    /// `brief check`).
    #[command(verbatim_doc_comment)]
    Compat(compat::CompatArgs),
    /// Write an OpenAPI 3.1 document per service: every rpc as POST /{service}/{rpc}
    /// (and GET for readonly rpcs), request and response schemas, errors and headers.
    ///
    /// One document goes to stdout, or to --out FILE; several go into the folder
    /// --out DIR as <service>.openapi.json. A file without a service that no other
    /// file given imports gets a document of its types. The mapping: docs/openapi.md.
    Openapi(openapi::OpenapiArgs),
    /// Serve the Language Server Protocol on stdin/stdout for editors: diagnostics as
    /// you type, hover, go to definition, completion, formatting, document symbols.
    ///
    /// Editors start it themselves; docs/editors.md says how to set up VS Code, Neovim,
    /// Helix and others.
    Lsp(lsp::LspArgs),
}

/// How contracts are read: where imports may lead, how large a file may be.
#[derive(clap::Args, Clone, Default)]
struct LoadArgs {
    /// A folder that imports may read from, besides the folders given (a file given
    /// stands for its folder). Repeatable. An import that leads anywhere else is an error.
    #[arg(long = "root", value_name = "DIR")]
    roots: Vec<PathBuf>,
    #[command(flatten)]
    size: SizeArg,
}

#[derive(clap::Args, Clone, Default)]
struct SizeArg {
    /// The largest contract file read: `16MiB` (the default), `512KiB`, `1GiB`, or bytes.
    /// Also set by the environment variable BRIEF_MAX_FILE_SIZE.
    #[arg(long, value_name = "SIZE", value_parser = check::parse_size)]
    max_file_size: Option<u64>,
}

/// The environment variable that sets `--max-file-size`.
const MAX_FILE_SIZE_ENV: &str = "BRIEF_MAX_FILE_SIZE";

impl SizeArg {
    fn bytes(&self) -> Result<u64, String> {
        if let Some(size) = self.max_file_size {
            return Ok(size);
        }
        match std::env::var(MAX_FILE_SIZE_ENV) {
            Ok(text) => check::parse_size(&text).map_err(|e| format!("{MAX_FILE_SIZE_ENV}: {e}")),
            Err(_) => Ok(check::DEFAULT_MAX_FILE_SIZE),
        }
    }
}

impl LoadArgs {
    fn options(&self) -> Result<CheckOptions, String> {
        for root in &self.roots {
            if !root.is_dir() {
                return Err(format!("--root {}: not a folder", root.display()));
            }
        }
        Ok(CheckOptions {
            roots: self.roots.clone(),
            max_file_size: self.size.bytes()?,
            ..CheckOptions::default()
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            paths,
            format,
            load,
        } => run_check(&paths, format, &load),
        Command::Fmt { paths, check, size } => run_fmt(&paths, check, &size),
        Command::Compat(args) => compat::run(args),
        Command::Codegen(args) => codegen::run(&args),
        Command::Openapi(args) => openapi::run(&args),
        Command::Lsp(args) => Ok(lsp::run(&args)),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn text_style() -> Style {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    Style::Text { color }
}

/// Every contract below the paths; none at all is a usage error, since checking or
/// generating nothing is surely not what was meant.
fn contracts(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let files = check::collect_brief_files(paths).map_err(|e| e.to_string())?;
    if files.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(format!(
            "no contracts to read: no .brief file in {} (hidden folders are skipped)",
            names.join(", ")
        ));
    }
    Ok(files)
}

/// Reading errors of the files given, with a hint where a flag would help.
fn load_error(e: check::LoadError) -> String {
    if e.source.kind() == std::io::ErrorKind::FileTooLarge {
        format!("{e} (raise it with --max-file-size or {MAX_FILE_SIZE_ENV})")
    } else {
        e.to_string()
    }
}

/// Checks the contracts below `paths` on disk; each folder given is an import root.
fn check_given(paths: &[PathBuf], load: &LoadArgs) -> Result<brief::Checked, String> {
    let mut options = load.options()?;
    let files = contracts(paths)?;
    options
        .roots
        .extend(paths.iter().filter(|p| p.is_dir()).cloned());
    check::check_with_options(&check::FsSources, &files, &options).map_err(load_error)
}

fn run_check(paths: &[PathBuf], format: Format, load: &LoadArgs) -> Result<ExitCode, String> {
    let checked = check_given(paths, load)?;
    let diagnostics = &checked.diagnostics;
    match format {
        Format::Text => eprint!("{}", diagnostics::render(diagnostics, text_style())),
        Format::Json => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(diagnostics::render(diagnostics, Style::Json).as_bytes());
        }
    }
    Ok(if diagnostics.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_fmt(paths: &[PathBuf], check_only: bool, size: &SizeArg) -> Result<ExitCode, String> {
    let limit = size.bytes()?;
    let files = contracts(paths)?;
    let mut unformatted = 0;
    let mut broken = 0;
    for path in files {
        let source = check::read_file(&path, limit).map_err(|source| {
            load_error(check::LoadError {
                path: path.clone(),
                source,
            })
        })?;
        let formatted = match brief::fmt::format_source(&source) {
            Ok(f) => f,
            Err(_) => {
                // Show the syntax error exactly as `brief check` would.
                let checked = brief::check_source(&path.to_string_lossy(), &source);
                eprint!(
                    "{}",
                    diagnostics::render(&checked.diagnostics, text_style())
                );
                broken += 1;
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        unformatted += 1;
        if check_only {
            println!("{}", path.display());
        } else {
            write_atomically(&path, &formatted)?;
        }
    }
    let failed = broken > 0 || (check_only && unformatted > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes beside the file and renames over it, so an interrupted run loses nothing.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".brief-fmt.tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}: {e}", path.display())
    })
}
