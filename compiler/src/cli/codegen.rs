//! `brief codegen`: check the contracts, then generate each language configured (by
//! flags or by brief.toml), or with `--check` tell which generated files are stale.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use brief::check;
use brief::diagnostics;
use brief::gen::{self, Lang, Options};

use super::{check_given, contracts, load_error, text_style, LoadArgs};

#[derive(clap::Args)]
pub(super) struct CodegenArgs {
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
    /// PHP: the namespace each contract's namespace goes under (`Acme\Rpc` gives
    /// `Acme\Rpc\Summer`; default: none, so `Summer`).
    #[arg(long, value_name = "NAMESPACE")]
    php_namespace: Option<String>,
    /// PHP: the folder of the brief runtime (runtime/php) relative to --out, which the
    /// generated autoload.php and composer.json then load.
    #[arg(long, value_name = "PATH")]
    php_runtime: Option<String>,
    /// Write nothing; exit 1 if any generated file is missing or differs from the one on
    /// disk (for CI), naming them and the command that regenerates them.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Rust,
    Go,
    Php,
}

pub(super) fn run(args: &CodegenArgs) -> Result<ExitCode, String> {
    // With brief.toml, contracts are named relative to its folder, so the generated
    // headers are the same wherever the command runs from; that folder (the project) is
    // an import root too.
    let (targets, base): (Vec<(Lang, PathBuf, Options)>, Option<PathBuf>) =
        match (args.lang, &args.out) {
            (Some(lang), Some(out)) => {
                let mut options = Options {
                    client: !args.server_only,
                    server: !args.client_only,
                    go_package: args.go_package.clone(),
                    go_import_path: args.go_import_path.clone(),
                    php_namespace: args.php_namespace.clone(),
                    php_runtime: args.php_runtime.clone(),
                    ..Options::default()
                };
                if let Some(runtime) = &args.go_runtime {
                    options.go_runtime = runtime.clone();
                }
                let lang = match lang {
                    LangArg::Rust => Lang::Rust,
                    LangArg::Go => Lang::Go,
                    LangArg::Php => Lang::Php,
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
        None => check_given(&args.paths, &args.load)?,
        Some(base) => {
            let files = contracts(&args.paths)?;
            let mut options = args.load.options()?;
            let sources = check::RootedSources::new(base);
            let relative = |p: &Path| sources.relative(p);
            let roots: Vec<PathBuf> = files.iter().map(|f| relative(f)).collect();
            // A root outside the project stays absolute.
            options.roots = options
                .roots
                .iter()
                .map(|r| relative(&std::fs::canonicalize(r).unwrap_or_else(|_| r.clone())))
                .collect();
            options.roots.push(PathBuf::from("."));
            options.roots.extend(
                args.paths
                    .iter()
                    .filter(|p| p.is_dir())
                    .map(|p| relative(p)),
            );
            check::check_with_options(&sources, &roots, &options).map_err(load_error)?
        }
    };
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
                match std::fs::read(&path) {
                    Ok(old) if old == text.as_bytes() => {}
                    Ok(_) => stale.push((path, "differs from what the contracts generate")),
                    Err(_) => stale.push((path, "is missing")),
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
        if lang == Lang::Go && options.go_runtime == gen::go::DEFAULT_RUNTIME_IMPORT {
            if let Some(hint) = go_runtime_hint(&out) {
                eprint!("{hint}");
            }
        }
    }
    if stale.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    // The paths alone on stdout, for scripts; what to do about them on stderr.
    for (path, _) in &stale {
        println!("{}", path.display());
    }
    eprintln!("error: the generated code is stale:");
    for (path, why) in &stale {
        eprintln!("  {} {why}", path.display());
    }
    eprintln!(
        "regenerate it with:\n  {}",
        regenerate_command(std::env::args_os())
    );
    Ok(ExitCode::from(1))
}

/// The command line that was run, without `--check`: it writes what `--check` compared.
fn regenerate_command(args: impl IntoIterator<Item = OsString>) -> String {
    args.into_iter()
        .filter(|a| a != "--check")
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `word` as a POSIX shell reads it back.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The Go runtime module is not published: a module using generated code needs a
/// `replace` pointing at a checkout of brief. When the module that will hold `out` does
/// not seem to have one (nor a go.work that uses the runtime), say how to add it.
fn go_runtime_hint(out: &Path) -> Option<String> {
    let module = gen::go::DEFAULT_RUNTIME_IMPORT;
    let start = std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf());
    let mut go_mod = None;
    for dir in start.ancestors() {
        if go_mod.is_none() && dir.join("go.mod").is_file() {
            let text = std::fs::read_to_string(dir.join("go.mod")).unwrap_or_default();
            let replaced = text.lines().any(|l| l.contains(module) && l.contains("=>"));
            if replaced || text.contains(&format!("module {module}")) {
                return None;
            }
            go_mod = Some(dir.join("go.mod"));
        }
        let work = std::fs::read_to_string(dir.join("go.work")).unwrap_or_default();
        if work.contains("runtime/go") {
            return None;
        }
    }
    // A binary built from a checkout knows where that checkout's runtime is.
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/go");
    let runtime = std::fs::canonicalize(&checkout)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "/path/to/brief/runtime/go".to_string());
    let place = match &go_mod {
        Some(path) => format!("add to {}", path.display()),
        None => format!(
            "no go.mod holds {}: create one (go mod init ...), then add",
            out.display()
        ),
    };
    Some(format!(
        "note: the generated code imports {module}, which is not published on the Go \
         module proxy; use a checkout of brief ({place}):\n\n    \
         require {module} v0.0.0\n    replace {module} => {runtime}\n\n\
         then run `go mod tidy` (see docs/go.md)\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_regenerate_command_drops_check_and_quotes() {
        let args = [
            "brief", "codegen", "my rpc", "--check", "--lang", "go", "--out", "it's",
        ]
        .map(OsString::from);
        assert_eq!(
            regenerate_command(args),
            r"brief codegen 'my rpc' --lang go --out 'it'\''s'"
        );
    }
}
