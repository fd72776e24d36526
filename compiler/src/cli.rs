//! Subcommands of `brief`. Exit codes: 0 success, 1 problems found in the input,
//! 2 usage or I/O errors.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use brief::check::{self, collect_brief_files};
use brief::diagnostics::{self, Style};

#[derive(Parser)]
#[command(
    name = "brief",
    version,
    about = "Contracts for services that call each other: check, format and generate code",
    long_about = "brief reads .brief contracts (services, rpcs, messages, enums, errors, event schemas), \
                  checks them, formats them and generates clients and servers.\n\n\
                  Exit codes: 0 success, 1 problems found in the input, 2 usage or I/O errors."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check contracts and report every problem, with file, line and column.
    ///
    /// Exits 0 when there are no errors (warnings are printed), 1 when there are.
    Check {
        /// Files or folders; a folder means every *.brief file below it.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// How to print diagnostics: `text` (to stderr) or `json` (one object per line,
        /// to stdout).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { paths, format } => run_check(&paths, format),
        Command::Fmt { paths, check } => run_fmt(&paths, check),
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

fn run_check(paths: &[PathBuf], format: Format) -> Result<ExitCode, String> {
    let checked = check::check_paths(paths).map_err(|e| e.to_string())?;
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

fn run_fmt(paths: &[PathBuf], check_only: bool) -> Result<ExitCode, String> {
    let files = collect_brief_files(paths).map_err(|e| e.to_string())?;
    let mut unformatted = 0;
    let mut broken = 0;
    for path in files {
        let source = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
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
fn write_atomically(path: &std::path::Path, text: &str) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".brief-fmt.tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}: {e}", path.display())
    })
}
