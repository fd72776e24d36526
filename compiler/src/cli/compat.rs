//! `brief compat`: two versions of a contract, a version and a git revision, or a
//! provider and its consumers' copies.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use brief::check::{self, collect_brief_files, CheckOptions};
use brief::diagnostics::{self, Style};

use super::{load_error, text_style, Cli, LoadArgs};

#[derive(clap::Args)]
pub(super) struct CompatArgs {
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
    #[command(flatten)]
    load: LoadArgs,
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

pub(super) fn run(args: CompatArgs) -> Result<ExitCode, String> {
    let CompatArgs {
        paths,
        against,
        consumer,
        level,
        format,
        load,
    } = args;
    let reader = Reader {
        options: load.options()?,
        format,
    };
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
        let new = reader.model(&check::FsSources, &new_files, &path, "new")?;
        let tree = compat::git::GitTree::open(&path, &rev)
            .map_err(|e| e.to_string())?
            .max_file_size(reader.options.max_file_size);
        let old_files = tree.brief_files(&path).map_err(|e| e.to_string())?;
        let old = reader.model(&tree, &old_files, &path, &format!("old (at {rev})"))?;
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
        let provider_model =
            reader.model(&check::FsSources, &provider_files, &provider, "provider")?;
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
            let consumer_model = reader.model(
                &check::FsSources,
                &copies,
                consumer_path,
                &format!("consumer {}", consumer_path.display()),
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
        let old = reader.model(&check::FsSources, &old_files, &paths[0], "old")?;
        let new = reader.model(&check::FsSources, &new_files, &paths[1], "new")?;
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

/// How each side is read: the same options for all, diagnostics in the report's format.
struct Reader {
    options: CheckOptions,
    format: CompatFormat,
}

impl Reader {
    /// Checks one side (`files`, found at `path`); on errors prints the diagnostics as
    /// `brief check` does and fails.
    fn model(
        &self,
        sources: &dyn check::Sources,
        files: &[PathBuf],
        path: &std::path::Path,
        side: &str,
    ) -> Result<brief::Model, String> {
        if files.is_empty() && side == "new" {
            return Err("no .brief files to compare".into());
        }
        let mut options = self.options.clone();
        if path.is_dir() {
            options.roots.push(path.to_path_buf());
        }
        let checked = check::check_with_options(sources, files, &options).map_err(load_error)?;
        if !checked.diagnostics.has_errors() {
            return Ok(checked.model);
        }
        let errors = checked.diagnostics.only_errors();
        match self.format {
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
