//! Subcommands of `brief`. Exit codes: 0 success, 1 problems found in the input,
//! 2 usage or I/O errors.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use brief::check::{self, collect_brief_files};
use brief::diagnostics::{self, Style};

mod lsp;
mod openapi;

#[derive(Parser)]
#[command(
    name = "brief",
    version,
    propagate_version = true,
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
    /// Generate clients and servers from contracts.
    ///
    /// With --lang and --out, generates that language into that folder. Without them,
    /// reads brief.toml beside the contracts folder (or inside it) and generates every
    /// language it configures:
    ///
    ///   [rust]
    ///   out = "src/rpc"
    ///
    ///   [go]
    ///   out = "internal/rpc"
    ///   import_path = "example.com/svc/internal/rpc"
    ///
    /// The contracts are checked first; with errors nothing is written and the exit
    /// code is 1.
    Codegen(CodegenArgs),
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
    Compat(CompatArgs),
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

#[derive(clap::Args)]
struct CodegenArgs {
    /// Files or folders; a folder means every *.brief file below it.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The language to generate (then --out is required).
    #[arg(long, value_enum, requires = "out")]
    lang: Option<LangArg>,
    /// The folder to write into.
    #[arg(long, value_name = "DIR", requires = "lang")]
    out: Option<PathBuf>,
    /// Generate clients and types only.
    #[arg(long, conflicts_with = "server_only")]
    client_only: bool,
    /// Generate servers and types only.
    #[arg(long)]
    server_only: bool,
    /// Go: the package name (default: from the service name, or the file name).
    #[arg(long, value_name = "NAME")]
    go_package: Option<String>,
    /// Go: the import path of the output folder, so that contracts importing each other
    /// can import each other's packages.
    #[arg(long, value_name = "PATH")]
    go_import_path: Option<String>,
    /// Go: the import path of the brief runtime package.
    #[arg(long, value_name = "PATH")]
    go_runtime: Option<String>,
    /// Write nothing; exit 1 if any generated file is missing or differs from the one on
    /// disk (for CI).
    #[arg(long)]
    check: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Rust,
    Go,
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
        Command::Compat(args) => run_compat(args),
        Command::Codegen(args) => run_codegen(&args),
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

fn run_codegen(args: &CodegenArgs) -> Result<ExitCode, String> {
    use brief::gen::{self, Lang, Options};
    // With brief.toml, contracts are named relative to its folder, so the generated
    // headers are the same wherever the command runs from.
    let (targets, base): (Vec<(Lang, PathBuf, Options)>, Option<PathBuf>) =
        match (args.lang, &args.out) {
            (Some(lang), Some(out)) => {
                let mut options = Options {
                    client: !args.server_only,
                    server: !args.client_only,
                    go_package: args.go_package.clone(),
                    go_import_path: args.go_import_path.clone(),
                    ..Options::default()
                };
                if let Some(runtime) = &args.go_runtime {
                    options.go_runtime = runtime.clone();
                }
                let lang = match lang {
                    LangArg::Rust => Lang::Rust,
                    LangArg::Go => Lang::Go,
                };
                (vec![(lang, out.clone(), options)], None)
            }
            _ => match gen::config::find(&args.paths[0])? {
                Some(found) => (found.targets(), Some(found.base_dir())),
                None => {
                    return Err(format!(
                        "no --lang/--out given and no {} found in or beside {}",
                        gen::config::FILE_NAME,
                        args.paths[0].display()
                    ))
                }
            },
        };
    let checked = match &base {
        None => check::check_paths(&args.paths),
        Some(base) => {
            let files = check::collect_brief_files(&args.paths).map_err(|e| e.to_string())?;
            let sources = check::RootedSources::new(base);
            let roots: Vec<PathBuf> = files.iter().map(|f| sources.relative(f)).collect();
            check::check_with(&sources, &roots)
        }
    }
    .map_err(|e| e.to_string())?;
    if !checked.diagnostics.is_empty() {
        eprint!(
            "{}",
            diagnostics::render(&checked.diagnostics, text_style())
        );
    }
    if checked.diagnostics.has_errors() {
        return Ok(ExitCode::from(1));
    }
    let mut stale = Vec::new();
    for (lang, out, options) in targets {
        let mut files = gen::generate(&checked.model, lang, &options).map_err(|e| e.to_string())?;
        gen::format_files(lang, &mut files);
        if args.check {
            for (rel, text) in &files {
                let path = out.join(rel);
                if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
                    stale.push(path);
                }
            }
            continue;
        }
        let written = gen::write_files(&out, &files)
            .map_err(|e| format!("cannot write into {}: {e}", out.display()))?;
        eprintln!(
            "{}: {} files in {} ({} changed)",
            lang.name(),
            files.len(),
            out.display(),
            written.len()
        );
    }
    for path in &stale {
        println!("{}", path.display());
    }
    Ok(if stale.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
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

#[derive(clap::Args)]
struct CompatArgs {
    /// OLD and NEW (files or folders); with --against, the PATH to compare (default: the
    /// folder holding brief.toml, else `.`); with --consumer, the consumers: their
    /// repositories or rpc folders (their copy is rpc/<service>.brief) or copy files.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Compare the working tree with this git revision (a branch such as `main` or
    /// `origin/main`, a tag, a commit), read through git without checking it out.
    #[arg(long, value_name = "REF", conflicts_with = "consumer")]
    against: Option<String>,
    /// The provider's contract (file or folder) to check the consumers' copies against.
    #[arg(long, value_name = "PROVIDER")]
    consumer: Option<PathBuf>,
    /// `wire`: what breaks JSON between old and new. `source`: also what breaks code
    /// generated from the old contract (renamed messages, enums and fields, moved or
    /// removed types).
    #[arg(long, value_enum, default_value_t = CompatLevel::Wire)]
    level: CompatLevel,
    /// `text` for people, `json` (one document) for tools, `github` for GitHub Actions
    /// annotations on the new file's lines. Printed to stdout.
    #[arg(long, value_enum, default_value_t = CompatFormat::Text)]
    format: CompatFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompatLevel {
    Wire,
    Source,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompatFormat {
    Text,
    Json,
    Github,
}

fn run_compat(args: CompatArgs) -> Result<ExitCode, String> {
    let CompatArgs {
        paths,
        against,
        consumer,
        level,
        format,
    } = args;
    use brief::compat::{self, Format, Level};
    use clap::CommandFactory;

    let usage = |message: &str| -> ! {
        Cli::command()
            .find_subcommand_mut("compat")
            .expect("compat is a subcommand")
            .clone()
            .error(clap::error::ErrorKind::WrongNumberOfValues, message)
            .exit()
    };
    let level = match level {
        CompatLevel::Wire => Level::Wire,
        CompatLevel::Source => Level::Source,
    };
    let out_format = match format {
        CompatFormat::Text => Format::Text,
        CompatFormat::Json => Format::Json,
        CompatFormat::Github => Format::Github,
    };
    let report = if let Some(rev) = against {
        if paths.len() > 1 {
            usage("--against takes at most one PATH");
        }
        let path = paths
            .into_iter()
            .next()
            .unwrap_or_else(compat::git::default_path);
        let new_files =
            collect_brief_files(std::slice::from_ref(&path)).map_err(|e| e.to_string())?;
        let new = checked(&check::FsSources, &new_files, "new", format)?;
        let tree = compat::git::GitTree::open(&path, &rev).map_err(|e| e.to_string())?;
        let old_files = tree.brief_files(&path).map_err(|e| e.to_string())?;
        let old = checked(&tree, &old_files, &format!("old (at {rev})"), format)?;
        let mut report = compat::compare(&old, &new, level);
        report.old_label = Some(rev);
        report
    } else if let Some(provider) = consumer {
        if paths.is_empty() {
            usage("--consumer needs at least one CONSUMER");
        }
        if level == Level::Source {
            usage("the consumer check runs at the wire level only");
        }
        let provider_files =
            collect_brief_files(std::slice::from_ref(&provider)).map_err(|e| e.to_string())?;
        let provider_model = checked(&check::FsSources, &provider_files, "provider", format)?;
        let services: Vec<String> = provider_model
            .root_files()
            .filter_map(|f| f.service.as_ref().map(|s| s.name.clone()))
            .collect();
        let mut report = compat::Report {
            level,
            ..Default::default()
        };
        for consumer_path in &paths {
            let copies = consumer_copies(consumer_path, &services)?;
            let consumer_model = checked(
                &check::FsSources,
                &copies,
                &format!("consumer {}", consumer_path.display()),
                format,
            )?;
            let name = consumer_name(consumer_path);
            report.extend(compat::consumer(&provider_model, &consumer_model, &name));
        }
        report
    } else {
        if paths.len() != 2 {
            usage("give OLD and NEW, or --against REF, or --consumer PROVIDER CONSUMER...");
        }
        let old_files =
            collect_brief_files(std::slice::from_ref(&paths[0])).map_err(|e| e.to_string())?;
        let new_files =
            collect_brief_files(std::slice::from_ref(&paths[1])).map_err(|e| e.to_string())?;
        let old = checked(&check::FsSources, &old_files, "old", format)?;
        let new = checked(&check::FsSources, &new_files, "new", format)?;
        compat::compare(&old, &new, level)
    };
    print!("{}", report.render(out_format));
    let _ = std::io::stdout().flush();
    Ok(if report.is_breaking() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Checks one side; on errors prints the diagnostics as `brief check` does and fails.
fn checked(
    sources: &dyn check::Sources,
    files: &[PathBuf],
    side: &str,
    format: CompatFormat,
) -> Result<brief::Model, String> {
    if files.is_empty() && side == "new" {
        return Err("no .brief files to compare".into());
    }
    let checked = check::check_with(sources, files).map_err(|e| e.to_string())?;
    if !checked.diagnostics.has_errors() {
        return Ok(checked.model);
    }
    let errors = check::Diagnostics(checked.diagnostics.errors().cloned().collect());
    match format {
        CompatFormat::Json => {
            print!("{}", diagnostics::render(&errors, Style::Json));
        }
        CompatFormat::Github => {
            for d in errors.iter() {
                let j = diagnostics::to_json(d);
                println!(
                    "::error file={},line={},col={},title={}::{}",
                    j.file,
                    j.line,
                    j.column,
                    j.code,
                    j.message.replace('%', "%25").replace('\n', "%0A")
                );
            }
        }
        CompatFormat::Text => {}
    }
    eprint!("{}", diagnostics::render(&errors, text_style()));
    Err(format!("the {side} contract has errors"))
}

/// The files of a consumer that copy the provider's services: the file itself, or in a
/// folder `rpc/<service>.brief`, `<service>.brief`, else any `.brief` file below that
/// declares the service.
fn consumer_copies(path: &std::path::Path, services: &[String]) -> Result<Vec<PathBuf>, String> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        return Err(format!(
            "cannot read {}: no such file or folder",
            path.display()
        ));
    }
    let mut copies = Vec::new();
    for service in services {
        let candidates = [
            path.join("rpc").join(format!("{service}.brief")),
            path.join(format!("{service}.brief")),
        ];
        if let Some(found) = candidates.iter().find(|p| p.is_file()) {
            copies.push(found.clone());
            continue;
        }
        let needle = format!("service \"{service}\"");
        for file in collect_brief_files(&[path.to_path_buf()]).map_err(|e| e.to_string())? {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if text.contains(&needle) {
                copies.push(file);
            }
        }
    }
    if copies.is_empty() {
        return Err(format!(
            "{} holds no copy of {} (looked for rpc/<service>.brief)",
            path.display(),
            services
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(copies)
}

/// A consumer's name for reports: its folder's name (the repository), not `rpc`.
fn consumer_name(path: &std::path::Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut p = path.as_path();
    if p.is_file() {
        p = p.parent().unwrap_or(p);
    }
    if p.file_name().is_some_and(|n| n == "rpc") {
        p = p.parent().unwrap_or(p);
    }
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
